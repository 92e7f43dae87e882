//! IRC (RFC 1459, RFC 2812; IRCv3 tags; CTCP DCC) on any port.
//!
//! Suricata has no IRC parser and no `irc` record: an IRC flow's facts
//! reach EVE as flow variables (`irc.nick`, `irc.server`, `irc.channels`,
//! `irc.privmsg_count`) on its `flow` record, and the detectors read
//! [`IrcTx`]: one per DCC offer as it is seen, and a session summary when
//! the flow ends.

mod log;
pub mod parser;
pub mod state;

pub use parser::{IrcError, IrcMessage};
pub use state::{IrcDcc, IrcState, IrcTx};

use super::util::split_line;
use super::{Direction, Probe, ProbeInput, ProtoSpec, Transport};
use parser::MAX_RFC_LINE;

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "irc",
    transports: &[Transport::Tcp],
    ports: &[6667, 6668, 6669, 7000],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

/// IRC is recognised by its first line: a client registers with NICK,
/// USER, CAP (or PASS followed by one of them) (RFC 2812 §3.1); a server
/// opens with a prefixed numeric reply or NOTICE, or `NOTICE AUTH`. Only a
/// whole line that parses, with the parameters its command requires,
/// counts.
fn probe(input: &ProbeInput<'_>) -> Probe {
    match input.dir {
        Direction::ToServer => probe_client(input.data),
        Direction::ToClient => probe_server(input.data),
    }
}

/// A first line still arriving: could it become IRC?
fn partial(d: &[u8], first: &[u8]) -> Probe {
    let plausible = d.len() < MAX_RFC_LINE
        && d.iter().all(|b| *b >= 0x20 || *b == b'\r' || *b == 0x01)
        && d.first().is_none_or(|b| first.contains(b));
    if plausible {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

const REGISTRATION: &[&str] = &["NICK", "USER", "PASS", "CAP"];

fn registration(line: &[u8]) -> Option<&'static str> {
    let m = parser::parse_message(line).ok()?;
    if m.prefix.is_some() || m.tags.is_some() {
        return None;
    }
    let p = &m.params;
    if m.is("NICK") && p.len() == 1 && p.get(0).is_some_and(parser::is_nickname) {
        Some("NICK")
    } else if m.is("USER")
        && p.len() == 4
        && p.get(0)
            .is_some_and(|u| !u.is_empty() && !u.contains(&b'@'))
    {
        Some("USER")
    } else if m.is("CAP")
        && p.get(0).is_some_and(|s| {
            [&b"LS"[..], b"REQ", b"END", b"LIST"]
                .iter()
                .any(|c| s.eq_ignore_ascii_case(c))
        })
    {
        Some("CAP")
    } else if m.is("PASS") && p.len() == 1 {
        Some("PASS")
    } else {
        None
    }
}

fn probe_client(d: &[u8]) -> Probe {
    let Some((line, rest)) = split_line(d) else {
        // The first word must be on its way to a registration command.
        let word = d.split(|b| *b == b' ').next().unwrap_or(d);
        let whole_word = d.contains(&b' ');
        let fits = REGISTRATION.iter().any(|c| {
            let c = c.as_bytes();
            if whole_word {
                word.eq_ignore_ascii_case(c)
            } else {
                c.get(..word.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(word))
            }
        });
        return if fits {
            partial(d, b"NUPCnupc")
        } else {
            Probe::No
        };
    };
    match registration(line) {
        Some("PASS") => match split_line(rest) {
            Some((second, _)) => match registration(second) {
                Some("NICK" | "USER" | "CAP") => {
                    Probe::Yes("IRC registration: PASS then NICK/USER/CAP (RFC 2812 3.1)")
                }
                _ => Probe::No,
            },
            None if rest.len() < MAX_RFC_LINE => Probe::NeedMore,
            None => Probe::No,
        },
        Some(_) => Probe::Yes("IRC registration: NICK/USER/CAP line (RFC 2812 3.1)"),
        None => Probe::No,
    }
}

fn probe_server(d: &[u8]) -> Probe {
    let Some((line, _)) = split_line(d) else {
        return partial(d, b":N");
    };
    let Ok(m) = parser::parse_message(line) else {
        return Probe::No;
    };
    if m.tags.is_some() {
        return Probe::No;
    }
    let p = &m.params;
    let host_like = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"._-:!@~[]\\`^{|}/".contains(b))
    };
    let ok = match m.prefix {
        Some(prefix) => {
            host_like(prefix)
                && ((m.numeric().is_some() && p.len() >= 2)
                    || ((m.is("NOTICE") || m.is("CAP")) && p.len() >= 2))
        }
        None => m.is("NOTICE") && p.len() >= 2 && matches!(p.get(0), Some(b"AUTH" | b"*")),
    };
    if ok {
        Probe::Yes("IRC server reply: prefixed numeric or NOTICE (RFC 2812 2.3)")
    } else {
        Probe::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(dir: Direction, data: &[u8]) -> Probe {
        probe(&ProbeInput {
            transport: Transport::Tcp,
            dir,
            data,
            client_port: 40000,
            server_port: 8000,
            earlier: &[],
        })
    }

    #[test]
    fn client_lines() {
        let c = |d: &[u8]| p(Direction::ToServer, d);
        assert!(matches!(c(b"NICK alice\r\n"), Probe::Yes(_)));
        assert!(matches!(c(b"USER a 0 * :Alice A\r\n"), Probe::Yes(_)));
        assert!(matches!(c(b"CAP LS 302\r\n"), Probe::Yes(_)));
        assert!(matches!(c(b"PASS s3cret\r\nNICK alice\r\n"), Probe::Yes(_)));
        assert_eq!(c(b"PASS s3cret\r\n"), Probe::NeedMore);
        assert_eq!(c(b"PASS s3cret\r\nRETR x\r\n"), Probe::No);
        assert_eq!(c(b"NIC"), Probe::NeedMore);
        assert_eq!(c(b"NICK ali"), Probe::NeedMore);
        assert_eq!(c(b""), Probe::NeedMore);
        // other protocols' first lines
        assert_eq!(c(b"GET / HTTP/1.1\r\n"), Probe::No);
        assert_eq!(c(b"GE"), Probe::No);
        assert_eq!(c(b"USER anonymous\r\n"), Probe::No); // FTP, POP3
        assert_eq!(c(b"EHLO mail.example\r\n"), Probe::No);
        assert_eq!(c(b"SSH-2.0-x\r\n"), Probe::No);
        assert_eq!(c(b"\x16\x03\x01\x02\x00"), Probe::No);
        assert_eq!(c(b"NICK 9bad\r\n"), Probe::No);
        assert_eq!(c(b"CAP FOO\r\n"), Probe::No);
        let long = [b"NICK ".as_slice(), &[b'a'; 600]].concat();
        assert_eq!(c(&long), Probe::No);
    }

    #[test]
    fn server_lines() {
        let s = |d: &[u8]| p(Direction::ToClient, d);
        assert!(matches!(
            s(b":irc.example.net NOTICE * :*** Looking up your hostname\r\n"),
            Probe::Yes(_)
        ));
        assert!(matches!(
            s(b":irc.example.net 001 me :Welcome\r\n"),
            Probe::Yes(_)
        ));
        assert!(matches!(
            s(b"NOTICE AUTH :*** Processing\r\n"),
            Probe::Yes(_)
        ));
        assert_eq!(s(b":irc.exa"), Probe::NeedMore);
        assert_eq!(s(b"HTTP/1.1 200 OK\r\n"), Probe::No);
        assert_eq!(s(b"220 mail.example ESMTP\r\n"), Probe::No);
        assert_eq!(s(b"+OK ready\r\n"), Probe::No);
        assert_eq!(s(b":x FOO bar\r\n"), Probe::No);
        assert_eq!(s(b"NOTICE bob :hi\r\n"), Probe::No);
    }
}
