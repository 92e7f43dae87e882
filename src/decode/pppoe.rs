//! PPPoE session frames (RFC 2516 §4) carrying PPP (RFC 1661) with IPv4 or
//! IPv6: what a tap on a broadband aggregation link sees.

/// PPPoE header: version/type, code, session id, length (RFC 2516 §4).
const PPPOE_HEADER_LEN: usize = 6;
/// The PPP protocol field that follows it.
const PPP_PROTO_LEN: usize = 2;
/// PPP protocol numbers for IP (RFC 1332, RFC 5072).
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// EtherType of a PPPoE session frame.
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

/// Why a PPPoE frame yields no IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PppoeError {
    /// Shorter than the PPPoE and PPP headers.
    TooSmall,
    /// Version/type is not 0x11, or the code is not 0 (session data).
    WrongCode,
    /// A PPP protocol other than IPv4/IPv6 (LCP, IPCP, …): counted, not decoded.
    NotIp(u16),
}

/// The IP packet inside a PPPoE session frame.
pub fn inner(frame: &[u8]) -> Result<&[u8], PppoeError> {
    let hdr = frame
        .get(..PPPOE_HEADER_LEN + PPP_PROTO_LEN)
        .ok_or(PppoeError::TooSmall)?;
    if hdr.first() != Some(&0x11) || hdr.get(1) != Some(&0x00) {
        return Err(PppoeError::WrongCode);
    }
    let proto = u16::from_be_bytes([hdr[6], hdr[7]]);
    if proto != PPP_IPV4 && proto != PPP_IPV6 {
        return Err(PppoeError::NotIp(proto));
    }
    frame
        .get(PPPOE_HEADER_LEN + PPP_PROTO_LEN..)
        .ok_or(PppoeError::TooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FRAME: [u8; 9] = [
        0x11, // version 1, type 1
        0x00, // code: session data
        0x55, 0x6a, // session id
        0x00, 0x03, // payload length
        0x00, 0x21, // PPP: IPv4
        0x45, // first byte of IPv4
    ];

    #[test]
    fn session_ipv4() {
        assert_eq!(inner(&FRAME), Ok(&[0x45][..]));
        for cut in 0..8 {
            assert_eq!(inner(&FRAME[..cut]), Err(PppoeError::TooSmall), "cut {cut}");
        }
        let mut lcp = FRAME;
        lcp[6] = 0xc0;
        assert_eq!(inner(&lcp), Err(PppoeError::NotIp(0xc021)));
        let mut discovery = FRAME;
        discovery[1] = 0x09;
        assert_eq!(inner(&discovery), Err(PppoeError::WrongCode));
    }
}
