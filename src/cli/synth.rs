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
    /// Outbound mail of known sizes: one --mail-big message, --mail-small-count
    /// messages of --mail-small bytes from one sender, --mail-big bytes over
    /// STARTTLS, and --mail-big bytes to the company's own relay (large-mail tests).
    Mail,
    /// A few home hosts' outbound connections from --start (off-hours detector).
    Hours,
    /// --minutes of two hosts' ordinary connections from --start, then a minute
    /// in which the quiet one opens 400 (connection-spike detector; --no-spike leaves it out).
    Spike,
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
    /// Bytes of the large messages (mail).
    #[arg(long, default_value_t = 30 << 20)]
    mail_big: usize,
    /// Bytes of each small message (mail).
    #[arg(long, default_value_t = 1 << 20)]
    mail_small: usize,
    /// Small messages from one sender (mail).
    #[arg(long, default_value_t = 1)]
    mail_small_count: usize,
    /// File format (sample, mail).
    #[arg(long, value_enum, default_value_t = Format::Pcap)]
    format: Format,
    /// Link type (sample).
    #[arg(long, value_enum, default_value_t = LinkArg::Ethernet)]
    link: LinkArg,
    /// Packet time of the first packet, RFC 3339 (hours, spike); default
    /// 2026-11-24T09:00:00Z, a Tuesday.
    #[arg(long, value_name = "TIME")]
    start: Option<String>,
    /// Minutes of ordinary traffic before the spike (spike).
    #[arg(long, default_value_t = 180)]
    minutes: u64,
    /// Leave the spike minute out (spike).
    #[arg(long)]
    no_spike: bool,
}

/// Packet time in ns of an RFC 3339 time, or the scenarios' default start.
fn start_ns(start: Option<&str>) -> anyhow::Result<u64> {
    let Some(s) = start else {
        return Ok(synth::DEMO_START_NS);
    };
    let t = chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| anyhow::anyhow!("--start {s}: {e} (write it like 2026-11-29T02:00:00Z)"))?;
    t.timestamp_nanos_opt()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| anyhow::anyhow!("--start {s}: must be between 1970 and 2262"))
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
    let start = start_ns(a.start.as_deref())?;
    let result: std::io::Result<SynthSummary> = match a.scenario {
        Scenario::Demo => synth::write_demo(p, a.seed),
        Scenario::Devices => synth::write_devices(p, a.seed),
        Scenario::Sample => synth::write_sample(p, &out, a.seed),
        Scenario::Tunnels => synth::write_tunnels(p),
        Scenario::Fragments => synth::write_fragments(p),
        Scenario::Flood => synth::write_flood(p, a.flows, a.seed),
        Scenario::Bulk => synth::write_bulk(p, a.bytes, a.flows, a.seed),
        Scenario::Garbage => synth::write_garbage(p, a.frames, a.seed),
        Scenario::Mail => synth::write_mail(
            p,
            &out,
            a.seed,
            synth::MailSizes {
                big: a.mail_big,
                small: a.mail_small,
                small_count: a.mail_small_count,
            },
        ),
        Scenario::Hours => synth::write_hours(p, start, a.seed),
        Scenario::Spike => synth::write_spike(p, start, a.minutes, !a.no_spike, a.seed),
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
