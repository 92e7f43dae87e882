//! The project's own synthetic captures (kagami::synth): each says exactly
//! which flows it holds, so kagami's flow records are checked against the
//! truth, packet for packet and byte for byte, in every file format and link
//! type, through every tunnel, and across fragment reassembly.

mod common;
use common::*;

use std::net::SocketAddr;
use std::path::Path;

use kagami::synth::{self, FileFormat, Link, Output, SynthSummary};
use serde_json::Value;

fn proto_name(p: u8) -> &'static str {
    match p {
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        58 => "IPv6-ICMP",
        _ => "?",
    }
}

fn endpoint(r: &Value, ip: &str, port: &str) -> SocketAddr {
    let ip = r[ip].as_str().and_then(|s| s.parse().ok()).expect("ip");
    SocketAddr::new(ip, r[port].as_u64().unwrap_or(0) as u16)
}

/// Asserts kagami's flow records are exactly the generator's flows.
fn assert_flows_match(run: &Run, truth: &SynthSummary, check_bytes: bool, what: &str) {
    let flows = run.flows();
    let mut unmatched: Vec<&Value> = flows.clone();
    for t in &truth.flows {
        let mine: Vec<&Value> = flows
            .iter()
            .copied()
            .filter(|r| {
                r["proto"] == proto_name(t.proto)
                    && endpoint(r, "src_ip", "src_port") == t.client
                    && endpoint(r, "dest_ip", "dest_port") == t.server
                    && (t.vlan.is_empty() || r["vlan"] == serde_json::json!(t.vlan))
            })
            .collect();
        assert_eq!(
            mine.len(),
            1,
            "{what}: flow {t:?} appears {} times",
            mine.len()
        );
        let f = &mine[0]["flow"];
        assert_eq!(
            f["pkts_toserver"], t.pkts_toserver,
            "{what}: {t:?} vs {}",
            mine[0]
        );
        assert_eq!(
            f["pkts_toclient"], t.pkts_toclient,
            "{what}: {t:?} vs {}",
            mine[0]
        );
        if check_bytes {
            assert_eq!(
                f["bytes_toserver"], t.bytes_toserver,
                "{what}: {t:?} vs {}",
                mine[0]
            );
            assert_eq!(
                f["bytes_toclient"], t.bytes_toclient,
                "{what}: {t:?} vs {}",
                mine[0]
            );
        }
        unmatched.retain(|r| !std::ptr::eq(*r, mine[0]));
    }
    assert!(
        unmatched.is_empty(),
        "{what}: flows the capture does not hold: {unmatched:#?}"
    );
}

#[test]
fn shipped_demo_capture_is_reproducible_and_fully_accounted() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps/demo.pcap");
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("demo.pcap");
    let truth = synth::write_demo(&fresh, 1).unwrap();
    assert_eq!(
        std::fs::read(&shipped).unwrap(),
        std::fs::read(&fresh).unwrap(),
        "pcaps/demo.pcap differs from `kagami synth demo --seed 1`: regenerate it"
    );
    let (_d, run) = run_capture(&shipped, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, "demo");
    assert_flows_match(&run, &truth, true, "demo");
    let s = run.stats();
    assert_eq!(counter(s, "decoder.pkts"), truth.packets);
    assert_eq!(counter(s, "decoder.bytes"), truth.bytes);
    assert_eq!(counter(s, "decoder.invalid"), 0);
    assert_eq!(counter(s, "flow.total"), truth.flows.len() as u64);
    assert!(counter(s, "decoder.arp") > 0);
}

#[test]
fn every_file_format_and_link_type_gives_the_same_flows() {
    let formats = [
        FileFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        FileFormat::Pcap {
            big_endian: true,
            nanos: false,
        },
        FileFormat::Pcap {
            big_endian: false,
            nanos: true,
        },
        FileFormat::Pcap {
            big_endian: true,
            nanos: true,
        },
        FileFormat::PcapNg,
    ];
    let links = [
        Link::Ethernet,
        Link::LinuxSll,
        Link::LinuxSll2,
        Link::RawIp,
        Link::BsdNull,
        Link::BsdLoop,
    ];
    let mut reference: Option<Vec<(String, u64, u64)>> = None;
    for format in formats {
        for link in links {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("sample.pcap");
            let truth = synth::write_sample(&path, &Output { format, link }, 7).unwrap();
            let what = format!("{format:?} {link:?}");
            let (_d, run) = run_capture(&path, &[]);
            assert_eq!(run.code, 0, "{what}: {}", run.stderr);
            assert_schema_valid(&run.eve, &what);
            assert_flows_match(&run, &truth, true, &what);
            assert_eq!(counter(run.stats(), "decoder.invalid"), 0, "{what}");
            // Same flows, same start times (micro- and nanosecond files agree
            // to the microsecond EVE prints), whatever the container.
            let mut seen: Vec<(String, u64, u64)> = run
                .flows()
                .iter()
                .map(|r| {
                    (
                        format!(
                            "{} {} {} {}",
                            r["community_id"], r["flow"]["start"], r["flow"]["end"], r["proto"]
                        ),
                        r["flow"]["pkts_toserver"].as_u64().unwrap(),
                        r["flow"]["pkts_toclient"].as_u64().unwrap(),
                    )
                })
                .collect();
            seen.sort();
            match &reference {
                None => reference = Some(seen),
                Some(r) => assert_eq!(r, &seen, "{what} differs from the first format"),
            }
        }
    }
}

#[test]
fn tunnels_are_decapsulated_to_the_inner_flow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tunnels.pcap");
    let truth = synth::write_tunnels(&path).unwrap();
    let (_d, run) = run_capture(&path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, "tunnels");
    assert_flows_match(&run, &truth, true, "tunnels");
    let s = run.stats();
    for c in [
        "decoder.vlan",
        "decoder.vlan_qinq",
        "decoder.gre",
        "decoder.erspan",
        "decoder.vxlan",
        "decoder.ipv4_in_ipv4",
        "decoder.ipv6_in_ipv4",
    ] {
        assert!(counter(s, c) > 0, "{c} should count the tunnel packets");
    }
    assert_eq!(counter(s, "decoder.invalid"), 0);
    // the 802.1Q flow carries its VLAN id
    assert!(
        run.flows()
            .iter()
            .any(|r| r["vlan"] == serde_json::json!([100]))
    );
    assert!(
        run.flows()
            .iter()
            .any(|r| r["vlan"] == serde_json::json!([200, 300]))
    );
}

#[test]
fn fragments_are_reassembled_once_and_incomplete_ones_expire() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fragments.pcap");
    let truth = synth::write_fragments(&path).unwrap();
    let (_d, run) = run_capture(&path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, "fragments");
    assert_flows_match(&run, &truth, false, "fragments");
    let s = run.stats();
    assert!(counter(s, "defrag.ipv4.reassembled") >= 2);
    assert!(counter(s, "defrag.ipv6.reassembled") >= 1);
    assert_eq!(counter(s, "decoder.invalid"), 0);
    // the datagram whose last fragment never came holds memory until its
    // timeout or the end; it never becomes a packet
    assert_eq!(counter(s, "flow.total"), truth.flows.len() as u64);
}

#[test]
fn fragment_timeout_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fragments.pcap");
    synth::write_fragments(&path).unwrap();
    // The datagram whose last fragment never comes is dropped, and counted:
    // at its timeout if the capture goes on long enough, else at the end.
    let (_d, run) = run_capture(&path, &["--set", "defrag.timeout=1"]);
    assert_eq!(run.code, 0);
    let s = run.stats();
    let lost = counter(s, "defrag.ipv4.timeouts")
        + counter(s, "defrag.ipv6.timeouts")
        + run.metric("kagami.defrag.incomplete_at_end");
    assert_eq!(lost, 1, "{s}");
    assert_eq!(counter(s, "defrag.memuse"), 0);
}

#[test]
fn several_files_are_one_continuous_replay() {
    // Split the demo capture in two: a flow that spans both files is one flow.
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("demo.pcap");
    let truth = synth::write_demo(&whole, 1).unwrap();
    let (a, b) = (dir.path().join("a.pcap"), dir.path().join("b.pcap"));
    split_pcap(&whole, &a, &b);
    let out = tempfile::tempdir().unwrap();
    let run = run_in(
        out.path(),
        &["-r", a.to_str().unwrap(), b.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_flows_match(&run, &truth, true, "demo split in two files");
    assert_eq!(run.metric("kagami.capture.files"), 2);
}

/// Writes the first half of `src`'s packets to `a` and the rest to `b`.
fn split_pcap(src: &Path, a: &Path, b: &Path) {
    use pcap_file::pcap::{PcapReader, PcapWriter};
    let mut reader = PcapReader::new(std::fs::File::open(src).unwrap()).unwrap();
    let header = reader.header();
    let mut packets = Vec::new();
    while let Some(p) = reader.next_packet() {
        packets.push(p.unwrap().into_owned());
    }
    let half = packets.len() / 2;
    for (path, part) in [(a, &packets[..half]), (b, &packets[half..])] {
        let mut w = PcapWriter::with_header(std::fs::File::create(path).unwrap(), header).unwrap();
        for p in part {
            w.write_packet(p).unwrap();
        }
    }
}

#[test]
fn flow_records_name_the_flow_the_same_way_every_time() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps/demo.pcap");
    let (_a, one) = run_capture(&shipped, &[]);
    let (_b, two) = run_capture(&shipped, &[]);
    let ids = |r: &Run| {
        r.flows()
            .iter()
            .map(|f| {
                (
                    f["flow_id"].as_u64().unwrap(),
                    f["community_id"].to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&one),
        ids(&two),
        "flow_id and order must not depend on the run"
    );
    let mut unique = ids(&one);
    unique.sort();
    unique.dedup_by_key(|x| x.0);
    assert_eq!(
        unique.len(),
        one.flows().len(),
        "flow_id is unique per flow"
    );
}
