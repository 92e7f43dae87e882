//! OpenVPN packet parsing (OpenVPN's `ssl_pkt.h` wire format, as described
//! in the protocol notes of the OpenVPN project and of MirageVPN): a
//! borrowed view of one packet. TCP framing (a two-byte length before each
//! packet) is split here too; what a packet means for the flow is `state.rs`.
//!
//! A control packet is
//! `opcode|key_id (1) · session id (8) · [auth] · ack count (1) · acked
//! packet ids (4 each) · [remote session id (8)] · [message packet id (4) ·
//! TLS payload]`. `[auth]` depends on the configuration, which the wire does
//! not announce: nothing; tls-auth's HMAC (16 to 64 bytes) then replay
//! packet id (4) and time (4); or tls-crypt's packet id (4), time (4) and
//! 32-byte tag, after which the rest is encrypted. [`fit_reset`] finds the
//! layout under which a hard reset fits exactly.

use thiserror::Error;

/// Opcode and key id byte: the opcode in the top five bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Opcode(pub u8);

impl Opcode {
    pub const HARD_RESET_CLIENT_V1: Opcode = Opcode(1);
    pub const HARD_RESET_SERVER_V1: Opcode = Opcode(2);
    pub const SOFT_RESET_V1: Opcode = Opcode(3);
    pub const CONTROL_V1: Opcode = Opcode(4);
    pub const ACK_V1: Opcode = Opcode(5);
    pub const DATA_V1: Opcode = Opcode(6);
    pub const HARD_RESET_CLIENT_V2: Opcode = Opcode(7);
    pub const HARD_RESET_SERVER_V2: Opcode = Opcode(8);
    pub const DATA_V2: Opcode = Opcode(9);
    pub const HARD_RESET_CLIENT_V3: Opcode = Opcode(10);
    pub const CONTROL_WKC_V1: Opcode = Opcode(11);

    /// OpenVPN's name for the opcode, or `None` for one it does not define.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "P_CONTROL_HARD_RESET_CLIENT_V1",
            2 => "P_CONTROL_HARD_RESET_SERVER_V1",
            3 => "P_CONTROL_SOFT_RESET_V1",
            4 => "P_CONTROL_V1",
            5 => "P_ACK_V1",
            6 => "P_DATA_V1",
            7 => "P_CONTROL_HARD_RESET_CLIENT_V2",
            8 => "P_CONTROL_HARD_RESET_SERVER_V2",
            9 => "P_DATA_V2",
            10 => "P_CONTROL_HARD_RESET_CLIENT_V3",
            11 => "P_CONTROL_WKC_V1",
            _ => return None,
        })
    }
    pub fn is_client_reset(self) -> bool {
        matches!(self.0, 1 | 7 | 10)
    }
    pub fn is_server_reset(self) -> bool {
        matches!(self.0, 2 | 8)
    }
    pub fn is_data(self) -> bool {
        matches!(self.0, 6 | 9)
    }
    /// A control-channel opcode (session id follows).
    pub fn is_control(self) -> bool {
        matches!(self.0, 1..=5 | 7 | 8 | 10 | 11)
    }
}

/// The opcode and key id of a packet's first byte.
pub fn split_first(b: u8) -> (Opcode, u8) {
    (Opcode(b >> 3), b & 7)
}

/// How control packets are protected; the wire does not say, so it is
/// inferred from the hard reset (see [`fit_reset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No tls-auth or tls-crypt.
    Plain,
    /// tls-auth with an HMAC of this many bytes.
    TlsAuth(u8),
    /// tls-crypt (v1 or v2): the fields after the tag are encrypted.
    TlsCrypt,
}

/// HMAC lengths tls-auth may use (MD5, SHA-1, SHA-224, SHA-256, SHA-384,
/// SHA-512), in bytes.
pub const HMAC_LENS: [u8; 6] = [16, 20, 28, 32, 48, 64];

/// Bytes of tls-crypt's authentication tag.
pub const TLS_CRYPT_TAG: usize = 32;

/// Most acknowledgements one packet carries (OpenVPN's `RELIABLE_ACK_SIZE`
/// is 8).
pub const MAX_ACKS: usize = 8;

/// Largest replay packet id accepted in a hard reset (the reset is packet
/// 1; retransmissions count up).
pub const MAX_RESET_PACKET_ID: u32 = 64;

/// Longest OpenVPN packet, in bytes (the TCP length prefix is 16 bits).
pub const MAX_PACKET: usize = 65535;

/// Why a packet did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OvpnError {
    #[error("packet truncated at offset {0}")]
    Truncated(usize),
    #[error("opcode {0} is not a control opcode")]
    NotControl(u8),
    #[error("ack count {0} exceeds {MAX_ACKS}")]
    TooManyAcks(u8),
}

/// One control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control<'a> {
    pub opcode: Opcode,
    pub key_id: u8,
    pub session_id: u64,
    /// tls-auth / tls-crypt replay packet id and time.
    pub replay: Option<(u32, u32)>,
    /// Acknowledged packet ids (empty when encrypted by tls-crypt).
    pub acks: Vec<u32>,
    /// The peer's session id, present when `acks` is not empty.
    pub remote_session_id: Option<u64>,
    /// Reliability-layer packet id (absent for `P_ACK_V1` and when encrypted).
    pub message_id: Option<u32>,
    /// What follows: TLS records, or the tls-crypt ciphertext.
    pub payload: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, OvpnError> {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
        .ok_or(OvpnError::Truncated(at))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, OvpnError> {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_be_bytes)
        .ok_or(OvpnError::Truncated(at))
}

/// Parses one control packet under `auth`.
pub fn parse_control(pkt: &[u8], auth: Auth) -> Result<Control<'_>, OvpnError> {
    let first = *pkt.first().ok_or(OvpnError::Truncated(0))?;
    let (opcode, key_id) = split_first(first);
    if !opcode.is_control() {
        return Err(OvpnError::NotControl(opcode.0));
    }
    let session_id = u64_at(pkt, 1)?;
    let mut at = 9;
    let replay = match auth {
        Auth::Plain => None,
        Auth::TlsAuth(h) => {
            at += usize::from(h);
            let r = (u32_at(pkt, at)?, u32_at(pkt, at + 4)?);
            at += 8;
            Some(r)
        }
        Auth::TlsCrypt => {
            let r = (u32_at(pkt, at)?, u32_at(pkt, at + 4)?);
            at += 8 + TLS_CRYPT_TAG;
            if pkt.len() < at {
                return Err(OvpnError::Truncated(pkt.len()));
            }
            return Ok(Control {
                opcode,
                key_id,
                session_id,
                replay: Some(r),
                acks: Vec::new(),
                remote_session_id: None,
                message_id: None,
                payload: pkt.get(at..).unwrap_or(&[]),
            });
        }
    };
    let n = *pkt.get(at).ok_or(OvpnError::Truncated(at))?;
    if usize::from(n) > MAX_ACKS {
        return Err(OvpnError::TooManyAcks(n));
    }
    at += 1;
    let mut acks = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        acks.push(u32_at(pkt, at)?);
        at += 4;
    }
    let remote_session_id = if n > 0 {
        let r = u64_at(pkt, at)?;
        at += 8;
        Some(r)
    } else {
        None
    };
    let message_id = if opcode == Opcode::ACK_V1 {
        None
    } else {
        let m = u32_at(pkt, at)?;
        at += 4;
        Some(m)
    };
    Ok(Control {
        opcode,
        key_id,
        session_id,
        replay,
        acks,
        remote_session_id,
        message_id,
        payload: pkt.get(at..).unwrap_or(&[]),
    })
}

/// Whether `rest` is a run of `type (2) · length (2) · value` entries that
/// ends exactly at its end (OpenVPN 2.6's early-negotiation TLVs), at most
/// 64 bytes.
fn is_tlv_run(mut rest: &[u8]) -> bool {
    if rest.len() > 64 {
        return false;
    }
    while !rest.is_empty() {
        let Some(len) = rest.get(2..4) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        match rest.get(4 + len..) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    true
}

/// Whether a replay id and time look like a fresh session's.
fn fresh_replay(replay: Option<(u32, u32)>) -> bool {
    matches!(replay, Some((id, time)) if (1..=MAX_RESET_PACKET_ID).contains(&id) && time != 0)
}

/// A hard reset (client or server, key id 0) that fits one layout exactly:
/// the layout and the parsed packet. Plain and tls-auth resets must carry
/// message packet id 0 and nothing but (client) early-negotiation TLVs; a
/// server reset must acknowledge exactly one packet and name the client's
/// session; tls-crypt resets must have the length of an encrypted reset
/// (a V3 client reset: plus a wrapped client key ending in its own length).
pub fn fit_reset(pkt: &[u8]) -> Option<(Auth, Control<'_>)> {
    let (opcode, key_id) = split_first(*pkt.first()?);
    let client = opcode.is_client_reset();
    if key_id != 0 || !(client || opcode.is_server_reset()) {
        return None;
    }
    let mut layouts = vec![Auth::Plain];
    layouts.extend(HMAC_LENS.iter().map(|&h| Auth::TlsAuth(h)));
    if opcode != Opcode::HARD_RESET_CLIENT_V3 {
        for auth in layouts {
            let Ok(c) = parse_control(pkt, auth) else {
                continue;
            };
            if auth != Auth::Plain && !fresh_replay(c.replay) {
                continue;
            }
            if c.message_id != Some(0) || c.session_id == 0 {
                continue;
            }
            let fits = if client {
                c.acks.is_empty() && is_tlv_run(c.payload)
            } else {
                c.acks.len() == 1
                    && c.remote_session_id.is_some_and(|r| r != 0)
                    && (c.payload.is_empty() || is_tlv_run(c.payload))
            };
            if fits {
                return Some((auth, c));
            }
        }
    }
    // tls-crypt: 1 + 8 + 8 + 32, then the encrypted ack count, acks,
    // remote session id and message id.
    let c = parse_control(pkt, Auth::TlsCrypt).ok()?;
    if !fresh_replay(c.replay) || c.session_id == 0 {
        return None;
    }
    let enc = c.payload.len();
    let fits = match opcode {
        Opcode::HARD_RESET_CLIENT_V3 => {
            // The wrapped client key ends with its own length (tls-crypt-v2).
            let n = c.payload.len();
            let wkc_len = c
                .payload
                .get(n.saturating_sub(2)..)
                .and_then(|s| <[u8; 2]>::try_from(s).ok())
                .map(|b| usize::from(u16::from_be_bytes(b)));
            enc > 5 && wkc_len == Some(enc - 5) && wkc_len >= Some(32)
        }
        o if o.is_client_reset() => enc == 5,
        _ => enc == 1 + 4 + 8 + 4,
    };
    fits.then_some((Auth::TlsCrypt, c))
}

/// One TCP frame's packet and the bytes after it.
pub type Frame<'a> = (&'a [u8], &'a [u8]);

/// Splits one TCP frame (two-byte length, then the packet) off `data`:
/// `Ok(Some((packet, rest)))`, `Ok(None)` if incomplete.
pub fn split_tcp(data: &[u8]) -> Result<Option<Frame<'_>>, OvpnError> {
    let Some(len) = data.get(..2) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if len == 0 {
        return Err(OvpnError::Truncated(2));
    }
    Ok(data
        .get(2..2 + len)
        .map(|p| (p, data.get(2 + len..).unwrap_or(&[]))))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain client hard reset V2.
    pub static CLIENT_RESET: &[u8] = &[
        0x38, // opcode 7 (HARD_RESET_CLIENT_V2), key id 0
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // session id
        0x00, // ack count 0
        0x00, 0x00, 0x00, 0x00, // message packet id 0
    ];

    /// The server's plain hard reset V2, acknowledging the client's.
    pub static SERVER_RESET: &[u8] = &[
        0x40, // opcode 8 (HARD_RESET_SERVER_V2), key id 0
        0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, // session id
        0x01, // ack count 1
        0x00, 0x00, 0x00, 0x00, // acked packet id 0
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // remote (client) session id
        0x00, 0x00, 0x00, 0x00, // message packet id 0
    ];

    /// A client hard reset V2 with tls-auth (HMAC-SHA1, 20 bytes).
    pub static CLIENT_RESET_TLS_AUTH: &[u8] = &[
        0x38, // opcode 7, key id 0
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // session id
        0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, // HMAC (1/2)
        0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, // HMAC (2/2)
        0x00, 0x00, 0x00, 0x01, // replay packet id 1
        0x65, 0x00, 0x00, 0x00, // time (2023)
        0x00, // ack count 0
        0x00, 0x00, 0x00, 0x00, // message packet id 0
    ];

    /// A client P_ACK_V1 acknowledging the server's reset.
    pub static CLIENT_ACK: &[u8] = &[
        0x28, // opcode 5 (ACK_V1), key id 0
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // session id
        0x01, // ack count 1
        0x00, 0x00, 0x00, 0x00, // acked packet id 0
        0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, // remote (server) session id
    ];

    #[test]
    fn fits_plain_resets() {
        let (auth, c) = fit_reset(CLIENT_RESET).unwrap();
        assert_eq!(auth, Auth::Plain);
        assert_eq!(c.session_id, 0x1122334455667788);
        let (auth, s) = fit_reset(SERVER_RESET).unwrap();
        assert_eq!(auth, Auth::Plain);
        assert_eq!(s.remote_session_id, Some(0x1122334455667788));
        assert_eq!(s.acks, vec![0]);
    }

    #[test]
    fn fits_tls_auth_reset() {
        let (auth, c) = fit_reset(CLIENT_RESET_TLS_AUTH).unwrap();
        assert_eq!(auth, Auth::TlsAuth(20));
        assert_eq!(c.replay, Some((1, 0x65000000)));
    }

    #[test]
    fn ack_parses() {
        let c = parse_control(CLIENT_ACK, Auth::Plain).unwrap();
        assert_eq!(c.opcode, Opcode::ACK_V1);
        assert_eq!(c.message_id, None);
        assert_eq!(c.remote_session_id, Some(0xa1a2a3a4a5a6a7a8));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for (fixture, auth) in [
            (SERVER_RESET, Auth::Plain),
            (CLIENT_ACK, Auth::Plain),
            (CLIENT_RESET_TLS_AUTH, Auth::TlsAuth(20)),
        ] {
            for cut in 0..fixture.len() {
                assert!(
                    parse_control(&fixture[..cut], auth).is_err(),
                    "cut at {cut}"
                );
                assert!(fit_reset(&fixture[..cut]).is_none(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn too_many_acks_and_zero_length() {
        let mut p = SERVER_RESET.to_vec();
        p[9] = 200; // ack count larger than the packet
        assert_eq!(
            parse_control(&p, Auth::Plain),
            Err(OvpnError::TooManyAcks(200))
        );
        p[9] = 8; // 8 acks: runs past the packet
        assert!(matches!(
            parse_control(&p, Auth::Plain),
            Err(OvpnError::Truncated(_))
        ));
        assert!(fit_reset(&[]).is_none());
        assert_eq!(split_tcp(&[0, 0, 1]), Err(OvpnError::Truncated(2)));
    }

    #[test]
    fn tcp_frames() {
        let mut framed = vec![0, CLIENT_RESET.len() as u8];
        framed.extend_from_slice(CLIENT_RESET);
        framed.push(0);
        let (p, rest) = split_tcp(&framed).unwrap().unwrap();
        assert_eq!(p, CLIENT_RESET);
        assert_eq!(rest, &[0]);
        assert_eq!(split_tcp(rest), Ok(None));
        // Length larger than what is there: incomplete, not an error.
        assert_eq!(split_tcp(&[0xff, 0xff, 0x38]), Ok(None));
    }

    #[test]
    fn key_id_and_other_opcodes_do_not_fit() {
        let mut p = CLIENT_RESET.to_vec();
        p[0] = 0x39; // key id 1
        assert!(fit_reset(&p).is_none());
        p[0] = 0x20; // P_CONTROL_V1
        assert!(fit_reset(&p).is_none());
        let mut p = CLIENT_RESET.to_vec();
        p[13] = 1; // message packet id 1
        assert!(fit_reset(&p).is_none());
    }
}
