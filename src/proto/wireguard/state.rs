//! Per-flow WireGuard state: message counts by type and the indexes each
//! side uses.

use super::parser::{self, MsgType, WgMessage};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Message counts and indexes of one WireGuard exchange (also what the
/// Tailscale state keeps for the WireGuard part of its flows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WgCounts {
    /// The initiator's sender index (from the initiation).
    pub initiator_index: Option<u32>,
    /// The responder's sender index (from the response).
    pub responder_index: Option<u32>,
    /// The receiver index of the first transport message of each direction
    /// (client to server, server to client).
    pub receiver_index: [Option<u32>; 2],
    /// Messages by type: initiation, response, cookie reply, transport.
    pub initiations: u64,
    pub responses: u64,
    pub cookie_replies: u64,
    pub transport: u64,
}

impl WgCounts {
    /// Counts one message.
    pub fn add(&mut self, dir: Direction, m: &WgMessage) {
        match m.msg_type {
            MsgType::INITIATION => {
                self.initiations += 1;
                self.initiator_index = self.initiator_index.or(m.sender);
            }
            MsgType::RESPONSE => {
                self.responses += 1;
                self.responder_index = self.responder_index.or(m.sender);
            }
            MsgType::COOKIE_REPLY => self.cookie_replies += 1,
            _ => {
                self.transport += 1;
                if let Some(r) = self.receiver_index.get_mut(dir.index()) {
                    *r = r.or(m.receiver);
                }
            }
        }
    }

    /// The flow variables for these counts under `prefix` (`wireguard` or
    /// `tailscale`).
    pub fn flowvars(&self, keys: &WgKeys, out: &mut Vec<(&'static str, String)>) {
        let sender = self.initiator_index.or(self.receiver_index[1]);
        let receiver = self.responder_index.or(self.receiver_index[0]);
        if let Some(s) = sender {
            out.push((keys.sender, format!("{s:08x}")));
        }
        if let Some(r) = receiver {
            out.push((keys.receiver, format!("{r:08x}")));
        }
        out.push((keys.handshakes, self.initiations.to_string()));
    }
}

/// Flow variable names (static, per protocol).
pub struct WgKeys {
    pub sender: &'static str,
    pub receiver: &'static str,
    pub handshakes: &'static str,
}

const KEYS: WgKeys = WgKeys {
    sender: "wireguard.sender_index",
    receiver: "wireguard.receiver_index",
    handshakes: "wireguard.handshakes",
};

/// What one WireGuard flow showed: pushed when the flow is recognised and
/// again, with the final counts, when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgTx {
    pub counts: WgCounts,
    /// Datagrams that were not WireGuard messages.
    pub malformed: u64,
    /// `true` for the summary pushed at the end of the flow.
    pub at_end: bool,
}

/// Per-flow WireGuard state.
pub struct WgState {
    tx: WgTx,
    pushed: bool,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(_cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(WgState {
        tx: WgTx {
            counts: WgCounts::default(),
            malformed: 0,
            at_end: false,
        },
        pushed: false,
    })
}

impl AppState for WgState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        let Ok(m) = parser::parse(data) else {
            self.tx.malformed += 1;
            return Progress::LostSync;
        };
        self.tx.counts.add(dir, &m);
        if !self.pushed {
            self.pushed = true;
            out.push(AppTx::Wireguard(Box::new(self.tx.clone())));
        }
        Progress::Done
    }

    fn finish(&mut self, out: &mut EventSink) {
        if !self.tx.at_end {
            self.tx.at_end = true;
            out.push(AppTx::Wireguard(Box::new(self.tx.clone())));
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        self.tx.counts.flowvars(&KEYS, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::wireguard::parser::tests::{TRANSPORT, initiation};

    #[test]
    fn counts_and_flowvars() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, &initiation(), &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, TRANSPORT, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, b"junk", &mut sink),
            Progress::LostSync
        );
        s.finish(&mut sink);
        assert_eq!(sink.events.len(), 2);
        let AppTx::Wireguard(tx) = &sink.events[1].tx else {
            panic!("not wireguard");
        };
        assert_eq!(tx.counts.initiations, 1);
        assert_eq!(tx.counts.transport, 1);
        assert_eq!(tx.malformed, 1);
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(v[0], ("wireguard.sender_index", "12345678".to_string()));
    }
}
