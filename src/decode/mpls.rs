//! MPLS label stacks (RFC 3032): skip labels to the bottom of the stack and
//! read the IP version of what follows.

/// One label stack entry (RFC 3032 §2.1).
const LABEL_LEN: usize = 4;
/// Most labels walked before the packet counts as malformed.
pub const MAX_MPLS_LABELS: usize = 16;
/// EtherTypes of MPLS unicast and multicast.
pub const ETHERTYPE_MPLS_UC: u16 = 0x8847;
pub const ETHERTYPE_MPLS_MC: u16 = 0x8848;

/// Why an MPLS packet yields no IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MplsError {
    /// Cut inside the label stack.
    HeaderTooSmall,
    /// The payload is neither IPv4 nor IPv6 (pseudowire, …).
    UnknownPayload,
}

/// The IP packet under the label stack.
pub fn inner(data: &[u8]) -> Result<&[u8], MplsError> {
    let mut off = 0;
    for _ in 0..MAX_MPLS_LABELS {
        let label = data
            .get(off..off + LABEL_LEN)
            .ok_or(MplsError::HeaderTooSmall)?;
        off += LABEL_LEN;
        if label[2] & 0x01 != 0 {
            let rest = data.get(off..).ok_or(MplsError::HeaderTooSmall)?;
            return match rest.first().map(|b| b >> 4) {
                Some(4) | Some(6) => Ok(rest),
                _ => Err(MplsError::UnknownPayload),
            };
        }
    }
    Err(MplsError::HeaderTooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_labels_then_ipv4() {
        let p = [0, 1, 0x00, 64, 0, 2, 0x01, 64, 0x45, 0];
        assert_eq!(inner(&p), Ok(&[0x45, 0][..]));
        for cut in 0..8 {
            assert_eq!(inner(&p[..cut]), Err(MplsError::HeaderTooSmall));
        }
        assert_eq!(
            inner(&[0, 1, 0x01, 64, 0x00]),
            Err(MplsError::UnknownPayload)
        );
        assert_eq!(inner(&[0u8; 80]), Err(MplsError::HeaderTooSmall));
    }
}
