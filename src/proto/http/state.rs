//! Per-flow HTTP/1.x state: request and response heads paired in order
//! (pipelining, RFC 9112 §9.3), bodies framed by Content-Length or chunked
//! coding and counted, never kept (RFC 9112 §6), and one transaction per
//! request/response pair.

use std::collections::VecDeque;

use super::parser::{self, HeadFields, HttpError, MAX_CHUNK_LINE};
use crate::proto::util::{lossy, split_line};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Most requests waiting for their responses (a pipeline); past it the
/// oldest is logged without its response.
pub const MAX_PIPELINE: usize = 32;

/// One request and its response, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpTx {
    /// Sequence number of this transaction within its flow.
    pub tx_id: u64,
    /// The Host field without its port (or the authority of an
    /// absolute-form target), RFC 9110 §7.2.
    pub hostname: Option<String>,
    /// The port in the Host field, if any.
    pub http_port: Option<u16>,
    /// The request target as sent (RFC 9112 §3.2).
    pub url: Option<String>,
    pub http_method: Option<String>,
    /// `HTTP/1.0` or `HTTP/1.1`: the request's, or the response's when the
    /// request was not seen.
    pub protocol: Option<String>,
    /// The response status code (RFC 9110 §15).
    pub status: Option<u16>,
    pub http_user_agent: Option<String>,
    /// The response's Content-Type.
    pub http_content_type: Option<String>,
    /// The request's Content-Type (what was uploaded).
    pub request_content_type: Option<String>,
    pub http_refer: Option<String>,
    /// The response's Location field.
    pub redirect: Option<String>,
    /// The file name a download announces (RFC 6266 Content-Disposition).
    pub response_filename: Option<String>,
    /// The response's Content-Length, when it had one (a capture may hold
    /// less than that: compare with `response_body_len`).
    pub response_content_length: Option<u64>,
    /// Request body bytes (after removing chunked framing).
    pub request_body_len: u64,
    /// Response body bytes (after removing chunked framing).
    pub response_body_len: u64,
    /// The request head was seen.
    pub has_request: bool,
    /// The response head was seen.
    pub has_response: bool,
}

/// How the rest of a message's body is framed (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Expecting a message head.
    Head,
    /// This many body bytes remain.
    Length(u64),
    /// Chunked coding, at this step.
    Chunked(Chunk),
    /// A response delimited by the end of the connection.
    UntilClose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Size,
    Data(u64),
    DataEnd,
    Trailer,
}

/// What one step over body bytes did.
struct Step {
    consumed: usize,
    body_bytes: u64,
    /// The body ended.
    done: bool,
    /// A line is incomplete: call again with more.
    need_more: bool,
}

/// One step of `body` over `data`.
fn body_step(body: &mut Body, data: &[u8]) -> Result<Step, HttpError> {
    let mut s = Step {
        consumed: 0,
        body_bytes: 0,
        done: false,
        need_more: false,
    };
    match *body {
        Body::Head => s.done = true,
        Body::Length(left) => {
            let take = left.min(u64::try_from(data.len()).unwrap_or(u64::MAX));
            s.consumed = usize::try_from(take).unwrap_or(data.len());
            s.body_bytes = take;
            let left = left - take;
            *body = Body::Length(left);
            s.done = left == 0;
        }
        Body::UntilClose => {
            s.consumed = data.len();
            s.body_bytes = u64::try_from(data.len()).unwrap_or(u64::MAX);
        }
        Body::Chunked(Chunk::Data(left)) => {
            let take = left.min(u64::try_from(data.len()).unwrap_or(u64::MAX));
            s.consumed = usize::try_from(take).unwrap_or(data.len());
            s.body_bytes = take;
            let left = left - take;
            *body = Body::Chunked(if left == 0 {
                Chunk::DataEnd
            } else {
                Chunk::Data(left)
            });
        }
        Body::Chunked(Chunk::DataEnd) => {
            // The CRLF after chunk data (tolerating a bare LF).
            if data.starts_with(b"\r\n") {
                s.consumed = 2;
            } else if data.starts_with(b"\n") {
                s.consumed = 1;
            } else if data == b"\r" {
                s.need_more = true;
                return Ok(s);
            }
            *body = Body::Chunked(Chunk::Size);
        }
        Body::Chunked(step @ (Chunk::Size | Chunk::Trailer)) => {
            let Some((line, rest)) = split_line(data) else {
                if data.len() > MAX_CHUNK_LINE {
                    return Err(HttpError::LineTooLong(MAX_CHUNK_LINE));
                }
                s.need_more = true;
                return Ok(s);
            };
            s.consumed = data.len() - rest.len();
            if step == Chunk::Size {
                let size = parser::parse_chunk_size(line)?;
                *body = Body::Chunked(if size == 0 {
                    Chunk::Trailer
                } else {
                    Chunk::Data(size)
                });
            } else if line.is_empty() {
                s.done = true;
            }
        }
    }
    if s.done {
        *body = Body::Head;
    }
    Ok(s)
}

/// Per-flow HTTP state.
pub struct HttpState {
    max_string: usize,
    next_tx: u64,
    /// Requests in order; the front one is being answered.
    open: VecDeque<HttpTx>,
    /// The transaction whose request body is being read.
    req_tx: Option<u64>,
    req: Body,
    resp: Body,
    /// A direction lost its framing (a gap inside a head or chunk line).
    lost: [bool; 2],
    /// The connection became a tunnel (CONNECT 2xx, 101): nothing more to parse.
    tunnel: bool,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(HttpState::new(cfg))
}

fn opt(v: Option<&[u8]>, max: usize) -> Option<String> {
    v.map(|v| lossy(v, max))
}

impl HttpState {
    /// A state with `cfg`'s limits.
    pub fn new(cfg: &ProtoConfig) -> HttpState {
        HttpState {
            max_string: cfg.max_string,
            next_tx: 0,
            open: VecDeque::new(),
            req_tx: None,
            req: Body::Head,
            resp: Body::Head,
            lost: [false; 2],
            tunnel: false,
        }
    }

    fn new_tx(&mut self) -> HttpTx {
        let tx_id = self.next_tx;
        self.next_tx += 1;
        HttpTx {
            tx_id,
            ..HttpTx::default()
        }
    }

    fn request_head(&mut self, head: &parser::RequestHead<'_>, out: &mut EventSink) {
        let m = self.max_string;
        let mut tx = self.new_tx();
        let f = &head.fields;
        let authority = f
            .host
            .or_else(|| parser::target_authority(head.target.as_bytes()));
        if let Some(a) = authority {
            let (host, port) = parser::split_host(a);
            tx.hostname = Some(lossy(host, m));
            tx.http_port = port;
        }
        tx.url = Some(lossy(head.target.as_bytes(), m));
        tx.http_method = Some(lossy(head.method.as_bytes(), m));
        tx.protocol = Some(format!("HTTP/1.{}", head.version));
        tx.http_user_agent = opt(f.user_agent, m);
        tx.http_refer = opt(f.referer, m);
        tx.request_content_type = opt(f.content_type, m);
        tx.has_request = true;
        // A request's body: chunked, else Content-Length, else none
        // (RFC 9112 §6.3 items 4, 5 and 7).
        self.req = if f.chunked {
            Body::Chunked(Chunk::Size)
        } else {
            match f.content_length {
                Some(n) if n > 0 => Body::Length(n),
                _ => Body::Head,
            }
        };
        self.req_tx = (self.req != Body::Head).then_some(tx.tx_id);
        if self.open.len() >= MAX_PIPELINE {
            if let Some(old) = self.open.pop_front() {
                out.push(AppTx::Http(Box::new(old)));
            }
        }
        self.open.push_back(tx);
    }

    /// Fills the front transaction with a response head; returns the body
    /// framing, or `None` for an interim (1xx) response.
    fn response_head(&mut self, head: &parser::ResponseHead<'_>) -> Option<Body> {
        let m = self.max_string;
        if (100..200).contains(&head.status) && head.status != 101 {
            return None;
        }
        if self.open.is_empty() {
            // A response whose request we did not see.
            let mut tx = self.new_tx();
            tx.protocol = Some(format!("HTTP/1.{}", head.version));
            self.open.push_back(tx);
        }
        let tx = self.open.front_mut()?;
        let f: &HeadFields<'_> = &head.fields;
        tx.status = Some(head.status);
        tx.http_content_type = opt(f.content_type, m);
        tx.redirect = opt(f.location, m);
        tx.response_filename = f
            .content_disposition
            .and_then(crate::proto::smtp::parser::file_name)
            .map(|n| lossy(&n, m));
        tx.response_content_length = f.content_length;
        tx.has_response = true;
        let method = tx.http_method.as_deref().unwrap_or("");
        // RFC 9112 §6.3 items 1–7, in order: no body after HEAD, for 204
        // and 304, for a switch (101) or a tunnel (CONNECT 2xx).
        let no_body = method.eq_ignore_ascii_case("HEAD")
            || matches!(head.status, 101 | 204 | 304)
            || (method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&head.status));
        let body = if no_body {
            Body::Head
        } else if f.chunked {
            Body::Chunked(Chunk::Size)
        } else if f.transfer_encoding {
            Body::UntilClose
        } else {
            match f.content_length {
                Some(0) => Body::Head,
                Some(n) => Body::Length(n),
                None => Body::UntilClose,
            }
        };
        Some(body)
    }

    /// The front transaction's response ended: log it.
    fn response_done(&mut self, out: &mut EventSink) {
        let Some(tx) = self.open.pop_front() else {
            return;
        };
        let status = tx.status.unwrap_or(0);
        let method = tx.http_method.clone().unwrap_or_default();
        if self.req_tx == Some(tx.tx_id) {
            self.req_tx = None;
        }
        out.push(AppTx::Http(Box::new(tx)));
        if status == 101 {
            self.tunnel = true;
        } else if method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&status) {
            // RFC 9110 §9.3.6: the connection is now a tunnel; most carry TLS.
            self.tunnel = true;
            out.upgrade("tls");
        }
    }

    fn add_request_body(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        let Some(id) = self.req_tx else {
            return;
        };
        if let Some(tx) = self.open.iter_mut().rev().find(|t| t.tx_id == id) {
            tx.request_body_len = tx.request_body_len.saturating_add(n);
        }
    }

    fn add_response_body(&mut self, n: u64) {
        if let Some(tx) = self.open.front_mut() {
            tx.response_body_len = tx.response_body_len.saturating_add(n);
        }
    }

    fn parse_requests(&mut self, data: &[u8], out: &mut EventSink) -> Progress {
        let mut at = 0;
        while let Some(rest) = data.get(at..).filter(|r| !r.is_empty()) {
            if self.tunnel {
                return Progress::Stop;
            }
            if self.req == Body::Head {
                let skip = parser::leading_blank_lines(rest);
                let head_bytes = rest.get(skip..).unwrap_or(&[]);
                match parser::parse_request(head_bytes) {
                    Ok(None) => {
                        return Progress::NeedMore {
                            consumed: at + skip,
                            needed: head_bytes.len() + 1,
                        };
                    }
                    Ok(Some((n, head))) => {
                        self.request_head(&head, out);
                        at += skip + n;
                    }
                    Err(_) => return Progress::LostSync,
                }
                continue;
            }
            let step = match body_step(&mut self.req, rest) {
                Ok(s) => s,
                Err(_) => return Progress::LostSync,
            };
            self.add_request_body(step.body_bytes);
            at += step.consumed;
            if step.done {
                self.req_tx = None;
            }
            if step.need_more {
                return Progress::NeedMore {
                    consumed: at,
                    needed: rest.len() - step.consumed + 1,
                };
            }
        }
        Progress::Done
    }

    fn parse_responses(&mut self, data: &[u8], out: &mut EventSink) -> Progress {
        let mut at = 0;
        while let Some(rest) = data.get(at..).filter(|r| !r.is_empty()) {
            if self.tunnel {
                return Progress::Stop;
            }
            if self.resp == Body::Head {
                let skip = parser::leading_blank_lines(rest);
                let head_bytes = rest.get(skip..).unwrap_or(&[]);
                match parser::parse_response(head_bytes) {
                    Ok(None) => {
                        return Progress::NeedMore {
                            consumed: at + skip,
                            needed: head_bytes.len() + 1,
                        };
                    }
                    Ok(Some((n, head))) => {
                        at += skip + n;
                        match self.response_head(&head) {
                            None => {}
                            Some(Body::Head) => {
                                self.response_done(out);
                                if self.tunnel {
                                    // What follows belongs to the tunnel.
                                    return if at < data.len() {
                                        Progress::NeedMore {
                                            consumed: at,
                                            needed: 1,
                                        }
                                    } else {
                                        Progress::Done
                                    };
                                }
                            }
                            Some(body) => self.resp = body,
                        }
                    }
                    Err(_) => return Progress::LostSync,
                }
                continue;
            }
            let step = match body_step(&mut self.resp, rest) {
                Ok(s) => s,
                Err(_) => return Progress::LostSync,
            };
            self.add_response_body(step.body_bytes);
            at += step.consumed;
            if step.done {
                self.response_done(out);
            }
            if step.need_more {
                return Progress::NeedMore {
                    consumed: at,
                    needed: rest.len() - step.consumed + 1,
                };
            }
        }
        Progress::Done
    }
}

impl AppState for HttpState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        if self.tunnel || self.lost[dir.index()] {
            return Progress::Stop;
        }
        match dir {
            Direction::ToServer => self.parse_requests(data, out),
            Direction::ToClient => self.parse_responses(data, out),
        }
    }

    /// Lost body bytes of a known length are counted as body; a gap
    /// anywhere else loses the direction's framing.
    fn on_gap(&mut self, dir: Direction, len: u64) {
        let body = match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        };
        let counted = match *body {
            Body::Length(left) if len < left => {
                *body = Body::Length(left - len);
                true
            }
            Body::Chunked(Chunk::Data(left)) if len < left => {
                *body = Body::Chunked(Chunk::Data(left - len));
                true
            }
            Body::UntilClose => true,
            _ => false,
        };
        if !counted {
            self.lost[dir.index()] = true;
            return;
        }
        match dir {
            Direction::ToServer => self.add_request_body(len),
            Direction::ToClient => self.add_response_body(len),
        }
    }

    fn finish(&mut self, out: &mut EventSink) {
        for tx in self.open.drain(..) {
            out.push(AppTx::Http(Box::new(tx)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::http::parser::tests::{GET, RESP_200, RESP_CHUNKED};

    fn txs(sink: &mut EventSink) -> Vec<HttpTx> {
        sink.events
            .drain(..)
            .filter_map(|e| match e.tx {
                AppTx::Http(tx) => Some(*tx),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .collect()
    }

    /// Feeds `data` the way the driver does: keeps what was not consumed.
    fn feed(s: &mut dyn AppState, dir: Direction, data: &[u8], sink: &mut EventSink, step: usize) {
        let mut pending: Vec<u8> = Vec::new();
        for piece in data.chunks(step) {
            pending.extend_from_slice(piece);
            match s.parse(dir, &pending, sink) {
                Progress::Done => pending.clear(),
                Progress::NeedMore { consumed, .. } => {
                    pending.drain(..consumed);
                }
                p => panic!("{p:?}"),
            }
        }
    }

    /// A POST with a 11-byte body, then a pipelined HEAD.
    static POST_AND_HEAD: &[u8] = b"POST /upload HTTP/1.1\r\n\
        Host: up.example\r\n\
        Content-Type: text/plain\r\n\
        Content-Length: 11\r\n\
        \r\n\
        hello world\
        HEAD /x HTTP/1.0\r\n\
        \r\n";

    /// Their responses: 201 with a 2-byte body; the HEAD's 200 announces
    /// 5000 bytes it does not send.
    static POST_AND_HEAD_RESP: &[u8] = b"HTTP/1.1 201 Created\r\n\
        Location: /upload/1\r\n\
        Content-Length: 2\r\n\
        \r\n\
        ok\
        HTTP/1.1 200 OK\r\n\
        Content-Length: 5000\r\n\
        \r\n";

    #[test]
    fn get_and_response() {
        for step in [1, 3, 1000] {
            let mut s = HttpState::new(&ProtoConfig::default());
            let mut sink = EventSink::default();
            feed(&mut s, Direction::ToServer, GET, &mut sink, step);
            feed(&mut s, Direction::ToClient, RESP_200, &mut sink, step);
            let t = txs(&mut sink);
            assert_eq!(t.len(), 1, "step {step}");
            let t = &t[0];
            assert_eq!(t.hostname.as_deref(), Some("files.example.org"));
            assert_eq!(t.http_port, Some(8080));
            assert_eq!(t.url.as_deref(), Some("/dl/setup.exe?v=2"));
            assert_eq!(t.http_method.as_deref(), Some("GET"));
            assert_eq!(t.protocol.as_deref(), Some("HTTP/1.1"));
            assert_eq!(t.status, Some(200));
            assert_eq!(
                t.http_content_type.as_deref(),
                Some("application/octet-stream")
            );
            assert_eq!(t.http_refer.as_deref(), Some("http://www.example.org/"));
            assert_eq!(t.response_body_len, 7);
            assert_eq!(t.response_content_length, Some(7));
            assert_eq!(t.response_filename.as_deref(), Some("setup.exe"));
        }
    }

    #[test]
    fn chunked_body_one_byte_at_a_time() {
        for step in [1, 2, 7, 1000] {
            let mut s = HttpState::new(&ProtoConfig::default());
            let mut sink = EventSink::default();
            feed(&mut s, Direction::ToServer, GET, &mut sink, step);
            feed(&mut s, Direction::ToClient, RESP_CHUNKED, &mut sink, step);
            let t = txs(&mut sink);
            assert_eq!(t.len(), 1, "step {step}");
            assert_eq!(t[0].response_body_len, 5 + 16);
        }
    }

    #[test]
    fn pipelined_post_and_head() {
        for step in [1, 5, 1000] {
            let mut s = HttpState::new(&ProtoConfig::default());
            let mut sink = EventSink::default();
            feed(&mut s, Direction::ToServer, POST_AND_HEAD, &mut sink, step);
            feed(
                &mut s,
                Direction::ToClient,
                POST_AND_HEAD_RESP,
                &mut sink,
                step,
            );
            let t = txs(&mut sink);
            assert_eq!(t.len(), 2, "step {step}");
            assert_eq!(t[0].request_body_len, 11);
            assert_eq!(t[0].request_content_type.as_deref(), Some("text/plain"));
            assert_eq!(t[0].status, Some(201));
            assert_eq!(t[0].redirect.as_deref(), Some("/upload/1"));
            assert_eq!(t[0].response_body_len, 2);
            assert_eq!(t[1].http_method.as_deref(), Some("HEAD"));
            assert_eq!(t[1].protocol.as_deref(), Some("HTTP/1.0"));
            assert_eq!(t[1].response_body_len, 0);
        }
    }

    #[test]
    fn body_larger_than_any_buffer_is_counted() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n";
        assert_eq!(
            s.parse(Direction::ToClient, head, &mut sink),
            Progress::Done
        );
        let block = vec![0u8; 65536];
        let mut sent = 0;
        while sent < 10_000_000 {
            let n = block.len().min(10_000_000 - sent);
            assert_eq!(
                s.parse(Direction::ToClient, &block[..n], &mut sink),
                Progress::Done
            );
            sent += n;
        }
        let t = txs(&mut sink);
        assert_eq!(t[0].response_body_len, 10_000_000);
    }

    #[test]
    fn response_until_close_and_finish() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        feed(
            &mut s,
            Direction::ToClient,
            b"HTTP/1.0 200 OK\r\n\r\nabc",
            &mut sink,
            1000,
        );
        assert!(txs(&mut sink).is_empty());
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t[0].response_body_len, 3);
    }

    #[test]
    fn interim_response_and_unanswered_request() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        feed(
            &mut s,
            Direction::ToClient,
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            &mut sink,
            1000,
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].status, Some(204));
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].status, None);
        assert_eq!(t[0].tx_id, 1);
    }

    #[test]
    fn connect_then_tunnel() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(
            &mut s,
            Direction::ToServer,
            b"CONNECT mail.example:443 HTTP/1.1\r\nHost: mail.example:443\r\n\r\n",
            &mut sink,
            1000,
        );
        let p = s.parse(
            Direction::ToClient,
            b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03",
            &mut sink,
        );
        assert_eq!(
            p,
            Progress::NeedMore {
                consumed: 39,
                needed: 1
            }
        );
        assert_eq!(sink.upgrade, Some("tls"));
        let t = txs(&mut sink);
        assert_eq!(t[0].http_port, Some(443));
        assert_eq!(
            s.parse(Direction::ToServer, b"\x16\x03\x01", &mut sink),
            Progress::Stop
        );
    }

    #[test]
    fn response_without_request() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToClient, RESP_200, &mut sink, 1000);
        let t = txs(&mut sink);
        assert_eq!(t[0].status, Some(200));
        assert!(!t[0].has_request);
        assert_eq!(t[0].protocol.as_deref(), Some("HTTP/1.1"));
    }

    #[test]
    fn zero_length_and_garbage() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(s.parse(Direction::ToServer, b"", &mut sink), Progress::Done);
        feed(
            &mut s,
            Direction::ToServer,
            b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            &mut sink,
            1,
        );
        assert_eq!(
            s.parse(Direction::ToServer, b"\x00\x01 garbage\r\n\r\n", &mut sink),
            Progress::LostSync
        );
        let mut s = HttpState::new(&ProtoConfig::default());
        assert_eq!(
            s.parse(
                Direction::ToClient,
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                &mut sink
            ),
            Progress::LostSync
        );
    }

    #[test]
    fn gap_in_a_body_is_counted() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        feed(
            &mut s,
            Direction::ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab",
            &mut sink,
            1000,
        );
        s.on_gap(Direction::ToClient, 5);
        feed(&mut s, Direction::ToClient, b"cde", &mut sink, 1000);
        let t = txs(&mut sink);
        assert_eq!(t[0].response_body_len, 10);
        // A gap in a head loses the direction.
        s.on_gap(Direction::ToClient, 5);
        assert_eq!(
            s.parse(Direction::ToClient, RESP_200, &mut sink),
            Progress::Stop
        );
    }

    #[test]
    fn every_truncation_then_finish() {
        let mut both = GET.to_vec();
        both.extend_from_slice(RESP_CHUNKED);
        let split = GET.len();
        for cut in 0..both.len() {
            let mut s = HttpState::new(&ProtoConfig::default());
            let mut sink = EventSink::default();
            let (req, resp) = both[..cut].split_at(cut.min(split));
            let _ = s.parse(Direction::ToServer, req, &mut sink);
            let _ = s.parse(Direction::ToClient, resp, &mut sink);
            s.finish(&mut sink);
            assert!(txs(&mut sink).len() <= 1, "cut {cut}");
        }
    }

    #[test]
    fn lengths_larger_than_what_came() {
        let mut s = HttpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToServer, GET, &mut sink, 1000);
        feed(
            &mut s,
            Direction::ToClient,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\nabc",
            &mut sink,
            1,
        );
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t[0].response_body_len, 3);
        assert_eq!(t[0].response_content_length, None);
    }
}
