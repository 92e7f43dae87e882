//! Counters: every limit hit, every malformed packet, every record written.
//!
//! Each counter has one dotted name. Names under a Suricata `stats` section
//! (`decoder.`, `flow.`, `defrag.`, `capture.`, `tcp.`) are Suricata's own
//! names and go into the EVE `stats` record, which its schema checks strictly;
//! names under `kagami.` have no Suricata equivalent and go only to kagami's
//! metrics file. A stage owns a [`Counters`] and increments by enum, so the
//! hot path is an array index, never a string.

use serde_json::{Map, Value};

macro_rules! counters {
    ($( $(#[$doc:meta])* $var:ident => $name:literal, $kind:ident; )*) => {
        /// Every counter kagami keeps.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(usize)]
        pub enum Counter { $( $(#[$doc])* $var, )* }
        impl Counter {
            /// All counters, in declaration order.
            pub const ALL: &'static [Counter] = &[ $( Counter::$var, )* ];
            /// The dotted name (Suricata's where it has one).
            pub fn name(self) -> &'static str {
                match self { $( Counter::$var => $name, )* }
            }
            /// How values from several workers combine.
            pub fn kind(self) -> Kind {
                match self { $( Counter::$var => Kind::$kind, )* }
            }
        }
        /// Number of counters.
        pub const COUNTER_COUNT: usize = [$( Counter::$var, )*].len();
    };
}

/// How a counter combines across workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Events counted: summed.
    Sum,
    /// A level (active flows, memory in use): summed, but not monotonic.
    Gauge,
    /// A high-water mark: the maximum.
    Max,
}

counters! {
    CaptureKernelPackets => "capture.kernel_packets", Gauge;
    CaptureKernelDrops => "capture.kernel_drops", Gauge;
    CaptureKernelIfdrops => "capture.kernel_ifdrops", Gauge;
    CaptureErrors => "capture.errors", Gauge;

    DecoderPkts => "decoder.pkts", Sum;
    DecoderBytes => "decoder.bytes", Sum;
    DecoderInvalid => "decoder.invalid", Sum;
    DecoderEthernet => "decoder.ethernet", Sum;
    DecoderSll => "decoder.sll", Sum;
    DecoderSll2 => "decoder.sll2", Sum;
    DecoderNull => "decoder.null", Sum;
    DecoderRaw => "decoder.raw", Sum;
    DecoderVlan => "decoder.vlan", Sum;
    DecoderVlanQinq => "decoder.vlan_qinq", Sum;
    DecoderVlanQinqinq => "decoder.vlan_qinqinq", Sum;
    DecoderArp => "decoder.arp", Sum;
    DecoderIpv4 => "decoder.ipv4", Sum;
    DecoderIpv6 => "decoder.ipv6", Sum;
    DecoderTcp => "decoder.tcp", Sum;
    DecoderUdp => "decoder.udp", Sum;
    DecoderIcmpv4 => "decoder.icmpv4", Sum;
    DecoderIcmpv6 => "decoder.icmpv6", Sum;
    DecoderSctp => "decoder.sctp", Sum;
    DecoderEsp => "decoder.esp", Sum;
    DecoderIgmp => "decoder.igmp", Sum;
    DecoderGre => "decoder.gre", Sum;
    DecoderErspan => "decoder.erspan", Sum;
    DecoderVxlan => "decoder.vxlan", Sum;
    DecoderIpv4InIpv4 => "decoder.ipv4_in_ipv4", Sum;
    DecoderIpv6InIpv4 => "decoder.ipv6_in_ipv4", Sum;
    DecoderIpv4InIpv6 => "decoder.ipv4_in_ipv6", Sum;
    DecoderIpv6InIpv6 => "decoder.ipv6_in_ipv6", Sum;
    DecoderPppoe => "decoder.pppoe", Sum;
    DecoderPpp => "decoder.ppp", Sum;
    DecoderMpls => "decoder.mpls", Sum;
    DecoderUnknownEthertype => "decoder.unknown_ethertype", Sum;
    DecoderTooManyLayers => "decoder.too_many_layers", Sum;
    DecoderMaxPktSize => "decoder.max_pkt_size", Max;
    DecoderAvgPktSize => "decoder.avg_pkt_size", Gauge;

    EthPktTooSmall => "decoder.event.ethernet.pkt_too_small", Sum;
    SllPktTooSmall => "decoder.event.sll.pkt_too_small", Sum;
    Sll2PktTooSmall => "decoder.event.sll2.pkt_too_small", Sum;
    NullPktTooSmall => "decoder.event.ltnull.pkt_too_small", Sum;
    NullUnsupportedType => "decoder.event.ltnull.unsupported_type", Sum;
    RawInvalidIpVersion => "decoder.event.ipraw.invalid_ip_version", Sum;
    VlanHeaderTooSmall => "decoder.event.vlan.header_too_small", Sum;
    VlanTooManyLayers => "decoder.event.vlan.too_many_layers", Sum;
    ArpPktTooSmall => "decoder.event.arp.pkt_too_small", Sum;
    Ipv4PktTooSmall => "decoder.event.ipv4.pkt_too_small", Sum;
    Ipv4HlenTooSmall => "decoder.event.ipv4.hlen_too_small", Sum;
    Ipv4IplenSmallerThanHlen => "decoder.event.ipv4.iplen_smaller_than_hlen", Sum;
    Ipv4TruncPkt => "decoder.event.ipv4.trunc_pkt", Sum;
    Ipv4WrongIpVersion => "decoder.event.ipv4.wrong_ip_version", Sum;
    Ipv4FragOverlap => "decoder.event.ipv4.frag_overlap", Sum;
    Ipv4FragPktTooLarge => "decoder.event.ipv4.frag_pkt_too_large", Sum;
    Ipv6PktTooSmall => "decoder.event.ipv6.pkt_too_small", Sum;
    Ipv6TruncPkt => "decoder.event.ipv6.trunc_pkt", Sum;
    Ipv6TruncExthdr => "decoder.event.ipv6.trunc_exthdr", Sum;
    Ipv6WrongIpVersion => "decoder.event.ipv6.wrong_ip_version", Sum;
    Ipv6FragOverlap => "decoder.event.ipv6.frag_overlap", Sum;
    Ipv6FragPktTooLarge => "decoder.event.ipv6.frag_pkt_too_large", Sum;
    TcpPktTooSmall => "decoder.event.tcp.pkt_too_small", Sum;
    TcpHlenTooSmall => "decoder.event.tcp.hlen_too_small", Sum;
    UdpPktTooSmall => "decoder.event.udp.pkt_too_small", Sum;
    UdpLenInvalid => "decoder.event.udp.len_invalid", Sum;
    UdpHlenInvalid => "decoder.event.udp.hlen_invalid", Sum;
    Icmpv4PktTooSmall => "decoder.event.icmpv4.pkt_too_small", Sum;
    Icmpv6PktTooSmall => "decoder.event.icmpv6.pkt_too_small", Sum;
    GrePktTooSmall => "decoder.event.gre.pkt_too_small", Sum;
    GreWrongVersion => "decoder.event.gre.wrong_version", Sum;
    GreVersion0HdrTooBig => "decoder.event.gre.version0_hdr_too_big", Sum;
    ErspanHeaderTooSmall => "decoder.event.erspan.header_too_small", Sum;
    ErspanUnsupportedVersion => "decoder.event.erspan.unsupported_version", Sum;
    PppoePktTooSmall => "decoder.event.pppoe.pkt_too_small", Sum;
    PppoeWrongCode => "decoder.event.pppoe.wrong_code", Sum;
    MplsHeaderTooSmall => "decoder.event.mpls.header_too_small", Sum;
    MplsUnknownPayloadType => "decoder.event.mpls.unknown_payload_type", Sum;
    VxlanUnknownPayloadType => "decoder.event.vxlan.unknown_payload_type", Sum;

    DefragIpv4Fragments => "defrag.ipv4.fragments", Sum;
    DefragIpv4Reassembled => "defrag.ipv4.reassembled", Sum;
    DefragIpv4Timeouts => "defrag.ipv4.timeouts", Sum;
    DefragIpv6Fragments => "defrag.ipv6.fragments", Sum;
    DefragIpv6Reassembled => "defrag.ipv6.reassembled", Sum;
    DefragIpv6Timeouts => "defrag.ipv6.timeouts", Sum;
    DefragMaxTrackersReached => "defrag.max_trackers_reached", Sum;
    DefragMaxFragsReached => "defrag.max_frags_reached", Sum;
    DefragMemuse => "defrag.memuse", Gauge;

    FlowTotal => "flow.total", Sum;
    FlowTcp => "flow.tcp", Sum;
    FlowUdp => "flow.udp", Sum;
    FlowIcmpv4 => "flow.icmpv4", Sum;
    FlowIcmpv6 => "flow.icmpv6", Sum;
    FlowActive => "flow.active", Gauge;
    FlowMemuse => "flow.memuse", Gauge;
    /// Times a new flow found the table at its memcap.
    FlowMemcap => "flow.memcap", Sum;
    FlowTimeout => "flow.mgr.flows_timeout", Sum;
    FlowEvicted => "flow.mgr.flows_evicted", Sum;
    FlowEndNew => "flow.end.state.new", Sum;
    FlowEndEstablished => "flow.end.state.established", Sum;
    FlowEndClosed => "flow.end.state.closed", Sum;
    TcpSyn => "tcp.syn", Sum;
    TcpSynack => "tcp.synack", Sum;
    TcpRst => "tcp.rst", Sum;
    TcpSessions => "tcp.sessions", Sum;
    TcpMidstreamPickups => "tcp.midstream_pickups", Sum;
    /// Segments (or parts) that repeated bytes already seen.
    TcpOverlap => "tcp.overlap", Sum;
    /// Holes in a stream given up on (window full, or the flow ended).
    TcpReassemblyGap => "tcp.reassembly_gap", Sum;
    /// Bytes held out of order, now.
    TcpReassemblyMemuse => "tcp.reassembly_memuse", Gauge;
    /// Streams whose parser stopped wanting data before the stream ended.
    TcpStreamDepthReached => "tcp.stream_depth_reached", Sum;
    AppLayerFailedTcp => "app_layer.flow.failed_tcp", Sum;
    AppLayerFailedUdp => "app_layer.flow.failed_udp", Sum;

    KagamiCaptureFiles => "kagami.capture.files", Gauge;
    KagamiCaptureTruncated => "kagami.capture.truncated_packets", Gauge;
    KagamiDecodeUnknownLinktype => "kagami.decode.unknown_linktype", Sum;
    KagamiDecodeNoIp => "kagami.decode.no_ip_layer", Sum;
    KagamiDecodeOtherIpProto => "kagami.decode.other_ip_protocol", Sum;
    KagamiFlowEvicted => "kagami.flow.evicted_memcap", Sum;
    KagamiFlowEndShutdown => "kagami.flow.ended_at_shutdown", Sum;
    KagamiFlowPeak => "kagami.flow.active_peak", Max;
    KagamiDefragMemcapDrops => "kagami.defrag.memcap_drops", Sum;
    KagamiDefragIncompleteAtEnd => "kagami.defrag.incomplete_at_end", Sum;
    KagamiDefragInvalid => "kagami.defrag.invalid_fragments", Sum;
    /// Peak resident memory of the process (VmHWM), bytes.
    KagamiProcessPeakRss => "kagami.process.peak_rss_bytes", Max;
    /// Bytes a parser left unconsumed that did not fit the pending limit.
    KagamiAppPendingOverflow => "kagami.app_layer.pending_overflow", Sum;
    /// Transactions not logged because the flow hit its event cap.
    KagamiAppEventCap => "kagami.app_layer.event_cap_reached", Sum;
    /// Flows whose protocol changed in the middle (STARTTLS and the like).
    KagamiAppUpgrades => "kagami.app_layer.upgrades", Sum;
    KagamiOutputRecords => "kagami.output.records", Sum;
    KagamiOutputFlow => "kagami.output.flow", Sum;
    KagamiOutputStats => "kagami.output.stats", Sum;
    /// Application-layer records (dns, tls, http, …).
    KagamiOutputApp => "kagami.output.app", Sum;
    /// ARP senders not passed on because too many arrived between two packets' worth of work.
    KagamiDecodeArpDropped => "kagami.decode.arp_dropped", Sum;
    /// Alert records.
    KagamiOutputAlert => "kagami.output.alert", Sum;
    KagamiOutputBytes => "kagami.output.bytes", Sum;
    /// Alerts raised (Suricata's `detect.alert`).
    DetectAlert => "detect.alert", Sum;
    /// Host-level alerts held back by `detect.host_alert_window`.
    DetectAlertsSuppressed => "detect.alerts_suppressed", Sum;
    /// Alerts a flow had already raised (one per flow and signature).
    KagamiDetectRepeatSuppressed => "kagami.detect.repeat_suppressed", Sum;
    /// Hosts forgotten by the host detectors at `detect.max_hosts`.
    KagamiDetectHostsEvicted => "kagami.detect.hosts_evicted", Sum;
    /// Approved devices in the inventory (`inventory.file`).
    KagamiDetectInventoryDevices => "kagami.detect.unapproved_device.inventory_devices", Gauge;
    /// 1 when the unapproved-device detector is off (no inventory configured).
    KagamiDetectUnapprovedDeviceOff => "kagami.detect.unapproved_device.off", Gauge;
    KagamiOutputErrors => "kagami.output.write_errors", Sum;
}

/// A block of counters owned by one stage or worker.
#[derive(Debug, Clone)]
pub struct Counters {
    values: [u64; COUNTER_COUNT],
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            values: [0; COUNTER_COUNT],
        }
    }
}

impl Counters {
    /// Adds one.
    #[inline]
    pub fn inc(&mut self, c: Counter) {
        self.add(c, 1);
    }
    /// Adds `n`.
    #[inline]
    pub fn add(&mut self, c: Counter, n: u64) {
        if let Some(v) = self.values.get_mut(c as usize) {
            *v = v.saturating_add(n);
        }
    }
    /// Sets a gauge.
    #[inline]
    pub fn set(&mut self, c: Counter, n: u64) {
        if let Some(v) = self.values.get_mut(c as usize) {
            *v = n;
        }
    }
    /// Raises a high-water mark.
    #[inline]
    pub fn max(&mut self, c: Counter, n: u64) {
        if let Some(v) = self.values.get_mut(c as usize) {
            *v = (*v).max(n);
        }
    }
    /// Current value.
    #[inline]
    pub fn get(&self, c: Counter) -> u64 {
        self.values.get(c as usize).copied().unwrap_or(0)
    }
    /// Combines another worker's counters into these.
    pub fn merge(&mut self, other: &Counters) {
        for &c in Counter::ALL {
            match c.kind() {
                Kind::Sum | Kind::Gauge => self.add(c, other.get(c)),
                Kind::Max => self.max(c, other.get(c)),
            }
        }
    }

    /// The Suricata-named counters as the nested object of an EVE `stats` record.
    pub fn to_eve_stats(&self, uptime_secs: u64) -> Value {
        let mut root = Map::new();
        root.insert("uptime".into(), Value::from(uptime_secs));
        for &c in Counter::ALL {
            let name = c.name();
            if name.starts_with("kagami.") {
                continue;
            }
            let value = if c == Counter::DecoderAvgPktSize {
                self.get(Counter::DecoderBytes)
                    .checked_div(self.get(Counter::DecoderPkts))
                    .unwrap_or(0)
            } else {
                self.get(c)
            };
            insert_dotted(&mut root, name, value);
        }
        Value::Object(root)
    }

    /// Every counter, flat, by dotted name (kagami's metrics output).
    pub fn to_flat(&self) -> Map<String, Value> {
        Counter::ALL
            .iter()
            .map(|&c| (c.name().to_string(), Value::from(self.get(c))))
            .collect()
    }
}

/// Inserts `value` at a dotted path of nested objects.
pub fn insert_dotted(root: &mut Map<String, Value>, name: &str, value: u64) {
    let mut node = root;
    let mut parts = name.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_string(), Value::from(value));
            return;
        }
        let child = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        match child {
            Value::Object(m) => node = m,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Counter::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn nests_and_hides_kagami_names() {
        let mut c = Counters::default();
        c.add(Counter::DecoderPkts, 4);
        c.add(Counter::DecoderBytes, 400);
        c.inc(Counter::Ipv4TruncPkt);
        c.inc(Counter::KagamiOutputRecords);
        let v = c.to_eve_stats(7);
        assert_eq!(v["decoder"]["pkts"], 4);
        assert_eq!(v["decoder"]["avg_pkt_size"], 100);
        assert_eq!(v["decoder"]["event"]["ipv4"]["trunc_pkt"], 1);
        assert_eq!(v["uptime"], 7);
        assert!(v.get("kagami").is_none());
        assert_eq!(c.to_flat()["kagami.output.records"], 1);
    }

    #[test]
    fn merge_sums_and_maxes() {
        let mut a = Counters::default();
        let mut b = Counters::default();
        a.add(Counter::DecoderPkts, 2);
        b.add(Counter::DecoderPkts, 3);
        a.max(Counter::DecoderMaxPktSize, 100);
        b.max(Counter::DecoderMaxPktSize, 60);
        a.merge(&b);
        assert_eq!(a.get(Counter::DecoderPkts), 5);
        assert_eq!(a.get(Counter::DecoderMaxPktSize), 100);
    }
}
