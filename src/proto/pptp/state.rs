//! Per-flow PPTP state: one transaction per control message.

use super::parser::{self, CtrlType};
use crate::proto::util::lossy;
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// One PPTP control message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PptpTx {
    pub ctrl_type: CtrlType,
    pub from_client: bool,
    /// SCCRQ/SCCRP host name and vendor (bounded by `max_string`).
    pub host_name: Option<String>,
    pub vendor: Option<String>,
    /// Call ids of OCRQ/OCRP/ICRQ/ICRP.
    pub call_id: Option<u16>,
    pub peer_call_id: Option<u16>,
}

/// Per-flow PPTP state.
pub struct PptpState {
    max_string: usize,
    /// Control message types seen (at most `max_items`, first first).
    types: Vec<CtrlType>,
    max_items: usize,
    host_name: Option<String>,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(PptpState {
        max_string: cfg.max_string,
        types: Vec::new(),
        max_items: cfg.max_items,
        host_name: None,
    })
}

impl AppState for PptpState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        let mut rest = data;
        loop {
            match parser::split(rest) {
                Ok(Some((m, r))) => {
                    let names = m.host_and_vendor();
                    let tx = PptpTx {
                        ctrl_type: m.ctrl_type,
                        from_client: dir == Direction::ToServer,
                        host_name: names.map(|(h, _)| lossy(h, self.max_string)),
                        vendor: names.map(|(_, v)| lossy(v, self.max_string)),
                        call_id: m.call_id(),
                        peer_call_id: m.peer_call_id(),
                    };
                    if self.types.len() < self.max_items && !self.types.contains(&m.ctrl_type) {
                        self.types.push(m.ctrl_type);
                    }
                    if dir == Direction::ToServer && self.host_name.is_none() {
                        self.host_name = tx.host_name.clone();
                    }
                    out.push(AppTx::Pptp(Box::new(tx)));
                    rest = r;
                }
                Ok(None) if rest.is_empty() => return Progress::Done,
                Ok(None) => {
                    let needed = rest
                        .get(..2)
                        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                        .unwrap_or(parser::HEADER_LEN)
                        .max(parser::HEADER_LEN);
                    return Progress::NeedMore {
                        consumed: data.len() - rest.len(),
                        needed,
                    };
                }
                Err(_) => return Progress::LostSync,
            }
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        if let Some(h) = &self.host_name {
            out.push(("pptp.hostname", h.clone()));
        }
        let types: Vec<&str> = self.types.iter().filter_map(|t| t.name()).collect();
        if !types.is_empty() {
            out.push(("pptp.messages", types.join(",")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::pptp::parser::tests::{OCRP, sccrq};

    #[test]
    fn one_byte_at_a_time() {
        let mut stream = sccrq();
        stream.extend_from_slice(OCRP);
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
        assert_eq!(sink.events.len(), 2);
        let AppTx::Pptp(tx) = &sink.events[0].tx else {
            panic!("not pptp");
        };
        assert_eq!(tx.host_name.as_deref(), Some("gw"));
        assert_eq!(tx.vendor.as_deref(), Some("acme"));
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(v[0], ("pptp.hostname", "gw".to_string()));
        assert_eq!(
            v[1],
            (
                "pptp.messages",
                "Start-Control-Connection-Request,Outgoing-Call-Reply".to_string()
            )
        );
    }

    #[test]
    fn garbage_loses_sync() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, b"GET / HTTP/1.0\r\n\r\n", &mut sink),
            Progress::LostSync
        );
    }
}
