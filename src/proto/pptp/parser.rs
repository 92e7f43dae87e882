//! PPTP control message parsing (RFC 2637 §2): every control message
//! starts with its length (2), the PPTP message type (2, 1 = control), the
//! magic cookie 0x1A2B3C4D (4), the control message type (2) and a
//! reserved word (2).

use thiserror::Error;

/// The magic cookie (RFC 2637 §2).
pub const MAGIC_COOKIE: u32 = 0x1A2B_3C4D;
/// Bytes of the common header.
pub const HEADER_LEN: usize = 12;
/// Bytes of the host name and vendor fields of SCCRQ/SCCRP (§2.1).
pub const NAME_LEN: usize = 64;

/// Control message type (RFC 2637 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CtrlType(pub u16);

impl CtrlType {
    pub const START_CONTROL_CONNECTION_REQUEST: CtrlType = CtrlType(1);
    pub const START_CONTROL_CONNECTION_REPLY: CtrlType = CtrlType(2);
    pub const OUTGOING_CALL_REQUEST: CtrlType = CtrlType(7);
    pub const OUTGOING_CALL_REPLY: CtrlType = CtrlType(8);

    /// The RFC's name, or `None` for a type it does not define.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "Start-Control-Connection-Request",
            2 => "Start-Control-Connection-Reply",
            3 => "Stop-Control-Connection-Request",
            4 => "Stop-Control-Connection-Reply",
            5 => "Echo-Request",
            6 => "Echo-Reply",
            7 => "Outgoing-Call-Request",
            8 => "Outgoing-Call-Reply",
            9 => "Incoming-Call-Request",
            10 => "Incoming-Call-Reply",
            11 => "Incoming-Call-Connected",
            12 => "Call-Clear-Request",
            13 => "Call-Disconnect-Notify",
            14 => "WAN-Error-Notify",
            15 => "Set-Link-Info",
            _ => return None,
        })
    }
}

/// Why bytes are not a PPTP control message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PptpError {
    #[error("length {0} is shorter than the 12-byte header")]
    ShortLength(u16),
    #[error("PPTP message type {0} is not 1 (control)")]
    MessageType(u16),
    #[error("magic cookie {0:#010x} is not 0x1a2b3c4d")]
    Cookie(u32),
    #[error("control message type {0} is not defined")]
    CtrlType(u16),
}

/// One control message (borrowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PptpMessage<'a> {
    pub ctrl_type: CtrlType,
    /// What follows the common header.
    pub body: &'a [u8],
}

impl<'a> PptpMessage<'a> {
    fn be16(&self, at: usize) -> Option<u16> {
        self.body
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    /// SCCRQ/SCCRP host name and vendor strings, NUL padded (§2.1, §2.2).
    pub fn host_and_vendor(&self) -> Option<(&'a [u8], &'a [u8])> {
        if !matches!(self.ctrl_type.0, 1 | 2) {
            return None;
        }
        let trim = |b: &'a [u8]| b.split(|&c| c == 0).next().unwrap_or(b);
        let host = self.body.get(16..16 + NAME_LEN)?;
        let vendor = self.body.get(16 + NAME_LEN..16 + 2 * NAME_LEN)?;
        Some((trim(host), trim(vendor)))
    }
    /// The call id this message's sender chose (OCRQ, OCRP, ICRQ, ICRP:
    /// §2.7 to §2.10).
    pub fn call_id(&self) -> Option<u16> {
        matches!(self.ctrl_type.0, 7..=10)
            .then(|| self.be16(0))
            .flatten()
    }
    /// The peer's call id a reply answers (OCRP, ICRP).
    pub fn peer_call_id(&self) -> Option<u16> {
        matches!(self.ctrl_type.0, 8 | 10)
            .then(|| self.be16(2))
            .flatten()
    }
}

/// One control message and the bytes after it.
pub type Split<'a> = (PptpMessage<'a>, &'a [u8]);

/// Splits one control message off a stream: `Ok(Some((message, rest)))`,
/// `Ok(None)` if incomplete, an error if the header is not PPTP's.
pub fn split(data: &[u8]) -> Result<Option<Split<'_>>, PptpError> {
    check_header(data)?;
    let Some(len) = data.get(..2) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let Some(msg) = data.get(..len) else {
        return Ok(None);
    };
    let ctrl = msg
        .get(8..10)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .unwrap_or(0);
    Ok(Some((
        PptpMessage {
            ctrl_type: CtrlType(ctrl),
            body: msg.get(HEADER_LEN..).unwrap_or(&[]),
        },
        data.get(len..).unwrap_or(&[]),
    )))
}

/// Checks as much of the header as `data` holds (a prefix is fine).
pub fn check_header(data: &[u8]) -> Result<(), PptpError> {
    let be16 = |at: usize| {
        data.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    if let Some(len) = be16(0) {
        if usize::from(len) < HEADER_LEN {
            return Err(PptpError::ShortLength(len));
        }
    }
    if let Some(t) = be16(2) {
        if t != 1 {
            return Err(PptpError::MessageType(t));
        }
    }
    let cookie = MAGIC_COOKIE.to_be_bytes();
    let have = data.get(4..8.min(data.len())).unwrap_or(&[]);
    if have != cookie.get(..have.len()).unwrap_or(&[]) {
        let mut c = [0u8; 4];
        for (d, s) in c.iter_mut().zip(have) {
            *d = *s;
        }
        return Err(PptpError::Cookie(u32::from_be_bytes(c)));
    }
    if let Some(t) = be16(8) {
        if CtrlType(t).name().is_none() {
            return Err(PptpError::CtrlType(t));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A Start-Control-Connection-Request from host "gw" by vendor "acme".
    pub fn sccrq() -> Vec<u8> {
        let mut m = vec![
            0x00, 0x9c, // length 156
            0x00, 0x01, // PPTP message type: control
            0x1a, 0x2b, 0x3c, 0x4d, // magic cookie
            0x00, 0x01, // control type: SCCRQ
            0x00, 0x00, // reserved
            0x01, 0x00, // protocol version 1.0
            0x00, 0x00, // reserved
            0x00, 0x00, 0x00, 0x03, // framing capabilities
            0x00, 0x00, 0x00, 0x03, // bearer capabilities
            0x00, 0x00, // maximum channels
            0x00, 0x01, // firmware revision
        ];
        let mut host = b"gw".to_vec();
        host.resize(NAME_LEN, 0); // host name, NUL padded
        let mut vendor = b"acme".to_vec();
        vendor.resize(NAME_LEN, 0); // vendor, NUL padded
        m.extend_from_slice(&host);
        m.extend_from_slice(&vendor);
        m
    }

    /// An Outgoing-Call-Reply: call id 7 answering call id 3.
    pub static OCRP: &[u8] = &[
        0x00, 0x20, // length 32
        0x00, 0x01, // control
        0x1a, 0x2b, 0x3c, 0x4d, // magic cookie
        0x00, 0x08, // control type: OCRP
        0x00, 0x00, // reserved
        0x00, 0x07, // call id
        0x00, 0x03, // peer's call id
        0x01, 0x00, // result code 1 (connected), error code 0
        0x00, 0x00, // cause code
        0x00, 0x00, 0xfa, 0x00, // connect speed
        0x00, 0x40, // receive window
        0x00, 0x00, // processing delay
        0x00, 0x00, 0x00, 0x00, // physical channel id
    ];

    #[test]
    fn parses_sccrq_and_ocrp() {
        let m = sccrq();
        let (msg, rest) = split(&m).unwrap().unwrap();
        assert!(rest.is_empty());
        assert_eq!(msg.host_and_vendor(), Some((&b"gw"[..], &b"acme"[..])));
        let (o, _) = split(OCRP).unwrap().unwrap();
        assert_eq!(o.call_id(), Some(7));
        assert_eq!(o.peer_call_id(), Some(3));
    }

    #[test]
    fn every_truncation_waits_not_panics() {
        let m = sccrq();
        for cut in 0..m.len() {
            assert_eq!(split(&m[..cut]), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn bad_headers() {
        let mut m = OCRP.to_vec();
        m[1] = 4; // length shorter than the header
        assert_eq!(split(&m), Err(PptpError::ShortLength(4)));
        let mut m = OCRP.to_vec();
        m[1] = 0xff; // length larger than the buffer: incomplete
        assert_eq!(split(&m), Ok(None));
        let mut m = OCRP.to_vec();
        m[7] = 0;
        assert!(matches!(split(&m), Err(PptpError::Cookie(_))));
        let mut m = OCRP.to_vec();
        m[9] = 99;
        assert_eq!(split(&m), Err(PptpError::CtrlType(99)));
        assert_eq!(split(&[0, 0]), Err(PptpError::ShortLength(0)));
    }
}
