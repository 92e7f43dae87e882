//! `write_tunnels`: one small HTTP-over-TCP flow, repeated under each
//! supported encapsulation (VLAN, QinQ, GRE, ERSPAN II/III, VXLAN, IP-in-IP,
//! IPv6-in-IPv4).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path as FsPath;

use super::{DEMO_START_NS, MS, http_session};
use crate::synth::flow::{Path, SynthSummary, Tunnel};
use crate::synth::link::{TPID_8021AD, TPID_8021Q};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::writer::Output;

/// Writes the tunnel capture (Ethernet, classic pcap). The inner flow is
/// 10.30.0.5:4000N → 10.30.0.9:80 (handshake, one HTTP GET/200, FIN) with
/// N = 0 plain, 1 802.1Q vlan 100, 2 QinQ 200/300, 3 GRE, 4 ERSPAN II,
/// 5 ERSPAN III, 6 VXLAN (VNI 4242), 7 IPv4-in-IPv4, 8 IPv6-in-IPv4 (inner
/// fd00::5 → fd00::9). Tunnels run between 172.16.0.1 and 172.16.0.2.
/// Each `FlowTruth` describes the inner flow; bytes are outer frame lengths.
pub fn write_tunnels(path: &FsPath) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(0x7475_6e6e_656c);
    let mut sink = Sink::create(path, &Output::default(), true)?;
    let cmac = [0x02, 0x00, 0x0a, 0x1e, 0x00, 0x05];
    let smac = [0x02, 0x00, 0x0a, 0x1e, 0x00, 0x09];
    let base = Path::new(cmac, smac);
    let with = |vlans: Vec<(u16, u16)>, tunnel: Tunnel| Path {
        vlans,
        tunnel,
        ..base.clone()
    };
    let variants = [
        with(vec![], Tunnel::None),
        with(vec![(TPID_8021Q, 100)], Tunnel::None),
        with(vec![(TPID_8021AD, 200), (TPID_8021Q, 300)], Tunnel::None),
        with(vec![], Tunnel::Gre),
        with(vec![], Tunnel::ErspanII),
        with(vec![], Tunnel::ErspanIII),
        with(vec![], Tunnel::Vxlan),
        with(vec![], Tunnel::IpInIp),
        with(vec![], Tunnel::IpInIp),
    ];
    let mut flows = Vec::new();
    let mut t = DEMO_START_NS;
    for (i, p) in variants.into_iter().enumerate() {
        let port = 40000 + i as u16;
        let (c, s) = if i == 8 {
            (
                IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 5)),
                IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 9)),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(10, 30, 0, 5)),
                IpAddr::V4(Ipv4Addr::new(10, 30, 0, 9)),
            )
        };
        let conv = TcpConv::new(
            SocketAddr::new(c, port),
            SocketAddr::new(s, 80),
            p,
            t,
            5 * MS,
            rng.next_u64(),
        );
        let (f, end) = http_session(
            &mut sink,
            &mut rng,
            conv,
            "tunnel.example",
            "/hello.txt",
            1_200,
        )?;
        flows.push(f);
        t = end + 1000 * MS;
    }
    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
