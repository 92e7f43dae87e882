//! `kagami report`: per home-network host, the indicators its alerts hit,
//! how often, when first and last, and a risk score weighed by the CCDCOE
//! table ([`crate::detect::indicator`]).
//!
//! **Input.** EVE files (any size) are read one line at a time, each line
//! at most [`eve::MAX_LINE_LEN`] bytes; only `event_type: alert` records
//! count. Blank lines are ignored; every other line that is not used is
//! counted by why ([`LineCounts`]): not JSON, too long, not an alert, an
//! alert without a usable timestamp or address, an alert without
//! `alert.metadata.indicator` (not kagami's), outside the filters, outside
//! the home networks, or over the host limit.
//!
//! **Which host.** An alert belongs to the `src_ip` (the flow's client, or
//! the host of a host-level alert) if it is in `network.home_net`, else to
//! the `dest_ip` if that is; an alert with neither end in the home networks
//! is skipped and counted (`outside_home_net`): the report is about the
//! organisation's own hosts. At most [`MAX_HOSTS`] hosts are kept; alerts of
//! further hosts are counted (`host_limit`). Per host, the lists are bounded
//! too ([`host`]), so memory does not grow with the size of the files.
//!
//! **Score.** For each indicator a host hit `n` times, its weight
//! (`Indicator::weight()`, the sum of its row's points: low 1, medium 2,
//! high 3, so 5 to 15) times `1 + log2(n)`; the host's score is the sum over
//! its indicators. The same sum taken over one column of the table (the
//! row's points for that kind instead of the weight) gives a sub-score per
//! kind of insider (sabotage, ip-theft, fraud, espionage, unintentional);
//! the sub-scores add up to the score, and the highest names the kind of
//! insider the host's signs point to. The logarithm keeps a host that hit
//! one indicator a thousand times from outranking one that hit several.
//! Indicators the table lacks are listed with weight 0. Hosts are sorted by
//! score, then alerts, then address.
//!
//! **Time.** First and last seen are the EVE `timestamp`s as written, chosen
//! by the instant they denote (so files may come in any order).
//!
//! Printing the table or the JSON is the CLI's (`src/cli/report.rs`).

pub mod eve;
pub mod host;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::config::Config;
use crate::detect::HomeNet;
use crate::time::Timestamp;
use eve::{Line, Record};
pub use host::{HostStats, HostSummary, Score};

/// Most home-network hosts kept (a /15 of busy hosts); alerts of further
/// hosts are counted in `host_limit`. With the per-host bounds a host takes
/// a few KiB at most, usually well under one.
pub const MAX_HOSTS: usize = 131_072;

/// Read buffer per file, bytes.
const READ_BUFFER: usize = 256 * 1024;

/// Version of the `--json` document's layout; bumped when a field changes
/// meaning or goes away (new fields may appear without a bump).
pub const FORMAT_VERSION: u32 = 1;

/// An EVE file that cannot be read.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot open EVE file {}: {error}", path.display())]
    Open { path: PathBuf, error: io::Error },
    #[error("{} is a directory, not an EVE file (give the eve.json inside it)", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot read EVE file {path} after line {line}: {error}")]
    Read {
        path: String,
        line: u64,
        error: io::Error,
    },
}

/// Which alerts the report counts.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these indicators (all when empty).
    pub indicators: Vec<String>,
    /// Only alerts at or after this time.
    pub since: Option<Timestamp>,
    /// Only alerts at or before this time.
    pub until: Option<Timestamp>,
}

/// Lines read and why the unused ones were not used.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct LineCounts {
    /// Lines read, blank ones included.
    pub read: u64,
    /// Lines that are not a JSON object.
    pub not_json: u64,
    /// Lines longer than the limit (skipped unread).
    pub too_long: u64,
    /// JSON records other than alerts (flow, stats, dns, …).
    pub not_alert: u64,
    /// Alert records.
    pub alerts: u64,
    /// Alerts attributed to a host and counted.
    pub counted: u64,
    /// Alerts without a timestamp, an `alert` object or a readable address.
    pub bad_alert: u64,
    /// Alerts without `alert.metadata.indicator` (not kagami's).
    pub no_indicator: u64,
    /// Alerts left out by --indicator, --since or --until.
    pub filtered: u64,
    /// Alerts with neither end in `network.home_net`.
    pub outside_home_net: u64,
    /// Alerts of hosts beyond [`MAX_HOSTS`].
    pub host_limit: u64,
}

/// What one line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Blank,
    NotJson,
    NotAlert,
    BadAlert,
    NoIndicator,
    Filtered,
    OutsideHomeNet,
    HostLimit,
    Counted,
}

impl Outcome {
    fn is_alert(self) -> bool {
        !matches!(self, Outcome::Blank | Outcome::NotJson | Outcome::NotAlert)
    }
}

/// One input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub lines: u64,
    /// Alert records in it (counted or not).
    pub alerts: u64,
}

/// The report as `--json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub format_version: u32,
    pub home_net: Vec<String>,
    pub files: Vec<FileSummary>,
    pub lines: LineCounts,
    /// Hosts with at least one counted alert.
    pub hosts_total: usize,
    /// Highest score first; `--top` keeps the first N.
    pub hosts: Vec<HostSummary>,
}

/// The report being built, one line at a time.
#[derive(Debug)]
pub struct Report {
    home: HomeNet,
    home_net: Vec<String>,
    filter: Filter,
    hosts: HashMap<IpAddr, HostStats>,
    counts: LineCounts,
    files: Vec<FileSummary>,
}

impl Report {
    /// An empty report over `cfg`'s home networks.
    pub fn new(cfg: &Config, filter: Filter) -> Report {
        Report {
            home: HomeNet::new(cfg),
            home_net: cfg.network.home_net.clone(),
            filter,
            hosts: HashMap::new(),
            counts: LineCounts::default(),
            files: Vec::new(),
        }
    }

    /// Opens an EVE file, or says why not (before any is read, so a typo in
    /// the last name does not cost a read of the others).
    pub fn open(path: &Path) -> Result<File, ReportError> {
        let file = File::open(path).map_err(|error| ReportError::Open {
            path: path.to_path_buf(),
            error,
        })?;
        match file.metadata() {
            Ok(m) if m.is_dir() => Err(ReportError::NotAFile {
                path: path.to_path_buf(),
            }),
            _ => Ok(file),
        }
    }

    /// Reads one EVE input to its end; `name` names it in messages.
    pub fn read<R: io::Read>(&mut self, name: &str, input: R) -> Result<FileSummary, ReportError> {
        let mut r = BufReader::with_capacity(READ_BUFFER, input);
        self.read_buffered(name, &mut r)
    }

    /// As [`Report::read`], from a reader that already buffers.
    pub fn read_buffered<R: BufRead>(
        &mut self,
        name: &str,
        r: &mut R,
    ) -> Result<FileSummary, ReportError> {
        let mut buf = Vec::new();
        let mut file = FileSummary {
            path: name.to_string(),
            lines: 0,
            alerts: 0,
        };
        loop {
            let line = eve::read_line(r, &mut buf, eve::MAX_LINE_LEN).map_err(|error| {
                ReportError::Read {
                    path: name.to_string(),
                    line: file.lines,
                    error,
                }
            })?;
            let outcome = match line {
                Line::End => break,
                Line::TooLong => {
                    self.counts.too_long += 1;
                    Outcome::NotJson
                }
                Line::Read => self.add_line(&buf),
            };
            self.counts.read += 1;
            file.lines += 1;
            if outcome.is_alert() {
                file.alerts += 1;
            }
        }
        self.files.push(file.clone());
        Ok(file)
    }

    /// Takes one line (without its newline) and says what it was.
    pub fn add_line(&mut self, line: &[u8]) -> Outcome {
        let outcome = self.classify(line);
        let c = &mut self.counts;
        match outcome {
            Outcome::Blank => {}
            Outcome::NotJson => c.not_json += 1,
            Outcome::NotAlert => c.not_alert += 1,
            Outcome::BadAlert => c.bad_alert += 1,
            Outcome::NoIndicator => c.no_indicator += 1,
            Outcome::Filtered => c.filtered += 1,
            Outcome::OutsideHomeNet => c.outside_home_net += 1,
            Outcome::HostLimit => c.host_limit += 1,
            Outcome::Counted => c.counted += 1,
        }
        if outcome.is_alert() {
            c.alerts += 1;
        }
        outcome
    }

    fn classify(&mut self, line: &[u8]) -> Outcome {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Outcome::Blank;
        }
        let Ok(rec) = serde_json::from_slice::<Record<'_>>(line) else {
            return Outcome::NotJson;
        };
        if rec.event_type.as_deref() != Some("alert") {
            return Outcome::NotAlert;
        }
        let (Some(alert), Some(time_text)) = (&rec.alert, rec.timestamp.as_deref()) else {
            return Outcome::BadAlert;
        };
        let Some(ts) = eve::parse_time(time_text) else {
            return Outcome::BadAlert;
        };
        let indicators: &[_] = alert
            .metadata
            .as_ref()
            .map_or(&[], |m| m.indicator.as_slice());
        if indicators.is_empty() {
            return Outcome::NoIndicator;
        }
        let wanted = |name: &str| {
            self.filter.indicators.is_empty() || self.filter.indicators.iter().any(|f| f == name)
        };
        if !indicators.iter().any(|i| wanted(i))
            || self.filter.since.is_some_and(|s| ts < s)
            || self.filter.until.is_some_and(|u| ts > u)
        {
            return Outcome::Filtered;
        }
        let src = eve::parse_ip(rec.src_ip.as_deref());
        let dest = eve::parse_ip(rec.dest_ip.as_deref());
        if src.is_none() && dest.is_none() {
            return Outcome::BadAlert;
        }
        let Some(host) = src
            .filter(|ip| self.home.contains(*ip))
            .or(dest.filter(|ip| self.home.contains(*ip)))
        else {
            return Outcome::OutsideHomeNet;
        };
        let hit = host::Hit {
            ts,
            time_text,
            signature_id: alert.signature_id.unwrap_or(0),
            signature: alert.signature.as_deref().unwrap_or(""),
            evidence: alert
                .context
                .as_ref()
                .and_then(|c| c.evidence.as_deref())
                .unwrap_or(""),
        };
        let names = indicators.iter().map(|i| i.as_ref()).filter(|i| wanted(i));
        if let Some(stats) = self.hosts.get_mut(&host) {
            stats.add(&hit, names);
        } else if self.hosts.len() < MAX_HOSTS {
            let mut stats = HostStats::new(&hit);
            stats.add(&hit, names);
            self.hosts.insert(host, stats);
        } else {
            return Outcome::HostLimit;
        }
        Outcome::Counted
    }

    /// Lines read so far, by outcome.
    pub fn counts(&self) -> &LineCounts {
        &self.counts
    }

    /// The finished report: hosts by score, highest first, the first `top`
    /// of them (all with `None`).
    pub fn finish(self, top: Option<usize>) -> ReportSummary {
        let hosts_total = self.hosts.len();
        let mut hosts: Vec<HostSummary> = self
            .hosts
            .into_iter()
            .map(|(ip, s)| HostSummary::new(ip, s))
            .collect();
        hosts.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.alerts.cmp(&a.alerts))
                .then(a.host.cmp(&b.host))
        });
        if let Some(n) = top {
            hosts.truncate(n);
        }
        ReportSummary {
            format_version: FORMAT_VERSION,
            home_net: self.home_net,
            files: self.files,
            lines: self.counts,
            hosts_total,
            hosts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg() -> Config {
        Config::load(None, &["network.home_net=[\"10.0.0.0/8\"]".to_string()]).unwrap()
    }

    fn alert(ts: &str, src: &str, dest: Option<&str>, indicator: &str, sid: u64) -> String {
        let mut r = json!({
            "timestamp": ts, "event_type": "alert", "src_ip": src,
            "alert": {"signature_id": sid, "signature": format!("sig {sid}"),
                "metadata": {"indicator": [indicator], "insider_threat": []},
                "context": {"evidence": format!("evidence {sid} {src}")}}
        });
        if let Some(d) = dest {
            r["dest_ip"] = json!(d);
        }
        r.to_string()
    }

    fn report(lines: &[String], filter: Filter) -> ReportSummary {
        let mut r = Report::new(&cfg(), filter);
        let text = lines.join("\n");
        r.read("test", text.as_bytes()).unwrap();
        r.finish(None)
    }

    const T1: &str = "2026-11-22T10:00:00.000000+0900";
    const T2: &str = "2026-11-22T02:00:00.000000+0000"; // 11:00 in +0900: later
    const T3: &str = "2026-11-22T12:00:00.000000+0900";

    #[test]
    fn alerts_go_to_the_home_end_and_hosts_sort_by_score() {
        let lines = vec![
            // Client at home: the client's.
            alert(T1, "10.0.0.1", Some("8.8.8.8"), "vpn", 8_100_010),
            // Server at home (client outside): the server's.
            alert(T3, "8.8.8.8", Some("10.0.0.1"), "vpn", 8_100_010),
            // Both at home: the client's.
            alert(T2, "10.0.0.2", Some("10.0.0.1"), "irc", 8_100_020),
            // Host alert with only src_ip.
            alert(T1, "10.0.0.2", None, "unapproved-device", 8_100_060),
            // Neither at home.
            alert(T1, "8.8.8.8", Some("1.1.1.1"), "tor", 8_100_001),
        ];
        let s = report(&lines, Filter::default());
        assert_eq!(s.lines.alerts, 5);
        assert_eq!(s.lines.counted, 4);
        assert_eq!(s.lines.outside_home_net, 1);
        assert_eq!(s.hosts_total, 2);
        let ips: Vec<String> = s.hosts.iter().map(|h| h.host.to_string()).collect();
        // 10.0.0.2: irc 9 + unapproved-device 11 = 20; 10.0.0.1: vpn × 2 = 7 × 2 = 14.
        assert_eq!(ips, ["10.0.0.2", "10.0.0.1"]);
        assert_eq!(s.hosts[0].score, 20.0);
        assert_eq!(s.hosts[1].score, 14.0);
        assert_eq!(s.hosts[1].indicators[0].count, 2);
        assert_eq!(s.hosts[1].first_seen, T1);
        assert_eq!(s.hosts[1].last_seen, T3);
        // First and last by instant, not by text: T2 (02:00Z) is 11:00 +0900.
        assert_eq!(s.hosts[0].first_seen, T1);
        assert_eq!(s.hosts[0].last_seen, T2);
        assert_eq!(s.hosts[0].leading_kinds, ["ip-theft"]);
        // Equal counts: the heavier indicator first; each with its own sample.
        let names: Vec<&str> = s.hosts[0]
            .indicators
            .iter()
            .map(|i| i.indicator.as_str())
            .collect();
        assert_eq!(names, ["unapproved-device", "irc"]);
        assert_eq!(
            s.hosts[0].indicators[1].sample_evidence,
            "evidence 8100020 10.0.0.2"
        );
    }

    #[test]
    fn unusable_lines_are_skipped_and_counted() {
        let lines = vec![
            "not json at all".to_string(),
            "{\"event_type\":\"alert\"".to_string(),
            String::new(),
            json!({"timestamp": T1, "event_type": "flow", "src_ip": "10.0.0.1"}).to_string(),
            json!({"timestamp": "garbage", "event_type": "alert", "src_ip": "10.0.0.1",
                "alert": {"metadata": {"indicator": ["vpn"]}}})
            .to_string(),
            json!({"timestamp": T1, "event_type": "alert", "src_ip": "10.0.0.1",
                "alert": {"signature_id": 2_000_001, "signature": "ET something"}})
            .to_string(),
            json!({"timestamp": T1, "event_type": "alert", "src_ip": "not an ip",
                "alert": {"metadata": {"indicator": ["vpn"]}}})
            .to_string(),
            alert(T1, "10.0.0.1", None, "vpn", 1),
            "[1,2,3]".to_string(),
        ];
        let s = report(&lines, Filter::default());
        assert_eq!(
            s.lines,
            LineCounts {
                read: 9,
                not_json: 3,
                too_long: 0,
                not_alert: 1,
                alerts: 4,
                counted: 1,
                bad_alert: 2,
                no_indicator: 1,
                filtered: 0,
                outside_home_net: 0,
                host_limit: 0,
            }
        );
        assert_eq!(s.files[0].alerts, 4);
        assert_eq!(s.hosts.len(), 1);
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_not_kept() {
        let long = format!("{{\"x\":\"{}\"}}", "a".repeat(eve::MAX_LINE_LEN));
        let lines = vec![long, alert(T1, "10.0.0.1", None, "vpn", 1)];
        let s = report(&lines, Filter::default());
        assert_eq!(s.lines.too_long, 1);
        assert_eq!(s.lines.counted, 1);
    }

    #[test]
    fn filters_by_indicator_and_time() {
        let lines = vec![
            alert(T1, "10.0.0.1", None, "vpn", 1),
            alert(T2, "10.0.0.1", None, "irc", 2),
            alert(T3, "10.0.0.2", None, "irc", 2),
        ];
        let s = report(
            &lines,
            Filter {
                indicators: vec!["irc".into()],
                ..Filter::default()
            },
        );
        assert_eq!(s.lines.filtered, 1);
        assert_eq!(s.hosts_total, 2);
        assert!(s.hosts.iter().all(|h| h.indicators.len() == 1));

        let s = report(
            &lines,
            Filter {
                since: eve::parse_time(T2),
                until: eve::parse_time(T2),
                ..Filter::default()
            },
        );
        assert_eq!(s.lines.counted, 1);
        assert_eq!(s.hosts[0].indicators[0].indicator, "irc");
    }

    #[test]
    fn top_keeps_the_highest_and_the_total() {
        let lines: Vec<String> = (1..=5)
            .map(|i| alert(T1, &format!("10.0.0.{i}"), None, "vpn", 1))
            .chain(std::iter::once(alert(
                T1,
                "10.0.0.9",
                None,
                "large-mail",
                3,
            )))
            .collect();
        let mut r = Report::new(&cfg(), Filter::default());
        r.read("t", lines.join("\n").as_bytes()).unwrap();
        let s = r.finish(Some(2));
        assert_eq!(s.hosts_total, 6);
        assert_eq!(s.hosts.len(), 2);
        assert_eq!(s.hosts[0].host.to_string(), "10.0.0.9");
        // Equal scores: by address.
        assert_eq!(s.hosts[1].host.to_string(), "10.0.0.1");
    }

    #[test]
    fn a_missing_file_or_a_directory_is_an_open_error() {
        let e = Report::open(Path::new("/nonexistent/eve.json")).unwrap_err();
        assert!(matches!(e, ReportError::Open { .. }));
        assert!(e.to_string().contains("/nonexistent/eve.json"), "{e}");
        let e = Report::open(Path::new("/")).unwrap_err();
        assert!(matches!(e, ReportError::NotAFile { .. }), "{e}");
    }
}
