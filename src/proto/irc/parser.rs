//! IRC message parsing (RFC 1459 §2.3.1, RFC 2812 §2.3; IRCv3 message
//! tags): one line to a borrowed [`IrcMessage`], and CTCP DCC offers
//! inside a PRIVMSG text. No state, no allocation.

use std::net::{IpAddr, Ipv4Addr};

use thiserror::Error;

/// Longest line of the RFC, in bytes, including CR LF (RFC 1459 §2.3).
pub const MAX_RFC_LINE: usize = 512;

/// Longest line accepted, in bytes: the RFC's 512 plus IRCv3's 8191 bytes
/// of message tags.
pub const MAX_LINE: usize = MAX_RFC_LINE + 8191;

/// Most parameters of one message (RFC 2812 §2.3.1: 15).
pub const MAX_PARAMS: usize = 15;

/// Longest command word accepted, in bytes.
const MAX_COMMAND_LEN: usize = 20;

/// Why a line is not an IRC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IrcError {
    #[error("empty line")]
    Empty,
    #[error("byte {0:#04x} is not allowed in a message")]
    BadByte(u8),
    #[error("prefix is empty or unterminated")]
    BadPrefix,
    #[error("command is neither a word nor a three-digit numeric")]
    BadCommand,
}

/// The parameters of a message, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params<'a> {
    items: [&'a [u8]; MAX_PARAMS],
    len: usize,
}

impl<'a> Params<'a> {
    /// Parameter `i`, if present.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.items.get(..self.len)?.get(i).copied()
    }
    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The last parameter (a trailing text, usually).
    pub fn last(&self) -> Option<&'a [u8]> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }
}

/// One message: `[@tags] [:prefix] command params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IrcMessage<'a> {
    pub tags: Option<&'a [u8]>,
    pub prefix: Option<&'a [u8]>,
    pub command: &'a [u8],
    pub params: Params<'a>,
}

impl IrcMessage<'_> {
    /// The numeric reply code, if the command is one (RFC 2812 §5).
    pub fn numeric(&self) -> Option<u16> {
        if self.command.len() == 3 && self.command.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(self.command).ok()?.parse().ok()
        } else {
            None
        }
    }
    /// Whether the command is `name` (commands are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.command.eq_ignore_ascii_case(name.as_bytes())
    }
    /// The nick of a `nick!user@host` prefix, or the whole prefix.
    pub fn prefix_nick(&self) -> Option<&[u8]> {
        let p = self.prefix?;
        Some(p.split(|b| *b == b'!' || *b == b'@').next().unwrap_or(p))
    }
    /// Whether the prefix names a server (no `!user@host` part).
    pub fn prefix_is_server(&self) -> bool {
        self.prefix
            .is_some_and(|p| !p.contains(&b'!') && !p.contains(&b'@'))
    }
}

/// Bytes that may appear in a line: text, tab, and the CTCP and mIRC
/// formatting controls (bold, colour, reset, reverse, italic, underline).
fn allowed(b: u8) -> bool {
    b >= 0x20 || matches!(b, b'\t' | 0x01 | 0x02 | 0x03 | 0x0f | 0x16 | 0x1d | 0x1f)
}

fn split_word(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', s) {
        Some(sp) => (s.get(..sp).unwrap_or(&[]), s.get(sp + 1..).unwrap_or(&[])),
        None => (s, &[]),
    }
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| **b == b' ').count();
    s.get(n..).unwrap_or(&[])
}

/// Parses one line (without its CR LF).
pub fn parse_message(line: &[u8]) -> Result<IrcMessage<'_>, IrcError> {
    if let Some(b) = line.iter().find(|b| !allowed(**b)) {
        return Err(IrcError::BadByte(*b));
    }
    let mut rest = skip_spaces(line);
    if rest.is_empty() {
        return Err(IrcError::Empty);
    }
    let mut tags = None;
    if let Some(t) = rest.strip_prefix(b"@") {
        let (t, r) = split_word(t);
        tags = Some(t);
        rest = skip_spaces(r);
    }
    let mut prefix = None;
    if let Some(p) = rest.strip_prefix(b":") {
        let (p, r) = split_word(p);
        if p.is_empty() || r.is_empty() {
            return Err(IrcError::BadPrefix);
        }
        prefix = Some(p);
        rest = skip_spaces(r);
    }
    let (command, mut rest) = split_word(rest);
    let word = command.len() <= MAX_COMMAND_LEN && command.iter().all(u8::is_ascii_alphabetic);
    let numeric = command.len() == 3 && command.iter().all(u8::is_ascii_digit);
    if command.is_empty() || !(word || numeric) {
        return Err(IrcError::BadCommand);
    }
    let mut params = Params {
        items: [&[]; MAX_PARAMS],
        len: 0,
    };
    loop {
        rest = skip_spaces(rest);
        if rest.is_empty() || params.len >= MAX_PARAMS {
            break;
        }
        let (p, r) = if let Some(trailing) = rest.strip_prefix(b":") {
            (trailing, &[][..])
        } else {
            split_word(rest)
        };
        if let Some(slot) = params.items.get_mut(params.len) {
            *slot = p;
            params.len += 1;
        }
        rest = r;
    }
    Ok(IrcMessage {
        tags,
        prefix,
        command,
        params,
    })
}

/// Commands of RFC 1459/2812 and IRCv3 that a client or server sends.
pub const KNOWN_COMMANDS: &[&str] = &[
    "ADMIN",
    "AUTHENTICATE",
    "AWAY",
    "CAP",
    "CONNECT",
    "DIE",
    "ERROR",
    "INFO",
    "INVITE",
    "ISON",
    "JOIN",
    "KICK",
    "KILL",
    "LINKS",
    "LIST",
    "LUSERS",
    "MODE",
    "MOTD",
    "NAMES",
    "NICK",
    "NOTICE",
    "OPER",
    "PART",
    "PASS",
    "PING",
    "PONG",
    "PRIVMSG",
    "QUIT",
    "REHASH",
    "RESTART",
    "SERVER",
    "SERVICE",
    "SERVLIST",
    "SQUERY",
    "SQUIT",
    "STATS",
    "SUMMON",
    "TIME",
    "TOPIC",
    "TRACE",
    "USER",
    "USERHOST",
    "USERS",
    "VERSION",
    "WALLOPS",
    "WHO",
    "WHOIS",
    "WHOWAS",
];

/// Whether `m` is a known command or a numeric reply.
pub fn is_known(m: &IrcMessage<'_>) -> bool {
    m.numeric().is_some() || KNOWN_COMMANDS.iter().any(|c| m.is(c))
}

/// A nickname (RFC 2812 §2.3.1: a letter or special first, then letters,
/// digits, specials or `-`); up to 32 bytes, as networks allow more than 9.
pub fn is_nickname(n: &[u8]) -> bool {
    let special = |b: u8| b"[]\\`_^{|}".contains(&b);
    match n.split_first() {
        Some((first, rest)) => {
            n.len() <= 32
                && (first.is_ascii_alphabetic() || special(*first))
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || special(*b) || *b == b'-')
        }
        None => false,
    }
}

/// A DCC offer inside a CTCP message: `\x01DCC <type> <argument> <ip>
/// <port> [<size>]\x01` (the CTCP and DCC de-facto specifications: the
/// address is a 32-bit number in decimal, or an IPv6 literal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DccOffer<'a> {
    /// `SEND`, `CHAT`, … as sent.
    pub kind: &'a [u8],
    /// The file name (SEND) or protocol (`chat`), quotes removed.
    pub argument: &'a [u8],
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
    pub size: Option<u64>,
}

fn number<T: std::str::FromStr>(b: &[u8]) -> Option<T> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// The DCC offer in a PRIVMSG text, if it carries one.
pub fn parse_dcc(text: &[u8]) -> Option<DccOffer<'_>> {
    let body = text.strip_prefix(b"\x01")?;
    let body = match memchr::memchr(0x01, body) {
        Some(end) => body.get(..end)?,
        None => body,
    };
    let (word, rest) = split_word(body);
    if !word.eq_ignore_ascii_case(b"DCC") {
        return None;
    }
    let (kind, rest) = split_word(skip_spaces(rest));
    if kind.is_empty() {
        return None;
    }
    let rest = skip_spaces(rest);
    let (argument, rest) = match rest.strip_prefix(b"\"") {
        Some(q) => {
            let end = memchr::memchr(b'"', q)?;
            (q.get(..end)?, q.get(end + 1..).unwrap_or(&[]))
        }
        None => split_word(rest),
    };
    let (ip, rest) = split_word(skip_spaces(rest));
    let (port, rest) = split_word(skip_spaces(rest));
    let (size, _) = split_word(skip_spaces(rest));
    let ip = number::<u32>(ip)
        .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
        .or_else(|| number::<IpAddr>(ip));
    Some(DccOffer {
        kind,
        argument,
        ip,
        port: number(port),
        size: number(size),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A client's registration and session.
    pub static CLIENT: &[u8] = b"CAP LS 302\r\n\
        NICK kagami_t\r\n\
        USER kuser 0 * :Kagami Tester\r\n\
        JOIN #alpha,#beta\r\n\
        PRIVMSG #alpha :hello all\r\n\
        PRIVMSG bob :\x01DCC SEND \"my notes.txt\" 3221225985 5000 12345\x01\r\n\
        NOTICE bob :thanks\r\n\
        PART #beta :bye\r\n\
        QUIT :gone\r\n";

    /// The server's side of it.
    pub static SERVER: &[u8] = b":irc.example.net NOTICE * :*** Looking up your hostname\r\n\
        :irc.example.net 001 kagami_t :Welcome to the Example network\r\n\
        :irc.example.net 002 kagami_t :Your host is irc.example.net\r\n\
        :kagami_t!kuser@192.0.2.9 JOIN #alpha\r\n\
        :bob!b@198.51.100.4 PRIVMSG kagami_t :\x01DCC SEND report.pdf 3325256705 6000\x01\r\n";

    #[test]
    fn parses_forms() {
        let m = parse_message(b"@time=x :nick!u@h PRIVMSG #c :hi there").unwrap();
        assert_eq!(m.tags, Some(&b"time=x"[..]));
        assert_eq!(m.prefix_nick(), Some(&b"nick"[..]));
        assert!(m.is("privmsg"));
        assert_eq!(m.params.get(0), Some(&b"#c"[..]));
        assert_eq!(m.params.last(), Some(&b"hi there"[..]));
        let m = parse_message(b":srv 001 me :Welcome").unwrap();
        assert_eq!(m.numeric(), Some(1));
        assert!(m.prefix_is_server());
        let m = parse_message(b"USER a b c :d e").unwrap();
        assert_eq!(m.params.len(), 4);
        assert!(is_known(&m));
        assert_eq!(parse_message(b""), Err(IrcError::Empty));
        assert_eq!(parse_message(b":onlyprefix"), Err(IrcError::BadPrefix));
        assert_eq!(
            parse_message(b"GET / HTTP/1.1").map(|m| is_known(&m)),
            Ok(false)
        );
        assert_eq!(parse_message(b"\x16\x03\x01"), Err(IrcError::BadCommand));
        assert_eq!(parse_message(b"NICK \x00"), Err(IrcError::BadByte(0)));
        assert_eq!(parse_message(b"12 x"), Err(IrcError::BadCommand));
    }

    #[test]
    fn many_params_are_capped() {
        let line = b"MODE a b c d e f g h i j k l m n o p q r s";
        let m = parse_message(line).unwrap();
        assert_eq!(m.params.len(), MAX_PARAMS);
    }

    #[test]
    fn every_prefix_of_a_line_parses_or_errs() {
        for line in CLIENT
            .split(|b| *b == b'\n')
            .chain(SERVER.split(|b| *b == b'\n'))
        {
            for n in 0..line.len() {
                let _ = parse_message(&line[..n]);
            }
        }
    }

    #[test]
    fn nicknames() {
        assert!(is_nickname(b"kagami_t"));
        assert!(is_nickname(b"[x]"));
        assert!(!is_nickname(b"9abc"));
        assert!(!is_nickname(b""));
        assert!(!is_nickname(b"a b"));
    }

    #[test]
    fn dcc_offers() {
        let d = parse_dcc(b"\x01DCC SEND \"my notes.txt\" 3221225985 5000 12345\x01").unwrap();
        assert_eq!(d.kind, b"SEND");
        assert_eq!(d.argument, b"my notes.txt");
        assert_eq!(d.ip, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(d.port, Some(5000));
        assert_eq!(d.size, Some(12345));
        let d = parse_dcc(b"\x01DCC CHAT chat 2001:db8::1 4000\x01").unwrap();
        assert_eq!(d.ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(d.size, None);
        assert!(parse_dcc(b"\x01ACTION waves\x01").is_none());
        assert!(parse_dcc(b"plain text").is_none());
        // cut anywhere: never a panic
        let full = b"\x01DCC SEND \"a b\" 1 2 3\x01";
        for n in 0..full.len() {
            let _ = parse_dcc(&full[..n]);
        }
        // numbers larger than their fields
        let d = parse_dcc(b"\x01DCC SEND f 99999999999 70000 1\x01").unwrap();
        assert_eq!((d.ip, d.port), (None, None));
    }
}
