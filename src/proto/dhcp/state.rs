//! Per-flow DHCP state: every datagram is one message and one transaction.

use std::net::Ipv4Addr;

use super::parser::{self, DhcpMessage, opt};
use crate::proto::util::{hex_sep, lossy};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// A DHCP message type (option 53, RFC 2132 §9.6). Open: unknown values are
/// kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpMessageType(pub u8);

impl DhcpMessageType {
    pub const DISCOVER: DhcpMessageType = DhcpMessageType(1);
    pub const OFFER: DhcpMessageType = DhcpMessageType(2);
    pub const REQUEST: DhcpMessageType = DhcpMessageType(3);
    pub const DECLINE: DhcpMessageType = DhcpMessageType(4);
    pub const ACK: DhcpMessageType = DhcpMessageType(5);
    pub const NAK: DhcpMessageType = DhcpMessageType(6);
    pub const RELEASE: DhcpMessageType = DhcpMessageType(7);
    pub const INFORM: DhcpMessageType = DhcpMessageType(8);

    /// Suricata's lower-case name (`dhcp_type`), `unknown` otherwise.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "discover",
            2 => "offer",
            3 => "request",
            4 => "decline",
            5 => "ack",
            6 => "nak",
            7 => "release",
            8 => "inform",
            _ => "unknown",
        }
    }
}

/// One DHCP message, owned (it outlives the datagram).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpTx {
    /// BOOTP op: 1 request, 2 reply (RFC 951).
    pub op: u8,
    /// Transaction id `xid`.
    pub xid: u32,
    /// Client hardware address (the first six bytes of `chaddr`).
    pub mac: [u8; 6],
    /// Option 53, if present.
    pub message_type: Option<DhcpMessageType>,
    pub client_ip: Ipv4Addr,
    /// `yiaddr`: the address the server assigns.
    pub assigned_ip: Ipv4Addr,
    /// `siaddr`: the next server (TFTP boot).
    pub next_server_ip: Ipv4Addr,
    /// `giaddr`: the relay agent.
    pub relay_ip: Ipv4Addr,
    /// Option 12: the name the client calls itself.
    pub hostname: Option<String>,
    /// Option 50.
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 54.
    pub server_id: Option<Ipv4Addr>,
    /// Options 51, 58, 59, in seconds.
    pub lease_time: Option<u32>,
    pub renewal_time: Option<u32>,
    pub rebinding_time: Option<u32>,
    /// Option 1.
    pub subnet_mask: Option<Ipv4Addr>,
    /// Options 3 and 6.
    pub routers: Vec<Ipv4Addr>,
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 15.
    pub domain: Option<String>,
    /// Option 60: the client's vendor (`MSFT 5.0`, `android-dhcp-13`, …).
    pub vendor_class: Option<String>,
    /// Option 55: the option codes the client asks for, in its order.
    pub params: Vec<u8>,
    /// Option 61 without its type byte (RFC 2132 §9.14).
    pub client_id: Option<Vec<u8>>,
}

/// Per-flow DHCP state (none: messages are independent).
pub struct DhcpState {
    max_items: usize,
    max_string: usize,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(DhcpState {
        max_items: cfg.max_items,
        max_string: cfg.max_string,
    })
}

impl DhcpState {
    fn tx(&self, m: &DhcpMessage<'_>) -> DhcpTx {
        let h = &m.header;
        let s = self.max_string;
        let mut mac = [0u8; 6];
        for (d, b) in mac.iter_mut().zip(h.chaddr) {
            *d = *b;
        }
        let text = |code| m.option(code).map(|d| lossy(d, s));
        let addr = |code| m.option(code).and_then(parser::opt_addr);
        let secs = |code| m.option(code).and_then(parser::opt_u32);
        let list = |code| {
            m.option(code)
                .map(|d| parser::addr_list(d).take(self.max_items).collect())
                .unwrap_or_default()
        };
        DhcpTx {
            op: h.op,
            xid: h.xid,
            mac,
            message_type: m
                .option(opt::MESSAGE_TYPE)
                .and_then(|d| d.first())
                .map(|t| DhcpMessageType(*t)),
            client_ip: h.ciaddr,
            assigned_ip: h.yiaddr,
            next_server_ip: h.siaddr,
            relay_ip: h.giaddr,
            hostname: text(opt::HOSTNAME),
            requested_ip: addr(opt::REQUESTED_IP),
            server_id: addr(opt::SERVER_ID),
            lease_time: secs(opt::LEASE_TIME),
            renewal_time: secs(opt::RENEWAL_TIME),
            rebinding_time: secs(opt::REBINDING_TIME),
            subnet_mask: addr(opt::SUBNET_MASK),
            routers: list(opt::ROUTERS),
            dns_servers: list(opt::DNS_SERVERS),
            domain: text(opt::DOMAIN),
            vendor_class: text(opt::VENDOR_CLASS),
            params: m
                .option(opt::PARAMETER_LIST)
                .map(|d| d.iter().take(self.max_items).copied().collect())
                .unwrap_or_default(),
            client_id: m
                .option(opt::CLIENT_ID)
                .and_then(|d| d.get(1..))
                .map(|d| d.get(..s).unwrap_or(d).to_vec()),
        }
    }
}

impl DhcpTx {
    /// The client MAC as Suricata writes it (`aa:bb:cc:dd:ee:ff`).
    pub fn mac_string(&self) -> String {
        hex_sep(&self.mac, ':', false)
    }
}

impl AppState for DhcpState {
    fn parse(&mut self, _dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        match parser::parse_message(data) {
            Ok(m) => {
                let tx = self.tx(&m);
                out.push(AppTx::Dhcp(Box::new(tx)));
                Progress::Done
            }
            Err(_) => Progress::LostSync,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dhcp::parser::tests::{ack, request};

    fn txs(sink: &mut EventSink) -> Vec<DhcpTx> {
        sink.events
            .drain(..)
            .map(|e| match e.tx {
                AppTx::Dhcp(tx) => *tx,
                _ => panic!("not dhcp"),
            })
            .collect()
    }

    #[test]
    fn request_and_ack() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, &request(), &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, &ack(), &mut sink),
            Progress::Done
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].mac_string(), "02:00:5e:10:20:30");
        assert_eq!(t[0].hostname.as_deref(), Some("laptop"));
        assert_eq!(t[0].message_type, Some(DhcpMessageType::REQUEST));
        assert_eq!(t[0].params, vec![1, 3, 6, 15, 252]);
        assert_eq!(
            t[0].client_id.as_deref(),
            Some(&[0x02, 0x00, 0x5e, 0x10, 0x20, 0x30][..])
        );
        assert_eq!(t[0].vendor_class.as_deref(), Some("kgm1"));
        assert_eq!(t[1].message_type.map(|m| m.name()), Some("ack"));
        assert_eq!(t[1].lease_time, Some(3600));
        assert_eq!(t[1].routers, vec![Ipv4Addr::new(192, 0, 2, 1)]);
    }

    #[test]
    fn datagram_cut_anywhere_is_lost_sync_or_fewer_options() {
        let m = request();
        for n in 0..m.len() {
            let mut s = new_state(&ProtoConfig::default(), Transport::Udp);
            let mut sink = EventSink::default();
            let p = s.parse(Direction::ToServer, &m[..n], &mut sink);
            assert!(matches!(p, Progress::Done | Progress::LostSync));
        }
    }

    #[test]
    fn long_hostname_is_cut() {
        let mut m = crate::proto::dhcp::parser::tests::request();
        m.truncate(parser::HEADER_LEN);
        m.push(12);
        m.push(200);
        m.extend_from_slice(&[b'h'; 200]);
        let cfg = ProtoConfig {
            max_string: 16,
            ..ProtoConfig::default()
        };
        let mut s = new_state(&cfg, Transport::Udp);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, &m, &mut sink);
        assert_eq!(txs(&mut sink)[0].hostname.as_ref().unwrap().len(), 16);
    }
}
