//! An alert as detectors raise it, and its EVE `alert` object.
//!
//! A detector fills in what it saw (`evidence`, a sentence a person can judge,
//! and typed `context` fields); the signature table supplies the id, message,
//! category, severity and the CCDCOE row when the record is written.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::{Map, Value};

use super::signature::{SigId, Signature};
use crate::flow::FlowKey;
use crate::flow::key::Endpoint;
use crate::time::Timestamp;

/// Longest evidence sentence kept, bytes (wire strings inside it are already
/// capped by the parsers; this bounds the sentence as a whole).
pub const MAX_EVIDENCE: usize = 2048;

/// The flow an alert is about.
#[derive(Debug, Clone)]
pub struct AlertFlow {
    pub key: FlowKey,
    pub flow_id: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    pub app_proto: Option<&'static str>,
    pub app_proto_orig: Option<&'static str>,
}

/// One alert.
#[derive(Debug, Clone)]
pub struct Alert {
    /// Packet time of what raised it.
    pub ts: Timestamp,
    pub sig: SigId,
    /// The flow, for flow alerts and host alerts raised by one flow.
    pub flow: Option<AlertFlow>,
    /// The host, for host alerts without a flow (a device seen in ARP).
    pub host: Option<IpAddr>,
    /// `alert.context`: `evidence` first, then the detector's fields.
    pub context: Map<String, Value>,
}

impl Alert {
    /// An alert with its evidence sentence.
    pub fn new(ts: Timestamp, sig: SigId, evidence: impl Into<String>) -> Alert {
        let mut evidence: String = evidence.into();
        if evidence.len() > MAX_EVIDENCE {
            let mut cut = MAX_EVIDENCE;
            while !evidence.is_char_boundary(cut) {
                cut -= 1;
            }
            evidence.truncate(cut);
        }
        let mut context = Map::new();
        context.insert("evidence".into(), Value::String(evidence));
        Alert {
            ts,
            sig,
            flow: None,
            host: None,
            context,
        }
    }

    /// Adds one typed field to `alert.context`.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Alert {
        self.context.insert(key.to_string(), value.into());
        self
    }

    /// Attaches the flow.
    pub fn on_flow(mut self, flow: AlertFlow) -> Alert {
        self.flow = Some(flow);
        self
    }

    /// Attaches a host (no flow).
    pub fn on_host(mut self, ip: IpAddr) -> Alert {
        self.host = Some(ip);
        self
    }

    /// The evidence sentence.
    pub fn evidence(&self) -> &str {
        self.context
            .get("evidence")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// `alert.metadata`: kagami's keys beside Suricata's (the schema leaves
/// the object open).
#[derive(Debug, Serialize)]
pub struct AlertMetadata<'a> {
    pub indicator: [&'a str; 1],
    pub insider_threat: &'a [String],
}

/// The EVE `alert` object.
#[derive(Debug, Serialize)]
pub struct AlertObject<'a> {
    pub action: &'static str,
    pub gid: u32,
    pub signature_id: u32,
    pub rev: u32,
    pub signature: &'a str,
    pub category: &'a str,
    pub severity: u8,
    pub metadata: AlertMetadata<'a>,
    pub context: &'a Map<String, Value>,
}

impl<'a> AlertObject<'a> {
    /// The object for `alert`, whose signature is `sig`.
    pub fn new(alert: &'a Alert, sig: &'a Signature) -> AlertObject<'a> {
        AlertObject {
            // A passive sensor never blocks.
            action: "allowed",
            gid: 1,
            signature_id: sig.sid,
            rev: sig.rev,
            signature: &sig.msg,
            category: &sig.category,
            severity: sig.severity,
            metadata: AlertMetadata {
                indicator: [&sig.indicator],
                insider_threat: &sig.insider_threat,
            },
            context: &alert.context,
        }
    }
}
