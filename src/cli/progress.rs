//! What the person at the terminal sees: a progress line while a long
//! replay runs (only when standard error is a terminal) and a one-screen
//! summary at the end.

use std::time::Instant;

use kagami::capture::CaptureStats;
use kagami::config::Config;
use kagami::counters::Counter;
use kagami::engine::Engine;

/// The progress line on a terminal.
pub struct Progress {
    enabled: bool,
    started: Instant,
    total_bytes: u64,
    files: usize,
    drawn: bool,
}

impl Progress {
    /// A progress line; drawn only if `enabled` (standard error is a terminal).
    pub fn new(enabled: bool, started: Instant, total_bytes: u64, files: usize) -> Progress {
        Progress {
            enabled,
            started,
            total_bytes,
            files,
            drawn: false,
        }
    }

    /// Redraws the line.
    pub fn draw(&mut self, s: &CaptureStats, e: &Engine) {
        if !self.enabled {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let pkts = e.counters.get(Counter::DecoderPkts);
        let pct = if self.total_bytes > 0 {
            format!(
                " ({:.0}%)",
                100.0 * s.file_bytes as f64 / self.total_bytes as f64
            )
        } else {
            String::new()
        };
        let files = if self.files > 0 {
            format!("file {}/{}  ", s.files, self.files)
        } else {
            String::new()
        };
        eprint!(
            "\r\x1b[2K{files}{} packets  {}{pct}  {}/s  {} flows active",
            human(pkts as f64),
            bytes(e.counters.get(Counter::DecoderBytes) as f64),
            human(pkts as f64 / secs),
            human(e.counters.get(Counter::FlowActive) as f64),
        );
        self.drawn = true;
    }

    /// Erases the line.
    pub fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
        }
    }
}

fn human(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2}G", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn bytes(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n:.0} B")
    }
}

/// The one-screen summary at the end of a run.
pub fn summary(e: &Engine, cap: &CaptureStats, started: Instant, cfg: &Config) {
    let c = &e.counters;
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    let pkts = c.get(Counter::DecoderPkts);
    let b = c.get(Counter::DecoderBytes);
    eprintln!(
        "kagami: {} packets ({}) in {:.2} s: {} packets/s, {:.2} Gbit/s",
        human(pkts as f64),
        bytes(b as f64),
        secs,
        human(pkts as f64 / secs),
        b as f64 * 8.0 / secs / 1e9
    );
    if cap.files > 0 {
        eprintln!(
            "  input    {} file(s){}",
            cap.files,
            if cap.errors > 0 {
                format!(", {} cut short", cap.errors)
            } else {
                String::new()
            }
        );
    }
    if cap.kernel_packets > 0 || cap.kernel_drops > 0 {
        eprintln!(
            "  capture  {} seen by the kernel, {} dropped",
            cap.kernel_packets, cap.kernel_drops
        );
    }
    eprintln!(
        "  flows    {} (tcp {}, udp {}, icmp {}); {} evicted at the memcap (flow.memcap)",
        c.get(Counter::FlowTotal),
        c.get(Counter::FlowTcp),
        c.get(Counter::FlowUdp),
        c.get(Counter::FlowIcmpv4) + c.get(Counter::FlowIcmpv6),
        c.get(Counter::KagamiFlowEvicted)
    );
    let events: Vec<String> = e.events.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "  events   {}",
        if events.is_empty() {
            "none".into()
        } else {
            events.join(", ")
        }
    );
    if e.alerts_by_indicator.is_empty() {
        eprintln!("  alerts   none");
    } else {
        let by: Vec<String> = e
            .alerts_by_indicator
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let hint = if cfg.output.eve_file == "-" {
            String::new()
        } else {
            format!(
                " (per host: kagami report {})",
                cfg.output.dir.join(&cfg.output.eve_file).display()
            )
        };
        eprintln!("  alerts   {}{hint}", by.join(", "));
    }
    eprintln!(
        "  decoder  {} invalid, {} fragments reassembled, {} tunnelled (gre {}, vxlan {}, ip-in-ip {})",
        c.get(Counter::DecoderInvalid),
        c.get(Counter::DefragIpv4Reassembled) + c.get(Counter::DefragIpv6Reassembled),
        c.get(Counter::DecoderGre)
            + c.get(Counter::DecoderVxlan)
            + c.get(Counter::DecoderIpv4InIpv4)
            + c.get(Counter::DecoderIpv6InIpv4)
            + c.get(Counter::DecoderIpv4InIpv6)
            + c.get(Counter::DecoderIpv6InIpv6),
        c.get(Counter::DecoderGre),
        c.get(Counter::DecoderVxlan),
        c.get(Counter::DecoderIpv4InIpv4)
            + c.get(Counter::DecoderIpv6InIpv4)
            + c.get(Counter::DecoderIpv4InIpv6)
            + c.get(Counter::DecoderIpv6InIpv6),
    );
    if let Some(rss) = kagami::engine::peak_rss_bytes() {
        eprintln!("  memory   {} peak resident", bytes(rss as f64));
    }
    if cfg.output.eve_file != "-" {
        eprintln!(
            "  output   {}",
            cfg.output.dir.join(&cfg.output.eve_file).display()
        );
    }
}
