//! Decode throughput: `Decoder::decode` over realistic packet mixes.
//!
//! Captures are written once with `kagami::synth`, read back with libpcap and
//! kept in memory; each bench decodes every packet of one capture per
//! iteration (`Throughput::Elements` = packets, so criterion reports
//! packets/s; time per iteration / packets = ns per packet).
//!
//! - `bulk_http_tls_dns`: plain Ethernet/IPv4 TCP (HTTP, TLS) and DNS, the
//!   throughput benchmark's mix (`write_bulk`, 8 MiB)
//! - `demo_office`: the demo capture (DNS, HTTPS, HTTP, SMTP, ARP, ICMP)
//! - `tunnels`: 802.1Q, QinQ, GRE, ERSPAN II/III, VXLAN, IP-in-IP, 6in4
//! - `fragments`: IPv4/IPv6 fragmented UDP (a fresh decoder per iteration,
//!   so each iteration reassembles from empty state)

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kagami::capture::{LinkType, RawPacket};
use kagami::config::Config;
use kagami::counters::Counters;
use kagami::decode::{Decoded, Decoder};
use kagami::time::Timestamp;

/// One captured frame: (timestamp, bytes, length on the wire).
type Frame = (Timestamp, Vec<u8>, u32);

fn read_frames(path: &Path) -> Vec<Frame> {
    let mut cap = pcap::Capture::from_file(path).expect("open synthetic capture");
    assert_eq!(
        cap.get_datalink(),
        pcap::Linktype::ETHERNET,
        "bench captures are Ethernet"
    );
    let mut frames = Vec::new();
    while let Ok(p) = cap.next_packet() {
        let secs: i64 = p.header.ts.tv_sec; // time_t, 64-bit on the targets kagami runs on
        let usecs = u32::try_from(p.header.ts.tv_usec).unwrap_or(0);
        frames.push((
            Timestamp::from_parts(secs, usecs * 1000),
            p.data.to_vec(),
            p.header.len,
        ));
    }
    assert!(!frames.is_empty(), "{} has no packets", path.display());
    frames
}

fn frames_of(write: impl FnOnce(&Path)) -> Vec<Frame> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.pcap");
    write(&path);
    read_frames(&path)
}

/// Decodes every frame once with `dec`; returns transport packets seen.
fn decode_all(dec: &mut Decoder, frames: &[Frame], c: &mut Counters) -> u64 {
    let mut seen = 0u64;
    for (ts, data, orig_len) in frames {
        let raw = RawPacket {
            ts: *ts,
            link: LinkType::ETHERNET,
            orig_len: *orig_len,
            data,
        };
        dec.decode(&raw, c, &mut |d: &Decoded<'_>, _c: &mut Counters| {
            black_box(d);
            seen += 1;
        });
    }
    seen
}

fn bench_stateless(c: &mut Criterion, name: &str, frames: &[Frame]) {
    let cfg = Config::embedded();
    let mut dec = Decoder::new(&cfg);
    let mut counters = Counters::default();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function(name, |b| {
        b.iter(|| black_box(decode_all(&mut dec, frames, &mut counters)))
    });
    g.finish();
}

fn bulk(c: &mut Criterion) {
    let frames = frames_of(|p| {
        kagami::synth::write_bulk(p, 8 << 20, 2_000, 1).expect("write_bulk");
    });
    bench_stateless(c, "bulk_http_tls_dns", &frames);
}

fn demo(c: &mut Criterion) {
    let frames = frames_of(|p| {
        kagami::synth::write_demo(p, 1).expect("write_demo");
    });
    bench_stateless(c, "demo_office", &frames);
}

fn tunnels(c: &mut Criterion) {
    let frames = frames_of(|p| {
        kagami::synth::write_tunnels(p).expect("write_tunnels");
    });
    bench_stateless(c, "tunnels", &frames);
}

fn fragments(c: &mut Criterion) {
    let frames = frames_of(|p| {
        kagami::synth::write_fragments(p).expect("write_fragments");
    });
    let cfg = Config::embedded();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("fragments", |b| {
        b.iter_batched(
            || (Decoder::new(&cfg), Counters::default()),
            |(mut dec, mut counters)| {
                black_box(decode_all(&mut dec, &frames, &mut counters));
                (dec, counters)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bulk, demo, tunnels, fragments);
criterion_main!(benches);
