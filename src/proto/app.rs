//! The application-layer driver: per flow, it reassembles TCP streams,
//! probes the first bytes of each direction against every registered
//! protocol (usual-port protocols first, but any protocol on any port),
//! then feeds the recognised protocol's parser and collects its
//! transactions. It owns every app-layer limit and counter, so a protocol
//! module is only a parser and a state machine.
//!
//! Limits (`[app]` and `[stream]` in the configuration): bytes kept for
//! probing per direction, datagrams probed, out-of-order bytes per
//! direction and in total, bytes buffered for a partial message, and
//! transactions per flow. Each one, when hit, is counted.

use serde_json::{Map, Value};

use super::registry::{self, PROTOCOLS};
use super::{
    AppEvent, AppState, Direction, EventSink, Probe, ProbeInput, Progress, ProtoConfig, ProtoSpec,
    Transport,
};
use crate::config::Config;
use crate::counters::{Counter, Counters, insert_dotted};
use crate::decode::tcp_flags::SYN;
use crate::decode::{Decoded, ip_proto};
use crate::flow::stream::{Chunk, Stream};
use crate::flow::{Flow, FlowEnd, FlowKey};

/// Where a flow's recognition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Probing,
    Parsing,
    /// No protocol recognised (Suricata's `failed`).
    Failed,
}

/// One direction of a flow's application layer.
#[derive(Debug, Default)]
struct Side {
    stream: Stream,
    /// First bytes kept while probing.
    probe_buf: Vec<u8>,
    /// Probing gave up on this direction (buffer full).
    probe_exhausted: bool,
    /// Bytes a parser left unconsumed (a partial message).
    pending: Vec<u8>,
    /// Bytes `pending` must reach before the parser is called again.
    needed: usize,
    /// The parser wants nothing more from this direction.
    stopped: bool,
    /// Payload bytes seen after the parser stopped (counted, not parsed).
    bytes_after_stop: u64,
    /// Stream offset when the flow switched protocol (STARTTLS).
    offset_at_upgrade: Option<u64>,
}

/// The application layer of one flow.
pub struct AppFlow {
    transport: Transport,
    status: Status,
    spec: Option<&'static ProtoSpec>,
    /// The protocol before an upgrade (`app_proto_orig`).
    orig: Option<&'static ProtoSpec>,
    evidence: Option<&'static str>,
    state: Option<Box<dyn AppState>>,
    sides: [Side; 2],
    /// Protocols ruled out, by registry index.
    rejected: u64,
    /// Datagrams probed (UDP).
    probed: u32,
    /// UDP datagrams probed while undecided, kept (each at most
    /// `probe_depth` bytes, at most `udp_probe_packets` of them) for later
    /// probes to compare with and for the parser once a probe decides.
    held: Vec<(Direction, Vec<u8>)>,
    /// The direction whose bytes came first (fed first once recognised).
    first: Option<Direction>,
    events: u32,
    /// The parser's flow variables, kept when its state is dropped early.
    vars: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for AppFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppFlow")
            .field("status", &self.status)
            .field("proto", &self.spec.map(|s| s.name))
            .finish_non_exhaustive()
    }
}

impl AppFlow {
    /// The flow's `app_proto`: the protocol, `failed`, or `None` while unknown.
    pub fn app_proto(&self) -> Option<&'static str> {
        match self.status {
            Status::Parsing => self.spec.map(|s| s.name),
            Status::Failed => Some("failed"),
            Status::Probing => None,
        }
    }
    /// The protocol before an upgrade (SMTP before STARTTLS), if any.
    pub fn app_proto_orig(&self) -> Option<&'static str> {
        self.orig.map(|s| s.name)
    }
    /// How the protocol was recognised.
    pub fn evidence(&self) -> Option<&'static str> {
        self.evidence
    }
    /// The parser's facts about the flow (see [`AppState::flowvars`]).
    pub fn flowvars(&self) -> Vec<(&'static str, String)> {
        let mut v = self.vars.clone();
        if let Some(state) = self.state.as_ref() {
            state.flowvars(&mut v);
        }
        v
    }

    /// Once the parser wants nothing more from either direction, its state
    /// and buffers are dropped (its flow variables are kept), so a long
    /// encrypted flow costs only its byte counts.
    fn retire_if_done(&mut self, sink: &mut EventSink) {
        if self.status != Status::Parsing || !self.sides.iter().all(|s| s.stopped) {
            return;
        }
        if let Some(mut state) = self.state.take() {
            state.finish(sink);
            state.flowvars(&mut self.vars);
        }
        for side in &mut self.sides {
            side.pending = Vec::new();
            side.probe_buf = Vec::new();
        }
    }
    /// Payload bytes of one direction so far (TCP: the stream's length).
    pub fn bytes(&self, dir: Direction) -> u64 {
        let s = &self.sides[dir.index()];
        s.stream.offset() + s.bytes_after_stop
    }
    /// Payload bytes of one direction since the flow switched protocol.
    pub fn bytes_since_upgrade(&self, dir: Direction) -> Option<u64> {
        let s = &self.sides[dir.index()];
        s.offset_at_upgrade
            .map(|o| self.bytes(dir).saturating_sub(o))
    }
}

/// One finished transaction and the flow it belongs to.
#[derive(Debug)]
pub struct FlowEvent {
    pub key: FlowKey,
    pub flow_id: u64,
    /// Whether the client is the key's `lo` end.
    pub client_is_lo: bool,
    pub app_proto: Option<&'static str>,
    pub event: AppEvent,
}

impl FlowEvent {
    /// The client end.
    pub fn client(&self) -> crate::flow::key::Endpoint {
        if self.client_is_lo {
            self.key.lo
        } else {
            self.key.hi
        }
    }
    /// The server end.
    pub fn server(&self) -> crate::flow::key::Endpoint {
        if self.client_is_lo {
            self.key.hi
        } else {
            self.key.lo
        }
    }
}

/// Per-protocol counters, by registry index.
#[derive(Debug, Clone, Default)]
pub struct AppCounters {
    /// `[flows, transactions, parser errors, gaps]` per protocol and transport.
    per: Vec<[[u64; 4]; 2]>,
}

const FLOWS: usize = 0;
const TXS: usize = 1;
const ERRORS: usize = 2;
const GAPS: usize = 3;

impl AppCounters {
    fn bump(&mut self, proto: usize, transport: Transport, what: usize) {
        if self.per.len() < PROTOCOLS.len() {
            self.per.resize(PROTOCOLS.len(), [[0; 4]; 2]);
        }
        let t = usize::from(transport == Transport::Udp);
        if let Some(v) = self
            .per
            .get_mut(proto)
            .and_then(|p| p.get_mut(t))
            .and_then(|p| p.get_mut(what))
        {
            *v += 1;
        }
    }

    /// Adds another worker's counts.
    pub fn merge(&mut self, other: &AppCounters) {
        if self.per.len() < other.per.len() {
            self.per.resize(other.per.len(), [[0; 4]; 2]);
        }
        for (a, b) in self.per.iter_mut().zip(&other.per) {
            for t in 0..2 {
                for w in 0..4 {
                    a[t][w] += b[t][w];
                }
            }
        }
    }

    /// Transactions logged for protocol `name`, both transports.
    pub fn transactions(&self, name: &str) -> u64 {
        registry::index_of(name)
            .and_then(|i| self.per.get(i))
            .map(|p| p[0][TXS] + p[1][TXS])
            .unwrap_or(0)
    }

    fn each(&self, f: &mut dyn FnMut(&'static ProtoSpec, Transport, &[u64; 4])) {
        for (i, p) in self.per.iter().enumerate() {
            let Some(spec) = PROTOCOLS.get(i) else {
                continue;
            };
            for (t, transport) in [(0, Transport::Tcp), (1, Transport::Udp)] {
                if let Some(v) = p.get(t) {
                    if v.iter().any(|&x| x > 0) {
                        f(spec, transport, v);
                    }
                }
            }
        }
    }

    /// Adds the Suricata-named counters to an EVE `stats` object.
    pub fn write_eve(&self, stats: &mut Map<String, Value>) {
        self.each(&mut |spec, t, v| {
            let name = match t {
                Transport::Tcp => spec.stats_tcp,
                Transport::Udp => spec.stats_udp,
            };
            if let Some(name) = name {
                insert_dotted(stats, &format!("app_layer.flow.{name}"), v[FLOWS]);
                insert_dotted(stats, &format!("app_layer.tx.{name}"), v[TXS]);
                insert_dotted(stats, &format!("app_layer.error.{name}.parser"), v[ERRORS]);
                insert_dotted(stats, &format!("app_layer.error.{name}.gap"), v[GAPS]);
            }
        });
    }

    /// Adds every protocol's counters to kagami's flat metrics.
    pub fn write_flat(&self, flat: &mut Map<String, Value>) {
        self.each(&mut |spec, t, v| {
            let t = match t {
                Transport::Tcp => "tcp",
                Transport::Udp => "udp",
            };
            let base = format!("kagami.app_layer.{}_{t}", spec.name);
            flat.insert(format!("{base}.flows"), Value::from(v[FLOWS]));
            flat.insert(format!("{base}.tx"), Value::from(v[TXS]));
            flat.insert(format!("{base}.parser_errors"), Value::from(v[ERRORS]));
            flat.insert(format!("{base}.gaps"), Value::from(v[GAPS]));
        });
    }
}

/// The application layer of one worker.
pub struct AppLayer {
    enabled: bool,
    cfg: ProtoConfig,
    probe_depth: usize,
    udp_probe_packets: u32,
    window: usize,
    memcap: usize,
    max_events: u32,
    /// Bytes held in out-of-order stores and partial-message buffers.
    mem_used: usize,
    pub counters: AppCounters,
    sink: EventSink,
}

impl AppLayer {
    /// An application layer configured by `[app]` and `[stream]`.
    pub fn new(cfg: &Config) -> AppLayer {
        AppLayer {
            enabled: cfg.app.enabled,
            cfg: ProtoConfig {
                max_message: usize::try_from(cfg.app.max_message).unwrap_or(usize::MAX),
                max_items: usize::try_from(cfg.app.max_items).unwrap_or(usize::MAX),
                max_string: usize::try_from(cfg.app.max_string).unwrap_or(usize::MAX),
            },
            probe_depth: usize::try_from(cfg.app.probe_depth).unwrap_or(usize::MAX),
            udp_probe_packets: cfg.app.udp_probe_packets,
            window: usize::try_from(cfg.stream.window).unwrap_or(usize::MAX),
            memcap: usize::try_from(cfg.stream.memcap).unwrap_or(usize::MAX),
            max_events: cfg.app.max_events_per_flow,
            mem_used: 0,
            counters: AppCounters::default(),
            sink: EventSink::default(),
        }
    }

    /// Whether the application layer runs at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Takes one packet of `flow` (already counted by the flow table) and
    /// pushes the transactions it finishes to `out`.
    pub fn packet(
        &mut self,
        key: &FlowKey,
        flow: &mut Flow,
        dir: Direction,
        d: &Decoded<'_>,
        c: &mut Counters,
        out: &mut Vec<FlowEvent>,
    ) {
        if !self.enabled || d.payload.is_empty() {
            return;
        }
        let transport = match d.proto {
            ip_proto::TCP => Transport::Tcp,
            ip_proto::UDP => Transport::Udp,
            _ => return,
        };
        let id = flow.id;
        let lo = client_is_lo(flow, key);
        let (client_port, server_port) = (flow.client(key).1, flow.server(key).1);
        let syn_seq = flow.tcp.and_then(|t| t.syn_seq[dir.index()]);
        let app = flow.app.get_or_insert_with(|| {
            Box::new(AppFlow {
                transport,
                status: Status::Probing,
                spec: None,
                orig: None,
                evidence: None,
                state: None,
                sides: Default::default(),
                rejected: 0,
                probed: 0,
                held: Vec::new(),
                first: None,
                events: 0,
                vars: Vec::new(),
            })
        });
        if app.status == Status::Failed {
            return;
        }
        app.first.get_or_insert(dir);
        self.sink.ts = d.ts;
        match transport {
            Transport::Udp => self.datagram(app, dir, d.payload, client_port, server_port, c),
            Transport::Tcp => {
                let Some(meta) = d.tcp else {
                    return;
                };
                let side = &mut app.sides[dir.index()];
                if side.stopped {
                    side.bytes_after_stop += d.payload.len() as u64;
                    return;
                }
                // A direction whose SYN we saw starts at its ISN + 1; one
                // picked up midstream starts at its first data.
                let syn = meta.flags & SYN != 0;
                let (seq, syn) = match (syn, syn_seq) {
                    (true, _) => (meta.seq, true),
                    (false, Some(isn))
                        if side.stream.offset() == 0 && side.stream.buffered() == 0 =>
                    {
                        // First data of a direction whose SYN we saw: place
                        // it relative to the ISN, so an early segment is held.
                        side.stream.segment(isn, true, &[], 0, c, &mut |_| {});
                        (meta.seq, false)
                    }
                    _ => (meta.seq, false),
                };
                let held_before = side.stream.buffered();
                let room = self.memcap.saturating_sub(self.mem_used);
                let window = self.window.min(room + held_before);
                let mut chunks: Vec<ChunkOwned> = Vec::new();
                let mut direct: Option<usize> = None;
                // Deliver in-order data straight from the packet when it is
                // the only chunk (the common case): no copy.
                let payload = d.payload;
                side.stream
                    .segment(seq, syn, payload, window, c, &mut |ch| match ch {
                        Chunk::Data(b)
                            if chunks.is_empty() && direct.is_none() && same_slice(b, payload) =>
                        {
                            direct = Some(payload.len() - b.len());
                        }
                        Chunk::Data(b) => {
                            if let Some(skip) = direct.take() {
                                chunks.push(ChunkOwned::Data(
                                    payload.get(skip..).unwrap_or(&[]).to_vec(),
                                ));
                            }
                            chunks.push(ChunkOwned::Data(b.to_vec()));
                        }
                        Chunk::Gap(n) => {
                            if let Some(skip) = direct.take() {
                                chunks.push(ChunkOwned::Data(
                                    payload.get(skip..).unwrap_or(&[]).to_vec(),
                                ));
                            }
                            chunks.push(ChunkOwned::Gap(n));
                        }
                    });
                let held_after = side.stream.buffered();
                self.mem_used = (self.mem_used + held_after).saturating_sub(held_before);
                if let Some(skip) = direct {
                    self.stream_data(
                        app,
                        dir,
                        payload.get(skip..).unwrap_or(&[]),
                        client_port,
                        server_port,
                        c,
                    );
                }
                for ch in chunks {
                    match ch {
                        ChunkOwned::Data(b) => {
                            self.stream_data(app, dir, &b, client_port, server_port, c)
                        }
                        ChunkOwned::Gap(n) => self.stream_gap(app, dir, n),
                    }
                }
                c.set(Counter::TcpReassemblyMemuse, self.mem_used as u64);
            }
        }
        app.retire_if_done(&mut self.sink);
        self.collect(app, key, id, lo, out, c);
    }

    /// The flow has ended: delivers what its streams still hold, lets the
    /// parser finish, and pushes the last transactions.
    pub fn flow_end(&mut self, end: &mut FlowEnd, c: &mut Counters, out: &mut Vec<FlowEvent>) {
        let key = end.key;
        let id = end.flow.id;
        let lo = client_is_lo(&end.flow, &key);
        let Some(app) = end.flow.app.as_mut() else {
            return;
        };
        if app.transport == Transport::Tcp && app.status != Status::Failed {
            for dir in [Direction::ToServer, Direction::ToClient] {
                let side = &mut app.sides[dir.index()];
                let held = side.stream.buffered();
                let mut chunks = Vec::new();
                side.stream.finish(c, &mut |ch| {
                    chunks.push(match ch {
                        Chunk::Data(b) => ChunkOwned::Data(b.to_vec()),
                        Chunk::Gap(n) => ChunkOwned::Gap(n),
                    })
                });
                self.mem_used = self.mem_used.saturating_sub(held);
                for ch in chunks {
                    match ch {
                        ChunkOwned::Data(b) => self.stream_data(app, dir, &b, 0, 0, c),
                        ChunkOwned::Gap(n) => self.stream_gap(app, dir, n),
                    }
                }
            }
        }
        if app.status == Status::Probing {
            self.fail(app, c);
        }
        if let Some(state) = app.state.as_mut() {
            state.finish(&mut self.sink);
        }
        for side in &mut app.sides {
            self.mem_used = self.mem_used.saturating_sub(side.pending.len());
            side.pending = Vec::new();
            side.probe_buf = Vec::new();
        }
        self.collect(app, &key, id, lo, out, c);
        c.set(Counter::TcpReassemblyMemuse, self.mem_used as u64);
    }

    fn fail(&mut self, app: &mut AppFlow, c: &mut Counters) {
        app.status = Status::Failed;
        c.inc(match app.transport {
            Transport::Tcp => Counter::AppLayerFailedTcp,
            Transport::Udp => Counter::AppLayerFailedUdp,
        });
        for side in &mut app.sides {
            side.probe_buf = Vec::new();
        }
        self.release_held(app);
    }

    /// Frees the datagrams kept while probing.
    fn release_held(&mut self, app: &mut AppFlow) {
        let held: usize = app.held.iter().map(|(_, d)| d.len()).sum();
        self.mem_used = self.mem_used.saturating_sub(held);
        app.held = Vec::new();
    }

    /// Runs the probes over `data`; returns the protocol recognised.
    fn probe(
        &self,
        app: &mut AppFlow,
        dir: Direction,
        data: &[u8],
        client_port: u16,
        server_port: u16,
    ) -> Option<(usize, &'static str)> {
        let held = std::mem::take(&mut app.held);
        let verdict = Self::probe_with(app, dir, data, client_port, server_port, &held);
        app.held = held;
        verdict
    }

    fn probe_with(
        app: &mut AppFlow,
        dir: Direction,
        data: &[u8],
        client_port: u16,
        server_port: u16,
        earlier: &[(Direction, Vec<u8>)],
    ) -> Option<(usize, &'static str)> {
        let input = ProbeInput {
            transport: app.transport,
            dir,
            data,
            client_port,
            server_port,
            earlier,
        };
        // Protocols that usually live on this port go first; every other
        // protocol is still tried, since ports lie.
        for pass in 0..2 {
            for (i, spec) in PROTOCOLS.iter().enumerate() {
                let bit = 1u64 << (i % 64);
                if app.rejected & bit != 0 || !spec.transports.contains(&app.transport) {
                    continue;
                }
                let usual = spec.ports.contains(&server_port);
                if usual != (pass == 0) {
                    continue;
                }
                match (spec.probe)(&input) {
                    Probe::Yes(why) => return Some((i, why)),
                    Probe::No => app.rejected |= bit,
                    Probe::NeedMore => {}
                }
            }
        }
        None
    }

    fn all_rejected(app: &AppFlow) -> bool {
        PROTOCOLS
            .iter()
            .enumerate()
            .filter(|(_, s)| s.transports.contains(&app.transport))
            .all(|(i, _)| app.rejected & (1u64 << (i % 64)) != 0)
    }

    fn start(&mut self, app: &mut AppFlow, index: usize, why: &'static str) {
        let Some(spec) = PROTOCOLS.get(index) else {
            return;
        };
        app.status = Status::Parsing;
        app.spec = Some(spec);
        app.evidence = Some(why);
        app.state = Some((spec.new_state)(&self.cfg, app.transport));
        self.counters.bump(index, app.transport, FLOWS);
    }

    fn datagram(
        &mut self,
        app: &mut AppFlow,
        dir: Direction,
        data: &[u8],
        client_port: u16,
        server_port: u16,
        c: &mut Counters,
    ) {
        if app.status == Status::Probing {
            app.probed += 1;
            match self.probe(app, dir, data, client_port, server_port) {
                Some((i, why)) => {
                    self.start(app, i, why);
                    // What was probed before the decision is parsed first, so
                    // a probe that waited for confirmation loses nothing.
                    let held = std::mem::take(&mut app.held);
                    for (d, datagram) in &held {
                        self.parse_datagram(app, *d, datagram);
                    }
                    app.held = held;
                    self.release_held(app);
                }
                None => {
                    if app.probed >= self.udp_probe_packets || Self::all_rejected(app) {
                        self.fail(app, c);
                    } else if data.len() <= self.probe_depth
                        && app.held.len() < usize::try_from(self.udp_probe_packets).unwrap_or(0)
                    {
                        app.held.push((dir, data.to_vec()));
                        self.mem_used += data.len();
                    }
                    return;
                }
            }
        }
        self.parse_datagram(app, dir, data);
    }

    /// Feeds one datagram to the parser.
    fn parse_datagram(&mut self, app: &mut AppFlow, dir: Direction, data: &[u8]) {
        let side = &mut app.sides[dir.index()];
        if side.stopped {
            side.bytes_after_stop += data.len() as u64;
            return;
        }
        let Some(state) = app.state.as_mut() else {
            return;
        };
        match state.parse(dir, data, &mut self.sink) {
            Progress::Done => {}
            Progress::Stop => side.stopped = true,
            Progress::NeedMore { .. } | Progress::LostSync => {
                // A datagram is a whole message: short means malformed.
                if let Some(i) = app.spec.and_then(|s| registry::index_of(s.name)) {
                    self.counters.bump(i, Transport::Udp, ERRORS);
                }
            }
        }
    }

    fn stream_gap(&mut self, app: &mut AppFlow, dir: Direction, len: u64) {
        let side = &mut app.sides[dir.index()];
        self.mem_used = self.mem_used.saturating_sub(side.pending.len());
        side.pending.clear();
        side.needed = 0;
        if app.status == Status::Probing {
            side.probe_exhausted = true;
            return;
        }
        if let (Some(state), Some(spec)) = (app.state.as_mut(), app.spec) {
            state.on_gap(dir, len);
            if let Some(i) = registry::index_of(spec.name) {
                self.counters.bump(i, Transport::Tcp, GAPS);
            }
        }
    }

    fn stream_data(
        &mut self,
        app: &mut AppFlow,
        dir: Direction,
        data: &[u8],
        client_port: u16,
        server_port: u16,
        c: &mut Counters,
    ) {
        if data.is_empty() {
            return;
        }
        if app.status == Status::Probing {
            let side = &mut app.sides[dir.index()];
            if side.probe_exhausted {
                return;
            }
            let room = self.probe_depth.saturating_sub(side.probe_buf.len());
            let take = data.get(..room.min(data.len())).unwrap_or(&[]);
            side.probe_buf.extend_from_slice(take);
            if take.len() < data.len() || side.probe_buf.len() >= self.probe_depth {
                side.probe_exhausted = true;
            }
            let buf = std::mem::take(&mut side.probe_buf);
            let verdict = self.probe(app, dir, &buf, client_port, server_port);
            app.sides[dir.index()].probe_buf = buf;
            match verdict {
                Some((i, why)) => {
                    self.start(app, i, why);
                    // Feed what was kept, the direction that spoke first first.
                    let first = app.first.unwrap_or(dir);
                    for d in [first, first.other()] {
                        let kept = std::mem::take(&mut app.sides[d.index()].probe_buf);
                        if !kept.is_empty() {
                            self.parse(app, d, &kept, c);
                        }
                    }
                }
                None => {
                    let exhausted = app.sides.iter().all(|s| s.probe_exhausted);
                    if exhausted || Self::all_rejected(app) {
                        self.fail(app, c);
                    }
                }
            }
            return;
        }
        self.parse(app, dir, data, c);
    }

    /// Feeds stream bytes to the parser, through the partial-message buffer.
    fn parse(&mut self, app: &mut AppFlow, dir: Direction, data: &[u8], c: &mut Counters) {
        let i = dir.index();
        if app.sides[i].stopped {
            app.sides[i].bytes_after_stop += data.len() as u64;
            return;
        }
        if app.sides[i].pending.is_empty() {
            self.call(app, dir, data, c);
            return;
        }
        let side = &mut app.sides[i];
        if side.pending.len() + data.len() > self.cfg.max_message {
            c.inc(Counter::KagamiAppPendingOverflow);
            self.lost(app, dir);
            return;
        }
        side.pending.extend_from_slice(data);
        self.mem_used += data.len();
        if side.pending.len() < side.needed {
            return;
        }
        let buf = std::mem::take(&mut side.pending);
        self.mem_used = self.mem_used.saturating_sub(buf.len());
        self.call(app, dir, &buf, c);
    }

    /// One parser call on `data`; keeps what it leaves for the next one.
    fn call(&mut self, app: &mut AppFlow, dir: Direction, data: &[u8], c: &mut Counters) {
        let Some(state) = app.state.as_mut() else {
            return;
        };
        let progress = state.parse(dir, data, &mut self.sink);
        let consumed = match progress {
            Progress::Done => data.len(),
            Progress::NeedMore { consumed, needed } => {
                let rest = data.get(consumed..).unwrap_or(&[]);
                if self.sink.upgrade.is_none() {
                    if rest.len() > self.cfg.max_message || needed > self.cfg.max_message {
                        c.inc(Counter::KagamiAppPendingOverflow);
                        self.lost(app, dir);
                        return;
                    }
                    let side = &mut app.sides[dir.index()];
                    side.pending.extend_from_slice(rest);
                    side.needed = needed;
                    self.mem_used += rest.len();
                }
                consumed
            }
            Progress::Stop => {
                let side = &mut app.sides[dir.index()];
                side.stopped = true;
                c.inc(Counter::TcpStreamDepthReached);
                data.len()
            }
            Progress::LostSync => {
                self.lost(app, dir);
                return;
            }
        };
        if let Some(name) = self.sink.upgrade.take() {
            self.upgrade(app, dir, name, data.get(consumed..).unwrap_or(&[]), c);
        }
    }

    fn lost(&mut self, app: &mut AppFlow, dir: Direction) {
        let side = &mut app.sides[dir.index()];
        side.stopped = true;
        self.mem_used = self.mem_used.saturating_sub(side.pending.len());
        side.pending = Vec::new();
        if let Some(i) = app.spec.and_then(|s| registry::index_of(s.name)) {
            self.counters.bump(i, app.transport, ERRORS);
        }
    }

    /// Switches the flow to protocol `name`; `rest` is what follows in `dir`.
    fn upgrade(
        &mut self,
        app: &mut AppFlow,
        dir: Direction,
        name: &'static str,
        rest: &[u8],
        c: &mut Counters,
    ) {
        let Some(index) = registry::index_of(name) else {
            return;
        };
        c.inc(Counter::KagamiAppUpgrades);
        if let Some(state) = app.state.as_mut() {
            state.finish(&mut self.sink);
        }
        // What the old protocol finished is still its own.
        let old = app.spec.map(|s| s.name);
        for ev in &mut self.sink.events {
            ev.proto = ev.proto.or(old);
        }
        app.orig = app.spec;
        let why = app.evidence.unwrap_or("upgrade");
        self.start(app, index, why);
        for side in &mut app.sides {
            self.mem_used = self.mem_used.saturating_sub(side.pending.len());
            side.pending.clear();
            side.needed = 0;
            side.stopped = false;
            side.offset_at_upgrade = Some(side.stream.offset() + side.bytes_after_stop);
        }
        if !rest.is_empty() {
            self.parse(app, dir, rest, c);
        }
    }

    /// Moves the sink's transactions to `out`, within the per-flow cap.
    fn collect(
        &mut self,
        app: &mut AppFlow,
        key: &FlowKey,
        flow_id: u64,
        client_is_lo: bool,
        out: &mut Vec<FlowEvent>,
        c: &mut Counters,
    ) {
        if self.sink.events.is_empty() {
            return;
        }
        let current = app.spec.map(|s| s.name);
        for event in self.sink.events.drain(..) {
            let index = event.proto.or(current).and_then(registry::index_of);
            if app.events >= self.max_events {
                c.inc(Counter::KagamiAppEventCap);
                continue;
            }
            app.events += 1;
            if let Some(i) = index {
                self.counters.bump(i, app.transport, TXS);
            }
            out.push(FlowEvent {
                key: *key,
                flow_id,
                client_is_lo,
                app_proto: event.proto.or(app.app_proto()),
                event,
            });
        }
    }
}

enum ChunkOwned {
    Data(Vec<u8>),
    Gap(u64),
}

/// Whether `b` is a tail of `payload` (the stream handed back the packet's
/// own bytes, so they need no copy).
fn same_slice(b: &[u8], payload: &[u8]) -> bool {
    let (pb, pe) = (
        payload.as_ptr() as usize,
        payload.as_ptr() as usize + payload.len(),
    );
    let (bb, be) = (b.as_ptr() as usize, b.as_ptr() as usize + b.len());
    bb >= pb && be == pe
}

fn client_is_lo(flow: &Flow, key: &FlowKey) -> bool {
    flow.client(key) == key.lo
}
