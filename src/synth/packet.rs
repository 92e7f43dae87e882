//! Layer-3/4 packet construction with etherparse header types: IPv4/IPv6
//! with TCP, UDP, ICMP echo or an arbitrary payload, appended to a buffer.

use std::io;
use std::net::{IpAddr, SocketAddr};

use etherparse::{
    IcmpEchoHeader, Icmpv4Header, Icmpv4Type, Icmpv6Header, Icmpv6Type, IpNumber, Ipv4Header,
    Ipv6FlowLabel, Ipv6Header, TcpHeader, UdpHeader,
};

use super::link::{ETH_IPV4, ETH_IPV6};

/// Default TTL / hop limit of generated packets.
pub const TTL: u8 = 64;

/// Converts any error into an `io::Error`.
pub(crate) fn io_err<E: std::error::Error + Send + Sync + 'static>(e: E) -> io::Error {
    io::Error::other(e)
}

fn mixed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "mixed IPv4/IPv6 addresses")
}

/// Builds an IPv4 header for `payload_len` bytes of protocol `proto`.
pub(crate) fn ipv4_header(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    payload_len: usize,
    id: u16,
    ttl: u8,
) -> io::Result<Ipv4Header> {
    let len = u16::try_from(payload_len).map_err(io_err)?;
    let mut h = Ipv4Header::new(len, ttl, IpNumber(proto), src, dst).map_err(io_err)?;
    h.identification = id;
    h.header_checksum = h.calc_header_checksum();
    Ok(h)
}

/// Builds an IPv6 header for `payload_len` bytes with next header `proto`.
pub(crate) fn ipv6_header(
    src: [u8; 16],
    dst: [u8; 16],
    proto: u8,
    payload_len: usize,
    flow_label: u32,
) -> io::Result<Ipv6Header> {
    Ok(Ipv6Header {
        traffic_class: 0,
        flow_label: Ipv6FlowLabel::try_new(flow_label & 0xf_ffff).map_err(io_err)?,
        payload_length: u16::try_from(payload_len).map_err(io_err)?,
        next_header: IpNumber(proto),
        hop_limit: TTL,
        source: src,
        destination: dst,
    })
}

/// Appends an IP header (v4 or v6 by address family) carrying `payload`
/// verbatim as protocol `proto`; returns the EtherType.
pub(crate) fn push_ip_raw(
    out: &mut Vec<u8>,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    payload: &[u8],
    id: u16,
) -> io::Result<u16> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            ipv4_header(s.octets(), d.octets(), proto, payload.len(), id, TTL)?.write(out)?;
            out.extend_from_slice(payload);
            Ok(ETH_IPV4)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            ipv6_header(s.octets(), d.octets(), proto, payload.len(), u32::from(id))?.write(out)?;
            out.extend_from_slice(payload);
            Ok(ETH_IPV6)
        }
        _ => Err(mixed()),
    }
}

/// Appends IP + TCP (`tcp`'s checksum is computed here) + payload; returns the EtherType.
pub(crate) fn push_tcp(
    out: &mut Vec<u8>,
    src: SocketAddr,
    dst: SocketAddr,
    tcp: &mut TcpHeader,
    payload: &[u8],
    id: u16,
) -> io::Result<u16> {
    tcp.source_port = src.port();
    tcp.destination_port = dst.port();
    let l4_len = tcp.header_len() + payload.len();
    let et = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let ip = ipv4_header(s.octets(), d.octets(), 6, l4_len, id, TTL)?;
            tcp.checksum = tcp.calc_checksum_ipv4(&ip, payload).map_err(io_err)?;
            ip.write(out)?;
            ETH_IPV4
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let ip = ipv6_header(s.octets(), d.octets(), 6, l4_len, u32::from(src.port()))?;
            tcp.checksum = tcp.calc_checksum_ipv6(&ip, payload).map_err(io_err)?;
            ip.write(out)?;
            ETH_IPV6
        }
        _ => return Err(mixed()),
    };
    tcp.write(out)?;
    out.extend_from_slice(payload);
    Ok(et)
}

/// Builds a UDP header with a correct checksum for the given endpoints.
pub(crate) fn udp_header(
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
) -> io::Result<UdpHeader> {
    let len = payload.len() + UdpHeader::LEN;
    let mut udp = UdpHeader {
        source_port: src.port(),
        destination_port: dst.port(),
        length: u16::try_from(len).map_err(io_err)?,
        checksum: 0,
    };
    udp.checksum = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => udp
            .calc_checksum_ipv4_raw(s.octets(), d.octets(), payload)
            .map_err(io_err)?,
        (IpAddr::V6(s), IpAddr::V6(d)) => udp
            .calc_checksum_ipv6_raw(s.octets(), d.octets(), payload)
            .map_err(io_err)?,
        _ => return Err(mixed()),
    };
    Ok(udp)
}

/// Appends IP + UDP + payload; returns the EtherType.
pub(crate) fn push_udp(
    out: &mut Vec<u8>,
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
    id: u16,
) -> io::Result<u16> {
    let udp = udp_header(src, dst, payload)?;
    let l4_len = payload.len() + UdpHeader::LEN;
    let et = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            ipv4_header(s.octets(), d.octets(), 17, l4_len, id, TTL)?.write(out)?;
            ETH_IPV4
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            ipv6_header(s.octets(), d.octets(), 17, l4_len, u32::from(src.port()))?.write(out)?;
            ETH_IPV6
        }
        _ => return Err(mixed()),
    };
    udp.write(out)?;
    out.extend_from_slice(payload);
    Ok(et)
}

/// Appends an ICMP (v4) or ICMPv6 echo request/reply; returns the EtherType.
pub(crate) fn push_icmp_echo(
    out: &mut Vec<u8>,
    src: IpAddr,
    dst: IpAddr,
    reply: bool,
    echo: IcmpEchoHeader,
    payload: &[u8],
    ip_id: u16,
) -> io::Result<u16> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let t = if reply {
                Icmpv4Type::EchoReply(echo)
            } else {
                Icmpv4Type::EchoRequest(echo)
            };
            let icmp = Icmpv4Header::with_checksum(t, payload);
            let ip = ipv4_header(
                s.octets(),
                d.octets(),
                1,
                icmp.header_len() + payload.len(),
                ip_id,
                TTL,
            )?;
            ip.write(out)?;
            icmp.write(out)?;
            out.extend_from_slice(payload);
            Ok(ETH_IPV4)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let t = if reply {
                Icmpv6Type::EchoReply(echo)
            } else {
                Icmpv6Type::EchoRequest(echo)
            };
            let icmp =
                Icmpv6Header::with_checksum(t, s.octets(), d.octets(), payload).map_err(io_err)?;
            let ip = ipv6_header(
                s.octets(),
                d.octets(),
                58,
                icmp.header_len() + payload.len(),
                0,
            )?;
            ip.write(out)?;
            icmp.write(out)?;
            out.extend_from_slice(payload);
            Ok(ETH_IPV6)
        }
        _ => Err(mixed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::SlicedPacket;

    #[test]
    fn tcp_udp_roundtrip() {
        let a: SocketAddr = "10.0.0.1:1234".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let mut v = Vec::new();
        let mut tcp = TcpHeader::new(0, 0, 1, 100);
        push_tcp(&mut v, a, b, &mut tcp, b"hi", 1).unwrap();
        {
            let p = SlicedPacket::from_ip(&v).unwrap();
            match p.transport {
                Some(etherparse::TransportSlice::Tcp(t)) => assert_eq!(t.payload(), b"hi"),
                _ => panic!("no tcp"),
            }
        }
        v.clear();
        let a6: SocketAddr = "[fd00::1]:53".parse().unwrap();
        let b6: SocketAddr = "[fd00::2]:5353".parse().unwrap();
        push_udp(&mut v, a6, b6, b"xyz", 1).unwrap();
        assert!(SlicedPacket::from_ip(&v).is_ok());
        assert!(push_udp(&mut v, a, b6, b"", 1).is_err());
    }
}
