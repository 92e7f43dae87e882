//! `write_hours`: a few home hosts' outbound connections starting at a
//! chosen moment, for the off-hours detector: two hosts over its default
//! threshold (three connections in a period), one under it, plus traffic
//! that must not count (internal, inbound).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use super::{MS, http_session, tls_session};
use crate::synth::flow::{FlowTruth, Path, SynthSummary, mac_for};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::writer::Output;

const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];

/// (client, server, server port, TLS server name or "" for plain HTTP)
const CONNECTIONS: &[([u8; 4], [u8; 4], u16, &str)] = &[
    ([10, 20, 0, 11], [203, 0, 113, 5], 443, "files.example.com"),
    ([10, 20, 0, 11], [203, 0, 113, 6], 443, "upload.example.net"),
    ([10, 20, 0, 11], [203, 0, 113, 5], 443, "files.example.com"),
    ([10, 20, 0, 11], [198, 51, 100, 7], 443, "mail.example.org"),
    ([10, 20, 0, 11], [203, 0, 113, 6], 443, "upload.example.net"),
    ([10, 20, 0, 11], [203, 0, 113, 5], 443, "files.example.com"),
    ([10, 20, 0, 12], [93, 184, 216, 34], 80, ""),
    ([10, 20, 0, 12], [93, 184, 216, 80], 80, ""),
    ([10, 20, 0, 12], [93, 184, 216, 34], 80, ""),
    ([10, 20, 0, 12], [93, 184, 216, 80], 80, ""),
    ([10, 20, 0, 13], [203, 0, 113, 9], 443, "news.example.com"),
    ([10, 20, 0, 13], [203, 0, 113, 9], 443, "news.example.com"),
    // Internal: a file share and an intranet server. Never outbound.
    ([10, 20, 0, 11], [10, 20, 0, 5], 445, "share.corp.example"),
    ([10, 20, 0, 13], [10, 20, 0, 6], 80, ""),
    ([10, 20, 0, 13], [10, 20, 0, 6], 80, ""),
    ([10, 20, 0, 13], [10, 20, 0, 6], 80, ""),
    // Inbound: someone outside connecting to a home server.
    (
        [198, 51, 100, 99],
        [10, 20, 0, 20],
        443,
        "portal.corp.example",
    ),
    (
        [198, 51, 100, 99],
        [10, 20, 0, 20],
        443,
        "portal.corp.example",
    ),
    (
        [198, 51, 100, 99],
        [10, 20, 0, 20],
        443,
        "portal.corp.example",
    ),
];

/// Writes the capture: the connections above, about 30 s apart in a
/// shuffled order, the first at `start_ns` (packet time, ns since the
/// epoch). Host 10.20.0.11 opens six outbound TLS connections to three
/// destinations, 10.20.0.12 four HTTP connections to two, 10.20.0.13 two
/// (plus three internal ones); 198.51.100.99 connects in three times.
pub fn write_hours(path: &FsPath, start_ns: u64, seed: u64) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let mut sink = Sink::create(path, &Output::default(), true)?;
    let mut order: Vec<usize> = (0..CONNECTIONS.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut flows: Vec<FlowTruth> = Vec::new();
    let mut t = start_ns;
    for (n, &i) in order.iter().enumerate() {
        let (client, server, port, sni) = CONNECTIONS[i];
        let client_ip = IpAddr::V4(Ipv4Addr::from(client));
        let server_ip = IpAddr::V4(Ipv4Addr::from(server));
        let cport = 49152 + n as u16 * 7 + rng.below(5) as u16;
        let cpath = Path::new(mac_for(client_ip), GATEWAY_MAC);
        let conv = TcpConv::new(
            SocketAddr::new(client_ip, cport),
            SocketAddr::new(server_ip, port),
            cpath,
            t,
            5 * MS + rng.below(40 * MS),
            rng.next_u64(),
        );
        let (truth, _) = if sni.is_empty() {
            http_session(&mut sink, &mut rng, conv, "www.example.com", "/", 3_000)?
        } else {
            tls_session(&mut sink, &mut rng, conv, sni, &[8_000])?
        };
        flows.push(truth);
        t += 25_000 * MS + rng.below(10_000 * MS);
    }
    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
