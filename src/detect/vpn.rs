//! `vpn`: VPN protocols and commercial VPN services.
//!
//! - A flow whose protocol the application layer recognised as a VPN
//!   (`openvpn`, `wireguard`, `ike`, `pptp`, `l2tp`, `tailscale`) alerts with
//!   that protocol's signature; so does an IPsec ESP flow (IP protocol 50).
//!   The evidence says how the protocol was recognised (the probe's reason)
//!   and the context carries the protocol's facts (opcodes, indexes, …).
//! - A DNS query or TLS server name under a commercial VPN service's domain
//!   (`signatures/vpn-services.txt`) alerts, naming the service.
//!
//! Approved gateways (`vpn.allow`, either end of the flow) and approved
//! service domains (`vpn.allow_domains`) never alert.

use serde_json::{Map, Value};

use super::lists::{DomainList, NetList, list_text};
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError, Detector, Event, EventKind, FlowView};
use crate::config::Config;
use crate::decode::ip_proto;
use crate::proto::AppTx;

/// The service list as shipped.
pub const EMBEDDED_SERVICES: &str = include_str!("../../signatures/vpn-services.txt");

/// The VPN protocols of the application layer, by `app_proto`, with the
/// name the evidence uses.
const PROTOCOLS: [(&str, &str); 6] = [
    ("openvpn", "OpenVPN"),
    ("wireguard", "WireGuard"),
    ("ike", "IPsec (IKE)"),
    ("pptp", "PPTP"),
    ("l2tp", "L2TP"),
    ("tailscale", "Tailscale"),
];

/// The `vpn` detector.
pub struct VpnDetector {
    protocols: bool,
    services: bool,
    allow: NetList,
    allow_domains: DomainList,
    list: DomainList,
    /// Signature per entry of [`PROTOCOLS`].
    proto_sigs: [SigId; 6],
    service_dns: SigId,
    service_tls: SigId,
}

impl VpnDetector {
    /// From `[vpn]` and the service list.
    pub fn new(cfg: &Config, sigs: &Signatures) -> Result<VpnDetector, DetectError> {
        let c = &cfg.vpn;
        let mut proto_sigs = [SigId(0); 6];
        for (slot, (name, _)) in proto_sigs.iter_mut().zip(PROTOCOLS) {
            *slot = sigs.id("vpn", name)?;
        }
        let text = list_text(
            &cfg.detect.signatures_dir,
            "vpn-services.txt",
            EMBEDDED_SERVICES,
        )?;
        let list = DomainList::parse(&text);
        let mut allow_domains = DomainList::default();
        for d in &c.allow_domains {
            allow_domains.insert(d, d);
        }
        Ok(VpnDetector {
            protocols: c.protocols,
            services: c.services,
            allow: NetList::new(&c.allow),
            allow_domains,
            list,
            proto_sigs,
            service_dns: sigs.id("vpn", "service-dns")?,
            service_tls: sigs.id("vpn", "service-tls")?,
        })
    }

    fn allowed(&self, flow: &FlowView<'_>) -> bool {
        self.allow.contains(flow.client.0) || self.allow.contains(flow.server.0)
    }

    /// The service behind `name`, unless approved.
    fn service<'s>(&'s self, name: &str) -> Option<(&'s str, &'s str)> {
        if self.allow_domains.find(name).is_some() {
            return None;
        }
        self.list.find(name)
    }

    fn protocol(&self, proto: &str, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        let Some(i) = PROTOCOLS.iter().position(|(p, _)| *p == proto) else {
            return;
        };
        let (Some((_, label)), Some(&sig)) = (PROTOCOLS.get(i), self.proto_sigs.get(i)) else {
            return;
        };
        let how = flow
            .flow
            .app
            .as_ref()
            .and_then(|a| a.evidence())
            .unwrap_or("recognised by content");
        let mut vars = Map::new();
        if let Some(app) = flow.flow.app.as_ref() {
            for (k, v) in app.flowvars() {
                vars.insert(k.to_string(), Value::String(v));
            }
        }
        let evidence = format!(
            "{label} between {} and {} port {} ({how})",
            flow.client.0, flow.server.0, flow.server.1
        );
        alerts.push(
            flow.alert(sig, evidence)
                .with("vpn_protocol", proto)
                .with("recognised_by", how)
                .with("protocol_facts", vars),
        );
    }
}

impl Detector for VpnDetector {
    fn id(&self) -> &'static str {
        "vpn"
    }

    fn interests(&self) -> &'static [EventKind] {
        &[EventKind::FlowStart, EventKind::AppProto, EventKind::Tx]
    }

    fn on_event(&mut self, ev: &Event<'_>, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        if self.allowed(flow) {
            return;
        }
        match ev {
            Event::FlowStart if self.protocols && flow.key.proto == ip_proto::ESP => {
                let Some(&sig) = self.proto_sigs.get(2) else {
                    return;
                };
                let evidence = format!(
                    "IPsec ESP (IP protocol 50) between {} and {}",
                    flow.client.0, flow.server.0
                );
                alerts.push(
                    flow.alert(sig, evidence)
                        .with("vpn_protocol", "esp")
                        .with("recognised_by", "IP protocol 50"),
                );
            }
            Event::AppProto(p) if self.protocols => self.protocol(p, flow, alerts),
            Event::Tx(AppTx::Dns(dns)) if self.services => {
                for q in &dns.queries {
                    if let Some((suffix, service)) = self.service(&q.rrname) {
                        let evidence = format!(
                            "DNS lookup of {} (a name of {service}) by {}",
                            q.rrname, flow.client.0
                        );
                        alerts.push(
                            flow.alert(self.service_dns, evidence)
                                .with("vpn_service", service)
                                .with("matched_domain", suffix)
                                .with("rrname", q.rrname.as_str()),
                        );
                        return;
                    }
                }
            }
            Event::Tx(AppTx::Tls(tls)) if self.services => {
                let Some(sni) = tls.sni.as_deref() else {
                    return;
                };
                if let Some((suffix, service)) = self.service(sni) {
                    let evidence = format!(
                        "TLS to {} port {} with server name {sni} ({service})",
                        flow.server.0, flow.server.1
                    );
                    alerts.push(
                        flow.alert(self.service_tls, evidence)
                            .with("vpn_service", service)
                            .with("matched_domain", suffix)
                            .with("sni", sni),
                    );
                }
            }
            _ => {}
        }
    }
}
