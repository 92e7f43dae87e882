//! IKE (IKEv1 RFC 2409, IKEv2 RFC 7296) over UDP, on port 500, on the
//! NAT-T port 4500 behind the non-ESP marker (RFC 3948), or on any port.
//!
//! The probe validates the whole header and payload chain (see
//! [`parser::parse`]), so a datagram is claimed only if every length in it
//! agrees. On port 4500 a flow may also show only ESP-in-UDP (the IKE
//! exchange happened on another flow, or before the capture): two ESP
//! packets of one direction with the same SPI and rising sequence numbers
//! name it too, since RFC 3948 puts ESP-in-UDP on that port and nowhere
//! else. Such a flow is also `ike`: Suricata has no app-layer name for ESP,
//! and the IPsec tunnel it carries is what the flow is; the evidence says
//! which case it was. Each IKE message becomes one EVE `ike` record.

mod log;
pub mod parser;
pub mod state;

pub use parser::{IkeError, IkeHeader, IkeMessage};
pub use state::{IkeState, IkeTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "ike",
    transports: &[Transport::Udp],
    ports: &[500, NATT_PORT],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: Some("ike"),
};

/// The UDP port of IKE and ESP behind NAT (RFC 3948 §2).
pub const NATT_PORT: u16 = 4500;

/// How far an ESP sequence number may advance between two probed packets.
const MAX_SEQ_STEP: u32 = 64;

fn probe(input: &ProbeInput<'_>) -> Probe {
    if parser::parse(input.data).is_ok() {
        return Probe::Yes("IKE header and payload chain parse");
    }
    if input.client_port != NATT_PORT && input.server_port != NATT_PORT {
        return Probe::No;
    }
    match parser::split_natt(input.data) {
        Some(parser::Encap::Ike(m)) if parser::parse(m).is_ok() => {
            Probe::Yes("IKE behind the non-ESP marker on the NAT-T port")
        }
        Some(parser::Encap::Esp { spi, seq }) => {
            let run = input
                .earlier
                .iter()
                .filter(|(d, _)| *d == input.dir)
                .filter_map(|(_, p)| parser::split_natt(p))
                .any(|e| {
                    matches!(e, parser::Encap::Esp { spi: s, seq: q }
                        if s == spi && seq > q && seq - q <= MAX_SEQ_STEP)
                });
            if run {
                Probe::Yes("ESP in UDP on the NAT-T port: one SPI, rising sequence numbers")
            } else {
                Probe::NeedMore
            }
        }
        Some(parser::Encap::Keepalive) => Probe::NeedMore,
        _ => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::SA_INIT;
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, udp, udp_after};

    fn natt<'a>(data: &'a [u8], earlier: &'a [(Direction, Vec<u8>)]) -> ProbeInput<'a> {
        ProbeInput {
            server_port: NATT_PORT,
            ..udp_after(Direction::ToServer, data, earlier)
        }
    }

    #[test]
    fn ike_anywhere_and_behind_the_marker() {
        assert!(matches!(
            probe(&udp(Direction::ToServer, SA_INIT)),
            Probe::Yes(_)
        ));
        let mut d = vec![0, 0, 0, 0];
        d.extend_from_slice(SA_INIT);
        assert!(matches!(probe(&natt(&d, &[])), Probe::Yes(_)));
        // The marker only means something on the NAT-T port.
        assert_eq!(probe(&udp(Direction::ToServer, &d)), Probe::No);
    }

    #[test]
    fn esp_needs_a_run_on_4500() {
        let a = [0xc0, 1, 2, 3, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9];
        let mut b = a;
        b[7] = 2;
        assert_eq!(probe(&natt(&a, &[])), Probe::NeedMore);
        let earlier = [(Direction::ToServer, a.to_vec())];
        assert!(matches!(probe(&natt(&b, &earlier)), Probe::Yes(_)));
        assert_eq!(
            probe(&udp_after(Direction::ToServer, &b, &earlier)),
            Probe::No
        );
    }

    #[test]
    fn other_protocols_are_not_claimed() {
        for (name, bytes) in NOT_CLAIMED {
            assert_eq!(probe(&udp(Direction::ToServer, bytes)), Probe::No, "{name}");
            assert!(!matches!(probe(&natt(bytes, &[])), Probe::Yes(_)), "{name}");
        }
    }
}
