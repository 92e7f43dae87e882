//! `kagami inventory learn`: replays baseline captures through the engine
//! with a device learner in the host stage (EVE goes nowhere) and writes the
//! devices it saw as an inventory CSV for `[inventory] file`. Which
//! sightings count is the detector's own rule
//! (`kagami::detect::unapproved_device`); this module only drives the run
//! and writes the file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::{Args, Subcommand};

use kagami::capture::PacketSource;
use kagami::capture::pcap_file::FileSource;
use kagami::detect::unapproved_device::{DeviceLearner, LearnedDevices, format_mac};
use kagami::engine::{self, Engine};
use kagami::output::JsonLines;

use crate::{ConfigArgs, Failure, load_config};

const LEARN_HELP: &str = "\
Every device seen on the home network (network.home_net) goes in: ARP
senders, DHCP clients and the clients of flows, one line per MAC, sorted,
with the first address it used and its last DHCP hostname (owner left empty
for you). inventory.home_only applies as it does for the detector.

Example:
  kagami inventory learn -r monday.pcap tuesday.pcap -o /etc/kagami/inventory.csv
  # review the file: delete what is not approved, fill in owners, then
  kagami run -i eth1 --set inventory.file=/etc/kagami/inventory.csv

The file is replaced atomically; -o - writes to standard output.";

/// Arguments of `kagami inventory`.
#[derive(Args)]
pub struct InventoryArgs {
    #[command(subcommand)]
    command: InventoryCommand,
}

#[derive(Subcommand)]
enum InventoryCommand {
    /// Write an inventory of the devices seen in baseline captures.
    #[command(after_help = LEARN_HELP)]
    Learn(LearnArgs),
}

/// Arguments of `kagami inventory learn`.
#[derive(Args)]
pub struct LearnArgs {
    /// Baseline captures (pcap or pcapng), read in order as one stream.
    #[arg(short = 'r', long = "read", value_name = "FILE", num_args = 1.., required = true)]
    read: Vec<PathBuf>,
    /// Inventory to write ("-" = standard output).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "inventory.csv"
    )]
    output: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
}

/// Runs `kagami inventory …`.
pub fn run(a: InventoryArgs) -> Result<(), Failure> {
    match a.command {
        InventoryCommand::Learn(l) => learn(l),
    }
}

fn learn(a: LearnArgs) -> Result<(), Failure> {
    let mut cfg = load_config(&a.config)?;
    // The learner needs the host stage; the detector itself stays off.
    cfg.detect.enabled = true;
    cfg.inventory.file.clear();
    let batch = usize::try_from(cfg.capture.batch_size).unwrap_or(usize::MAX);
    let mut source = FileSource::open(&a.read, &cfg.capture.bpf, batch)?;
    let eve = JsonLines::open(Path::new("/dev"), "null")?;
    let mut engine = Engine::new(&cfg, eve, None).map_err(|e| Failure {
        code: 2,
        error: anyhow::Error::new(e).context("cannot start the device learner"),
    })?;
    let book = Arc::new(Mutex::new(LearnedDevices::default()));
    engine.add_host_detector(Box::new(DeviceLearner::new(&cfg, Arc::clone(&book))));
    let stop = AtomicBool::new(false);
    engine::run(&mut engine, &mut source, false, &stop, &mut |_, _| {})?;
    for w in source.warnings() {
        eprintln!("kagami: warning: {w}");
    }
    let book = book
        .lock()
        .map_err(|_| anyhow::anyhow!("the device learner failed"))?;
    let text = render(&book, &a.read, &cfg.network.home_net)?;
    if a.output == Path::new("-") {
        std::io::stdout()
            .write_all(&text)
            .context("cannot write the inventory to standard output")?;
    } else {
        kagami::output::atomic::write_atomically(&a.output, &text)
            .with_context(|| format!("cannot write inventory {}", a.output.display()))?;
    }
    let n = book.devices.len();
    eprintln!(
        "kagami: {n} device{} seen in {} capture{}{}",
        if n == 1 { "" } else { "s" },
        a.read.len(),
        if a.read.len() == 1 { "" } else { "s" },
        if a.output == Path::new("-") {
            String::new()
        } else {
            format!("; wrote {}", a.output.display())
        }
    );
    if book.dropped > 0 {
        eprintln!(
            "kagami: warning: {} more devices not listed: detect.max_hosts ({}) reached",
            book.dropped, cfg.detect.max_hosts
        );
    }
    Ok(())
}

/// A file name or network as a comment shows it: control characters (a
/// newline would end the comment) replaced.
fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The inventory file: comment lines saying when and from what, the
/// header, one row per device in MAC order (the csv writer quotes what the
/// wire put in a hostname).
fn render(book: &LearnedDevices, read: &[PathBuf], home: &[String]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let files: Vec<String> = read
        .iter()
        .map(|p| comment_safe(&p.display().to_string()))
        .collect();
    writeln!(
        out,
        "# kagami inventory learn, {}, from: {}",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        files.join(" ")
    )?;
    writeln!(
        out,
        "# {} devices seen on the home network ({}). Review before use: delete what is not approved, fill in owner.",
        book.devices.len(),
        comment_safe(&home.join(", "))
    )?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["mac", "ip", "hostname", "owner"])?;
    for (mac, d) in &book.devices {
        let ip = d.ip.map(|ip| ip.to_string()).unwrap_or_default();
        w.write_record([
            format_mac(*mac).as_str(),
            ip.as_str(),
            d.hostname.as_deref().unwrap_or(""),
            "",
        ])?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot render the inventory: {}", e.error()))
}
