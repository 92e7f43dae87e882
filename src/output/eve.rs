//! EVE records in Suricata's shapes. One struct carries the common header
//! (timestamp, flow_id, endpoints, …) and one optional object per event
//! type, so a record serialises straight to one JSON line with no map in
//! between. Field names and nesting follow Suricata's schema
//! (`../shared/eve-schema.json`), which tests check every record against.

use std::net::IpAddr;

use serde::Serialize;

use crate::decode::ip_proto;
use crate::decode::tcp_flags::{ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};
use crate::detect::alert::{Alert, AlertObject};
use crate::detect::signature::Signature;
use crate::flow::community_id::community_id;
use crate::flow::key::Endpoint;
use crate::flow::{Direction, FlowEnd, FlowKey};
use crate::proto::AppTx;
use crate::proto::app::FlowEvent;
use crate::time::{EveTime, Timestamp};

/// One EVE record. `'a` borrows the application-layer transaction it logs.
#[derive(Debug, Serialize)]
pub struct EveRecord<'a> {
    pub timestamp: EveTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<u64>,
    pub event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<Vec<u16>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto_orig: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<AlertObject<'a>>,
    /// The protocol objects of an application-layer record (`dns`, `tls`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub app: Option<&'a AppTx>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
}

impl<'a> EveRecord<'a> {
    /// A record with only the header's time and type set.
    pub fn new(event_type: &'static str, ts: Timestamp, utc_offset: i32) -> EveRecord<'a> {
        EveRecord {
            timestamp: ts.eve(utc_offset),
            flow_id: None,
            event_type,
            vlan: None,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: None,
            proto: None,
            icmp_type: None,
            icmp_code: None,
            response_icmp_type: None,
            response_icmp_code: None,
            app_proto: None,
            app_proto_orig: None,
            community_id: None,
            alert: None,
            app: None,
            metadata: None,
            flow: None,
            tcp: None,
            stats: None,
        }
    }

    /// The `flow` record of a flow that has ended.
    pub fn flow_end(end: &FlowEnd, utc_offset: i32) -> EveRecord<'a> {
        let f = &end.flow;
        let key = &end.key;
        let (client, server) = (end.client(), end.server());
        let mut r = EveRecord::new("flow", f.last, utc_offset);
        r.flow_header(f.id, key, client, server);
        let icmp = matches!(key.proto, ip_proto::ICMP | ip_proto::ICMPV6);
        if let Some(app) = f.app.as_deref() {
            r.app_proto = app.app_proto();
            r.app_proto_orig = app.app_proto_orig();
            let mut vars: Vec<FlowVar> = app
                .evidence()
                .map(|why| FlowVar {
                    key: "app_proto_evidence",
                    value: why.to_string(),
                })
                .into_iter()
                .collect();
            vars.extend(
                app.flowvars()
                    .into_iter()
                    .map(|(key, value)| FlowVar { key, value }),
            );
            if !vars.is_empty() {
                r.metadata = Some(Metadata { flowvars: vars });
            }
        }
        // Community ID from the client's view; for ICMP from its first message.
        let (sp, dp) = if icmp {
            let (t, c) = f.icmp[0].or(f.icmp[1]).unwrap_or((0, 0));
            r.icmp_type = f.icmp[0].map(|x| x.0);
            r.icmp_code = f.icmp[0].map(|x| x.1);
            r.response_icmp_type = f.icmp[1].map(|x| x.0);
            r.response_icmp_code = f.icmp[1].map(|x| x.1);
            (u16::from(t), u16::from(c))
        } else {
            (client.1, server.1)
        };
        r.community_id = Some(community_id(0, client.0, server.0, key.proto, sp, dp));
        let (pkts_ts, bytes_ts) = f.counts(Direction::ToServer);
        let (pkts_tc, bytes_tc) = f.counts(Direction::ToClient);
        r.flow = Some(FlowObject {
            pkts_toserver: pkts_ts,
            pkts_toclient: pkts_tc,
            bytes_toserver: bytes_ts,
            bytes_toclient: bytes_tc,
            start: f.start.eve(utc_offset),
            end: f.last.eve(utc_offset),
            age: f.last.secs_since(f.start),
            state: f.state.name(),
            reason: end.reason.name(),
            alerted: f.alerted != 0,
        });
        if let Some(t) = f.tcp {
            let all = t.flags_ts | t.flags_tc;
            let flag = |bit: u8| (all & bit != 0).then_some(true);
            r.tcp = Some(TcpObject {
                tcp_flags: format!("{all:02x}"),
                tcp_flags_ts: format!("{:02x}", t.flags_ts),
                tcp_flags_tc: format!("{:02x}", t.flags_tc),
                syn: flag(SYN),
                fin: flag(FIN),
                rst: flag(RST),
                psh: flag(PSH),
                ack: flag(ACK),
                urg: flag(URG),
                ecn: flag(ECE),
                cwr: flag(CWR),
                state: t.state.name(),
            });
        }
        r
    }

    /// The header every record of a flow carries: id, VLANs, endpoints
    /// from the client's side, protocol.
    fn flow_header(&mut self, flow_id: u64, key: &FlowKey, client: Endpoint, server: Endpoint) {
        self.flow_id = Some(flow_id);
        if key.vlan[0] != 0 {
            self.vlan = Some(key.vlan.iter().copied().filter(|v| *v != 0).collect());
        }
        let has_ports = matches!(key.proto, ip_proto::TCP | ip_proto::UDP | ip_proto::SCTP);
        self.src_ip = Some(client.0);
        self.dest_ip = Some(server.0);
        if has_ports {
            self.src_port = Some(client.1);
            self.dest_port = Some(server.1);
        }
        self.proto = Some(proto_name(key.proto));
    }

    /// An `alert` record; `sig` is the alert's entry of the signature table.
    pub fn alert(a: &'a Alert, sig: &'a Signature, utc_offset: i32) -> EveRecord<'a> {
        let mut r = EveRecord::new("alert", a.ts, utc_offset);
        if let Some(f) = &a.flow {
            r.flow_header(f.flow_id, &f.key, f.client, f.server);
            r.app_proto = f.app_proto;
            r.app_proto_orig = f.app_proto_orig;
            r.community_id = Some(community_id(
                0,
                f.client.0,
                f.server.0,
                f.key.proto,
                f.client.1,
                f.server.1,
            ));
        } else if let Some(host) = a.host {
            r.src_ip = Some(host);
        }
        r.alert = Some(AlertObject::new(a, sig));
        r
    }

    /// The record of an application-layer transaction (`dns`, `tls`, …), or
    /// `None` for a transaction Suricata has no record type for.
    pub fn app_event(ev: &'a FlowEvent, utc_offset: i32) -> Option<EveRecord<'a>> {
        let event_type = ev.event.tx.event_type()?;
        let mut r = EveRecord::new(event_type, ev.event.ts, utc_offset);
        let (client, server) = (ev.client(), ev.server());
        r.flow_header(ev.flow_id, &ev.key, client, server);
        r.app_proto = ev.app_proto;
        r.community_id = Some(community_id(
            0,
            client.0,
            server.0,
            ev.key.proto,
            client.1,
            server.1,
        ));
        r.app = Some(&ev.event.tx);
        Some(r)
    }

    /// A `stats` record with the given nested counters.
    pub fn stats(ts: Timestamp, utc_offset: i32, stats: serde_json::Value) -> EveRecord<'a> {
        let mut r = EveRecord::new("stats", ts, utc_offset);
        r.stats = Some(stats);
        r
    }
}

/// The top-level `metadata` object: what kagami knows of a flow that
/// Suricata's schema has no field for, as named flow variables.
#[derive(Debug, Serialize)]
pub struct Metadata {
    pub flowvars: Vec<FlowVar>,
}

/// One named flow variable.
#[derive(Debug, Serialize)]
pub struct FlowVar {
    pub key: &'static str,
    pub value: String,
}

/// The `flow` object.
#[derive(Debug, Serialize)]
pub struct FlowObject {
    pub pkts_toserver: u64,
    pub pkts_toclient: u64,
    pub bytes_toserver: u64,
    pub bytes_toclient: u64,
    pub start: EveTime,
    pub end: EveTime,
    pub age: u64,
    pub state: &'static str,
    pub reason: &'static str,
    pub alerted: bool,
}

/// The `tcp` object of a flow record.
#[derive(Debug, Serialize)]
pub struct TcpObject {
    pub tcp_flags: String,
    pub tcp_flags_ts: String,
    pub tcp_flags_tc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rst: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psh: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urg: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecn: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwr: Option<bool>,
    pub state: &'static str,
}

/// The protocol name Suricata writes in `proto` (IANA keyword), or the number.
pub fn proto_name(proto: u8) -> String {
    match proto {
        ip_proto::ICMP => "ICMP".into(),
        2 => "IGMP".into(),
        ip_proto::TCP => "TCP".into(),
        ip_proto::UDP => "UDP".into(),
        ip_proto::IPV6 => "IPv6".into(),
        ip_proto::GRE => "GRE".into(),
        ip_proto::ESP => "ESP".into(),
        51 => "AH".into(),
        ip_proto::ICMPV6 => "IPv6-ICMP".into(),
        89 => "OSPF".into(),
        103 => "PIM".into(),
        112 => "VRRP".into(),
        ip_proto::SCTP => "SCTP".into(),
        n => n.to_string(),
    }
}
