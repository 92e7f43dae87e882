//! Bad input gets one clear line and the right exit status, or — inside a
//! readable capture — a counter and no loss of what was good. Never a panic.

mod common;
use common::*;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use kagami::synth;

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps/demo.pcap")
}

/// Exit status 2, one line on stderr that contains `needle`, no EVE written.
fn assert_unusable(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), args);
    assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    assert_eq!(
        run.stderr.trim().lines().count(),
        1,
        "one line, not a backtrace: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "{args:?}: expected `{needle}` in: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
    assert!(run.eve.is_empty(), "nothing is written for unusable input");
}

#[test]
fn missing_file() {
    assert_unusable(&["-r", "/nonexistent/case.pcap"], "no such file");
}

#[test]
fn directory_instead_of_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_unusable(&["-r", dir.path().to_str().unwrap()], "is a directory");
}

#[test]
fn not_a_capture() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are not packets\n".repeat(10)).unwrap();
    assert_unusable(
        &["-r", text.to_str().unwrap()],
        "not a pcap or pcapng capture",
    );
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert_unusable(
        &["-r", empty.to_str().unwrap()],
        "not a pcap or pcapng capture",
    );
}

#[test]
fn one_bad_file_among_good_ones_fails_before_reading_any() {
    let d = demo();
    assert_unusable(
        &["-r", d.to_str().unwrap(), "/nonexistent/two.pcap"],
        "/nonexistent/two.pcap",
    );
}

#[test]
fn bad_filter_and_bad_interface() {
    let d = demo();
    assert_unusable(
        &["-r", d.to_str().unwrap(), "-f", "port port"],
        "bad BPF filter",
    );
    assert_unusable(&["-i", "kagami-no-such-if0"], "kagami-no-such-if0");
}

#[test]
fn bad_configuration_is_named() {
    let d = demo();
    assert_unusable(
        &["-r", d.to_str().unwrap(), "--set", "flow.memcapp=1"],
        "flow.memcapp",
    );
    assert_unusable(
        &["-r", d.to_str().unwrap(), "--set", "flow.memcap=lots"],
        "flow.memcap",
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("k.toml");
    std::fs::write(&cfg, "[output]\nstats_interval = \"often\"\n").unwrap();
    assert_unusable(
        &["-r", d.to_str().unwrap(), "-c", cfg.to_str().unwrap()],
        "output.stats_interval",
    );
    assert_unusable(
        &["-r", d.to_str().unwrap(), "-c", "/nonexistent/k.toml"],
        "/nonexistent/k.toml",
    );
}

#[test]
fn no_source_is_a_usage_error() {
    let out = kagami().arg("run").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--read"));
}

#[test]
fn unwritable_output_is_a_failure_not_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let d = demo();
    let out = kagami()
        .args([
            "run",
            "-r",
            d.to_str().unwrap(),
            "-l",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create output directory"));
}

#[test]
fn truncated_file_keeps_what_was_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(demo()).unwrap();
    let cut = dir.path().join("cut.pcap");
    // Cut in the middle of a record, two thirds in.
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3 + 7]).unwrap();
    let (_d, run) = run_capture(&cut, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("stopped reading"),
        "a warning names the cut: {}",
        run.stderr
    );
    assert_schema_valid(&run.eve, "truncated demo");
    let s = run.stats();
    assert_eq!(counter(s, "capture.errors"), 1);
    let pkts = counter(s, "decoder.pkts");
    assert!(
        pkts > 1000 && pkts < 2430,
        "the packets before the cut are all decoded: {pkts}"
    );
    assert!(!run.flows().is_empty());
}

#[test]
fn garbage_frames_are_counted_and_valid_packets_still_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.pcap");
    let truth = synth::write_garbage(&path, 20_000, 3).unwrap();
    let (_d, run) = run_capture(&path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, "garbage");
    let s = run.stats();
    assert_eq!(counter(s, "decoder.pkts"), truth.packets);
    assert!(counter(s, "decoder.invalid") > 1000, "{s}");
    for c in [
        "decoder.event.ipv4.hlen_too_small",
        "decoder.event.tcp.hlen_too_small",
        "decoder.event.ethernet.pkt_too_small",
    ] {
        assert!(counter(s, c) > 0, "{c} should count the malformed frames");
    }
    // every valid flow hidden among the garbage is found
    let ours = our_conversations(&run);
    for t in &truth.flows {
        let key = conv_key(
            "TCP",
            (t.client.ip(), t.client.port()),
            (t.server.ip(), t.server.port()),
        );
        assert_eq!(
            ours.get(&key),
            Some(&(t.pkts_toserver + t.pkts_toclient)),
            "{t:?}"
        );
    }
}

/// `kagami run` on the demo capture with EVE and metrics on standard output.
fn kagami_to_stdout() -> std::process::Command {
    let mut cmd = kagami();
    cmd.args(["run", "-q", "-r", demo().to_str().unwrap()])
        .args([
            "--set",
            "output.eve_file=-",
            "--set",
            "output.metrics_file=-",
        ]);
    cmd
}

#[test]
fn closed_standard_output_ends_quietly() {
    let mut child = kagami_to_stdout()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eve_to_standard_output() {
    let out = kagami_to_stdout().output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The shipped demo is `kagami synth demo` with seed 1: its truth says how many flows.
    let dir = tempfile::tempdir().unwrap();
    let truth = kagami::synth::write_demo(&dir.path().join("demo.pcap"), 1).unwrap();
    assert_eq!(
        records.iter().filter(|r| r["event_type"] == "flow").count() as u64,
        truth.flow_count
    );
    assert_schema_valid(&records, "stdout");
}

#[test]
fn check_config_prints_the_effective_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("k.toml");
    let mut f = std::fs::File::create(&cfg).unwrap();
    writeln!(
        f,
        "[flow]\nmemcap = 1000000\n[network]\nhome_net = [\"10.9.0.0/16\"]"
    )
    .unwrap();
    let out = kagami()
        .args([
            "check-config",
            "-c",
            cfg.to_str().unwrap(),
            "--set",
            "flow.tcp_new_timeout=7",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let parsed: toml::Table = text.parse().expect("check-config prints TOML");
    assert_eq!(parsed["flow"]["memcap"].as_integer(), Some(1_000_000));
    assert_eq!(parsed["flow"]["tcp_new_timeout"].as_integer(), Some(7));
    assert_eq!(
        parsed["flow"]["tcp_established_timeout"].as_integer(),
        Some(600),
        "defaults fill the rest"
    );
    assert_eq!(
        parsed["network"]["home_net"][0].as_str(),
        Some("10.9.0.0/16")
    );
    let bad = kagami()
        .args(["check-config", "--set", "nosuch.key=1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nosuch"));
}

#[test]
fn help_teaches() {
    let out = kagami().args(["run", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "-r, --read",
        "-i, --interface",
        "--set",
        "Examples:",
        "Exit status",
    ] {
        assert!(text.contains(needle), "run --help lacks {needle}");
    }
}

#[test]
fn an_error_says_its_cause_once() {
    let out = kagami()
        .args(["run", "-q", "-r"])
        .arg(demo())
        .args(["--set", "detect.signatures_dir=/nonexistent-kagami-dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent-kagami-dir/signatures.toml"),
        "{err}"
    );
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
