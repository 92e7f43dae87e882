//! Ground-truth types (`FlowTruth`, `SynthSummary`) and the small shared
//! vocabulary of the generator: direction, per-direction counters and the
//! link/tunnel path a flow's packets travel on.

use std::net::SocketAddr;

/// Ground truth for one flow the generator wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowTruth {
    /// IP protocol: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6.
    pub proto: u8,
    /// Initiator (source of the flow's first packet). Port 0 for ICMP.
    pub client: SocketAddr,
    /// Responder. Port 0 for ICMP.
    pub server: SocketAddr,
    /// Packets client → server.
    pub pkts_toserver: u64,
    /// Packets server → client.
    pub pkts_toclient: u64,
    /// Sum of frame lengths client → server, link header included
    /// (the pcap record's orig_len; the outer frame for tunnels).
    pub bytes_toserver: u64,
    /// Sum of frame lengths server → client (see `bytes_toserver`).
    pub bytes_toclient: u64,
    /// Application protocol: "dns", "tls", "http", "smtp" or "" if none.
    pub app: &'static str,
    /// Outer-to-inner 802.1Q/802.1ad VLAN ids of the (inner) packets; empty if none.
    pub vlan: Vec<u16>,
}

/// What a `write_*` function wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SynthSummary {
    /// Records written to the file.
    pub packets: u64,
    /// Sum of the records' original (wire) lengths.
    pub bytes: u64,
    /// Ground truth of every flow, in order of first packet written — except
    /// for `write_flood` and `write_bulk`, which leave this empty to keep
    /// memory small and only set `flow_count`.
    pub flows: Vec<FlowTruth>,
    /// Number of flows written (equals `flows.len()` when `flows` is filled).
    pub flow_count: u64,
}

impl SynthSummary {
    /// A summary that lists every flow it counts.
    pub fn with_flows(packets: u64, bytes: u64, flows: Vec<FlowTruth>) -> SynthSummary {
        let flow_count = flows.len() as u64;
        SynthSummary {
            packets,
            bytes,
            flows,
            flow_count,
        }
    }
}

/// Direction of a packet within a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Client → server.
    ToServer,
    /// Server → client.
    ToClient,
}

impl Dir {
    /// 0 for to-server, 1 for to-client (index into per-direction arrays).
    #[inline]
    pub fn idx(self) -> usize {
        match self {
            Dir::ToServer => 0,
            Dir::ToClient => 1,
        }
    }

    /// The opposite direction.
    #[inline]
    pub fn rev(self) -> Dir {
        match self {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        }
    }
}

/// Per-direction packet and byte counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Packets per direction (index `Dir::idx`).
    pub pkts: [u64; 2],
    /// Frame bytes per direction.
    pub bytes: [u64; 2],
}

impl Counts {
    /// Counts one frame of `len` bytes in `dir`.
    #[inline]
    pub fn add(&mut self, dir: Dir, len: u64) {
        self.pkts[dir.idx()] += 1;
        self.bytes[dir.idx()] += len;
    }

    /// Builds the flow's ground truth.
    pub fn truth(
        &self,
        proto: u8,
        client: SocketAddr,
        server: SocketAddr,
        app: &'static str,
        path: &Path,
    ) -> FlowTruth {
        FlowTruth {
            proto,
            client,
            server,
            pkts_toserver: self.pkts[0],
            pkts_toclient: self.pkts[1],
            bytes_toserver: self.bytes[0],
            bytes_toclient: self.bytes[1],
            app,
            vlan: path.vlans.iter().map(|v| v.1).collect(),
        }
    }
}

/// Encapsulation applied around a flow's IP packets (Ethernet output).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Tunnel {
    /// No tunnel.
    #[default]
    None,
    /// Plain GRE (protocol = inner EtherType).
    Gre,
    /// GRE 0x88be with sequence numbers + ERSPAN type II header + inner Ethernet.
    ErspanII,
    /// GRE 0x22eb with sequence numbers + ERSPAN type III header + inner Ethernet.
    ErspanIII,
    /// UDP/4789 VXLAN (VNI 4242) + inner Ethernet.
    Vxlan,
    /// IP-in-IPv4 (protocol 4 for inner IPv4, 41 for inner IPv6).
    IpInIp,
}

/// How a flow's packets are framed: MACs, VLAN tags and tunnel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path {
    /// MAC of the client side (source of to-server frames).
    pub client_mac: [u8; 6],
    /// MAC of the server side (gateway for off-net servers).
    pub server_mac: [u8; 6],
    /// VLAN tags outer-to-inner as (TPID, id).
    pub vlans: Vec<(u16, u16)>,
    /// Tunnel encapsulation.
    pub tunnel: Tunnel,
}

impl Path {
    /// A plain Ethernet path between two MACs.
    pub fn new(client_mac: [u8; 6], server_mac: [u8; 6]) -> Path {
        Path {
            client_mac,
            server_mac,
            vlans: Vec::new(),
            tunnel: Tunnel::None,
        }
    }
}

/// A locally administered MAC derived from an IPv4/IPv6 address's last bytes.
pub(crate) fn mac_for(ip: std::net::IpAddr) -> [u8; 6] {
    let o: [u8; 4] = match ip {
        std::net::IpAddr::V4(a) => a.octets(),
        std::net::IpAddr::V6(a) => {
            let b = a.octets();
            [b[12], b[13], b[14], b[15]]
        }
    };
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}
