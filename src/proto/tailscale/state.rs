//! Per-flow Tailscale state: disco packets and the WireGuard messages of
//! the same flow (counted by the WireGuard code).

use super::parser;
use crate::proto::util::hex;
use crate::proto::wireguard::parser as wg;
use crate::proto::wireguard::state::{WgCounts, WgKeys};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// What one Tailscale flow showed: pushed when the flow is recognised and
/// again, with the final counts, when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailscaleTx {
    /// Each side's disco public key (hex), client side first.
    pub disco_keys: [Option<String>; 2],
    pub disco_packets: u64,
    pub wireguard: WgCounts,
    /// Datagrams that were neither disco nor WireGuard.
    pub other: u64,
    pub at_end: bool,
}

/// Per-flow Tailscale state.
pub struct TailscaleState {
    tx: TailscaleTx,
    pushed: bool,
}

const KEYS: WgKeys = WgKeys {
    sender: "tailscale.sender_index",
    receiver: "tailscale.receiver_index",
    handshakes: "tailscale.handshakes",
};

/// Builds the state (the registry's `new_state`).
pub fn new_state(_cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(TailscaleState {
        tx: TailscaleTx {
            disco_keys: [None, None],
            disco_packets: 0,
            wireguard: WgCounts::default(),
            other: 0,
            at_end: false,
        },
        pushed: false,
    })
}

impl AppState for TailscaleState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        if let Ok(d) = parser::parse_disco(data) {
            self.tx.disco_packets += 1;
            if let Some(k) = self.tx.disco_keys.get_mut(dir.index()) {
                k.get_or_insert_with(|| hex(d.sender_key));
            }
        } else if let Ok(m) = wg::parse(data) {
            self.tx.wireguard.add(dir, &m);
        } else {
            // DERP-less peers also exchange STUN here; count, do not fail.
            self.tx.other += 1;
        }
        if !self.pushed {
            self.pushed = true;
            out.push(AppTx::Tailscale(Box::new(self.tx.clone())));
        }
        Progress::Done
    }

    fn finish(&mut self, out: &mut EventSink) {
        if !self.tx.at_end {
            self.tx.at_end = true;
            out.push(AppTx::Tailscale(Box::new(self.tx.clone())));
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        out.push(("tailscale.disco_packets", self.tx.disco_packets.to_string()));
        if let Some(k) = &self.tx.disco_keys[0] {
            out.push(("tailscale.disco_key", k.clone()));
        }
        self.tx.wireguard.flowvars(&KEYS, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tailscale::parser::tests::DISCO;
    use crate::proto::wireguard::parser::tests::TRANSPORT;

    #[test]
    fn disco_and_wireguard() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, &DISCO(), &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, TRANSPORT, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, b"x", &mut sink),
            Progress::Done
        );
        s.finish(&mut sink);
        let AppTx::Tailscale(tx) = &sink.events[1].tx else {
            panic!("not tailscale");
        };
        assert_eq!(tx.disco_packets, 1);
        assert_eq!(tx.wireguard.transport, 1);
        assert_eq!(tx.other, 1);
        assert_eq!(tx.disco_keys[0].as_deref(), Some(&"11".repeat(32)[..]));
    }
}
