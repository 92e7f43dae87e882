//! `write_flood`: many distinct tiny flows (TCP SYNs, some retransmitted, and
//! one-packet UDP datagrams), streamed straight to disk.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::{TcpHeader, TcpOptionElement, TcpOptions};

use super::DEMO_START_NS;
use crate::synth::apps::dns;
use crate::synth::flow::{Dir, Path, SynthSummary, mac_for};
use crate::synth::packet::{io_err, push_tcp, push_udp};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::writer::Output;

const STEP_NS: u64 = 10_000;
const SYN_RTO_NS: u64 = 1_000_000_000;
const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
const TCP_PORTS: [u16; 8] = [80, 443, 22, 445, 3389, 8080, 25, 8443];
const FLOOD_NAMES: [&str; 4] = [
    "a.example.com",
    "cdn.example.net",
    "x.example.org",
    "api.example.com",
];

/// One SYN (a retransmission reuses the same tuple and ISN).
#[derive(Clone, Copy)]
struct Syn {
    src: SocketAddr,
    dst: SocketAddr,
    isn: u32,
}

fn emit_syn(sink: &mut Sink, ts: u64, s: &Syn, opts: &TcpOptions) -> io::Result<()> {
    let mut h = TcpHeader::new(s.src.port(), s.dst.port(), s.isn, 64240);
    h.syn = true;
    h.options = opts.clone();
    let et = push_tcp(sink.start(), s.src, s.dst, &mut h, &[], s.isn as u16)?;
    let path = Path::new(mac_for(s.src.ip()), GATEWAY_MAC);
    sink.emit(ts, &path, Dir::ToServer, et)?;
    Ok(())
}

/// Writes `flows` distinct flows (Ethernet, classic pcap): 80% TCP SYNs from
/// the client only (a quarter of them retransmitted once, 1 s later, same
/// 5-tuple), 20% one-packet UDP datagrams (half DNS queries to port 53, half
/// random bytes to ports 47000–47999); sources are unique addresses in
/// 10.0.0.0/8, destinations spread over 198.18.0.0/15 and common ports;
/// one packet every ~10 µs. So 1,000,000 flows ≈ 1.2M packets.
/// Streams to disk: the returned `flows` is empty, `flow_count` is set.
pub fn write_flood(path: &FsPath, flows: u64, seed: u64) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let mut sink = Sink::create(path, &Output::default(), false)?;
    let mut pending: VecDeque<(u64, Syn)> = VecDeque::new();
    let opts = TcpOptions::try_from_elements(&[
        TcpOptionElement::MaximumSegmentSize(1460),
        TcpOptionElement::SelectiveAcknowledgementPermitted,
        TcpOptionElement::Timestamp(0x1000, 0),
        TcpOptionElement::Noop,
        TcpOptionElement::WindowScale(7),
    ])
    .map_err(io_err)?;
    let mut payload: Vec<u8> = Vec::with_capacity(64);
    let mut t = DEMO_START_NS;
    for i in 0..flows {
        while let Some(&(due, syn)) = pending.front() {
            if due > t {
                break;
            }
            pending.pop_front();
            emit_syn(&mut sink, t, &syn, &opts)?;
            t += STEP_NS;
        }
        // Odd multiplier: a bijection on 24 bits, so sources are unique
        // for the first 2^24 flows; the high bits then shift the port.
        let host = (i.wrapping_mul(0x9E_3779) & 0xff_ffff) as u32;
        let src_ip = Ipv4Addr::from(0x0a00_0000 | host);
        let sport = 1024 + ((i >> 24) as u16).wrapping_mul(7919) % 60000 + rng.below(8) as u16;
        let dst_ip = Ipv4Addr::from(0xc612_0000 | (rng.below(1 << 17) as u32));
        let src = SocketAddr::new(IpAddr::V4(src_ip), sport);
        if rng.chance(80) {
            let dst = SocketAddr::new(IpAddr::V4(dst_ip), *rng.pick(&TCP_PORTS));
            let syn = Syn {
                src,
                dst,
                isn: rng.next_u32(),
            };
            emit_syn(&mut sink, t, &syn, &opts)?;
            if rng.chance(25) {
                pending.push_back((t + SYN_RTO_NS, syn));
            }
        } else {
            payload.clear();
            let port = if rng.chance(50) {
                let name = FLOOD_NAMES[rng.below(FLOOD_NAMES.len() as u64) as usize];
                dns::query(&mut payload, rng.next_u32() as u16, name, dns::QTYPE_A);
                53
            } else {
                let n = 16 + rng.below(32) as usize;
                payload.resize(n, 0);
                rng.fill(&mut payload);
                47_000 + rng.below(1_000) as u16
            };
            let dst = SocketAddr::new(IpAddr::V4(dst_ip), port);
            let et = push_udp(sink.start(), src, dst, &payload, i as u16)?;
            let path = Path::new(mac_for(src.ip()), GATEWAY_MAC);
            sink.emit(t, &path, Dir::ToServer, et)?;
        }
        t += STEP_NS;
    }
    while let Some((due, syn)) = pending.pop_front() {
        t = t.max(due);
        emit_syn(&mut sink, t, &syn, &opts)?;
        t += STEP_NS;
    }
    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary {
        packets,
        bytes,
        flows: Vec::new(),
        flow_count: flows,
    })
}
