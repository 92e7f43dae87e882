//! `off-hours`: outbound connections started outside business hours.
//!
//! Each outbound flow (a home-network client, a server outside it) that
//! starts outside working time ([`BusinessHours`], from `[business_hours]`)
//! is counted for its client in the off-hours period it falls in. When a
//! host's count in one period reaches `off_hours.min_connections`, it alerts
//! once for that host and period, on the flow that reached the count. The
//! alert names the count *at alert time* (later connections in the same
//! period are not counted into a second alert; `kagami report` aggregates),
//! when the period began, and a sample of distinct destinations
//! (`off_hours.sample`, at most [`MAX_SAMPLE`]).
//!
//! Every IP protocol counts (a flow is a connection here); hosts in
//! `off_hours.allow` (servers that run all night, shift workers) never
//! count. Counts are kept per host for the period in progress only: a
//! finished period is forgotten (checked once a minute of packet time), and
//! at most `detect.max_hosts` hosts are tracked, the least recently active
//! forgotten first (counted as `kagami.detect.hosts_evicted`).
//!
//! What it leaves to others: the calendar ([`super::calendar`]) and the
//! per-host rate limit of host alerts ([`super::host`]).

use std::net::{IpAddr, SocketAddr};

use hashbrown::HashMap;
use serde_json::Value;

use super::calendar::{BusinessHours, PeriodId};
use super::host::{FlowSummary, HostDetector};
use super::lists::NetList;
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError};
use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::flow::key::Endpoint;
use crate::time::Timestamp;

/// Most destinations an alert names, whatever `off_hours.sample` says (the
/// evidence sentence is capped at [`super::alert::MAX_EVIDENCE`] anyway).
pub const MAX_SAMPLE: usize = 32;

/// Seconds of packet time between sweeps for finished periods.
const SWEEP_SECS: u64 = 60;

/// One host's count in the off-hours period in progress.
#[derive(Debug, Clone)]
struct HostCount {
    period: PeriodId,
    count: u64,
    /// Distinct destinations, at most the configured sample size.
    sample: Vec<Endpoint>,
    /// A destination not in the full sample was seen.
    more: bool,
    alerted: bool,
    /// Packet time (seconds) of the host's last counted flow.
    last_secs: u64,
}

/// The `off-hours` detector.
pub struct OffHoursDetector {
    hours: BusinessHours,
    allow: NetList,
    min_connections: u64,
    sample: usize,
    sig: SigId,
    max_hosts: usize,
    hosts: HashMap<IpAddr, HostCount>,
    evicted: u64,
    /// Evictions already added to `kagami.detect.hosts_evicted`.
    evicted_reported: u64,
    next_sweep_secs: u64,
    /// The last minute looked up and its period (business hours change on
    /// whole minutes, so flows in the same minute share the answer).
    cache: Option<(u64, Option<PeriodId>)>,
}

impl OffHoursDetector {
    /// From `[business_hours]`, `[off_hours]` and `detect.max_hosts`; a bad
    /// calendar or a zero `off_hours.min_connections` names the key.
    pub fn new(cfg: &Config, sigs: &Signatures) -> Result<OffHoursDetector, DetectError> {
        let hours = BusinessHours::new(&cfg.business_hours).map_err(|e| DetectError::Setup {
            what: "off-hours".into(),
            message: e.to_string(),
        })?;
        let c = &cfg.off_hours;
        if c.min_connections == 0 {
            return Err(DetectError::Setup {
                what: "off-hours".into(),
                message: "off_hours.min_connections: must be 1 or more (to turn the detector off set off_hours.enabled = false)".into(),
            });
        }
        Ok(OffHoursDetector {
            hours,
            allow: NetList::new(&c.allow),
            min_connections: c.min_connections.into(),
            sample: usize::try_from(c.sample)
                .unwrap_or(MAX_SAMPLE)
                .min(MAX_SAMPLE),
            sig: sigs.id("off-hours", "outbound")?,
            max_hosts: usize::try_from(cfg.detect.max_hosts)
                .unwrap_or(usize::MAX)
                .max(1),
            hosts: HashMap::new(),
            evicted: 0,
            evicted_reported: 0,
            next_sweep_secs: 0,
            cache: None,
        })
    }

    /// The start-up note: "off-hours: on (Mon–Fri 07:00–19:00 Europe/Tallinn)".
    pub fn note(&self) -> String {
        let allow = if self.allow.is_empty() {
            String::new()
        } else {
            "; hosts in off_hours.allow exempt".to_string()
        };
        format!(
            "off-hours: on ({} {}{allow})",
            self.hours.window(),
            self.hours.timezone()
        )
    }

    fn period(&mut self, ts: Timestamp) -> Option<PeriodId> {
        let minute = ts.secs() / 60;
        if let Some((m, p)) = self.cache {
            if m == minute {
                return p;
            }
        }
        let p = self.hours.off_hours_period(ts);
        self.cache = Some((minute, p));
        p
    }

    /// Makes room for one more host: finished periods first, then the least
    /// recently active sixteenth.
    fn make_room(&mut self, current: PeriodId) {
        self.hosts.retain(|_, h| h.period == current);
        if self.hosts.len() < self.max_hosts {
            return;
        }
        let old =
            super::host::least_recent(&self.hosts, (self.max_hosts / 16).max(1), |h| h.last_secs);
        for ip in &old {
            self.hosts.remove(ip);
        }
        self.evicted = self
            .evicted
            .saturating_add(u64::try_from(old.len()).unwrap_or(u64::MAX));
    }

    fn alert(&self, s: &FlowSummary, h: &HostCount) -> Alert {
        let host = s.client.0;
        let sample: Vec<String> = h.sample.iter().map(|&e| endpoint(e)).collect();
        let more = if h.more { ", …" } else { "" };
        let began = h.period.began().format("%A %Y-%m-%d %H:%M");
        let evidence = format!(
            "{host} opened {} outbound connections outside business hours by {} \
             (off-hours period since {began} {}): {}{more}",
            h.count,
            self.hours.describe(s.ts),
            self.hours.timezone(),
            sample.join(", "),
        );
        Alert::new(s.ts, self.sig, evidence)
            .on_flow(s.alert_flow())
            .with("count", h.count)
            .with("count_at", "alert time")
            .with("period_began", h.period.to_string())
            .with("timezone", self.hours.timezone())
            .with("business_hours", self.hours.window())
            .with(
                "sample",
                Value::Array(sample.into_iter().map(Value::String).collect()),
            )
    }
}

/// "203.0.113.5:443", "[2001:db8::1]:443", or the bare address for port 0 (ICMP).
fn endpoint((ip, port): Endpoint) -> String {
    if port == 0 {
        ip.to_string()
    } else {
        SocketAddr::new(ip, port).to_string()
    }
}

impl HostDetector for OffHoursDetector {
    fn id(&self) -> &'static str {
        "off-hours"
    }

    fn on_flow(&mut self, s: &FlowSummary, alerts: &mut Vec<Alert>) {
        if !s.outbound() || self.allow.contains(s.client.0) {
            return;
        }
        let Some(period) = self.period(s.ts) else {
            return;
        };
        let host = s.client.0;
        if !self.hosts.contains_key(&host) && self.hosts.len() >= self.max_hosts {
            self.make_room(period);
        }
        let sample_max = self.sample;
        let h = self.hosts.entry(host).or_insert_with(|| HostCount {
            period,
            count: 0,
            sample: Vec::new(),
            more: false,
            alerted: false,
            last_secs: 0,
        });
        if h.period != period {
            *h = HostCount {
                period,
                count: 0,
                sample: Vec::new(),
                more: false,
                alerted: false,
                last_secs: 0,
            };
        }
        h.count = h.count.saturating_add(1);
        h.last_secs = s.ts.secs();
        if !h.sample.contains(&s.server) {
            if h.sample.len() < sample_max {
                h.sample.push(s.server);
            } else {
                h.more = true;
            }
        }
        if !h.alerted && h.count >= self.min_connections {
            h.alerted = true;
            let h = h.clone();
            alerts.push(self.alert(s, &h));
        }
    }

    fn on_tick(&mut self, now: Timestamp, _alerts: &mut Vec<Alert>) {
        let secs = now.secs();
        if secs < self.next_sweep_secs {
            return;
        }
        self.next_sweep_secs = secs.saturating_add(SWEEP_SECS);
        match self.period(now) {
            Some(current) => self.hosts.retain(|_, h| h.period == current),
            None => self.hosts.clear(),
        }
    }

    fn counters(&mut self, c: &mut Counters) {
        c.add(
            Counter::KagamiDetectHostsEvicted,
            self.evicted.saturating_sub(self.evicted_reported),
        );
        self.evicted_reported = self.evicted;
    }
}

impl OffHoursDetector {
    /// Hosts forgotten at `detect.max_hosts` since the start.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowKey;
    use chrono::NaiveDateTime;

    fn cfg(sets: &[&str]) -> Config {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        Config::load(None, &sets).unwrap()
    }

    fn detector(sets: &[&str]) -> OffHoursDetector {
        let c = cfg(sets);
        let sigs = Signatures::load("").unwrap();
        OffHoursDetector::new(&c, &sigs).unwrap()
    }

    fn utc(s: &str) -> Timestamp {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        Timestamp::from_parts(t.and_utc().timestamp(), 0)
    }

    fn flow(ts: Timestamp, client: &str, server: &str, port: u16) -> FlowSummary {
        let c: IpAddr = client.parse().unwrap();
        let s: IpAddr = server.parse().unwrap();
        let home = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => v4.is_private(),
            IpAddr::V6(_) => false,
        };
        FlowSummary {
            ts,
            flow_id: 1,
            key: FlowKey {
                lo: (c, 50000),
                hi: (s, port),
                proto: 6,
                vlan: [0, 0],
            },
            client: (c, 50000),
            server: (s, port),
            client_home: home(c),
            server_home: home(s),
            client_mac: None,
        }
    }

    fn feed(d: &mut OffHoursDetector, flows: &[FlowSummary]) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for f in flows {
            d.on_flow(f, &mut alerts);
        }
        alerts
    }

    #[test]
    fn sunday_night_alerts_once_with_count_and_sample() {
        let mut d = detector(&["business_hours.timezone=Europe/Tallinn"]);
        // 2026-11-29 is a Sunday; 00:13 UTC is 02:13 in Tallinn.
        let flows: Vec<_> = (0..6)
            .map(|i| {
                let dest = format!("203.0.113.{}", 5 + i % 2);
                flow(
                    utc(&format!("2026-11-29 00:1{i}:00")),
                    "10.1.2.3",
                    &dest,
                    443,
                )
            })
            .collect();
        let alerts = feed(&mut d, &flows);
        assert_eq!(alerts.len(), 1, "one alert per host and period");
        let a = &alerts[0];
        assert_eq!(a.context["count"], 3);
        assert_eq!(a.context["period_began"], "2026-11-27 19:00");
        assert_eq!(
            a.context["sample"],
            serde_json::json!(["203.0.113.5:443", "203.0.113.6:443"])
        );
        assert_eq!(
            a.evidence(),
            "10.1.2.3 opened 3 outbound connections outside business hours by Sunday 02:12 \
             Europe/Tallinn, outside Mon–Fri 07:00–19:00 (off-hours period since Friday \
             2026-11-27 19:00 Europe/Tallinn): 203.0.113.5:443, 203.0.113.6:443"
        );
        // The alert is on the flow that reached the count.
        assert_eq!(a.flow.as_ref().unwrap().server.0.to_string(), "203.0.113.5");
        assert_eq!(a.ts, flows[2].ts);
    }

    #[test]
    fn working_hours_inbound_internal_and_allowed_do_not_count() {
        let mut d = detector(&["off_hours.allow=[\"10.9.0.0/16\"]"]);
        // Tuesday 10:00 UTC is working time.
        let tue: Vec<_> = (0..5)
            .map(|_| flow(utc("2026-11-24 10:00:00"), "10.1.2.3", "203.0.113.5", 443))
            .collect();
        assert!(feed(&mut d, &tue).is_empty());
        let sun = utc("2026-11-29 02:00:00");
        let others: Vec<_> = (0..5)
            .flat_map(|_| {
                [
                    flow(sun, "10.9.1.1", "203.0.113.5", 443),  // allowed
                    flow(sun, "203.0.113.5", "10.1.2.3", 22),   // inbound
                    flow(sun, "10.1.2.3", "192.168.1.10", 445), // internal
                ]
            })
            .collect();
        assert!(feed(&mut d, &others).is_empty());
    }

    #[test]
    fn each_period_alerts_again_and_finished_periods_are_forgotten() {
        let mut d = detector(&[]);
        let night = |day: &str| -> Vec<FlowSummary> {
            (0..3)
                .map(|_| {
                    flow(
                        utc(&format!("{day} 23:00:00")),
                        "10.1.2.3",
                        "198.51.100.1",
                        80,
                    )
                })
                .collect()
        };
        // Monday night and Tuesday night are two periods.
        assert_eq!(feed(&mut d, &night("2026-11-23")).len(), 1);
        assert_eq!(feed(&mut d, &night("2026-11-23")).len(), 0);
        assert_eq!(feed(&mut d, &night("2026-11-24")).len(), 1);
        assert_eq!(d.hosts.len(), 1);
        // Wednesday 10:00 is working time: the sweep forgets the night.
        d.on_tick(utc("2026-11-25 10:00:00"), &mut Vec::new());
        assert!(d.hosts.is_empty());
    }

    #[test]
    fn holiday_tuesday_morning_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("holidays.txt");
        std::fs::write(&path, "2026-11-24\n").unwrap();
        let set = format!("business_hours.holidays={}", path.display());
        let mut d = detector(&[set.as_str()]);
        let flows: Vec<_> = (0..3)
            .map(|_| flow(utc("2026-11-24 10:00:00"), "10.1.2.3", "203.0.113.5", 443))
            .collect();
        let alerts = feed(&mut d, &flows);
        assert_eq!(alerts.len(), 1);
        assert!(
            alerts[0].evidence().contains("a holiday (2026-11-24)"),
            "{}",
            alerts[0].evidence()
        );
    }

    #[test]
    fn sample_is_distinct_and_capped() {
        let mut d = detector(&["off_hours.sample=2", "off_hours.min_connections=4"]);
        let sun = utc("2026-11-29 02:00:00");
        let flows = [
            flow(sun, "10.1.2.3", "203.0.113.5", 443),
            flow(sun, "10.1.2.3", "203.0.113.5", 443),
            flow(sun, "10.1.2.3", "203.0.113.6", 80),
            flow(sun, "10.1.2.3", "203.0.113.7", 22),
        ];
        let alerts = feed(&mut d, &flows);
        assert_eq!(
            alerts[0].context["sample"],
            serde_json::json!(["203.0.113.5:443", "203.0.113.6:80"])
        );
        assert!(alerts[0].evidence().ends_with("203.0.113.6:80, …"));
    }

    #[test]
    fn hosts_are_bounded() {
        let mut d = detector(&["detect.max_hosts=32"]);
        let sun = utc("2026-11-29 02:00:00");
        let flows: Vec<_> = (0..100)
            .map(|i| flow(sun, &format!("10.0.1.{i}"), "203.0.113.5", 443))
            .collect();
        feed(&mut d, &flows);
        assert!(d.hosts.len() <= 32);
        assert_eq!(d.evicted() + d.hosts.len() as u64, 100);
    }

    #[test]
    fn bad_settings_name_the_key() {
        let sigs = Signatures::load("").unwrap();
        let err = OffHoursDetector::new(&cfg(&["business_hours.timezone=Mars/Olympus"]), &sigs)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("business_hours.timezone"), "{err}");
        let err = OffHoursDetector::new(&cfg(&["off_hours.min_connections=0"]), &sigs)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("off_hours.min_connections"), "{err}");
    }
}
