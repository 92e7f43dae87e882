//! Whole-sensor throughput: `kagami run` on a large synthetic capture, and
//! Suricata on the same capture when it is installed, interleaved run by run
//! (k, s, k, s, …) so both share the machine's noise.
//!
//! `cargo bench --bench throughput`. Environment:
//! - `KAGAMI_BENCH_BYTES` capture size, sum of frame lengths (default 1 GiB)
//! - `KAGAMI_BENCH_FLOWS` flows in the capture (default 1,000,000)
//! - `KAGAMI_BENCH_RUNS` runs of each sensor (default 3; medians reported)
//! - `KAGAMI_BENCH_SURICATA=0` skips Suricata even when installed
//! - `KAGAMI_BENCH_FLOW_MEMCAP` flow-table memcap in bytes given to both
//!   sensors (`--set flow.memcap=N`; default 1 GiB). The capture spans only
//!   ~1.5 s of packet time, so no flow times out and all 1M flows are live at
//!   once: at their 128 MiB defaults kagami evicts and Suricata enters
//!   emergency mode, and they no longer do the same work.
//!
//! The capture (`kagami::synth::write_bulk`, seed 1) is cached in
//! `target/bench-data/` and written again only when missing. Wall time is
//! from spawn to exit; peak RSS is the child's `VmHWM`, polled every 10 ms
//! from `/proc/<pid>/status` (for kagami also its own
//! `kagami.process.peak_rss_bytes`; the larger is kept); CPU time is the
//! children's user + system time from `/proc/self/stat`. Packets and bytes
//! come from each sensor's last EVE `stats` record. Both sensors write EVE
//! flow records (Suricata: one eve-log with flow, stats and the protocol records kagami writes, no rules, app-layer
//! parsers as Debian ships them, `--runmode single`, `-k none`). Results go
//! to stdout and `target/bench-results/throughput.json`.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const SEED: u64 = 1;
const MIB: f64 = 1024.0 * 1024.0;
/// Clock ticks per second in /proc (USER_HZ, 100 on every Linux ABI kagami targets).
const USER_HZ: f64 = 100.0;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.replace('_', "");
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v}: not a whole number"))
        }
        Err(_) => default,
    }
}

/// What one run of a sensor measured.
#[derive(Debug, Clone)]
struct Run {
    wall_s: f64,
    cpu_s: f64,
    peak_rss: u64,
    pkts: u64,
    bytes: u64,
    flow_records: u64,
    /// The sensor's `stats.flow` object (memcap pressure shows here).
    stats_flow: Value,
}

impl Run {
    fn to_json(&self) -> Value {
        json!({
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "peak_rss_bytes": self.peak_rss,
            "packets": self.pkts,
            "bytes": self.bytes,
            "flow_records": self.flow_records,
            "stats_flow": self.stats_flow,
            "packets_per_s": self.pkts as f64 / self.wall_s,
            "gbit_per_s": self.bytes as f64 * 8.0 / self.wall_s / 1e9,
        })
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians over runs of each measure (packets and bytes are the same every run).
fn summarize(runs: &[Run]) -> Run {
    let m = |f: fn(&Run) -> f64| median(runs.iter().map(f).collect());
    Run {
        wall_s: m(|r| r.wall_s),
        cpu_s: m(|r| r.cpu_s),
        peak_rss: m(|r| r.peak_rss as f64) as u64,
        pkts: m(|r| r.pkts as f64) as u64,
        bytes: m(|r| r.bytes as f64) as u64,
        flow_records: m(|r| r.flow_records as f64) as u64,
        stats_flow: runs
            .last()
            .map(|r| r.stats_flow.clone())
            .unwrap_or_default(),
    }
}

/// `VmHWM` of `pid` in bytes, if the process still has an address space.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User + system CPU seconds of this process's waited-for children so far.
fn children_cpu_s() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after "pid (comm) ": state is field 3, cutime 16, cstime 17.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    ticks as f64 / USER_HZ
}

/// Runs `cmd` to completion; returns (wall seconds, CPU seconds, peak RSS).
/// Panics with the tail of `stderr_file` when the command fails.
fn measure(cmd: &mut Command, stderr_file: &Path) -> (f64, f64, u64) {
    let err = File::create(stderr_file).expect("create stderr file");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(err));
    let cpu0 = children_cpu_s();
    let done = AtomicBool::new(false);
    let hwm = AtomicU64::new(0);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pid = child.id();
    let (status, wall) = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Acquire) {
                if let Some(v) = vm_hwm(pid) {
                    hwm.fetch_max(v, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let status = child.wait().expect("wait for child");
        let wall = start.elapsed();
        done.store(true, Ordering::Release);
        (status, wall)
    });
    if !status.success() {
        let text = fs::read_to_string(stderr_file).unwrap_or_default();
        let tail: String = text
            .chars()
            .rev()
            .take(2000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!("{cmd:?} failed ({status}):\n{tail}");
    }
    (
        wall.as_secs_f64(),
        children_cpu_s() - cpu0,
        hwm.load(Ordering::Relaxed),
    )
}

/// Scans an EVE file: (flow records, last stats record).
fn scan_eve(path: &Path) -> (u64, Option<Value>) {
    let f = File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut line = Vec::new();
    let (mut flows, mut last_stats) = (0u64, None);
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let s = String::from_utf8_lossy(&line);
        if s.contains("\"event_type\":\"flow\"") {
            flows += 1;
        } else if s.contains("\"event_type\":\"stats\"") {
            last_stats = Some(s.into_owned());
        }
    }
    (
        flows,
        last_stats.and_then(|s| serde_json::from_str(s.trim()).ok()),
    )
}

fn stats_u64(stats: &Option<Value>, path: &str) -> Option<u64> {
    let mut v = stats.as_ref()?.get("stats")?;
    for k in path.split('.') {
        v = v.get(k)?;
    }
    v.as_u64()
}

fn stats_flow(stats: &Option<Value>) -> Value {
    stats
        .as_ref()
        .and_then(|s| s.get("stats")?.get("flow").cloned())
        .unwrap_or_default()
}

fn flow_u64(flow: &Value, path: &str) -> u64 {
    path.split('.')
        .try_fold(flow, |v, k| v.get(k))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Last value of counter `name` in kagami's metrics file.
fn metrics_counter(path: &Path, name: &str) -> Option<u64> {
    let mut f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(1 << 20))).ok()?;
    let mut tail = String::new();
    f.read_to_string(&mut tail).ok()?;
    let last = tail.lines().rev().find(|l| !l.trim().is_empty())?;
    let v: Value = serde_json::from_str(last).ok()?;
    v.get("counters")?.get(name)?.as_u64()
}

fn run_kagami(exe: &Path, capture: &Path, work: &Path, memcap: Option<u64>, app: bool) -> Run {
    let dir = tempfile::tempdir_in(work).expect("temp dir");
    let mut cmd = Command::new(exe);
    cmd.arg("run")
        .arg("-q")
        .arg("-r")
        .arg(capture)
        .arg("-l")
        .arg(dir.path());
    if let Some(m) = memcap {
        cmd.arg("--set").arg(format!("flow.memcap={m}"));
    }
    if !app {
        cmd.arg("--set").arg("app.enabled=false");
    }
    let (wall_s, cpu_s, polled) = measure(&mut cmd, &dir.path().join("stderr.txt"));
    let own = metrics_counter(
        &dir.path().join("metrics.json"),
        "kagami.process.peak_rss_bytes",
    )
    .unwrap_or(0);
    let (flow_records, stats) = scan_eve(&dir.path().join("eve.json"));
    Run {
        wall_s,
        cpu_s,
        peak_rss: polled.max(own),
        pkts: stats_u64(&stats, "decoder.pkts").expect("kagami stats.decoder.pkts"),
        bytes: stats_u64(&stats, "decoder.bytes").expect("kagami stats.decoder.bytes"),
        flow_records,
        stats_flow: stats_flow(&stats),
    }
}

/// Debian's suricata.yaml with one eve-log (flow, stats and the protocol
/// records kagami writes: dns, tls, http, smtp, ssh, dhcp, ike; Community ID on),
/// no rules and no command socket, as /work/shared/tools/vs-suricata builds it.
fn suricata_yaml(dir: &Path) -> PathBuf {
    let src = fs::read_to_string("/etc/suricata/suricata.yaml")
        .expect("read /etc/suricata/suricata.yaml (Debian's suricata package)");
    let lines: Vec<&str> = src.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("outputs:"))
        .expect("outputs: section");
    let end = (start + 1..lines.len())
        .find(|&i| lines[i].starts_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(lines.len());
    let outputs = "outputs:\n  - eve-log:\n      enabled: yes\n      filetype: regular\n      \
                   filename: eve.json\n      community-id: true\n      types:\n        - stats:\n            \
                   totals: yes\n            threads: no\n        - flow\n\
                   \x20       - dns\n        - tls:\n            extended: yes\n\
                   \x20       - http:\n            extended: yes\n        - smtp\n\
                   \x20       - ssh\n        - dhcp:\n            extended: yes\n        - ike\n";
    let text = format!(
        "{}{outputs}\n{}",
        lines[..start].concat(),
        lines[end..].concat()
    );
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("rule-files:"))
        .expect("rule-files: section");
    let mut j = i + 1;
    while j < lines.len() && (lines[j].starts_with("  -") || lines[j].trim().is_empty()) {
        j += 1;
    }
    let text = format!(
        "{}rule-files: []\n\n{}",
        lines[..i].concat(),
        lines[j..].concat()
    )
    .replace(
        "unix-command:\n  enabled: yes",
        "unix-command:\n  enabled: no",
    );
    let path = dir.join("suricata.yaml");
    fs::write(&path, text).expect("write suricata.yaml");
    path
}

fn run_suricata(yaml: &Path, capture: &Path, work: &Path, memcap: Option<u64>) -> Run {
    let dir = tempfile::tempdir_in(work).expect("temp dir");
    let mut cmd = Command::new("suricata");
    cmd.arg("-r")
        .arg(capture)
        .arg("-l")
        .arg(dir.path())
        .args(["-k", "none", "--runmode", "single", "-c"])
        .arg(yaml);
    if let Some(m) = memcap {
        cmd.arg("--set").arg(format!("flow.memcap={m}"));
    }
    let (wall_s, cpu_s, peak_rss) = measure(&mut cmd, &dir.path().join("stderr.txt"));
    let (flow_records, stats) = scan_eve(&dir.path().join("eve.json"));
    Run {
        wall_s,
        cpu_s,
        peak_rss,
        pkts: stats_u64(&stats, "decoder.pkts").unwrap_or(0),
        bytes: stats_u64(&stats, "decoder.bytes").unwrap_or(0),
        flow_records,
        stats_flow: stats_flow(&stats),
    }
}

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
        .unwrap_or(false)
}

/// The cached bulk capture, written when missing.
fn capture(data: &Path, bytes: u64, flows: u64) -> PathBuf {
    fs::create_dir_all(data).expect("create target/bench-data");
    let path = data.join(format!("bulk-{bytes}B-{flows}flows-seed{SEED}.pcap"));
    if path.is_file() {
        println!("capture: {} (cached)", path.display());
        return path;
    }
    println!(
        "capture: writing {} ({:.0} MiB, {flows} flows) …",
        path.display(),
        bytes as f64 / MIB
    );
    let tmp = path.with_extension("pcap.partial");
    let t = Instant::now();
    let s = kagami::synth::write_bulk(&tmp, bytes, flows, SEED).expect("write_bulk");
    fs::rename(&tmp, &path).expect("rename capture");
    println!(
        "capture: {} packets, {} bytes, {} flows in {:.1} s",
        s.packets,
        s.bytes,
        s.flow_count,
        t.elapsed().as_secs_f64()
    );
    path
}

/// Reads the file once so every run starts from the page cache.
fn warm(path: &Path) {
    let mut f = File::open(path).expect("open capture");
    let mut buf = vec![0u8; 1 << 20];
    while f.read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
}

fn row(name: &str, r: &Run) -> String {
    format!(
        "{name:<24} {:>8.2} {:>8.2} {:>13.0} {:>8.3} {:>13.1} {:>10}",
        r.wall_s,
        r.cpu_s,
        r.pkts as f64 / r.wall_s,
        r.bytes as f64 * 8.0 / r.wall_s / 1e9,
        r.peak_rss as f64 / MIB,
        r.flow_records
    )
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("throughput: skipped (run it with `cargo bench --bench throughput`)");
        return;
    }
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_kagami"));
    let target = exe
        .parent()
        .and_then(Path::parent)
        .expect("binary under target/<profile>/")
        .to_path_buf();
    let bytes = env_u64("KAGAMI_BENCH_BYTES", 1 << 30);
    let flows = env_u64("KAGAMI_BENCH_FLOWS", 1_000_000);
    let runs = env_u64("KAGAMI_BENCH_RUNS", 3).max(1);
    // Both sensors get a flow memcap large enough for the capture's million
    // concurrent flows, so neither evicts nor drops: the same work for both.
    let memcap = Some(env_u64("KAGAMI_BENCH_FLOW_MEMCAP", 1 << 30));
    let want_suricata = std::env::var("KAGAMI_BENCH_SURICATA").map_or(true, |v| v != "0");

    let data = target.join("bench-data");
    let cap = capture(&data, bytes, flows);
    let work = tempfile::tempdir_in(&data).expect("work dir");
    let suricata = want_suricata && on_path("suricata");
    if !suricata {
        println!(
            "suricata: {}; kagami alone. To compare, on Debian 12 add bookworm-backports \
             (deb http://deb.debian.org/debian bookworm-backports main) and \
             `apt-get install -t bookworm-backports suricata`",
            if want_suricata {
                "not on PATH"
            } else {
                "skipped (KAGAMI_BENCH_SURICATA=0)"
            }
        );
    }
    let yaml = suricata.then(|| suricata_yaml(work.path()));
    let suricata_version = suricata
        .then(|| {
            Command::new("suricata")
                .arg("-V")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
        .flatten();

    // Suricata's fixed start-up + shutdown cost, from a run on a tiny capture.
    let startup = yaml.as_ref().map(|y| {
        let small = data.join("sample.pcap");
        if !small.is_file() {
            kagami::synth::write_sample(&small, &kagami::synth::Output::default(), SEED)
                .expect("write_sample");
        }
        let r = run_suricata(y, &small, work.path(), memcap);
        println!(
            "suricata: start-up + shutdown on a 10-flow capture: {:.2} s",
            r.wall_s
        );
        r.wall_s
    });

    warm(&cap);
    println!(
        "{runs} run(s) of kagami{} on {} ({} CPUs), flow memcap: {}",
        if suricata {
            " and suricata, interleaved,"
        } else {
            ""
        },
        cap.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        memcap.map_or("each sensor's default".to_string(), |m| format!(
            "{m} bytes"
        ))
    );
    let (mut k_runs, mut s_runs, mut off_runs) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let k = run_kagami(&exe, &cap, work.path(), memcap, true);
        println!("  kagami   run {}: {}", i + 1, row("", &k).trim_start());
        k_runs.push(k);
        let off = run_kagami(&exe, &cap, work.path(), memcap, false);
        println!(
            "  kagami (app layer off) run {}: {}",
            i + 1,
            row("", &off).trim_start()
        );
        off_runs.push(off);
        if let Some(y) = &yaml {
            let s = run_suricata(y, &cap, work.path(), memcap);
            println!("  suricata run {}: {}", i + 1, row("", &s).trim_start());
            s_runs.push(s);
        }
    }
    let k = summarize(&k_runs);
    let off = summarize(&off_runs);
    let s = (!s_runs.is_empty()).then(|| summarize(&s_runs));

    println!();
    println!(
        "{:<24} {:>8} {:>8} {:>13} {:>8} {:>13} {:>10}",
        "sensor (median)", "wall s", "CPU s", "packets/s", "Gbit/s", "peak RSS MiB", "flow recs"
    );
    println!("{}", row("kagami", &k));
    println!("{}", row("kagami, app layer off", &off));
    println!(
        "{:<24} app layer costs {:.0}% of packets/s",
        "",
        100.0 * (1.0 - (k.pkts as f64 / k.wall_s) / (off.pkts as f64 / off.wall_s))
    );
    println!(
        "{:<24} flows evicted under memcap: {}",
        "  kagami flow table",
        flow_u64(&k.stats_flow, "mgr.flows_evicted")
    );
    let mut ratios = Value::Null;
    let mut excl = Value::Null;
    if let Some(s) = &s {
        println!("{}", row("suricata", s));
        println!(
            "{:<24} emergency mode entered: {}, flow allocations failed: {}",
            "  suricata flow table",
            flow_u64(&s.stats_flow, "emerg_mode_entered"),
            flow_u64(&s.stats_flow, "get_used_failed")
        );
        if let Some(st) = startup {
            let busy = (s.wall_s - st).max(1e-9);
            let pps = s.pkts as f64 / busy;
            println!(
                "{:<24} {:>8.2} {:>8} {:>13.0} {:>8.3}",
                "suricata excl. start-up",
                busy,
                "",
                pps,
                s.bytes as f64 * 8.0 / busy / 1e9
            );
            excl = json!({ "startup_s": st, "wall_s": busy, "packets_per_s": pps });
        }
        let k_pps = k.pkts as f64 / k.wall_s;
        let s_pps = s.pkts as f64 / s.wall_s;
        let pps_ratio = k_pps / s_pps;
        let mem_ratio = k.peak_rss as f64 / s.peak_rss as f64;
        println!(
            "kagami/suricata: packets/s {pps_ratio:.2}x (goal >= 2x: {}), peak memory {mem_ratio:.2}x (goal <= 0.5x: {})",
            if pps_ratio >= 2.0 { "met" } else { "NOT met" },
            if mem_ratio <= 0.5 { "met" } else { "NOT met" },
        );
        if s.pkts != k.pkts {
            println!(
                "note: packet counts differ: kagami {} suricata {}",
                k.pkts, s.pkts
            );
        }
        ratios = json!({ "packets_per_s": pps_ratio, "peak_rss": mem_ratio,
                         "goal_packets_per_s": 2.0, "goal_peak_rss": 0.5 });
    }

    let results = target.join("bench-results");
    fs::create_dir_all(&results).expect("create target/bench-results");
    let out = results.join(match memcap {
        None => "throughput.json".to_string(),
        Some(m) => format!("throughput-memcap-{m}.json"),
    });
    let doc = json!({
        "capture": { "path": cap, "target_bytes": bytes, "flows": flows, "seed": SEED,
                     "file_bytes": fs::metadata(&cap).map(|m| m.len()).unwrap_or(0) },
        "runs": runs,
        "flow_memcap": memcap,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "kagami": { "median": k.to_json(), "runs": k_runs.iter().map(Run::to_json).collect::<Vec<_>>() },
        "kagami_app_off": { "median": off.to_json(), "runs": off_runs.iter().map(Run::to_json).collect::<Vec<_>>() },
        "suricata": s.as_ref().map(|s| json!({
            "version": suricata_version,
            "median": s.to_json(),
            "excluding_startup": excl,
            "runs": s_runs.iter().map(Run::to_json).collect::<Vec<_>>(),
        })),
        "kagami_over_suricata": ratios,
    });
    fs::write(
        &out,
        serde_json::to_string_pretty(&doc).expect("json") + "\n",
    )
    .expect("write throughput.json");
    println!("results: {}", out.display());
}
