//! The flow table of one worker: a hashbrown map from [`FlowKey`] to
//! [`Flow`], per-state timeouts in packet time kept in a timing wheel, and a
//! memcap enforced by evicting the flow closest to its timeout.
//!
//! Every flow leaves exactly once, as a [`FlowEnd`] with its reason
//! (timeout, forced eviction, or shutdown at the end of input), so the caller
//! can write its record. The table never allocates past its memcap: its
//! capacity is reserved up front from the memcap and never grows.

use std::mem::size_of;

use hashbrown::HashMap;
use hashbrown::hash_map::Entry;

use super::key::{Endpoint, FlowKey};
use super::tcp::TcpTrack;
use crate::config::FlowConfig;
use crate::counters::{Counter, Counters};
use crate::decode::tcp_flags::{ACK, RST, SYN};
use crate::decode::{Decoded, ip_proto};
use crate::proto::app::AppFlow;
use crate::time::Timestamp;

/// Suricata's coarse flow state (`flow.state` in EVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowState {
    New,
    Established,
    Closed,
}

impl FlowState {
    /// The name in EVE.
    pub fn name(self) -> &'static str {
        match self {
            FlowState::New => "new",
            FlowState::Established => "established",
            FlowState::Closed => "closed",
        }
    }
}

/// Why a flow ended (`flow.reason` in EVE, Suricata's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Idle past its state's timeout (also how closed TCP flows leave).
    Timeout,
    /// Evicted to stay within the memcap, or replaced by a new connection on the same ports.
    Forced,
    /// Still open at the end of input or at exit.
    Shutdown,
}

impl EndReason {
    /// The name in EVE.
    pub fn name(self) -> &'static str {
        match self {
            EndReason::Timeout => "timeout",
            EndReason::Forced => "forced",
            EndReason::Shutdown => "shutdown",
        }
    }
}

/// Direction of a packet within its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToServer,
    ToClient,
}

impl Direction {
    /// 0 to server, 1 to client.
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }
    /// The opposite direction.
    pub fn other(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

/// One flow's state.
#[derive(Debug)]
pub struct Flow {
    /// Stable id on every record of this flow (EVE `flow_id`).
    pub id: u64,
    /// Whether the initiator is the key's `lo` endpoint.
    client_is_lo: bool,
    /// IP protocol (also in the key; kept here for the timeout lookup).
    pub proto: u8,
    pub start: Timestamp,
    pub last: Timestamp,
    /// Packets and bytes, `[to_server, to_client]`.
    pub pkts: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: Option<TcpTrack>,
    /// First ICMP (type, code) seen from the client and from the server.
    pub icmp: [Option<(u8, u8)>; 2],
    pub state: FlowState,
    /// Encapsulation layers around this flow's packets.
    pub tunnel_depth: u8,
    /// Application-layer state, from the first packet with a payload.
    pub app: Option<Box<AppFlow>>,
    /// Signatures this flow has raised, one bit per entry of the table
    /// (a flow alerts at most once per signature).
    pub alerted: u64,
}

impl Flow {
    /// The initiator, given the flow's key.
    pub fn client(&self, key: &FlowKey) -> Endpoint {
        if self.client_is_lo { key.lo } else { key.hi }
    }
    /// The responder, given the flow's key.
    pub fn server(&self, key: &FlowKey) -> Endpoint {
        if self.client_is_lo { key.hi } else { key.lo }
    }
    /// Packets and bytes in one direction.
    pub fn counts(&self, dir: Direction) -> (u64, u64) {
        (self.pkts[dir.index()], self.bytes[dir.index()])
    }
}

/// A flow that has left the table.
#[derive(Debug)]
pub struct FlowEnd {
    pub key: FlowKey,
    pub flow: Flow,
    pub reason: EndReason,
}

impl FlowEnd {
    /// The initiator.
    pub fn client(&self) -> Endpoint {
        self.flow.client(&self.key)
    }
    /// The responder.
    pub fn server(&self) -> Endpoint {
        self.flow.server(&self.key)
    }
}

/// Bytes one flow costs at most: its share of the largest hash table and of
/// the one it grew from (entry plus control byte; the table is kept at most
/// half full, see `max_flows_for`), and its timing-wheel entry, with room for
/// the wheel's vectors to double.
pub const fn flow_cost() -> usize {
    3 * (size_of::<(FlowKey, Flow)>() + 1) * 8 / 7 + 2 * size_of::<WheelEntry>()
}

type WheelEntry = (FlowKey, u64);

/// Entries a drained wheel slot may keep allocated for reuse.
const WHEEL_SLOT_KEEP: usize = 1024;

/// Per-state timeouts in seconds.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    tcp_new: u64,
    tcp_est: u64,
    tcp_closed: u64,
    udp_new: u64,
    udp_est: u64,
    other_new: u64,
    other_est: u64,
}

impl Timeouts {
    fn of(&self, f: &Flow) -> u64 {
        match (f.proto, f.state) {
            (ip_proto::TCP, FlowState::New) => self.tcp_new,
            (ip_proto::TCP, FlowState::Established) => self.tcp_est,
            (ip_proto::TCP, FlowState::Closed) => self.tcp_closed,
            (ip_proto::UDP, FlowState::New) => self.udp_new,
            (ip_proto::UDP, _) => self.udp_est,
            (_, FlowState::New) => self.other_new,
            (_, _) => self.other_est,
        }
    }
    fn max(&self) -> u64 {
        [
            self.tcp_new,
            self.tcp_est,
            self.tcp_closed,
            self.udp_new,
            self.udp_est,
            self.other_new,
            self.other_est,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// The flow table.
pub struct FlowTable {
    flows: HashMap<FlowKey, Flow>,
    max_flows: usize,
    timeouts: Timeouts,
    /// Slot `s % len` holds flows to look at when second `s` has passed.
    wheel: Vec<Vec<WheelEntry>>,
    /// Last second the wheel has processed; `None` before the first packet.
    wheel_pos: Option<u64>,
}

impl FlowTable {
    /// A table bounded by `cfg.memcap` bytes.
    pub fn new(cfg: &FlowConfig) -> FlowTable {
        let (max_flows, reserve) = max_flows_for(cfg.memcap);
        let timeouts = Timeouts {
            tcp_new: cfg.tcp_new_timeout.into(),
            tcp_est: cfg.tcp_established_timeout.into(),
            tcp_closed: cfg.tcp_closed_timeout.into(),
            udp_new: cfg.udp_new_timeout.into(),
            udp_est: cfg.udp_established_timeout.into(),
            other_new: cfg.other_new_timeout.into(),
            other_est: cfg.other_established_timeout.into(),
        };
        let slots = usize::try_from(timeouts.max() + 2)
            .unwrap_or(usize::MAX)
            .min(1 << 20);
        FlowTable {
            flows: HashMap::with_capacity(reserve),
            max_flows,
            timeouts,
            wheel: (0..slots).map(|_| Vec::new()).collect(),
            wheel_pos: None,
        }
    }

    /// Flows in the table now.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Most flows the memcap allows.
    pub fn capacity(&self) -> usize {
        self.max_flows
    }

    /// Accounts one packet to its flow, creating the flow if needed. Flows
    /// that end on the way (eviction, reuse of a closed connection's ports)
    /// are pushed to `ended`.
    pub fn update(
        &mut self,
        d: &Decoded<'_>,
        c: &mut Counters,
        ended: &mut Vec<FlowEnd>,
    ) -> Option<(FlowKey, &mut Flow, Direction)> {
        let (key, lo_to_hi) = FlowKey::of(d);
        let flags = d.tcp.map(|t| t.flags).unwrap_or(0);
        // A new SYN on a finished connection starts a new flow (port reuse).
        if flags & (SYN | ACK) == SYN {
            if let Some(f) = self.flows.get(&key) {
                if f.tcp.map(|t| t.state.is_closed()).unwrap_or(false) {
                    if let Some((key, flow)) = self.flows.remove_entry(&key) {
                        self.finish(key, flow, EndReason::Forced, c, ended);
                    }
                }
            }
        }
        // At the memcap, a new flow first makes room (the extra lookup is
        // paid only when the table is full).
        if self.flows.len() >= self.max_flows && !self.flows.contains_key(&key) {
            c.inc(Counter::FlowMemcap);
            self.evict_one(c, ended);
            if self.flows.len() >= self.max_flows {
                return None;
            }
        }
        let active = self.flows.len();
        let flow = match self.flows.entry(key) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let flow = new_flow(&key, lo_to_hi, d, c);
                let deadline = flow.start.secs() + self.timeouts.of(&flow);
                let slot = wheel_slot(self.wheel.len(), deadline);
                if let Some(w) = self.wheel.get_mut(slot) {
                    w.push((key, flow.id));
                }
                let active = active as u64 + 1;
                c.set(Counter::FlowActive, active);
                c.max(Counter::KagamiFlowPeak, active);
                c.set(Counter::FlowMemuse, active * flow_cost() as u64);
                v.insert(flow)
            }
        };
        let dir = if lo_to_hi == flow.client_is_lo {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let i = dir.index();
        flow.pkts[i] += 1;
        flow.bytes[i] += u64::from(d.wire_len);
        flow.last = flow.last.max(d.ts);
        if let Some((t, code)) = d.icmp {
            if flow.icmp[i].is_none() {
                flow.icmp[i] = Some((t, code));
            }
        }
        if let Some(tcp) = flow.tcp.as_mut() {
            tcp.update(flags, dir == Direction::ToServer);
            if flags & SYN != 0 && tcp.syn_seq[i].is_none() {
                tcp.syn_seq[i] = d.tcp.map(|t| t.seq);
            }
            if flags & SYN != 0 {
                c.inc(if flags & ACK != 0 {
                    Counter::TcpSynack
                } else {
                    Counter::TcpSyn
                });
            }
            if flags & RST != 0 {
                c.inc(Counter::TcpRst);
            }
            let was = flow.state;
            flow.state = if tcp.state.is_closed() {
                FlowState::Closed
            } else if tcp.state >= super::tcp::TcpState::Established || tcp.midstream {
                FlowState::Established
            } else {
                FlowState::New
            };
            if was == FlowState::New && flow.state == FlowState::Established {
                c.inc(Counter::TcpSessions);
            }
        } else if flow.pkts[0] > 0 && flow.pkts[1] > 0 {
            flow.state = FlowState::Established;
        }
        Some((key, flow, dir))
    }

    fn slot(&self, second: u64) -> usize {
        wheel_slot(self.wheel.len(), second)
    }

    /// Ends flows whose timeout has passed at `now`. Call at least once per
    /// second of packet time; calling more often is cheap.
    pub fn tick(&mut self, now: Timestamp, c: &mut Counters, ended: &mut Vec<FlowEnd>) {
        let now_s = now.secs();
        let Some(pos) = self.wheel_pos else {
            self.wheel_pos = Some(now_s);
            return;
        };
        if now_s <= pos {
            return;
        }
        let n = self.wheel.len() as u64;
        // After a gap longer than the wheel, every slot is due once.
        let first = if now_s - pos > n {
            now_s + 1 - n
        } else {
            pos + 1
        };
        for s in first..=now_s {
            let i = self.slot(s);
            let due = std::mem::take(&mut self.wheel[i]);
            for &(key, id) in &due {
                let Some(f) = self.flows.get(&key) else {
                    continue;
                };
                if f.id != id {
                    continue; // stale entry of a flow replaced on the same key
                }
                let deadline = f.last.secs() + self.timeouts.of(f);
                if deadline <= now_s {
                    if let Some((key, flow)) = self.flows.remove_entry(&key) {
                        c.inc(Counter::FlowTimeout);
                        self.finish(key, flow, EndReason::Timeout, c, ended);
                    }
                } else {
                    let j = self.slot(deadline);
                    self.wheel[j].push((key, id));
                }
            }
            // Keep a small slot's allocation for reuse; free a large one, so
            // the wheel's memory follows the flows, not its all-time peak.
            let mut due = due;
            if due.capacity() <= WHEEL_SLOT_KEEP {
                due.clear();
                let requeued = std::mem::replace(&mut self.wheel[i], due);
                self.wheel[i].extend(requeued);
            }
        }
        self.wheel_pos = Some(now_s);
        c.set(Counter::FlowActive, self.flows.len() as u64);
        c.set(Counter::FlowMemuse, (self.flows.len() * flow_cost()) as u64);
    }

    /// Evicts the flow whose wheel entry is due soonest.
    fn evict_one(&mut self, c: &mut Counters, ended: &mut Vec<FlowEnd>) {
        let n = self.wheel.len();
        let start = self.wheel_pos.map(|p| self.slot(p + 1)).unwrap_or(0);
        for step in 0..n {
            let i = (start + step) % n;
            if self.wheel[i].is_empty() && self.wheel[i].capacity() > WHEEL_SLOT_KEEP {
                // Emptied by earlier evictions: give its memory back.
                self.wheel[i] = Vec::new();
            }
            while let Some((key, id)) = self.wheel[i].pop() {
                let live = self.flows.get(&key).map(|f| f.id == id).unwrap_or(false);
                if live {
                    if let Some((key, flow)) = self.flows.remove_entry(&key) {
                        c.inc(Counter::FlowEvicted);
                        c.inc(Counter::KagamiFlowEvicted);
                        self.finish(key, flow, EndReason::Forced, c, ended);
                        return;
                    }
                }
            }
        }
    }

    /// Ends up to `limit` open flows (end of input, or exit) and returns
    /// whether any remain; call until it returns false, writing `ended` in
    /// between, so a full table is never copied. Flows leave in the order of
    /// the timing wheel, which depends only on the packets, not on hashing.
    pub fn flush(&mut self, limit: usize, c: &mut Counters, ended: &mut Vec<FlowEnd>) -> bool {
        let n = self.wheel.len();
        let start = self.wheel_pos.map(|p| self.slot(p + 1)).unwrap_or(0);
        let mut done = 0;
        for step in 0..n {
            let i = (start + step) % n;
            while done < limit {
                let Some((key, id)) = self.wheel[i].pop() else {
                    break;
                };
                let live = self.flows.get(&key).map(|f| f.id == id).unwrap_or(false);
                if !live {
                    continue;
                }
                if let Some((key, flow)) = self.flows.remove_entry(&key) {
                    c.inc(Counter::KagamiFlowEndShutdown);
                    self.finish(key, flow, EndReason::Shutdown, c, ended);
                    done += 1;
                }
            }
            if done >= limit {
                break;
            }
        }
        if done < limit {
            // Every flow has a wheel entry; anything left is a bug, but still
            // must not be lost.
            let rest: Vec<FlowKey> = self.flows.keys().copied().collect();
            for key in rest {
                if let Some((key, flow)) = self.flows.remove_entry(&key) {
                    c.inc(Counter::KagamiFlowEndShutdown);
                    self.finish(key, flow, EndReason::Shutdown, c, ended);
                }
            }
        }
        c.set(Counter::FlowActive, self.flows.len() as u64);
        c.set(Counter::FlowMemuse, (self.flows.len() * flow_cost()) as u64);
        !self.flows.is_empty()
    }

    fn finish(
        &self,
        key: FlowKey,
        flow: Flow,
        reason: EndReason,
        c: &mut Counters,
        ended: &mut Vec<FlowEnd>,
    ) {
        c.inc(match flow.state {
            FlowState::New => Counter::FlowEndNew,
            FlowState::Established => Counter::FlowEndEstablished,
            FlowState::Closed => Counter::FlowEndClosed,
        });
        ended.push(FlowEnd { key, flow, reason });
    }
}

/// A new flow from its first packet.
fn new_flow(key: &FlowKey, lo_to_hi: bool, d: &Decoded<'_>, c: &mut Counters) -> Flow {
    c.inc(Counter::FlowTotal);
    match d.proto {
        ip_proto::TCP => c.inc(Counter::FlowTcp),
        ip_proto::UDP => c.inc(Counter::FlowUdp),
        ip_proto::ICMP => c.inc(Counter::FlowIcmpv4),
        ip_proto::ICMPV6 => c.inc(Counter::FlowIcmpv6),
        _ => {}
    }
    // The sender of the first packet is the client, except for a SYN-ACK
    // seen first: the handshake says its receiver opened the connection.
    let flags = d.tcp.map(|t| t.flags).unwrap_or(0);
    let reversed = flags & (SYN | ACK) == (SYN | ACK);
    let client_is_lo = lo_to_hi != reversed;
    let tcp = (d.proto == ip_proto::TCP).then(TcpTrack::default);
    if tcp.is_some() && flags & SYN == 0 {
        c.inc(Counter::TcpMidstreamPickups);
    }
    Flow {
        id: flow_id(key, d.ts),
        client_is_lo,
        proto: d.proto,
        start: d.ts,
        last: d.ts,
        pkts: [0; 2],
        bytes: [0; 2],
        tcp,
        icmp: [None; 2],
        state: FlowState::New,
        tunnel_depth: d.tunnel_depth,
        app: None,
        alerted: 0,
    }
}

/// Largest flow count whose hash table and wheel fit in `memcap`, and the
/// capacity to start the table with.
///
/// The table starts small and grows with the flows, so a quiet network costs
/// little memory and lookups stay in cache. A table with churn fills with
/// tombstones; hashbrown then rehashes, in place when at most half its
/// capacity holds items, into a table twice the size otherwise. Holding at
/// most `max_flows` (half the capacity of the largest table `B` allowed)
/// means the table never grows past `B`; the last growth briefly holds the
/// old table (`B/2`) beside the new one, so `1.5 × B` must fit the memcap.
fn max_flows_for(memcap: u64) -> (usize, usize) {
    let memcap = usize::try_from(memcap).unwrap_or(usize::MAX);
    let entry = size_of::<(FlowKey, Flow)>() + 1;
    let wheel = 2 * size_of::<WheelEntry>();
    // hashbrown keeps 1/8 of its buckets free and rounds buckets up to a
    // power of two: find the largest power of two whose tables fit.
    let mut buckets: usize = 1 << 3;
    while let Some(next) = buckets.checked_mul(2) {
        let flows = next / 16 * 7;
        if (next + next / 2)
            .saturating_mul(entry)
            .saturating_add(flows.saturating_mul(wheel))
            > memcap
        {
            break;
        }
        buckets = next;
    }
    let max_flows = (buckets / 16 * 7).max(1);
    (max_flows, max_flows.min(INITIAL_FLOWS))
}

/// The wheel slot of `second` in a wheel of `len` slots.
fn wheel_slot(len: usize, second: u64) -> usize {
    (second % len.max(1) as u64) as usize
}

/// Flows the table has room for before its first growth.
const INITIAL_FLOWS: usize = 4096;

/// A flow id that is the same wherever the flow is seen: a hash of its key
/// and start time, kept within 51 bits so every JSON reader holds it exactly.
fn flow_id(key: &FlowKey, start: Timestamp) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    start.hash(&mut h);
    h.finish() & ((1 << 51) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::decode::TcpMeta;
    use crate::decode::tcp_flags::FIN;

    fn pkt(ts_s: u64, src: &str, sport: u16, dst: &str, dport: u16, flags: u8) -> Decoded<'static> {
        Decoded {
            ts: Timestamp(ts_s * 1_000_000_000),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: 6,
            sport,
            dport,
            tcp: Some(TcpMeta {
                flags,
                seq: 0,
                ack: 0,
                window: 0,
            }),
            icmp: None,
            payload: &[],
            vlan: [0; 2],
            wire_len: 60,
            tunnel_depth: 0,
            src_mac: None,
        }
    }

    fn table(memcap: u64) -> FlowTable {
        let mut cfg = Config::embedded().flow;
        cfg.memcap = memcap;
        FlowTable::new(&cfg)
    }

    #[test]
    fn counts_both_directions_and_times_out() {
        let mut t = table(1 << 20);
        let mut c = Counters::default();
        let mut ended = Vec::new();
        t.update(
            &pkt(100, "10.0.0.1", 40000, "10.0.0.2", 80, SYN),
            &mut c,
            &mut ended,
        );
        t.update(
            &pkt(100, "10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK),
            &mut c,
            &mut ended,
        );
        t.update(
            &pkt(100, "10.0.0.1", 40000, "10.0.0.2", 80, ACK),
            &mut c,
            &mut ended,
        );
        let (_, f, _) = t
            .update(
                &pkt(101, "10.0.0.1", 40000, "10.0.0.2", 80, FIN | ACK),
                &mut c,
                &mut ended,
            )
            .unwrap();
        assert_eq!(f.pkts, [3, 1]);
        let key = FlowKey::of(&pkt(1, "10.0.0.1", 40000, "10.0.0.2", 80, 0)).0;
        assert_eq!(f.client(&key).1, 40000);
        t.update(
            &pkt(101, "10.0.0.2", 80, "10.0.0.1", 40000, FIN | ACK),
            &mut c,
            &mut ended,
        );
        assert_eq!(t.len(), 1);
        for s in 100..=160 {
            t.tick(Timestamp(s * 1_000_000_000), &mut c, &mut ended);
        }
        assert!(
            ended.is_empty(),
            "closed timeout is 60 s after the last packet"
        );
        t.tick(Timestamp(161 * 1_000_000_000), &mut c, &mut ended);
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].reason, EndReason::Timeout);
        assert_eq!(ended[0].flow.state, FlowState::Closed);
        assert_eq!(c.get(Counter::FlowTimeout), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn synack_first_makes_receiver_the_client() {
        let mut t = table(1 << 20);
        let mut c = Counters::default();
        let mut ended = Vec::new();
        let (_, f, dir) = t
            .update(
                &pkt(1, "10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK),
                &mut c,
                &mut ended,
            )
            .unwrap();
        assert_eq!(dir, Direction::ToClient);
        let key = FlowKey::of(&pkt(1, "10.0.0.1", 40000, "10.0.0.2", 80, 0)).0;
        assert_eq!(f.client(&key), ("10.0.0.1".parse().unwrap(), 40000));
    }

    #[test]
    fn memcap_evicts_and_counts() {
        let memcap = 64 * 1024;
        let mut t = table(memcap);
        let cap = t.capacity();
        assert!(cap > 10);
        let mut c = Counters::default();
        let mut ended = Vec::new();
        for i in 0..(cap as u16 + 50) {
            t.update(
                &pkt(1, "10.0.0.1", 1000 + i, "10.0.0.2", 80, SYN),
                &mut c,
                &mut ended,
            );
            assert!(t.len() <= cap);
        }
        assert_eq!(ended.len(), 50);
        assert!(ended.iter().all(|e| e.reason == EndReason::Forced));
        assert_eq!(c.get(Counter::KagamiFlowEvicted), 50);
        while t.flush(7, &mut c, &mut ended) {}
        assert_eq!(ended.len(), cap + 50);
        let mut ids: Vec<u64> = ended.iter().map(|e| e.flow.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cap + 50, "every flow ends exactly once");
    }

    #[test]
    fn long_gap_expires_everything_once() {
        let mut t = table(1 << 20);
        let mut c = Counters::default();
        let mut ended = Vec::new();
        t.tick(Timestamp(1_000_000_000), &mut c, &mut ended);
        t.update(
            &pkt(1, "10.0.0.1", 1, "10.0.0.2", 2, SYN),
            &mut c,
            &mut ended,
        );
        t.tick(Timestamp(10_000_000 * 1_000_000_000), &mut c, &mut ended);
        assert_eq!(ended.len(), 1);
    }

    #[test]
    fn port_reuse_after_close_starts_a_new_flow() {
        let mut t = table(1 << 20);
        let mut c = Counters::default();
        let mut ended = Vec::new();
        t.update(
            &pkt(1, "10.0.0.1", 5, "10.0.0.2", 80, SYN),
            &mut c,
            &mut ended,
        );
        t.update(
            &pkt(1, "10.0.0.2", 80, "10.0.0.1", 5, RST | ACK),
            &mut c,
            &mut ended,
        );
        t.update(
            &pkt(2, "10.0.0.1", 5, "10.0.0.2", 80, SYN),
            &mut c,
            &mut ended,
        );
        assert_eq!(ended.len(), 1);
        assert_eq!(t.len(), 1);
        assert_eq!(c.get(Counter::FlowTotal), 2);
    }
}
