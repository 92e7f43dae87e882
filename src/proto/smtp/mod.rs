//! SMTP over TCP (RFC 5321), with ESMTP's BDAT (RFC 3030), AUTH (RFC 4954)
//! and STARTTLS (RFC 3207).
//!
//! One EVE `smtp` record per message, carrying both the `smtp` object
//! (helo, mail_from, rcpt_to) and the `email` object (From, To, Cc,
//! Subject, Message-ID, Date, X-Mailer and attachment file names), plus
//! one at the end of a session that sent no message. The message is
//! counted as it passes (its size is what the large-mail detector reads)
//! and only its header lines are looked at; the body is never kept. When
//! the server accepts STARTTLS the flow is handed to `tls`.

mod log;
pub mod parser;
pub mod state;

pub use parser::SmtpError;
pub use state::{EmailHeaders, SmtpState, SmtpTx};

use super::{Direction, Probe, ProbeInput, ProtoSpec, Transport};
use parser::Greeting;

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "smtp",
    transports: &[Transport::Tcp],
    ports: &[25, 587, 2525],
    probe,
    new_state: state::new_state,
    stats_tcp: Some("smtp"),
    stats_udp: None,
};

/// A server greeting `220 … ESMTP …`, or a client's `EHLO `/`HELO `. A 220
/// greeting naming neither SMTP nor FTP waits for the client's first
/// command, so an FTP server is never taken for a mail server.
fn probe(input: &ProbeInput<'_>) -> Probe {
    let verdict = match input.dir {
        Direction::ToClient => parser::greeting(input.data),
        Direction::ToServer => parser::client_hello(input.data),
    };
    match (verdict, input.dir) {
        (Greeting::Smtp, Direction::ToClient) => Probe::Yes("SMTP 220 greeting"),
        (Greeting::Smtp, Direction::ToServer) => Probe::Yes("SMTP EHLO/HELO command"),
        (Greeting::Not, _) => Probe::No,
        (Greeting::Ambiguous | Greeting::NeedMore, _) => Probe::NeedMore,
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
            server_port: 2500,
            earlier: &[],
        }
    }

    #[test]
    fn probe_both_directions() {
        let yes = |d, b| matches!(probe(&input(d, b)), Probe::Yes(_));
        assert!(yes(
            Direction::ToClient,
            &b"220 mx.example ESMTP ready\r\n"[..]
        ));
        assert!(yes(Direction::ToServer, &b"EHLO client.example\r\n"[..]));
        assert_eq!(
            probe(&input(Direction::ToClient, b"220 mx.example ready\r\n")),
            Probe::NeedMore
        );
        assert_eq!(
            probe(&input(Direction::ToClient, b"220 (vsFTPd 3.0.5)\r\n")),
            Probe::No
        );
        assert_eq!(
            probe(&input(Direction::ToServer, b"USER anonymous\r\n")),
            Probe::No
        );
        for other in [
            &b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"[..],
            b"SSH-2.0-OpenSSH_9.6\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n",
            b"NICK kagami\r\n",
        ] {
            assert_eq!(probe(&input(Direction::ToServer, other)), Probe::No);
            assert_eq!(probe(&input(Direction::ToClient, other)), Probe::No);
        }
    }
}
