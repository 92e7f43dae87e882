//! Detection: the insider-threat indicators of DESIGN.md's table.
//!
//! Two kinds of detector, one module per indicator, each of the same shape:
//!
//! - **Flow detectors** ([`Detector`]: `tor`, `vpn`, `irc`, `large_mail`)
//!   run in the worker that owns the flow. They see typed [`Event`]s (a flow
//!   started, its protocol was recognised, a transaction finished, it ended)
//!   and a read-only [`FlowView`]; never raw bytes or parser internals. A flow
//!   raises each signature at most once (a bit per signature on the flow).
//! - **Host detectors** ([`HostDetector`]: `unapproved_device`, `off_hours`,
//!   `connection_spike`) live in the host-analytics stage, which receives
//!   small [`HostInput`]s (a flow's start, a device sighting) in batches, not
//!   packets, because a host's flows are spread over workers. Their alerts
//!   are rate-limited per host and signature (`detect.host_alert_window`).
//!
//! Ids, messages and severities come from `signatures/signatures.toml`
//! ([`signature`]); thresholds from each detector's configuration section;
//! lists from `signatures/` ([`lists`]). All time is packet time.
//!
//! Building blocks the host detectors share: [`calendar`] (business hours,
//! off-hours periods) and [`baseline`] (per-host moving statistics of
//! connections per minute, saved in `state.dir`).

pub mod alert;
pub mod baseline;
pub mod calendar;
pub mod connection_spike;
pub mod host;
pub mod indicator;
pub mod intel;
pub mod irc;
pub mod large_mail;
pub mod lists;
pub mod off_hours;
pub mod signature;
pub mod tor;
pub mod unapproved_device;
pub mod vpn;

use std::net::IpAddr;

use thiserror::Error;

pub use alert::{Alert, AlertFlow};
pub use host::{DeviceSighting, FlowSummary, HostDetector, HostInput, HostStage, SightingSource};
use lists::NetList;
pub use signature::{SigId, Signatures};

use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::decode::Decoded;
use crate::flow::key::Endpoint;
use crate::flow::{Direction, Flow, FlowEnd, FlowKey};
use crate::proto::AppTx;
use crate::proto::app::FlowEvent;
use crate::time::Timestamp;

/// A detector stage that cannot start; the message names the file or key.
#[derive(Debug, Error)]
pub enum DetectError {
    #[error(transparent)]
    Signatures(#[from] signature::SignatureError),
    #[error("cannot read list {path}: {source}")]
    List {
        path: String,
        source: std::io::Error,
    },
    #[error("{what}: {message}")]
    Setup { what: String, message: String },
    #[error(transparent)]
    Inventory(#[from] unapproved_device::InventoryError),
}

/// What a flow detector can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The flow's first packet.
    FlowStart,
    /// The flow's application protocol was recognised.
    AppProto,
    /// An application-layer transaction finished.
    Tx,
    /// The flow ended (its counts are final).
    FlowEnd,
}

impl EventKind {
    fn bit(self) -> u8 {
        match self {
            EventKind::FlowStart => 1,
            EventKind::AppProto => 2,
            EventKind::Tx => 4,
            EventKind::FlowEnd => 8,
        }
    }
}

/// One event of a flow.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    FlowStart,
    /// The protocol now recognised (`app_proto`).
    AppProto(&'static str),
    Tx(&'a AppTx),
    FlowEnd,
}

impl Event<'_> {
    /// The kind, for [`Detector::interests`].
    pub fn kind(&self) -> EventKind {
        match self {
            Event::FlowStart => EventKind::FlowStart,
            Event::AppProto(_) => EventKind::AppProto,
            Event::Tx(_) => EventKind::Tx,
            Event::FlowEnd => EventKind::FlowEnd,
        }
    }
}

/// A read-only view of a flow for detectors.
#[derive(Debug, Clone, Copy)]
pub struct FlowView<'a> {
    pub key: &'a FlowKey,
    pub flow: &'a Flow,
    /// Packet time of the event.
    pub ts: Timestamp,
    /// The initiator and the responder.
    pub client: Endpoint,
    pub server: Endpoint,
    /// Whether each end is in `network.home_net`.
    pub client_home: bool,
    pub server_home: bool,
}

impl FlowView<'_> {
    /// The flow's `app_proto` (`None` while unknown).
    pub fn app_proto(&self) -> Option<&'static str> {
        self.flow.app.as_ref().and_then(|a| a.app_proto())
    }
    /// The protocol before an upgrade (SMTP before STARTTLS).
    pub fn app_proto_orig(&self) -> Option<&'static str> {
        self.flow.app.as_ref().and_then(|a| a.app_proto_orig())
    }
    /// Payload bytes one way since the flow switched to TLS, if it did.
    pub fn bytes_since_upgrade(&self, dir: Direction) -> Option<u64> {
        self.flow
            .app
            .as_ref()
            .and_then(|a| a.bytes_since_upgrade(dir))
    }
    /// Payload bytes one way.
    pub fn payload_bytes(&self, dir: Direction) -> u64 {
        self.flow.app.as_ref().map(|a| a.bytes(dir)).unwrap_or(0)
    }
    /// A client in the home network talking to a server outside it.
    pub fn outbound(&self) -> bool {
        self.client_home && !self.server_home
    }
    /// The flow as an alert names it.
    pub fn alert_flow(&self) -> AlertFlow {
        AlertFlow {
            key: *self.key,
            flow_id: self.flow.id,
            client: self.client,
            server: self.server,
            app_proto: self.app_proto(),
            app_proto_orig: self.app_proto_orig(),
        }
    }
    /// An alert on this flow, at the event's time.
    pub fn alert(&self, sig: SigId, evidence: impl Into<String>) -> Alert {
        Alert::new(self.ts, sig, evidence).on_flow(self.alert_flow())
    }
}

/// A flow detector (see the module's documentation).
pub trait Detector: Send {
    /// The indicator it detects (a name from [`indicator::INDICATORS`]).
    fn id(&self) -> &'static str;
    /// The events it wants; it is called for no others.
    fn interests(&self) -> &'static [EventKind];
    /// Looks at one event of a flow and pushes the alerts it raises.
    fn on_event(&mut self, ev: &Event<'_>, flow: &FlowView<'_>, alerts: &mut Vec<Alert>);
    /// Packet time advanced (about once a second): expire state.
    fn on_tick(&mut self, _now: Timestamp, _alerts: &mut Vec<Alert>) {}
}

/// The home networks, for "outbound" and "home host".
#[derive(Debug, Clone, Default)]
pub struct HomeNet(NetList);

impl HomeNet {
    pub fn new(cfg: &Config) -> HomeNet {
        HomeNet(NetList::new(&cfg.network.home_net))
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(ip)
    }
}

/// The detector stage of one worker, with the host-analytics stage behind it.
pub struct DetectStage {
    enabled: bool,
    sigs: std::sync::Arc<Signatures>,
    home: HomeNet,
    detectors: Vec<(Box<dyn Detector>, u8)>,
    host: HostStage,
    /// Host inputs not yet handed to the host stage.
    batch: Vec<HostInput>,
    /// What each detector is doing, for the start-up log.
    notes: Vec<String>,
    /// Warnings for the operator not yet taken.
    warnings: Vec<String>,
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// Host inputs handed over at once.
const HOST_BATCH: usize = 256;

impl DetectStage {
    /// Builds every enabled detector from the configuration.
    pub fn new(cfg: &Config) -> Result<DetectStage, DetectError> {
        let sigs = std::sync::Arc::new(Signatures::load(&cfg.detect.signatures_dir)?);
        let mut notes = Vec::new();
        let mut detectors: Vec<Box<dyn Detector>> = Vec::new();
        let enabled = cfg.detect.enabled;
        let mut warnings = Vec::new();
        if enabled {
            if cfg.tor.enabled {
                let tor = tor::TorDetector::new(cfg, &sigs, &mut warnings)?;
                notes.push(format!(
                    "tor: on ({} relay addresses{}; TLS handshake {}; .onion names {})",
                    tor.relays(),
                    if cfg.tor.relay_list { "" } else { ", list off" },
                    on_off(cfg.tor.tls_handshake),
                    on_off(cfg.tor.onion_names)
                ));
                detectors.push(Box::new(tor));
            }
            if cfg.vpn.enabled {
                detectors.push(Box::new(vpn::VpnDetector::new(cfg, &sigs)?));
            }
            if cfg.irc.enabled {
                detectors.push(Box::new(irc::IrcDetector::new(cfg, &sigs)?));
            }
            if cfg.large_mail.enabled {
                detectors.push(Box::new(large_mail::LargeMailDetector::new(cfg, &sigs)?));
            }
            for d in detectors.iter().filter(|d| d.id() != "tor") {
                notes.push(format!("{}: on", d.id()));
            }
        } else {
            notes.push("all detectors off (detect.enabled = false)".into());
        }
        let host = HostStage::new(cfg, &sigs, enabled, &mut notes)?;
        let detectors = detectors
            .into_iter()
            .map(|d| {
                let mask = d.interests().iter().fold(0u8, |m, k| m | k.bit());
                (d, mask)
            })
            .collect();
        Ok(DetectStage {
            enabled,
            sigs,
            home: HomeNet::new(cfg),
            detectors,
            host,
            batch: Vec::new(),
            notes,
            warnings,
        })
    }

    /// Adds a host detector beside the configured ones (`kagami inventory
    /// learn` adds its device learner). It sees inputs only while
    /// `detect.enabled` is on.
    pub fn add_host_detector(&mut self, d: Box<dyn HostDetector>) {
        self.host.push(d);
    }

    /// The signature table alerts refer to.
    pub fn signatures(&self) -> &Signatures {
        &self.sigs
    }

    /// One line per detector: on, or off and why (for the start-up log).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn view<'a>(&self, key: &'a FlowKey, flow: &'a Flow, ts: Timestamp) -> FlowView<'a> {
        let (client, server) = (flow.client(key), flow.server(key));
        FlowView {
            key,
            flow,
            ts,
            client,
            server,
            client_home: self.home.contains(client.0),
            server_home: self.home.contains(server.0),
        }
    }

    /// After one packet of `flow` went through the application layer:
    /// `proto_before` is the flow's `app_proto` before it, `events` the
    /// transactions it finished.
    #[allow(clippy::too_many_arguments)]
    pub fn packet(
        &mut self,
        key: &FlowKey,
        flow: &mut Flow,
        dir: Direction,
        d: &Decoded<'_>,
        proto_before: Option<&'static str>,
        events: &[FlowEvent],
        c: &mut Counters,
        alerts: &mut Vec<Alert>,
    ) {
        if !self.enabled {
            return;
        }
        let start = alerts.len();
        let is_new = flow.pkts[0] + flow.pkts[1] == 1;
        let proto_now = flow.app.as_ref().and_then(|a| a.app_proto());
        if !is_new && proto_now == proto_before && events.is_empty() {
            return;
        }
        let view = self.view(key, flow, d.ts);
        if is_new {
            self.batch.push(HostInput::Flow(FlowSummary {
                ts: d.ts,
                flow_id: flow.id,
                key: *key,
                client: view.client,
                server: view.server,
                client_home: view.client_home,
                server_home: view.server_home,
                client_mac: if dir == Direction::ToServer {
                    d.src_mac
                } else {
                    None
                },
            }));
            dispatch(&mut self.detectors, &Event::FlowStart, &view, alerts);
        }
        if let Some(p) = proto_now.filter(|p| Some(*p) != proto_before && *p != "failed") {
            dispatch(&mut self.detectors, &Event::AppProto(p), &view, alerts);
        }
        for ev in events {
            self.sighting_from_tx(&ev.event.tx, d.ts);
            dispatch(&mut self.detectors, &Event::Tx(&ev.event.tx), &view, alerts);
        }
        once_per_flow(flow, alerts, start, c);
        if self.batch.len() >= HOST_BATCH {
            self.flush_hosts(c, alerts);
        }
    }

    /// A flow ended; `events` are the transactions its end finished.
    pub fn flow_end(
        &mut self,
        end: &mut FlowEnd,
        events: &[FlowEvent],
        c: &mut Counters,
        alerts: &mut Vec<Alert>,
    ) {
        if !self.enabled {
            return;
        }
        let start = alerts.len();
        let view = self.view(&end.key, &end.flow, end.flow.last);
        for ev in events {
            self.sighting_from_tx(&ev.event.tx, end.flow.last);
            dispatch(&mut self.detectors, &Event::Tx(&ev.event.tx), &view, alerts);
        }
        dispatch(&mut self.detectors, &Event::FlowEnd, &view, alerts);
        once_per_flow(&mut end.flow, alerts, start, c);
    }

    /// A device seen outside a flow (an ARP packet).
    pub fn device(&mut self, s: DeviceSighting) {
        if self.enabled {
            self.batch.push(HostInput::Device(s));
        }
    }

    fn sighting_from_tx(&mut self, tx: &AppTx, ts: Timestamp) {
        if let AppTx::Dhcp(d) = tx {
            // A client's own messages name its MAC and hostname.
            if d.op == 1 {
                let ip = (!d.client_ip.is_unspecified())
                    .then_some(IpAddr::V4(d.client_ip))
                    .or(d.requested_ip.map(IpAddr::V4));
                self.batch.push(HostInput::Device(DeviceSighting {
                    ts,
                    mac: d.mac,
                    ip,
                    hostname: d.hostname.clone(),
                    source: SightingSource::Dhcp,
                }));
            }
        }
    }

    /// Hands the pending host inputs to the host stage.
    pub fn flush_hosts(&mut self, c: &mut Counters, alerts: &mut Vec<Alert>) {
        if !self.batch.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            self.host.batch(&batch, c, alerts);
            self.batch = batch;
            self.batch.clear();
        }
    }

    /// Packet time advanced: host inputs are handed over and detectors expire state.
    pub fn tick(&mut self, now: Timestamp, c: &mut Counters, alerts: &mut Vec<Alert>) {
        if !self.enabled {
            return;
        }
        self.flush_hosts(c, alerts);
        for (d, _) in &mut self.detectors {
            d.on_tick(now, alerts);
        }
        self.host.tick(now, c, alerts);
    }

    /// End of the run: last inputs handed over, state persisted.
    pub fn finish(&mut self, now: Timestamp, c: &mut Counters, alerts: &mut Vec<Alert>) {
        if !self.enabled {
            return;
        }
        self.flush_hosts(c, alerts);
        self.host.finish(now, c, alerts);
    }

    /// Warnings the stage has for the operator (a baseline it could not save).
    pub fn take_warnings(&mut self) -> Vec<String> {
        let mut w = std::mem::take(&mut self.warnings);
        w.extend(self.host.take_warnings());
        w
    }
}

fn dispatch(
    detectors: &mut [(Box<dyn Detector>, u8)],
    ev: &Event<'_>,
    view: &FlowView<'_>,
    alerts: &mut Vec<Alert>,
) {
    let bit = ev.kind().bit();
    for (d, mask) in detectors.iter_mut() {
        if *mask & bit != 0 {
            d.on_event(ev, view, alerts);
        }
    }
}

/// Drops the alerts (from `start` on) whose signature this flow already
/// raised, and marks the rest as raised.
fn once_per_flow(flow: &mut Flow, alerts: &mut Vec<Alert>, start: usize, c: &mut Counters) {
    let mut i = start;
    while i < alerts.len() {
        let bit = alerts.get(i).map(|a| a.sig.bit()).unwrap_or(0);
        if flow.alerted & bit != 0 {
            alerts.remove(i);
            c.inc(Counter::KagamiDetectRepeatSuppressed);
        } else {
            flow.alerted |= bit;
            i += 1;
        }
    }
}
