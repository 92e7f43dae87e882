//! The `kagami` command line: argument parsing, exit codes and what the
//! person at the terminal sees (progress, the end-of-run summary). The work
//! itself is the library's.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use kagami::capture::libpcap::{LiveOptions, LiveSource};
use kagami::capture::pcap_file::FileSource;
use kagami::capture::{CaptureError, PacketSource};
use kagami::config::{Config, ConfigError};
use kagami::engine::{self, Engine, RunError};
use kagami::output::{JsonLines, SinkError};
use kagami::report::ReportError;

mod cli;
use cli::progress::{Progress, summary};

const AFTER_HELP: &str = "\
Examples:
  kagami run -r case-042/*.pcap -l out/       replay captures, write out/eve.json
  kagami run -i eth1 -f 'not port 22'          watch a SPAN port (needs CAP_NET_RAW)
  kagami run -r x.pcap --set output.eve_file=- write EVE to standard output
  kagami check-config -c kagami.toml           show the configuration in effect
  kagami intel update --set state.dir=/var/lib/kagami   fetch the Tor relay list
  kagami inventory learn -r base.pcap -o inv.csv  list the devices of a baseline
  kagami report out/eve.json                   hosts by risk score, with their indicators

Exit status: 0 success; 2 unusable input, bad usage or bad configuration;
1 any other failure. Malformed packets are counted, never fatal.";

/// kagami: a network sensor for insider-threat indicators that writes
/// Suricata's EVE JSON.
#[derive(Parser)]
#[command(name = "kagami", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read packets from capture files or an interface and write EVE records.
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Print the configuration in effect (defaults, then -c, then --set) and check it.
    CheckConfig(ConfigArgs),
    /// Write one of kagami's own synthetic captures (demo, tests, benchmarks).
    Synth(cli::synth::SynthArgs),
    /// Threat intelligence the detectors use: `kagami intel update` fetches the Tor relay list.
    Intel(cli::intel::IntelArgs),
    /// Approved devices: `inventory learn` writes an inventory from baseline captures.
    Inventory(cli::inventory::InventoryArgs),
    /// Summarise EVE alerts per home-network host, ranked by a CCDCOE-weighted risk score.
    #[command(after_help = cli::report::AFTER_HELP)]
    Report(cli::report::ReportArgs),
}

#[derive(Args)]
struct ConfigArgs {
    /// TOML configuration file; embedded defaults fill what it leaves out.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Override one key, e.g. --set flow.memcap=67108864 (repeatable).
    #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["read", "interface"]))]
struct RunArgs {
    /// Capture files (pcap or pcapng) to replay, in order, as one stream.
    #[arg(short = 'r', long = "read", value_name = "FILE", num_args = 1..)]
    read: Vec<PathBuf>,
    /// Network interface to capture from live (libpcap).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    interface: Option<String>,
    /// BPF filter, e.g. 'not port 22' (overrides capture.bpf).
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    filter: Option<String>,
    /// Directory for eve.json and metrics.json (default: output.dir, ".").
    #[arg(short = 'l', long = "log-dir", value_name = "DIR")]
    log_dir: Option<PathBuf>,
    /// No progress line and no summary on standard error.
    #[arg(short = 'q', long)]
    quiet: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

/// An error with the exit status it calls for.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: anyhow::Error = e.into();
        Failure {
            code: exit_code(&error),
            error,
        }
    }
}

fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if cause.downcast_ref::<ConfigError>().is_some() {
            return 2;
        }
        if let Some(r) = cause.downcast_ref::<ReportError>() {
            return match r {
                ReportError::Read { .. } => 1,
                _ => 2,
            };
        }
        if let Some(c) = cause.downcast_ref::<CaptureError>() {
            return match c {
                CaptureError::Read { .. } => 1,
                _ => 2,
            };
        }
        if let Some(RunError::Capture(c)) = cause.downcast_ref::<RunError>() {
            return if matches!(c, CaptureError::Read { .. }) {
                1
            } else {
                2
            };
        }
        if matches!(cause.downcast_ref::<SinkError>(), Some(SinkError::Closed))
            || matches!(
                cause.downcast_ref::<RunError>(),
                Some(RunError::Output(SinkError::Closed))
            )
        {
            return 0;
        }
    }
    1
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::CheckConfig(args) => check_config(args),
        Command::Synth(args) => cli::synth::run(args).map_err(|error| Failure { code: 1, error }),
        Command::Intel(args) => cli::intel::run(args),
        Command::Inventory(args) => cli::inventory::run(args),
        Command::Report(args) => cli::report::run(args).map_err(Failure::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.code == 0 => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("kagami: {}", one_line(&f.error));
            ExitCode::from(f.code)
        }
    }
}

/// The error and its causes on one line, `a: b: c`, leaving out a cause
/// whose text the line already ends with (errors that print their source).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn load_config(args: &ConfigArgs) -> Result<Config, Failure> {
    let cfg = Config::load(args.config.as_deref(), &args.set)?;
    Ok(cfg)
}

fn check_config(args: ConfigArgs) -> Result<(), Failure> {
    let cfg = load_config(&args)?;
    print!("{}", cfg.to_toml());
    Ok(())
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let mut cfg = load_config(&args.config)?;
    if let Some(dir) = &args.log_dir {
        cfg.output.dir = dir.clone();
    }
    if let Some(f) = &args.filter {
        cfg.capture.bpf = f.clone();
    }
    let batch = cfg.capture.batch_size as usize;
    let (mut source, live, total_bytes, files): (Box<dyn PacketSource>, bool, u64, usize) =
        if let Some(iface) = &args.interface {
            let opts = LiveOptions {
                snaplen: cfg.capture.snaplen,
                promisc: cfg.capture.promisc,
                bpf: cfg.capture.bpf.clone(),
                batch,
            };
            (Box::new(LiveSource::open(iface, &opts)?), true, 0, 0)
        } else {
            let src = FileSource::open(&args.read, &cfg.capture.bpf, batch)?;
            let total = src.total_bytes();
            let n = src.file_count();
            (Box::new(src), false, total, n)
        };

    let eve = JsonLines::open(&cfg.output.dir, &cfg.output.eve_file)?;
    let metrics = if cfg.output.eve_file == "-" && cfg.output.metrics_file == "-" {
        None
    } else {
        Some(JsonLines::open(&cfg.output.dir, &cfg.output.metrics_file)?)
    };
    let mut engine = Engine::new(&cfg, eve, metrics).map_err(|e| Failure {
        code: 2,
        error: anyhow::Error::new(e).context("cannot start the detectors"),
    })?;
    if !args.quiet {
        for note in engine.detect().notes() {
            eprintln!("kagami: detector {note}");
        }
    }
    // Start-up warnings (saved baselines that could not be loaded) show even with --quiet.
    for w in engine.take_warnings() {
        eprintln!("kagami: warning: {w}");
    }

    let stop = Arc::new(AtomicBool::new(false));
    // The first SIGINT/SIGTERM ends the run cleanly (flows flushed, final
    // stats written); a second one, if the first is taking too long, kills.
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 1, Arc::clone(&stop))
            .context("cannot install signal handlers")?;
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install signal handlers")?;
    }

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut progress = Progress::new(show_progress, started, total_bytes, files);
    let result = engine::run(&mut engine, source.as_mut(), live, &stop, &mut |s, e| {
        progress.draw(s, e)
    });
    progress.clear();
    let cap = source.stats();
    for w in source.warnings() {
        eprintln!("kagami: warning: {w}");
    }
    for w in engine.take_warnings() {
        eprintln!("kagami: warning: {w}");
    }
    result?;
    if !args.quiet {
        summary(&engine, &cap, started, &cfg);
    }
    Ok(())
}
