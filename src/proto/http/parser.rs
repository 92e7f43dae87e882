//! HTTP/1.x message heads (RFC 9112): request and status lines and header
//! fields through httparse, plus the pieces httparse leaves to its caller:
//! which header fields frame the body (RFC 9112 §6), chunk-size lines
//! (§7.1), the Host field's port (RFC 9110 §7.2) and the probe's check of
//! a first line. Pure functions over borrowed bytes.

use crate::proto::util::{parse_decimal, trim};
use thiserror::Error;

/// Most header fields one message head may carry; more is a parse error
/// (an attack or not HTTP). RFC 9112 sets no limit; servers use ~100.
pub const MAX_HEADERS: usize = 128;

/// Longest chunk-size line (RFC 9112 §7.1: size, extensions, CRLF) or
/// trailer line we wait for, in bytes.
pub const MAX_CHUNK_LINE: usize = 4096;

/// Longest request line the probe waits for before deciding on what it has.
pub const MAX_PROBE_LINE: usize = 2048;

/// Request methods the probe accepts (RFC 9110 §9, WebDAV RFC 4918, RFC 5789).
pub const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"PATCH",
    b"TRACE",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKACTIVITY",
    b"CHECKOUT",
    b"MERGE",
    b"PURGE",
];

/// Why a message head did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HttpError {
    #[error("malformed message head: {0}")]
    Head(httparse::Error),
    #[error("content-length {0:?} is not a number")]
    BadContentLength(String),
    #[error("chunk-size line is malformed")]
    BadChunkSize,
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
}

/// The header fields kagami keeps from a message head, borrowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadFields<'a> {
    pub host: Option<&'a [u8]>,
    pub user_agent: Option<&'a [u8]>,
    pub content_type: Option<&'a [u8]>,
    pub referer: Option<&'a [u8]>,
    pub location: Option<&'a [u8]>,
    pub content_disposition: Option<&'a [u8]>,
    /// Content-Length (RFC 9112 §6.3 item 5), if present and valid.
    pub content_length: Option<u64>,
    /// Transfer-Encoding ends in `chunked` (RFC 9112 §6.3 item 4).
    pub chunked: bool,
    /// Any Transfer-Encoding at all.
    pub transfer_encoding: bool,
}

/// A request head (RFC 9112 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead<'a> {
    pub method: &'a str,
    pub target: &'a str,
    /// Minor version: `HTTP/1.<version>`.
    pub version: u8,
    pub fields: HeadFields<'a>,
}

/// A response head (RFC 9112 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead<'a> {
    pub version: u8,
    pub status: u16,
    pub fields: HeadFields<'a>,
}

/// Ok(None): the head is not complete yet.
pub type HeadResult<T> = Result<Option<(usize, T)>, HttpError>;

fn config() -> httparse::ParserConfig {
    let mut c = httparse::ParserConfig::default();
    c.allow_multiple_spaces_in_request_line_delimiters(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .ignore_invalid_headers_in_responses(true);
    c
}

/// Blank lines before a message are ignored (RFC 9112 §2.2).
pub fn leading_blank_lines(data: &[u8]) -> usize {
    data.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// Whether `data` holds the end of a head (an empty line), so httparse is
/// only asked once the head is whole.
fn head_complete(data: &[u8]) -> bool {
    memchr::memmem::find(data, b"\n\r\n").is_some() || memchr::memmem::find(data, b"\n\n").is_some()
}

/// Parses a request head; returns its length in bytes and the head.
pub fn parse_request(data: &[u8]) -> HeadResult<RequestHead<'_>> {
    if !head_complete(data) {
        return Ok(None);
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let n = match config().parse_request(&mut req, data) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(HttpError::Head(e)),
    };
    let fields = fields(req.headers)?;
    Ok(Some((
        n,
        RequestHead {
            method: req.method.unwrap_or(""),
            target: req.path.unwrap_or(""),
            version: req.version.unwrap_or(1),
            fields,
        },
    )))
}

/// Parses a response head; returns its length in bytes and the head.
pub fn parse_response(data: &[u8]) -> HeadResult<ResponseHead<'_>> {
    if !head_complete(data) {
        return Ok(None);
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let n = match config().parse_response(&mut resp, data) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(HttpError::Head(e)),
    };
    let fields = fields(resp.headers)?;
    Ok(Some((
        n,
        ResponseHead {
            version: resp.version.unwrap_or(1),
            status: resp.code.unwrap_or(0),
            fields,
        },
    )))
}

fn fields<'a>(headers: &[httparse::Header<'a>]) -> Result<HeadFields<'a>, HttpError> {
    let mut f = HeadFields::default();
    for h in headers {
        let v = trim(h.value);
        let name = h.name;
        if name.eq_ignore_ascii_case("host") {
            f.host.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("user-agent") {
            f.user_agent.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("content-type") {
            f.content_type.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("referer") {
            f.referer.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("location") {
            f.location.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("content-disposition") {
            f.content_disposition.get_or_insert(v);
        } else if name.eq_ignore_ascii_case("content-length") {
            // A list of identical values is allowed (RFC 9112 §6.3 item 5).
            for part in v.split(|&b| b == b',') {
                let n = parse_decimal(trim(part))
                    .ok_or_else(|| HttpError::BadContentLength(crate::proto::util::lossy(v, 32)))?;
                match f.content_length {
                    Some(old) if old != n => {
                        return Err(HttpError::BadContentLength(crate::proto::util::lossy(
                            v, 32,
                        )));
                    }
                    _ => f.content_length = Some(n),
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            f.transfer_encoding = true;
            let last = v.rsplit(|&b| b == b',').next().map(trim).unwrap_or(&[]);
            f.chunked = last.eq_ignore_ascii_case(b"chunked");
        }
    }
    Ok(f)
}

/// The size on a chunk-size line (RFC 9112 §7.1: hex digits, then optional
/// `;extensions`), the line without its line end.
pub fn parse_chunk_size(line: &[u8]) -> Result<u64, HttpError> {
    let end = line
        .iter()
        .position(|b| matches!(b, b';' | b' ' | b'\t'))
        .unwrap_or(line.len());
    let digits = line.get(..end).unwrap_or(&[]);
    let digits = trim(digits);
    if digits.is_empty() {
        return Err(HttpError::BadChunkSize);
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let d = char::from(b).to_digit(16).ok_or(HttpError::BadChunkSize)?;
        n.checked_mul(16)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or(HttpError::BadChunkSize)
    })
}

/// Splits a Host value (RFC 9110 §7.2: `uri-host [ ":" port ]`, an IPv6
/// literal in brackets) into host and port. A port that is not a number
/// is left in the host.
pub fn split_host(host: &[u8]) -> (&[u8], Option<u16>) {
    let colon = if host.first() == Some(&b'[') {
        // `[v6]:port`: the colon after the closing bracket.
        match memchr::memchr(b']', host) {
            Some(close) if host.get(close + 1) == Some(&b':') => Some(close + 1),
            _ => None,
        }
    } else {
        memchr::memrchr(b':', host)
    };
    let Some(colon) = colon else {
        return (host, None);
    };
    let name = host.get(..colon).unwrap_or(host);
    let port = host
        .get(colon + 1..)
        .and_then(parse_decimal)
        .and_then(|p| u16::try_from(p).ok());
    match port {
        Some(p) => (name, Some(p)),
        None => (host, None),
    }
}

/// The authority of an absolute-form request target (`http://host:port/x`,
/// RFC 9112 §3.2.2), used when a proxy request carries no Host field.
pub fn target_authority(target: &[u8]) -> Option<&[u8]> {
    let scheme_end = memchr::memmem::find(target, b"://")?;
    let rest = target.get(scheme_end + 3..)?;
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let auth = rest.get(..end)?;
    // Drop `userinfo@`.
    let auth = match memchr::memrchr(b'@', auth) {
        Some(at) => auth.get(at + 1..)?,
        None => auth,
    };
    (!auth.is_empty()).then_some(auth)
}

/// What the probe makes of the first bytes of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLine {
    Request,
    Response,
    No,
    NeedMore,
}

/// Whether `data` starts with a request line: a known method, one space, a
/// request target without spaces or controls, one space and `HTTP/1.`.
pub fn request_line(data: &[u8]) -> FirstLine {
    let token_end = data.iter().position(|&b| b == b' ').unwrap_or(data.len());
    let token = data.get(..token_end).unwrap_or(data);
    let known = METHODS.contains(&token);
    if token_end == data.len() {
        // No space yet: still a prefix of some method?
        let prefix = METHODS
            .iter()
            .any(|m| m.len() > token.len() && m.starts_with(token));
        return if prefix || known {
            FirstLine::NeedMore
        } else {
            FirstLine::No
        };
    }
    if !known {
        return FirstLine::No;
    }
    let rest = data.get(token_end + 1..).unwrap_or(&[]);
    let target_end = rest
        .iter()
        .position(|&b| b <= b' ' || b == 0x7f)
        .unwrap_or(rest.len());
    if target_end == rest.len() {
        // A target this long without a space: an origin- or absolute-form
        // URI of printable bytes is a request; anything else is not.
        return if rest.len() < MAX_PROBE_LINE {
            FirstLine::NeedMore
        } else if rest.starts_with(b"/") || rest.starts_with(b"http://") {
            FirstLine::Request
        } else {
            FirstLine::No
        };
    }
    if target_end == 0 || rest.get(target_end) != Some(&b' ') {
        return FirstLine::No;
    }
    let version = rest.get(target_end + 1..).unwrap_or(&[]);
    prefix_verdict(version, b"HTTP/1.", FirstLine::Request)
}

/// Whether `data` starts with a status line: `HTTP/1.x ddd`.
pub fn status_line(data: &[u8]) -> FirstLine {
    match prefix_verdict(data, b"HTTP/1.", FirstLine::Response) {
        FirstLine::Response => {}
        other => return other,
    }
    let Some(rest) = data.get(7..12) else {
        // Check what we have of `x ddd`.
        let have = data.get(7..).unwrap_or(&[]);
        let ok = have.iter().enumerate().all(|(i, &b)| match i {
            1 => b == b' ',
            _ => b.is_ascii_digit(),
        });
        return if ok {
            FirstLine::NeedMore
        } else {
            FirstLine::No
        };
    };
    let ok = rest.iter().enumerate().all(|(i, &b)| match i {
        1 => b == b' ',
        _ => b.is_ascii_digit(),
    });
    if ok {
        FirstLine::Response
    } else {
        FirstLine::No
    }
}

fn prefix_verdict(data: &[u8], want: &[u8], yes: FirstLine) -> FirstLine {
    let n = data.len().min(want.len());
    if data.get(..n) != want.get(..n) {
        FirstLine::No
    } else if n < want.len() {
        FirstLine::NeedMore
    } else {
        yes
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A GET with the fields kagami logs.
    pub static GET: &[u8] = b"GET /dl/setup.exe?v=2 HTTP/1.1\r\n\
        Host: files.example.org:8080\r\n\
        User-Agent: kagami-test/1.0\r\n\
        Referer: http://www.example.org/\r\n\
        \r\n";

    /// Its response: a 7-byte body by Content-Length.
    pub static RESP_200: &[u8] = b"HTTP/1.1 200 OK\r\n\
        Content-Type: application/octet-stream\r\n\
        Content-Disposition: attachment; filename=\"setup.exe\"\r\n\
        Content-Length: 7\r\n\
        \r\n\
        MZ\x90\x00\x03\x00\x00";

    /// A chunked response: chunks of 5 and 0x10 bytes, an extension, a trailer.
    pub static RESP_CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\n\
        Transfer-Encoding: gzip, chunked\r\n\
        \r\n\
        5\r\n\
        hello\r\n\
        10;ext=1\r\n\
        0123456789abcdef\r\n\
        0\r\n\
        X-Trailer: 1\r\n\
        \r\n";

    #[test]
    fn request_head() {
        let (n, r) = parse_request(GET).unwrap().unwrap();
        assert_eq!(n, GET.len());
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/dl/setup.exe?v=2");
        assert_eq!(r.version, 1);
        assert_eq!(r.fields.host, Some(&b"files.example.org:8080"[..]));
        assert_eq!(r.fields.user_agent, Some(&b"kagami-test/1.0"[..]));
        assert_eq!(r.fields.content_length, None);
    }

    #[test]
    fn response_heads() {
        let (n, r) = parse_response(RESP_200).unwrap().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.fields.content_length, Some(7));
        assert_eq!(RESP_200.len() - n, 7);
        let (_, c) = parse_response(RESP_CHUNKED).unwrap().unwrap();
        assert!(c.fields.chunked);
    }

    #[test]
    fn every_truncation_is_incomplete_not_a_panic() {
        for cut in 0..GET.len() {
            assert_eq!(parse_request(&GET[..cut]), Ok(None), "cut at {cut}");
        }
        let head = RESP_200.len() - 7;
        for cut in 0..head {
            assert_eq!(parse_response(&RESP_200[..cut]), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn content_length_forms() {
        let h = |cl: &str| {
            let m = format!("HTTP/1.1 200 OK\r\nContent-Length: {cl}\r\n\r\n");
            parse_response(m.as_bytes()).map(|r| r.map(|(_, r)| r.fields.content_length))
        };
        assert_eq!(h("0"), Ok(Some(Some(0))));
        assert_eq!(h("5, 5"), Ok(Some(Some(5))));
        assert!(h("5, 6").is_err());
        assert!(h("-1").is_err());
        assert!(h("99999999999999999999999").is_err());
        assert_eq!(h("18446744073709551615"), Ok(Some(Some(u64::MAX))));
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(parse_chunk_size(b"0"), Ok(0));
        assert_eq!(parse_chunk_size(b"1aF;name=v"), Ok(0x1af));
        assert_eq!(parse_chunk_size(b"10 "), Ok(16));
        assert!(parse_chunk_size(b"").is_err());
        assert!(parse_chunk_size(b"xyz").is_err());
        assert!(parse_chunk_size(b"fffffffffffffffff").is_err());
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            split_host(b"a.example:8080"),
            (&b"a.example"[..], Some(8080))
        );
        assert_eq!(split_host(b"a.example"), (&b"a.example"[..], None));
        assert_eq!(split_host(b"[::1]:81"), (&b"[::1]"[..], Some(81)));
        assert_eq!(split_host(b"[::1]"), (&b"[::1]"[..], None));
        assert_eq!(split_host(b"a:99999"), (&b"a:99999"[..], None));
        assert_eq!(split_host(b"a:"), (&b"a:"[..], None));
        assert_eq!(
            target_authority(b"http://u:p@proxy.example:3128/x"),
            Some(&b"proxy.example:3128"[..])
        );
        assert_eq!(target_authority(b"/x"), None);
    }

    #[test]
    fn first_lines() {
        assert_eq!(request_line(GET), FirstLine::Request);
        assert_eq!(
            request_line(b"CONNECT a.example:443 HTTP/1.1\r\n"),
            FirstLine::Request
        );
        assert_eq!(request_line(b"GE"), FirstLine::NeedMore);
        assert_eq!(request_line(b"GET /x"), FirstLine::NeedMore);
        assert_eq!(request_line(b"GET /x HTT"), FirstLine::NeedMore);
        assert_eq!(request_line(b"GET /x RTSP/1.0\r\n"), FirstLine::No);
        assert_eq!(
            request_line(b"OPTIONS rtsp://a/ RTSP/1.0\r\n"),
            FirstLine::No
        );
        assert_eq!(request_line(b"INVITE sip:a SIP/2.0\r\n"), FirstLine::No);
        assert_eq!(request_line(b"GET  /x HTTP/1.1"), FirstLine::No);
        assert_eq!(request_line(b"\x16\x03\x01\x02\x00"), FirstLine::No);
        assert_eq!(request_line(b"EHLO a.example\r\n"), FirstLine::No);
        assert_eq!(request_line(b""), FirstLine::NeedMore);
        assert_eq!(status_line(RESP_200), FirstLine::Response);
        assert_eq!(status_line(b"HTTP/1.1 2"), FirstLine::NeedMore);
        assert_eq!(status_line(b"HTTP/1.1 OK"), FirstLine::No);
        assert_eq!(status_line(b"HTTP/2 200"), FirstLine::No);
        assert_eq!(status_line(b"SSH-2.0-x"), FirstLine::No);
        let mut long = b"GET /".to_vec();
        long.resize(MAX_PROBE_LINE + 10, b'a');
        assert_eq!(request_line(&long), FirstLine::Request);
        long[4] = b'x';
        assert_eq!(request_line(&long), FirstLine::No);
    }
}
