//! `large-mail`: unusually large outbound e-mail.
//!
//! Outbound means a client in the home network handing mail to a server
//! outside it that is not one of the organisation's own mail servers
//! (`large_mail.allow`).
//!
//! - **One message** larger than `large_mail.max_message` alerts when its
//!   SMTP transaction ends (the size is the DATA or BDAT body as sent).
//! - **Over TLS** (STARTTLS, or SMTPS on port 465) the message cannot be
//!   read: when the flow ends, the bytes the client sent after the TLS
//!   handshake began stand in for the size, and the alert says it is an
//!   estimate (it includes TLS overhead and every message of the session).
//! - **A sender's day**: outbound message sizes (and TLS estimates) are
//!   summed per sender (MAIL FROM, or the client's address when the envelope
//!   is hidden by TLS) per UTC day; crossing `large_mail.max_daily` alerts
//!   once per sender per day.

use hashbrown::HashMap;

use super::lists::NetList;
use super::signature::{SigId, Signatures};
use super::{Alert, DetectError, Detector, Event, EventKind, FlowView};
use crate::config::Config;
use crate::flow::Direction;
use crate::proto::AppTx;

/// Most senders tracked in one day (the rest are counted in the alert-less
/// path: their messages still alert one by one).
pub const MAX_SENDERS: usize = 65_536;

/// SMTP submission over implicit TLS (RFC 8314 §7.3).
const SMTPS_PORT: u16 = 465;

const SECONDS_PER_DAY: u64 = 86_400;

/// The `large-mail` detector.
pub struct LargeMailDetector {
    max_message: u64,
    max_daily: u64,
    allow: NetList,
    message: SigId,
    message_tls: SigId,
    daily: SigId,
    /// The UTC day `senders` counts.
    day: u64,
    /// Bytes per sender today, and whether it already alerted.
    senders: HashMap<String, (u64, bool)>,
}

impl LargeMailDetector {
    /// From `[large_mail]`.
    pub fn new(cfg: &Config, sigs: &Signatures) -> Result<LargeMailDetector, DetectError> {
        let c = &cfg.large_mail;
        Ok(LargeMailDetector {
            max_message: c.max_message,
            max_daily: c.max_daily,
            allow: NetList::new(&c.allow),
            message: sigs.id("large-mail", "message")?,
            message_tls: sigs.id("large-mail", "message-tls")?,
            daily: sigs.id("large-mail", "daily-volume")?,
            day: 0,
            senders: HashMap::new(),
        })
    }

    fn outbound(&self, flow: &FlowView<'_>) -> bool {
        flow.outbound() && !self.allow.contains(flow.server.0)
    }

    /// Adds `bytes` to `sender`'s day; alerts when the day crosses the limit.
    fn add_to_day(
        &mut self,
        sender: String,
        bytes: u64,
        flow: &FlowView<'_>,
        alerts: &mut Vec<Alert>,
    ) {
        let day = flow.ts.secs() / SECONDS_PER_DAY;
        if day != self.day {
            self.day = day;
            self.senders.clear();
        }
        if !self.senders.contains_key(&sender) && self.senders.len() >= MAX_SENDERS {
            return;
        }
        let entry = self.senders.entry(sender.clone()).or_insert((0, false));
        entry.0 = entry.0.saturating_add(bytes);
        if entry.0 > self.max_daily && !entry.1 {
            entry.1 = true;
            let total = entry.0;
            let evidence = format!(
                "{sender} sent {} of outbound mail today (UTC), over the daily limit of {}",
                human(total),
                human(self.max_daily)
            );
            alerts.push(
                flow.alert(self.daily, evidence)
                    .with("sender", sender)
                    .with("bytes_today", total)
                    .with("limit", self.max_daily),
            );
        }
    }
}

/// Bytes in binary units for evidence sentences ("30.0 MiB").
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for u in UNITS.iter().skip(1) {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit} ({bytes} bytes)")
}

impl Detector for LargeMailDetector {
    fn id(&self) -> &'static str {
        "large-mail"
    }

    fn interests(&self) -> &'static [EventKind] {
        &[EventKind::Tx, EventKind::FlowEnd]
    }

    fn on_event(&mut self, ev: &Event<'_>, flow: &FlowView<'_>, alerts: &mut Vec<Alert>) {
        if !self.outbound(flow) {
            return;
        }
        match ev {
            Event::Tx(AppTx::Smtp(tx)) => {
                let Some(size) = tx.message_size else {
                    return;
                };
                let sender = tx
                    .mail_from
                    .clone()
                    .unwrap_or_else(|| flow.client.0.to_string());
                if size > self.max_message {
                    let evidence = format!(
                        "outbound mail of {} from {sender} to {} recipient(s) via {} port {}, over the limit of {}",
                        human(size),
                        tx.rcpt_to.len(),
                        flow.server.0,
                        flow.server.1,
                        human(self.max_message)
                    );
                    let mut a = flow
                        .alert(self.message, evidence)
                        .with("message_size", size)
                        .with("size_is_estimate", false)
                        .with("limit", self.max_message)
                        .with("mail_from", sender.as_str())
                        .with("rcpt_to", tx.rcpt_to.clone());
                    if let Some(subject) = tx.headers.as_ref().and_then(|h| h.subject.as_deref()) {
                        a = a.with("subject", subject);
                    }
                    alerts.push(a);
                }
                self.add_to_day(sender.to_lowercase(), size, flow, alerts);
            }
            Event::FlowEnd => {
                let over_starttls =
                    flow.app_proto_orig() == Some("smtp") && flow.app_proto() == Some("tls");
                let implicit = flow.app_proto() == Some("tls")
                    && flow.app_proto_orig().is_none()
                    && flow.server.1 == SMTPS_PORT;
                let sent = if over_starttls {
                    flow.bytes_since_upgrade(Direction::ToServer)
                } else if implicit {
                    Some(flow.payload_bytes(Direction::ToServer))
                } else {
                    None
                };
                let Some(sent) = sent else {
                    return;
                };
                let how = if over_starttls {
                    "after STARTTLS"
                } else {
                    "over SMTPS"
                };
                if sent > self.max_message {
                    let evidence = format!(
                        "about {} sent {how} from {} to {} port {}, over the limit of {}; the size is an estimate (encrypted: TLS overhead and every message of the session included)",
                        human(sent),
                        flow.client.0,
                        flow.server.0,
                        flow.server.1,
                        human(self.max_message)
                    );
                    alerts.push(
                        flow.alert(self.message_tls, evidence)
                            .with("message_size", sent)
                            .with("size_is_estimate", true)
                            .with("limit", self.max_message),
                    );
                }
                self.add_to_day(flow.client.0.to_string(), sent, flow, alerts);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(30 * 1024 * 1024), "30.0 MiB (31457280 bytes)");
        assert_eq!(human(1536), "1.5 KiB (1536 bytes)");
    }
}
