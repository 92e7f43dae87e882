//! `write_sample`: ~10 small flows (DNS over IPv4 and IPv6, HTTP, TLS, an
//! IPv6 TCP flow, ICMP and ICMPv6 echo) in any file format and link type.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::IcmpEchoHeader;

use super::{DEMO_START_NS, MS, dns_lookup, http_session, tls_session};
use crate::synth::flow::{Path, SynthSummary, mac_for};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::udp::icmp_echo_pair;
use crate::synth::writer::Output;

fn sa(s: &str) -> io::Result<SocketAddr> {
    s.parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

fn ip(s: &str) -> io::Result<IpAddr> {
    s.parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

/// Writes the sample capture in `out`'s format and link type: two IPv4 DNS
/// lookups, one IPv6 DNS lookup, two HTTP and two TLS connections over
/// IPv4, one HTTP connection over IPv6, one ICMP and one ICMPv6 echo pair
/// (10 flows). The flows and packet counts are identical for every
/// `Output`; only `bytes_*` differ with the link header length (no VLANs).
pub fn write_sample(path: &FsPath, out: &Output, seed: u64) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let mut sink = Sink::create(path, out, true)?;
    let mut flows = Vec::new();
    let gw = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
    let c4 = ip("10.1.0.10")?;
    let c6 = ip("2001:db8:10::10")?;
    let p4 = Path::new(mac_for(c4), gw);
    let p6 = Path::new(mac_for(c6), gw);
    let resolver4 = sa("10.1.0.1:53")?;
    let resolver6 = sa("[2001:db8:10::1]:53")?;
    let mut t = DEMO_START_NS;

    let dns = [
        (
            "10.1.0.10:53001",
            resolver4,
            "www.example.com",
            "93.184.216.34",
        ),
        (
            "10.1.0.10:53002",
            resolver4,
            "www.google.com",
            "142.250.74.36",
        ),
        (
            "[2001:db8:10::10]:53003",
            resolver6,
            "v6.example.net",
            "2001:db8:20::80",
        ),
    ];
    for (client, resolver, name, answer) in dns {
        let path = if resolver.is_ipv4() { &p4 } else { &p6 };
        let f = dns_lookup(
            &mut sink,
            &mut rng,
            path,
            t,
            2 * MS,
            sa(client)?,
            resolver,
            name,
            &[ip(answer)?],
        )?;
        flows.push(f);
        t += 50 * MS;
    }

    let https = [
        (
            "10.1.0.10:50001",
            "142.250.74.36:443",
            "www.google.com",
            12_000,
        ),
        (
            "10.1.0.10:50002",
            "93.184.216.34:443",
            "www.example.com",
            60_000,
        ),
    ];
    for (client, server, sni, size) in https {
        let conv = TcpConv::new(
            sa(client)?,
            sa(server)?,
            p4.clone(),
            t,
            20 * MS,
            rng.next_u64(),
        );
        let (f, end) = tls_session(&mut sink, &mut rng, conv, sni, &[size])?;
        flows.push(f);
        t = end + 100 * MS;
    }

    let http = [
        (
            "10.1.0.10:50003",
            "93.184.216.34:80",
            "www.example.com",
            4_000,
            &p4,
        ),
        (
            "10.1.0.10:50004",
            "198.51.100.60:80",
            "repo.partner.example.net",
            30_000,
            &p4,
        ),
        (
            "[2001:db8:10::10]:50005",
            "[2001:db8:20::80]:80",
            "v6.example.net",
            9_000,
            &p6,
        ),
    ];
    for (client, server, host, size, path) in http {
        let conv = TcpConv::new(
            sa(client)?,
            sa(server)?,
            path.clone(),
            t,
            15 * MS,
            rng.next_u64(),
        );
        let (f, end) = http_session(&mut sink, &mut rng, conv, host, "/index.html", size)?;
        flows.push(f);
        t = end + 100 * MS;
    }

    let mut payload = [0u8; 56];
    rng.fill(&mut payload);
    for (client, server, path) in [(c4, ip("10.1.0.1")?, &p4), (c6, ip("2001:db8:10::1")?, &p6)] {
        let echo = IcmpEchoHeader { id: 0x1234, seq: 1 };
        let f = icmp_echo_pair(&mut sink, path, t, 500_000, client, server, echo, &payload)?;
        flows.push(f);
        t += 100 * MS;
    }

    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
