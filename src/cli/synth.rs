//! `kagami synth`: writes the project's own synthetic captures, the ones the
//! demo, the tests and the benchmarks use, so none depends on a capture the
//! project did not make.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use kagami::synth::{self, FileFormat, Link, Output, SynthSummary};

/// Which capture to write.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Scenario {
    /// An office network on a Tuesday morning: DNS, HTTPS, HTTP, SMTP (the README's demo).
    Demo,
    /// A small office segment where a device nobody approved (a Raspberry Pi) joins by ARP and DHCP.
    Devices,
    /// About ten flows, written in the chosen --format and --link.
    Sample,
    /// One HTTP flow inside 802.1Q, QinQ, GRE, ERSPAN II/III, VXLAN and IP-in-IP.
    Tunnels,
    /// Fragmented IPv4 and IPv6 datagrams, in and out of order, one never completed.
    Fragments,
    /// --flows distinct flows of one or two packets (memcap and eviction tests).
    Flood,
    /// At least --bytes bytes and --flows flows of realistic traffic (throughput benchmark).
    Bulk,
    /// Random and malformed frames with a few valid packets among them.
    Garbage,
}

/// Capture file format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// pcap, little-endian, microseconds.
    Pcap,
    /// pcap, big-endian, microseconds.
    PcapBe,
    /// pcap, little-endian, nanoseconds.
    PcapNs,
    /// pcapng.
    Pcapng,
}

/// Link-layer type.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LinkArg {
    Ethernet,
    Sll,
    Sll2,
    Raw,
    Null,
    Loop,
}

/// Arguments of `kagami synth`.
#[derive(Args)]
pub struct SynthArgs {
    /// What to write.
    #[arg(value_enum)]
    scenario: Scenario,
    /// Output file.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    write: PathBuf,
    /// Seed: the same seed always writes the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Flows (flood, bulk).
    #[arg(long, default_value_t = 1_000_000)]
    flows: u64,
    /// Bytes of capture at least (bulk).
    #[arg(long, default_value_t = 1 << 30)]
    bytes: u64,
    /// Frames (garbage).
    #[arg(long, default_value_t = 10_000)]
    frames: u64,
    /// File format (sample).
    #[arg(long, value_enum, default_value_t = Format::Pcap)]
    format: Format,
    /// Link type (sample).
    #[arg(long, value_enum, default_value_t = LinkArg::Ethernet)]
    link: LinkArg,
}

/// Writes the capture and reports what it holds.
pub fn run(a: SynthArgs) -> anyhow::Result<()> {
    let out = Output {
        format: match a.format {
            Format::Pcap => FileFormat::Pcap {
                big_endian: false,
                nanos: false,
            },
            Format::PcapBe => FileFormat::Pcap {
                big_endian: true,
                nanos: false,
            },
            Format::PcapNs => FileFormat::Pcap {
                big_endian: false,
                nanos: true,
            },
            Format::Pcapng => FileFormat::PcapNg,
        },
        link: match a.link {
            LinkArg::Ethernet => Link::Ethernet,
            LinkArg::Sll => Link::LinuxSll,
            LinkArg::Sll2 => Link::LinuxSll2,
            LinkArg::Raw => Link::RawIp,
            LinkArg::Null => Link::BsdNull,
            LinkArg::Loop => Link::BsdLoop,
        },
    };
    let p = &a.write;
    let result: std::io::Result<SynthSummary> = match a.scenario {
        Scenario::Demo => synth::write_demo(p, a.seed),
        Scenario::Devices => synth::write_devices(p, a.seed),
        Scenario::Sample => synth::write_sample(p, &out, a.seed),
        Scenario::Tunnels => synth::write_tunnels(p),
        Scenario::Fragments => synth::write_fragments(p),
        Scenario::Flood => synth::write_flood(p, a.flows, a.seed),
        Scenario::Bulk => synth::write_bulk(p, a.bytes, a.flows, a.seed),
        Scenario::Garbage => synth::write_garbage(p, a.frames, a.seed),
    };
    let s = result.map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
    eprintln!(
        "kagami: wrote {}: {} packets, {} bytes, {} flows",
        p.display(),
        s.packets,
        s.bytes,
        s.flow_count
    );
    Ok(())
}
