//! `write_garbage`: random-length frames of random bytes, frames with a valid
//! Ethernet header but a corrupt IPv4/IPv6/TCP/UDP header, and a few valid
//! TCP packets in between.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::{TcpHeader, UdpHeader};

use super::DEMO_START_NS;
use crate::synth::flow::{Counts, Dir, Path, SynthSummary};
use crate::synth::link::{ETH_IPV4, ETH_IPV6, L2, push_ethernet};
use crate::synth::packet::{ipv4_header, ipv6_header, push_tcp};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::writer::Output;

const MAC_A: [u8; 6] = [0x02, 0x00, 0x0a, 0x32, 0x00, 0x05];
const MAC_B: [u8; 6] = [0x02, 0x00, 0x0a, 0x32, 0x00, 0x09];

/// Builds one corrupt frame of kind `k` into `buf`.
fn corrupt(rng: &mut Rng, k: u64, buf: &mut Vec<u8>) -> io::Result<()> {
    let l2 = L2 {
        src: MAC_A,
        dst: MAC_B,
        vlans: &[],
        outgoing: true,
    };
    let src = [10, 60, (rng.below(256)) as u8, 1 + rng.below(250) as u8];
    let dst = [10, 61, 0, 9];
    let payload_len = 20 + rng.below(200) as usize;
    match k {
        0 => {
            // IHL < 5.
            push_ethernet(buf, &l2, ETH_IPV4)?;
            let start = buf.len();
            ipv4_header(src, dst, 6, payload_len, 1, 64)?.write(buf)?;
            buf[start] = 0x40 | rng.below(5) as u8;
            buf.resize(buf.len() + payload_len, 0xaa);
        }
        1 => {
            // Total length larger than the frame.
            push_ethernet(buf, &l2, ETH_IPV4)?;
            ipv4_header(src, dst, 17, 1400 + payload_len, 2, 64)?.write(buf)?;
            buf.resize(buf.len() + payload_len, 0xbb);
        }
        2 => {
            // IP version 7.
            push_ethernet(buf, &l2, ETH_IPV4)?;
            let start = buf.len();
            ipv4_header(src, dst, 6, payload_len, 3, 64)?.write(buf)?;
            buf[start] = 0x75;
            buf.resize(buf.len() + payload_len, 0xcc);
        }
        3 => {
            // TCP data offset < 5.
            push_ethernet(buf, &l2, ETH_IPV4)?;
            ipv4_header(src, dst, 6, 20 + payload_len, 4, 64)?.write(buf)?;
            let start = buf.len();
            TcpHeader::new(1234, 80, rng.next_u32(), 512).write(buf)?;
            buf[start + 12] = (rng.below(5) as u8) << 4;
            buf.resize(buf.len() + payload_len, 0xdd);
        }
        4 => {
            // UDP length < 8.
            push_ethernet(buf, &l2, ETH_IPV4)?;
            ipv4_header(src, dst, 17, 8 + payload_len, 5, 64)?.write(buf)?;
            UdpHeader {
                source_port: 5353,
                destination_port: 53,
                length: rng.below(8) as u16,
                checksum: 0,
            }
            .write(buf)?;
            buf.resize(buf.len() + payload_len, 0xee);
        }
        5 => {
            // IPv6 header cut short.
            push_ethernet(buf, &l2, ETH_IPV6)?;
            let mut s6 = [0u8; 16];
            s6[0] = 0xfd;
            s6[15] = 5;
            let mut d6 = s6;
            d6[15] = 9;
            let start = buf.len();
            ipv6_header(s6, d6, 6, payload_len, 0)?.write(buf)?;
            buf.truncate(start + 8 + rng.below(30) as usize);
        }
        _ => {
            // IPv6 payload length larger than the frame.
            push_ethernet(buf, &l2, ETH_IPV6)?;
            let mut s6 = [0u8; 16];
            s6[0] = 0xfd;
            s6[15] = 6;
            let mut d6 = s6;
            d6[15] = 9;
            ipv6_header(s6, d6, 17, 1400 + payload_len, 0)?.write(buf)?;
            buf.resize(buf.len() + payload_len, 0x11);
        }
    }
    Ok(())
}

/// Writes `frames` records (Ethernet, classic pcap): ~60% random-length
/// (0–1600, the first two are 0 and 1 bytes) random-byte frames, some with
/// caplen < origlen (their EtherType is forced to a non-IP value so random
/// bytes never form a flow); ~30% frames with a valid Ethernet header and a
/// corrupt IPv4/IPv6/TCP/UDP header (IHL < 5, total length > frame,
/// version 7, TCP data offset < 5, UDP length < 8, truncated IPv6, IPv6
/// payload length > frame); ~10% valid one-packet TCP SYN flows
/// 10.50.0.5:(20000+n) → 10.50.0.9:80. `flows` lists only the valid ones.
pub fn write_garbage(path: &FsPath, frames: u64, seed: u64) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let mut sink = Sink::create(path, &Output::default(), false)?;
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    let mut flows = Vec::new();
    let client_ip = IpAddr::V4(Ipv4Addr::new(10, 50, 0, 5));
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 50, 0, 9)), 80);
    let path = Path::new(MAC_A, MAC_B);
    let mut t = DEMO_START_NS;
    for i in 0..frames {
        t += 1_000 + rng.below(50_000);
        let kind = if i < 2 { 0 } else { rng.below(10) };
        if kind < 6 {
            let len = match i {
                0 => 0,
                1 => 1,
                _ => rng.below(1601) as usize,
            };
            buf.clear();
            buf.resize(len, 0);
            rng.fill(&mut buf);
            if len >= 14 {
                let et: u16 = if rng.chance(50) {
                    0x88b5
                } else {
                    rng.below(0x0600) as u16
                };
                buf[12..14].copy_from_slice(&et.to_be_bytes());
            }
            let extra = if rng.chance(20) {
                1 + rng.below(1000) as u32
            } else {
                0
            };
            sink.raw(t, &buf, len as u32 + extra)?;
        } else if kind < 9 {
            buf.clear();
            let k = rng.below(7);
            corrupt(&mut rng, k, &mut buf)?;
            sink.raw(t, &buf, buf.len() as u32)?;
        } else {
            let n = flows.len() as u16;
            let client = SocketAddr::new(client_ip, 20000u16.wrapping_add(n));
            let mut h = TcpHeader::new(client.port(), 80, rng.next_u32(), 64240);
            h.syn = true;
            let et = push_tcp(sink.start(), client, server, &mut h, &[], n)?;
            let len = sink.emit(t, &path, Dir::ToServer, et)?;
            let mut c = Counts::default();
            c.add(Dir::ToServer, len);
            flows.push(c.truth(6, client, server, "", &path));
        }
    }
    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
