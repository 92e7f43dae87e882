//! Link-layer headers: prepends the Ethernet (with 802.1Q/802.1ad tags),
//! Linux SLL/SLL2, raw-IP or BSD loopback header for a layer-3 payload.

use std::io;

use etherparse::{EtherType, Ethernet2Header, SingleVlanHeader, VlanId, VlanPcp};

use super::writer::Link;

/// EtherType of IPv4.
pub const ETH_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETH_IPV6: u16 = 0x86dd;
/// EtherType of ARP.
pub const ETH_ARP: u16 = 0x0806;
/// TPID of an 802.1Q customer tag.
pub const TPID_8021Q: u16 = 0x8100;
/// TPID of an 802.1ad service tag.
pub const TPID_8021AD: u16 = 0x88a8;

/// Addressing of one frame at the link layer.
pub(crate) struct L2<'a> {
    /// Source MAC.
    pub src: [u8; 6],
    /// Destination MAC.
    pub dst: [u8; 6],
    /// VLAN tags outer-to-inner as (TPID, VLAN id); Ethernet only.
    pub vlans: &'a [(u16, u16)],
    /// Sent by the capturing host (SLL packet type 4) rather than received (0).
    pub outgoing: bool,
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Appends an Ethernet II header (plus VLAN tags) to `out`.
pub(crate) fn push_ethernet(out: &mut Vec<u8>, l2: &L2<'_>, ethertype: u16) -> io::Result<()> {
    let first_type = l2.vlans.first().map_or(ethertype, |v| v.0);
    Ethernet2Header {
        source: l2.src,
        destination: l2.dst,
        ether_type: EtherType(first_type),
    }
    .write(out)?;
    for (i, &(_, id)) in l2.vlans.iter().enumerate() {
        let next = l2.vlans.get(i + 1).map_or(ethertype, |v| v.0);
        SingleVlanHeader {
            pcp: VlanPcp::ZERO,
            drop_eligible_indicator: false,
            vlan_id: VlanId::try_new(id).map_err(io::Error::other)?,
            ether_type: EtherType(next),
        }
        .write(out)?;
    }
    Ok(())
}

fn address_family(ethertype: u16) -> io::Result<u32> {
    match ethertype {
        ETH_IPV4 => Ok(2),
        ETH_IPV6 => Ok(24),
        _ => Err(invalid("only IPv4/IPv6 can be written on this link type")),
    }
}

/// Appends the link header of `link` for a payload of `ethertype` to `out`.
/// VLAN tags are only represented on Ethernet; non-IP payloads (ARP) are
/// rejected on raw-IP and loopback links.
pub(crate) fn push_link_header(
    out: &mut Vec<u8>,
    link: Link,
    l2: &L2<'_>,
    ethertype: u16,
) -> io::Result<()> {
    let pkt_type: u16 = if l2.outgoing { 4 } else { 0 };
    match link {
        Link::Ethernet => push_ethernet(out, l2, ethertype)?,
        Link::LinuxSll => {
            out.extend_from_slice(&pkt_type.to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend_from_slice(&6u16.to_be_bytes());
            out.extend_from_slice(&l2.src);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&ethertype.to_be_bytes());
        }
        Link::LinuxSll2 => {
            out.extend_from_slice(&ethertype.to_be_bytes());
            out.extend_from_slice(&[0, 0]); // reserved
            out.extend_from_slice(&2u32.to_be_bytes()); // interface index
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.push(pkt_type as u8);
            out.push(6);
            out.extend_from_slice(&l2.src);
            out.extend_from_slice(&[0, 0]);
        }
        Link::RawIp => {
            address_family(ethertype)?;
        }
        Link::BsdNull => out.extend_from_slice(&address_family(ethertype)?.to_le_bytes()),
        Link::BsdLoop => out.extend_from_slice(&address_family(ethertype)?.to_be_bytes()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l2() -> L2<'static> {
        L2 {
            src: [2, 0, 0, 0, 0, 1],
            dst: [2, 0, 0, 0, 0, 2],
            vlans: &[],
            outgoing: true,
        }
    }

    #[test]
    fn header_lengths() {
        let cases = [
            (Link::Ethernet, 14),
            (Link::LinuxSll, 16),
            (Link::LinuxSll2, 20),
            (Link::RawIp, 0),
            (Link::BsdNull, 4),
            (Link::BsdLoop, 4),
        ];
        for (link, len) in cases {
            let mut v = Vec::new();
            push_link_header(&mut v, link, &l2(), ETH_IPV4).unwrap();
            assert_eq!(v.len(), len, "{link:?}");
        }
        let mut v = Vec::new();
        push_link_header(&mut v, Link::BsdNull, &l2(), ETH_IPV6).unwrap();
        assert_eq!(v, 24u32.to_le_bytes());
        v.clear();
        push_link_header(&mut v, Link::BsdLoop, &l2(), ETH_IPV4).unwrap();
        assert_eq!(v, 2u32.to_be_bytes());
    }

    #[test]
    fn qinq_tags() {
        let vlans = [(TPID_8021AD, 200), (TPID_8021Q, 300)];
        let l2 = L2 {
            vlans: &vlans,
            ..l2()
        };
        let mut v = Vec::new();
        push_ethernet(&mut v, &l2, ETH_IPV4).unwrap();
        assert_eq!(v.len(), 22);
        assert_eq!(&v[12..14], &[0x88, 0xa8]);
        assert_eq!(&v[14..16], &200u16.to_be_bytes());
        assert_eq!(&v[16..18], &[0x81, 0x00]);
        assert_eq!(&v[18..20], &300u16.to_be_bytes());
        assert_eq!(&v[20..22], &[0x08, 0x00]);
    }
}
