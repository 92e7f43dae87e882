//! HTTP/1.0 and HTTP/1.1 over TCP (RFC 9110 semantics, RFC 9112 syntax).
//!
//! One EVE `http` record per request/response pair, in Suricata's shape:
//! host and port, target, method, protocol, status, user agent, content
//! type, referer, redirect and the response body length. Heads are parsed
//! by httparse; bodies (Content-Length or chunked) are counted as they
//! pass and never kept, so a large upload or download costs no memory.
//! The request and response body sizes are typed fields of [`HttpTx`] for
//! the detectors (EVE has no request body size field). After a successful
//! CONNECT the flow is handed to `tls`. HTTP/2 is left to others.

mod log;
pub mod parser;
pub mod state;

pub use parser::HttpError;
pub use state::{HttpState, HttpTx};

use super::{Direction, Probe, ProbeInput, ProtoSpec, Transport};
use parser::FirstLine;

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "http",
    transports: &[Transport::Tcp],
    ports: &[80, 8080, 8008, 8081, 3128],
    probe,
    new_state: state::new_state,
    stats_tcp: Some("http"),
    stats_udp: None,
};

/// A request line (known method, target, `HTTP/1.`) from the client, or a
/// status line (`HTTP/1.x ddd`) from the server.
fn probe(input: &ProbeInput<'_>) -> Probe {
    let verdict = match input.dir {
        Direction::ToServer => parser::request_line(input.data),
        Direction::ToClient => parser::status_line(input.data),
    };
    match verdict {
        FirstLine::Request => Probe::Yes("HTTP/1 request line"),
        FirstLine::Response => Probe::Yes("HTTP/1 status line"),
        FirstLine::NeedMore => Probe::NeedMore,
        FirstLine::No => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(dir: Direction, data: &[u8]) -> ProbeInput<'_> {
        ProbeInput {
            transport: Transport::Tcp,
            dir,
            data,
            client_port: 50000,
            server_port: 80,
            earlier: &[],
        }
    }

    #[test]
    fn probe_both_directions() {
        let get = parser::tests::GET;
        assert!(matches!(
            probe(&input(Direction::ToServer, get)),
            Probe::Yes(_)
        ));
        assert!(matches!(
            probe(&input(Direction::ToClient, parser::tests::RESP_200)),
            Probe::Yes(_)
        ));
        // "GET /dl/setup.exe?v=2 HTTP/1." is 29 bytes.
        for cut in 0..29 {
            assert_eq!(
                probe(&input(Direction::ToServer, &get[..cut])),
                Probe::NeedMore,
                "cut {cut}"
            );
        }
        for other in [
            &b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"[..],
            b"SSH-2.0-OpenSSH_9.6\r\n",
            b"220 mail.example ESMTP\r\n",
            b"EHLO client.example\r\n",
            b"\x00\x1c\x12\x34\x01\x00",
        ] {
            assert_eq!(probe(&input(Direction::ToServer, other)), Probe::No);
            assert_eq!(probe(&input(Direction::ToClient, other)), Probe::No);
        }
    }
}
