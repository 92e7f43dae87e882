//! IKE message parsing: the ISAKMP/IKE header (RFC 2408 §3.1, RFC 7296
//! §3.1), the generic payload chain (RFC 2408 §3.2, RFC 7296 §3.2), IKEv2
//! Notify types (RFC 7296 §3.10), and UDP encapsulation on port 4500
//! (RFC 3948 §2: a four-byte zero non-ESP marker before IKE, an ESP SPI
//! otherwise, a single 0xFF byte for a NAT keepalive).

use thiserror::Error;

/// Bytes of the IKE header (RFC 7296 §3.1).
pub const HEADER_LEN: usize = 28;
/// Most payloads walked in one message.
pub const MAX_PAYLOADS: usize = 64;

/// IKEv2's Encrypted and Authenticated payload (RFC 7296 §3.14) and its
/// fragment (RFC 7383): the chain is opaque after it.
pub const SK: u8 = 46;
pub const SKF: u8 = 53;
/// IKEv2 Notify (RFC 7296 §3.10) and IKEv1 Notification (RFC 2408 §3.14).
pub const V2_NOTIFY: u8 = 41;
/// Vendor ID (RFC 2408 §3.16; RFC 7296 §3.12).
pub const V1_VENDOR_ID: u8 = 13;

/// Why a datagram is not an IKE message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IkeError {
    #[error("message of {0} bytes is shorter than the 28-byte header")]
    Truncated(usize),
    #[error("version {0:#04x} is neither IKEv1 nor IKEv2")]
    Version(u8),
    #[error("length field {0} does not match the datagram's {1} bytes")]
    Length(u32, usize),
    #[error("initiator SPI is zero")]
    ZeroSpi,
    #[error("exchange type {0} is not defined for this version")]
    Exchange(u8),
    #[error("payload at offset {0} has a bad length")]
    PayloadLength(usize),
}

/// The IKE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeHeader {
    pub init_spi: u64,
    pub resp_spi: u64,
    pub next_payload: u8,
    pub version_major: u8,
    pub version_minor: u8,
    pub exchange_type: u8,
    pub flags: u8,
    pub message_id: u32,
    pub length: u32,
}

impl IkeHeader {
    /// IKEv2's Initiator flag (RFC 7296 §3.1).
    pub fn initiator(&self) -> bool {
        self.flags & 0x08 != 0
    }
    /// IKEv1's Encryption flag (RFC 2408 §3.1).
    pub fn v1_encrypted(&self) -> bool {
        self.version_major == 1 && self.flags & 0x01 != 0
    }
}

/// One payload of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkePayload<'a> {
    pub kind: u8,
    pub body: &'a [u8],
}

/// An IKE message: header and the payloads in the clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeMessage<'a> {
    pub header: IkeHeader,
    pub payloads: Vec<IkePayload<'a>>,
    /// The chain ended in an encrypted payload (or IKEv1's encryption flag).
    pub encrypted: bool,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_be_bytes)
}

fn exchange_ok(major: u8, t: u8) -> bool {
    match major {
        // RFC 2408 §3.1 (0 to 5), RFC 2409 §5.5, §5.6 (Quick Mode 32,
        // New Group Mode 33).
        1 => matches!(t, 0..=5 | 32 | 33),
        // RFC 7296 §3.1 (34 to 37), RFC 5723 (38), RFC 9242 (43), RFC 9370 (44).
        _ => matches!(t, 34..=38 | 43 | 44),
    }
}

/// Parses one IKE message (without any non-ESP marker), strictly: known
/// version, the length field equal to the datagram's, a non-zero initiator
/// SPI, a defined exchange type, and a payload chain whose lengths tile
/// the message exactly. Payload types are not checked (unassigned ones
/// survive to the log by number); the chain ends at the end of the message,
/// where an encrypted payload's "next payload" names its first inner one.
pub fn parse(d: &[u8]) -> Result<IkeMessage<'_>, IkeError> {
    let t = IkeError::Truncated(d.len());
    let init_spi = be64(d, 0).ok_or(t)?;
    let resp_spi = be64(d, 8).ok_or(t)?;
    let head = d.get(16..20).ok_or(t)?;
    let (next_payload, version, exchange_type, flags) = (head[0], head[1], head[2], head[3]);
    let message_id = be32(d, 20).ok_or(t)?;
    let length = be32(d, 24).ok_or(t)?;
    let major = version >> 4;
    if version != 0x10 && version != 0x20 {
        return Err(IkeError::Version(version));
    }
    if usize::try_from(length).ok() != Some(d.len()) {
        return Err(IkeError::Length(length, d.len()));
    }
    if init_spi == 0 {
        return Err(IkeError::ZeroSpi);
    }
    if !exchange_ok(major, exchange_type) {
        return Err(IkeError::Exchange(exchange_type));
    }
    let header = IkeHeader {
        init_spi,
        resp_spi,
        next_payload,
        version_major: major,
        version_minor: version & 0x0f,
        exchange_type,
        flags,
        message_id,
        length,
    };
    let mut payloads = Vec::new();
    let mut kind = next_payload;
    let mut at = HEADER_LEN;
    let mut encrypted = header.v1_encrypted();
    while kind != 0 && !encrypted {
        if at == d.len() && !payloads.is_empty() {
            // The chain ran to the end with a payload still announced:
            // the last one was encrypted (an SK payload under a type this
            // parser does not know).
            encrypted = true;
            break;
        }
        let next = *d.get(at).ok_or(IkeError::PayloadLength(at))?;
        let len = d
            .get(at + 2..at + 4)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .ok_or(IkeError::PayloadLength(at))?;
        if len < 4 {
            return Err(IkeError::PayloadLength(at));
        }
        let body = d.get(at + 4..at + len).ok_or(IkeError::PayloadLength(at))?;
        if payloads.len() < MAX_PAYLOADS {
            payloads.push(IkePayload { kind, body });
        }
        at += len;
        if major == 2 && (kind == SK || kind == SKF) {
            encrypted = true;
            break;
        }
        kind = next;
    }
    if !header.v1_encrypted() && at != d.len() {
        return Err(IkeError::PayloadLength(at));
    }
    Ok(IkeMessage {
        header,
        payloads,
        encrypted,
    })
}

/// What a UDP datagram on the NAT-T port carries (RFC 3948 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encap<'a> {
    /// IKE behind the four-byte zero non-ESP marker.
    Ike(&'a [u8]),
    /// ESP: SPI and sequence number (RFC 4303 §2).
    Esp { spi: u32, seq: u32 },
    /// A NAT-keepalive (a single 0xFF byte).
    Keepalive,
}

/// Splits a port-4500 datagram; `None` if it is none of the three.
pub fn split_natt(d: &[u8]) -> Option<Encap<'_>> {
    if d == [0xff] {
        return Some(Encap::Keepalive);
    }
    let spi = be32(d, 0)?;
    if spi == 0 {
        return Some(Encap::Ike(d.get(4..)?));
    }
    // SPI, sequence number, and at least an IV-less 4-byte payload and
    // ICV would follow; SPIs 1 to 255 are reserved (RFC 4303 §2.1).
    if spi < 256 || d.len() < 16 {
        return None;
    }
    Some(Encap::Esp {
        spi,
        seq: be32(d, 4)?,
    })
}

/// The payload type's short name (RFC 2408 §3.1, RFC 3947, RFC 7296 §3.2).
pub fn payload_name(major: u8, t: u8) -> std::borrow::Cow<'static, str> {
    let name = match (major, t) {
        (1, 1) => "SA",
        (1, 2) => "P",
        (1, 3) => "T",
        (1, 4) => "KE",
        (1, 5) => "ID",
        (1, 6) => "CERT",
        (1, 7) => "CR",
        (1, 8) => "HASH",
        (1, 9) => "SIG",
        (1, 10) => "NONCE",
        (1, 11) => "N",
        (1, 12) => "D",
        (1, 13) => "VID",
        (1, 20) => "NAT-D",
        (1, 21) => "NAT-OA",
        (2, 33) => "SA",
        (2, 34) => "KE",
        (2, 35) => "IDi",
        (2, 36) => "IDr",
        (2, 37) => "CERT",
        (2, 38) => "CERTREQ",
        (2, 39) => "AUTH",
        (2, 40) => "Nonce",
        (2, 41) => "N",
        (2, 42) => "D",
        (2, 43) => "V",
        (2, 44) => "TSi",
        (2, 45) => "TSr",
        (2, 46) => "SK",
        (2, 47) => "CP",
        (2, 48) => "EAP",
        (2, 53) => "SKF",
        _ => return std::borrow::Cow::Owned(t.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}

/// An IKEv2 Notify payload's message type (RFC 7296 §3.10).
pub fn notify_type(body: &[u8]) -> Option<u16> {
    body.get(2..4).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// The Notify type's name (RFC 7296 §3.10.1 and the IANA registry), or
/// its number.
pub fn notify_name(t: u16) -> std::borrow::Cow<'static, str> {
    let name = match t {
        1 => "UNSUPPORTED_CRITICAL_PAYLOAD",
        4 => "INVALID_IKE_SPI",
        5 => "INVALID_MAJOR_VERSION",
        7 => "INVALID_SYNTAX",
        9 => "INVALID_MESSAGE_ID",
        11 => "INVALID_SPI",
        14 => "NO_PROPOSAL_CHOSEN",
        17 => "INVALID_KE_PAYLOAD",
        24 => "AUTHENTICATION_FAILED",
        34 => "SINGLE_PAIR_REQUIRED",
        35 => "NO_ADDITIONAL_SAS",
        36 => "INTERNAL_ADDRESS_FAILURE",
        37 => "FAILED_CP_REQUIRED",
        38 => "TS_UNACCEPTABLE",
        39 => "INVALID_SELECTORS",
        43 => "TEMPORARY_FAILURE",
        44 => "CHILD_SA_NOT_FOUND",
        16384 => "INITIAL_CONTACT",
        16385 => "SET_WINDOW_SIZE",
        16386 => "ADDITIONAL_TS_POSSIBLE",
        16387 => "IPCOMP_SUPPORTED",
        16388 => "NAT_DETECTION_SOURCE_IP",
        16389 => "NAT_DETECTION_DESTINATION_IP",
        16390 => "COOKIE",
        16391 => "USE_TRANSPORT_MODE",
        16392 => "HTTP_CERT_LOOKUP_SUPPORTED",
        16393 => "REKEY_SA",
        16394 => "ESP_TFC_PADDING_NOT_SUPPORTED",
        16395 => "NON_FIRST_FRAGMENTS_ALSO",
        16396 => "MOBIKE_SUPPORTED",
        16404 => "MULTIPLE_AUTH_SUPPORTED",
        16406 => "EAP_ONLY_AUTHENTICATION",
        16417 => "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
        16430 => "IKEV2_FRAGMENTATION_SUPPORTED",
        16431 => "SIGNATURE_HASH_ALGORITHMS",
        _ => return std::borrow::Cow::Owned(t.to_string()),
    };
    std::borrow::Cow::Borrowed(name)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IKEv2 IKE_SA_INIT request with one Notify and one Nonce payload.
    pub static SA_INIT: &[u8] = &[
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // initiator SPI
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // responder SPI (none yet)
        41,   // next payload: Notify
        0x20, // version 2.0
        34,   // exchange: IKE_SA_INIT
        0x08, // flags: Initiator
        0x00, 0x00, 0x00, 0x00, // message id 0
        0x00, 0x00, 0x00, 0x34, // length 52
        40,   // Notify: next payload Nonce
        0x00, // not critical
        0x00, 0x0c, // length 12
        0x00, 0x00, 0x40, 0x04, // protocol 0, SPI size 0, NAT_DETECTION_SOURCE_IP
        0xaa, 0xbb, 0xcc, 0xdd, // notification data
        0,    // Nonce: last payload
        0x00, // not critical
        0x00, 0x0c, // length 12
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // nonce
    ];

    #[test]
    fn parses_sa_init() {
        let m = parse(SA_INIT).unwrap();
        assert_eq!(m.header.version_major, 2);
        assert_eq!(m.header.exchange_type, 34);
        assert!(m.header.initiator());
        assert_eq!(m.payloads.len(), 2);
        assert_eq!(notify_type(m.payloads[0].body), Some(16388));
        assert_eq!(notify_name(16388), "NAT_DETECTION_SOURCE_IP");
        assert!(!m.encrypted);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for cut in 0..SA_INIT.len() {
            assert!(parse(&SA_INIT[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn lengths_are_checked() {
        let mut m = SA_INIT.to_vec();
        m[27] = 0xff; // header length larger than the datagram
        assert_eq!(parse(&m), Err(IkeError::Length(0xff, 52)));
        let mut m = SA_INIT.to_vec();
        m[31] = 0xff; // first payload runs past the end
        assert_eq!(parse(&m), Err(IkeError::PayloadLength(28)));
        let mut m = SA_INIT.to_vec();
        m[31] = 0; // zero payload length
        assert_eq!(parse(&m), Err(IkeError::PayloadLength(28)));
        let mut m = SA_INIT.to_vec();
        m[17] = 0x30;
        assert_eq!(parse(&m), Err(IkeError::Version(0x30)));
        let mut m = SA_INIT.to_vec();
        m[..8].fill(0);
        assert_eq!(parse(&m), Err(IkeError::ZeroSpi));
    }

    #[test]
    fn natt() {
        let mut d = vec![0, 0, 0, 0];
        d.extend_from_slice(SA_INIT);
        assert_eq!(split_natt(&d), Some(Encap::Ike(SA_INIT)));
        assert_eq!(split_natt(&[0xff]), Some(Encap::Keepalive));
        let esp = [0xc0, 0x01, 0x02, 0x03, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(
            split_natt(&esp),
            Some(Encap::Esp {
                spi: 0xc0010203,
                seq: 7
            })
        );
        assert_eq!(split_natt(&esp[..15]), None);
        assert_eq!(split_natt(&[]), None);
    }
}

#[cfg(test)]
mod unknown_payload_tests {
    use super::*;

    /// A message whose only payload has an unassigned type (127) and whose
    /// chain still announces a payload after it: treated as encrypted.
    #[test]
    fn unknown_last_payload_is_opaque() {
        let mut m = tests::SA_INIT[..28].to_vec();
        m[16] = 127; // next payload: unassigned
        m[18] = 35; // IKE_AUTH
        m[27] = 36; // length 36
        m.extend_from_slice(&[
            35, 0x00, 0x00, 0x08, // next: IDi (inside), length 8
            0xde, 0xad, 0xbe, 0xef, // opaque
        ]);
        let p = parse(&m).unwrap();
        assert!(p.encrypted);
        assert_eq!(p.payloads.len(), 1);
    }
}
