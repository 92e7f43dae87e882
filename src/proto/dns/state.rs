//! Per-flow DNS state: TCP framing, and one transaction per message.

use dns_parser::{RData, Type};

use super::parser::{self, DnsMessage, DnsRecord};
use crate::proto::util::lossy;
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// One DNS message, owned (it outlives the packet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsTx {
    /// Sequence number of this message within its flow.
    pub tx_id: u64,
    pub id: u16,
    pub flags: u16,
    pub response: bool,
    pub opcode: u8,
    pub rcode: u8,
    pub queries: Vec<DnsQuery>,
    pub answers: Vec<DnsAnswer>,
    pub authorities: Vec<DnsAnswer>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsQuery {
    pub rrname: String,
    pub rrtype: u16,
}

/// One answer or authority record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsAnswer {
    pub rrname: String,
    pub rrtype: u16,
    pub ttl: u32,
    /// The data as text, for the types that have a text form here.
    pub rdata: Option<String>,
}

/// Per-flow DNS state.
pub struct DnsState {
    transport: Transport,
    max_items: usize,
    max_string: usize,
    next_tx: u64,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, transport: Transport) -> Box<dyn AppState> {
    Box::new(DnsState {
        transport,
        max_items: cfg.max_items,
        max_string: cfg.max_string,
        next_tx: 0,
    })
}

impl DnsState {
    fn message(&mut self, msg: &[u8], out: &mut EventSink) -> bool {
        let Ok(m) = parser::parse_message(msg) else {
            return false;
        };
        let tx = self.tx(&m);
        out.push(AppTx::Dns(Box::new(tx)));
        true
    }

    fn tx(&mut self, m: &DnsMessage<'_>) -> DnsTx {
        let h = m.header;
        let tx_id = self.next_tx;
        self.next_tx += 1;
        let s = self.max_string;
        DnsTx {
            tx_id,
            id: h.id,
            flags: h.flags,
            response: h.is_response(),
            opcode: h.opcode(),
            rcode: h.rcode(),
            queries: m
                .questions
                .iter()
                .take(self.max_items)
                .map(|q| DnsQuery {
                    rrname: lossy(q.name.to_string().as_bytes(), s),
                    rrtype: q.qtype,
                })
                .collect(),
            answers: m
                .answers
                .iter()
                .take(self.max_items)
                .map(|r| answer(r, s))
                .collect(),
            authorities: m
                .authorities
                .iter()
                .take(self.max_items)
                .map(|r| answer(r, s))
                .collect(),
        }
    }
}

fn answer(r: &DnsRecord<'_>, max: usize) -> DnsAnswer {
    DnsAnswer {
        rrname: lossy(r.name.to_string().as_bytes(), max),
        rrtype: r.rtype,
        ttl: r.ttl,
        rdata: rdata_text(r).map(|t| lossy(t.as_bytes(), max)),
    }
}

/// The text form of the record data Suricata logs in `rdata`.
fn rdata_text(r: &DnsRecord<'_>) -> Option<String> {
    let t = Type::parse(r.rtype).ok()?;
    match RData::parse(t, r.rdata, r.message).ok()? {
        RData::A(a) => Some(a.0.to_string()),
        RData::AAAA(a) => Some(a.0.to_string()),
        RData::CNAME(n) => Some(n.0.to_string()),
        RData::NS(n) => Some(n.0.to_string()),
        RData::PTR(n) => Some(n.0.to_string()),
        RData::MX(mx) => Some(mx.exchange.to_string()),
        RData::TXT(txt) => {
            let mut s = String::new();
            for part in txt.iter() {
                s.push_str(&String::from_utf8_lossy(part));
            }
            Some(s)
        }
        RData::SRV(srv) => Some(srv.target.to_string()),
        RData::SOA(soa) => Some(soa.primary_ns.to_string()),
        RData::Unknown(_) => None,
    }
}

impl AppState for DnsState {
    fn parse(&mut self, _dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        match self.transport {
            Transport::Udp => {
                if self.message(data, out) {
                    Progress::Done
                } else {
                    Progress::LostSync
                }
            }
            Transport::Tcp => {
                // RFC 1035 §4.2.2: each message behind a two-byte length.
                let mut at = 0;
                loop {
                    let Some(len) = data.get(at..at + 2) else {
                        return if at == data.len() {
                            Progress::Done
                        } else {
                            Progress::NeedMore {
                                consumed: at,
                                needed: 2,
                            }
                        };
                    };
                    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                    let Some(msg) = data.get(at + 2..at + 2 + len) else {
                        return Progress::NeedMore {
                            consumed: at,
                            needed: 2 + len,
                        };
                    };
                    if !self.message(msg, out) {
                        return Progress::LostSync;
                    }
                    at += 2 + len;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dns::parser::tests::{QUERY, RESPONSE};

    fn txs(sink: &mut EventSink) -> Vec<DnsTx> {
        sink.events
            .drain(..)
            .map(|e| match e.tx {
                AppTx::Dns(tx) => *tx,
                #[allow(unreachable_patterns)]
                _ => panic!("not dns"),
            })
            .collect()
    }

    #[test]
    fn udp_query_and_response() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, QUERY, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, RESPONSE, &mut sink),
            Progress::Done
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].queries[0].rrname, "www.example.com");
        assert!(t[1].response);
        assert_eq!(t[1].answers[0].rdata.as_deref(), Some("93.184.216.34"));
        assert_eq!(t[1].tx_id, 1);
    }

    #[test]
    fn tcp_framing_one_byte_at_a_time() {
        let mut framed = vec![0, QUERY.len() as u8];
        framed.extend_from_slice(QUERY);
        framed.extend_from_slice(&[0, RESPONSE.len() as u8]);
        framed.extend_from_slice(RESPONSE);
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        // Emulate the driver: keep what was not consumed.
        let mut pending: Vec<u8> = Vec::new();
        for b in &framed {
            pending.push(*b);
            match s.parse(Direction::ToServer, &pending, &mut sink) {
                Progress::Done => pending.clear(),
                Progress::NeedMore { consumed, .. } => {
                    pending.drain(..consumed);
                }
                p => panic!("{p:?}"),
            }
        }
        assert_eq!(txs(&mut sink).len(), 2);
    }

    #[test]
    fn garbage_loses_sync() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, b"\x00\x01\x02", &mut sink),
            Progress::LostSync
        );
    }
}
