//! Per-flow L2TP state: one transaction per control message with AVPs;
//! data messages and ZLB acknowledgements are counted.

use super::parser;
use crate::proto::util::lossy;
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// One L2TP control message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2tpTx {
    pub message_type: u16,
    pub tunnel_id: u16,
    pub session_id: u16,
    pub from_client: bool,
    /// The Host Name AVP (bounded by `max_string`).
    pub host_name: Option<String>,
}

/// Per-flow L2TP state.
pub struct L2tpState {
    max_string: usize,
    host_name: Option<String>,
    other: u64,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(L2tpState {
        max_string: cfg.max_string,
        host_name: None,
        other: 0,
    })
}

impl AppState for L2tpState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        let Ok(m) = parser::parse(data) else {
            // Data messages carry PPP frames: counted, not parsed.
            self.other += 1;
            return Progress::Done;
        };
        let Some(message_type) = m.message_type else {
            return Progress::Done;
        };
        let host_name = m
            .avps
            .iter()
            .find(|a| a.vendor == 0 && a.attr == parser::AVP_HOST_NAME)
            .map(|a| lossy(a.value, self.max_string));
        if self.host_name.is_none() && dir == Direction::ToServer {
            self.host_name = host_name.clone();
        }
        out.push(AppTx::L2tp(Box::new(L2tpTx {
            message_type,
            tunnel_id: m.tunnel_id,
            session_id: m.session_id,
            from_client: dir == Direction::ToServer,
            host_name,
        })));
        Progress::Done
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        if let Some(h) = &self.host_name {
            out.push(("l2tp.hostname", h.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::l2tp::parser::tests::SCCRQ;

    #[test]
    fn control_and_data() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, SCCRQ, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, &[0x00, 0x02, 1, 2], &mut sink),
            Progress::Done
        );
        assert_eq!(sink.events.len(), 1);
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(v, vec![("l2tp.hostname", "ln".to_string())]);
    }
}
