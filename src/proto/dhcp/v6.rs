//! DHCPv6 (RFC 8415): recognised and counted, not logged. A message is a
//! type byte and a 3-byte transaction id (relay messages: hop count and two
//! addresses instead, §9) followed by TLV options (§21.1); the probe checks
//! that the options tile the datagram exactly.

use crate::proto::{
    AppState, Direction, EventSink, Probe, ProbeInput, Progress, ProtoConfig, ProtoSpec, Transport,
};

/// DHCPv6 client and server ports (RFC 8415 §7.2).
pub const PORTS: &[u16] = &[546, 547];

/// RELAY-FORW and RELAY-REPL (RFC 8415 §7.3).
const RELAY_FORW: u8 = 12;
const RELAY_REPL: u8 = 13;

/// Most options walked by the probe.
const MAX_OPTIONS: usize = 64;

/// The registry entry. No EVE record and no Suricata counter.
pub static SPEC_V6: ProtoSpec = ProtoSpec {
    name: "dhcpv6",
    transports: &[Transport::Udp],
    ports: PORTS,
    probe,
    new_state,
    stats_tcp: None,
    stats_udp: None,
};

/// Whether `msg` is a well-formed DHCPv6 message: a known type (SOLICIT 1
/// to RELAY-REPL 13) and options that end exactly at the datagram's end.
pub fn looks_like_dhcpv6(msg: &[u8]) -> bool {
    let Some(&kind) = msg.first() else {
        return false;
    };
    let start = match kind {
        1..=11 => 4,
        RELAY_FORW | RELAY_REPL => 34,
        _ => return false,
    };
    let mut at = start;
    let mut n = 0;
    while at < msg.len() {
        let Some(hdr) = msg
            .get(at..at + 4)
            .and_then(|h| <[u8; 4]>::try_from(h).ok())
        else {
            return false;
        };
        let code = u16::from_be_bytes([hdr[0], hdr[1]]);
        let len = u16::from_be_bytes([hdr[2], hdr[3]]);
        if code == 0 || n >= MAX_OPTIONS {
            return false;
        }
        at += 4 + usize::from(len);
        n += 1;
    }
    at == msg.len() && n > 0
}

/// DHCPv6 only runs between ports 546 and 547; its probe is weak (a type
/// byte and TLVs), so it also needs one of them.
fn probe(input: &ProbeInput<'_>) -> Probe {
    let on_port = PORTS.contains(&input.server_port) || PORTS.contains(&input.client_port);
    if on_port && looks_like_dhcpv6(input.data) {
        Probe::Yes("DHCPv6 message type and options on port 546/547 (RFC 8415)")
    } else {
        Probe::No
    }
}

/// Counts messages only.
struct Dhcpv6State;

fn new_state(_cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(Dhcpv6State)
}

impl AppState for Dhcpv6State {
    fn parse(&mut self, _dir: Direction, data: &[u8], _out: &mut EventSink) -> Progress {
        if looks_like_dhcpv6(data) {
            Progress::Done
        } else {
            Progress::LostSync
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SOLICIT with a client identifier and an elapsed-time option.
    static SOLICIT: &[u8] = &[
        1, // msg-type: SOLICIT
        0xab, 0xcd, 0xef, // transaction-id
        0, 1, 0, 10, // option CLIENTID, length 10
        0, 3, 0, 1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, // DUID-LL, Ethernet, MAC
        0, 8, 0, 2, 0, 0, // option ELAPSED_TIME, length 2, 0
    ];

    #[test]
    fn recognises_and_rejects() {
        assert!(looks_like_dhcpv6(SOLICIT));
        for n in 0..SOLICIT.len() {
            // 18 ends right after the first option: a whole message.
            assert_eq!(looks_like_dhcpv6(&SOLICIT[..n]), n == 18, "{n}");
        }
        let mut long = SOLICIT.to_vec();
        long[7] = 0xff; // option length past the datagram
        assert!(!looks_like_dhcpv6(&long));
        assert!(!looks_like_dhcpv6(&[1, 0, 0, 0])); // no options
        let p = |client_port, data| {
            probe(&ProbeInput {
                transport: Transport::Udp,
                dir: Direction::ToServer,
                data,
                client_port,
                server_port: 547,
                earlier: &[],
            })
        };
        assert!(matches!(p(546, SOLICIT), Probe::Yes(_)));
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, SOLICIT, &mut sink),
            Progress::Done
        );
        assert!(sink.events.is_empty());
    }
}
