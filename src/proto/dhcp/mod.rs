//! DHCP for IPv4 (RFC 2131, options RFC 2132) and a recogniser for DHCPv6
//! (RFC 8415).
//!
//! Every DHCPv4 message becomes one EVE `dhcp` record in Suricata's
//! extended shape, and a [`DhcpTx`] the device detectors read (client MAC,
//! hostname, vendor class, requested and assigned addresses). DHCPv6 is
//! only recognised and counted (`app_proto` `dhcpv6`, no record): Suricata
//! has no DHCPv6 parser to be compatible with.

mod log;
pub mod parser;
pub mod state;
pub mod v6;

pub use log::param_name;
pub use parser::{DhcpError, DhcpMessage};
pub use state::{DhcpMessageType, DhcpState, DhcpTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry for DHCPv4.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "dhcp",
    transports: &[Transport::Udp],
    ports: &[67, 68],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: Some("dhcp"),
};

/// A BOOTP op, Ethernet hardware type and length, and the DHCP magic
/// cookie at offset 236 (RFC 2131 §2, §3).
fn probe(input: &ProbeInput<'_>) -> Probe {
    if parser::looks_like_dhcp(input.data) {
        Probe::Yes("BOOTP header with the DHCP magic cookie (RFC 2131)")
    } else {
        Probe::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Direction;

    #[test]
    fn probes() {
        let p = |data: &[u8]| {
            probe(&ProbeInput {
                transport: Transport::Udp,
                dir: Direction::ToServer,
                data,
                client_port: 68,
                server_port: 67,
                earlier: &[],
            })
        };
        assert!(matches!(p(&parser::tests::request()), Probe::Yes(_)));
        assert_eq!(p(&[1, 1, 6, 0]), Probe::No);
        assert_eq!(p(&[0u8; 300]), Probe::No);
        assert_eq!(p(b""), Probe::No);
    }
}
