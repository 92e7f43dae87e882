//! HTTP/1.1 messages: a GET with Host/User-Agent/Accept headers and a
//! `200 OK` response with Content-Length and a body.

use std::io::Write;

use super::super::rng::Rng;
use super::filler_text;

/// Browser-like User-Agent strings.
pub(crate) const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];

/// Appends a GET request for `path` on `host`.
pub(crate) fn request(out: &mut Vec<u8>, host: &str, path: &str, ua: &str) {
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n\
         Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n\
         Accept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n"
    );
}

/// Appends the head of a `200 OK` response announcing `body_len` bytes.
pub(crate) fn response_head(out: &mut Vec<u8>, body_len: usize, content_type: &str) {
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nServer: nginx/1.26.2\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 GMT\r\nContent-Type: {content_type}\r\n\
         Content-Length: {body_len}\r\nConnection: keep-alive\r\n\r\n"
    );
}

/// A complete `200 OK` response with an HTML body of `body_len` bytes.
pub(crate) fn response(rng: &mut Rng, body_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(body_len + 256);
    response_head(&mut out, body_len, "text/html; charset=utf-8");
    let start = out.len();
    out.extend_from_slice(b"<html><body><p>");
    let tail = b"</p></body></html>\n";
    let fill = body_len.saturating_sub(15 + tail.len());
    filler_text(rng, fill, &mut out);
    out.extend_from_slice(tail);
    out.truncate(start + body_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_length_matches() {
        let mut r = Rng::new(3);
        for n in [0usize, 10, 100, 5000] {
            let resp = response(&mut r, n);
            let pos = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            assert_eq!(resp.len() - pos, n);
        }
    }
}
