//! Link layers etherparse does not slice for us in lax mode: Linux cooked
//! capture v1 and v2, and the BSD loopback headers. Each is a checked view
//! that yields the next-layer protocol and the rest of the frame.

/// Byte ranges of the Linux cooked header, v1 (16 bytes) and v2 (20 bytes).
/// See <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html> and `…_SLL2.html`.
mod field {
    use core::ops::Range;
    /// SLL v1: protocol type, network order, at the end of the header.
    pub const SLL_PROTOCOL: Range<usize> = 14..16;
    pub const SLL_LEN: usize = 16;
    /// SLL v2: protocol type first.
    pub const SLL2_PROTOCOL: Range<usize> = 0..2;
    pub const SLL2_LEN: usize = 20;
    /// DLT_NULL / DLT_LOOP: a 4-byte address family.
    pub const NULL_FAMILY: Range<usize> = 0..4;
    pub const NULL_LEN: usize = 4;
}

/// What follows a link header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next<'a> {
    /// An EtherType and the bytes after the link header.
    EtherType(u16, &'a [u8]),
    /// An IP packet (version read from its first nibble).
    Ip(&'a [u8]),
}

/// Linux cooked capture v1; `None` if the frame is shorter than the header.
pub fn sll(frame: &[u8]) -> Option<Next<'_>> {
    let proto = frame.get(field::SLL_PROTOCOL)?;
    let rest = frame.get(field::SLL_LEN..)?;
    Some(Next::EtherType(
        u16::from_be_bytes([proto[0], proto[1]]),
        rest,
    ))
}

/// Linux cooked capture v2; `None` if the frame is shorter than the header.
pub fn sll2(frame: &[u8]) -> Option<Next<'_>> {
    let proto = frame.get(field::SLL2_PROTOCOL)?;
    let rest = frame.get(field::SLL2_LEN..)?;
    Some(Next::EtherType(
        u16::from_be_bytes([proto[0], proto[1]]),
        rest,
    ))
}

/// Outcome of reading a BSD loopback header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullError {
    /// Fewer than 4 bytes.
    TooSmall,
    /// An address family that is neither IPv4 nor IPv6.
    UnsupportedFamily(u32),
}

/// Address families that mean IPv4 or IPv6 across the BSDs, Linux and macOS.
const AF_INET: u32 = 2;
const AF_INET6_ALL: [u32; 4] = [10, 24, 28, 30];

/// DLT_NULL (`network_order == false`, host order, which pcap files from a
/// different-endian host may also carry: both orders are tried) or DLT_LOOP
/// (network order).
pub fn null(frame: &[u8], network_order: bool) -> Result<Next<'_>, NullError> {
    let fam = frame.get(field::NULL_FAMILY).ok_or(NullError::TooSmall)?;
    let rest = frame.get(field::NULL_LEN..).ok_or(NullError::TooSmall)?;
    let raw = [fam[0], fam[1], fam[2], fam[3]];
    let candidates = if network_order {
        [u32::from_be_bytes(raw), u32::from_be_bytes(raw)]
    } else {
        [u32::from_le_bytes(raw), u32::from_be_bytes(raw)]
    };
    for af in candidates {
        if af == AF_INET || AF_INET6_ALL.contains(&af) {
            return Ok(Next::Ip(rest));
        }
    }
    Err(NullError::UnsupportedFamily(candidates[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SLL v1 header: packet type, ARPHRD_ETHER, address length 6, address + 2 pad, IPv4.
    static SLL: [u8; 17] = [
        0, 0, // packet type: to us
        0, 1, // ARPHRD_ETHER
        0, 6, // link-layer address length
        1, 2, 3, 4, 5, 6, 0, 0, // address, padded to 8
        0x08, 0x00, // protocol: IPv4
        0x45, // first byte of the IP packet
    ];

    #[test]
    fn sll_v1() {
        assert_eq!(sll(&SLL), Some(Next::EtherType(0x0800, &[0x45][..])));
        for cut in 0..16 {
            assert_eq!(sll(&SLL[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn sll_v2() {
        let mut f = vec![
            0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
        ];
        f.push(0x60);
        assert_eq!(sll2(&f), Some(Next::EtherType(0x86dd, &[0x60][..])));
        assert_eq!(sll2(&f[..19]), None);
    }

    #[test]
    fn bsd_null_both_orders() {
        assert_eq!(null(&[2, 0, 0, 0, 0x45], false), Ok(Next::Ip(&[0x45][..])));
        assert_eq!(null(&[0, 0, 0, 2, 0x45], false), Ok(Next::Ip(&[0x45][..])));
        assert_eq!(null(&[0, 0, 0, 24, 0x60], true), Ok(Next::Ip(&[0x60][..])));
        assert_eq!(null(&[0, 0, 0], true), Err(NullError::TooSmall));
        assert_eq!(
            null(&[7, 0, 0, 0], false),
            Err(NullError::UnsupportedFamily(7))
        );
    }
}
