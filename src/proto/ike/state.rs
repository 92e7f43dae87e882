//! Per-flow IKE state: one transaction per IKE message; ESP-in-UDP and
//! keepalives on the NAT-T port are counted.

use super::parser::{self, Encap};
use crate::proto::util::hex;
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// One IKE message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeTx {
    pub version_major: u8,
    pub version_minor: u8,
    pub init_spi: u64,
    pub resp_spi: u64,
    pub message_id: u32,
    pub exchange_type: u8,
    pub flags: u8,
    /// Sent by the flow's client (the driver's direction).
    pub from_client: bool,
    /// Payload types in the clear, in order (at most `max_items`).
    pub payloads: Vec<u8>,
    /// IKEv2 Notify message types (at most `max_items`).
    pub notify: Vec<u16>,
    /// IKEv1 Vendor IDs, hex (at most `max_items`, each cut to
    /// `max_string`).
    pub vendor_ids: Vec<String>,
    /// The rest of the message is encrypted.
    pub encrypted: bool,
}

impl IkeTx {
    /// "initiator" or "responder": IKEv2's I flag, or (IKEv1) who sent it.
    pub fn role(&self) -> &'static str {
        let initiator = if self.version_major == 2 {
            self.flags & 0x08 != 0
        } else {
            self.from_client
        };
        if initiator { "initiator" } else { "responder" }
    }
    /// Notify types below 16384 report errors (RFC 7296 §3.10.1).
    pub fn errors(&self) -> usize {
        self.notify.iter().filter(|&&t| t < 16384).count()
    }
}

/// Per-flow IKE state.
pub struct IkeState {
    max_items: usize,
    max_string: usize,
    /// ESP-in-UDP packets and NAT keepalives seen.
    esp_packets: u64,
    keepalives: u64,
    messages: u64,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(IkeState {
        max_items: cfg.max_items,
        max_string: cfg.max_string,
        esp_packets: 0,
        keepalives: 0,
        messages: 0,
    })
}

impl IkeState {
    fn message(&mut self, dir: Direction, d: &[u8], out: &mut EventSink) -> bool {
        let Ok(m) = parser::parse(d) else {
            return false;
        };
        self.messages += 1;
        let h = m.header;
        let v2 = h.version_major == 2;
        let tx = IkeTx {
            version_major: h.version_major,
            version_minor: h.version_minor,
            init_spi: h.init_spi,
            resp_spi: h.resp_spi,
            message_id: h.message_id,
            exchange_type: h.exchange_type,
            flags: h.flags,
            from_client: dir == Direction::ToServer,
            payloads: m
                .payloads
                .iter()
                .take(self.max_items)
                .map(|p| p.kind)
                .collect(),
            notify: m
                .payloads
                .iter()
                .filter(|p| v2 && p.kind == parser::V2_NOTIFY)
                .filter_map(|p| parser::notify_type(p.body))
                .take(self.max_items)
                .collect(),
            vendor_ids: m
                .payloads
                .iter()
                .filter(|p| !v2 && p.kind == parser::V1_VENDOR_ID)
                .take(self.max_items)
                .map(|p| {
                    let mut s = hex(p.body);
                    s.truncate(self.max_string);
                    s
                })
                .collect(),
            encrypted: m.encrypted,
        };
        out.push(AppTx::Ike(Box::new(tx)));
        true
    }
}

impl AppState for IkeState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        if self.message(dir, data, out) {
            return Progress::Done;
        }
        match parser::split_natt(data) {
            Some(Encap::Ike(m)) if self.message(dir, m, out) => Progress::Done,
            Some(Encap::Esp { .. }) => {
                self.esp_packets += 1;
                Progress::Done
            }
            Some(Encap::Keepalive) => {
                self.keepalives += 1;
                Progress::Done
            }
            _ => Progress::LostSync,
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        out.push(("ike.messages", self.messages.to_string()));
        if self.esp_packets > 0 {
            out.push(("ike.esp_packets", self.esp_packets.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ike::parser::tests::SA_INIT;

    #[test]
    fn messages_esp_and_garbage() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, SA_INIT, &mut sink),
            Progress::Done
        );
        let mut natt = vec![0, 0, 0, 0];
        natt.extend_from_slice(SA_INIT);
        assert_eq!(
            s.parse(Direction::ToServer, &natt, &mut sink),
            Progress::Done
        );
        let esp = [0xc0, 1, 2, 3, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9];
        assert_eq!(
            s.parse(Direction::ToClient, &esp, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, &[1, 2], &mut sink),
            Progress::LostSync
        );
        assert_eq!(sink.events.len(), 2);
        let AppTx::Ike(tx) = &sink.events[0].tx else {
            panic!("not ike");
        };
        assert_eq!(tx.role(), "initiator");
        assert_eq!(tx.payloads, vec![41, 40]);
        assert_eq!(tx.notify, vec![16388]);
        assert_eq!(tx.errors(), 0);
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(v[1], ("ike.esp_packets", "1".to_string()));
    }
}
