//! TLS record and handshake parsing (RFC 5246 §6.2, §7.4; RFC 8446 §4, §5):
//! borrowed views of one record, one handshake message, a ClientHello, a
//! ServerHello and a Certificate message. The message bodies are decoded by
//! tls-parser; the framing around them (records, handshake headers,
//! extension blocks) is walked here, so that one malformed extension does
//! not hide the ones after it and unknown extension types keep their number.
//!
//! Everything here is a pure function of its input; reassembly of handshake
//! messages across records and TCP segments is the state's job.

use thiserror::Error;
use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake};

/// Bytes of a record header: type, version, length (RFC 5246 §6.2.1).
pub const RECORD_HEADER_LEN: usize = 5;

/// Longest record body accepted, in bytes: 2^14 + 2048, the TLSCiphertext
/// limit of RFC 5246 §6.2.3 (plaintext records are at most 2^14).
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

/// Bytes of a handshake message header: type and 24-bit length (RFC 5246 §7.4).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// Record content types (RFC 5246 §6.2.1, RFC 6520 for heartbeat).
pub mod content_type {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;
}

/// Handshake message types (RFC 5246 §7.4, RFC 8446 §4).
pub mod handshake_type {
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const CERTIFICATE: u8 = 11;
}

/// Extension numbers this module reads (IANA TLS ExtensionType values).
pub mod ext {
    /// RFC 6066 §3.
    pub const SERVER_NAME: u16 = 0;
    /// RFC 8422 §5.1.1 (was elliptic_curves).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// RFC 8422 §5.1.2.
    pub const EC_POINT_FORMATS: u16 = 11;
    /// RFC 8446 §4.2.3.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// RFC 7301 §3.1.
    pub const ALPN: u16 = 16;
    /// RFC 8446 §4.2.11.
    pub const PRE_SHARED_KEY: u16 = 41;
    /// RFC 8446 §4.2.1.
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 §4.1.3):
/// SHA-256 of "HelloRetryRequest".
pub const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Why bytes did not parse as TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TlsError {
    #[error("need {0} bytes from the start of the record or message")]
    Incomplete(usize),
    #[error("record content type {0} is not a TLS content type")]
    BadContentType(u8),
    #[error("record version {0:#06x} is not SSL 3.0 or TLS")]
    BadVersion(u16),
    #[error("record length {0} exceeds 2^14 + 2048")]
    RecordTooLong(usize),
    #[error("handshake message type {0} did not parse")]
    BadHandshake(u8),
    #[error("SSLv2 ClientHello is malformed")]
    BadSslv2,
}

/// One record, borrowing its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsRecord<'a> {
    pub content_type: u8,
    pub version: u16,
    pub body: &'a [u8],
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(u16::from_be_bytes(s))
}

fn be24(b: &[u8], at: usize) -> Option<usize> {
    let [x, y, z]: [u8; 3] = b.get(at..at + 3)?.try_into().ok()?;
    Some(usize::from(x) << 16 | usize::from(y) << 8 | usize::from(z))
}

/// The record at the start of `data` and the bytes it spans, or
/// `Incomplete(n)` when the record needs `n` bytes in all.
pub fn parse_record(data: &[u8]) -> Result<(TlsRecord<'_>, usize), TlsError> {
    let hdr = match tls_parser::parse_tls_record_header(data) {
        Ok((_, h)) => h,
        Err(_) => return Err(TlsError::Incomplete(RECORD_HEADER_LEN)),
    };
    let content_type = hdr.record_type.0;
    if !(content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT).contains(&content_type) {
        return Err(TlsError::BadContentType(content_type));
    }
    let version = hdr.version.0;
    if version >> 8 != 3 || version & 0xff > 4 {
        return Err(TlsError::BadVersion(version));
    }
    let len = usize::from(hdr.len);
    if len > MAX_RECORD_LEN {
        return Err(TlsError::RecordTooLong(len));
    }
    let total = RECORD_HEADER_LEN + len;
    let body = data
        .get(RECORD_HEADER_LEN..total)
        .ok_or(TlsError::Incomplete(total))?;
    Ok((
        TlsRecord {
            content_type,
            version,
            body,
        },
        total,
    ))
}

/// The handshake message at the start of `data`: its type, the whole
/// message (header included) and its length, or `Incomplete(n)`.
pub fn split_handshake(data: &[u8]) -> Result<(u8, &[u8]), TlsError> {
    let Some(&msg_type) = data.first() else {
        return Err(TlsError::Incomplete(HANDSHAKE_HEADER_LEN));
    };
    let len = be24(data, 1).ok_or(TlsError::Incomplete(HANDSHAKE_HEADER_LEN))?;
    let total = HANDSHAKE_HEADER_LEN + len;
    let msg = data.get(..total).ok_or(TlsError::Incomplete(total))?;
    Ok((msg_type, msg))
}

/// One extension: its number and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawExtension<'a> {
    pub ext_type: u16,
    pub data: &'a [u8],
    /// The extension with its 4-byte header, for tls-parser's decoders.
    pub whole: &'a [u8],
}

/// The extensions of a hello, in wire order; a block that runs short ends
/// the list there (what came before is kept).
pub fn split_extensions(block: &[u8]) -> Vec<RawExtension<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let (Some(ext_type), Some(len)) = (be16(block, at), be16(block, at + 2)) {
        let end = at + 4 + usize::from(len);
        let (Some(data), Some(whole)) = (block.get(at + 4..end), block.get(at..end)) else {
            break;
        };
        out.push(RawExtension {
            ext_type,
            data,
            whole,
        });
        at = end;
    }
    out
}

/// A ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), borrowing the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// `legacy_version` of the hello body.
    pub version: u16,
    pub session_id: &'a [u8],
    /// Cipher suites in wire order, GREASE included.
    pub ciphers: Vec<u16>,
    /// Extension numbers in wire order, GREASE included.
    pub extensions: Vec<u16>,
    /// The first host_name of server_name (RFC 6066 §3).
    pub sni: Option<&'a [u8]>,
    /// supported_groups (RFC 8422 §5.1.1), GREASE included.
    pub groups: Vec<u16>,
    /// ec_point_formats (RFC 8422 §5.1.2).
    pub ec_point_formats: &'a [u8],
    /// signature_algorithms (RFC 8446 §4.2.3), in wire order.
    pub sig_algs: Vec<u16>,
    /// ALPN protocol names (RFC 7301 §3.1), in wire order.
    pub alpns: Vec<&'a [u8]>,
    /// supported_versions (RFC 8446 §4.2.1), GREASE included.
    pub supported_versions: Vec<u16>,
    /// An SSL 2.0-format hello (RFC 6101 Appendix E.1): no extensions, and
    /// only the cipher kinds that name a TLS suite are kept.
    pub sslv2: bool,
}

/// Parses a ClientHello handshake message (header included).
pub fn parse_client_hello(msg: &[u8]) -> Result<ClientHello<'_>, TlsError> {
    let bad = TlsError::BadHandshake(handshake_type::CLIENT_HELLO);
    let body = msg.get(HANDSHAKE_HEADER_LEN..).ok_or(bad)?;
    let (_, ch) = tls_parser::parse_tls_handshake_client_hello(body).map_err(|_| bad)?;
    let mut out = ClientHello {
        version: ch.version.0,
        session_id: ch.session_id.unwrap_or(&[]),
        ciphers: ch.ciphers.iter().map(|c| c.0).collect(),
        ..ClientHello::default()
    };
    let block = ch.ext.unwrap_or(&[]);
    for e in split_extensions(block) {
        out.extensions.push(e.ext_type);
        let Ok((_, parsed)) = tls_parser::parse_tls_client_hello_extension(e.whole) else {
            continue;
        };
        match parsed {
            TlsExtension::SNI(names) if out.sni.is_none() => {
                out.sni = names.iter().find(|(t, _)| t.0 == 0).map(|(_, n)| *n);
            }
            TlsExtension::EllipticCurves(g) => out.groups = g.iter().map(|g| g.0).collect(),
            TlsExtension::EcPointFormats(f) => out.ec_point_formats = f,
            TlsExtension::SignatureAlgorithms(s) => out.sig_algs = s,
            TlsExtension::ALPN(a) => out.alpns = a,
            TlsExtension::SupportedVersions(v) => {
                out.supported_versions = v.iter().map(|v| v.0).collect()
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Parses an SSL 2.0-format ClientHello record (RFC 6101 Appendix E.1; the
/// SSL 2.0 draft §2.5): two-byte header with the top bit set, type 1,
/// version, three lengths, then cipher kinds (3 bytes each), session id
/// and challenge. Returns the hello and the bytes the record spans.
pub fn parse_sslv2_client_hello(data: &[u8]) -> Result<(ClientHello<'_>, usize), TlsError> {
    let hdr = be16(data, 0).ok_or(TlsError::Incomplete(2))?;
    if hdr & 0x8000 == 0 {
        return Err(TlsError::BadSslv2);
    }
    let len = usize::from(hdr & 0x7fff);
    let total = 2 + len;
    let rec = data.get(2..total).ok_or(TlsError::Incomplete(total))?;
    let h = sslv2_header(rec)
        .filter(|h| h.body_len == len)
        .ok_or(TlsError::BadSslv2)?;
    let specs = rec.get(9..9 + h.cipher_len).ok_or(TlsError::BadSslv2)?;
    let session_id = rec
        .get(9 + h.cipher_len..9 + h.cipher_len + h.session_len)
        .ok_or(TlsError::BadSslv2)?;
    let ciphers = specs
        .chunks_exact(3)
        .filter(|k| k.first() == Some(&0))
        .filter_map(|k| be16(k, 1))
        .collect();
    Ok((
        ClientHello {
            version: h.version,
            session_id,
            ciphers,
            sslv2: true,
            ..ClientHello::default()
        },
        total,
    ))
}

/// The fixed fields of an SSL 2.0 CLIENT-HELLO after the record header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sslv2Header {
    pub version: u16,
    pub cipher_len: usize,
    pub session_len: usize,
    /// What the record's length must be.
    pub body_len: usize,
}

/// Checks the fixed fields of an SSL 2.0 CLIENT-HELLO body `rec` (after
/// the 2-byte record header) strictly: type 1, version 2.0 or 3.x, a
/// whole number of cipher kinds, a 0- or 16-byte session id, a 16..32-byte
/// challenge; `body_len` is what the record's length must then be.
pub(crate) fn sslv2_header(rec: &[u8]) -> Option<Sslv2Header> {
    if *rec.first()? != 1 {
        return None;
    }
    let version = be16(rec, 1)?;
    if version != 0x0002 && !(version >> 8 == 3 && version & 0xff <= 4) {
        return None;
    }
    let cipher_len = usize::from(be16(rec, 3)?);
    let session_len = usize::from(be16(rec, 5)?);
    let challenge_len = usize::from(be16(rec, 7)?);
    if cipher_len == 0
        || cipher_len % 3 != 0
        || !(session_len == 0 || session_len == 16)
        || !(16..=32).contains(&challenge_len)
    {
        return None;
    }
    Some(Sslv2Header {
        version,
        cipher_len,
        session_len,
        body_len: 9 + cipher_len + session_len + challenge_len,
    })
}

/// A ServerHello (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3), borrowing the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// `legacy_version` of the hello body.
    pub version: u16,
    pub random: &'a [u8],
    pub session_id: &'a [u8],
    pub cipher: u16,
    /// Extension numbers in wire order.
    pub extensions: Vec<u16>,
    /// The protocol the server chose (RFC 7301 §3.1).
    pub alpn: Option<&'a [u8]>,
    /// The version chosen through supported_versions (RFC 8446 §4.2.1).
    pub selected_version: Option<u16>,
}

impl ServerHello<'_> {
    /// The version the server negotiated.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.version)
    }
    /// A HelloRetryRequest: a ServerHello with the special random (RFC 8446 §4.1.3).
    pub fn is_hello_retry(&self) -> bool {
        self.random == HELLO_RETRY_RANDOM
    }
}

/// Parses a ServerHello handshake message (header included).
pub fn parse_server_hello(msg: &[u8]) -> Result<ServerHello<'_>, TlsError> {
    let bad = TlsError::BadHandshake(handshake_type::SERVER_HELLO);
    let (_, m) = tls_parser::parse_tls_message_handshake(msg).map_err(|_| bad)?;
    let (version, random, session_id, cipher, block) = match m {
        TlsMessage::Handshake(TlsMessageHandshake::ServerHello(sh)) => (
            sh.version.0,
            sh.random,
            sh.session_id.unwrap_or(&[]),
            sh.cipher.0,
            sh.ext.unwrap_or(&[]),
        ),
        TlsMessage::Handshake(TlsMessageHandshake::ServerHelloV13Draft18(sh)) => (
            sh.version.0,
            sh.random,
            &[][..],
            sh.cipher.0,
            sh.ext.unwrap_or(&[]),
        ),
        _ => return Err(bad),
    };
    let mut out = ServerHello {
        version,
        random,
        session_id,
        cipher,
        ..ServerHello::default()
    };
    for e in split_extensions(block) {
        out.extensions.push(e.ext_type);
        match tls_parser::parse_tls_server_hello_extension(e.whole) {
            Ok((_, TlsExtension::ALPN(a))) => out.alpn = a.first().copied(),
            Ok((_, TlsExtension::SupportedVersions(v))) => {
                out.selected_version = v.first().map(|v| v.0)
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Parses a Certificate handshake message of TLS 1.2 and earlier (RFC 5246
/// §7.4.2) into its DER certificates, server's first.
pub fn parse_certificate(msg: &[u8]) -> Result<Vec<&[u8]>, TlsError> {
    let bad = TlsError::BadHandshake(handshake_type::CERTIFICATE);
    match tls_parser::parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(c)))) => {
            Ok(c.cert_chain.iter().map(|c| c.data).collect())
        }
        _ => Err(bad),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TLS 1.2 ClientHello record for "example.com", written by hand:
    /// JA3 string 771,49195-4865-47,0-10-11-13-16-43,29-23,0 (GREASE 0x0a0a
    /// removed from ciphers, extensions, groups and versions).
    pub static CLIENT_HELLO: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0x88, // record: handshake, TLS 1.0, 136 bytes
        0x01, 0x00, 0x00, 0x84, // handshake: ClientHello, 132 bytes
        0x03, 0x03, // legacy_version TLS 1.2
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e,
        0x1f, 0x20, // random (32)
        0x00, // session id: empty
        0x00, 0x08, // cipher suites: 8 bytes
        0x0a, 0x0a, // GREASE
        0xc0, 0x2b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (49195)
        0x13, 0x01, // TLS_AES_128_GCM_SHA256 (4865)
        0x00, 0x2f, // TLS_RSA_WITH_AES_128_CBC_SHA (47)
        0x01, 0x00, // compression: 1 method, null
        0x00, 0x53, // extensions: 83 bytes
        0x0a, 0x0a, 0x00, 0x00, // GREASE extension, empty
        0x00, 0x00, 0x00, 0x10, // server_name, 16 bytes
        0x00, 0x0e, // server name list: 14 bytes
        0x00, // host_name
        0x00, 0x0b, b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'c', b'o', b'm', 0x00, 0x0a,
        0x00, 0x08, // supported_groups, 8 bytes
        0x00, 0x06, // list: 6 bytes
        0x0a, 0x0a, // GREASE
        0x00, 0x1d, // x25519 (29)
        0x00, 0x17, // secp256r1 (23)
        0x00, 0x0b, 0x00, 0x02, // ec_point_formats, 2 bytes
        0x01, 0x00, // 1 format: uncompressed
        0x00, 0x0d, 0x00, 0x08, // signature_algorithms, 8 bytes
        0x00, 0x06, // list: 6 bytes
        0x04, 0x03, // ecdsa_secp256r1_sha256
        0x08, 0x04, // rsa_pss_rsae_sha256
        0x04, 0x01, // rsa_pkcs1_sha256
        0x00, 0x10, 0x00, 0x0e, // ALPN, 14 bytes
        0x00, 0x0c, // list: 12 bytes
        0x02, b'h', b'2', // "h2"
        0x08, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1', // "http/1.1"
        0x00, 0x2b, 0x00, 0x07, // supported_versions, 7 bytes
        0x06, // list: 6 bytes
        0x0a, 0x0a, // GREASE
        0x03, 0x04, // TLS 1.3
        0x03, 0x03, // TLS 1.2
    ];

    /// The server's reply: ServerHello (TLS 1.2, cipher 0xc02b, extensions
    /// renegotiation_info, ALPN "h2", ec_point_formats, extended_master_secret).
    pub static SERVER_HELLO: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0x44, // record: handshake, TLS 1.2, 68 bytes
        0x02, 0x00, 0x00, 0x40, // handshake: ServerHello, 64 bytes
        0x03, 0x03, // version TLS 1.2
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
        0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd,
        0xbe, 0xbf, // random (32)
        0x00, // session id: empty
        0xc0, 0x2b, // cipher 49195
        0x00, // compression null
        0x00, 0x18, // extensions: 24 bytes
        0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation_info (65281), empty
        0x00, 0x10, 0x00, 0x05, // ALPN, 5 bytes
        0x00, 0x03, 0x02, b'h', b'2', // list: "h2"
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
        0x00, 0x17, 0x00, 0x00, // extended_master_secret (23), empty
    ];

    /// An SSL 2.0-format ClientHello offering TLS 1.0 and two cipher kinds.
    pub static SSLV2_HELLO: &[u8] = &[
        0x80, 0x1f, // header: 2-byte form, 31 bytes
        0x01, // CLIENT-HELLO
        0x03, 0x01, // version TLS 1.0
        0x00, 0x06, // cipher specs: 6 bytes
        0x00, 0x00, // session id: empty
        0x00, 0x10, // challenge: 16 bytes
        0x07, 0x00, 0xc0, // SSL2_DES_192_EDE3_CBC_WITH_MD5 (not a TLS suite)
        0x00, 0x00, 0x2f, // TLS_RSA_WITH_AES_128_CBC_SHA
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e,
        0x1f, // challenge
    ];

    #[test]
    fn record_and_client_hello() {
        let (rec, used) = parse_record(CLIENT_HELLO).unwrap();
        assert_eq!(used, CLIENT_HELLO.len());
        assert_eq!(rec.content_type, content_type::HANDSHAKE);
        let (t, msg) = split_handshake(rec.body).unwrap();
        assert_eq!(t, handshake_type::CLIENT_HELLO);
        assert_eq!(msg.len(), rec.body.len());
        let ch = parse_client_hello(msg).unwrap();
        assert_eq!(ch.version, 0x0303);
        assert_eq!(ch.ciphers, vec![0x0a0a, 0xc02b, 0x1301, 0x002f]);
        assert_eq!(ch.extensions, vec![0x0a0a, 0, 10, 11, 13, 16, 43]);
        assert_eq!(ch.sni, Some(&b"example.com"[..]));
        assert_eq!(ch.groups, vec![0x0a0a, 29, 23]);
        assert_eq!(ch.ec_point_formats, &[0]);
        assert_eq!(ch.sig_algs, vec![0x0403, 0x0804, 0x0401]);
        assert_eq!(ch.alpns, vec![&b"h2"[..], &b"http/1.1"[..]]);
        assert_eq!(ch.supported_versions, vec![0x0a0a, 0x0304, 0x0303]);
    }

    #[test]
    fn server_hello() {
        let (rec, _) = parse_record(SERVER_HELLO).unwrap();
        let (t, msg) = split_handshake(rec.body).unwrap();
        assert_eq!(t, handshake_type::SERVER_HELLO);
        let sh = parse_server_hello(msg).unwrap();
        assert_eq!(sh.version, 0x0303);
        assert_eq!(sh.cipher, 0xc02b);
        assert_eq!(sh.extensions, vec![0xff01, 16, 11, 23]);
        assert_eq!(sh.alpn, Some(&b"h2"[..]));
        assert_eq!(sh.negotiated_version(), 0x0303);
        assert!(!sh.is_hello_retry());
    }

    #[test]
    fn sslv2_hello() {
        let (ch, used) = parse_sslv2_client_hello(SSLV2_HELLO).unwrap();
        assert_eq!(used, SSLV2_HELLO.len());
        assert!(ch.sslv2);
        assert_eq!(ch.version, 0x0301);
        assert_eq!(ch.ciphers, vec![0x002f]);
        for cut in 0..SSLV2_HELLO.len() {
            assert!(parse_sslv2_client_hello(&SSLV2_HELLO[..cut]).is_err());
        }
    }

    #[test]
    fn every_truncation_is_incomplete_not_a_panic() {
        for fixture in [CLIENT_HELLO, SERVER_HELLO] {
            for cut in 0..fixture.len() {
                let need = match parse_record(&fixture[..cut]) {
                    Err(TlsError::Incomplete(n)) => n,
                    other => panic!("cut {cut}: {other:?}"),
                };
                assert!(need > cut);
            }
        }
        // The hello bodies cut short inside a complete handshake header.
        let body = &CLIENT_HELLO[5..];
        for cut in 0..body.len() {
            let _ = parse_client_hello(&body[..cut]);
            assert!(split_handshake(&body[..cut]).is_err());
        }
        let body = &SERVER_HELLO[5..];
        for cut in 0..body.len() {
            let _ = parse_server_hello(&body[..cut]);
        }
    }

    #[test]
    fn length_larger_than_the_buffer() {
        let mut r = CLIENT_HELLO.to_vec();
        r[3] = 0x48; // 0x4888 bytes: more than the 2^14 + 2048 limit
        assert_eq!(parse_record(&r), Err(TlsError::RecordTooLong(0x4888)));
        r[3] = 0x10; // 0x1088: within limits, but longer than what we have
        assert_eq!(parse_record(&r), Err(TlsError::Incomplete(5 + 0x1088)));
        // A handshake length past the record.
        let mut m = CLIENT_HELLO[5..].to_vec();
        m[1] = 0x01;
        assert!(matches!(
            split_handshake(&m),
            Err(TlsError::Incomplete(n)) if n == 4 + 0x010084
        ));
        // Extension lengths past their block: the list ends there.
        assert!(split_extensions(&[0x00, 0x00, 0xff, 0xff, 0x00]).is_empty());
    }

    #[test]
    fn maximum_record_length() {
        let mut r = vec![0x17, 0x03, 0x03, 0x48, 0x00]; // 18432 = 2^14 + 2048
        r.resize(5 + MAX_RECORD_LEN, 0xee);
        let (rec, used) = parse_record(&r).unwrap();
        assert_eq!((rec.body.len(), used), (MAX_RECORD_LEN, r.len()));
        r[4] = 0x01;
        assert_eq!(
            parse_record(&r),
            Err(TlsError::RecordTooLong(MAX_RECORD_LEN + 1))
        );
    }

    #[test]
    fn zero_lengths() {
        let (rec, used) = parse_record(&[0x14, 0x03, 0x03, 0x00, 0x00]).unwrap();
        assert_eq!((rec.body.len(), used), (0, 5));
        let (t, m) = split_handshake(&[0x0e, 0, 0, 0]).unwrap();
        assert_eq!((t, m.len()), (14, 4));
        assert!(parse_client_hello(&[1, 0, 0, 0]).is_err());
        assert!(parse_certificate(&[11, 0, 0, 0]).is_err());
        assert_eq!(split_extensions(&[]), vec![]);
    }

    #[test]
    fn not_tls() {
        assert_eq!(
            parse_record(b"GET / HTTP/1.1\r\n"),
            Err(TlsError::BadContentType(b'G'))
        );
        assert_eq!(
            parse_record(b"\x16\x04\x01\x00\x10"),
            Err(TlsError::BadVersion(0x0401))
        );
        assert!(parse_sslv2_client_hello(b"SSH-2.0-OpenSSH_9.6\r\n").is_err());
    }
}
