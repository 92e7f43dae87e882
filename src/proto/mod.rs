//! Application layer: recognise a flow's protocol by what its bytes say (not
//! by its port), then parse it into transactions that become EVE records
//! and typed events for the detectors.
//!
//! Every protocol is a folder of the same shape (see `dns/`):
//!
//! - `mod.rs`: docs and `pub static SPEC: ProtoSpec`
//! - `parser.rs`: pure functions from borrowed bytes to borrowed views
//! - `state.rs`: the per-flow [`AppState`], its transactions and anomalies
//! - `log.rs`: the transaction's EVE objects in Suricata's shape
//!
//! and is registered with one line in [`registry`]. The driver in [`app`]
//! owns probing, reassembled-stream delivery, limits and counters, so a
//! protocol never sees a raw packet, a sequence number or an output.

pub mod app;
pub mod harness;
pub mod registry;
pub mod util;

pub mod dhcp;
pub mod dns;
pub mod http;
pub mod ike;
pub mod irc;
pub mod l2tp;
pub mod openvpn;
pub mod pptp;
pub mod smtp;
pub mod ssh;
pub mod tailscale;
pub mod tls;
pub mod wireguard;

#[cfg(test)]
pub(crate) mod testutil;

use serde::Serialize;

pub use crate::flow::Direction;
use crate::time::Timestamp;

/// The transport a protocol runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// What a probe makes of the first bytes of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// This is the protocol; the string says how we know (it is logged as
    /// the flow's evidence, so an analyst sees why IRC on port 8000 is IRC).
    Yes(&'static str),
    /// This is not the protocol.
    No,
    /// Cannot tell yet; call again with more bytes of this direction.
    NeedMore,
}

/// What a probe sees.
#[derive(Debug, Clone, Copy)]
pub struct ProbeInput<'a> {
    pub transport: Transport,
    pub dir: Direction,
    /// The first bytes of this direction (TCP), or one datagram (UDP).
    pub data: &'a [u8],
    /// The client's and the server's port, as hints for tie-breaks only.
    pub client_port: u16,
    pub server_port: u16,
    /// UDP: the datagrams of this flow probed before `data` while no probe
    /// had decided (both directions, in arrival order; at most
    /// `app.udp_probe_packets`), so a probe that answered `NeedMore` can
    /// confirm across datagrams (a reply naming the request's session id, a
    /// run of messages with one receiver index). Empty for TCP.
    pub earlier: &'a [(Direction, Vec<u8>)],
}

/// What a parser made of the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Consumed all of it; more may come.
    Done,
    /// Consumed `consumed` bytes; call again once at least `needed` bytes
    /// are available from the first unconsumed one (a partial message).
    NeedMore { consumed: usize, needed: usize },
    /// Wants nothing more from this direction (the rest is encrypted, or
    /// not of interest). The driver still counts the direction's bytes.
    Stop,
    /// The bytes do not parse as this protocol; stop parsing this direction.
    LostSync,
}

/// Limits every protocol state is built with (`[app]` in the configuration).
#[derive(Debug, Clone)]
pub struct ProtoConfig {
    /// Longest message a parser may wait for, in bytes (what the driver
    /// buffers for a partial message, per direction).
    pub max_message: usize,
    /// Most items kept in one list of a transaction (answers, recipients,
    /// channels, cipher suites, …).
    pub max_items: usize,
    /// Longest string kept from the wire, in bytes; longer ones are cut.
    pub max_string: usize,
}

impl Default for ProtoConfig {
    fn default() -> Self {
        ProtoConfig {
            max_message: 65536,
            max_items: 64,
            max_string: 1024,
        }
    }
}

/// One registered protocol.
pub struct ProtoSpec {
    /// `app_proto` value and EVE `event_type` (Suricata's name where it has one).
    pub name: &'static str,
    /// Transports it runs over.
    pub transports: &'static [Transport],
    /// Usual server ports, used only to try this probe first there.
    pub ports: &'static [u16],
    pub probe: fn(&ProbeInput<'_>) -> Probe,
    pub new_state: fn(&ProtoConfig, Transport) -> Box<dyn AppState>,
    /// Suricata's `app_layer.flow.<name>` over TCP and over UDP, if it has one;
    /// otherwise the counters go to kagami's metrics.
    pub stats_tcp: Option<&'static str>,
    pub stats_udp: Option<&'static str>,
}

impl std::fmt::Debug for ProtoSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A protocol's per-flow state.
pub trait AppState: Send {
    /// Parses the next bytes of one direction (a run of the reassembled
    /// stream, or one datagram), pushing finished transactions to `out`.
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress;
    /// `len` bytes of `dir` were lost; the parser must resynchronise.
    fn on_gap(&mut self, _dir: Direction, _len: u64) {}
    /// The flow ended: push what is still open (an unanswered query, a
    /// handshake that never finished).
    fn finish(&mut self, _out: &mut EventSink) {}
    /// Facts about the whole flow for its `flow` record, as named flow
    /// variables (`metadata.flowvars`): what Suricata has no field for, such
    /// as an IRC nick or an OpenVPN opcode. Keys are `<proto>.<fact>`;
    /// values are already bounded by the parser.
    fn flowvars(&self, _out: &mut Vec<(&'static str, String)>) {}
}

/// Where a parser puts what it found.
#[derive(Debug, Default)]
pub struct EventSink {
    /// Packet time of the bytes being parsed.
    pub ts: Timestamp,
    pub(crate) events: Vec<AppEvent>,
    /// Set by a parser whose flow switches protocol (SMTP's STARTTLS
    /// succeeded: what follows is TLS).
    pub(crate) upgrade: Option<&'static str>,
}

impl EventSink {
    /// Records a finished transaction.
    pub fn push(&mut self, tx: AppTx) {
        self.events.push(AppEvent {
            ts: self.ts,
            proto: None,
            tx,
        });
    }
    /// Asks the driver to hand what follows to protocol `name`.
    pub fn upgrade(&mut self, name: &'static str) {
        self.upgrade = Some(name);
    }
}

/// A finished transaction, with the packet time it finished at.
#[derive(Debug)]
pub struct AppEvent {
    pub ts: Timestamp,
    /// The protocol that produced it, when the flow has since switched
    /// protocol (an SMTP transaction finished by STARTTLS).
    pub proto: Option<&'static str>,
    pub tx: AppTx,
}

/// Every protocol's transaction type: what detectors read and what `log.rs`
/// turns into EVE objects. One variant per protocol.
#[derive(Debug)]
pub enum AppTx {
    Dns(Box<dns::DnsTx>),
    Ssh(Box<ssh::SshTx>),
    Dhcp(Box<dhcp::DhcpTx>),
    Irc(Box<irc::IrcTx>),
    Http(Box<http::HttpTx>),
    Smtp(Box<smtp::SmtpTx>),
    Tls(Box<tls::TlsTx>),
    Openvpn(Box<openvpn::OvpnTx>),
    Wireguard(Box<wireguard::WgTx>),
    Tailscale(Box<tailscale::TailscaleTx>),
    Ike(Box<ike::IkeTx>),
    Pptp(Box<pptp::PptpTx>),
    L2tp(Box<l2tp::L2tpTx>),
}

impl AppTx {
    /// The EVE `event_type` of this transaction's record, or `None` for a
    /// protocol Suricata has no record for (its facts reach EVE through
    /// alerts and the flow's evidence).
    pub fn event_type(&self) -> Option<&'static str> {
        match self {
            AppTx::Dns(_) => Some("dns"),
            AppTx::Ssh(_) => Some("ssh"),
            AppTx::Dhcp(_) => Some("dhcp"),
            AppTx::Irc(_) => None,
            AppTx::Http(_) => Some("http"),
            AppTx::Smtp(_) => Some("smtp"),
            AppTx::Tls(_) => Some("tls"),
            AppTx::Ike(_) => Some("ike"),
            AppTx::Openvpn(_)
            | AppTx::Wireguard(_)
            | AppTx::Tailscale(_)
            | AppTx::Pptp(_)
            | AppTx::L2tp(_) => None,
        }
    }
}

/// Serialises as the record's protocol objects (`"dns": {…}`, or
/// `"smtp": {…}, "email": {…}`), flattened into the EVE record.
impl Serialize for AppTx {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AppTx::Dns(tx) => tx.serialize(s),
            AppTx::Ssh(tx) => tx.serialize(s),
            AppTx::Dhcp(tx) => tx.serialize(s),
            AppTx::Irc(tx) => tx.serialize(s),
            AppTx::Http(tx) => tx.serialize(s),
            AppTx::Smtp(tx) => tx.serialize(s),
            AppTx::Tls(tx) => tx.serialize(s),
            AppTx::Openvpn(tx) => tx.serialize(s),
            AppTx::Wireguard(tx) => tx.serialize(s),
            AppTx::Tailscale(tx) => tx.serialize(s),
            AppTx::Ike(tx) => tx.serialize(s),
            AppTx::Pptp(tx) => tx.serialize(s),
            AppTx::L2tp(tx) => tx.serialize(s),
        }
    }
}
