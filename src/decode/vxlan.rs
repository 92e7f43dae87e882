//! VXLAN (RFC 7348): an 8-byte header on UDP, then an Ethernet frame.

/// VXLAN header length (RFC 7348 §5).
pub const VXLAN_HEADER_LEN: usize = 8;
/// The "I" flag: the VNI is valid (RFC 7348 §5).
const FLAG_VNI: u8 = 0x08;

/// The inner Ethernet frame of a VXLAN packet, or `None` if `udp_payload`
/// is too short or its flags do not say VXLAN.
pub fn inner(udp_payload: &[u8]) -> Option<&[u8]> {
    let flags = *udp_payload.first()?;
    if flags & FLAG_VNI == 0 {
        return None;
    }
    udp_payload.get(VXLAN_HEADER_LEN..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vxlan_header() {
        let p = [0x08, 0, 0, 0, 0, 0x10, 0x92, 0, 0xcc];
        assert_eq!(inner(&p), Some(&[0xcc][..]));
        assert_eq!(inner(&p[..8]), Some(&[][..]));
        assert_eq!(inner(&p[..7]), None);
        assert_eq!(inner(&[0x00; 9]), None);
        assert_eq!(inner(&[]), None);
    }
}
