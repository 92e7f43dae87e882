//! The EVE `smtp` and `email` objects of one message (Suricata's `smtp`
//! record). Suricata writes paths with their angle brackets; so do we.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::SmtpTx;

#[derive(Serialize)]
struct SmtpObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    helo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mail_from: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rcpt_to: Vec<String>,
}

#[derive(Serialize)]
struct EmailObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    to: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cc: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x_mailer: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    attachment: &'a [String],
}

fn bracketed(addr: &str) -> String {
    let mut s = String::with_capacity(addr.len() + 2);
    s.push('<');
    s.push_str(addr);
    s.push('>');
    s
}

impl Serialize for SmtpTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let smtp = SmtpObject {
            helo: self.helo.as_deref(),
            mail_from: self.mail_from.as_deref().map(bracketed),
            rcpt_to: self.rcpt_to.iter().map(|a| bracketed(a)).collect(),
        };
        let email = self.headers.as_ref().map(|h| EmailObject {
            from: h.from.as_deref(),
            to: &h.to,
            cc: &h.cc,
            subject: h.subject.as_deref(),
            message_id: h.message_id.as_deref(),
            date: h.date.as_deref(),
            x_mailer: h.x_mailer.as_deref(),
            attachment: &h.attachments,
        });
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("smtp", &smtp)?;
        if let Some(email) = email {
            map.serialize_entry("email", &email)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::smtp::EmailHeaders;

    #[test]
    fn both_objects() {
        let tx = SmtpTx {
            helo: Some("c.example".into()),
            mail_from: Some("a@c.example".into()),
            rcpt_to: vec!["b@d.example".into()],
            message_size: Some(10),
            headers: Some(EmailHeaders {
                subject: Some("hi".into()),
                to: vec!["b@d.example".into()],
                ..EmailHeaders::default()
            }),
            ..SmtpTx::default()
        };
        assert_eq!(
            serde_json::to_value(&tx).unwrap(),
            serde_json::json!({
                "smtp": {"helo": "c.example", "mail_from": "<a@c.example>", "rcpt_to": ["<b@d.example>"]},
                "email": {"to": ["b@d.example"], "subject": "hi"}
            })
        );
        let session = SmtpTx {
            helo: Some("c.example".into()),
            ..SmtpTx::default()
        };
        assert_eq!(
            serde_json::to_value(&session).unwrap(),
            serde_json::json!({"smtp": {"helo": "c.example"}})
        );
    }
}
