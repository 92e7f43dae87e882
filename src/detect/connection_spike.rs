//! `connection-spike`: a home-network host opening far more new outbound
//! connections, or reaching far more distinct destinations, in one minute
//! than its own baseline says is usual.
//!
//! Each outbound flow's start (a home client, a server outside) is counted
//! for its client in a [`BaselineStore`] (per host: moving mean and variance
//! of connections and destinations per packet-time minute, after a warm-up
//! of `connection_spike.warmup_minutes`). The store reports a minute the
//! first time it exceeds both a floor and mean + k·sd; the alert is written
//! when that minute is over (or at the end of the run), so its evidence
//! gives the whole minute's counts, not the count at the crossing. It is
//! raised on the flow that crossed the threshold, with the connections
//! signature when the connection count exceeded its threshold, else the
//! destinations one; the context carries both figures.
//!
//! Baselines persist in `<state.dir>/baselines.json`: loaded at start (a
//! missing file is an empty store, a bad one a warning), saved atomically
//! every [`SAVE_EVERY_SECS`] of packet time and at the end of the run
//! (end of input, SIGINT, SIGTERM). With `state.dir` empty they live in
//! memory only. Hosts in `connection_spike.allow` are not counted.
//!
//! What it leaves to others: the statistics and the file format
//! ([`super::baseline`]), and rate-limiting host alerts ([`super::host`]).

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::DateTime;
use hashbrown::HashMap;

use super::AlertFlow;
use super::baseline::{BaselineStore, MetricCheck, Spike, SpikeParams};
use super::host::{FlowSummary, HostDetector};
use super::lists::NetList;
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError};
use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::time::Timestamp;

/// Seconds of packet time between saves of the baselines (when `state.dir`
/// is set): a crash loses at most this much history.
pub const SAVE_EVERY_SECS: u64 = 600;

/// Most distinct save-failure messages kept for the end-of-run warnings.
const MAX_WARNINGS: usize = 8;

/// A spike found and not yet written (its minute still running).
#[derive(Debug, Clone)]
struct Pending {
    spike: Spike,
    flow: AlertFlow,
    ts: Timestamp,
}

/// The `connection-spike` detector.
pub struct ConnectionSpikeDetector {
    store: BaselineStore,
    params: SpikeParams,
    allow: NetList,
    dir: Option<PathBuf>,
    sig_connections: SigId,
    sig_destinations: SigId,
    /// At most one per host (a host reports at most once per minute and a
    /// pending spike is written when its minute is over).
    pending: HashMap<IpAddr, Pending>,
    next_save_secs: Option<u64>,
    warnings: Vec<String>,
    loaded: usize,
    /// Evictions already added to `kagami.detect.hosts_evicted`.
    evicted_reported: u64,
}

impl ConnectionSpikeDetector {
    /// From `[connection_spike]`, `[state]` and `detect.max_hosts`; loads
    /// saved baselines. Returns the detector and a warning when a saved file
    /// could not be used (the detector then starts with empty baselines).
    pub fn new(
        cfg: &Config,
        sigs: &Signatures,
    ) -> Result<(ConnectionSpikeDetector, Option<String>), DetectError> {
        let params = SpikeParams::new(&cfg.connection_spike).map_err(|e| DetectError::Setup {
            what: "connection-spike".into(),
            message: e.to_string(),
        })?;
        let max_hosts = cfg.detect.max_hosts;
        let dir = Some(cfg.state.dir.trim())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let (store, warning) = match &dir {
            Some(d) => {
                let (s, w) = BaselineStore::load(d, params, max_hosts);
                (s, w.map(|w| format!("connection-spike: {w}")))
            }
            None => (BaselineStore::new(params, max_hosts), None),
        };
        let loaded = store.len();
        Ok((
            ConnectionSpikeDetector {
                store,
                params,
                allow: NetList::new(&cfg.connection_spike.allow),
                dir,
                sig_connections: sigs.id("connection-spike", "connections")?,
                sig_destinations: sigs.id("connection-spike", "destinations")?,
                pending: HashMap::new(),
                next_save_secs: None,
                warnings: Vec::new(),
                loaded,
                evicted_reported: 0,
            },
            warning,
        ))
    }

    /// The start-up note: where baselines live and how many were loaded.
    pub fn note(&self) -> String {
        match &self.dir {
            Some(d) => format!(
                "connection-spike: on (baselines in {}, {} hosts loaded)",
                BaselineStore::path(d).display(),
                self.loaded
            ),
            None => "connection-spike: on (baselines kept in memory only: state.dir not set)"
                .to_string(),
        }
    }

    /// The baselines (for tests and tools).
    pub fn store(&self) -> &BaselineStore {
        &self.store
    }

    fn save(&mut self) {
        let Some(dir) = &self.dir else {
            return;
        };
        if let Err(e) = self.store.save(dir) {
            let w = format!("connection-spike: {e}");
            if self.warnings.len() < MAX_WARNINGS && !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }

    /// Writes the pending spike of `host` (if any) with its minute's counts
    /// as they stand now.
    fn write(&mut self, host: IpAddr, alerts: &mut Vec<Alert>) {
        let Some(p) = self.pending.remove(&host) else {
            return;
        };
        let (mut conns, mut dests) = (p.spike.connections, p.spike.destinations);
        if let Some(b) = self.store.get(&host) {
            if b.minute == p.spike.minute {
                conns.value = conns.value.max(b.current().connections());
                dests.value = dests.value.max(b.current().distinct());
            }
        }
        conns.exceeded = conns.value as f64 > conns.threshold;
        dests.exceeded = dests.value as f64 > dests.threshold;
        alerts.push(self.alert(host, &p, conns, dests));
    }

    fn alert(&self, host: IpAddr, p: &Pending, conns: MetricCheck, dests: MetricCheck) -> Alert {
        let s = &p.spike;
        let at_least = if s.destinations_at_least {
            "at least "
        } else {
            ""
        };
        let minute = i64::try_from(s.minute.saturating_mul(60))
            .ok()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| format!("minute {}", s.minute));
        let (sig, headline, check) = if conns.exceeded {
            (
                self.sig_connections,
                format!(
                    "{host} opened {} new outbound connections in the minute from {minute} \
                     (to {at_least}{} destinations)",
                    conns.value, dests.value
                ),
                conns,
            )
        } else {
            (
                self.sig_destinations,
                format!(
                    "{host} reached {at_least}{} distinct outbound destinations in the minute \
                     from {minute} ({} new connections)",
                    dests.value, conns.value
                ),
                dests,
            )
        };
        let what = if conns.exceeded {
            "connections"
        } else {
            "destinations"
        };
        let evidence = format!(
            "{headline}; its baseline is {:.1} ± {:.1} {what} per minute over {} minutes; \
             threshold {:.0}",
            check.mean, check.sd, s.history_minutes, check.threshold
        );
        let metric = |m: MetricCheck| {
            serde_json::json!({
                "value": m.value,
                "mean": round1(m.mean),
                "sd": round1(m.sd),
                "threshold": round1(m.threshold),
                "exceeded": m.exceeded,
            })
        };
        Alert::new(p.ts, sig, evidence)
            .on_flow(p.flow.clone())
            .with("minute", minute)
            .with("connections", metric(conns))
            .with("destinations", metric(dests))
            .with("destinations_at_least", s.destinations_at_least)
            .with("history_minutes", s.history_minutes)
            .with("k", self.params.k)
    }
}

/// One decimal place, for figures people read.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl HostDetector for ConnectionSpikeDetector {
    fn id(&self) -> &'static str {
        "connection-spike"
    }

    fn on_flow(&mut self, s: &FlowSummary, alerts: &mut Vec<Alert>) {
        if !s.outbound() || self.allow.contains(s.client.0) {
            return;
        }
        let host = s.client.0;
        let minute = s.ts.secs() / 60;
        if self
            .pending
            .get(&host)
            .is_some_and(|p| minute > p.spike.minute)
        {
            self.write(host, alerts);
        }
        if let Some(spike) = self.store.observe(host, minute, s.server.0) {
            if self.pending.contains_key(&host) {
                // The clock went back and the same host spiked again: the
                // older one is written as it stands.
                self.write(host, alerts);
            }
            let pending = Pending {
                spike,
                flow: s.alert_flow(),
                ts: s.ts,
            };
            self.pending.insert(host, pending);
        }
    }

    fn on_tick(&mut self, now: Timestamp, alerts: &mut Vec<Alert>) {
        let minute = now.secs() / 60;
        if !self.pending.is_empty() {
            let done: Vec<IpAddr> = self
                .pending
                .iter()
                .filter(|(_, p)| minute > p.spike.minute)
                .map(|(ip, _)| *ip)
                .collect();
            for host in done {
                self.write(host, alerts);
            }
        }
        if self.dir.is_some() {
            let secs = now.secs();
            match self.next_save_secs {
                None => self.next_save_secs = Some(secs.saturating_add(SAVE_EVERY_SECS)),
                Some(due) if secs >= due => {
                    self.save();
                    self.next_save_secs = Some(secs.saturating_add(SAVE_EVERY_SECS));
                }
                Some(_) => {}
            }
        }
    }

    fn finish(&mut self, _now: Timestamp, alerts: &mut Vec<Alert>) -> Vec<String> {
        let hosts: Vec<IpAddr> = self.pending.keys().copied().collect();
        for host in hosts {
            self.write(host, alerts);
        }
        self.save();
        std::mem::take(&mut self.warnings)
    }

    fn counters(&mut self, c: &mut Counters) {
        let total = self.store.evicted();
        c.add(
            Counter::KagamiDetectHostsEvicted,
            total.saturating_sub(self.evicted_reported),
        );
        self.evicted_reported = total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowKey;
    use std::net::Ipv4Addr;

    /// 2026-11-24T09:00:00Z, a minute boundary.
    const T0: u64 = 1_795_510_800;

    fn cfg(sets: &[String]) -> Config {
        Config::load(None, sets).unwrap()
    }

    fn detector(sets: &[String]) -> ConnectionSpikeDetector {
        let sigs = Signatures::load("").unwrap();
        let (d, w) = ConnectionSpikeDetector::new(&cfg(sets), &sigs).unwrap();
        assert!(w.is_none(), "{w:?}");
        d
    }

    fn flow(secs: u64, client: Ipv4Addr, dest: u32) -> FlowSummary {
        let c = IpAddr::V4(client);
        let s = IpAddr::V4(Ipv4Addr::from(0xcb00_7100 + dest));
        FlowSummary {
            ts: Timestamp::from_parts(i64::try_from(secs).unwrap(), 0),
            flow_id: u64::from(dest),
            key: FlowKey {
                lo: (c, 40000),
                hi: (s, 443),
                proto: 6,
                vlan: [0, 0],
            },
            client: (c, 40000),
            server: (s, 443),
            client_home: true,
            server_home: false,
            client_mac: None,
        }
    }

    const QUIET: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 3);
    const BUSY: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 4);

    /// `minutes` minutes of history from `start`: the quiet host 3–5 a
    /// minute, the busy one 27–33; then, if `spike`, the quiet host opens 400
    /// connections to 300 destinations in the next minute. Ticks once a
    /// second of packet time. Returns the alerts.
    fn run(d: &mut ConnectionSpikeDetector, start: u64, minutes: u64, spike: bool) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for m in 0..minutes {
            let base = start + m * 60;
            for i in 0..(3 + m % 3) {
                d.on_flow(&flow(base + i * 10, QUIET, (i % 4) as u32), &mut alerts);
            }
            for i in 0..(27 + (m * 7) % 7) {
                d.on_flow(&flow(base + i, BUSY, 100 + (i % 20) as u32), &mut alerts);
            }
            d.on_tick(Timestamp::from_parts((base + 59) as i64, 0), &mut alerts);
        }
        if spike {
            let base = start + minutes * 60;
            for i in 0..400u64 {
                d.on_flow(&flow(base + i / 10, QUIET, (i % 300) as u32), &mut alerts);
            }
            d.on_tick(Timestamp::from_parts((base + 61) as i64, 0), &mut alerts);
        }
        alerts
    }

    #[test]
    fn quiet_host_jump_alerts_once_with_the_whole_minute() {
        let mut d = detector(&[]);
        let alerts = run(&mut d, T0, 180, true);
        assert_eq!(alerts.len(), 1, "{alerts:#?}");
        let a = &alerts[0];
        assert_eq!(a.sig, d.sig_connections);
        assert_eq!(a.flow.as_ref().unwrap().client.0, IpAddr::V4(QUIET));
        assert_eq!(a.context["connections"]["value"], 400);
        assert_eq!(a.context["destinations"]["value"], 300);
        assert_eq!(a.context["history_minutes"], 180);
        let ev = a.evidence();
        assert!(
            ev.starts_with(
                "10.1.2.3 opened 400 new outbound connections in the minute from \
                 2026-11-24 12:00 UTC (to 300 destinations); its baseline is 4."
            ),
            "{ev}"
        );
        assert!(
            ev.ends_with("per minute over 180 minutes; threshold 100"),
            "{ev}"
        );
        // Raised at the flow that crossed a threshold, written after the minute.
        assert!(a.ts.secs() < T0 + 180 * 60 + 60);
    }

    #[test]
    fn no_alert_during_warm_up() {
        let mut d = detector(&["connection_spike.warmup_minutes=240".into()]);
        assert!(run(&mut d, T0, 180, true).is_empty());
    }

    #[test]
    fn a_pending_spike_is_written_at_the_end() {
        let mut d = detector(&[]);
        let mut alerts = run(&mut d, T0, 90, false);
        let base = T0 + 90 * 60;
        for i in 0..200u32 {
            d.on_flow(&flow(base + 1, QUIET, i), &mut alerts);
        }
        assert!(alerts.is_empty(), "written when the minute is over");
        let warnings = d.finish(Timestamp::from_parts(base as i64 + 2, 0), &mut alerts);
        assert!(warnings.is_empty());
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].context["connections"]["value"], 200);
    }

    #[test]
    fn baselines_are_saved_and_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let sets = vec![format!("state.dir={}", dir.path().display())];
        let mut d = detector(&sets);
        assert!(d.note().ends_with("0 hosts loaded)"), "{}", d.note());
        let alerts = run(&mut d, T0, 120, false);
        assert!(alerts.is_empty());
        // Saved periodically (every 10 minutes of packet time) ...
        assert!(dir.path().join("baselines.json").is_file());
        assert!(
            d.finish(
                Timestamp::from_parts((T0 + 7200) as i64, 0),
                &mut Vec::new()
            )
            .is_empty()
        );
        // ... and a new detector picks them up: the spike alone alerts.
        let mut d = detector(&sets);
        assert!(d.note().contains("2 hosts loaded"), "{}", d.note());
        let alerts = run(&mut d, T0 + 7200, 0, true);
        assert_eq!(alerts.len(), 1);
        // Without the saved baselines the same minute has no history.
        let mut fresh = detector(&[]);
        assert!(run(&mut fresh, T0 + 7200, 0, true).is_empty());
    }

    #[test]
    fn corrupt_file_is_a_warning_and_unwritable_dir_warns_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("baselines.json"), "{not json").unwrap();
        let sigs = Signatures::load("").unwrap();
        let sets = vec![format!("state.dir={}", dir.path().display())];
        let (_, w) = ConnectionSpikeDetector::new(&cfg(&sets), &sigs).unwrap();
        let w = w.unwrap();
        assert!(w.starts_with("connection-spike: saved baselines"), "{w}");
        assert!(w.contains("corrupt"), "{w}");

        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let sets = vec![format!("state.dir={}", file.join("sub").display())];
        let (mut d, _) = ConnectionSpikeDetector::new(&cfg(&sets), &sigs).unwrap();
        let warnings = d.finish(Timestamp::from_parts(T0 as i64, 0), &mut Vec::new());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("state.dir"), "{}", warnings[0]);
    }

    #[test]
    fn allowed_hosts_are_not_counted() {
        let mut d = detector(&["connection_spike.allow=[\"10.1.2.0/24\"]".into()]);
        assert!(run(&mut d, T0, 120, true).is_empty());
        assert!(d.store().is_empty());
    }

    #[test]
    fn bad_settings_name_the_key() {
        let sigs = Signatures::load("").unwrap();
        for (set, key) in [
            ("connection_spike.alpha=1.5", "connection_spike.alpha"),
            ("connection_spike.k=-1.0", "connection_spike.k"),
        ] {
            let err = ConnectionSpikeDetector::new(&cfg(&[set.into()]), &sigs)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(key), "{err}");
        }
    }
}
