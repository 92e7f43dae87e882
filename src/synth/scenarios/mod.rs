//! The public `write_*` scenarios, one module each, plus helpers they share.

mod bulk;
mod demo;
mod devices;
mod flood;
mod fragments;
mod garbage;
mod hours;
mod mail;
mod sample;
mod spike;
mod tunnels;

pub use bulk::write_bulk;
pub use demo::write_demo;
pub use devices::{
    DEVICES_GATEWAY, DEVICES_GATEWAY_MAC, DEVICES_ROGUE_AT_S, DEVICES_ROGUE_HOSTNAME,
    DEVICES_ROGUE_IP, DEVICES_ROGUE_MAC, write_devices,
};
pub use flood::write_flood;
pub use fragments::write_fragments;
pub use garbage::write_garbage;
pub use hours::write_hours;
pub use mail::{MailSizes, write_mail};
pub use sample::write_sample;
pub use spike::write_spike;
pub use tunnels::write_tunnels;

use std::io;
use std::net::{IpAddr, SocketAddr};

use super::apps::{dns, http, tls};
use super::flow::{Dir, FlowTruth, Path};
use super::rng::Rng;
use super::sink::Sink;
use super::tcp::TcpConv;
use super::udp::UdpFlow;

/// Start of packet time for all scenarios: 2026-11-24T09:00:00Z (a Tuesday), in ns.
pub const DEMO_START_NS: u64 = 1_795_510_800 * 1_000_000_000;

/// One millisecond in ns.
pub(crate) const MS: u64 = 1_000_000;

/// Writes a DNS query and its response (`rtt` later); returns the flow truth.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dns_lookup(
    sink: &mut Sink,
    rng: &mut Rng,
    path: &Path,
    ts: u64,
    rtt: u64,
    client: SocketAddr,
    resolver: SocketAddr,
    name: &str,
    answers: &[IpAddr],
) -> io::Result<FlowTruth> {
    let id = rng.next_u32() as u16;
    let qtype = if answers.first().is_some_and(IpAddr::is_ipv6) {
        dns::QTYPE_AAAA
    } else {
        dns::QTYPE_A
    };
    let mut f = UdpFlow::new(client, resolver, path.clone(), rng.next_u64());
    let mut msg = Vec::with_capacity(128);
    dns::query(&mut msg, id, name, qtype);
    f.send(sink, ts, Dir::ToServer, &msg)?;
    msg.clear();
    let ttl = 60 + rng.below(3000) as u32;
    dns::response(&mut msg, id, name, qtype, answers, ttl);
    f.send(sink, ts + rtt, Dir::ToClient, &msg)?;
    Ok(f.truth("dns"))
}

/// Writes a full TLS 1.2 connection: handshake, `requests` request/response
/// pairs of application data (response plaintext sizes given), FIN.
/// Returns the flow truth and the end time.
pub(crate) fn tls_session(
    sink: &mut Sink,
    rng: &mut Rng,
    mut conv: TcpConv,
    sni: &str,
    responses: &[usize],
) -> io::Result<(FlowTruth, u64)> {
    conv.handshake(sink)?;
    conv.send(sink, Dir::ToServer, &tls::client_hello(rng, sni))?;
    conv.wait(200_000 + rng.below(2 * MS));
    conv.send(sink, Dir::ToClient, &tls::server_flight(rng, sni))?;
    conv.wait(300_000 + rng.below(MS));
    conv.send(sink, Dir::ToServer, &tls::client_finish(rng))?;
    conv.wait(100_000 + rng.below(MS));
    conv.send(sink, Dir::ToClient, &tls::server_finish(rng))?;
    for (i, &size) in responses.iter().enumerate() {
        if i > 0 {
            conv.wait(200 * MS + rng.below(3000 * MS));
        } else {
            conv.wait(200_000);
        }
        let req_len = 350 + rng.below(500) as usize;
        let req = tls::app_data(rng, req_len);
        let resp = tls::app_data(rng, size);
        let delay = 2 * MS + rng.below(60 * MS);
        conv.exchange(sink, &req, delay, &resp)?;
    }
    conv.wait(500 * MS + rng.below(4000 * MS));
    conv.close(sink, Dir::ToServer)?;
    Ok((conv.truth("tls"), conv.t))
}

/// Writes a plain HTTP/1.1 connection with one GET and a `body_len` response.
pub(crate) fn http_session(
    sink: &mut Sink,
    rng: &mut Rng,
    mut conv: TcpConv,
    host: &str,
    path: &str,
    body_len: usize,
) -> io::Result<(FlowTruth, u64)> {
    conv.handshake(sink)?;
    let mut req = Vec::new();
    let ua = *rng.pick(http::USER_AGENTS);
    http::request(&mut req, host, path, ua);
    let resp = http::response(rng, body_len);
    let delay = MS + rng.below(40 * MS);
    conv.wait(100_000);
    conv.exchange(sink, &req, delay, &resp)?;
    conv.wait(100 * MS + rng.below(2000 * MS));
    conv.close(sink, Dir::ToServer)?;
    Ok((conv.truth("http"), conv.t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::fs::File;

    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use pcap_file::pcap::PcapReader;
    use pcap_file::pcapng::{Block, PcapNgReader};

    use crate::synth::{FileFormat, Link, Output, SynthSummary};

    /// (timestamp ns, captured data, orig_len) of every record of a pcap or pcapng file.
    fn read_all(path: &std::path::Path) -> Vec<(u64, Vec<u8>, u32)> {
        let mut out = Vec::new();
        let mut magic = [0u8; 4];
        std::io::Read::read_exact(&mut File::open(path).unwrap(), &mut magic).unwrap();
        if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
            let mut r = PcapNgReader::new(File::open(path).unwrap()).unwrap();
            while let Some(b) = r.next_block() {
                if let Block::EnhancedPacket(p) = b.unwrap() {
                    out.push((
                        p.timestamp.as_nanos() as u64,
                        p.data.to_vec(),
                        p.original_len,
                    ));
                }
            }
        } else {
            let mut r = PcapReader::new(File::open(path).unwrap()).unwrap();
            while let Some(p) = r.next_packet() {
                let p = p.unwrap();
                out.push((p.timestamp.as_nanos() as u64, p.data.to_vec(), p.orig_len));
            }
        }
        out
    }

    fn check_counts(path: &std::path::Path, s: &SynthSummary) -> Vec<(u64, Vec<u8>, u32)> {
        let recs = read_all(path);
        assert_eq!(recs.len() as u64, s.packets);
        assert_eq!(recs.iter().map(|r| u64::from(r.2)).sum::<u64>(), s.bytes);
        assert!(
            recs.windows(2).all(|w| w[0].0 <= w[1].0),
            "timestamps not sorted"
        );
        recs
    }

    type Key = (u8, SocketAddr, SocketAddr);

    /// Directional (proto, src, dst) of an IP packet, ports 0 for ICMP.
    fn tuple(ip: &[u8]) -> Option<(Key, Vec<u8>)> {
        let p = SlicedPacket::from_ip(ip).ok()?;
        let (s, d, proto) = match p.net? {
            NetSlice::Ipv4(v4) => (
                IpAddr::V4(v4.header().source_addr()),
                IpAddr::V4(v4.header().destination_addr()),
                v4.header().protocol().0,
            ),
            NetSlice::Ipv6(v6) => (
                IpAddr::V6(v6.header().source_addr()),
                IpAddr::V6(v6.header().destination_addr()),
                v6.payload().ip_number.0,
            ),
            _ => return None,
        };
        let (sp, dp, payload) = match p.transport {
            Some(TransportSlice::Tcp(t)) => (t.source_port(), t.destination_port(), t.payload()),
            Some(TransportSlice::Udp(u)) => (u.source_port(), u.destination_port(), u.payload()),
            _ => (0, 0, &[][..]),
        };
        Some((
            (proto, SocketAddr::new(s, sp), SocketAddr::new(d, dp)),
            payload.to_vec(),
        ))
    }

    fn link_len(link: Link) -> usize {
        match link {
            Link::Ethernet => 14,
            Link::LinuxSll => 16,
            Link::LinuxSll2 => 20,
            Link::RawIp => 0,
            Link::BsdNull | Link::BsdLoop => 4,
        }
    }

    /// Recounts every flow from the file and compares with the summary.
    fn check_truth(recs: &[(u64, Vec<u8>, u32)], link: Link, s: &SynthSummary) {
        let mut seen: HashMap<Key, [u64; 4]> = HashMap::new();
        for (_, data, orig) in recs {
            if link == Link::Ethernet && data[12..14] == [0x08, 0x06] {
                continue; // ARP
            }
            let Some((k, _)) = tuple(&data[link_len(link)..]) else {
                continue;
            };
            let rev = (k.0, k.2, k.1);
            let fwd = !seen.contains_key(&rev);
            let e = seen.entry(if fwd { k } else { rev }).or_default();
            let i = if fwd { 0 } else { 1 };
            e[i] += 1;
            e[2 + i] += u64::from(*orig);
        }
        assert_eq!(seen.len(), s.flows.len());
        for f in &s.flows {
            let c = seen
                .get(&(f.proto, f.client, f.server))
                .unwrap_or_else(|| panic!("flow {f:?} missing"));
            assert_eq!(
                *c,
                [
                    f.pkts_toserver,
                    f.pkts_toclient,
                    f.bytes_toserver,
                    f.bytes_toclient
                ],
                "{f:?}"
            );
        }
    }

    #[test]
    fn demo_is_deterministic_parses_and_matches_truth() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a.pcap"),
            dir.path().join("b.pcap"),
            dir.path().join("c.pcap"),
        );
        let s = write_demo(&a, 42).unwrap();
        assert_eq!(write_demo(&b, 42).unwrap(), s);
        write_demo(&c, 43).unwrap();
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes, std::fs::read(&b).unwrap());
        assert_ne!(bytes, std::fs::read(&c).unwrap());
        assert!(
            (300_000..=2_500_000).contains(&bytes.len()),
            "{}",
            bytes.len()
        );

        let recs = check_counts(&a, &s);
        for (_, data, _) in &recs {
            SlicedPacket::from_ethernet(data).unwrap();
        }
        let span = recs.last().unwrap().0 - recs[0].0;
        assert!((600 * 1_000 * MS..=1000 * 1_000 * MS).contains(&span));
        check_truth(&recs, Link::Ethernet, &s);
        for app in ["dns", "tls", "http", "smtp"] {
            assert!(s.flows.iter().any(|f| f.app == app), "{app}");
        }
        assert!(s.flows.iter().any(|f| f.proto == 1));
    }

    /// Seq/ack consistency of every TCP conversation of the demo: data is
    /// contiguous per direction and ACKs never acknowledge unsent data.
    #[test]
    fn demo_tcp_seq_ack_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.pcap");
        let s = write_demo(&p, 7).unwrap();
        let recs = read_all(&p);
        // (src, dst) -> next expected seq
        let mut next: HashMap<(SocketAddr, SocketAddr), u32> = HashMap::new();
        let mut checked = 0;
        for (_, data, _) in &recs {
            let Ok(pkt) = SlicedPacket::from_ethernet(data) else {
                continue;
            };
            let Some(TransportSlice::Tcp(t)) = pkt.transport else {
                continue;
            };
            let Some((k, _)) = tuple(&data[14..]) else {
                continue;
            };
            let (src, dst) = (k.1, k.2);
            let adv = t.payload().len() as u32 + u32::from(t.syn()) + u32::from(t.fin());
            if t.syn() {
                assert!(!next.contains_key(&(src, dst)), "duplicate SYN");
            } else {
                let exp = next[&(src, dst)];
                assert_eq!(t.sequence_number(), exp, "{src} -> {dst} seq");
            }
            if t.ack() {
                let peer_next = next[&(dst, src)];
                assert!(
                    t.acknowledgment_number().wrapping_sub(peer_next) as i32 <= 0,
                    "ack beyond sent data"
                );
                checked += 1;
            }
            next.insert((src, dst), t.sequence_number().wrapping_add(adv));
        }
        assert!(checked > 1000);
        // Every connection ended with both FINs acknowledged.
        let tcp = s.flows.iter().filter(|f| f.proto == 6).count();
        assert_eq!(next.len(), tcp * 2);
    }

    #[test]
    fn sample_same_flows_in_every_format_and_link() {
        let dir = tempfile::tempdir().unwrap();
        let links = [
            Link::Ethernet,
            Link::LinuxSll,
            Link::LinuxSll2,
            Link::RawIp,
            Link::BsdNull,
            Link::BsdLoop,
        ];
        let formats = [
            FileFormat::default(),
            FileFormat::Pcap {
                big_endian: true,
                nanos: false,
            },
            FileFormat::Pcap {
                big_endian: false,
                nanos: true,
            },
            FileFormat::PcapNg,
        ];
        let mut reference: Option<SynthSummary> = None;
        for link in links {
            for format in formats {
                let p = dir.path().join(format!("{link:?}-{format:?}"));
                let out = Output { format, link };
                let s = write_sample(&p, &out, 3).unwrap();
                let recs = check_counts(&p, &s);
                check_truth(&recs, link, &s);
                assert_eq!(s.flows.len(), 10);
                if let Some(r) = &reference {
                    assert_eq!(r.packets, s.packets);
                    for (a, b) in r.flows.iter().zip(&s.flows) {
                        assert_eq!(
                            (a.client, a.server, a.pkts_toserver),
                            (b.client, b.server, b.pkts_toserver)
                        );
                        assert_eq!(a.pkts_toclient, b.pkts_toclient);
                        let extra = link_len(link) as i64 - 14;
                        assert_eq!(
                            a.bytes_toserver as i64 + extra * a.pkts_toserver as i64,
                            b.bytes_toserver as i64
                        );
                    }
                } else {
                    reference = Some(s);
                }
            }
        }
        let r = reference.unwrap();
        assert!(r.flows.iter().any(|f| f.client.is_ipv6() && f.proto == 6));
    }

    #[test]
    fn tunnels_counts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.pcap");
        let s = write_tunnels(&p).unwrap();
        let recs = check_counts(&p, &s);
        assert_eq!(s.flows.len(), 9);
        let total: u64 = s
            .flows
            .iter()
            .map(|f| f.pkts_toserver + f.pkts_toclient)
            .sum();
        assert_eq!(total, s.packets);
        let bytes: u64 = s
            .flows
            .iter()
            .map(|f| f.bytes_toserver + f.bytes_toclient)
            .sum();
        assert_eq!(bytes, s.bytes);
        assert_eq!(s.flows[1].vlan, vec![100]);
        assert_eq!(s.flows[2].vlan, vec![200, 300]);
        let ports: HashSet<u16> = s.flows.iter().map(|f| f.client.port()).collect();
        assert_eq!(ports.len(), 9);
        // Every record parses as Ethernet.
        for (_, d, _) in &recs {
            SlicedPacket::from_ethernet(d).unwrap();
        }
    }

    #[test]
    fn fragments_layout() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.pcap");
        let s = write_fragments(&p).unwrap();
        check_counts(&p, &s);
        assert_eq!(s.packets, 3 + 3 + 2 + 3);
        assert_eq!(s.flows.len(), 3);
        assert!(
            s.flows
                .iter()
                .all(|f| f.pkts_toserver == 1 && f.bytes_toserver == 0)
        );
    }

    #[test]
    fn flood_distinct_tuples() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fl.pcap");
        let s = write_flood(&p, 1000, 5).unwrap();
        assert!(s.flows.is_empty());
        assert_eq!(s.flow_count, 1000);
        let recs = check_counts(&p, &s);
        let tuples: HashSet<Key> = recs
            .iter()
            .map(|(_, d, _)| tuple(&d[14..]).unwrap().0)
            .collect();
        assert_eq!(tuples.len(), 1000);
        assert!(s.packets > 1100 && s.packets < 1300, "{}", s.packets);
        let q = dir.path().join("fl2.pcap");
        write_flood(&q, 1000, 5).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&q).unwrap());
    }

    #[test]
    fn bulk_size_flows_and_determinism() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.pcap");
        let s = write_bulk(&p, 5_000_000, 500, 9).unwrap();
        assert!(s.bytes >= 5_000_000);
        assert!(s.flow_count >= 500);
        let recs = check_counts(&p, &s);
        let mut tuples = HashSet::new();
        let (mut small, mut full) = (0u64, 0u64);
        for (_, d, orig) in &recs {
            SlicedPacket::from_ethernet(d).unwrap();
            let (k, _) = tuple(&d[14..]).unwrap();
            let rev = (k.0, k.2, k.1);
            if !tuples.contains(&rev) {
                tuples.insert(k);
            }
            if *orig <= 100 {
                small += 1;
            } else if *orig == 1514 {
                full += 1;
            }
        }
        assert_eq!(tuples.len() as u64, s.flow_count);
        println!("bulk mix: small {small} full {full} of {}", s.packets);
        assert!(small * 100 / s.packets >= 25, "small {small}/{}", s.packets);
        assert!(full * 100 / s.packets >= 25, "full {full}/{}", s.packets);
        let q = dir.path().join("b2.pcap");
        assert_eq!(write_bulk(&q, 5_000_000, 500, 9).unwrap(), s);
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&q).unwrap());
    }

    #[test]
    fn garbage_parses_and_lists_valid_flows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.pcap");
        let s = write_garbage(&p, 3000, 11).unwrap();
        let recs = check_counts(&p, &s);
        assert_eq!(recs[0].1.len(), 0);
        assert_eq!(recs[1].1.len(), 1);
        assert!(recs.iter().any(|r| (r.1.len() as u32) < r.2));
        let valid = recs
            .iter()
            .filter(|(_, d, _)| d.len() >= 34 && d[26..30] == [10, 50, 0, 5])
            .count();
        assert_eq!(valid, s.flows.len());
        assert!(!s.flows.is_empty());
        let q = dir.path().join("g2.pcap");
        write_garbage(&q, 3000, 11).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&q).unwrap());
    }

    /// Writes every scenario to `$SYNTH_OUT` (default /tmp/synth-out) for
    /// manual inspection with tshark: `cargo test --lib dump_files -- --ignored`.
    #[test]
    #[ignore]
    fn dump_files() {
        let dir = std::path::PathBuf::from(
            std::env::var("SYNTH_OUT").unwrap_or_else(|_| "/tmp/synth-out".into()),
        );
        std::fs::create_dir_all(&dir).unwrap();
        let s = write_demo(&dir.join("demo.pcap"), 1).unwrap();
        println!(
            "demo: {} pkts {} bytes {} flows",
            s.packets,
            s.bytes,
            s.flows.len()
        );
        for (name, link) in [("eth", Link::Ethernet), ("sll2", Link::LinuxSll2)] {
            for (fname, format) in [
                ("pcap", FileFormat::default()),
                ("pcapng", FileFormat::PcapNg),
            ] {
                let out = Output { format, link };
                write_sample(&dir.join(format!("sample-{name}.{fname}")), &out, 1).unwrap();
            }
        }
        write_tunnels(&dir.join("tunnels.pcap")).unwrap();
        write_fragments(&dir.join("fragments.pcap")).unwrap();
        write_flood(&dir.join("flood.pcap"), 10_000, 1).unwrap();
        write_bulk(&dir.join("bulk.pcap"), 50_000_000, 5_000, 1).unwrap();
        write_garbage(&dir.join("garbage.pcap"), 2_000, 1).unwrap();
    }

    /// Timing of the benchmark-sized captures (release mode):
    /// `cargo test --release --lib bulk_timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bulk_timing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bulk.pcap");
        for (bytes, flows) in [(1u64 << 30, 100_000u64), (1 << 30, 1_000_000)] {
            let t = std::time::Instant::now();
            let s = write_bulk(&p, bytes, flows, 1).unwrap();
            println!(
                "write_bulk({bytes}, {flows}): {:?}, {} pkts, {} bytes, {} flows",
                t.elapsed(),
                s.packets,
                s.bytes,
                s.flow_count
            );
        }
        let t = std::time::Instant::now();
        let s = write_flood(&p, 1_000_000, 1).unwrap();
        println!("write_flood(1M): {:?}, {} pkts", t.elapsed(), s.packets);
    }
}
