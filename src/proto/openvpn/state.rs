//! Per-flow OpenVPN state: TCP framing, the layout of the control channel
//! (plain, tls-auth or tls-crypt, learnt from the hard reset), both session
//! ids, and packet counts by opcode.

use super::parser::{self, Auth, Opcode};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Opcodes fit in five bits.
pub const OPCODES: usize = 32;

/// What one OpenVPN flow showed. Pushed twice at most: once when the
/// handshake is seen (so detectors need not wait for a long tunnel to
/// end) and once, with the final counts, when the flow ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OvpnTx {
    /// The opcode of the first packet of the flow.
    pub first_opcode: Opcode,
    /// The client's and the server's session ids, once seen.
    pub client_session_id: Option<u64>,
    pub server_session_id: Option<u64>,
    /// The control channel's protection, once learnt from a hard reset.
    pub auth: Option<Auth>,
    /// The server's hard reset acknowledged the client's session id.
    pub handshake_confirmed: bool,
    /// Packets by opcode (index = opcode), both directions.
    pub packets: [u64; OPCODES],
    /// Control packets that did not parse under the learnt layout.
    pub malformed: u64,
    /// `true` for the summary pushed at the end of the flow.
    pub at_end: bool,
}

impl OvpnTx {
    /// Whether tls-auth or tls-crypt protects the control channel.
    pub fn tls_auth(&self) -> bool {
        matches!(self.auth, Some(Auth::TlsAuth(_) | Auth::TlsCrypt))
    }
    /// The opcodes seen, in order.
    pub fn opcodes(&self) -> impl Iterator<Item = Opcode> + '_ {
        (0u8..)
            .zip(self.packets.iter())
            .filter(|(_, n)| **n > 0)
            .map(|(o, _)| Opcode(o))
    }
}

/// Per-flow OpenVPN state.
pub struct OvpnState {
    transport: Transport,
    tx: Option<OvpnTx>,
    pushed_handshake: bool,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(_cfg: &ProtoConfig, transport: Transport) -> Box<dyn AppState> {
    Box::new(OvpnState {
        transport,
        tx: None,
        pushed_handshake: false,
    })
}

impl OvpnState {
    /// Takes one packet; `false` if it is not OpenVPN at all.
    fn packet(&mut self, dir: Direction, pkt: &[u8], out: &mut EventSink) -> bool {
        let Some(&first) = pkt.first() else {
            return false;
        };
        let (opcode, _key) = parser::split_first(first);
        if opcode.name().is_none() {
            return false;
        }
        let tx = self.tx.get_or_insert(OvpnTx {
            first_opcode: opcode,
            client_session_id: None,
            server_session_id: None,
            auth: None,
            handshake_confirmed: false,
            packets: [0; OPCODES],
            malformed: 0,
            at_end: false,
        });
        if let Some(n) = tx.packets.get_mut(usize::from(opcode.0)) {
            *n += 1;
        }
        if !opcode.is_control() {
            return true;
        }
        if tx.auth.is_none() {
            if let Some((auth, _)) = parser::fit_reset(pkt) {
                tx.auth = Some(auth);
            }
        }
        let Some(auth) = tx.auth else {
            return true;
        };
        let Ok(c) = parser::parse_control(pkt, auth) else {
            tx.malformed += 1;
            return true;
        };
        let (mine, theirs) = match dir {
            Direction::ToServer => (&mut tx.client_session_id, tx.server_session_id),
            Direction::ToClient => (&mut tx.server_session_id, tx.client_session_id),
        };
        mine.get_or_insert(c.session_id);
        if c.opcode.is_server_reset()
            && dir == Direction::ToClient
            && theirs.is_some()
            && c.remote_session_id == theirs
        {
            tx.handshake_confirmed = true;
        }
        if !self.pushed_handshake
            && tx.client_session_id.is_some()
            && tx.server_session_id.is_some()
        {
            self.pushed_handshake = true;
            out.push(AppTx::Openvpn(Box::new(tx.clone())));
        }
        true
    }
}

impl AppState for OvpnState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        match self.transport {
            Transport::Udp => {
                if self.packet(dir, data, out) {
                    Progress::Done
                } else {
                    Progress::LostSync
                }
            }
            Transport::Tcp => {
                let mut rest = data;
                loop {
                    match parser::split_tcp(rest) {
                        Ok(Some((pkt, r))) => {
                            if !self.packet(dir, pkt, out) {
                                return Progress::LostSync;
                            }
                            rest = r;
                        }
                        Ok(None) if rest.is_empty() => return Progress::Done,
                        Ok(None) => {
                            let needed = rest
                                .get(..2)
                                .map(|l| 2 + usize::from(u16::from_be_bytes([l[0], l[1]])))
                                .unwrap_or(2);
                            return Progress::NeedMore {
                                consumed: data.len() - rest.len(),
                                needed,
                            };
                        }
                        Err(_) => return Progress::LostSync,
                    }
                }
            }
        }
    }

    fn on_gap(&mut self, _dir: Direction, _len: u64) {
        // The driver stops a direction after a gap it cannot resync; TCP
        // framing cannot be found again from an arbitrary byte.
    }

    fn finish(&mut self, out: &mut EventSink) {
        if let Some(tx) = self.tx.as_mut().filter(|t| !t.at_end) {
            tx.at_end = true;
            out.push(AppTx::Openvpn(Box::new(tx.clone())));
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        if let Some(tx) = &self.tx {
            if let Some(name) = tx.first_opcode.name() {
                out.push(("openvpn.opcode", name.to_string()));
            }
            if tx.auth.is_some() {
                out.push(("openvpn.tls_auth", tx.tls_auth().to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::openvpn::parser::tests::{CLIENT_ACK, CLIENT_RESET, SERVER_RESET};

    fn txs(sink: &mut EventSink) -> Vec<OvpnTx> {
        sink.events
            .drain(..)
            .filter_map(|e| match e.tx {
                AppTx::Openvpn(tx) => Some(*tx),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn udp_handshake() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, CLIENT_RESET, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, SERVER_RESET, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, CLIENT_ACK, &mut sink),
            Progress::Done
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(t[0].handshake_confirmed);
        assert_eq!(t[0].client_session_id, Some(0x1122334455667788));
        assert_eq!(t[0].server_session_id, Some(0xa1a2a3a4a5a6a7a8));
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert!(t[0].at_end);
        assert_eq!(t[0].packets[5], 1);
        assert_eq!(t[0].first_opcode, Opcode::HARD_RESET_CLIENT_V2);
        assert!(!t[0].tls_auth());
        s.finish(&mut sink);
        assert!(txs(&mut sink).is_empty(), "one summary only");
    }

    #[test]
    fn tcp_one_byte_at_a_time() {
        let mut stream = Vec::new();
        for p in [CLIENT_RESET, CLIENT_ACK] {
            stream.extend_from_slice(&[0, p.len() as u8]);
            stream.extend_from_slice(p);
        }
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        let mut pending: Vec<u8> = Vec::new();
        for b in &stream {
            pending.push(*b);
            match s.parse(Direction::ToServer, &pending, &mut sink) {
                Progress::Done => pending.clear(),
                Progress::NeedMore { consumed, .. } => {
                    pending.drain(..consumed);
                }
                p => panic!("{p:?}"),
            }
        }
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(
            v,
            vec![
                (
                    "openvpn.opcode",
                    "P_CONTROL_HARD_RESET_CLIENT_V2".to_string()
                ),
                ("openvpn.tls_auth", "false".to_string())
            ]
        );
    }

    #[test]
    fn zero_length_frame_and_unknown_opcode_lose_sync() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, &[0, 0], &mut sink),
            Progress::LostSync
        );
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        assert_eq!(
            s.parse(Direction::ToServer, &[0xf8, 1, 2], &mut sink),
            Progress::LostSync
        );
        assert_eq!(
            s.parse(Direction::ToServer, &[], &mut sink),
            Progress::LostSync
        );
    }
}
