//! `kagami report`: reads EVE files with [`kagami::report`] and prints the
//! per-host table, or the JSON document with `--json`. Aggregation and the
//! score are the library's; this module parses options and prints.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use kagami::detect::indicator::{self, INDICATORS};
use kagami::report::{self, Filter, Report, ReportSummary};
use kagami::time::Timestamp;

/// Hosts shown on the terminal when --top is not given (JSON has them all).
pub const DEFAULT_TOP: usize = 25;

pub const AFTER_HELP: &str = "\
Which host: an alert belongs to its src_ip (the flow's client, or the host of a
host-level alert) when that is in network.home_net, else to its dest_ip when
that is; alerts with neither end at home are skipped and counted.

Score: for each indicator a host hit n times, the indicator's weight (the sum
of its CCDCOE row: low 1, medium 2, high 3 for each of sabotage, ip-theft,
fraud, espionage, unintentional; 5 to 15) times 1 + log2(n), summed over the
host's indicators. The same sum over one column gives a sub-score per kind of
insider; the highest is shown as the leading kind ('ip-theft' for VPN use,
'ip-theft/unintentional' for IRC). E.g. 4 VPN alerts score 7 x 3 = 21.

Examples:
  kagami report out/eve.json                     the 25 riskiest hosts
  kagami report --json out/eve.json > hosts.json  every host, as JSON
  kagami report --indicator vpn --indicator tor --since 2026-11-01T00:00:00Z \\
      /var/log/kagami/eve.json*                  anonymisers this month
  kagami report -c kagami.toml --set 'network.home_net=[\"10.1.0.0/16\"]' eve.json

Lines that are not JSON or not alerts are skipped and their count shown.
Exit status: 0 success (also when there are no alerts); 2 a file that cannot be
opened, bad usage or bad configuration; 1 a read error.";

/// Arguments of `kagami report`.
#[derive(Args)]
pub struct ReportArgs {
    /// EVE files written by `kagami run` (any size; read line by line); `-` reads standard input.
    #[arg(value_name = "EVE_JSON", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Print one JSON document (every host unless --top) instead of the table.
    #[arg(long)]
    json: bool,
    /// Show the N highest-scoring hosts (default: 25 on the terminal, all with --json).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// Count only this indicator (repeatable), e.g. --indicator vpn.
    #[arg(long = "indicator", value_name = "NAME", value_parser = parse_indicator)]
    indicators: Vec<String>,
    /// Count only alerts at or after this time (EVE or RFC 3339, e.g. 2026-11-22T00:00:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<Timestamp>,
    /// Count only alerts at or before this time (EVE or RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<Timestamp>,
    #[command(flatten)]
    config: crate::ConfigArgs,
}

fn parse_indicator(s: &str) -> Result<String, String> {
    if indicator::by_name(s).is_some() {
        Ok(s.to_string())
    } else {
        let known: Vec<&str> = INDICATORS.iter().map(|i| i.name).collect();
        Err(format!("unknown indicator (known: {})", known.join(", ")))
    }
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    report::eve::parse_time(s).ok_or_else(|| {
        "expected a time like 2026-11-22T10:00:00+0900 or 2026-11-22T01:00:00Z".to_string()
    })
}

/// Runs `kagami report`.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let cfg = kagami::config::Config::load(args.config.config.as_deref(), &args.config.set)?;
    // Every file is opened before any is read: a typo fails at once.
    let mut inputs = Vec::new();
    for path in &args.files {
        if path.as_os_str() == "-" {
            inputs.push((path, None));
        } else {
            inputs.push((path, Some(Report::open(path)?)));
        }
    }
    let filter = Filter {
        indicators: args.indicators.clone(),
        since: args.since,
        until: args.until,
    };
    let mut rep = Report::new(&cfg, filter);
    for (path, file) in inputs {
        let name = path.display().to_string();
        match file {
            Some(f) => rep.read(&name, f)?,
            None => rep.read("(standard input)", io::stdin().lock())?,
        };
    }
    let top = if args.json {
        args.top
    } else {
        Some(args.top.unwrap_or(DEFAULT_TOP))
    };
    let summary = rep.finish(top);
    let result = if args.json {
        for f in summary.files.iter().filter(|f| f.alerts == 0) {
            eprintln!("kagami: no alerts in {}", f.path);
        }
        print_json(&summary)
    } else {
        print_table(&summary)
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the report to standard output"),
    }
}

fn print_json(summary: &ReportSummary) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, summary)?;
    writeln!(out)?;
    out.flush()
}

/// `tor×3 vpn×1`.
fn indicator_list(h: &report::HostSummary) -> String {
    h.indicators
        .iter()
        .map(|i| format!("{}×{}", i.indicator, i.count))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_table(s: &ReportSummary) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for f in s.files.iter().filter(|f| f.alerts == 0) {
        writeln!(out, "no alerts in {}", f.path)?;
    }
    if !s.hosts.is_empty() {
        let header = [
            "HOST",
            "SCORE",
            "LEADING KIND",
            "INDICATORS",
            "FIRST SEEN",
            "LAST SEEN",
        ];
        let rows: Vec<[String; 6]> = s
            .hosts
            .iter()
            .map(|h| {
                [
                    h.host.to_string(),
                    format!("{:.1}", h.score),
                    if h.leading_kinds.is_empty() {
                        "-".to_string()
                    } else {
                        h.leading_kinds.join("/")
                    },
                    indicator_list(h),
                    h.first_seen.clone(),
                    h.last_seen.clone(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: [&str; 6]| -> String {
            let mut l = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                if i > 0 {
                    l.push_str("  ");
                }
                let pad = w.saturating_sub(c.chars().count());
                // The score is a number: right-aligned.
                if i == 1 {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(c);
                } else {
                    l.push_str(c);
                    if i + 1 < cells.len() {
                        l.push_str(&" ".repeat(pad));
                    }
                }
            }
            l
        };
        writeln!(out, "{}", line(header))?;
        for r in &rows {
            writeln!(out, "{}", line(r.each_ref().map(String::as_str)))?;
        }
    } else if s.lines.alerts > 0 {
        writeln!(
            out,
            "no alerts from home-network hosts (network.home_net = {})",
            s.home_net.join(", ")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", footer(s))?;
    out.flush()
}

/// What was read and what was skipped, in one or two sentences.
fn footer(s: &ReportSummary) -> String {
    let c = &s.lines;
    let files = s.files.len();
    let mut text = format!(
        "{} host{}{}; {} alert{} counted of {} in {} line{} from {} file{}",
        s.hosts_total,
        plural(s.hosts_total as u64),
        if s.hosts.len() < s.hosts_total {
            format!(" (top {} shown; --top N for more)", s.hosts.len())
        } else {
            String::new()
        },
        c.counted,
        plural(c.counted),
        c.alerts,
        c.read,
        plural(c.read),
        files,
        plural(files as u64),
    );
    let skipped: Vec<String> = [
        (c.not_json, "not JSON"),
        (c.too_long, "too long"),
        (c.not_alert, "not alerts"),
        (c.bad_alert, "alerts without a time or address"),
        (c.no_indicator, "alerts without an indicator"),
        (c.filtered, "alerts filtered out"),
        (c.outside_home_net, "alerts outside home_net"),
        (c.host_limit, "alerts over the host limit"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        text.push_str("; skipped: ");
        text.push_str(&skipped.join(", "));
    }
    text
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
