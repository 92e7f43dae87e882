//! Decode: from link-layer bytes to a flow-ready [`Decoded`] view.
//!
//! Built on etherparse's lax slicing (Ethernet, 802.1Q/QinQ, ARP, IPv4 with
//! options, IPv6 with extension headers, TCP, UDP, ICMP); this module adds the
//! link types and tunnels etherparse leaves out ([`link`], [`gre`] with ERSPAN,
//! [`vxlan`], IP-in-IP) and bounded fragment reassembly ([`defrag`]).
//!
//! Nothing is copied: a [`Decoded`] borrows the packet (or, for a reassembled
//! datagram, the reassembly buffer) and is handed to a callback. Malformed
//! input is counted under Suricata's decoder event names and never stops the
//! run. What to do with a decoded packet is left to [`crate::flow`].

pub mod defrag;
pub mod gre;
pub mod link;
pub mod mpls;
pub mod pppoe;
pub mod vxlan;

use std::net::IpAddr;

use etherparse::err::Layer;
use etherparse::{
    EtherType, Icmpv4Slice, Icmpv6Slice, Ipv6ExtensionSlice, LaxLinkExtSlice, LaxNetSlice,
    LaxSlicedPacket, LenSource, TcpSlice, TransportSlice, UdpSlice,
};

use crate::capture::{LinkType, RawPacket};
use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::time::Timestamp;
use defrag::{Defrag, FragKey, Fragment};

/// TCP flag bits as they appear in byte 13 of the header (RFC 9293 §3.1).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// IP protocol numbers kagami treats specially.
pub mod ip_proto {
    pub const ICMP: u8 = 1;
    pub const IGMP: u8 = 2;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const GRE: u8 = 47;
    pub const ESP: u8 = 50;
    pub const ICMPV6: u8 = 58;
    pub const SCTP: u8 = 132;
}

/// The TCP fields flow tracking needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpMeta {
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
}

/// A packet decoded down to its innermost transport layer.
#[derive(Debug, Clone, Copy)]
pub struct Decoded<'a> {
    pub ts: Timestamp,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the innermost layer.
    pub proto: u8,
    /// Ports; ICMP type and code for ICMP; 0 for protocols without ports.
    pub sport: u16,
    pub dport: u16,
    pub tcp: Option<TcpMeta>,
    /// ICMP type and code, for ICMP and ICMPv6.
    pub icmp: Option<(u8, u8)>,
    /// Transport payload.
    pub payload: &'a [u8],
    /// Outer and inner 802.1Q ids of the innermost frame (0 = none).
    pub vlan: [u16; 2],
    /// Bytes of the whole frame on the wire (what `flow.bytes_*` count).
    pub wire_len: u32,
    /// Encapsulation layers removed to get here.
    pub tunnel_depth: u8,
    /// Source MAC address of the innermost Ethernet frame, if there was one.
    pub src_mac: Option<[u8; 6]>,
}

#[derive(Debug, Clone, Copy)]
struct Ctx {
    ts: Timestamp,
    wire_len: u32,
    vlan: [u16; 2],
    depth: u8,
    /// Source MAC of the innermost Ethernet frame so far.
    src_mac: Option<[u8; 6]>,
}

/// The sender of an ARP packet: a device claiming an IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpSighting {
    pub ts: Timestamp,
    pub mac: [u8; 6],
    pub ip: std::net::Ipv4Addr,
}

/// ARP senders kept between two calls of [`Decoder::take_arp`].
pub const MAX_ARP_PENDING: usize = 4096;

/// The decoder: stateless but for fragment reassembly.
pub struct Decoder {
    /// ARP senders seen and not yet taken.
    arp: Vec<ArpSighting>,
    max_layers: u8,
    vxlan_ports: Vec<u16>,
    defrag: Defrag,
}

type Out<'o> = dyn FnMut(&Decoded<'_>, &mut Counters) + 'o;

impl Decoder {
    /// A decoder configured from `[decode]` and `[defrag]`.
    pub fn new(cfg: &Config) -> Decoder {
        Decoder {
            arp: Vec::new(),
            max_layers: u8::try_from(cfg.decode.max_layers).unwrap_or(u8::MAX),
            vxlan_ports: cfg.decode.vxlan_ports.clone(),
            defrag: Defrag::new(
                cfg.defrag.memcap,
                cfg.defrag.max_trackers,
                cfg.defrag.timeout,
            ),
        }
    }

    /// ARP senders seen since the last call (the caller decides what they mean).
    pub fn take_arp(&mut self, into: &mut Vec<ArpSighting>) {
        into.append(&mut self.arp);
    }

    /// Expires stale fragment trackers (call about once a second of packet time).
    pub fn tick(&mut self, now: Timestamp, c: &mut Counters) {
        self.defrag.expire(now, c);
    }

    /// End of input: datagrams still waiting for fragments are counted and dropped.
    pub fn finish(&mut self, c: &mut Counters) {
        self.defrag.drop_all(c);
    }

    /// Decodes one packet; `out` sees each transport-layer packet found (none
    /// for ARP, malformed frames or incomplete fragments).
    pub fn decode(&mut self, pkt: &RawPacket<'_>, c: &mut Counters, out: &mut Out<'_>) {
        let wire_len = pkt
            .orig_len
            .max(u32::try_from(pkt.data.len()).unwrap_or(u32::MAX));
        c.inc(Counter::DecoderPkts);
        c.add(Counter::DecoderBytes, u64::from(wire_len));
        c.max(Counter::DecoderMaxPktSize, u64::from(wire_len));
        let ctx = Ctx {
            ts: pkt.ts,
            wire_len,
            vlan: [0; 2],
            depth: 0,
            src_mac: None,
        };
        let data = pkt.data;
        match pkt.link {
            LinkType::ETHERNET => {
                c.inc(Counter::DecoderEthernet);
                self.ethernet(data, ctx, c, out);
            }
            LinkType::LINUX_SLL | LinkType::LINUX_SLL2 => {
                let v2 = pkt.link == LinkType::LINUX_SLL2;
                c.inc(if v2 {
                    Counter::DecoderSll2
                } else {
                    Counter::DecoderSll
                });
                match if v2 {
                    link::sll2(data)
                } else {
                    link::sll(data)
                } {
                    Some(next) => self.link_next(next, ctx, c, out),
                    None => {
                        c.inc(if v2 {
                            Counter::Sll2PktTooSmall
                        } else {
                            Counter::SllPktTooSmall
                        });
                        c.inc(Counter::DecoderInvalid);
                    }
                }
            }
            LinkType::NULL | LinkType::LOOP => {
                c.inc(Counter::DecoderNull);
                match link::null(data, pkt.link == LinkType::LOOP) {
                    Ok(next) => self.link_next(next, ctx, c, out),
                    Err(e) => {
                        c.inc(match e {
                            link::NullError::TooSmall => Counter::NullPktTooSmall,
                            link::NullError::UnsupportedFamily(_) => Counter::NullUnsupportedType,
                        });
                        c.inc(Counter::DecoderInvalid);
                    }
                }
            }
            LinkType::RAW
            | LinkType::RAW_12
            | LinkType::RAW_14
            | LinkType::IPV4
            | LinkType::IPV6 => {
                c.inc(Counter::DecoderRaw);
                match data.first().map(|b| b >> 4) {
                    Some(4) | Some(6) => self.ip(data, ctx, c, out),
                    _ => {
                        c.inc(Counter::RawInvalidIpVersion);
                        c.inc(Counter::DecoderInvalid);
                    }
                }
            }
            _ => {
                c.inc(Counter::KagamiDecodeUnknownLinktype);
                c.inc(Counter::DecoderInvalid);
            }
        }
    }

    fn link_next(&mut self, next: link::Next<'_>, ctx: Ctx, c: &mut Counters, out: &mut Out<'_>) {
        match next {
            link::Next::EtherType(et, rest) => {
                let lax = LaxSlicedPacket::from_ether_type(EtherType(et), rest);
                self.sliced(&lax, ctx, c, out);
            }
            link::Next::Ip(rest) => self.ip(rest, ctx, c, out),
        }
    }

    fn ethernet(&mut self, frame: &[u8], mut ctx: Ctx, c: &mut Counters, out: &mut Out<'_>) {
        ctx.src_mac = frame.get(6..12).and_then(|m| <[u8; 6]>::try_from(m).ok());
        match LaxSlicedPacket::from_ethernet(frame) {
            Ok(lax) => self.sliced(&lax, ctx, c, out),
            Err(_) => {
                c.inc(Counter::EthPktTooSmall);
                c.inc(Counter::DecoderInvalid);
            }
        }
    }

    fn ip(&mut self, data: &[u8], ctx: Ctx, c: &mut Counters, out: &mut Out<'_>) {
        match LaxSlicedPacket::from_ip(data) {
            Ok(lax) => self.sliced(&lax, ctx, c, out),
            Err(e) => {
                count_ip_header_error(data, &e, c);
                c.inc(Counter::DecoderInvalid);
            }
        }
    }

    fn sliced(
        &mut self,
        lax: &LaxSlicedPacket<'_>,
        mut ctx: Ctx,
        c: &mut Counters,
        out: &mut Out<'_>,
    ) {
        let vlans: Vec<u16> = lax
            .link_exts
            .iter()
            .filter_map(|e| match e {
                LaxLinkExtSlice::Vlan(v) => Some(v.vlan_identifier().value()),
                _ => None,
            })
            .collect();
        match vlans.len() {
            0 => {}
            1 => c.inc(Counter::DecoderVlan),
            2 => c.inc(Counter::DecoderVlanQinq),
            _ => c.inc(Counter::DecoderVlanQinqinq),
        }
        if !vlans.is_empty() {
            ctx.vlan = [
                vlans.first().copied().unwrap_or(0),
                vlans.get(1).copied().unwrap_or(0),
            ];
        }
        if let Some((err, layer)) = &lax.stop_err {
            count_stop_error(err, *layer, c);
            // An error below the IP header leaves no usable transport layer.
            if lax.net.is_none() || lax.transport.is_none() {
                let transport_layer = matches!(
                    layer,
                    Layer::TcpHeader
                        | Layer::UdpHeader
                        | Layer::UdpPayload
                        | Layer::Icmpv4
                        | Layer::Icmpv6
                );
                if lax.net.is_none() || transport_layer {
                    c.inc(Counter::DecoderInvalid);
                    return;
                }
            }
        }
        match &lax.net {
            None => {
                if lax.stop_err.is_none() {
                    self.other_ether_type(lax, ctx, c, out);
                }
            }
            Some(LaxNetSlice::Arp(arp)) => {
                c.inc(Counter::DecoderArp);
                let mac = <[u8; 6]>::try_from(arp.sender_hw_addr()).ok();
                let ip = <[u8; 4]>::try_from(arp.sender_protocol_addr()).ok();
                if let (Some(mac), Some(ip)) = (mac, ip) {
                    if self.arp.len() < MAX_ARP_PENDING {
                        self.arp.push(ArpSighting {
                            ts: ctx.ts,
                            mac,
                            ip: ip.into(),
                        });
                    } else {
                        c.inc(Counter::KagamiDecodeArpDropped);
                    }
                }
            }
            Some(LaxNetSlice::Ipv4(ip)) => {
                c.inc(Counter::DecoderIpv4);
                let h = ip.header();
                let frag = ip.is_payload_fragmented().then(|| {
                    (
                        u32::from(h.identification()),
                        h.fragments_offset(),
                        h.more_fragments(),
                    )
                });
                let (src, dst) = (
                    IpAddr::V4(h.source_addr()),
                    IpAddr::V4(h.destination_addr()),
                );
                self.ip_payload(src, dst, ip.payload(), frag, false, lax, ctx, c, out);
            }
            Some(LaxNetSlice::Ipv6(ip)) => {
                c.inc(Counter::DecoderIpv6);
                let h = ip.header();
                let frag = if ip.is_payload_fragmented() {
                    let frag_hdr = ip.extensions().clone().into_iter().find_map(|e| match e {
                        Ipv6ExtensionSlice::Fragment(f) => Some(f),
                        _ => None,
                    });
                    let Some(f) = frag_hdr else { return };
                    Some((f.identification(), f.fragment_offset(), f.more_fragments()))
                } else {
                    None
                };
                let (src, dst) = (
                    IpAddr::V6(h.source_addr()),
                    IpAddr::V6(h.destination_addr()),
                );
                self.ip_payload(src, dst, ip.payload(), frag, true, lax, ctx, c, out);
            }
        }
    }

    /// What follows an IPv4 or IPv6 header: refused if cut short, reassembled
    /// if a fragment (`frag`: identification, offset, more fragments), else
    /// decoded as transport.
    #[allow(clippy::too_many_arguments)]
    fn ip_payload(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        payload: &etherparse::LaxIpPayloadSlice<'_>,
        frag: Option<(u32, etherparse::IpFragOffset, bool)>,
        ipv6: bool,
        lax: &LaxSlicedPacket<'_>,
        ctx: Ctx,
        c: &mut Counters,
        out: &mut Out<'_>,
    ) {
        // Captured shorter than its length field: Suricata calls the packet
        // invalid, and so do we (no flow, no reassembly).
        if payload.len_source == LenSource::Slice && payload.incomplete {
            c.inc(if ipv6 {
                Counter::Ipv6TruncPkt
            } else {
                Counter::Ipv4TruncPkt
            });
            c.inc(Counter::DecoderInvalid);
            return;
        }
        let proto = payload.ip_number.0;
        if let Some((id, offset, more)) = frag {
            let key = FragKey {
                src,
                dst,
                id,
                proto,
                vlan: ctx.vlan,
            };
            let frag = Fragment {
                offset,
                more,
                payload: payload.payload,
                ipv6,
            };
            self.reassemble(key, frag, ctx, c, out);
            return;
        }
        self.transport(
            src,
            dst,
            proto,
            payload.payload,
            lax.transport.as_ref(),
            ctx,
            c,
            out,
        );
    }

    /// EtherTypes etherparse leaves to us: PPPoE sessions and MPLS.
    fn other_ether_type(
        &mut self,
        lax: &LaxSlicedPacket<'_>,
        ctx: Ctx,
        c: &mut Counters,
        out: &mut Out<'_>,
    ) {
        let Some(p) = lax.ether_payload() else {
            c.inc(Counter::KagamiDecodeNoIp);
            return;
        };
        match p.ether_type.0 {
            pppoe::ETHERTYPE_PPPOE_SESSION => {
                c.inc(Counter::DecoderPppoe);
                match pppoe::inner(p.payload) {
                    Ok(ip) => self.ip(ip, ctx, c, out),
                    Err(pppoe::PppoeError::NotIp(_)) => c.inc(Counter::DecoderPpp),
                    Err(pppoe::PppoeError::TooSmall) => {
                        c.inc(Counter::PppoePktTooSmall);
                        c.inc(Counter::DecoderInvalid);
                    }
                    Err(pppoe::PppoeError::WrongCode) => {
                        c.inc(Counter::PppoeWrongCode);
                        c.inc(Counter::DecoderInvalid);
                    }
                }
            }
            mpls::ETHERTYPE_MPLS_UC | mpls::ETHERTYPE_MPLS_MC => {
                c.inc(Counter::DecoderMpls);
                match mpls::inner(p.payload) {
                    Ok(ip) => self.ip(ip, ctx, c, out),
                    Err(mpls::MplsError::HeaderTooSmall) => {
                        c.inc(Counter::MplsHeaderTooSmall);
                        c.inc(Counter::DecoderInvalid);
                    }
                    Err(mpls::MplsError::UnknownPayload) => c.inc(Counter::MplsUnknownPayloadType),
                }
            }
            // PPPoE discovery, LLDP, STP, IPX, …: not IP, nothing to track.
            _ => {
                c.inc(Counter::DecoderUnknownEthertype);
                c.inc(Counter::KagamiDecodeNoIp);
            }
        }
    }

    fn reassemble(
        &mut self,
        key: FragKey,
        frag: Fragment<'_>,
        ctx: Ctx,
        c: &mut Counters,
        out: &mut Out<'_>,
    ) {
        if let Some(data) = self.defrag.add(key, frag, ctx.ts, c) {
            self.transport(key.src, key.dst, key.proto, &data, None, ctx, c, out);
            self.defrag.recycle(data);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn transport(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        payload: &[u8],
        sliced: Option<&TransportSlice<'_>>,
        ctx: Ctx,
        c: &mut Counters,
        out: &mut Out<'_>,
    ) {
        let mut d = Decoded {
            ts: ctx.ts,
            src,
            dst,
            proto,
            sport: 0,
            dport: 0,
            tcp: None,
            icmp: None,
            payload,
            vlan: ctx.vlan,
            wire_len: ctx.wire_len,
            tunnel_depth: ctx.depth,
            src_mac: ctx.src_mac,
        };
        match proto {
            ip_proto::TCP => {
                let tcp = match sliced {
                    Some(TransportSlice::Tcp(t)) => Ok(t.clone()),
                    _ => TcpSlice::from_slice(payload).map_err(|_| ()),
                };
                let Ok(tcp) = tcp else {
                    c.inc(if payload.len() < 20 {
                        Counter::TcpPktTooSmall
                    } else {
                        Counter::TcpHlenTooSmall
                    });
                    c.inc(Counter::DecoderInvalid);
                    return;
                };
                c.inc(Counter::DecoderTcp);
                d.sport = tcp.source_port();
                d.dport = tcp.destination_port();
                d.payload = tcp.payload();
                d.tcp = Some(TcpMeta {
                    flags: tcp.header_slice().get(13).copied().unwrap_or(0),
                    seq: tcp.sequence_number(),
                    ack: tcp.acknowledgment_number(),
                    window: tcp.window_size(),
                });
                out(&d, c);
            }
            ip_proto::UDP => {
                let udp = match sliced {
                    Some(TransportSlice::Udp(u)) => Ok(u.clone()),
                    _ => UdpSlice::from_slice_lax(payload).map_err(|_| ()),
                };
                let Ok(udp) = udp else {
                    c.inc(Counter::UdpPktTooSmall);
                    c.inc(Counter::DecoderInvalid);
                    return;
                };
                // RFC 768: the length covers header and data. Longer than what
                // arrived, or shorter than the header, and the datagram is invalid.
                let udp_len = usize::from(udp.length());
                if udp_len > payload.len() {
                    c.inc(Counter::UdpLenInvalid);
                    c.inc(Counter::DecoderInvalid);
                    return;
                }
                if udp_len < 8 && udp_len != 0 {
                    c.inc(Counter::UdpHlenInvalid);
                    c.inc(Counter::DecoderInvalid);
                    return;
                }
                c.inc(Counter::DecoderUdp);
                d.sport = udp.source_port();
                d.dport = udp.destination_port();
                d.payload = udp.payload();
                if self.vxlan_ports.contains(&d.dport) {
                    match vxlan::inner(d.payload) {
                        Some(frame) if self.deeper(ctx, c) => {
                            c.inc(Counter::DecoderVxlan);
                            let inner = Ctx {
                                depth: ctx.depth + 1,
                                vlan: [0; 2],
                                ..ctx
                            };
                            self.ethernet(frame, inner, c, out);
                            return;
                        }
                        Some(_) => {}
                        None => c.inc(Counter::VxlanUnknownPayloadType),
                    }
                }
                out(&d, c);
            }
            ip_proto::ICMP | ip_proto::ICMPV6 => {
                let v6 = proto == ip_proto::ICMPV6;
                let icmp = match (sliced, v6) {
                    (Some(TransportSlice::Icmpv4(i)), false) => {
                        Some((i.type_u8(), i.code_u8(), i.payload()))
                    }
                    (Some(TransportSlice::Icmpv6(i)), true) => {
                        Some((i.type_u8(), i.code_u8(), i.payload()))
                    }
                    (_, false) => Icmpv4Slice::from_slice(payload)
                        .ok()
                        .map(|i| (i.type_u8(), i.code_u8(), i.payload())),
                    (_, true) => Icmpv6Slice::from_slice(payload)
                        .ok()
                        .map(|i| (i.type_u8(), i.code_u8(), i.payload())),
                };
                let Some((t, code, rest)) = icmp else {
                    c.inc(if v6 {
                        Counter::Icmpv6PktTooSmall
                    } else {
                        Counter::Icmpv4PktTooSmall
                    });
                    c.inc(Counter::DecoderInvalid);
                    return;
                };
                c.inc(if v6 {
                    Counter::DecoderIcmpv6
                } else {
                    Counter::DecoderIcmpv4
                });
                d.icmp = Some((t, code));
                d.sport = u16::from(t);
                d.dport = u16::from(code);
                d.payload = rest;
                out(&d, c);
            }
            ip_proto::GRE => {
                c.inc(Counter::DecoderGre);
                match gre::parse(payload) {
                    Ok(gre::GreInner::Ppp) => out(&d, c),
                    Ok(inner) if !self.deeper(ctx, c) => {
                        let _ = inner;
                        out(&d, c);
                    }
                    Ok(gre::GreInner::Ethernet(frame)) => {
                        c.inc(Counter::DecoderErspan);
                        let inner = Ctx {
                            depth: ctx.depth + 1,
                            vlan: [0; 2],
                            ..ctx
                        };
                        self.ethernet(frame, inner, c, out);
                    }
                    Ok(gre::GreInner::EtherType(et, rest)) => {
                        let inner = Ctx {
                            depth: ctx.depth + 1,
                            ..ctx
                        };
                        let lax = LaxSlicedPacket::from_ether_type(EtherType(et), rest);
                        self.sliced(&lax, inner, c, out);
                    }
                    Err(e) => {
                        c.inc(match e {
                            gre::GreError::PktTooSmall => Counter::GrePktTooSmall,
                            gre::GreError::WrongVersion(_) => Counter::GreWrongVersion,
                            gre::GreError::HdrTooBig => Counter::GreVersion0HdrTooBig,
                            gre::GreError::ErspanTooSmall => Counter::ErspanHeaderTooSmall,
                            gre::GreError::ErspanUnsupportedVersion(_) => {
                                Counter::ErspanUnsupportedVersion
                            }
                        });
                        out(&d, c);
                    }
                }
            }
            ip_proto::IPIP | ip_proto::IPV6 => {
                if !self.deeper(ctx, c) {
                    out(&d, c);
                    return;
                }
                c.inc(match (src, proto) {
                    (IpAddr::V4(_), ip_proto::IPIP) => Counter::DecoderIpv4InIpv4,
                    (IpAddr::V4(_), _) => Counter::DecoderIpv6InIpv4,
                    (IpAddr::V6(_), ip_proto::IPIP) => Counter::DecoderIpv4InIpv6,
                    (IpAddr::V6(_), _) => Counter::DecoderIpv6InIpv6,
                });
                self.ip(
                    payload,
                    Ctx {
                        depth: ctx.depth + 1,
                        ..ctx
                    },
                    c,
                    out,
                );
            }
            ip_proto::SCTP => {
                c.inc(Counter::DecoderSctp);
                if let (Some(s), Some(p)) = (payload.get(0..2), payload.get(2..4)) {
                    d.sport = u16::from_be_bytes([s[0], s[1]]);
                    d.dport = u16::from_be_bytes([p[0], p[1]]);
                }
                out(&d, c);
            }
            ip_proto::ESP => {
                c.inc(Counter::DecoderEsp);
                out(&d, c);
            }
            // Like Suricata, other IP protocols (IGMP, OSPF, …) are counted
            // but make no flow.
            ip_proto::IGMP => c.inc(Counter::DecoderIgmp),
            _ => c.inc(Counter::KagamiDecodeOtherIpProto),
        }
    }

    /// Whether one more encapsulation layer may be decoded; counts it if not.
    fn deeper(&self, ctx: Ctx, c: &mut Counters) -> bool {
        if ctx.depth >= self.max_layers {
            c.inc(Counter::DecoderTooManyLayers);
            false
        } else {
            true
        }
    }
}

fn count_ip_header_error(
    data: &[u8],
    e: &etherparse::err::ip::LaxHeaderSliceError,
    c: &mut Counters,
) {
    use etherparse::err::ip::{HeaderError, LaxHeaderSliceError};
    let v6 = data.first().map(|b| b >> 4) == Some(6);
    c.inc(match e {
        LaxHeaderSliceError::Len(_) => {
            if v6 {
                Counter::Ipv6PktTooSmall
            } else {
                Counter::Ipv4PktTooSmall
            }
        }
        LaxHeaderSliceError::Content(HeaderError::UnsupportedIpVersion { .. }) => {
            Counter::RawInvalidIpVersion
        }
        LaxHeaderSliceError::Content(HeaderError::Ipv4HeaderLengthSmallerThanHeader { .. }) => {
            Counter::Ipv4HlenTooSmall
        }
    });
}

fn count_stop_error(err: &etherparse::err::packet::SliceError, layer: Layer, c: &mut Counters) {
    use etherparse::err::packet::SliceError;
    let counter = match (err, layer) {
        (_, Layer::VlanHeader) => Counter::VlanHeaderTooSmall,
        (_, Layer::Arp) => Counter::ArpPktTooSmall,
        (
            SliceError::Ipv4(etherparse::err::ipv4::HeaderError::HeaderLengthSmallerThanHeader {
                ..
            }),
            _,
        ) => Counter::Ipv4HlenTooSmall,
        (SliceError::Ipv4(etherparse::err::ipv4::HeaderError::UnexpectedVersion { .. }), _) => {
            Counter::Ipv4WrongIpVersion
        }
        (SliceError::Ipv6(_), _) => Counter::Ipv6WrongIpVersion,
        (
            SliceError::Ip(etherparse::err::ip::HeaderError::Ipv4HeaderLengthSmallerThanHeader {
                ..
            }),
            _,
        ) => Counter::Ipv4HlenTooSmall,
        (
            SliceError::Ip(etherparse::err::ip::HeaderError::UnsupportedIpVersion { .. }),
            Layer::IpHeader,
        ) => Counter::Ipv4WrongIpVersion,
        (SliceError::Ip(_), _)
        | (_, Layer::IpHeader)
        | (_, Layer::Ipv4Header)
        | (_, Layer::Ipv4Packet) => Counter::Ipv4PktTooSmall,
        (_, Layer::Ipv6Header) | (_, Layer::Ipv6Packet) => Counter::Ipv6PktTooSmall,
        (SliceError::Ipv6Exts(_), _)
        | (_, Layer::Ipv6ExtHeader)
        | (_, Layer::Ipv6HopByHopHeader)
        | (_, Layer::Ipv6DestOptionsHeader)
        | (_, Layer::Ipv6RouteHeader)
        | (_, Layer::Ipv6FragHeader)
        | (_, Layer::IpAuthHeader) => Counter::Ipv6TruncExthdr,
        (SliceError::Tcp(_), _) => Counter::TcpHlenTooSmall,
        (_, Layer::TcpHeader) => Counter::TcpPktTooSmall,
        (_, Layer::UdpHeader) | (_, Layer::UdpPayload) => Counter::UdpPktTooSmall,
        (_, Layer::Icmpv4) | (_, Layer::Icmpv4Timestamp) | (_, Layer::Icmpv4TimestampReply) => {
            Counter::Icmpv4PktTooSmall
        }
        (_, Layer::Icmpv6) => Counter::Icmpv6PktTooSmall,
        (_, Layer::Ethernet2Header) => Counter::EthPktTooSmall,
        _ => Counter::DecoderInvalid,
    };
    c.inc(counter);
}
