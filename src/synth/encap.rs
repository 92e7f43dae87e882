//! Tunnel encapsulation: wraps an inner IP packet (or inner Ethernet frame)
//! in GRE, ERSPAN II/III, VXLAN or IP-in-IP inside an outer IPv4 packet
//! between the tunnel endpoints 172.16.0.1 and 172.16.0.2.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::flow::Tunnel;
use super::link::{ETH_IPV4, ETH_IPV6, L2, push_ethernet};
use super::packet::{push_ip_raw, udp_header};

/// Outer tunnel endpoint A (client side).
pub const TUNNEL_A: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);
/// Outer tunnel endpoint B (server side).
pub const TUNNEL_B: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);
/// MAC of tunnel endpoint A.
pub const TUNNEL_A_MAC: [u8; 6] = [0x02, 0x00, 0xac, 0x10, 0x00, 0x01];
/// MAC of tunnel endpoint B.
pub const TUNNEL_B_MAC: [u8; 6] = [0x02, 0x00, 0xac, 0x10, 0x00, 0x02];
/// VXLAN network identifier used for VXLAN tunnels.
pub const VXLAN_VNI: u32 = 4242;
/// ERSPAN session id.
pub const ERSPAN_SESSION: u16 = 7;

/// Mutable per-file tunnel state (GRE sequence numbers, outer IP ids).
#[derive(Debug, Default)]
pub(crate) struct EncapState {
    gre_seq: u32,
    ip_id: u16,
}

impl EncapState {
    /// Appends the outer IPv4 packet that carries `l3` (an IP packet of
    /// `ethertype`) through `tunnel` to `out`. `inner` gives the MACs/VLANs of
    /// the inner Ethernet frame for ERSPAN/VXLAN; `forward` says whether the
    /// packet travels A→B (to-server) or B→A. ERSPAN always flows A→B
    /// (mirror source to collector). `ts_ns` feeds the ERSPAN III timestamp.
    #[allow(clippy::too_many_arguments)]
    pub fn wrap(
        &mut self,
        out: &mut Vec<u8>,
        tunnel: Tunnel,
        inner: &L2<'_>,
        ethertype: u16,
        l3: &[u8],
        forward: bool,
        ts_ns: u64,
    ) -> io::Result<()> {
        let (mut src, mut dst) = (TUNNEL_A, TUNNEL_B);
        if !forward {
            std::mem::swap(&mut src, &mut dst);
        }
        self.ip_id = self.ip_id.wrapping_add(1);
        let mut payload = Vec::with_capacity(l3.len() + 64);
        let proto = match tunnel {
            Tunnel::None => return Err(io::Error::other("no tunnel")),
            Tunnel::Gre => {
                payload.extend_from_slice(&[0, 0]);
                payload.extend_from_slice(&ethertype.to_be_bytes());
                payload.extend_from_slice(l3);
                47
            }
            Tunnel::ErspanII | Tunnel::ErspanIII => {
                (src, dst) = (TUNNEL_A, TUNNEL_B);
                self.gre_seq = self.gre_seq.wrapping_add(1);
                let ii = tunnel == Tunnel::ErspanII;
                payload.extend_from_slice(&[0x10, 0x00]); // S flag, version 0
                payload.extend_from_slice(&(if ii { 0x88beu16 } else { 0x22eb }).to_be_bytes());
                payload.extend_from_slice(&self.gre_seq.to_be_bytes());
                // Ver(4) | VLAN(12)
                let ver: u16 = if ii { 1 } else { 2 };
                payload.extend_from_slice(&(ver << 12).to_be_bytes());
                // COS(3) | En/BSO(2) | T(1) | Session ID(10)
                payload.extend_from_slice(&ERSPAN_SESSION.to_be_bytes());
                if ii {
                    // Reserved(12) | Index(20)
                    payload.extend_from_slice(&0u32.to_be_bytes());
                } else {
                    // Timestamp (100 ns granularity, low 32 bits).
                    payload.extend_from_slice(&((ts_ns / 100) as u32).to_be_bytes());
                    payload.extend_from_slice(&0u16.to_be_bytes()); // SGT
                    // P(1) FT(5)=0 Ethernet | HW ID(6) | D(1) | Gra(2)=01 | O(1)=0
                    payload.extend_from_slice(&0x0002u16.to_be_bytes());
                }
                push_ethernet(&mut payload, inner, ethertype)?;
                payload.extend_from_slice(l3);
                47
            }
            Tunnel::Vxlan => {
                let mut vx = Vec::with_capacity(l3.len() + 32);
                vx.extend_from_slice(&[0x08, 0, 0, 0]);
                vx.extend_from_slice(&(VXLAN_VNI << 8).to_be_bytes());
                push_ethernet(&mut vx, inner, ethertype)?;
                vx.extend_from_slice(l3);
                // Source port from a hash of the inner addresses, as VTEPs do.
                let h = l3
                    .iter()
                    .skip(12)
                    .take(8)
                    .fold(0u16, |a, &b| a.rotate_left(3) ^ u16::from(b));
                let sport = 49152 + (h & 0x3fff);
                let s = SocketAddr::new(IpAddr::V4(src), sport);
                let d = SocketAddr::new(IpAddr::V4(dst), 4789);
                let udp = udp_header(s, d, &vx)?;
                udp.write(&mut payload)?;
                payload.extend_from_slice(&vx);
                17
            }
            Tunnel::IpInIp => {
                payload.extend_from_slice(l3);
                match ethertype {
                    ETH_IPV4 => 4,
                    ETH_IPV6 => 41,
                    _ => return Err(io::Error::other("IP-in-IP needs an IP payload")),
                }
            }
        };
        push_ip_raw(
            out,
            IpAddr::V4(src),
            IpAddr::V4(dst),
            proto,
            &payload,
            self.ip_id,
        )?;
        Ok(())
    }
}
