//! SMTP lines (RFC 5321) and the message header fields kagami keeps
//! (RFC 5322, MIME RFC 2045/2183/2231): pure functions over one line or
//! one field value, borrowed. Framing (lines, DATA's end, BDAT chunks) is
//! the state's job.

use crate::proto::util::{parse_decimal, trim};
use thiserror::Error;

/// Longest command or reply line waited for, in bytes. RFC 5321 §4.5.3.1.4
/// and §4.5.3.1.5 allow 512 with extensions adding more; 4 KiB is generous.
pub const MAX_LINE: usize = 4096;

/// Longest line of the greeting the probe waits for, in bytes.
pub const MAX_GREETING: usize = 512;

/// Why a line did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmtpError {
    #[error("reply line does not start with a three-digit code")]
    BadReply,
    #[error("BDAT argument {0:?} is not a chunk size")]
    BadChunkSize(String),
}

/// A client command (RFC 5321 §4.1). Verbs kagami does not act on are kept
/// by name, so unknown extensions pass through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    Ehlo(&'a [u8]),
    Helo(&'a [u8]),
    /// `MAIL FROM:` with the reverse-path's address (no angle brackets).
    Mail(&'a [u8]),
    /// `RCPT TO:` with the forward-path's address.
    Rcpt(&'a [u8]),
    Data,
    /// RFC 3030 §2: chunk size and whether it is the last.
    Bdat {
        size: u64,
        last: bool,
    },
    Rset,
    Quit,
    /// RFC 4954 §4: the SASL mechanism.
    Auth(&'a [u8]),
    /// RFC 3207.
    StartTls,
    Other(&'a [u8]),
}

/// One reply line (RFC 5321 §4.2): its code, and whether it is the last
/// line of the reply (`ddd ` rather than `ddd-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    pub code: u16,
    pub last: bool,
    pub text: &'a [u8],
}

fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Parses one command line (without its line end).
pub fn parse_command(line: &[u8]) -> Result<Command<'_>, SmtpError> {
    let (verb, arg) = match memchr::memchr(b' ', line) {
        Some(sp) => (
            line.get(..sp).unwrap_or(line),
            trim(line.get(sp + 1..).unwrap_or(&[])),
        ),
        None => (line, &[][..]),
    };
    let is = |v: &[u8]| verb.eq_ignore_ascii_case(v);
    Ok(if is(b"EHLO") {
        Command::Ehlo(arg)
    } else if is(b"HELO") {
        Command::Helo(arg)
    } else if is(b"MAIL") {
        Command::Mail(path(arg, b"FROM"))
    } else if is(b"RCPT") {
        Command::Rcpt(path(arg, b"TO"))
    } else if is(b"DATA") {
        Command::Data
    } else if is(b"BDAT") {
        let mut words = arg.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let size = words
            .next()
            .and_then(parse_decimal)
            .ok_or_else(|| SmtpError::BadChunkSize(crate::proto::util::lossy(arg, 32)))?;
        let last = words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(b"LAST"));
        Command::Bdat { size, last }
    } else if is(b"RSET") {
        Command::Rset
    } else if is(b"QUIT") {
        Command::Quit
    } else if is(b"AUTH") {
        Command::Auth(arg.split(|&b| b == b' ').next().unwrap_or(&[]))
    } else if is(b"STARTTLS") {
        Command::StartTls
    } else {
        Command::Other(verb)
    })
}

/// The address of `FROM:<a@b> PARAMS` or `TO:<a@b>` (RFC 5321 §4.1.2),
/// tolerating a space before or after the colon and missing brackets.
pub fn path<'a>(arg: &'a [u8], keyword: &[u8]) -> &'a [u8] {
    let rest = strip_prefix_ci(arg, keyword).unwrap_or(arg);
    let rest = trim(rest);
    let rest = rest.strip_prefix(b":").map(trim).unwrap_or(rest);
    if let Some(inner) = rest.strip_prefix(b"<") {
        let end = memchr::memchr(b'>', inner).unwrap_or(inner.len());
        return inner.get(..end).unwrap_or(inner);
    }
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest)
}

/// Parses one reply line (without its line end).
pub fn parse_reply(line: &[u8]) -> Result<ReplyLine<'_>, SmtpError> {
    let digits = line.get(..3).ok_or(SmtpError::BadReply)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(SmtpError::BadReply);
    }
    let code = digits
        .iter()
        .fold(0u16, |n, &b| n * 10 + u16::from(b - b'0'));
    let (last, text) = match line.get(3) {
        None => (true, &[][..]),
        Some(b' ') => (true, line.get(4..).unwrap_or(&[])),
        Some(b'-') => (false, line.get(4..).unwrap_or(&[])),
        Some(_) => return Err(SmtpError::BadReply),
    };
    Ok(ReplyLine { code, last, text })
}

/// What a server greeting says about the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Greeting {
    /// A 220 greeting naming SMTP or ESMTP.
    Smtp,
    /// A 220 greeting that names an FTP server, or no 220 at all.
    Not,
    /// A 220 greeting naming neither: the client's first command decides.
    Ambiguous,
    NeedMore,
}

/// Classifies the first bytes a server sent (RFC 5321 §4.3.1: `220 `
/// or `220-` and text, usually the host name and `ESMTP`).
pub fn greeting(data: &[u8]) -> Greeting {
    let want = b"220";
    let n = data.len().min(want.len());
    if data.get(..n) != want.get(..n) {
        return Greeting::Not;
    }
    match data.get(3) {
        None => return Greeting::NeedMore,
        Some(b' ' | b'-') => {}
        Some(_) => return Greeting::Not,
    }
    let Some((line, _)) = crate::proto::util::split_line(data) else {
        return if data.len() >= MAX_GREETING {
            Greeting::Not
        } else {
            Greeting::NeedMore
        };
    };
    let text = line.get(4..).unwrap_or(&[]);
    let mut ftp = false;
    for word in text.split(|b| b.is_ascii_whitespace()) {
        let word = strip_punct(word);
        if strip_prefix_ci(word, b"ESMTP").is_some() || strip_prefix_ci(word, b"SMTP").is_some() {
            return Greeting::Smtp;
        }
        // `vsFTPd`, `ProFTPD`, `FTP`: a product, not a host name.
        if !word.contains(&b'.') && contains_ci(word, b"ftp") {
            ftp = true;
        }
    }
    if ftp {
        Greeting::Not
    } else {
        Greeting::Ambiguous
    }
}

fn strip_punct(word: &[u8]) -> &[u8] {
    let start = word
        .iter()
        .position(u8::is_ascii_alphanumeric)
        .unwrap_or(word.len());
    let end = word
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(start, |e| e + 1);
    word.get(start..end).unwrap_or(&[])
}

/// Whether `hay` contains `needle`, ignoring ASCII case.
pub fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// What a client's first bytes say: `EHLO ` or `HELO `.
pub fn client_hello(data: &[u8]) -> Greeting {
    for verb in [&b"EHLO "[..], b"HELO "] {
        let n = data.len().min(verb.len());
        let (Some(have), Some(want)) = (data.get(..n), verb.get(..n)) else {
            continue;
        };
        if have.eq_ignore_ascii_case(want) {
            return if n == verb.len() {
                Greeting::Smtp
            } else {
                Greeting::NeedMore
            };
        }
    }
    Greeting::Not
}

/// A header field line `Name: value` (RFC 5322 §2.2), or `None` for a line
/// that is not one.
pub fn header_field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memchr(b':', line)?;
    let name = line.get(..colon)?;
    // Field names are printable ASCII without spaces; tolerate `Name :`.
    let name = trim(name);
    if name.is_empty() || !name.iter().all(|&b| b.is_ascii_graphic()) {
        return None;
    }
    Some((name, trim(line.get(colon + 1..)?)))
}

/// A line that folds onto the previous field (RFC 5322 §2.2.3).
pub fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t'))
}

/// The file name in a Content-Disposition or Content-Type value: its
/// `filename` (RFC 2183 §2.3) or `name` parameter, unquoted, RFC 2231
/// extended values (`filename*=utf-8''a%20b.zip`) percent-decoded.
pub fn file_name(value: &[u8]) -> Option<Vec<u8>> {
    let mut best: Option<(u8, Vec<u8>)> = None;
    for param in params(value) {
        let Some(eq) = memchr::memchr(b'=', param) else {
            continue;
        };
        let key = trim(param.get(..eq).unwrap_or(&[]));
        let val = trim(param.get(eq + 1..).unwrap_or(&[]));
        let (rank, extended) = match key.to_ascii_lowercase().as_slice() {
            b"filename" => (0, false),
            b"filename*" | b"filename*0*" => (0, true),
            b"filename*0" => (0, false),
            b"name" => (1, false),
            b"name*" | b"name*0*" => (1, true),
            b"name*0" => (1, false),
            _ => continue,
        };
        let val = unquote(val);
        let val = if extended {
            percent_decode(rfc2231_value(val))
        } else {
            val.to_vec()
        };
        if val.is_empty() {
            continue;
        }
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, val));
        }
    }
    best.map(|(_, v)| v)
}

/// The `;`-separated parameters of a MIME field value, quotes respected.
fn params(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut quoted = false;
    value
        .split(move |&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == b';' && !quoted
        })
        .skip(1)
}

fn unquote(v: &[u8]) -> &[u8] {
    v.strip_prefix(b"\"")
        .map(|v| v.strip_suffix(b"\"").unwrap_or(v))
        .unwrap_or(v)
}

/// `charset'language'value` → `value` (RFC 2231 §4).
fn rfc2231_value(v: &[u8]) -> &[u8] {
    let mut parts = v.splitn(3, |&b| b == b'\'');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(_), Some(value)) => value,
        _ => v,
    }
}

fn percent_decode(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        let hex = |at: usize| v.get(at).and_then(|&h| char::from(h).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(
            parse_command(b"EHLO a.example"),
            Ok(Command::Ehlo(b"a.example"))
        );
        assert_eq!(parse_command(b"helo a"), Ok(Command::Helo(b"a")));
        assert_eq!(
            parse_command(b"MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME"),
            Ok(Command::Mail(b"a@b.example"))
        );
        assert_eq!(parse_command(b"MAIL FROM:<>"), Ok(Command::Mail(b"")));
        assert_eq!(
            parse_command(b"mail from: c@d.example"),
            Ok(Command::Mail(b"c@d.example"))
        );
        assert_eq!(
            parse_command(b"RCPT To:<x@y.example>"),
            Ok(Command::Rcpt(b"x@y.example"))
        );
        assert_eq!(
            parse_command(b"RCPT TO:<unterminated"),
            Ok(Command::Rcpt(b"unterminated"))
        );
        assert_eq!(parse_command(b"DATA"), Ok(Command::Data));
        assert_eq!(
            parse_command(b"BDAT 1000 LAST"),
            Ok(Command::Bdat {
                size: 1000,
                last: true
            })
        );
        assert_eq!(
            parse_command(b"BDAT 0"),
            Ok(Command::Bdat {
                size: 0,
                last: false
            })
        );
        assert!(parse_command(b"BDAT").is_err());
        assert!(parse_command(b"BDAT x LAST").is_err());
        assert!(parse_command(b"BDAT 99999999999999999999999").is_err());
        assert_eq!(
            parse_command(b"AUTH PLAIN AGEAYg=="),
            Ok(Command::Auth(b"PLAIN"))
        );
        assert_eq!(parse_command(b"STARTTLS"), Ok(Command::StartTls));
        assert_eq!(parse_command(b"RSET"), Ok(Command::Rset));
        assert_eq!(parse_command(b"QUIT"), Ok(Command::Quit));
        assert_eq!(
            parse_command(b"XCLIENT a=b"),
            Ok(Command::Other(b"XCLIENT"))
        );
        assert_eq!(parse_command(b""), Ok(Command::Other(b"")));
    }

    #[test]
    fn replies() {
        assert_eq!(
            parse_reply(b"250-PIPELINING"),
            Ok(ReplyLine {
                code: 250,
                last: false,
                text: b"PIPELINING"
            })
        );
        assert_eq!(
            parse_reply(b"354 go ahead").map(|r| (r.code, r.last)),
            Ok((354, true))
        );
        assert_eq!(parse_reply(b"221").map(|r| r.last), Ok(true));
        for bad in [&b""[..], b"2", b"25", b"25x", b"250x", b"abc def"] {
            assert!(parse_reply(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn greetings() {
        assert_eq!(
            greeting(b"220 mx.example ESMTP Postfix\r\n"),
            Greeting::Smtp
        );
        assert_eq!(
            greeting(b"220-mx.example ESMTP\r\n220 hi\r\n"),
            Greeting::Smtp
        );
        assert_eq!(
            greeting(b"220 mx.example Simple Mail Transfer Service Ready\r\n"),
            Greeting::Ambiguous
        );
        assert_eq!(
            greeting(b"220 ftp.example.org ESMTP ready\r\n"),
            Greeting::Smtp
        );
        assert_eq!(greeting(b"220 (vsFTPd 3.0.3)\r\n"), Greeting::Not);
        assert_eq!(greeting(b"220 ProFTPD Server (Debian)\r\n"), Greeting::Not);
        assert_eq!(greeting(b"220 Microsoft FTP Service\r\n"), Greeting::Not);
        assert_eq!(greeting(b"220 mx.example ESMTP"), Greeting::NeedMore);
        assert_eq!(greeting(b"22"), Greeting::NeedMore);
        assert_eq!(greeting(b""), Greeting::NeedMore);
        assert_eq!(greeting(b"2200"), Greeting::Not);
        assert_eq!(greeting(b"HTTP/1.1 200 OK\r\n"), Greeting::Not);
        assert_eq!(greeting(b"+OK POP3 ready\r\n"), Greeting::Not);
        let mut long = b"220 ".to_vec();
        long.resize(MAX_GREETING, b'a');
        assert_eq!(greeting(&long), Greeting::Not);
        assert_eq!(client_hello(b"EHLO a\r\n"), Greeting::Smtp);
        assert_eq!(client_hello(b"ehlo "), Greeting::Smtp);
        assert_eq!(client_hello(b"HEL"), Greeting::NeedMore);
        assert_eq!(client_hello(b""), Greeting::NeedMore);
        assert_eq!(client_hello(b"USER anonymous\r\n"), Greeting::Not);
        assert_eq!(client_hello(b"GET / HTTP/1.1\r\n"), Greeting::Not);
    }

    #[test]
    fn header_fields() {
        assert_eq!(
            header_field(b"Subject: hi there"),
            Some((&b"Subject"[..], &b"hi there"[..]))
        );
        assert_eq!(header_field(b"To:"), Some((&b"To"[..], &b""[..])));
        assert_eq!(header_field(b"no colon here"), None);
        assert_eq!(header_field(b": empty name"), None);
        assert_eq!(header_field(b"two words: x"), None);
        assert!(is_continuation(b" more"));
        assert!(is_continuation(b"\tmore"));
        assert!(!is_continuation(b"X: y"));
    }

    #[test]
    fn file_names() {
        let f = |v: &[u8]| file_name(v).map(|n| String::from_utf8(n).unwrap());
        assert_eq!(
            f(b"attachment; filename=\"report.pdf\""),
            Some("report.pdf".into())
        );
        assert_eq!(
            f(b"application/zip; name=data.zip"),
            Some("data.zip".into())
        );
        assert_eq!(
            f(b"application/octet-stream; name=\"a.bin\"; filename=\"b.bin\""),
            Some("b.bin".into())
        );
        assert_eq!(
            f(b"attachment; filename*=utf-8''q3%20plan.xlsx"),
            Some("q3 plan.xlsx".into())
        );
        assert_eq!(
            f(b"attachment; filename=\"semi;colon.txt\""),
            Some("semi;colon.txt".into())
        );
        assert_eq!(f(b"text/plain; charset=us-ascii"), None);
        assert_eq!(f(b"attachment; filename=\"\""), None);
        assert_eq!(f(b"attachment; filename*=%4"), Some("%4".into()));
        assert_eq!(f(b""), None);
    }
}
