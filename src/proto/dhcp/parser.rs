//! DHCP message parsing (RFC 2131 §2, options RFC 2132): a borrowed view of
//! the fixed BOOTP header (RFC 951) and an iterator over the options,
//! including those carried in `sname`/`file` when option 52 overloads them.

use std::net::Ipv4Addr;

use thiserror::Error;

/// Bytes of the fixed header up to and including the magic cookie
/// (RFC 2131 §2: 236 bytes of BOOTP fields, then the 4-byte cookie).
pub const HEADER_LEN: usize = 240;

/// The options magic cookie 99.130.83.99 (RFC 2131 §3).
pub const MAGIC_COOKIE: [u8; 4] = [0x63, 0x82, 0x53, 0x63];

/// BOOTREQUEST / BOOTREPLY (RFC 951).
pub const OP_REQUEST: u8 = 1;
pub const OP_REPLY: u8 = 2;

/// Option codes used here (RFC 2132).
pub mod opt {
    pub const PAD: u8 = 0;
    pub const SUBNET_MASK: u8 = 1;
    pub const ROUTERS: u8 = 3;
    pub const DNS_SERVERS: u8 = 6;
    pub const HOSTNAME: u8 = 12;
    pub const DOMAIN: u8 = 15;
    pub const REQUESTED_IP: u8 = 50;
    pub const LEASE_TIME: u8 = 51;
    pub const OVERLOAD: u8 = 52;
    pub const MESSAGE_TYPE: u8 = 53;
    pub const SERVER_ID: u8 = 54;
    pub const PARAMETER_LIST: u8 = 55;
    pub const RENEWAL_TIME: u8 = 58;
    pub const REBINDING_TIME: u8 = 59;
    pub const VENDOR_CLASS: u8 = 60;
    pub const CLIENT_ID: u8 = 61;
    pub const END: u8 = 255;
}

/// Most options walked in one message (each is at least one byte, so a
/// 1500-byte datagram holds fewer; a bound keeps the walk cheap).
pub const MAX_OPTIONS: usize = 255;

/// Why a DHCP message did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DhcpError {
    #[error("message of {0} bytes is shorter than the 240-byte header")]
    Short(usize),
    #[error("magic cookie missing")]
    NoCookie,
    #[error("option {code} at offset {at} runs past the message")]
    TruncatedOption { code: u8, at: usize },
}

/// A DHCP message's fixed fields (RFC 2131 §2, figure 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpHeader<'a> {
    pub op: u8,
    pub htype: u8,
    pub hlen: u8,
    pub hops: u8,
    pub xid: u32,
    pub secs: u16,
    pub flags: u16,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// All 16 bytes of `chaddr`; the hardware address is the first `hlen`.
    pub chaddr: &'a [u8],
    pub sname: &'a [u8],
    pub file: &'a [u8],
}

/// One option: its code and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpOption<'a> {
    pub code: u8,
    pub data: &'a [u8],
}

/// A parsed message, borrowing the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpMessage<'a> {
    pub header: DhcpHeader<'a>,
    /// Options in wire order (main area, then `file`, then `sname` when
    /// overloaded, RFC 2131 §4.1), at most [`MAX_OPTIONS`].
    pub options: Vec<DhcpOption<'a>>,
}

impl DhcpMessage<'_> {
    /// The first option `code`, if present.
    pub fn option(&self, code: u8) -> Option<&[u8]> {
        self.options.iter().find(|o| o.code == code).map(|o| o.data)
    }
}

fn ipv4(b: &[u8], at: usize) -> Option<Ipv4Addr> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(Ipv4Addr::from(s))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(s))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// Parses the fixed header (through the magic cookie).
pub fn parse_header(msg: &[u8]) -> Result<DhcpHeader<'_>, DhcpError> {
    let short = DhcpError::Short(msg.len());
    if msg.len() < HEADER_LEN {
        return Err(short);
    }
    if msg.get(236..240) != Some(&MAGIC_COOKIE[..]) {
        return Err(DhcpError::NoCookie);
    }
    let byte = |at: usize| msg.get(at).copied().ok_or(short);
    let addr = |at: usize| ipv4(msg, at).ok_or(short);
    Ok(DhcpHeader {
        op: byte(0)?,
        htype: byte(1)?,
        hlen: byte(2)?,
        hops: byte(3)?,
        xid: be32(msg, 4).ok_or(short)?,
        secs: be16(msg, 8).ok_or(short)?,
        flags: be16(msg, 10).ok_or(short)?,
        ciaddr: addr(12)?,
        yiaddr: addr(16)?,
        siaddr: addr(20)?,
        giaddr: addr(24)?,
        chaddr: msg.get(28..44).ok_or(short)?,
        sname: msg.get(44..108).ok_or(short)?,
        file: msg.get(108..236).ok_or(short)?,
    })
}

/// Walks the options in `area` into `out`; `base` is the area's offset in
/// the message, for error reports. Stops at END or the area's end.
fn walk<'a>(area: &'a [u8], base: usize, out: &mut Vec<DhcpOption<'a>>) -> Result<(), DhcpError> {
    let mut at = 0;
    while let Some(&code) = area.get(at) {
        match code {
            opt::PAD => at += 1,
            opt::END => break,
            _ => {
                let len = area
                    .get(at + 1)
                    .copied()
                    .ok_or(DhcpError::TruncatedOption {
                        code,
                        at: base + at,
                    })?;
                let start = at + 2;
                let data = area.get(start..start + usize::from(len)).ok_or(
                    DhcpError::TruncatedOption {
                        code,
                        at: base + at,
                    },
                )?;
                if out.len() < MAX_OPTIONS {
                    out.push(DhcpOption { code, data });
                }
                at = start + usize::from(len);
            }
        }
    }
    Ok(())
}

/// Parses one message: the header and every option (RFC 2131 §4.1 for the
/// overload order: options field, then `file`, then `sname`).
pub fn parse_message(msg: &[u8]) -> Result<DhcpMessage<'_>, DhcpError> {
    let header = parse_header(msg)?;
    let mut options = Vec::new();
    walk(
        msg.get(HEADER_LEN..).unwrap_or(&[]),
        HEADER_LEN,
        &mut options,
    )?;
    let overload = options
        .iter()
        .find(|o| o.code == opt::OVERLOAD)
        .and_then(|o| o.data.first().copied())
        .unwrap_or(0);
    if overload & 1 != 0 {
        walk(header.file, 108, &mut options)?;
    }
    if overload & 2 != 0 {
        walk(header.sname, 44, &mut options)?;
    }
    Ok(DhcpMessage { header, options })
}

/// Whether `msg` looks like DHCP on Ethernet: a BOOTP op, htype 1, hlen 6
/// and the magic cookie (RFC 2131 §2, §3).
pub fn looks_like_dhcp(msg: &[u8]) -> bool {
    matches!(msg.first(), Some(&OP_REQUEST | &OP_REPLY))
        && msg.get(1) == Some(&1)
        && msg.get(2) == Some(&6)
        && msg.get(236..240) == Some(&MAGIC_COOKIE[..])
}

/// The IPv4 addresses in an option whose data is a list of them (routers,
/// DNS servers: RFC 2132 §3.5, §3.8); a trailing partial address is ignored.
pub fn addr_list(data: &[u8]) -> impl Iterator<Item = Ipv4Addr> + '_ {
    data.chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok().map(Ipv4Addr::from))
}

/// An option holding one address or a 32-bit time, if exactly four bytes.
pub fn opt_addr(data: &[u8]) -> Option<Ipv4Addr> {
    (data.len() == 4).then(|| ipv4(data, 0)).flatten()
}

/// An option holding a 32-bit number of seconds (RFC 2132 §9.2, §9.11, §9.12).
pub fn opt_u32(data: &[u8]) -> Option<u32> {
    (data.len() == 4).then(|| be32(data, 0)).flatten()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The fixed header of a DHCPREQUEST from 02:00:5e:10:20:30.
    fn header(op: u8) -> Vec<u8> {
        let mut m = vec![
            op, // op: BOOTREQUEST / BOOTREPLY
            1,  // htype: Ethernet
            6,  // hlen
            0,  // hops
            0x12, 0x34, 0x56, 0x78, // xid
            0, 3, // secs
            0x80, 0, // flags: broadcast
            0, 0, 0, 0, // ciaddr
            192, 0, 2, 77, // yiaddr
            192, 0, 2, 1, // siaddr
            0, 0, 0, 0, // giaddr
        ];
        m.extend_from_slice(&[0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]); // chaddr
        m.extend_from_slice(&[0; 10]); // chaddr padding
        m.extend_from_slice(&[0; 64]); // sname
        m.extend_from_slice(&[0; 128]); // file
        m.extend_from_slice(&MAGIC_COOKIE); // magic cookie
        m
    }

    /// Options of a DHCPREQUEST.
    pub static REQUEST_OPTIONS: &[u8] = &[
        53, 1, 3, // message type: request
        61, 7, 1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, // client id: htype 1 + MAC
        50, 4, 192, 0, 2, 77, // requested ip
        54, 4, 192, 0, 2, 1, // server id
        12, 6, b'l', b'a', b'p', b't', b'o', b'p', // hostname "laptop"
        60, 4, b'k', b'g', b'm', b'1', // vendor class "kgm1"
        55, 5, 1, 3, 6, 15, 252, // parameter request list
        0,   // pad
        255, // end
    ];

    /// Options of a DHCPACK.
    pub static ACK_OPTIONS: &[u8] = &[
        53, 1, 5, // message type: ack
        54, 4, 192, 0, 2, 1, // server id
        51, 4, 0, 0, 0x0e, 0x10, // lease time 3600
        58, 4, 0, 0, 0x07, 0x08, // renewal 1800
        59, 4, 0, 0, 0x0c, 0x4e, // rebinding 3150
        1, 4, 255, 255, 255, 0, // subnet mask
        3, 4, 192, 0, 2, 1, // routers
        6, 8, 192, 0, 2, 53, 198, 51, 100, 53,  // dns servers
        255, // end
    ];

    /// A whole DHCPREQUEST.
    pub fn request() -> Vec<u8> {
        let mut m = header(OP_REQUEST);
        m.extend_from_slice(REQUEST_OPTIONS);
        m
    }

    /// A whole DHCPACK.
    pub fn ack() -> Vec<u8> {
        let mut m = header(OP_REPLY);
        m.extend_from_slice(ACK_OPTIONS);
        m
    }

    #[test]
    fn request_parses() {
        let m = request();
        assert!(looks_like_dhcp(&m));
        let msg = parse_message(&m).unwrap();
        assert_eq!(msg.header.xid, 0x12345678);
        assert_eq!(
            &msg.header.chaddr[..6],
            &[0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]
        );
        assert_eq!(msg.option(opt::MESSAGE_TYPE), Some(&[3u8][..]));
        assert_eq!(msg.option(opt::HOSTNAME), Some(&b"laptop"[..]));
        assert_eq!(
            opt_addr(msg.option(opt::REQUESTED_IP).unwrap()),
            Some(Ipv4Addr::new(192, 0, 2, 77))
        );
        assert_eq!(msg.options.len(), 7);
    }

    #[test]
    fn ack_parses() {
        let m = ack();
        let msg = parse_message(&m).unwrap();
        assert_eq!(opt_u32(msg.option(opt::LEASE_TIME).unwrap()), Some(3600));
        let dns: Vec<_> = addr_list(msg.option(opt::DNS_SERVERS).unwrap()).collect();
        assert_eq!(dns.len(), 2);
    }

    #[test]
    fn every_truncation_fails_cleanly() {
        let m = request();
        for n in 0..m.len() - 1 {
            // Cut inside an option: an error; cut between options: fewer
            // options. Never a panic.
            let r = parse_message(&m[..n]);
            if n < HEADER_LEN {
                assert!(r.is_err(), "{n}");
            }
        }
        // Cut in the middle of the hostname option.
        assert!(matches!(
            parse_message(&m[..HEADER_LEN + 27]),
            Err(DhcpError::TruncatedOption { code: 12, .. })
        ));
    }

    #[test]
    fn length_fields() {
        // option length larger than the buffer
        let mut m = header(OP_REQUEST);
        m.extend_from_slice(&[12, 200, b'a']);
        assert!(matches!(
            parse_message(&m),
            Err(DhcpError::TruncatedOption { code: 12, .. })
        ));
        // zero-length option, and no options at all
        let mut m = header(OP_REQUEST);
        m.extend_from_slice(&[12, 0, 255]);
        assert_eq!(parse_message(&m).unwrap().option(12), Some(&[][..]));
        assert!(parse_message(&header(OP_REPLY)).unwrap().options.is_empty());
        // maximum option length
        let mut m = header(OP_REQUEST);
        m.push(60);
        m.push(255);
        m.extend_from_slice(&[b'v'; 255]);
        assert_eq!(parse_message(&m).unwrap().option(60).unwrap().len(), 255);
        // no cookie
        let mut m = header(OP_REQUEST);
        m[236] = 0;
        assert_eq!(parse_message(&m), Err(DhcpError::NoCookie));
        assert!(!looks_like_dhcp(&m));
    }

    #[test]
    fn overloaded_file_field() {
        let mut m = header(OP_REPLY);
        m[108..111].copy_from_slice(&[12, 1, b'x']); // hostname in `file`
        m.extend_from_slice(&[52, 1, 1, 53, 1, 2, 255]); // overload file; offer
        let msg = parse_message(&m).unwrap();
        assert_eq!(msg.option(opt::HOSTNAME), Some(&b"x"[..]));
    }
}
