//! Flow-table cost per packet, flow keys and Community ID.
//!
//! - `flow_table/hit_10k_flows`: packets of 10,000 established TCP flows,
//!   cycling through all of them in both directions (lookup + update).
//! - `flow_table/new_flow_evict`: a SYN of a never-seen flow per packet into
//!   a full table under a 1 MiB memcap (insert + eviction of another flow,
//!   packet time advancing 100 µs a packet with the table ticked each second
//!   as the engine does).
//! - `flow_key/of_and_symmetric_hash`: `FlowKey::of` + `symmetric_hash` over
//!   a mix of IPv4 and IPv6 packets.
//! - `community_id/{tcp_v4,tcp_v6,icmp_v4}`: one Community ID string.
//!
//! Throughput is in elements = packets, so time / element is the cost of one.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kagami::config::Config;
use kagami::counters::Counters;
use kagami::decode::tcp_flags::{ACK, PSH, SYN};
use kagami::decode::{Decoded, TcpMeta};
use kagami::flow::community_id::community_id;
use kagami::flow::key::FlowKey;
use kagami::flow::table::{FlowEnd, FlowTable};
use kagami::time::Timestamp;

const SEC: u64 = 1_000_000_000;
/// Packet time of the first packet (any value far from 0 will do).
const T0: u64 = 1_795_000_000 * SEC;

fn tcp(ts: u64, src: IpAddr, sport: u16, dst: IpAddr, dport: u16, flags: u8) -> Decoded<'static> {
    Decoded {
        ts: Timestamp(ts),
        src,
        dst,
        proto: 6,
        sport,
        dport,
        tcp: Some(TcpMeta {
            flags,
            seq: 0,
            ack: 0,
            window: 0,
        }),
        icmp: None,
        payload: &[],
        vlan: [0; 2],
        wire_len: 1514,
        tunnel_depth: 0,
        src_mac: None,
    }
}

/// Client `i`'s address and port (distinct for every `i < 2^32`).
fn client(i: u32) -> (IpAddr, u16) {
    let ip = Ipv4Addr::from(0x0a00_0000 | (i & 0x00ff_ffff));
    (IpAddr::V4(ip), 1024 + (i >> 24) as u16)
}

fn server(i: u32) -> (IpAddr, u16) {
    let ip = Ipv4Addr::new(198, 51, 100, (i % 200) as u8 + 1);
    (IpAddr::V4(ip), if i % 2 == 0 { 443 } else { 80 })
}

fn table(memcap: u64) -> FlowTable {
    let mut cfg = Config::embedded().flow;
    cfg.memcap = memcap;
    FlowTable::new(&cfg)
}

fn hit(c: &mut Criterion) {
    const FLOWS: u32 = 10_000;
    let mut t = table(Config::embedded().flow.memcap);
    let mut counters = Counters::default();
    let mut ended: Vec<FlowEnd> = Vec::new();
    let ts = T0;
    for i in 0..FLOWS {
        let ((cip, cp), (sip, sp)) = (client(i), server(i));
        for d in [
            tcp(ts, cip, cp, sip, sp, SYN),
            tcp(ts, sip, sp, cip, cp, SYN | ACK),
            tcp(ts, cip, cp, sip, sp, ACK),
        ] {
            t.update(&d, &mut counters, &mut ended);
        }
    }
    assert_eq!(t.len(), FLOWS as usize);
    // Data one way, ACK the other, for every flow in turn.
    let pkts: Vec<Decoded<'static>> = (0..FLOWS)
        .flat_map(|i| {
            let ((cip, cp), (sip, sp)) = (client(i), server(i));
            [
                tcp(ts + SEC, sip, sp, cip, cp, ACK | PSH),
                tcp(ts + SEC, cip, cp, sip, sp, ACK),
            ]
        })
        .collect();
    let mut g = c.benchmark_group("flow_table");
    g.throughput(Throughput::Elements(pkts.len() as u64));
    g.bench_function("hit_10k_flows", |b| {
        b.iter(|| {
            for d in &pkts {
                black_box(t.update(d, &mut counters, &mut ended).is_some());
            }
        })
    });
    g.finish();
    assert!(ended.is_empty(), "hit path ended flows");
    assert_eq!(t.len(), FLOWS as usize);
}

fn evict(c: &mut Criterion) {
    const BATCH: usize = 1_000;
    let mut t = table(1 << 20);
    let cap = t.capacity();
    let mut counters = Counters::default();
    let mut ended: Vec<FlowEnd> = Vec::new();
    let mut next: u32 = 0;
    let mut ts = T0;
    let new_syn = |next: &mut u32, ts: &mut u64| {
        let ((cip, cp), (sip, sp)) = (client(*next), server(*next));
        *next = next.wrapping_add(1);
        *ts += 100_000;
        tcp(*ts, cip, cp, sip, sp, SYN)
    };
    // Fill the table to its memcap first.
    while t.len() < cap {
        let d = new_syn(&mut next, &mut ts);
        t.update(&d, &mut counters, &mut ended);
    }
    eprintln!("new_flow_evict: table capacity {cap} flows under a 1 MiB memcap");
    let mut g = c.benchmark_group("flow_table");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("new_flow_evict", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| new_syn(&mut next, &mut ts))
                    .collect::<Vec<_>>()
            },
            |pkts| {
                let mut sec = pkts[0].ts.secs();
                for d in &pkts {
                    if d.ts.secs() != sec {
                        sec = d.ts.secs();
                        t.tick(d.ts, &mut counters, &mut ended);
                    }
                    black_box(t.update(d, &mut counters, &mut ended).is_some());
                }
                // What the engine does after writing the records out.
                ended.clear();
                pkts
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
    assert_eq!(t.len(), cap);
}

fn keys(c: &mut Criterion) {
    let pkts: Vec<Decoded<'static>> = (0..1024u32)
        .map(|i| {
            if i % 4 == 3 {
                let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i as u16);
                let b = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1);
                tcp(T0, a.into(), 50_000, b.into(), 443, ACK)
            } else {
                let ((cip, cp), (sip, sp)) = (client(i), server(i));
                // Both directions: half the keys need the swap.
                if i % 2 == 0 {
                    tcp(T0, cip, cp, sip, sp, ACK)
                } else {
                    tcp(T0, sip, sp, cip, cp, ACK)
                }
            }
        })
        .collect();
    let mut g = c.benchmark_group("flow_key");
    g.throughput(Throughput::Elements(pkts.len() as u64));
    g.bench_function("of_and_symmetric_hash", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for d in &pkts {
                let (k, lo_to_hi) = FlowKey::of(black_box(d));
                acc = acc.wrapping_add(k.symmetric_hash()) ^ u64::from(lo_to_hi);
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn cid(c: &mut Criterion) {
    let v4a = IpAddr::V4(Ipv4Addr::new(10, 20, 0, 101));
    let v4b = IpAddr::V4(Ipv4Addr::new(142, 250, 74, 36));
    let v6a = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5));
    let v6b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 9));
    let mut g = c.benchmark_group("community_id");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tcp_v4", |b| {
        b.iter(|| community_id(0, black_box(v4a), black_box(v4b), 6, 51_234, 443))
    });
    g.bench_function("tcp_v6", |b| {
        b.iter(|| community_id(0, black_box(v6a), black_box(v6b), 6, 51_234, 443))
    });
    g.bench_function("icmp_v4", |b| {
        b.iter(|| community_id(0, black_box(v4a), black_box(v4b), 1, 8, 0))
    });
    g.finish();
}

criterion_group!(benches, hit, evict, keys, cid);
criterion_main!(benches);
