//! WireGuard (UDP), recognised by its message framing on any port
//! (the WireGuard whitepaper, §5.4).
//!
//! A handshake initiation or response of its exact length, with the three
//! reserved bytes zero, is WireGuard. A capture that starts mid-tunnel
//! shows only transport messages; one such message is too weak (a type
//! byte and three zeros), so the probe waits for a second one in the same
//! direction with the same receiver index and a counter a little higher
//! (over the datagrams the driver keeps while probing). Everything after
//! the headers is encrypted; the state counts messages and keeps the
//! indexes. Suricata has no `wireguard` record: facts go to
//! `metadata.flowvars` and to the detectors as [`WgTx`]. Tailscale's
//! WireGuard is recognised by `tailscale` first (its disco packets).

pub(crate) mod log;
pub mod parser;
pub mod state;

pub use parser::{MsgType, WgError, WgMessage};
pub use state::{WgCounts, WgState, WgTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "wireguard",
    transports: &[Transport::Udp],
    ports: &[51820],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

/// How far a transport counter may advance between two probed messages.
const MAX_COUNTER_STEP: u64 = 1024;

fn probe(input: &ProbeInput<'_>) -> Probe {
    judge(input)
}

/// The WireGuard verdict on a datagram, shared with `tailscale`.
pub(crate) fn judge(input: &ProbeInput<'_>) -> Probe {
    let Ok(m) = parser::parse(input.data) else {
        return Probe::No;
    };
    match m.msg_type {
        MsgType::INITIATION => Probe::Yes("WireGuard handshake initiation (148 bytes)"),
        MsgType::RESPONSE => Probe::Yes("WireGuard handshake response (92 bytes)"),
        MsgType::TRANSPORT => {
            let run = input
                .earlier
                .iter()
                .filter(|(d, _)| *d == input.dir)
                .filter_map(|(_, p)| parser::parse(p).ok())
                .any(|e| {
                    e.msg_type == MsgType::TRANSPORT
                        && e.receiver == m.receiver
                        && matches!((e.counter, m.counter), (Some(a), Some(b))
                            if b > a && b - a <= MAX_COUNTER_STEP)
                });
            if run {
                Probe::Yes("WireGuard transport messages with one receiver index")
            } else {
                Probe::NeedMore
            }
        }
        _ => Probe::NeedMore,
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::{TRANSPORT, initiation};
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, udp, udp_after};

    #[test]
    fn handshake_is_claimed() {
        assert!(matches!(
            probe(&udp(Direction::ToServer, &initiation())),
            Probe::Yes(_)
        ));
    }

    #[test]
    fn transport_needs_a_run() {
        assert_eq!(probe(&udp(Direction::ToServer, TRANSPORT)), Probe::NeedMore);
        let mut next = TRANSPORT.to_vec();
        next[8] = 8; // counter 8
        let earlier = [(Direction::ToServer, TRANSPORT.to_vec())];
        assert!(matches!(
            probe(&udp_after(Direction::ToServer, &next, &earlier)),
            Probe::Yes(_)
        ));
        // The other direction's messages do not count.
        assert_eq!(
            probe(&udp_after(Direction::ToClient, &next, &earlier)),
            Probe::NeedMore
        );
        // Another receiver index does not count.
        next[4] = 0;
        assert_eq!(
            probe(&udp_after(Direction::ToServer, &next, &earlier)),
            Probe::NeedMore
        );
    }

    #[test]
    fn other_protocols_are_not_claimed() {
        for (name, bytes) in NOT_CLAIMED {
            assert_eq!(probe(&udp(Direction::ToServer, bytes)), Probe::No, "{name}");
        }
    }
}
