//! Reading EVE files for the report: one line at a time with a bounded line
//! buffer, and the few fields of an alert record the report needs, borrowed
//! from the line. What an alert means for a host is [`super::host`]'s.

use std::borrow::Cow;
use std::io::{self, BufRead};
use std::net::IpAddr;

use serde::Deserialize;

use crate::time::Timestamp;

/// Longest EVE line read, bytes. kagami's own records are a few KiB (an
/// alert's evidence is capped at 2 KiB); a longer line is skipped and counted.
pub const MAX_LINE_LEN: usize = 1 << 20;

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A line is in the buffer (without its `\n` or `\r\n`).
    Read,
    /// The line was longer than the limit; it was consumed and dropped.
    TooLong,
    /// End of the input.
    End,
}

/// Reads the next line into `buf` (cleared first), keeping at most `max`
/// bytes: a longer line is read to its end and dropped, so memory stays
/// bounded whatever the file holds.
pub fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        let (used, done) = {
            let chunk = match r.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(if !seen_any {
                    Line::End
                } else if too_long {
                    Line::TooLong
                } else {
                    trim_cr(buf);
                    Line::Read
                });
            }
            seen_any = true;
            let (part, used, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (chunk.get(..i).unwrap_or(chunk), i.saturating_add(1), true),
                None => (chunk, chunk.len(), false),
            };
            if !too_long {
                if buf.len().saturating_add(part.len()) > max {
                    too_long = true;
                    buf.clear();
                } else {
                    buf.extend_from_slice(part);
                }
            }
            (used, done)
        };
        r.consume(used);
        if done {
            if too_long {
                return Ok(Line::TooLong);
            }
            trim_cr(buf);
            return Ok(Line::Read);
        }
    }
}

fn trim_cr(buf: &mut Vec<u8>) {
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
}

/// The fields of an EVE record the report reads; everything else in the
/// line is skipped by serde without being kept.
#[derive(Debug, Deserialize)]
pub struct Record<'a> {
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub event_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub src_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub dest_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub alert: Option<AlertFields<'a>>,
}

/// The record's `alert` object, as far as the report reads it.
#[derive(Debug, Deserialize)]
pub struct AlertFields<'a> {
    #[serde(default)]
    pub signature_id: Option<u64>,
    #[serde(borrow, default)]
    pub signature: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub metadata: Option<MetadataFields<'a>>,
    #[serde(borrow, default)]
    pub context: Option<ContextFields<'a>>,
}

/// `alert.metadata`: kagami's indicator names.
#[derive(Debug, Deserialize)]
pub struct MetadataFields<'a> {
    #[serde(borrow, default)]
    pub indicator: Vec<Cow<'a, str>>,
}

/// `alert.context`: the evidence sentence.
#[derive(Debug, Deserialize)]
pub struct ContextFields<'a> {
    #[serde(borrow, default)]
    pub evidence: Option<Cow<'a, str>>,
}

/// Parses an EVE timestamp (`2026-11-22T10:00:00.123456+0900`) or an
/// RFC 3339 one (`2026-11-22T01:00:00Z`) into packet time.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let t = chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(s))
        .ok()?;
    Some(Timestamp::from_parts(
        t.timestamp(),
        t.timestamp_subsec_nanos(),
    ))
}

/// An address as EVE writes it.
pub fn parse_ip(s: Option<&str>) -> Option<IpAddr> {
    s.and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(Line, String)> {
        let mut r = io::BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let l = read_line(&mut r, &mut buf, max).unwrap();
            if l == Line::End {
                return out;
            }
            out.push((l, String::from_utf8(buf.clone()).unwrap()));
        }
    }

    #[test]
    fn lines_are_split_and_long_ones_dropped() {
        let got = lines(b"abc\r\n0123456789\n\nxy", 5);
        assert_eq!(
            got,
            [
                (Line::Read, "abc".to_string()),
                (Line::TooLong, String::new()),
                (Line::Read, String::new()),
                (Line::Read, "xy".to_string()),
            ]
        );
        // A too-long last line without a newline is still reported.
        assert_eq!(lines(b"0123456789", 5), [(Line::TooLong, String::new())]);
        assert!(lines(b"", 5).is_empty());
    }

    #[test]
    fn eve_and_rfc3339_times_parse_to_the_same_instant() {
        let a = parse_time("2026-11-22T10:00:00.123456+0900").unwrap();
        let b = parse_time("2026-11-22T01:00:00.123456Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.subsec_nanos(), 123_456_000);
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("2026-11-22").is_none());
    }

    #[test]
    fn an_alert_record_yields_its_fields() {
        let line = r#"{"timestamp":"2026-11-22T10:00:00.000000+0900","event_type":"alert","src_ip":"10.1.2.3","dest_ip":"38.229.70.53","alert":{"signature_id":8100002,"signature":"KAGAMI Tor","metadata":{"indicator":["tor"],"insider_threat":["sabotage:low"]},"context":{"evidence":"seen","x":1}},"tls":{"sni":"a"}}"#;
        let r: Record<'_> = serde_json::from_str(line).unwrap();
        assert_eq!(r.event_type.as_deref(), Some("alert"));
        let a = r.alert.unwrap();
        assert_eq!(a.signature_id, Some(8_100_002));
        assert_eq!(a.metadata.unwrap().indicator, ["tor"]);
        assert_eq!(a.context.unwrap().evidence.as_deref(), Some("seen"));
        assert_eq!(
            parse_ip(r.src_ip.as_deref()),
            Some("10.1.2.3".parse().unwrap())
        );
    }
}
