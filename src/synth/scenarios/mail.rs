//! `write_mail`: outbound mail of known sizes, for the large-mail detector.
//!
//! Home network 10.1.0.0/24, external MX 198.51.100.25, the company's own
//! relay 10.1.0.5. In order, one session each:
//!
//! 1. 10.1.0.21 (`big@corp.example`) → MX: one message of `big` bytes (alerts).
//! 2. 10.1.0.22 (`small@corp.example`) → MX: `small_count` messages of
//!    `small` bytes, one session each (none alerts alone; together they make
//!    the sender's day).
//! 3. 10.1.0.23 → MX over STARTTLS: `big` bytes of TLS application data
//!    after the handshake (alerts as an estimate).
//! 4. 10.1.0.24 → the relay 10.1.0.5: one message of `big` bytes (internal,
//!    no alert).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use super::{DEMO_START_NS, MS};
use crate::synth::apps::{smtp, tls};
use crate::synth::flow::{Dir, Path, SynthSummary, mac_for};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::writer::Output;

/// Sizes of the mail scenario's messages.
#[derive(Debug, Clone, Copy)]
pub struct MailSizes {
    /// Bytes of the large messages (sessions 1, 3 and 4).
    pub big: usize,
    /// Bytes of each small message (session 2).
    pub small: usize,
    /// How many small messages.
    pub small_count: usize,
}

const MX: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 25);
const RELAY: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 5);
const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];

fn conv(rng: &mut Rng, client: Ipv4Addr, port: u16, server: Ipv4Addr, t: u64) -> TcpConv {
    let c = SocketAddr::new(IpAddr::V4(client), port);
    let s = SocketAddr::new(IpAddr::V4(server), 25);
    let mut conv = TcpConv::new(
        c,
        s,
        Path::new(mac_for(IpAddr::V4(client)), GATEWAY_MAC),
        t,
        5 * MS,
        rng.next_u64(),
    );
    conv.ns_per_byte = 8;
    conv
}

fn play(sink: &mut Sink, conv: &mut TcpConv, turns: &[(Dir, Vec<u8>)]) -> io::Result<()> {
    for (dir, data) in turns {
        conv.wait(MS);
        conv.send(sink, *dir, data)?;
    }
    Ok(())
}

/// One plain SMTP session carrying one message of `size` bytes.
#[allow(clippy::too_many_arguments)]
fn plain(
    sink: &mut Sink,
    rng: &mut Rng,
    client: Ipv4Addr,
    port: u16,
    server: Ipv4Addr,
    from: &str,
    size: usize,
    t: u64,
) -> io::Result<(crate::synth::FlowTruth, u64)> {
    let mut c = conv(rng, client, port, server, t);
    c.handshake(sink)?;
    let mail = smtp::Mail {
        helo: "ws.corp.example",
        mx: "mx.example.net",
        from,
        to: "someone@example.net",
        subject: "files",
        body_len: size,
    };
    let turns = smtp::dialogue(rng, &mail);
    play(sink, &mut c, &turns)?;
    c.close(sink, Dir::ToClient)?;
    Ok((c.truth("smtp"), c.t))
}

/// Writes the mail scenario (see the module's documentation).
pub fn write_mail(
    path: &FsPath,
    out: &Output,
    seed: u64,
    sizes: MailSizes,
) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let mut sink = Sink::create(path, out, true)?;
    let mut flows = Vec::new();
    let mut t = DEMO_START_NS;
    let home = |last: u8| Ipv4Addr::new(10, 1, 0, last);

    let (f, end) = plain(
        &mut sink,
        &mut rng,
        home(21),
        40001,
        MX,
        "big@corp.example",
        sizes.big,
        t,
    )?;
    flows.push(f);
    t = end + 1000 * MS;
    for i in 0..sizes.small_count {
        let port = 40100 + u16::try_from(i % 1000).unwrap_or(0);
        let (f, end) = plain(
            &mut sink,
            &mut rng,
            home(22),
            port,
            MX,
            "small@corp.example",
            sizes.small,
            t,
        )?;
        flows.push(f);
        t = end + 1000 * MS;
    }

    // STARTTLS, then the message as TLS application data.
    let mut c = conv(&mut rng, home(23), 40201, MX, t);
    c.handshake(&mut sink)?;
    let mail = smtp::Mail {
        helo: "ws23.corp.example",
        mx: "mx.example.net",
        from: "",
        to: "",
        subject: "",
        body_len: 0,
    };
    play(&mut sink, &mut c, &smtp::starttls_opening(&mail))?;
    c.send(
        &mut sink,
        Dir::ToServer,
        &tls::client_hello(&mut rng, "mx.example.net"),
    )?;
    c.wait(MS);
    c.send(
        &mut sink,
        Dir::ToClient,
        &tls::server_flight(&mut rng, "mx.example.net"),
    )?;
    c.wait(MS);
    c.send(&mut sink, Dir::ToServer, &tls::client_finish(&mut rng))?;
    c.wait(MS);
    c.send(&mut sink, Dir::ToClient, &tls::server_finish(&mut rng))?;
    let mut left = sizes.big;
    while left > 0 {
        let n = left.min(1 << 20);
        c.send(&mut sink, Dir::ToServer, &tls::app_data(&mut rng, n))?;
        left -= n;
    }
    c.wait(MS);
    c.send(&mut sink, Dir::ToClient, &tls::app_data(&mut rng, 40))?;
    c.close(&mut sink, Dir::ToClient)?;
    flows.push(c.truth("tls"));
    t = c.t + 1000 * MS;

    let (f, _) = plain(
        &mut sink,
        &mut rng,
        home(24),
        40301,
        RELAY,
        "inside@corp.example",
        sizes.big,
        t,
    )?;
    flows.push(f);
    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
