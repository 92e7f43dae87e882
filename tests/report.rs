//! `kagami report` on the EVE that `kagami run` writes for real captures
//! from ../shared/corpus: hosts, counts per indicator, first and last seen
//! and the ordering agree with the alert records, counted here independently.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{kagami, read_json_lines, run_capture, shared};
use serde_json::Value;

/// Captures that raise alerts on main today (vpn and irc).
const CAPTURES: &[&str] = &[
    "vpn/openvpn.pcap",
    "irc/irc-port8000.pcap",
    "vpn/wireguard.pcap",
    "vpn/ipsec-isakmp-esp.pcap",
];

/// Runs kagami on each capture; the directories live as long as the result.
fn eve_files() -> (Vec<tempfile::TempDir>, Vec<PathBuf>) {
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for c in CAPTURES {
        let (dir, run) = run_capture(&shared().join("corpus").join(c), &["-q"]);
        assert_eq!(run.code, 0, "{c}: {}", run.stderr);
        files.push(dir.path().join("eve.json"));
        dirs.push(dir);
    }
    (dirs, files)
}

fn report(args: &[&str], files: &[PathBuf]) -> Output {
    kagami()
        .arg("report")
        .args(args)
        .args(files)
        .output()
        .expect("run kagami report")
}

/// The default `network.home_net`: 10/8, 172.16/12, 192.168/16, fc00::/7.
fn default_home(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xfe00 == 0xfc00,
    }
}

fn instant(ts: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%.f%z").expect("EVE timestamp")
}

/// Per host: alerts, per-indicator counts, first and last timestamp.
#[derive(Debug, Default)]
struct Expected {
    alerts: u64,
    indicators: BTreeMap<String, u64>,
    first: Option<String>,
    last: Option<String>,
}

fn expected(files: &[PathBuf], home: fn(IpAddr) -> bool) -> (BTreeMap<IpAddr, Expected>, u64) {
    let mut hosts: BTreeMap<IpAddr, Expected> = BTreeMap::new();
    let mut alerts = 0;
    for f in files {
        for r in read_json_lines(f) {
            if r["event_type"] != "alert" {
                continue;
            }
            alerts += 1;
            let ip = |k: &str| r[k].as_str().and_then(|s| s.parse::<IpAddr>().ok());
            let Some(host) = ip("src_ip")
                .filter(|i| home(*i))
                .or(ip("dest_ip").filter(|i| home(*i)))
            else {
                continue;
            };
            let e = hosts.entry(host).or_default();
            e.alerts += 1;
            for i in r["alert"]["metadata"]["indicator"].as_array().unwrap() {
                *e.indicators
                    .entry(i.as_str().unwrap().to_string())
                    .or_default() += 1;
            }
            let ts = r["timestamp"].as_str().unwrap().to_string();
            if e.first.as_ref().is_none_or(|f| instant(&ts) < instant(f)) {
                e.first = Some(ts.clone());
            }
            if e.last.as_ref().is_none_or(|l| instant(&ts) > instant(l)) {
                e.last = Some(ts);
            }
        }
    }
    (hosts, alerts)
}

fn json_report(args: &[&str], files: &[PathBuf]) -> Value {
    let out = report(&[&["--json"], args].concat(), files);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json writes one JSON document")
}

#[test]
fn report_json_agrees_with_the_alert_records() {
    let (_dirs, files) = eve_files();
    let (want, total_alerts) = expected(&files, default_home);
    assert!(
        want.len() >= 5,
        "the captures should give several home hosts: {want:?}"
    );
    let rep = json_report(&[], &files);

    assert_eq!(rep["lines"]["alerts"], total_alerts);
    let counted: u64 = want.values().map(|e| e.alerts).sum();
    assert_eq!(rep["lines"]["counted"], counted);
    assert_eq!(
        rep["lines"]["outside_home_net"],
        total_alerts - counted,
        "alerts with no home end are counted as such"
    );
    assert_eq!(rep["hosts_total"], want.len());

    let hosts = rep["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), want.len());
    for h in hosts {
        let ip: IpAddr = h["host"].as_str().unwrap().parse().unwrap();
        let e = want
            .get(&ip)
            .unwrap_or_else(|| panic!("{ip} is not a home host with alerts"));
        assert_eq!(h["alerts"], e.alerts, "{ip}");
        let got: BTreeMap<String, u64> = h["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["indicator"].as_str().unwrap().to_string(),
                    i["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, e.indicators, "{ip}");
        assert_eq!(h["first_seen"].as_str(), e.first.as_deref(), "{ip}");
        assert_eq!(h["last_seen"].as_str(), e.last.as_deref(), "{ip}");
        // The kinds' sub-scores add up to the score.
        let kinds: f64 = h["kinds"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((kinds - h["score"].as_f64().unwrap()).abs() < 0.05, "{h}");
    }

    // Highest score first.
    let scores: Vec<f64> = hosts.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // The host behind the IPsec capture's 24 VPN flows leads; one VPN alert
    // weighs 7 (the row low, high, low, low, low), pointing to IP theft.
    let top = want.iter().max_by_key(|(_, e)| e.alerts).unwrap().0;
    assert_eq!(hosts[0]["host"], top.to_string());
    assert_eq!(hosts[0]["leading_kinds"], serde_json::json!(["ip-theft"]));
    let single_vpn = hosts
        .iter()
        .find(|h| h["alerts"] == 1 && h["indicators"][0]["indicator"] == "vpn")
        .expect("a host with one VPN alert");
    assert_eq!(single_vpn["score"], 7.0);
    // IRC is as likely for unintentional insiders as for IP thieves.
    let irc = hosts
        .iter()
        .find(|h| h["indicators"][0]["indicator"] == "irc")
        .expect("the IRC host");
    assert_eq!(
        irc["leading_kinds"],
        serde_json::json!(["ip-theft", "unintentional"])
    );
    assert!(
        irc["indicators"][0]["sample_evidence"]
            .as_str()
            .unwrap()
            .contains("nick molochtest")
    );

    // --top and --indicator.
    let rep = json_report(&["--top", "2", "--indicator", "irc"], &files);
    assert_eq!(rep["hosts_total"], 1);
    assert_eq!(rep["hosts"][0]["host"], irc["host"]);
}

#[test]
fn report_home_net_comes_from_the_configuration() {
    let (_dirs, files) = eve_files();
    let ten = |ip: IpAddr| matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 10);
    let (want, total) = expected(&files, ten);
    let rep = json_report(&["--set", "network.home_net=[\"10.0.0.0/8\"]"], &files);
    let got: Vec<IpAddr> = rep["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, want.keys().copied().collect::<Vec<_>>());
    let counted: u64 = want.values().map(|e| e.alerts).sum();
    assert_eq!(rep["lines"]["outside_home_net"], total - counted);
}

#[test]
fn report_table_shows_the_top_host_and_counts_garbage() {
    let (dirs, files) = eve_files();
    // One file, with garbage between the records.
    let mixed = dirs[0].path().join("mixed.json");
    let mut text = String::new();
    for f in &files {
        text.push_str(&std::fs::read_to_string(f).unwrap());
        text.push_str("this is not json\n{\"event_type\":\"alert\", truncated\n");
    }
    text.push_str("\u{1}\u{2}\u{3}");
    std::fs::write(&mixed, text).unwrap();

    let rep = json_report(&[], std::slice::from_ref(&mixed));
    assert_eq!(rep["lines"]["not_json"], 2 * files.len() as u64 + 1);
    let top = rep["hosts"][0]["host"].as_str().unwrap().to_string();

    let out = report(&[], &[mixed]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("HOST") && header.contains("SCORE"),
        "{stdout}"
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with(&top), "{stdout}");
    assert!(
        first.contains("vpn×") && first.contains("ip-theft"),
        "{stdout}"
    );
    // Columns line up: the score column ends at the same place on every row.
    let score_end = header.find("SCORE").unwrap() + "SCORE".len();
    for row in stdout.lines().skip(1).take_while(|l| !l.is_empty()) {
        let before: String = row.chars().take(score_end).collect();
        assert!(
            before.ends_with(|c: char| c.is_ascii_digit()),
            "{row:?}\n{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("skipped: {} not JSON", 2 * files.len() + 1)),
        "{stdout}"
    );
}

#[test]
fn report_on_a_file_without_alerts_says_so() {
    let (dir, run) = run_capture(&shared().join("corpus/benign/dns.pcap"), &["-q"]);
    assert_eq!(run.code, 0);
    let eve = dir.path().join("eve.json");
    assert!(run.eve.iter().all(|r| r["event_type"] != "alert"));
    let out = report(&[], std::slice::from_ref(&eve));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&format!("no alerts in {}", eve.display())),
        "{stdout}"
    );
}

#[test]
fn report_on_a_missing_file_exits_2() {
    let missing = Path::new("/nonexistent/eve.json").to_path_buf();
    let out = report(&[], &[missing]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot open EVE file /nonexistent/eve.json"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
