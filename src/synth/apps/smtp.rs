//! SMTP dialogue (no STARTTLS): banner, EHLO, MAIL FROM, RCPT TO, DATA with a
//! MIME message (text part, optional base64 attachment), QUIT.

use std::io::Write;

use super::super::flow::Dir;
use super::super::rng::Rng;
use super::{base64_lines, filler_text};

/// Parameters of one mail transaction.
pub(crate) struct Mail<'a> {
    /// Sending host name (EHLO argument).
    pub helo: &'a str,
    /// Receiving MX host name (in the banner).
    pub mx: &'a str,
    /// Envelope and header sender.
    pub from: &'a str,
    /// Envelope and header recipient.
    pub to: &'a str,
    /// Subject header.
    pub subject: &'a str,
    /// Approximate size of the message body in bytes.
    pub body_len: usize,
}

/// The full dialogue as (direction, bytes) turns, server banner first.
pub(crate) fn dialogue(rng: &mut Rng, m: &Mail<'_>) -> Vec<(Dir, Vec<u8>)> {
    let s = |t: String| (Dir::ToClient, t.into_bytes());
    let c = |t: String| (Dir::ToServer, t.into_bytes());
    let qid: String = (0..10)
        .map(|_| char::from(b"0123456789ABCDEF"[rng.below(16) as usize]))
        .collect();
    let mut turns = vec![
        s(format!("220 {} ESMTP Postfix\r\n", m.mx)),
        c(format!("EHLO {}\r\n", m.helo)),
        s(format!(
            "250-{}\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-VRFY\r\n\
             250-ETRN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n",
            m.mx
        )),
        c(format!(
            "MAIL FROM:<{}> SIZE={}\r\n",
            m.from,
            m.body_len + 600
        )),
        s("250 2.1.0 Ok\r\n".to_string()),
        c(format!("RCPT TO:<{}>\r\n", m.to)),
        s("250 2.1.5 Ok\r\n".to_string()),
        c("DATA\r\n".to_string()),
        s("354 End data with <CR><LF>.<CR><LF>\r\n".to_string()),
    ];
    turns.push((Dir::ToServer, message(rng, m)));
    turns.push(s(format!("250 2.0.0 Ok: queued as {qid}\r\n")));
    turns.push(c("QUIT\r\n".to_string()));
    turns.push(s("221 2.0.0 Bye\r\n".to_string()));
    turns
}

/// The opening of a session that switches to TLS: banner, EHLO offering
/// STARTTLS, STARTTLS and the server's 220 (RFC 3207 §4). What follows is TLS.
pub(crate) fn starttls_opening(m: &Mail<'_>) -> Vec<(Dir, Vec<u8>)> {
    vec![
        (
            Dir::ToClient,
            format!("220 {} ESMTP Postfix\r\n", m.mx).into_bytes(),
        ),
        (Dir::ToServer, format!("EHLO {}\r\n", m.helo).into_bytes()),
        (
            Dir::ToClient,
            format!(
                "250-{}\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250 STARTTLS\r\n",
                m.mx
            )
            .into_bytes(),
        ),
        (Dir::ToServer, b"STARTTLS\r\n".to_vec()),
        (Dir::ToClient, b"220 2.0.0 Ready to start TLS\r\n".to_vec()),
    ]
}

/// The DATA content including the terminating "\r\n.\r\n".
fn message(rng: &mut Rng, m: &Mail<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.body_len + 1024);
    let boundary = format!("=_synth_{:016x}", rng.next_u64());
    let _ = write!(
        out,
        "Date: Tue, 24 Nov 2026 09:{:02}:00 +0000\r\nFrom: <{}>\r\nTo: <{}>\r\n\
         Subject: {}\r\nMessage-ID: <{:016x}@{}>\r\nMIME-Version: 1.0\r\n",
        rng.below(15),
        m.from,
        m.to,
        m.subject,
        rng.next_u64(),
        m.helo
    );
    let text_len = m.body_len.min(3000);
    let attach_len = m.body_len - text_len;
    if attach_len < 200 {
        out.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        filler_text(rng, m.body_len, &mut out);
    } else {
        let _ = write!(
            out,
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
             This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n\
             Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        );
        filler_text(rng, text_len, &mut out);
        let _ = write!(
            out,
            "\r\n\r\n--{boundary}\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n"
        );
        base64_lines(rng, attach_len, &mut out);
        let _ = write!(out, "\r\n\r\n--{boundary}--");
    }
    out.extend_from_slice(b"\r\n.\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialogue_shape() {
        let mut r = Rng::new(9);
        let m = Mail {
            helo: "mail.corp.example",
            mx: "mx.partner.example.net",
            from: "a@corp.example",
            to: "b@partner.example.net",
            subject: "hi",
            body_len: 50_000,
        };
        let d = dialogue(&mut r, &m);
        assert!(d[0].1.starts_with(b"220 "));
        assert!(d.last().unwrap().1.starts_with(b"221 "));
        let data = &d[9].1;
        assert!(data.ends_with(b"\r\n.\r\n"));
        assert!(data.len() > 50_000);
        // No line of the body may start with a dot (would need dot-stuffing).
        assert!(!data[..data.len() - 3].windows(3).any(|w| w == b"\n.\r"));
    }
}
