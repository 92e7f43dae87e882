//! WireGuard message parsing (the WireGuard whitepaper, §5.4): a borrowed
//! view of one datagram's message header.
//!
//! Every message starts with a type byte and three reserved zero bytes.
//! Handshake initiation (type 1) is 148 bytes, response (type 2) 92 bytes,
//! cookie reply (type 3) 64 bytes; transport data (type 4) is a 16-byte
//! header and a ciphertext of at least a 16-byte tag, padded to 16 bytes.

use thiserror::Error;

/// The message type (whitepaper §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MsgType(pub u8);

impl MsgType {
    pub const INITIATION: MsgType = MsgType(1);
    pub const RESPONSE: MsgType = MsgType(2);
    pub const COOKIE_REPLY: MsgType = MsgType(3);
    pub const TRANSPORT: MsgType = MsgType(4);
}

/// Exact lengths of the handshake messages, in bytes (whitepaper §5.4.2,
/// §5.4.3, §5.4.7).
pub const INITIATION_LEN: usize = 148;
pub const RESPONSE_LEN: usize = 92;
pub const COOKIE_REPLY_LEN: usize = 64;
/// Transport data: 16-byte header plus at least the 16-byte AEAD tag
/// (§5.4.6); the plaintext is padded to a multiple of 16.
pub const TRANSPORT_MIN_LEN: usize = 32;

/// Why a datagram is not a WireGuard message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum WgError {
    #[error("message of {0} bytes is shorter than its header")]
    Truncated(usize),
    #[error("reserved bytes are not zero")]
    Reserved,
    #[error("type {0} is not a WireGuard message type")]
    UnknownType(u8),
    #[error("type {0} message has the wrong length {1}")]
    BadLength(u8, usize),
}

/// One message's header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WgMessage {
    pub msg_type: MsgType,
    /// The sender's index (initiation, response).
    pub sender: Option<u32>,
    /// The receiver's index (response, cookie reply, transport).
    pub receiver: Option<u32>,
    /// The transport counter (transport data).
    pub counter: Option<u64>,
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_le_bytes)
}

/// Parses one datagram as a WireGuard message, with exact lengths.
pub fn parse(d: &[u8]) -> Result<WgMessage, WgError> {
    let head = d.get(..4).ok_or(WgError::Truncated(d.len()))?;
    if head.get(1..4) != Some(&[0, 0, 0][..]) {
        return Err(WgError::Reserved);
    }
    let t = head.first().copied().unwrap_or(0);
    let bad = || WgError::BadLength(t, d.len());
    let m = match MsgType(t) {
        MsgType::INITIATION if d.len() == INITIATION_LEN => WgMessage {
            msg_type: MsgType(t),
            sender: le32(d, 4),
            receiver: None,
            counter: None,
        },
        MsgType::RESPONSE if d.len() == RESPONSE_LEN => WgMessage {
            msg_type: MsgType(t),
            sender: le32(d, 4),
            receiver: le32(d, 8),
            counter: None,
        },
        MsgType::COOKIE_REPLY if d.len() == COOKIE_REPLY_LEN => WgMessage {
            msg_type: MsgType(t),
            sender: None,
            receiver: le32(d, 4),
            counter: None,
        },
        MsgType::TRANSPORT if d.len() >= TRANSPORT_MIN_LEN && d.len() % 16 == 0 => WgMessage {
            msg_type: MsgType(t),
            sender: None,
            receiver: le32(d, 4),
            counter: d
                .get(8..16)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_le_bytes),
        },
        MsgType(1..=4) => return Err(bad()),
        _ => return Err(WgError::UnknownType(t)),
    };
    Ok(m)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A handshake initiation: header and zero-filled body.
    pub fn initiation() -> Vec<u8> {
        let mut m = vec![
            0x01, 0x00, 0x00, 0x00, // type 1, reserved
            0x78, 0x56, 0x34, 0x12, // sender index 0x12345678
        ];
        m.resize(INITIATION_LEN, 0xa5); // ephemeral, static, timestamp, macs
        m
    }

    /// A transport message: header and 32 bytes of ciphertext.
    pub static TRANSPORT: &[u8] = &[
        0x04, 0x00, 0x00, 0x00, // type 4, reserved
        0x78, 0x56, 0x34, 0x12, // receiver index
        0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // counter 7
        0x91, 0x2e, 0x5c, 0xa0, 0x17, 0xd4, 0x3b, 0x68, 0x0f, 0xe9, 0x42, 0x8d, 0x71, 0xb6, 0x2a,
        0xc3, // ciphertext (1/2)
        0x55, 0x1e, 0x87, 0xfa, 0x30, 0x6d, 0xb9, 0x04, 0xce, 0x23, 0x9a, 0x46, 0xe1, 0x7c, 0x18,
        0xb5, // ciphertext (2/2)
    ];

    #[test]
    fn parses_messages() {
        let m = parse(&initiation()).unwrap();
        assert_eq!(m.sender, Some(0x12345678));
        let t = parse(TRANSPORT).unwrap();
        assert_eq!(t.receiver, Some(0x12345678));
        assert_eq!(t.counter, Some(7));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let init = initiation();
        for cut in 0..init.len() {
            assert!(parse(&init[..cut]).is_err(), "cut at {cut}");
        }
        for cut in 0..TRANSPORT.len() {
            let r = parse(&TRANSPORT[..cut]);
            assert!(r.is_err() || cut % 16 == 0, "cut at {cut}");
        }
        assert_eq!(parse(&[]), Err(WgError::Truncated(0)));
    }

    #[test]
    fn reserved_and_lengths() {
        let mut t = TRANSPORT.to_vec();
        t[2] = 1;
        assert_eq!(parse(&t), Err(WgError::Reserved));
        let mut t = TRANSPORT.to_vec();
        t.push(0);
        assert_eq!(parse(&t), Err(WgError::BadLength(4, 49)));
        let mut r = initiation();
        r[0] = 2; // a response must be 92 bytes
        assert!(matches!(parse(&r), Err(WgError::BadLength(2, 148))));
        assert_eq!(parse(&[9, 0, 0, 0]), Err(WgError::UnknownType(9)));
    }
}
