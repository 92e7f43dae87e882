//! `kagami intel update`: fetches the Tor relay list into the state directory,
//! where the sensor reads it at start. The fetching, parsing and atomic
//! writing are the library's (`kagami::detect::intel`); this module picks the
//! output path, maps errors to exit statuses and prints the summary.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, Subcommand};

use kagami::detect::intel::{self, IntelError, STATE_SUBDIR};

use crate::{ConfigArgs, Failure, load_config};

const UPDATE_HELP: &str = "\
Examples:
  kagami intel update --set state.dir=/var/lib/kagami
      fetch the Tor Project's relay list (intel.tor_relays_url) into
      /var/lib/kagami/intel/tor-relays.txt, which the tor detector reads at
      start (with signatures/tor-relays.txt, the seed list)
  kagami intel update --url http://mirror.example/details --out /tmp/relays.txt

The response may be an Onionoo details or summary document or a plain list of
addresses. It is written as a sorted plain list, atomically: a failed fetch
leaves the previous file as it was. Run it from cron, e.g. daily.

Exit status: 0 written; 1 the fetch or the write failed; 2 bad usage or
configuration.";

/// Arguments of `kagami intel`.
#[derive(Args)]
pub struct IntelArgs {
    #[command(subcommand)]
    command: IntelCommand,
}

#[derive(Subcommand)]
enum IntelCommand {
    /// Fetch the Tor relay list and write it where the sensor reads it.
    #[command(after_help = UPDATE_HELP)]
    Update(UpdateArgs),
}

#[derive(Args)]
struct UpdateArgs {
    /// Where to fetch from (overrides intel.tor_relays_url).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// File to write (default: <state.dir>/intel/tor-relays.txt).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    config: ConfigArgs,
}

/// Runs `kagami intel …`.
pub fn run(args: IntelArgs) -> Result<(), Failure> {
    match args.command {
        IntelCommand::Update(a) => update(a),
    }
}

fn usage(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn update(args: UpdateArgs) -> Result<(), Failure> {
    let mut cfg = load_config(&args.config)?;
    if let Some(url) = args.url {
        cfg.intel.tor_relays_url = url;
    }
    let out = match args.out {
        Some(p) => p,
        None => {
            let Some(path) = intel::state_path(&cfg) else {
                return Err(usage(anyhow!(
                    "no place to write the tor relay list: set the state directory \
                     (--set state.dir=/var/lib/kagami, or state.dir in the configuration file) \
                     or pass --out FILE"
                )));
            };
            let dir = PathBuf::from(&cfg.state.dir).join(STATE_SUBDIR);
            std::fs::create_dir_all(&dir).map_err(|e| Failure {
                code: 1,
                error: anyhow!("cannot create {}: {e}", dir.display()),
            })?;
            path
        }
    };
    let report = intel::update(&cfg, &out).map_err(|e| {
        let code = match e {
            IntelError::BadConfig { .. } => 2,
            _ => 1,
        };
        let kept = if out.exists() {
            format!("; {} is left as it was", out.display())
        } else {
            String::new()
        };
        Failure {
            code,
            error: anyhow!("{e}{kept}"),
        }
    })?;
    for w in &report.warnings {
        eprintln!("kagami: warning: {w}");
    }
    println!(
        "kagami: {} tor relay {} ({}) from {} written to {} ({} bytes fetched, {} written) in {:.1} s",
        report.relays,
        if report.relays == 1 {
            "address"
        } else {
            "addresses"
        },
        report.format.name(),
        report.url,
        report.path.display(),
        report.bytes_fetched,
        report.bytes_written,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}
