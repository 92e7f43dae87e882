//! GRE (RFC 2784, RFC 2890; version 1 is PPTP's enhanced GRE, RFC 2637) and
//! the ERSPAN headers it carries (type II and III, draft-foschiano-erspan).
//! A remote SPAN session arrives as ERSPAN: the inner Ethernet frame is the
//! packet that counts.

/// Byte layout of the GRE base header.
mod field {
    use core::ops::Range;
    pub const FLAGS: usize = 0;
    pub const VERSION: usize = 1;
    pub const PROTOCOL: Range<usize> = 2..4;
    pub const BASE_LEN: usize = 4;
    /// ERSPAN type II header length (after GRE).
    pub const ERSPAN2_LEN: usize = 8;
    /// ERSPAN type III header length without the optional platform subheader.
    pub const ERSPAN3_LEN: usize = 12;
    /// ERSPAN III "O" bit: an 8-byte platform-specific subheader follows.
    pub const ERSPAN3_SUBHDR_LEN: usize = 8;
}

const FLAG_CHECKSUM: u8 = 0x80;
const FLAG_ROUTING: u8 = 0x40;
const FLAG_KEY: u8 = 0x20;
const FLAG_SEQ: u8 = 0x10;
const FLAG_ACK_V1: u8 = 0x80;

/// GRE protocol types that carry ERSPAN.
pub const ETHERTYPE_ERSPAN_II: u16 = 0x88be;
pub const ETHERTYPE_ERSPAN_III: u16 = 0x22eb;
/// PPP inside PPTP's GRE version 1.
pub const ETHERTYPE_PPP: u16 = 0x880b;
/// Transparent Ethernet bridging.
pub const ETHERTYPE_TEB: u16 = 0x6558;

/// What a GRE packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GreInner<'a> {
    /// A payload of this EtherType (IPv4, IPv6, …).
    EtherType(u16, &'a [u8]),
    /// An Ethernet frame (ERSPAN II/III, transparent bridging).
    Ethernet(&'a [u8]),
    /// PPTP's PPP payload (GRE v1): not decoded further, the GRE packet is the flow.
    Ppp,
}

/// A GRE packet kagami cannot use; each maps to a Suricata decoder event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GreError {
    PktTooSmall,
    WrongVersion(u8),
    HdrTooBig,
    ErspanTooSmall,
    ErspanUnsupportedVersion(u8),
}

/// Parses a GRE header at the start of `data` and returns what it carries.
pub fn parse(data: &[u8]) -> Result<GreInner<'_>, GreError> {
    let flags = *data.get(field::FLAGS).ok_or(GreError::PktTooSmall)?;
    let ver_byte = *data.get(field::VERSION).ok_or(GreError::PktTooSmall)?;
    let proto = data.get(field::PROTOCOL).ok_or(GreError::PktTooSmall)?;
    let proto = u16::from_be_bytes([proto[0], proto[1]]);
    let version = ver_byte & 0x07;
    let mut len = field::BASE_LEN;
    match version {
        0 => {
            if flags & (FLAG_CHECKSUM | FLAG_ROUTING) != 0 {
                len += 4; // checksum + reserved1 (present if either C or R)
            }
            if flags & FLAG_KEY != 0 {
                len += 4;
            }
            if flags & FLAG_SEQ != 0 {
                len += 4;
            }
            if flags & FLAG_ROUTING != 0 {
                // Source routing entries (RFC 1701) are deprecated; refuse them.
                return Err(GreError::HdrTooBig);
            }
        }
        1 => {
            // Enhanced GRE: key is mandatory, sequence and ack optional.
            len += 4;
            if flags & FLAG_SEQ != 0 {
                len += 4;
            }
            if ver_byte & FLAG_ACK_V1 != 0 {
                len += 4;
            }
        }
        v => return Err(GreError::WrongVersion(v)),
    }
    let payload = data.get(len..).ok_or(GreError::HdrTooBig)?;
    match (version, proto) {
        (1, _) | (_, ETHERTYPE_PPP) => Ok(GreInner::Ppp),
        (_, ETHERTYPE_ERSPAN_II) => {
            // Without the S bit it is ERSPAN type I: the frame follows at once.
            if flags & FLAG_SEQ == 0 {
                return Ok(GreInner::Ethernet(payload));
            }
            let hdr = payload
                .get(..field::ERSPAN2_LEN)
                .ok_or(GreError::ErspanTooSmall)?;
            let erspan_version = hdr.first().map(|b| b >> 4).unwrap_or(0);
            if erspan_version != 1 {
                return Err(GreError::ErspanUnsupportedVersion(erspan_version));
            }
            payload
                .get(field::ERSPAN2_LEN..)
                .map(GreInner::Ethernet)
                .ok_or(GreError::ErspanTooSmall)
        }
        (_, ETHERTYPE_ERSPAN_III) => {
            let hdr = payload
                .get(..field::ERSPAN3_LEN)
                .ok_or(GreError::ErspanTooSmall)?;
            let erspan_version = hdr.first().map(|b| b >> 4).unwrap_or(0);
            if erspan_version != 2 {
                return Err(GreError::ErspanUnsupportedVersion(erspan_version));
            }
            // Bit 0 of the last byte is the "O" flag: an optional subheader.
            let optional = hdr.get(11).map(|b| b & 0x01 != 0).unwrap_or(false);
            let skip = field::ERSPAN3_LEN
                + if optional {
                    field::ERSPAN3_SUBHDR_LEN
                } else {
                    0
                };
            payload
                .get(skip..)
                .map(GreInner::Ethernet)
                .ok_or(GreError::ErspanTooSmall)
        }
        (_, ETHERTYPE_TEB) => Ok(GreInner::Ethernet(payload)),
        (_, et) => Ok(GreInner::EtherType(et, payload)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ipv4() {
        let pkt = [0x00, 0x00, 0x08, 0x00, 0x45];
        assert_eq!(parse(&pkt), Ok(GreInner::EtherType(0x0800, &[0x45][..])));
    }

    #[test]
    fn key_and_sequence_are_skipped() {
        let pkt = [0x30, 0x00, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0x45];
        assert_eq!(parse(&pkt), Ok(GreInner::EtherType(0x0800, &[0x45][..])));
        // every truncation point errors, never panics
        for cut in 0..12 {
            assert!(parse(&pkt[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn erspan_two_and_three() {
        // GRE with S bit, proto 0x88be, seq, ERSPAN II header (version 1), frame
        let mut p = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
        p.extend_from_slice(&[0x10, 0x64, 0x00, 0x01, 0, 0, 0, 0]);
        p.extend_from_slice(&[0xaa; 14]);
        assert_eq!(parse(&p), Ok(GreInner::Ethernet(&[0xaa; 14][..])));
        let mut q = vec![0x00, 0x00, 0x22, 0xeb];
        q.extend_from_slice(&[0x20, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        q.extend_from_slice(&[0xbb; 14]);
        assert_eq!(parse(&q), Ok(GreInner::Ethernet(&[0xbb; 14][..])));
        q[4] = 0x70;
        assert_eq!(parse(&q), Err(GreError::ErspanUnsupportedVersion(7)));
        assert_eq!(parse(&q[..10]), Err(GreError::ErspanTooSmall));
    }

    #[test]
    fn versions() {
        assert_eq!(
            parse(&[0x00, 0x03, 0x08, 0x00]),
            Err(GreError::WrongVersion(3))
        );
        // PPTP enhanced GRE: key present, payload PPP
        assert_eq!(
            parse(&[0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 1, 0, 0, 0, 1]),
            Ok(GreInner::Ppp)
        );
        assert_eq!(
            parse(&[0x30, 0x01, 0x88, 0x0b, 0, 4]),
            Err(GreError::HdrTooBig)
        );
    }
}
