//! `tor`: Tor and anonymising services, three ways.
//!
//! - **Relay list**: a flow to an address in the Tor relay list (the seed in
//!   `signatures/tor-relays.txt` plus what `kagami intel update` fetched into
//!   the state directory) alerts at its first packet.
//! - **TLS handshake**, on any port and without the list: Tor dresses its
//!   link TLS with made-up names. Clients send a server name
//!   `www.<8–20 random base32 characters>.com` (or `.net`) and no ALPN (every
//!   browser sends ALPN); relays answering TLS ≤ 1.2 show a certificate for
//!   such a name issued by another such name. Either raises the alert.
//! - **Names**: a `.onion` name in a DNS query, TLS SNI or HTTP Host (a
//!   client looking for a hidden service outside Tor, or a proxy leaking it),
//!   and names under a Tor2web gateway (`signatures/tor2web.txt`).
//!
//! Hosts in `tor.allow` (either end) never alert.

use std::net::IpAddr;

use super::intel::RelaySet;
use super::lists::{DomainList, NetList, list_text};
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError, Detector, Event, EventKind, FlowView};
use crate::config::Config;
use crate::proto::AppTx;
use crate::proto::tls::TlsTx;

/// The Tor2web list as shipped.
pub const EMBEDDED_TOR2WEB: &str = include_str!("../../signatures/tor2web.txt");

/// Lengths of the random part of Tor's made-up host names (Tor's
/// `crypto_random_hostname(8, 20, "www.", ".com")`).
const RANDOM_NAME_LEN: std::ops::RangeInclusive<usize> = 8..=20;

/// The `tor` detector.
pub struct TorDetector {
    relay_list: bool,
    tls_handshake: bool,
    onion_names: bool,
    allow: NetList,
    relays: RelaySet,
    tor2web: DomainList,
    sig_relay: SigId,
    sig_tls: SigId,
    sig_onion: SigId,
    sig_tor2web: SigId,
}

impl TorDetector {
    /// From `[tor]`, the relay list and the Tor2web list; `warnings` gets
    /// what the operator should know (an old or partly unreadable list).
    pub fn new(
        cfg: &Config,
        sigs: &Signatures,
        warnings: &mut Vec<String>,
    ) -> Result<TorDetector, DetectError> {
        let c = &cfg.tor;
        let relays = if c.relay_list {
            let (set, w) = RelaySet::load(cfg).map_err(|e| DetectError::Setup {
                what: "tor relay list".into(),
                message: e.to_string(),
            })?;
            warnings.extend(w);
            set
        } else {
            RelaySet::default()
        };
        let text = list_text(&cfg.detect.signatures_dir, "tor2web.txt", EMBEDDED_TOR2WEB)?;
        Ok(TorDetector {
            relay_list: c.relay_list,
            tls_handshake: c.tls_handshake,
            onion_names: c.onion_names,
            allow: NetList::new(&c.allow),
            relays,
            tor2web: DomainList::parse(&text),
            sig_relay: sigs.id("tor", "relay-list")?,
            sig_tls: sigs.id("tor", "tls-handshake")?,
            sig_onion: sigs.id("tor", "onion-name")?,
            sig_tor2web: sigs.id("tor", "tor2web")?,
        })
    }

    /// Relays in the list.
    pub fn relays(&self) -> usize {
        self.relays.len()
    }

    /// Alerts for a name seen in `place` ("DNS query", "TLS SNI", "HTTP Host").
    fn name(&self, name: &str, place: &str, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        let trimmed = name.trim_end_matches('.');
        let lower = trimmed.to_ascii_lowercase();
        if lower.ends_with(".onion") || lower == "onion" {
            let evidence = format!(
                "{place} for the Tor hidden-service name {trimmed} from {}",
                flow.client.0
            );
            alerts.push(
                flow.alert(self.sig_onion, evidence)
                    .with("name", trimmed)
                    .with("seen_in", place),
            );
        } else if let Some((suffix, label)) = self.tor2web.find(&lower) {
            let evidence = format!(
                "{place} for {trimmed}, a {label} gateway to .onion services, from {}",
                flow.client.0
            );
            alerts.push(
                flow.alert(self.sig_tor2web, evidence)
                    .with("name", trimmed)
                    .with("gateway", suffix)
                    .with("seen_in", place),
            );
        }
    }

    fn tls(&self, tls: &TlsTx, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        let no_alpn = tls.client.as_ref().is_some_and(|c| c.alpns.is_empty());
        if let Some(sni) = tls.sni.as_deref() {
            if no_alpn && tor_like_name(sni) {
                let evidence = format!(
                    "TLS from {} to {} port {} with Tor's made-up server name {sni} and no ALPN (browsers always send ALPN)",
                    flow.client.0, flow.server.0, flow.server.1
                );
                let mut a = flow
                    .alert(self.sig_tls, evidence)
                    .with("sni", sni)
                    .with("client_alpn", false);
                if let Some(j) = &tls.ja3 {
                    a = a.with("ja3", j.hash.as_str());
                }
                alerts.push(a);
                return;
            }
        }
        if let Some(cert) = tls.certificates.first() {
            let (Some(subject), Some(issuer)) = (cert.subject_cn(), cert.issuer_cn()) else {
                return;
            };
            if subject != issuer && tor_like_name(subject) && tor_like_name(issuer) {
                let evidence = format!(
                    "TLS from {} to {} port {}: certificate for {subject} issued by {issuer}, both Tor's made-up names (a Tor relay's link certificate)",
                    flow.client.0, flow.server.0, flow.server.1
                );
                alerts.push(
                    flow.alert(self.sig_tls, evidence)
                        .with("certificate_subject", subject)
                        .with("certificate_issuer", issuer),
                );
            }
        }
    }
}

/// Whether `name` is `www.<random>.com` or `.net` the way Tor makes them:
/// 8–20 characters of base32 (`a-z`, `2-7`) that do not read as words
/// (a digit, or no vowel for 4 letters running, or few vowels overall).
pub fn tor_like_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("www.") else {
        return false;
    };
    let Some(random) = rest
        .strip_suffix(".com")
        .or_else(|| rest.strip_suffix(".net"))
    else {
        return false;
    };
    if !RANDOM_NAME_LEN.contains(&random.len())
        || !random
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    {
        return false;
    }
    let has_digit = random.bytes().any(|b| b.is_ascii_digit());
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut run = 0usize;
    let mut longest_run = 0usize;
    let mut vowels = 0usize;
    for b in random.bytes() {
        if vowel(b) {
            vowels += 1;
            run = 0;
        } else {
            run += 1;
            longest_run = longest_run.max(run);
        }
    }
    has_digit || longest_run >= 5 || vowels * 5 < random.len()
}

impl Detector for TorDetector {
    fn id(&self) -> &'static str {
        "tor"
    }

    fn interests(&self) -> &'static [EventKind] {
        &[EventKind::FlowStart, EventKind::Tx]
    }

    fn on_event(&mut self, ev: &Event<'_>, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        if self.allow.contains(flow.client.0) || self.allow.contains(flow.server.0) {
            return;
        }
        match ev {
            Event::FlowStart if self.relay_list => {
                let relay: Option<IpAddr> = [flow.server.0, flow.client.0]
                    .into_iter()
                    .find(|ip| self.relays.contains(*ip));
                if let Some(ip) = relay {
                    let other = if ip == flow.server.0 {
                        flow.client.0
                    } else {
                        flow.server.0
                    };
                    let evidence = format!(
                        "{other} connected with the Tor relay {ip} (published relay list, {} relays)",
                        self.relays.len()
                    );
                    alerts.push(
                        flow.alert(self.sig_relay, evidence)
                            .with("relay", ip.to_string()),
                    );
                }
            }
            Event::Tx(AppTx::Tls(tls)) => {
                if self.tls_handshake {
                    self.tls(tls, flow, alerts);
                }
                if self.onion_names {
                    if let Some(sni) = tls.sni.as_deref() {
                        self.name(sni, "TLS SNI", flow, alerts);
                    }
                }
            }
            Event::Tx(AppTx::Dns(dns)) if self.onion_names && !dns.response => {
                for q in &dns.queries {
                    self.name(&q.rrname, "DNS query", flow, alerts);
                }
            }
            Event::Tx(AppTx::Http(http)) if self.onion_names => {
                if let Some(host) = http.hostname.as_deref() {
                    self.name(host, "HTTP Host", flow, alerts);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tor_like_name;

    #[test]
    fn tor_names_and_real_names() {
        // Shapes Tor makes (from Tor's generator's alphabet and lengths).
        for n in [
            "www.4gk67zpn3brh7qxg.com",
            "www.e4od3hnssyu6g.com",
            "www.qxzkvbwt.net",
            "www.bcdfghjkl.com",
        ] {
            assert!(tor_like_name(n), "{n}");
        }
        // Real names of the same outline.
        for n in [
            "www.facebookmail.com",
            "www.wikipedia.com",
            "www.amazon.com",
            "www.microsoftonline.com",
            "www.google.com",
            "www.2hostname.org",
            "www.WWWABCDEFGH.com",
            "mail.4gk67zpn3brh7qxg.com",
            "www.4gk67zpn3brh7qxg1.com",
            "www.abcdefghijklmnopqrstuvw.com",
        ] {
            assert!(!tor_like_name(n), "{n}");
        }
    }
}
