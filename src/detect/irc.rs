//! `irc`: IRC sessions on any port, and IRC over TLS where it can be told.
//!
//! - Plain IRC is recognised by the application layer from its content
//!   (NICK/USER registration, numeric replies), so port 8000 or 443 does not
//!   hide it. The alert comes with the first transaction the parser hands
//!   over (the first channel joined, a DCC offer, or the session's end) and
//!   names the nick, user, server and channels.
//! - IRC over TLS cannot be read; it is told by the server name (SNI or the
//!   certificate's names) under a public IRC network's domain
//!   (`signatures/irc-networks.txt`) on any port, or by TLS to port 6697 (RFC
//!   7194's IRC-over-TLS port) or 994 (ircs).
//!
//! Hosts in `irc.allow` (either end) never alert.

use super::lists::{DomainList, NetList, list_text};
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError, Detector, Event, EventKind, FlowView};
use crate::config::Config;
use crate::proto::AppTx;

/// The network list as shipped.
pub const EMBEDDED_NETWORKS: &str = include_str!("../../signatures/irc-networks.txt");

/// Ports assigned to IRC over TLS (RFC 7194 §2; IANA `ircs-u` and `ircs`).
const IRC_TLS_PORTS: [u16; 2] = [6697, 994];

/// The `irc` detector.
pub struct IrcDetector {
    allow: NetList,
    networks: DomainList,
    session: SigId,
    tls: SigId,
}

impl IrcDetector {
    /// From `[irc]` and the network list.
    pub fn new(cfg: &Config, sigs: &Signatures) -> Result<IrcDetector, DetectError> {
        let text = list_text(
            &cfg.detect.signatures_dir,
            "irc-networks.txt",
            EMBEDDED_NETWORKS,
        )?;
        let networks = DomainList::parse(&text);
        Ok(IrcDetector {
            allow: NetList::new(&cfg.irc.allow),
            networks,
            session: sigs.id("irc", "session")?,
            tls: sigs.id("irc", "tls")?,
        })
    }
}

fn or_unknown(s: Option<&str>) -> &str {
    s.unwrap_or("(not seen)")
}

impl Detector for IrcDetector {
    fn id(&self) -> &'static str {
        "irc"
    }

    fn interests(&self) -> &'static [EventKind] {
        &[EventKind::Tx]
    }

    fn on_event(&mut self, ev: &Event<'_>, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        if self.allow.contains(flow.client.0) || self.allow.contains(flow.server.0) {
            return;
        }
        match ev {
            Event::Tx(AppTx::Irc(irc)) => {
                let channels = irc.channels.join(",");
                let how = flow
                    .flow
                    .app
                    .as_ref()
                    .and_then(|a| a.evidence())
                    .unwrap_or("IRC messages");
                let evidence = format!(
                    "IRC session from {} to {} port {}: nick {}, server {}, channels {} ({how})",
                    flow.client.0,
                    flow.server.0,
                    flow.server.1,
                    or_unknown(irc.nick.as_deref()),
                    or_unknown(irc.server.as_deref()),
                    if channels.is_empty() {
                        "(none yet)"
                    } else {
                        &channels
                    },
                );
                let mut a = flow
                    .alert(self.session, evidence)
                    .with("irc_channels", irc.channels.clone())
                    .with("irc_dcc_offers", irc.dcc_offers.len())
                    .with("recognised_by", how);
                if let Some(n) = &irc.nick {
                    a = a.with("irc_nick", n.as_str());
                }
                if let Some(u) = &irc.user {
                    a = a.with("irc_user", u.as_str());
                }
                if let Some(s) = &irc.server {
                    a = a.with("irc_server", s.as_str());
                }
                alerts.push(a);
            }
            Event::Tx(AppTx::Tls(tls)) => {
                let names = tls
                    .sni
                    .iter()
                    .map(String::as_str)
                    .chain(tls.certificates.first().into_iter().flat_map(|c| c.names()));
                let mut network = None;
                for name in names {
                    if let Some((_, net)) = self.networks.find(name) {
                        network = Some((name.to_string(), net.to_string()));
                        break;
                    }
                }
                let port = flow.server.1;
                let why = match (&network, IRC_TLS_PORTS.contains(&port)) {
                    (Some((name, net)), _) => format!("server name {name} belongs to {net}"),
                    (None, true) => format!("TLS on port {port}, assigned to IRC over TLS"),
                    (None, false) => return,
                };
                let evidence = format!(
                    "IRC over TLS from {} to {} port {port}: {why}",
                    flow.client.0, flow.server.0
                );
                let mut a = flow.alert(self.tls, evidence);
                if let Some(sni) = &tls.sni {
                    a = a.with("sni", sni.as_str());
                }
                if let Some((_, net)) = network {
                    a = a.with("irc_network", net);
                }
                alerts.push(a);
            }
            _ => {}
        }
    }
}
