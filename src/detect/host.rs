//! The host-analytics stage: detectors that judge a host by all its flows
//! (a device's first appearance, connections outside business hours,
//! spikes of new connections), fed with small [`HostInput`]s in batches
//! rather than packets, so it can sit behind any number of workers.
//!
//! Alerts from here are rate-limited: one per host and signature within
//! `detect.host_alert_window` seconds of packet time (the rest counted in
//! `detect.alerts_suppressed`).

use std::net::IpAddr;

use hashbrown::HashMap;

use super::alert::Alert;
use super::connection_spike::ConnectionSpikeDetector;
use super::off_hours::OffHoursDetector;
use super::signature::{SigId, Signatures};
use super::unapproved_device::UnapprovedDeviceDetector;
use super::{DetectError, FlowKey};
use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::flow::key::Endpoint;
use crate::time::Timestamp;

/// The keys of the `n` entries of `map` with the smallest `age` (the least
/// recently seen), for detectors that make room at `detect.max_hosts`: one
/// pass frees many entries, so a full map is scanned once per many new
/// hosts, not per new host.
pub fn least_recent<K, V>(map: &HashMap<K, V>, n: usize, age: impl Fn(&V) -> u64) -> Vec<K>
where
    K: Copy + Ord + std::hash::Hash,
{
    let n = n.min(map.len());
    let mut ages: Vec<(u64, K)> = map.iter().map(|(k, v)| (age(v), *k)).collect();
    if n < ages.len() {
        ages.select_nth_unstable(n);
    }
    ages.into_iter().take(n).map(|(_, k)| k).collect()
}

/// A flow's start, as the host stage sees it.
#[derive(Debug, Clone)]
pub struct FlowSummary {
    pub ts: Timestamp,
    pub flow_id: u64,
    pub key: FlowKey,
    pub client: Endpoint,
    pub server: Endpoint,
    pub client_home: bool,
    pub server_home: bool,
    /// The client's MAC address, when the first packet came from it over Ethernet.
    pub client_mac: Option<[u8; 6]>,
}

impl FlowSummary {
    /// A home client opening a connection to a host outside the home network.
    pub fn outbound(&self) -> bool {
        self.client_home && !self.server_home
    }
    /// The flow as an alert names it.
    pub fn alert_flow(&self) -> super::AlertFlow {
        super::AlertFlow {
            key: self.key,
            flow_id: self.flow_id,
            client: self.client,
            server: self.server,
            app_proto: None,
            app_proto_orig: None,
        }
    }
}

/// Where a device was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SightingSource {
    /// The source of a home-network flow's first packet.
    Traffic,
    /// The sender of an ARP packet.
    Arp,
    /// A DHCP client message.
    Dhcp,
}

impl SightingSource {
    pub fn name(self) -> &'static str {
        match self {
            SightingSource::Traffic => "traffic",
            SightingSource::Arp => "arp",
            SightingSource::Dhcp => "dhcp",
        }
    }
}

/// A device (MAC address) seen on the wire.
#[derive(Debug, Clone)]
pub struct DeviceSighting {
    pub ts: Timestamp,
    pub mac: [u8; 6],
    pub ip: Option<IpAddr>,
    /// DHCP hostname (option 12), capped by the parser.
    pub hostname: Option<String>,
    pub source: SightingSource,
}

/// What the host stage receives.
#[derive(Debug, Clone)]
pub enum HostInput {
    Flow(FlowSummary),
    Device(DeviceSighting),
}

/// A host-level detector (see the module's documentation).
pub trait HostDetector: Send {
    /// The indicator it detects.
    fn id(&self) -> &'static str;
    /// A flow started.
    fn on_flow(&mut self, _s: &FlowSummary, _alerts: &mut Vec<Alert>) {}
    /// A device was seen.
    fn on_device(&mut self, _d: &DeviceSighting, _alerts: &mut Vec<Alert>) {}
    /// Packet time advanced (about once a second).
    fn on_tick(&mut self, _now: Timestamp, _alerts: &mut Vec<Alert>) {}
    /// End of the run: persist state; returns warnings for the operator.
    fn finish(&mut self, _now: Timestamp, _alerts: &mut Vec<Alert>) -> Vec<String> {
        Vec::new()
    }
    /// Adds what the detector counted since the last call (hosts forgotten
    /// at `detect.max_hosts`, …) and sets its gauges; called after each tick
    /// and at the end.
    fn counters(&mut self, _c: &mut Counters) {}
}

/// The host-analytics stage.
pub struct HostStage {
    detectors: Vec<Box<dyn HostDetector>>,
    window_s: u64,
    /// When each (host, signature) last alerted, in seconds of packet time.
    last_alert: HashMap<(IpAddr, SigId), u64>,
    max_entries: usize,
    warnings: Vec<String>,
    /// Gauges set to 1 at each tick: detectors that are off (the metrics say so).
    off: Vec<Counter>,
}

impl HostStage {
    /// Builds the enabled host detectors; `notes` gets one line per detector.
    pub fn new(
        cfg: &Config,
        sigs: &Signatures,
        enabled: bool,
        notes: &mut Vec<String>,
    ) -> Result<HostStage, DetectError> {
        let mut detectors: Vec<Box<dyn HostDetector>> = Vec::new();
        let mut warnings = Vec::new();
        if enabled && cfg.off_hours.enabled {
            let d = OffHoursDetector::new(cfg, sigs)?;
            notes.push(d.note());
            detectors.push(Box::new(d));
        }
        if enabled && cfg.connection_spike.enabled {
            let (d, warning) = ConnectionSpikeDetector::new(cfg, sigs)?;
            notes.push(d.note());
            warnings.extend(warning);
            detectors.push(Box::new(d));
        }
        let mut off = Vec::new();
        if enabled {
            if cfg.inventory.file.is_empty() {
                notes.push(
                    "unapproved-device: off (no inventory.file configured; `kagami inventory learn` writes one)"
                        .into(),
                );
                off.push(Counter::KagamiDetectUnapprovedDeviceOff);
            } else {
                let d = UnapprovedDeviceDetector::new(cfg, sigs)?;
                notes.push(format!(
                    "unapproved-device: on ({} approved devices from {})",
                    d.approved(),
                    cfg.inventory.file
                ));
                detectors.push(Box::new(d));
            }
        }
        Ok(HostStage {
            detectors,
            window_s: cfg.detect.host_alert_window,
            last_alert: HashMap::new(),
            max_entries: usize::try_from(cfg.detect.max_hosts)
                .unwrap_or(usize::MAX)
                .saturating_mul(4),
            warnings,
            off,
        })
    }

    /// Adds a detector (tests build stages with one detector).
    pub fn push(&mut self, d: Box<dyn HostDetector>) {
        self.detectors.push(d);
    }

    /// Takes one batch of inputs.
    pub fn batch(&mut self, inputs: &[HostInput], c: &mut Counters, alerts: &mut Vec<Alert>) {
        if self.detectors.is_empty() {
            return;
        }
        let start = alerts.len();
        for input in inputs {
            for d in &mut self.detectors {
                match input {
                    HostInput::Flow(s) => d.on_flow(s, alerts),
                    HostInput::Device(s) => d.on_device(s, alerts),
                }
            }
        }
        self.rate_limit(alerts, start, c);
    }

    /// Packet time advanced.
    pub fn tick(&mut self, now: Timestamp, c: &mut Counters, alerts: &mut Vec<Alert>) {
        let start = alerts.len();
        for d in &mut self.detectors {
            d.on_tick(now, alerts);
        }
        self.rate_limit(alerts, start, c);
        self.counters(c);
    }

    /// The detectors' counts, and the gauges of those that are off.
    fn counters(&mut self, c: &mut Counters) {
        for d in &mut self.detectors {
            d.counters(c);
        }
        for &g in &self.off {
            c.set(g, 1);
        }
    }

    /// End of the run.
    pub fn finish(&mut self, now: Timestamp, c: &mut Counters, alerts: &mut Vec<Alert>) {
        let start = alerts.len();
        for d in &mut self.detectors {
            let w = d.finish(now, alerts);
            self.warnings.extend(w);
        }
        self.rate_limit(alerts, start, c);
        self.counters(c);
    }

    /// Warnings collected since the last call (start-up warnings, such as
    /// saved baselines that could not be loaded, come first).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Keeps one alert per host and signature per window (from `start` on).
    fn rate_limit(&mut self, alerts: &mut Vec<Alert>, start: usize, c: &mut Counters) {
        let mut i = start;
        while let Some(a) = alerts.get(i) {
            let host = a.host.or(a.flow.as_ref().map(|f| f.client.0));
            let Some(host) = host else {
                i += 1;
                continue;
            };
            let now = a.ts.secs();
            let key = (host, a.sig);
            let recent = self
                .last_alert
                .get(&key)
                .is_some_and(|&t| now.saturating_sub(t) < self.window_s);
            if recent {
                alerts.remove(i);
                c.inc(Counter::DetectAlertsSuppressed);
                continue;
            }
            if self.last_alert.len() >= self.max_entries {
                let window = self.window_s;
                self.last_alert
                    .retain(|_, t| now.saturating_sub(*t) < window);
                if self.last_alert.len() >= self.max_entries {
                    self.last_alert.clear();
                }
            }
            self.last_alert.insert(key, now);
            i += 1;
        }
    }
}
