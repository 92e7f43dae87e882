//! TCP connection state as a passive observer sees it (RFC 9293 §3.3.2),
//! named as Suricata names it in `tcp.state`. It follows flags only: stream
//! reassembly and sequence checks belong to a later stage.

use crate::decode::tcp_flags::{ACK, FIN, RST, SYN};

/// Connection state, Suricata's names.
/// Ordered: a later state is further along the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum TcpState {
    #[default]
    None,
    SynSent,
    SynRecv,
    Established,
    FinWait1,
    FinWait2,
    TimeWait,
    CloseWait,
    LastAck,
    Closed,
}

impl TcpState {
    /// The name in EVE `tcp.state`.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::None => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => "established",
            TcpState::FinWait1 => "fin_wait1",
            TcpState::FinWait2 => "fin_wait2",
            TcpState::TimeWait => "time_wait",
            TcpState::CloseWait => "close_wait",
            TcpState::LastAck => "last_ack",
            TcpState::Closed => "closed",
        }
    }

    /// Whether the connection is over (both sides finished, or reset).
    pub fn is_closed(self) -> bool {
        matches!(self, TcpState::TimeWait | TcpState::Closed)
    }
}

/// Per-flow TCP tracking.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpTrack {
    pub state: TcpState,
    /// Union of flags seen from the client and from the server.
    pub flags_ts: u8,
    pub flags_tc: u8,
    /// The flow was picked up after its handshake.
    pub midstream: bool,
    /// Sequence number of the first SYN from the client and from the server
    /// (where stream reassembly starts).
    pub syn_seq: [Option<u32>; 2],
}

impl TcpTrack {
    /// Advances the state with one segment; `to_server` is its direction.
    pub fn update(&mut self, flags: u8, to_server: bool) {
        if to_server {
            self.flags_ts |= flags;
        } else {
            self.flags_tc |= flags;
        }
        if flags & RST != 0 {
            self.state = TcpState::Closed;
            return;
        }
        let syn = flags & SYN != 0;
        let ack = flags & ACK != 0;
        let fin = flags & FIN != 0;
        self.state = match self.state {
            TcpState::None if syn && !ack && to_server => TcpState::SynSent,
            TcpState::None if syn && ack => TcpState::SynRecv,
            TcpState::None => {
                self.midstream = true;
                if fin {
                    TcpState::FinWait1
                } else {
                    TcpState::Established
                }
            }
            TcpState::SynSent if syn && ack && !to_server => TcpState::SynRecv,
            TcpState::SynRecv if ack && !syn && to_server => {
                if fin {
                    TcpState::FinWait1
                } else {
                    TcpState::Established
                }
            }
            TcpState::Established if fin => {
                if to_server {
                    TcpState::FinWait1
                } else {
                    TcpState::CloseWait
                }
            }
            // One side has sent FIN; a FIN from the other side finishes it.
            TcpState::FinWait1 | TcpState::FinWait2 if fin && !to_server => TcpState::TimeWait,
            TcpState::FinWait1 if ack && !to_server => TcpState::FinWait2,
            TcpState::CloseWait if fin && to_server => TcpState::LastAck,
            TcpState::LastAck if ack && !to_server => TcpState::Closed,
            s => s,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tcp_flags::PSH;

    #[test]
    fn full_connection() {
        let mut t = TcpTrack::default();
        t.update(SYN, true);
        assert_eq!(t.state, TcpState::SynSent);
        t.update(SYN | ACK, false);
        assert_eq!(t.state, TcpState::SynRecv);
        t.update(ACK, true);
        assert_eq!(t.state, TcpState::Established);
        t.update(PSH | ACK, true);
        t.update(FIN | ACK, true);
        assert_eq!(t.state, TcpState::FinWait1);
        t.update(ACK, false);
        assert_eq!(t.state, TcpState::FinWait2);
        t.update(FIN | ACK, false);
        assert!(t.state.is_closed());
        assert!(!t.midstream);
        assert_eq!(t.flags_ts, SYN | ACK | PSH | FIN);
    }

    #[test]
    fn server_closes_first_and_reset() {
        let mut t = TcpTrack::default();
        t.update(ACK | PSH, true);
        assert!(t.midstream);
        assert_eq!(t.state, TcpState::Established);
        t.update(FIN | ACK, false);
        assert_eq!(t.state, TcpState::CloseWait);
        t.update(FIN | ACK, true);
        assert_eq!(t.state, TcpState::LastAck);
        t.update(ACK, false);
        assert_eq!(t.state, TcpState::Closed);
        let mut r = TcpTrack::default();
        r.update(SYN, true);
        r.update(RST | ACK, false);
        assert!(r.state.is_closed());
    }
}
