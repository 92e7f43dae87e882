//! The flow key: the canonical 5-tuple plus VLAN ids, the same for both
//! directions of a flow, and its symmetric hash for sharding across workers.

use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use crate::decode::{Decoded, ip_proto};

/// One end of a flow.
pub type Endpoint = (IpAddr, u16);

/// A flow's identity. `lo` is the smaller endpoint, so both directions of a
/// flow give the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub lo: Endpoint,
    pub hi: Endpoint,
    pub proto: u8,
    pub vlan: [u16; 2],
}

impl FlowKey {
    /// The key of a decoded packet, and whether the packet goes from `lo` to `hi`.
    /// ICMP flows are keyed by their two hosts alone (type and code are not ports).
    pub fn of(d: &Decoded<'_>) -> (FlowKey, bool) {
        let (sp, dp) = match d.proto {
            ip_proto::ICMP | ip_proto::ICMPV6 => (0, 0),
            _ => (d.sport, d.dport),
        };
        let a = (d.src, sp);
        let b = (d.dst, dp);
        if a <= b {
            (
                FlowKey {
                    lo: a,
                    hi: b,
                    proto: d.proto,
                    vlan: d.vlan,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    lo: b,
                    hi: a,
                    proto: d.proto,
                    vlan: d.vlan,
                },
                false,
            )
        }
    }

    /// A hash that is the same for both directions and for every worker in
    /// one process: what a reader uses to pick the worker that owns a flow.
    pub fn symmetric_hash(&self) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn pkt(src: &str, sport: u16, dst: &str, dport: u16) -> Decoded<'static> {
        Decoded {
            ts: Timestamp(0),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: 6,
            sport,
            dport,
            tcp: None,
            icmp: None,
            payload: &[],
            vlan: [0; 2],
            wire_len: 60,
            tunnel_depth: 0,
            src_mac: None,
        }
    }

    #[test]
    fn both_directions_share_key_and_hash() {
        let (k1, d1) = FlowKey::of(&pkt("10.0.0.1", 40000, "10.0.0.2", 80));
        let (k2, d2) = FlowKey::of(&pkt("10.0.0.2", 80, "10.0.0.1", 40000));
        assert_eq!(k1, k2);
        assert_ne!(d1, d2);
        assert_eq!(k1.symmetric_hash(), k2.symmetric_hash());
        let (k3, _) = FlowKey::of(&pkt("10.0.0.1", 40001, "10.0.0.2", 80));
        assert_ne!(k1, k3);
    }

    #[test]
    fn vlan_separates_flows() {
        let mut p = pkt("10.0.0.1", 1, "10.0.0.2", 2);
        let (a, _) = FlowKey::of(&p);
        p.vlan = [100, 0];
        let (b, _) = FlowKey::of(&p);
        assert_ne!(a, b);
    }
}
