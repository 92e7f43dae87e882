//! `write_devices`: a small office segment (10.30.0.0/24) where known
//! devices come and go, and one device nobody approved joins: the
//! unapproved-device detector's firing capture and, with that device in
//! the inventory, its benign look-alike.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType};

use super::{DEMO_START_NS, MS, dns_lookup, http_session, tls_session};
use crate::synth::apps::dhcp;
use crate::synth::flow::{Dir, FlowTruth, Path, SynthSummary, mac_for};
use crate::synth::link::ETH_ARP;
use crate::synth::packet::io_err;
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::udp::UdpFlow;
use crate::synth::writer::Output;

/// Gateway, resolver and DHCP server.
pub const DEVICES_GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 1);
/// The gateway's MAC (an Intel prefix).
pub const DEVICES_GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
/// The device nobody approved: a Raspberry Pi (IEEE prefix b8:27:eb).
pub const DEVICES_ROGUE_MAC: [u8; 6] = [0xb8, 0x27, 0xeb, 0x5a, 0x11, 0xce];
/// The address it announces in ARP and then requests in DHCP.
pub const DEVICES_ROGUE_IP: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 99);
/// The hostname it gives in DHCP.
pub const DEVICES_ROGUE_HOSTNAME: &str = "kali-pi";
/// Seconds after the start at which the rogue device's first ARP packet is sent.
pub const DEVICES_ROGUE_AT_S: u64 = 60;

const BROADCAST: [u8; 6] = [0xff; 6];

/// The approved devices: (address, MAC, DHCP hostname if it asks for an address).
fn known() -> [(Ipv4Addr, [u8; 6], Option<&'static str>); 3] {
    let phone = Ipv4Addr::new(10, 30, 0, 13);
    [
        // A Dell laptop that gets its address by DHCP.
        (
            Ipv4Addr::new(10, 30, 0, 11),
            [0x00, 0x14, 0x22, 0x0a, 0x00, 0x11],
            Some("alice-laptop"),
        ),
        // A printer with a static address (Brother prefix).
        (
            Ipv4Addr::new(10, 30, 0, 12),
            [0x00, 0x1b, 0xa9, 0x0c, 0x00, 0x12],
            None,
        ),
        // A phone with a private (locally administered) Wi-Fi address.
        (phone, mac_for(IpAddr::V4(phone)), None),
    ]
}

struct Segment {
    rng: Rng,
    sink: Sink,
    flows: Vec<FlowTruth>,
    port: u16,
}

impl Segment {
    fn next_port(&mut self) -> u16 {
        self.port += 1;
        self.port
    }

    /// `host` asks who has the gateway; the gateway answers.
    fn arp(&mut self, t: u64, mac: [u8; 6], host: Ipv4Addr) -> io::Result<()> {
        let req = ArpPacket::new(
            ArpHardwareId::ETHERNET,
            EtherType::IPV4,
            ArpOperation::REQUEST,
            &mac,
            &host.octets(),
            &[0; 6],
            &DEVICES_GATEWAY.octets(),
        )
        .map_err(io_err)?;
        req.write(self.sink.start())?;
        self.sink
            .emit(t, &Path::new(mac, BROADCAST), Dir::ToServer, ETH_ARP)?;
        let rep = ArpPacket::new(
            ArpHardwareId::ETHERNET,
            EtherType::IPV4,
            ArpOperation::REPLY,
            &DEVICES_GATEWAY_MAC,
            &DEVICES_GATEWAY.octets(),
            &mac,
            &host.octets(),
        )
        .map_err(io_err)?;
        rep.write(self.sink.start())?;
        self.sink.emit(
            t + 200_000,
            &Path::new(mac, DEVICES_GATEWAY_MAC),
            Dir::ToClient,
            ETH_ARP,
        )?;
        Ok(())
    }

    /// DISCOVER, OFFER, REQUEST, ACK for `mac`, which names itself `hostname`.
    fn dhcp(&mut self, t: u64, mac: [u8; 6], addr: Ipv4Addr, hostname: &str) -> io::Result<()> {
        let xid = self.rng.next_u32();
        let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 68);
        let all = |port| SocketAddr::new(IpAddr::V4(Ipv4Addr::BROADCAST), port);
        let server = SocketAddr::new(IpAddr::V4(DEVICES_GATEWAY), 67);
        let mut client = UdpFlow::new(any, all(67), Path::new(mac, BROADCAST), self.rng.next_u64());
        let mut srv = UdpFlow::new(
            server,
            all(68),
            Path::new(DEVICES_GATEWAY_MAC, BROADCAST),
            self.rng.next_u64(),
        );
        let steps = [
            (dhcp::DISCOVER, 1, None),
            (dhcp::OFFER, 2, Some(DEVICES_GATEWAY)),
            (dhcp::REQUEST, 1, Some(DEVICES_GATEWAY)),
            (dhcp::ACK, 2, Some(DEVICES_GATEWAY)),
        ];
        for (i, (msg_type, op, server_id)) in (0u64..).zip(steps) {
            let mut msg = Vec::with_capacity(300);
            dhcp::message(
                &mut msg,
                &dhcp::Message {
                    op,
                    xid,
                    mac,
                    yiaddr: if op == 2 { addr } else { Ipv4Addr::UNSPECIFIED },
                    msg_type,
                    hostname: (op == 1).then_some(hostname),
                    requested: (msg_type == dhcp::REQUEST).then_some(addr),
                    server: server_id,
                },
            );
            let ts = t + i * 3 * MS;
            if op == 1 {
                client.send(&mut self.sink, ts, Dir::ToServer, &msg)?;
            } else {
                srv.send(&mut self.sink, ts, Dir::ToServer, &msg)?;
            }
        }
        self.flows.push(client.truth("dhcp"));
        self.flows.push(srv.truth("dhcp"));
        Ok(())
    }

    /// A DNS lookup then an HTTPS connection from `host` to a web site.
    fn browse(&mut self, t: u64, mac: [u8; 6], host: Ipv4Addr, name: &str) -> io::Result<()> {
        let site = Ipv4Addr::new(93, 184, 216, 34);
        let path = Path::new(mac, DEVICES_GATEWAY_MAC);
        let client = SocketAddr::new(IpAddr::V4(host), self.next_port());
        let resolver = SocketAddr::new(IpAddr::V4(DEVICES_GATEWAY), 53);
        let f = dns_lookup(
            &mut self.sink,
            &mut self.rng,
            &path,
            t,
            5 * MS,
            client,
            resolver,
            name,
            &[IpAddr::V4(site)],
        )?;
        self.flows.push(f);
        let client = SocketAddr::new(IpAddr::V4(host), self.next_port());
        let conv = TcpConv::new(
            client,
            SocketAddr::new(IpAddr::V4(site), 443),
            path,
            t + 10 * MS,
            20 * MS,
            self.rng.next_u64(),
        );
        let (f, _) = tls_session(&mut self.sink, &mut self.rng, conv, name, &[8_000])?;
        self.flows.push(f);
        Ok(())
    }
}

/// Writes the devices capture (classic pcap, Ethernet), about two minutes
/// from 2026-11-24T09:00:00Z on 10.30.0.0/24: the gateway (10.30.0.1, also
/// resolver and DHCP server) and three approved devices (a laptop that
/// takes its address by DHCP as `alice-laptop`, a printer that reports to a
/// local server over HTTP, a phone with a randomised MAC) send ARP and open
/// connections; at [`DEVICES_ROGUE_AT_S`] a Raspberry Pi
/// ([`DEVICES_ROGUE_MAC`]) announces [`DEVICES_ROGUE_IP`] in ARP, a second
/// later asks for it in DHCP as [`DEVICES_ROGUE_HOSTNAME`], then browses
/// over HTTPS.
pub fn write_devices(path: &FsPath, seed: u64) -> io::Result<SynthSummary> {
    let mut s = Segment {
        rng: Rng::new(seed),
        sink: Sink::create(path, &Output::default(), true)?,
        flows: Vec::new(),
        port: 49_500,
    };
    let t0 = DEMO_START_NS;
    for (i, (ip, mac, hostname)) in (0u64..).zip(known()) {
        let t = t0 + i * 7_000 * MS;
        if let Some(h) = hostname {
            s.dhcp(t, mac, ip, h)?;
        }
        s.arp(t + 500 * MS, mac, ip)?;
        s.browse(t + 1_000 * MS, mac, ip, "www.example.com")?;
    }
    // The printer reports its status to a server on the segment.
    let (printer, printer_mac, _) = known()[1];
    let conv = TcpConv::new(
        SocketAddr::new(IpAddr::V4(printer), s.next_port()),
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 30, 0, 5)), 80),
        Path::new(
            printer_mac,
            mac_for(IpAddr::V4(Ipv4Addr::new(10, 30, 0, 5))),
        ),
        t0 + 30_000 * MS,
        MS,
        s.rng.next_u64(),
    );
    let (f, _) = http_session(&mut s.sink, &mut s.rng, conv, "print.corp", "/status", 600)?;
    s.flows.push(f);

    let t = t0 + DEVICES_ROGUE_AT_S * 1_000 * MS;
    s.arp(t, DEVICES_ROGUE_MAC, DEVICES_ROGUE_IP)?;
    s.dhcp(
        t + 1_000 * MS,
        DEVICES_ROGUE_MAC,
        DEVICES_ROGUE_IP,
        DEVICES_ROGUE_HOSTNAME,
    )?;
    s.browse(
        t + 3_000 * MS,
        DEVICES_ROGUE_MAC,
        DEVICES_ROGUE_IP,
        "www.example.com",
    )?;
    // The approved devices are still about afterwards.
    for (i, (ip, mac, _)) in (0u64..).zip(known()) {
        s.arp(t + (20 + i) * 1_000 * MS, mac, ip)?;
    }

    let (packets, bytes) = s.sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, s.flows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_capture_is_deterministic_and_lists_its_flows() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pcap"), dir.path().join("b.pcap"));
        let s = write_devices(&a, 3).unwrap();
        assert_eq!(write_devices(&b, 3).unwrap(), s);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        // Two DHCP exchanges (client and server side), four DNS + HTTPS
        // pairs, one HTTP flow.
        assert_eq!(s.flows.len(), 2 * 2 + 4 * 2 + 1);
        let rogue = IpAddr::V4(DEVICES_ROGUE_IP);
        assert!(
            s.flows
                .iter()
                .any(|f| f.client.ip() == rogue && f.app == "tls")
        );
    }
}
