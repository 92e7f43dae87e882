//! Tailscale over UDP: WireGuard plus Tailscale's "disco" packets, which
//! start with the magic `TS💬` (`54 53 f0 9f 92 ac`), then the sender's
//! 32-byte disco public key, a 24-byte nonce and a NaCl box (Tailscale's
//! `disco` package documentation).
//!
//! Tailscale is its own protocol rather than a flavour of `wireguard`:
//! the disco magic names the product exactly, and an operator who allows
//! Tailscale but not other VPNs (or the reverse) needs the two apart. The
//! probe is tried before WireGuard's; once a flow is Tailscale its
//! WireGuard messages are parsed by the same code as `wireguard` and
//! counted beside the disco packets. A Tailscale flow whose first probed
//! datagrams are all WireGuard is named `wireguard` (the disco packets
//! that would tell come every few seconds, usually first).

mod log;
pub mod parser;
pub mod state;

pub use state::{TailscaleState, TailscaleTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "tailscale",
    transports: &[Transport::Udp],
    ports: &[41641],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

fn probe(input: &ProbeInput<'_>) -> Probe {
    if parser::parse_disco(input.data).is_ok() {
        Probe::Yes("Tailscale disco magic")
    } else {
        Probe::No
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::DISCO;
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, udp};

    #[test]
    fn disco_is_claimed_and_others_are_not() {
        assert!(matches!(
            probe(&udp(Direction::ToServer, &DISCO())),
            Probe::Yes(_)
        ));
        for (name, bytes) in NOT_CLAIMED {
            assert_eq!(probe(&udp(Direction::ToServer, bytes)), Probe::No, "{name}");
        }
        assert_eq!(probe(&udp(Direction::ToServer, parser::MAGIC)), Probe::No);
    }
}
