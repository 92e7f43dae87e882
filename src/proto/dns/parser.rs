//! DNS message parsing (RFC 1035 §4.1): a borrowed view of one message.

use dns_parser::Name;
use thiserror::Error;

/// Bytes of the fixed header (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;

/// Most records of one section kept; the rest are counted in `truncated`.
pub const MAX_RECORDS: usize = 64;

/// Why a message did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DnsError {
    #[error("message shorter than the 12-byte header")]
    ShortHeader,
    #[error("name at offset {0} is malformed")]
    BadName(usize),
    #[error("record at offset {0} runs past the message")]
    Truncated(usize),
}

/// The header (RFC 1035 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsHeader {
    pub id: u16,
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl DnsHeader {
    /// QR: a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    pub fn aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    pub fn tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    pub fn rd(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    pub fn ra(&self) -> bool {
        self.flags & 0x0080 != 0
    }
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
}

/// One question.
#[derive(Debug, Clone, Copy)]
pub struct DnsQuestion<'a> {
    pub name: Name<'a>,
    pub qtype: u16,
    pub qclass: u16,
}

/// One resource record.
#[derive(Debug, Clone, Copy)]
pub struct DnsRecord<'a> {
    pub name: Name<'a>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    /// The record's data, and the whole message (for compressed names in it).
    pub rdata: &'a [u8],
    pub message: &'a [u8],
}

/// A parsed message, borrowing the packet.
#[derive(Debug, Clone)]
pub struct DnsMessage<'a> {
    pub header: DnsHeader,
    pub questions: Vec<DnsQuestion<'a>>,
    pub answers: Vec<DnsRecord<'a>>,
    pub authorities: Vec<DnsRecord<'a>>,
    /// Records beyond [`MAX_RECORDS`] per section, not kept.
    pub truncated: usize,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The header of `msg`.
pub fn parse_header(msg: &[u8]) -> Result<DnsHeader, DnsError> {
    let field = |at| be16(msg, at).ok_or(DnsError::ShortHeader);
    Ok(DnsHeader {
        id: field(0)?,
        flags: field(2)?,
        qdcount: field(4)?,
        ancount: field(6)?,
        nscount: field(8)?,
        arcount: field(10)?,
    })
}

fn scan_name(msg: &[u8], at: usize) -> Result<Name<'_>, DnsError> {
    let rest = msg.get(at..).ok_or(DnsError::BadName(at))?;
    Name::scan(rest, msg).map_err(|_| DnsError::BadName(at))
}

/// Parses one message. Additional records are not parsed (EDNS and glue
/// are not logged).
pub fn parse_message(msg: &[u8]) -> Result<DnsMessage<'_>, DnsError> {
    let header = parse_header(msg)?;
    let mut at = HEADER_LEN;
    let mut truncated = 0;
    let mut questions = Vec::new();
    for _ in 0..header.qdcount {
        let name = scan_name(msg, at)?;
        at += name.byte_len();
        let qtype = be16(msg, at).ok_or(DnsError::Truncated(at))?;
        let qclass = be16(msg, at + 2).ok_or(DnsError::Truncated(at))?;
        at += 4;
        if questions.len() < MAX_RECORDS {
            questions.push(DnsQuestion {
                name,
                qtype,
                qclass,
            });
        } else {
            truncated += 1;
        }
    }
    let mut answers = Vec::new();
    let mut authorities = Vec::new();
    for (count, list) in [
        (header.ancount, &mut answers),
        (header.nscount, &mut authorities),
    ] {
        for _ in 0..count {
            let name = scan_name(msg, at)?;
            at += name.byte_len();
            let rtype = be16(msg, at).ok_or(DnsError::Truncated(at))?;
            let class = be16(msg, at + 2).ok_or(DnsError::Truncated(at))?;
            let ttl = be32(msg, at + 4).ok_or(DnsError::Truncated(at))?;
            let rdlen = usize::from(be16(msg, at + 8).ok_or(DnsError::Truncated(at))?);
            at += 10;
            let rdata = msg.get(at..at + rdlen).ok_or(DnsError::Truncated(at))?;
            at += rdlen;
            if list.len() < MAX_RECORDS {
                list.push(DnsRecord {
                    name,
                    rtype,
                    class,
                    ttl,
                    rdata,
                    message: msg,
                });
            } else {
                truncated += 1;
            }
        }
    }
    Ok(DnsMessage {
        header,
        questions,
        answers,
        authorities,
        truncated,
    })
}

/// Whether `msg` is plausibly DNS: a sane header (standard opcodes, at most
/// a few questions, not a wall of records) and a question section that parses.
pub fn looks_like_dns(msg: &[u8]) -> bool {
    let Ok(h) = parse_header(msg) else {
        return false;
    };
    if h.opcode() > 6 || h.opcode() == 3 || h.qdcount == 0 || h.qdcount > 4 {
        return false;
    }
    if !h.is_response() && (h.ancount > 16 || h.nscount > 16) {
        return false;
    }
    let mut at = HEADER_LEN;
    for _ in 0..h.qdcount {
        let Ok(name) = scan_name(msg, at) else {
            return false;
        };
        at += name.byte_len();
        let Some(class) = be16(msg, at + 2) else {
            return false;
        };
        // IN, CH, HS, ANY; mDNS sets the top bit (unicast response wanted).
        if !matches!(class & 0x7fff, 1 | 3 | 4 | 255) {
            return false;
        }
        at += 4;
    }
    true
}

/// The mnemonic of a record type (IANA DNS parameters), or its number.
pub fn rrtype_name(t: u16) -> std::borrow::Cow<'static, str> {
    let name = match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        10 => "NULL",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        39 => "DNAME",
        41 => "OPT",
        43 => "DS",
        44 => "SSHFP",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        50 => "NSEC3",
        52 => "TLSA",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => return std::borrow::Cow::Owned(t.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}

/// Suricata's name of a response code (RFC 6895 §2.3).
pub fn rcode_name(rcode: u8) -> std::borrow::Cow<'static, str> {
    let name = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => return std::borrow::Cow::Owned(rcode.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A query for www.example.com A, id 0x1234, RD set.
    pub static QUERY: &[u8] = &[
        0x12, 0x34, // id
        0x01, 0x00, // flags: RD
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1 question
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0x00, 0x01, // type A
        0x00, 0x01, // class IN
    ];

    /// Its response: one A record 93.184.216.34 with a compressed name.
    pub static RESPONSE: &[u8] = &[
        0x12, 0x34, // id
        0x81, 0x80, // flags: QR RD RA
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // 1 question, 1 answer
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0x00, 0x01, 0x00, 0x01, // A IN
        0xc0, 0x0c, // name: pointer to offset 12
        0x00, 0x01, 0x00, 0x01, // A IN
        0x00, 0x00, 0x0e, 0x10, // ttl 3600
        0x00, 0x04, 93, 184, 216, 34, // rdata
    ];

    #[test]
    fn parses_query_and_response() {
        let q = parse_message(QUERY).unwrap();
        assert!(!q.header.is_response());
        assert_eq!(q.questions.len(), 1);
        assert_eq!(q.questions[0].name.to_string(), "www.example.com");
        let r = parse_message(RESPONSE).unwrap();
        assert!(r.header.is_response());
        assert_eq!(r.answers[0].name.to_string(), "www.example.com");
        assert_eq!(r.answers[0].rdata, &[93, 184, 216, 34]);
        assert_eq!(r.answers[0].ttl, 3600);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for cut in 0..RESPONSE.len() {
            assert!(parse_message(&RESPONSE[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn pointer_loop_is_rejected() {
        let mut m = QUERY[..12].to_vec();
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]); // name points at itself
        assert!(parse_message(&m).is_err());
        assert!(!looks_like_dns(&m));
    }

    #[test]
    fn counts_larger_than_the_message() {
        let mut m = QUERY.to_vec();
        m[6] = 0xff; // ancount 65280 with no records
        m[7] = 0x00;
        assert!(matches!(parse_message(&m), Err(DnsError::BadName(_))));
    }

    #[test]
    fn unknown_types_survive() {
        let mut m = QUERY.to_vec();
        let n = m.len();
        m[n - 3] = 65; // HTTPS
        let q = parse_message(&m).unwrap();
        assert_eq!(rrtype_name(q.questions[0].qtype), "HTTPS");
        assert_eq!(rrtype_name(4242), "4242");
    }

    #[test]
    fn probe_rejects_text() {
        assert!(!looks_like_dns(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(looks_like_dns(QUERY));
    }
}
