//! Application-layer parsers' hot paths, on the application data of the
//! synthetic captures (the demo office morning and a slice of the
//! throughput benchmark's HTTP/TLS/DNS mix).
//!
//! Each capture is decoded once; the payloads of every TCP and UDP flow are
//! grouped by flow and direction in arrival order, and each flow is named by
//! the same probes the sensor uses. `proto/<name>` then feeds every flow of
//! that protocol to a fresh parser state (`proto::harness::feed`: partial
//! messages kept as the driver keeps them, each transaction rendered as EVE
//! JSON). Throughput is in bytes of application data.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kagami::capture::{LinkType, RawPacket};
use kagami::config::Config;
use kagami::counters::Counters;
use kagami::decode::tcp_flags::{ACK, SYN};
use kagami::decode::{Decoded, Decoder, ip_proto};
use kagami::flow::FlowKey;
use kagami::proto::harness::{Piece, feed};
use kagami::proto::registry::PROTOCOLS;
use kagami::proto::{Direction, Probe, ProbeInput, ProtoConfig, ProtoSpec, Transport};
use kagami::time::Timestamp;

/// One flow's application data: transport, server port, pieces in order.
struct FlowData {
    transport: Transport,
    client: (std::net::IpAddr, u16),
    server_port: u16,
    pieces: Vec<(Direction, Vec<u8>)>,
}

fn flows_of(path: &Path) -> Vec<FlowData> {
    let mut cap = pcap::Capture::from_file(path).expect("open synthetic capture");
    let cfg = Config::embedded();
    let mut dec = Decoder::new(&cfg);
    let mut counters = Counters::default();
    let mut flows: HashMap<FlowKey, FlowData> = HashMap::new();
    let mut order: Vec<FlowKey> = Vec::new();
    while let Ok(p) = cap.next_packet() {
        let secs: i64 = p.header.ts.tv_sec;
        let usecs = u32::try_from(p.header.ts.tv_usec).unwrap_or(0);
        let raw = RawPacket {
            ts: Timestamp::from_parts(secs, usecs * 1000),
            link: LinkType::ETHERNET,
            orig_len: p.header.len,
            data: p.data,
        };
        dec.decode(
            &raw,
            &mut counters,
            &mut |d: &Decoded<'_>, _c: &mut Counters| {
                let transport = match d.proto {
                    ip_proto::TCP => Transport::Tcp,
                    ip_proto::UDP => Transport::Udp,
                    _ => return,
                };
                let (key, _) = FlowKey::of(d);
                let f = flows.entry(key).or_insert_with(|| {
                    order.push(key);
                    FlowData {
                        transport,
                        client: (d.src, d.sport),
                        server_port: d.dport,
                        pieces: Vec::new(),
                    }
                });
                // A SYN names its sender the client; a SYN-ACK its receiver.
                if let Some(t) = d.tcp {
                    if t.flags & SYN != 0 && f.pieces.is_empty() {
                        let (s, dst) = ((d.src, d.sport), (d.dst, d.dport));
                        let (client, server) = if t.flags & ACK == 0 {
                            (s, dst)
                        } else {
                            (dst, s)
                        };
                        f.client = client;
                        f.server_port = server.1;
                    }
                }
                let dir = if (d.src, d.sport) == f.client {
                    Direction::ToServer
                } else {
                    Direction::ToClient
                };
                if !d.payload.is_empty() {
                    f.pieces.push((dir, d.payload.to_vec()));
                }
            },
        );
    }
    order.into_iter().filter_map(|k| flows.remove(&k)).collect()
}

/// The protocol the sensor's probes give a flow (its first piece of each
/// direction; enough for the synthetic captures).
fn recognise(f: &FlowData) -> Option<&'static ProtoSpec> {
    for (dir, data) in &f.pieces {
        for spec in PROTOCOLS {
            if !spec.transports.contains(&f.transport) {
                continue;
            }
            let input = ProbeInput {
                transport: f.transport,
                dir: *dir,
                data,
                client_port: f.client.1,
                server_port: f.server_port,
                earlier: &[],
            };
            if let Probe::Yes(_) = (spec.probe)(&input) {
                return Some(spec);
            }
        }
    }
    None
}

fn bench_capture(c: &mut Criterion, what: &str, write: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.pcap");
    write(&path);
    let flows = flows_of(&path);
    let cfg = ProtoConfig::default();
    let mut by_proto: HashMap<&'static str, (&'static ProtoSpec, Vec<&FlowData>)> = HashMap::new();
    for f in &flows {
        if let Some(spec) = recognise(f) {
            by_proto
                .entry(spec.name)
                .or_insert((spec, Vec::new()))
                .1
                .push(f);
        }
    }
    let mut names: Vec<_> = by_proto.keys().copied().collect();
    names.sort();
    let mut g = c.benchmark_group(format!("proto_{what}"));
    for name in names {
        let (spec, flows) = &by_proto[name];
        let pieces: Vec<(Transport, Vec<Piece<'_>>)> = flows
            .iter()
            .map(|f| {
                let p = f.pieces.iter().map(|(d, b)| Piece::Data(*d, b)).collect();
                (f.transport, p)
            })
            .collect();
        let bytes: usize = flows
            .iter()
            .flat_map(|f| &f.pieces)
            .map(|(_, b)| b.len())
            .sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                for (t, p) in &pieces {
                    n += feed(spec, *t, &cfg, p);
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn demo(c: &mut Criterion) {
    bench_capture(c, "demo", |p| {
        kagami::synth::write_demo(p, 1).expect("write_demo");
    });
}

fn bulk(c: &mut Criterion) {
    bench_capture(c, "bulk", |p| {
        kagami::synth::write_bulk(p, 4 << 20, 500, 1).expect("write_bulk");
    });
}

criterion_group!(benches, demo, bulk);
criterion_main!(benches);
