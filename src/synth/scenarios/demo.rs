//! `write_demo`: ~15 minutes of an office network (10.20.0.0/24) doing DNS,
//! HTTPS, plain HTTP and outbound SMTP, plus ARP and one ping — and one
//! insider (10.20.0.107) who looks up a commercial VPN service, opens a Tor
//! connection (Tor's made-up server name, no ALPN) and chats on IRC.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, IcmpEchoHeader};

use super::{DEMO_START_NS, MS, dns_lookup, http_session, tls_session};
use crate::synth::apps::{smtp, tls};
use crate::synth::flow::{Dir, FlowTruth, Path, SynthSummary, mac_for};
use crate::synth::link::ETH_ARP;
use crate::synth::packet::io_err;
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::udp::icmp_echo_pair;
use crate::synth::writer::Output;

const GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 20, 0, 1);
const RELAY: Ipv4Addr = Ipv4Addr::new(10, 20, 0, 25);
const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
const BROADCAST: [u8; 6] = [0xff; 6];

/// (name, address, is a bulk-download site)
const HTTPS_SITES: &[(&str, [u8; 4], bool)] = &[
    ("www.google.com", [142, 250, 74, 36], false),
    ("mail.google.com", [142, 250, 74, 37], false),
    ("docs.google.com", [142, 250, 185, 110], false),
    ("fonts.gstatic.com", [142, 250, 186, 35], false),
    ("www.example.com", [93, 184, 216, 34], false),
    ("api.partner.example.net", [198, 51, 100, 40], false),
    ("portal.partner.example.net", [198, 51, 100, 41], false),
    ("updates.vendor-cdn.example", [198, 51, 100, 20], true),
];
const HTTP_SITES: &[(&str, [u8; 4])] = &[
    ("www.example.com", [93, 184, 216, 34]),
    ("news.example.org", [93, 184, 216, 80]),
    ("repo.partner.example.net", [198, 51, 100, 60]),
];
const MX_NAME: &str = "mx1.partner-mail.example.net";
const MX_ADDR: [u8; 4] = [198, 51, 100, 25];
const SENDERS: &[&str] = &["alice", "bob", "carol", "dave", "erin", "frank"];

struct Demo {
    rng: Rng,
    sink: Sink,
    flows: Vec<FlowTruth>,
    next_port: u16,
}

impl Demo {
    fn port(&mut self) -> u16 {
        self.next_port = if self.next_port >= 65000 {
            49152
        } else {
            self.next_port + 1 + self.rng.below(7) as u16
        };
        self.next_port
    }

    fn path(host: Ipv4Addr) -> Path {
        Path::new(mac_for(IpAddr::V4(host)), GATEWAY_MAC)
    }

    /// DNS lookup from `host`; returns the time the answer arrived.
    fn lookup(&mut self, host: Ipv4Addr, t: u64, name: &str, addr: Ipv4Addr) -> io::Result<u64> {
        let rtt = if self.rng.chance(60) {
            300_000 + self.rng.below(2 * MS)
        } else {
            10 * MS + self.rng.below(40 * MS)
        };
        let mut answers = vec![IpAddr::V4(addr)];
        if self.rng.chance(40) {
            let o = addr.octets();
            answers.push(IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], o[3] ^ 1)));
        }
        let client = SocketAddr::new(IpAddr::V4(host), self.port());
        let resolver = SocketAddr::new(IpAddr::V4(GATEWAY), 53);
        let truth = dns_lookup(
            &mut self.sink,
            &mut self.rng,
            &Self::path(host),
            t,
            rtt,
            client,
            resolver,
            name,
            &answers,
        )?;
        self.flows.push(truth);
        Ok(t + rtt)
    }

    fn conv(&mut self, host: Ipv4Addr, server: SocketAddr, t: u64) -> TcpConv {
        let rtt = MS + self.rng.below(79 * MS);
        let client = SocketAddr::new(IpAddr::V4(host), self.port());
        let mut c = TcpConv::new(
            client,
            server,
            Self::path(host),
            t,
            rtt,
            self.rng.next_u64(),
        );
        // WAN pacing ~ 100 Mbit/s.
        c.ns_per_byte = 80;
        c
    }

    /// The insider's afternoon in three flows: a VPN service looked up, a
    /// Tor connection to a relay on port 9001, an IRC session on 6667.
    fn insider(&mut self, host: Ipv4Addr, t: u64) -> io::Result<()> {
        let vpn = Ipv4Addr::new(203, 0, 113, 44);
        let t = self.lookup(host, t, "de1234.nordvpn.com", vpn)? + 2_000 * MS;

        // Tor: the client names a made-up www.<random>.com and sends no ALPN.
        let relay = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)), 9001);
        let sni = "www.q4cyamnc6mtokjurvd.com";
        let mut c = self.conv(host, relay, t);
        c.handshake(&mut self.sink)?;
        let hello = tls::client_hello_with(&mut self.rng, sni, false);
        c.send(&mut self.sink, Dir::ToServer, &hello)?;
        c.wait(MS);
        let flight = tls::server_flight(&mut self.rng, "www.xv5wk3n2dd4hq.net");
        c.send(&mut self.sink, Dir::ToClient, &flight)?;
        c.wait(MS);
        c.send(
            &mut self.sink,
            Dir::ToServer,
            &tls::client_finish(&mut self.rng),
        )?;
        c.wait(MS);
        c.send(
            &mut self.sink,
            Dir::ToClient,
            &tls::server_finish(&mut self.rng),
        )?;
        for _ in 0..4 {
            c.wait(300 * MS);
            let cell = tls::app_data(&mut self.rng, 514);
            let reply = tls::app_data(&mut self.rng, 514 * 3);
            c.exchange(&mut self.sink, &cell, 40 * MS, &reply)?;
        }
        c.close(&mut self.sink, Dir::ToServer)?;
        self.flows.push(c.truth("tls"));

        // IRC on its usual port, to an external server.
        let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 66)), 6667);
        let mut c = self.conv(host, server, c.t + 5_000 * MS);
        c.handshake(&mut self.sink)?;
        let turns: [(Dir, &[u8]); 6] = [
            (Dir::ToServer, b"NICK ghost42\r\nUSER ghost 0 * :Ghost\r\n"),
            (
                Dir::ToClient,
                b":irc.example.net 001 ghost42 :Welcome to ExampleNet ghost42\r\n",
            ),
            (Dir::ToServer, b"JOIN #dropbox-leaks\r\n"),
            (
                Dir::ToClient,
                b":ghost42!ghost@10.20.0.107 JOIN #dropbox-leaks\r\n",
            ),
            (
                Dir::ToServer,
                b"PRIVMSG #dropbox-leaks :uploading tonight\r\n",
            ),
            (Dir::ToServer, b"QUIT :bye\r\n"),
        ];
        for (dir, data) in turns {
            c.wait(200 * MS);
            c.send(&mut self.sink, dir, data)?;
        }
        c.close(&mut self.sink, Dir::ToClient)?;
        self.flows.push(c.truth("irc"));
        Ok(())
    }

    fn https(&mut self, host: Ipv4Addr, t: u64, download: bool) -> io::Result<()> {
        let sites: Vec<_> = HTTPS_SITES.iter().filter(|s| s.2 == download).collect();
        let &&(name, addr, _) = self.rng.pick(&sites);
        let addr = Ipv4Addr::from(addr);
        let t = self.lookup(host, t, name, addr)? + 200_000;
        let server = SocketAddr::new(IpAddr::V4(addr), 443);
        let mut sizes = Vec::new();
        if download {
            sizes.push(180_000 + self.rng.below(200_000) as usize);
        } else {
            for _ in 0..self.rng.range(1, 3) {
                sizes.push(1_500 + self.rng.below(25_000) as usize);
            }
        }
        let conv = self.conv(host, server, t);
        let (truth, _) = tls_session(&mut self.sink, &mut self.rng, conv, name, &sizes)?;
        self.flows.push(truth);
        Ok(())
    }

    fn http(&mut self, host: Ipv4Addr, t: u64) -> io::Result<()> {
        let &(name, addr) = self.rng.pick(HTTP_SITES);
        let addr = Ipv4Addr::from(addr);
        let t = self.lookup(host, t, name, addr)? + 150_000;
        let server = SocketAddr::new(IpAddr::V4(addr), 80);
        let conv = self.conv(host, server, t);
        let body = 800 + self.rng.below(25_000) as usize;
        let path = format!("/articles/{}.html", self.rng.below(10_000));
        let (truth, _) = http_session(&mut self.sink, &mut self.rng, conv, name, &path, body)?;
        self.flows.push(truth);
        Ok(())
    }

    fn smtp(&mut self, t: u64, body_len: usize) -> io::Result<()> {
        let mx = Ipv4Addr::from(MX_ADDR);
        let t = self.lookup(RELAY, t, MX_NAME, mx)? + 100_000;
        let server = SocketAddr::new(IpAddr::V4(mx), 25);
        let mut conv = self.conv(RELAY, server, t);
        conv.handshake(&mut self.sink)?;
        let from = format!("{}@corp.example", self.rng.pick(SENDERS));
        let to = format!("{}@partner-mail.example.net", self.rng.pick(SENDERS));
        let mail = smtp::Mail {
            helo: "mail.corp.example",
            mx: MX_NAME,
            from: &from,
            to: &to,
            subject: "Quarterly report draft",
            body_len,
        };
        let turns = smtp::dialogue(&mut self.rng, &mail);
        for (dir, data) in &turns {
            let think = match dir {
                Dir::ToClient => 300_000 + self.rng.below(3 * MS),
                Dir::ToServer => 100_000 + self.rng.below(MS),
            };
            conv.wait(think);
            conv.send(&mut self.sink, *dir, data)?;
        }
        conv.wait(MS);
        conv.close(&mut self.sink, Dir::ToClient)?;
        self.flows.push(conv.truth("smtp"));
        Ok(())
    }

    fn arp(&mut self, host: Ipv4Addr, t: u64) -> io::Result<()> {
        let hmac = mac_for(IpAddr::V4(host));
        let req = ArpPacket::new(
            ArpHardwareId::ETHERNET,
            EtherType::IPV4,
            ArpOperation::REQUEST,
            &hmac,
            &host.octets(),
            &[0; 6],
            &GATEWAY.octets(),
        )
        .map_err(io_err)?;
        req.write(self.sink.start())?;
        self.sink
            .emit(t, &Path::new(hmac, BROADCAST), Dir::ToServer, ETH_ARP)?;
        let rep = ArpPacket::new(
            ArpHardwareId::ETHERNET,
            EtherType::IPV4,
            ArpOperation::REPLY,
            &GATEWAY_MAC,
            &GATEWAY.octets(),
            &hmac,
            &host.octets(),
        )
        .map_err(io_err)?;
        rep.write(self.sink.start())?;
        self.sink.emit(
            t + 150_000,
            &Path::new(hmac, GATEWAY_MAC),
            Dir::ToClient,
            ETH_ARP,
        )?;
        Ok(())
    }
}

/// Writes the demo capture (classic pcap, Ethernet): ~12 hosts of
/// 10.20.0.0/24 (gateway and resolver 10.20.0.1, mail relay 10.20.0.25)
/// over ~15 minutes from 2026-11-24T09:00:00Z doing DNS, HTTPS (TLS 1.2,
/// incl. a few multi-hundred-KB downloads), HTTP/1.1 and SMTP to an
/// external MX, plus ARP and one ICMP echo pair. `flows` lists every
/// TCP/UDP/ICMP flow with exact counts (ARP is not a flow), in generation order.
pub fn write_demo(path: &FsPath, seed: u64) -> io::Result<SynthSummary> {
    let mut d = Demo {
        rng: Rng::new(seed),
        sink: Sink::create(path, &Output::default(), true)?,
        flows: Vec::new(),
        next_port: 49152,
    };
    d.next_port = 49152 + d.rng.below(4000) as u16;
    let hosts: Vec<Ipv4Addr> = (101..=110).map(|i| Ipv4Addr::new(10, 20, 0, i)).collect();
    let t0 = DEMO_START_NS;

    for (i, &h) in hosts.iter().enumerate().take(4) {
        d.arp(h, t0 + i as u64 * 2_300 * MS)?;
    }
    d.arp(RELAY, t0 + 11 * 1000 * MS)?;

    // Session schedule over 15 minutes.
    const SPAN: u64 = 15 * 60 * 1000 * MS;
    let mut sessions: Vec<(u64, u8)> = Vec::new();
    for _ in 0..24 {
        sessions.push((d.rng.below(SPAN - 25_000 * MS), 0)); // HTTPS
    }
    for _ in 0..2 {
        sessions.push((d.rng.below(SPAN - 25_000 * MS), 1)); // download
    }
    for _ in 0..7 {
        sessions.push((d.rng.below(SPAN - 25_000 * MS), 2)); // HTTP
    }
    sessions.push((SPAN - 20_000 * MS, 0)); // last page load near 09:15
    sessions.push((90_000 * MS, 3));
    sessions.push((400_000 * MS, 4));
    sessions.push((700_000 * MS, 5));
    sessions.sort_unstable();
    for (off, kind) in sessions {
        let t = t0 + 3_000 * MS + off;
        let host = *d.rng.pick(&hosts);
        let jitter = d.rng.below(1000) as usize;
        match kind {
            0 => d.https(host, t, false)?,
            1 => d.https(host, t, true)?,
            2 => d.http(host, t)?,
            3 => d.smtp(t, 2_000 + jitter * 3)?,
            4 => d.smtp(t, 25_000 + jitter * 20)?,
            _ => d.smtp(t, 150_000 + jitter * 50)?,
        }
    }

    // One ping to the gateway.
    let pinger = hosts[2];
    let mut payload = vec![0u8; 56];
    payload[..8].copy_from_slice(&(t0 / 1000 + 300_000_000).to_le_bytes());
    for (i, b) in payload.iter_mut().enumerate().skip(8) {
        *b = i as u8;
    }
    let echo = IcmpEchoHeader {
        id: d.rng.next_u32() as u16,
        seq: 1,
    };
    let truth = icmp_echo_pair(
        &mut d.sink,
        &Demo::path(pinger),
        t0 + 300_000 * MS,
        420_000,
        IpAddr::V4(pinger),
        IpAddr::V4(GATEWAY),
        echo,
        &payload,
    )?;
    d.flows.push(truth);

    d.insider(hosts[6], t0 + 610_000 * MS)?;

    let (packets, bytes) = d.sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, d.flows))
}
