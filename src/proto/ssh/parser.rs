//! SSH transport-layer parsing (RFC 4253): the identification string
//! (§4.2), the binary packet framing (§6) and `SSH_MSG_KEXINIT` (§7.1), all
//! as borrowed views. Nothing after the key exchange is looked at: it is
//! encrypted.

use thiserror::Error;

/// Longest identification string, in bytes, including its CR LF
/// (RFC 4253 §4.2).
pub const MAX_IDENT_LEN: usize = 255;

/// Largest `packet_length` accepted, in bytes (RFC 4253 §6.1: every
/// implementation must handle packets of 35000 bytes in total).
pub const MAX_PACKET_LEN: usize = 35000;

/// `SSH_MSG_KEXINIT` (RFC 4253 §12).
pub const MSG_KEXINIT: u8 = 20;

/// Bytes of the KEXINIT cookie (RFC 4253 §7.1).
pub const COOKIE_LEN: usize = 16;

/// Why SSH bytes did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SshError {
    /// Not enough bytes yet; `needed` counts from the start of the input.
    #[error("incomplete: {needed} bytes needed")]
    Incomplete { needed: usize },
    #[error("identification line longer than {MAX_IDENT_LEN} bytes")]
    IdentTooLong,
    #[error("identification line does not start with \"SSH-\" and a version")]
    BadIdent,
    #[error("packet length {0} out of bounds")]
    BadPacketLength(u32),
    #[error("padding length {padding} does not fit packet length {packet}")]
    BadPadding { padding: u8, packet: u32 },
    #[error("name-list at offset {0} runs past the message")]
    TruncatedNameList(usize),
    #[error("empty message")]
    EmptyPayload,
}

/// An identification string `SSH-protoversion-softwareversion SP comments`
/// (RFC 4253 §4.2), without its line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SshIdent<'a> {
    pub proto_version: &'a [u8],
    /// Up to the first space; comments are not part of it.
    pub software_version: &'a [u8],
    pub comments: Option<&'a [u8]>,
}

/// One line of the identification phase (RFC 4253 §4.2: a server may send
/// other lines before its identification string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentLine<'a> {
    Ident(SshIdent<'a>),
    Other(&'a [u8]),
}

/// Splits one line (ending in LF, CR optional) off `data`. Returns the line
/// and the bytes consumed.
pub fn parse_ident_line(data: &[u8]) -> Result<(IdentLine<'_>, usize), SshError> {
    let window = data.get(..MAX_IDENT_LEN).unwrap_or(data);
    let Some(nl) = memchr::memchr(b'\n', window) else {
        return if data.len() >= MAX_IDENT_LEN {
            Err(SshError::IdentTooLong)
        } else {
            Err(SshError::Incomplete {
                needed: data.len() + 1,
            })
        };
    };
    let line = window.get(..nl).unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let used = nl + 1;
    if line.starts_with(b"SSH-") {
        Ok((IdentLine::Ident(parse_ident(line)?), used))
    } else {
        Ok((IdentLine::Other(line), used))
    }
}

/// Parses an identification line (without its line end).
pub fn parse_ident(line: &[u8]) -> Result<SshIdent<'_>, SshError> {
    let rest = line.strip_prefix(b"SSH-").ok_or(SshError::BadIdent)?;
    let dash = memchr::memchr(b'-', rest).ok_or(SshError::BadIdent)?;
    let proto_version = rest.get(..dash).ok_or(SshError::BadIdent)?;
    if !is_proto_version(proto_version) {
        return Err(SshError::BadIdent);
    }
    let after = rest.get(dash + 1..).unwrap_or(&[]);
    let (software_version, comments) = match memchr::memchr(b' ', after) {
        Some(sp) => (
            after.get(..sp).unwrap_or(&[]),
            after.get(sp + 1..).filter(|c| !c.is_empty()),
        ),
        None => (after, None),
    };
    Ok(SshIdent {
        proto_version,
        software_version,
        comments,
    })
}

/// `2.0`, `1.99`, `1.5`: digits with one dot, short.
pub fn is_proto_version(v: &[u8]) -> bool {
    let Some(dot) = memchr::memchr(b'.', v) else {
        return false;
    };
    let (major, minor) = (v.get(..dot).unwrap_or(&[]), v.get(dot + 1..).unwrap_or(&[]));
    let digits = |s: &[u8]| !s.is_empty() && s.len() <= 3 && s.iter().all(u8::is_ascii_digit);
    digits(major) && digits(minor)
}

/// One binary packet (RFC 4253 §6), before any MAC is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SshPacket<'a> {
    /// The payload; its first byte is the message number.
    pub payload: &'a [u8],
}

impl SshPacket<'_> {
    /// The message number (RFC 4253 §12).
    pub fn msg_type(&self) -> Option<u8> {
        self.payload.first().copied()
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// Parses the binary packet at the start of `data`; returns it and the
/// bytes it occupies (`4 + packet_length`; no MAC before the first NEWKEYS).
pub fn parse_packet(data: &[u8]) -> Result<(SshPacket<'_>, usize), SshError> {
    let packet_len = be32(data, 0).ok_or(SshError::Incomplete { needed: 5 })?;
    let len = usize::try_from(packet_len).map_err(|_| SshError::BadPacketLength(packet_len))?;
    if !(2..=MAX_PACKET_LEN).contains(&len) {
        return Err(SshError::BadPacketLength(packet_len));
    }
    let total = 4 + len;
    let Some(body) = data.get(4..total) else {
        return Err(SshError::Incomplete { needed: total });
    };
    let padding = *body.first().ok_or(SshError::Incomplete { needed: total })?;
    let payload_len = len
        .checked_sub(1 + usize::from(padding))
        .ok_or(SshError::BadPadding {
            padding,
            packet: packet_len,
        })?;
    let payload = body.get(1..1 + payload_len).ok_or(SshError::BadPadding {
        padding,
        packet: packet_len,
    })?;
    if payload.is_empty() {
        return Err(SshError::EmptyPayload);
    }
    Ok((SshPacket { payload }, total))
}

/// The algorithm lists of `SSH_MSG_KEXINIT` (RFC 4253 §7.1), as the
/// comma-separated name-lists they are on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KexInit<'a> {
    pub kex_algorithms: &'a [u8],
    pub server_host_key_algorithms: &'a [u8],
    pub encryption_client_to_server: &'a [u8],
    pub encryption_server_to_client: &'a [u8],
    pub mac_client_to_server: &'a [u8],
    pub mac_server_to_client: &'a [u8],
    pub compression_client_to_server: &'a [u8],
    pub compression_server_to_client: &'a [u8],
    pub languages_client_to_server: &'a [u8],
    pub languages_server_to_client: &'a [u8],
    pub first_kex_packet_follows: bool,
}

/// Parses a KEXINIT payload (starting with its message number).
pub fn parse_kexinit(payload: &[u8]) -> Result<KexInit<'_>, SshError> {
    let mut at = 1 + COOKIE_LEN;
    if payload.len() < at {
        return Err(SshError::TruncatedNameList(payload.len()));
    }
    let mut lists: [&[u8]; 10] = [&[]; 10];
    for slot in lists.iter_mut() {
        let len = be32(payload, at).ok_or(SshError::TruncatedNameList(at))?;
        let len = usize::try_from(len).map_err(|_| SshError::TruncatedNameList(at))?;
        let start = at + 4;
        let end = start
            .checked_add(len)
            .ok_or(SshError::TruncatedNameList(at))?;
        *slot = payload
            .get(start..end)
            .ok_or(SshError::TruncatedNameList(at))?;
        at = end;
    }
    let first_kex_packet_follows = payload.get(at).is_some_and(|b| *b != 0);
    let [
        kex,
        hostkey,
        enc_cs,
        enc_sc,
        mac_cs,
        mac_sc,
        comp_cs,
        comp_sc,
        lang_cs,
        lang_sc,
    ] = lists;
    Ok(KexInit {
        kex_algorithms: kex,
        server_host_key_algorithms: hostkey,
        encryption_client_to_server: enc_cs,
        encryption_server_to_client: enc_sc,
        mac_client_to_server: mac_cs,
        mac_server_to_client: mac_sc,
        compression_client_to_server: comp_cs,
        compression_server_to_client: comp_sc,
        languages_client_to_server: lang_cs,
        languages_server_to_client: lang_sc,
        first_kex_packet_follows,
    })
}

impl KexInit<'_> {
    /// The HASSH input of the side that sent this KEXINIT (Salesforce's
    /// HASSH: `kex;encryption;mac;compression`, the client-to-server lists
    /// for a client, the server-to-client lists for a server).
    pub fn hassh_string(&self, client: bool) -> Vec<u8> {
        let parts: [&[u8]; 4] = if client {
            [
                self.kex_algorithms,
                self.encryption_client_to_server,
                self.mac_client_to_server,
                self.compression_client_to_server,
            ]
        } else {
            [
                self.kex_algorithms,
                self.encryption_server_to_client,
                self.mac_server_to_client,
                self.compression_server_to_client,
            ]
        };
        parts.join(&b';')
    }
}

/// The lower-case hex MD5 of a HASSH string.
pub fn hassh_hash(string: &[u8]) -> String {
    use md5::{Digest, Md5};
    crate::proto::util::hex(&Md5::digest(string))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A client identification line.
    pub static CLIENT_IDENT: &[u8] = b"SSH-2.0-KagamiTest_1.0 test build\r\n";
    /// A server identification line.
    pub static SERVER_IDENT: &[u8] = b"SSH-2.0-KagamiServer_2.1\r\n";

    /// One KEXINIT binary packet with short name-lists.
    pub static KEXINIT_PACKET: &[u8] = &[
        0, 0, 0, 0x6a, // packet_length = 106
        4,    // padding_length
        20,   // SSH_MSG_KEXINIT
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // cookie
        0, 0, 0, 8, b'c', b'u', b'r', b'v', b'e', b'-', b'x',
        b'1', // kex_algorithms "curve-x1"
        0, 0, 0, 7, b's', b's', b'h', b'-', b'k', b'e',
        b'y', // server_host_key_algorithms "ssh-key"
        0, 0, 0, 4, b'a', b'e', b's', b'1', // encryption c2s "aes1"
        0, 0, 0, 4, b'a', b'e', b's', b'2', // encryption s2c "aes2"
        0, 0, 0, 4, b'm', b'a', b'c', b'1', // mac c2s "mac1"
        0, 0, 0, 4, b'm', b'a', b'c', b'2', // mac s2c "mac2"
        0, 0, 0, 4, b'n', b'o', b'n', b'e', // compression c2s "none"
        0, 0, 0, 4, b'z', b'l', b'i', b'b', // compression s2c "zlib"
        0, 0, 0, 0, // languages c2s ""
        0, 0, 0, 0, // languages s2c ""
        0, // first_kex_packet_follows
        0, 0, 0, 0, // reserved
        0, 0, 0, 0, // padding
    ];

    #[test]
    fn ident_lines() {
        let (l, used) = parse_ident_line(CLIENT_IDENT).unwrap();
        assert_eq!(used, CLIENT_IDENT.len());
        let IdentLine::Ident(id) = l else { panic!() };
        assert_eq!(id.proto_version, b"2.0");
        assert_eq!(id.software_version, b"KagamiTest_1.0");
        assert_eq!(id.comments, Some(&b"test build"[..]));
        let (l, _) = parse_ident_line(b"hello there\r\nSSH-").unwrap();
        assert_eq!(l, IdentLine::Other(b"hello there"));
        assert_eq!(parse_ident(b"SSH-x-y"), Err(SshError::BadIdent));
        assert_eq!(parse_ident(b"SSH-2.0"), Err(SshError::BadIdent));
        assert!(is_proto_version(b"1.99"));
        assert!(!is_proto_version(b"2"));
    }

    #[test]
    fn ident_truncations_and_limit() {
        for n in 0..CLIENT_IDENT.len() {
            assert!(matches!(
                parse_ident_line(&CLIENT_IDENT[..n]),
                Err(SshError::Incomplete { .. })
            ));
        }
        let long = vec![b'a'; MAX_IDENT_LEN + 10];
        assert_eq!(parse_ident_line(&long), Err(SshError::IdentTooLong));
        assert!(matches!(
            parse_ident_line(b""),
            Err(SshError::Incomplete { needed: 1 })
        ));
    }

    #[test]
    fn kexinit_and_hassh() {
        let (p, used) = parse_packet(KEXINIT_PACKET).unwrap();
        assert_eq!(used, KEXINIT_PACKET.len());
        assert_eq!(p.msg_type(), Some(MSG_KEXINIT));
        let k = parse_kexinit(p.payload).unwrap();
        assert_eq!(k.kex_algorithms, b"curve-x1");
        assert_eq!(k.server_host_key_algorithms, b"ssh-key");
        assert!(!k.first_kex_packet_follows);
        assert_eq!(k.hassh_string(true), b"curve-x1;aes1;mac1;none");
        assert_eq!(k.hassh_string(false), b"curve-x1;aes2;mac2;zlib");
        // md5("") is well known; our hex of it must match.
        assert_eq!(hassh_hash(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn every_truncation_is_incomplete_or_error() {
        for n in 0..KEXINIT_PACKET.len() {
            assert!(matches!(
                parse_packet(&KEXINIT_PACKET[..n]),
                Err(SshError::Incomplete { .. })
            ));
        }
        let (p, _) = parse_packet(KEXINIT_PACKET).unwrap();
        for n in 0..p.payload.len() - 9 {
            // Cut inside the name-lists: an error, never a panic.
            let _ = parse_kexinit(&p.payload[..n]);
        }
        assert!(parse_kexinit(&p.payload[..40]).is_err());
    }

    #[test]
    fn length_fields_out_of_bounds() {
        // packet_length far larger than the buffer or the RFC bound
        assert_eq!(
            parse_packet(&[0xff, 0xff, 0xff, 0xff, 4, 20]),
            Err(SshError::BadPacketLength(u32::MAX))
        );
        // zero packet length
        assert_eq!(
            parse_packet(&[0, 0, 0, 0, 4]),
            Err(SshError::BadPacketLength(0))
        );
        // padding longer than the packet
        assert!(matches!(
            parse_packet(&[0, 0, 0, 3, 9, 20, 0]),
            Err(SshError::BadPadding { .. })
        ));
        // a name-list length larger than the payload
        let mut p = vec![20u8; 17];
        p.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff, b'a']);
        assert!(matches!(
            parse_kexinit(&p),
            Err(SshError::TruncatedNameList(17))
        ));
        // the largest packet length accepted
        let mut big = vec![0u8; 4 + MAX_PACKET_LEN];
        big[..4].copy_from_slice(&(MAX_PACKET_LEN as u32).to_be_bytes());
        big[4] = 4;
        big[5] = 21;
        assert!(parse_packet(&big).is_ok());
    }
}
