//! L2TP version 2 control message parsing (RFC 2661 §3.1 header, §4.1 AVP
//! format, §4.4.1 Message Type AVP).

use thiserror::Error;

/// The flag bits of the first word (RFC 2661 §3.1).
pub const T_BIT: u16 = 0x8000;
pub const L_BIT: u16 = 0x4000;
pub const S_BIT: u16 = 0x0800;
pub const O_BIT: u16 = 0x0200;
/// Bits that must be zero (the reserved `x` bits and, for control
/// messages, O and P), and the version nibble.
pub const CONTROL_MASK: u16 = 0xcb0f | O_BIT | 0x0100 | 0x3000 | 0x04f0;
/// A control message's first word: T, L and S set, version 2.
pub const CONTROL_WORD: u16 = T_BIT | L_BIT | S_BIT | 2;
/// Bytes of a control message header (flags, length, tunnel, session,
/// Ns, Nr).
pub const HEADER_LEN: usize = 12;
/// Most AVPs walked in one message.
pub const MAX_AVPS: usize = 64;
/// The Host Name AVP (RFC 2661 §4.4.3).
pub const AVP_HOST_NAME: u16 = 7;

/// Why a datagram is not an L2TPv2 control message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum L2tpError {
    #[error("message of {0} bytes is shorter than its header")]
    Truncated(usize),
    #[error("flags and version word {0:#06x} is not an L2TPv2 control message's")]
    NotControl(u16),
    #[error("length field {0} does not match the datagram's {1} bytes")]
    Length(u16, usize),
    #[error("AVP at offset {0} is malformed")]
    Avp(usize),
    #[error("first AVP is not a Message Type")]
    NoMessageType,
}

/// One AVP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Avp<'a> {
    pub mandatory: bool,
    pub vendor: u16,
    pub attr: u16,
    pub value: &'a [u8],
}

/// One control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2tpControl<'a> {
    pub tunnel_id: u16,
    pub session_id: u16,
    pub ns: u16,
    pub nr: u16,
    /// The Message Type AVP's value; `None` for a ZLB acknowledgement.
    pub message_type: Option<u16>,
    pub avps: Vec<Avp<'a>>,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

/// Parses one control message, strictly: the flag word of a control
/// message, the length equal to the datagram's, AVPs that tile the rest,
/// and a Message Type AVP first (mandatory, vendor 0, length 8).
pub fn parse(d: &[u8]) -> Result<L2tpControl<'_>, L2tpError> {
    let t = L2tpError::Truncated(d.len());
    let word = be16(d, 0).ok_or(t)?;
    if word & CONTROL_MASK != CONTROL_WORD {
        return Err(L2tpError::NotControl(word));
    }
    let length = be16(d, 2).ok_or(t)?;
    if usize::from(length) != d.len() || d.len() < HEADER_LEN {
        return Err(L2tpError::Length(length, d.len()));
    }
    let mut avps = Vec::new();
    let mut at = HEADER_LEN;
    while at < d.len() {
        let fl = be16(d, at).ok_or(L2tpError::Avp(at))?;
        let len = usize::from(fl & 0x03ff);
        if len < 6 || fl & 0x3c00 != 0 {
            return Err(L2tpError::Avp(at));
        }
        let avp = d.get(at..at + len).ok_or(L2tpError::Avp(at))?;
        if avps.len() < MAX_AVPS {
            avps.push(Avp {
                mandatory: fl & 0x8000 != 0,
                vendor: be16(avp, 2).ok_or(L2tpError::Avp(at))?,
                attr: be16(avp, 4).ok_or(L2tpError::Avp(at))?,
                value: avp.get(6..).unwrap_or(&[]),
            });
        }
        at += len;
    }
    let message_type = match avps.first() {
        None => None,
        Some(a) if a.vendor == 0 && a.attr == 0 && a.value.len() == 2 && a.mandatory => {
            be16(a.value, 0)
        }
        Some(_) => return Err(L2tpError::NoMessageType),
    };
    Ok(L2tpControl {
        tunnel_id: be16(d, 4).ok_or(t)?,
        session_id: be16(d, 6).ok_or(t)?,
        ns: be16(d, 8).ok_or(t)?,
        nr: be16(d, 10).ok_or(t)?,
        message_type,
        avps,
    })
}

/// The message type's name (RFC 2661 §3.2), or `None`.
pub fn message_name(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "SCCRQ",
        2 => "SCCRP",
        3 => "SCCCN",
        4 => "StopCCN",
        6 => "HELLO",
        7 => "OCRQ",
        8 => "OCRP",
        9 => "OCCN",
        10 => "ICRQ",
        11 => "ICRP",
        12 => "ICCN",
        14 => "CDN",
        15 => "WEN",
        16 => "SLI",
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An SCCRQ with the Message Type and Host Name AVPs.
    pub static SCCRQ: &[u8] = &[
        0xc8, 0x02, // T L S, version 2
        0x00, 0x1c, // length 28
        0x00, 0x00, // tunnel id 0
        0x00, 0x00, // session id 0
        0x00, 0x00, // Ns
        0x00, 0x00, // Nr
        0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // AVP M, len 8: Message Type = SCCRQ
        0x80, 0x08, 0x00, 0x00, 0x00, 0x07, b'l', b'n', // AVP M, len 8: Host Name "ln"
    ];

    #[test]
    fn parses_sccrq() {
        let m = parse(SCCRQ).unwrap();
        assert_eq!(m.message_type, Some(1));
        assert_eq!(m.avps[1].attr, AVP_HOST_NAME);
        assert_eq!(m.avps[1].value, b"ln");
        assert_eq!(message_name(1), Some("SCCRQ"));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for cut in 0..SCCRQ.len() {
            assert!(parse(&SCCRQ[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn lengths_and_flags() {
        let mut m = SCCRQ.to_vec();
        m[3] = 0xff; // length larger than the datagram
        assert_eq!(parse(&m), Err(L2tpError::Length(0xff, 28)));
        let mut m = SCCRQ.to_vec();
        m[13] = 0x00; // zero AVP length
        assert_eq!(parse(&m), Err(L2tpError::Avp(12)));
        let mut m = SCCRQ.to_vec();
        m[1] = 3; // L2TPv3
        assert!(matches!(parse(&m), Err(L2tpError::NotControl(_))));
        let zlb = &SCCRQ[..12];
        let mut zlb = zlb.to_vec();
        zlb[3] = 12;
        assert_eq!(parse(&zlb).unwrap().message_type, None);
    }
}
