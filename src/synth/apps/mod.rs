//! Application payloads with real wire formats: DHCP, DNS, TLS 1.2 handshakes and
//! records, HTTP/1.1 and SMTP dialogues, plus deterministic filler text.

pub(crate) mod dhcp;
pub(crate) mod dns;
pub(crate) mod http;
pub(crate) mod smtp;
pub(crate) mod tls;

use super::rng::Rng;

const WORDS: &[&str] = &[
    "the",
    "quarterly",
    "report",
    "network",
    "office",
    "meeting",
    "budget",
    "project",
    "schedule",
    "review",
    "customer",
    "update",
    "please",
    "find",
    "attached",
    "draft",
    "security",
    "policy",
    "team",
    "release",
    "notes",
    "server",
    "migration",
    "plan",
    "invoice",
    "approval",
    "deadline",
    "summary",
    "of",
    "and",
    "for",
    "with",
    "next",
    "week",
    "results",
    "analysis",
    "support",
    "request",
    "ticket",
    "access",
];

/// Appends about `len` bytes of lower-case English-looking text made of
/// lines of at most 72 characters separated by CRLF, never starting with '.'.
pub(crate) fn filler_text(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let end = out.len() + len;
    let mut line = 0usize;
    while out.len() < end {
        let w = rng.pick(WORDS).as_bytes();
        if line + w.len() + 1 > 72 {
            out.extend_from_slice(b"\r\n");
            line = 0;
            continue;
        }
        if line > 0 {
            out.push(b' ');
            line += 1;
        }
        out.extend_from_slice(w);
        line += w.len();
    }
    out.truncate(end);
    // Do not end in the middle of a CRLF pair.
    if out.last() == Some(&b'\r') {
        out.pop();
        out.push(b'x');
    }
}

/// Appends `len` bytes of base64-alphabet lines (76 characters + CRLF).
pub(crate) fn base64_lines(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let end = out.len() + len;
    let mut col = 0;
    while out.len() < end {
        if col == 76 {
            out.extend_from_slice(b"\r\n");
            col = 0;
        } else {
            out.push(ALPHA[(rng.next_u32() & 63) as usize]);
            col += 1;
        }
    }
    out.truncate(end);
    if out.last() == Some(&b'\r') {
        out.pop();
        out.push(b'A');
    }
}
