//! OpenVPN over UDP and TCP, recognised by its handshake on any port.
//!
//! The probe is strict, since an OpenVPN packet is mostly random bytes: it
//! needs a hard reset (key id 0) that fits one wire layout exactly (see
//! [`parser::fit_reset`]) and then confirmation, so that a datagram or
//! stream that merely starts with the right byte is never claimed:
//!
//! - a server hard reset that acknowledges packet 0 and names a peer
//!   session (and, if the client's reset was seen, names exactly that
//!   session), or
//! - a client hard reset followed, in the same direction, by a control
//!   packet of the same session id (the client's ACK or first TLS record).
//!
//! A client hard reset alone answers `NeedMore`: over UDP the driver keeps
//! it (at most `app.udp_probe_packets` datagrams) and the parser still
//! sees it once confirmed; over TCP the stream is probed again as it grows
//! (at most `app.probe_depth` bytes). Data-channel packets (`P_DATA_V1/V2`)
//! are encrypted and never claimed on their own, so a capture that starts
//! mid-tunnel stays unrecognised. The control channel's TLS is not parsed
//! here; Suricata has no `openvpn` record, so the facts go to the flow's
//! `metadata.flowvars` and to the detectors as [`OvpnTx`].

mod log;
pub mod parser;
pub mod state;

pub use parser::{Auth, Opcode, OvpnError};
pub use state::{OvpnState, OvpnTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "openvpn",
    transports: &[Transport::Udp, Transport::Tcp],
    ports: &[1194],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

const SERVER_RESET: &str = "OpenVPN server hard reset acknowledging the client's session";
const CLIENT_SESSION: &str = "OpenVPN client hard reset followed by a packet of the same session";

/// Whether `pkt` is a control packet of session `sid` under `auth` (key id
/// 0, the session's first key).
fn continues(pkt: &[u8], sid: u64, auth: parser::Auth) -> bool {
    matches!(parser::parse_control(pkt, auth), Ok(c) if c.session_id == sid && c.key_id == 0)
}

/// Judges a sequence of packets of one direction (the first one first).
fn judge<'a>(first: &'a [u8], next: Option<&'a [u8]>) -> Probe {
    let Some((auth, c)) = parser::fit_reset(first) else {
        return Probe::No;
    };
    if c.opcode.is_server_reset() {
        return Probe::Yes(SERVER_RESET);
    }
    match next {
        None => Probe::NeedMore,
        // A retransmitted reset is neither confirmation nor refusal.
        Some(n) if n.first() == first.first() && parser::fit_reset(n).is_some() => Probe::NeedMore,
        Some(n) if continues(n, c.session_id, auth) => Probe::Yes(CLIENT_SESSION),
        Some(_) => Probe::No,
    }
}

fn probe(input: &ProbeInput<'_>) -> Probe {
    match input.transport {
        Transport::Tcp => match parser::split_tcp(input.data) {
            Err(_) => Probe::No,
            // The first frame is still arriving: only its first byte counts.
            Ok(None) => match input.data.get(2).map(|&b| parser::split_first(b)) {
                None => Probe::NeedMore,
                Some((op, 0)) if op.is_client_reset() || op.is_server_reset() => Probe::NeedMore,
                Some(_) => Probe::No,
            },
            Ok(Some((first, rest))) => match parser::split_tcp(rest) {
                Ok(Some((next, _))) => judge(first, Some(next)),
                Ok(None) => judge(first, None),
                Err(_) => match judge(first, None) {
                    Probe::Yes(why) => Probe::Yes(why),
                    _ => Probe::No,
                },
            },
        },
        Transport::Udp => {
            let dir = input.dir;
            // The last reset this direction sent before, and one the other
            // direction sent.
            let mine = input
                .earlier
                .iter()
                .filter(|(d, _)| *d == dir)
                .map(|(_, p)| p.as_slice())
                .find(|p| parser::fit_reset(p).is_some());
            let theirs = input
                .earlier
                .iter()
                .filter(|(d, _)| *d == dir.other())
                .filter_map(|(_, p)| parser::fit_reset(p))
                .find(|(_, c)| c.opcode.is_client_reset());
            if let Some((_, server)) = parser::fit_reset(input.data) {
                if server.opcode.is_server_reset() {
                    return match theirs {
                        Some((_, client))
                            if server.remote_session_id != Some(client.session_id) =>
                        {
                            Probe::No
                        }
                        _ => Probe::Yes(SERVER_RESET),
                    };
                }
            }
            match mine {
                Some(first) => judge(first, Some(input.data)),
                None => judge(input.data, None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::{CLIENT_ACK, CLIENT_RESET, CLIENT_RESET_TLS_AUTH, SERVER_RESET};
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, tcp, udp, udp_after};

    #[test]
    fn udp_client_reset_waits_for_confirmation() {
        assert_eq!(
            probe(&udp(Direction::ToServer, CLIENT_RESET)),
            Probe::NeedMore
        );
        let earlier = [(Direction::ToServer, CLIENT_RESET.to_vec())];
        assert_eq!(
            probe(&udp_after(Direction::ToClient, SERVER_RESET, &earlier)),
            Probe::Yes(SERVER_RESET_WHY)
        );
        assert_eq!(
            probe(&udp_after(Direction::ToServer, CLIENT_ACK, &earlier)),
            Probe::Yes(CLIENT_SESSION)
        );
    }

    const SERVER_RESET_WHY: &str = super::SERVER_RESET;

    #[test]
    fn server_reset_naming_another_session_is_refused() {
        let mut other = CLIENT_RESET.to_vec();
        other[1] = 0x99;
        let earlier = [(Direction::ToServer, other)];
        assert_eq!(
            probe(&udp_after(Direction::ToClient, SERVER_RESET, &earlier)),
            Probe::No
        );
        // Without the client's reset the server's alone is enough.
        assert_eq!(
            probe(&udp(Direction::ToClient, SERVER_RESET)),
            Probe::Yes(SERVER_RESET_WHY)
        );
    }

    #[test]
    fn tcp_needs_two_frames_of_one_session() {
        let mut s = vec![0, CLIENT_RESET_TLS_AUTH.len() as u8];
        s.extend_from_slice(CLIENT_RESET_TLS_AUTH);
        assert_eq!(probe(&tcp(Direction::ToServer, &s)), Probe::NeedMore);
        assert_eq!(probe(&tcp(Direction::ToServer, &s[..5])), Probe::NeedMore);
        let mut s = vec![0, CLIENT_RESET.len() as u8];
        s.extend_from_slice(CLIENT_RESET);
        s.extend_from_slice(&[0, CLIENT_ACK.len() as u8]);
        s.extend_from_slice(CLIENT_ACK);
        assert_eq!(
            probe(&tcp(Direction::ToServer, &s)),
            Probe::Yes(CLIENT_SESSION)
        );
    }

    #[test]
    fn other_protocols_are_not_claimed() {
        for (name, bytes) in NOT_CLAIMED {
            for dir in [Direction::ToServer, Direction::ToClient] {
                assert_ne!(
                    probe(&udp(dir, bytes)),
                    Probe::Yes(SERVER_RESET_WHY),
                    "{name} over udp"
                );
                assert!(!matches!(probe(&udp(dir, bytes)), Probe::Yes(_)), "{name}");
                assert!(!matches!(probe(&tcp(dir, bytes)), Probe::Yes(_)), "{name}");
            }
        }
    }
}
