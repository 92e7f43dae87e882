//! Tailscale disco packet header (Tailscale's `disco` package): magic,
//! sender disco key, nonce, then the sealed box.

use thiserror::Error;

/// `"TS"` followed by U+1F4AC in UTF-8.
pub const MAGIC: &[u8] = b"TS\xf0\x9f\x92\xac";
/// Bytes of the sender's disco public key (Curve25519).
pub const KEY_LEN: usize = 32;
/// Bytes of the NaCl box nonce.
pub const NONCE_LEN: usize = 24;
/// Bytes of the box's authenticator (Poly1305).
pub const TAG_LEN: usize = 16;
/// The shortest disco packet: magic, key, nonce and an empty box's tag.
pub const MIN_LEN: usize = 6 + KEY_LEN + NONCE_LEN + TAG_LEN;

/// Why a datagram is not a disco packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DiscoError {
    #[error("no disco magic")]
    NoMagic,
    #[error("disco packet of {0} bytes is shorter than {MIN_LEN}")]
    Truncated(usize),
}

/// A disco packet's clear fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disco<'a> {
    pub sender_key: &'a [u8],
    pub nonce: &'a [u8],
    /// The sealed message (encrypted; not opened here).
    pub sealed: &'a [u8],
}

/// Parses a datagram as a disco packet.
pub fn parse_disco(d: &[u8]) -> Result<Disco<'_>, DiscoError> {
    let magic = d.get(..MAGIC.len()).unwrap_or(d);
    if magic != MAGIC.get(..magic.len()).unwrap_or(MAGIC) || d.is_empty() {
        return Err(DiscoError::NoMagic);
    }
    if d.len() < MIN_LEN {
        return Err(DiscoError::Truncated(d.len()));
    }
    let key_at = MAGIC.len();
    let nonce_at = key_at + KEY_LEN;
    let box_at = nonce_at + NONCE_LEN;
    Ok(Disco {
        sender_key: d
            .get(key_at..nonce_at)
            .ok_or(DiscoError::Truncated(d.len()))?,
        nonce: d
            .get(nonce_at..box_at)
            .ok_or(DiscoError::Truncated(d.len()))?,
        sealed: d.get(box_at..).ok_or(DiscoError::Truncated(d.len()))?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A disco packet: magic, key 0x11.., nonce 0x22.., a 20-byte box.
    #[allow(non_snake_case)]
    pub fn DISCO() -> Vec<u8> {
        let mut d = MAGIC.to_vec(); // "TS" + U+1F4AC
        d.extend_from_slice(&[0x11; KEY_LEN]); // sender disco key
        d.extend_from_slice(&[0x22; NONCE_LEN]); // nonce
        d.extend_from_slice(&[0x33; 20]); // sealed box
        d
    }

    #[test]
    fn parses_and_truncates() {
        let d = DISCO();
        let p = parse_disco(&d).unwrap();
        assert_eq!(p.sender_key, &[0x11; KEY_LEN][..]);
        assert_eq!(p.sealed.len(), 20);
        for cut in 0..MIN_LEN {
            assert!(parse_disco(&d[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(parse_disco(&[]), Err(DiscoError::NoMagic));
        assert_eq!(
            parse_disco(b"TS\xf0\x9f\x92\xad rest"),
            Err(DiscoError::NoMagic)
        );
    }
}
