//! The host detectors on the project's own captures (`kagami synth hours`,
//! `kagami synth spike`): off-hours alerts once per host per period and only
//! outside business hours; connection-spike alerts on a quiet host's jump,
//! never on a steadily busy host, not before warm-up, and its baselines
//! survive a restart through `state.dir`.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Writes `kagami synth <args> -w <dir>/<name>` and returns the path.
fn synth(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let out = kagami()
        .arg("synth")
        .args(args)
        .arg("-w")
        .arg(&path)
        .output()
        .expect("run kagami synth");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// The alert records of one indicator, schema-checked.
fn alerts<'a>(run: &'a Run, indicator: &str) -> Vec<&'a Value> {
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all: Vec<Value> = run
        .eve
        .iter()
        .filter(|r| r["event_type"] == "alert")
        .cloned()
        .collect();
    assert_schema_valid(&all, "alert records");
    run.eve
        .iter()
        .filter(|r| {
            r["event_type"] == "alert" && r["alert"]["metadata"]["indicator"][0] == indicator
        })
        .collect()
}

fn sources(alerts: &[&Value]) -> Vec<String> {
    let mut s: Vec<String> = alerts
        .iter()
        .map(|a| a["src_ip"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

#[test]
fn off_hours_sunday_night_alerts_once_per_host_with_count_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(
        dir.path(),
        "sun.pcap",
        &["hours", "--start", "2026-11-29T02:00:00Z"],
    );
    // The host rate limit off: one alert per host per period is the detector's own doing.
    let (_d, run) = run_capture(&cap, &["--set", "detect.host_alert_window=0"]);
    let found = alerts(&run, "off-hours");
    // 10.20.0.11 opens six, 10.20.0.12 four, 10.20.0.13 two (under the
    // threshold of three); internal and inbound connections do not count.
    assert_eq!(sources(&found), ["10.20.0.11", "10.20.0.12"]);
    for a in &found {
        let alert = &a["alert"];
        assert_eq!(alert["signature_id"], 8100050);
        let ctx = &alert["context"];
        assert_eq!(ctx["count"], 3, "the count at alert time");
        assert_eq!(ctx["period_began"], "2026-11-27 19:00");
        let sample = ctx["sample"].as_array().unwrap();
        assert!(!sample.is_empty() && sample.len() <= 5, "{sample:?}");
        let ev = ctx["evidence"].as_str().unwrap();
        assert!(
            ev.contains("outbound connections outside business hours by Sunday 02:0"),
            "{ev}"
        );
        assert!(ev.contains(sample[0].as_str().unwrap()), "{ev}");
    }
    assert!(
        run.stderr
            .contains("detector off-hours: on (Mon–Fri 07:00–19:00 UTC)"),
        "{}",
        run.stderr
    );
}

#[test]
fn off_hours_tuesday_morning_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(
        dir.path(),
        "tue.pcap",
        &["hours", "--start", "2026-11-24T10:00:00Z"],
    );
    let (_d, run) = run_capture(&cap, &[]);
    assert!(alerts(&run, "off-hours").is_empty());
}

#[test]
fn off_hours_allowlisted_host_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(
        dir.path(),
        "sun.pcap",
        &["hours", "--start", "2026-11-29T02:00:00Z"],
    );
    let (_d, run) = run_capture(&cap, &["--set", "off_hours.allow=[\"10.20.0.11\"]"]);
    assert_eq!(sources(&alerts(&run, "off-hours")), ["10.20.0.12"]);
}

#[test]
fn off_hours_holiday_makes_tuesday_morning_alert() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(
        dir.path(),
        "tue.pcap",
        &["hours", "--start", "2026-11-24T10:00:00Z"],
    );
    let holidays = dir.path().join("holidays.txt");
    std::fs::write(&holidays, "# company day off\n2026-11-24\n").unwrap();
    let set = format!("business_hours.holidays={}", holidays.display());
    let (_d, run) = run_capture(&cap, &["--set", &set]);
    let found = alerts(&run, "off-hours");
    assert_eq!(sources(&found), ["10.20.0.11", "10.20.0.12"]);
    let ev = found[0]["alert"]["context"]["evidence"].as_str().unwrap();
    assert!(ev.contains("a holiday (2026-11-24)"), "{ev}");
}

#[test]
fn spike_quiet_host_alerts_once_busy_host_never() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(dir.path(), "spike.pcap", &["spike"]);
    let (_d, run) = run_capture(&cap, &[]);
    let found = alerts(&run, "connection-spike");
    assert_eq!(sources(&found), ["10.30.0.10"], "only the quiet host");
    let alert = &found[0]["alert"];
    assert_eq!(alert["signature_id"], 8100060);
    let ctx = &alert["context"];
    assert_eq!(ctx["connections"]["value"], 400);
    assert_eq!(ctx["destinations"]["value"], 300);
    assert_eq!(ctx["history_minutes"], 180);
    let ev = ctx["evidence"].as_str().unwrap();
    assert!(
        ev.starts_with(
            "10.30.0.10 opened 400 new outbound connections in the minute from 2026-11-24 12:00 UTC \
             (to 300 destinations); its baseline is "
        ),
        "{ev}"
    );
    assert!(
        ev.ends_with("per minute over 180 minutes; threshold 100"),
        "{ev}"
    );
    assert!(
        run.stderr
            .contains("connection-spike: on (baselines kept in memory only: state.dir not set)"),
        "{}",
        run.stderr
    );
}

#[test]
fn spike_before_warm_up_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(dir.path(), "spike.pcap", &["spike"]);
    let (_d, run) = run_capture(&cap, &["--set", "connection_spike.warmup_minutes=240"]);
    assert!(alerts(&run, "connection-spike").is_empty());
}

#[test]
fn baselines_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let history = synth(
        dir.path(),
        "history.pcap",
        &["spike", "--minutes", "120", "--no-spike"],
    );
    // The spike minute alone, right after the history (09:00 + 120 minutes).
    let burst = synth(
        dir.path(),
        "burst.pcap",
        &["spike", "--minutes", "0", "--start", "2026-11-24T11:00:00Z"],
    );
    let state = dir.path().join("state");
    let set = format!("state.dir={}", state.display());

    let (_d, run) = run_capture(&history, &["--set", &set]);
    assert!(alerts(&run, "connection-spike").is_empty());
    assert!(state.join("baselines.json").is_file());

    let (_d, run) = run_capture(&burst, &["--set", &set]);
    assert!(
        run.stderr.contains("hosts loaded") && run.stderr.contains(" 2 hosts loaded"),
        "{}",
        run.stderr
    );
    let found = alerts(&run, "connection-spike");
    assert_eq!(sources(&found), ["10.30.0.10"]);
    assert_eq!(found[0]["alert"]["context"]["history_minutes"], 120);

    // With a fresh state directory the same minute has no history to judge by.
    let fresh = format!("state.dir={}", dir.path().join("fresh").display());
    let (_d, run) = run_capture(&burst, &["--set", &fresh]);
    assert!(alerts(&run, "connection-spike").is_empty());
}

#[test]
fn bad_calendar_or_spike_settings_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(dir.path(), "tue.pcap", &["hours"]);
    for (set, key) in [
        (
            "business_hours.timezone=Mars/Olympus",
            "business_hours.timezone",
        ),
        ("business_hours.start=7am", "business_hours.start"),
        ("connection_spike.alpha=1.5", "connection_spike.alpha"),
    ] {
        let (_d, run) = run_capture(&cap, &["--set", set]);
        assert_eq!(run.code, 2, "{set}: {}", run.stderr);
        assert!(run.stderr.contains(key), "{set}: {}", run.stderr);
    }
}

#[test]
fn corrupt_saved_baselines_warn_even_when_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let cap = synth(dir.path(), "tue.pcap", &["hours"]);
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::write(
        state.join("baselines.json"),
        "{\"version\": 1, \"hosts\": [",
    )
    .unwrap();
    let set = format!("state.dir={}", state.display());
    let (_d, run) = run_capture(&cap, &["-q", "--set", &set]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("kagami: warning: connection-spike: saved baselines")
            && run.stderr.contains("corrupt"),
        "{}",
        run.stderr
    );
    // The next save replaces the bad file with a good one.
    let text = std::fs::read_to_string(state.join("baselines.json")).unwrap();
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["version"], 1);
}
