//! `write_spike`: hours of two home hosts' ordinary outbound connections,
//! then one minute in which the quiet one opens hundreds, for the
//! connection-spike detector.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use super::MS;
use crate::synth::flow::{Dir, Path, SynthSummary, mac_for};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::TcpConv;
use crate::synth::writer::Output;

const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
/// A few connections a minute, to a few sites; it spikes at the end.
const QUIET: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 10);
/// 30 ± 3 connections a minute, to about forty sites.
const BUSY: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 20);
/// Connections the quiet host opens in the spike minute.
const SPIKE_CONNECTIONS: u64 = 400;
/// Distinct destinations of the spike.
const SPIKE_DESTINATIONS: u64 = 300;
const MINUTE: u64 = 60_000 * MS;

struct Writer {
    rng: Rng,
    sink: Sink,
    flows: u64,
    port: u16,
}

impl Writer {
    /// One short TCP connection: handshake, a little data, FIN.
    fn connect(&mut self, host: Ipv4Addr, dest: Ipv4Addr, t: u64) -> io::Result<()> {
        self.port = if self.port >= 65000 {
            49152
        } else {
            self.port + 1
        };
        let client = IpAddr::V4(host);
        let mut conv = TcpConv::new(
            SocketAddr::new(client, self.port),
            SocketAddr::new(IpAddr::V4(dest), 443),
            Path::new(mac_for(client), GATEWAY_MAC),
            t,
            MS + self.rng.below(30 * MS),
            self.rng.next_u64(),
        );
        conv.handshake(&mut self.sink)?;
        let mut req = [0u8; 200];
        self.rng.fill(&mut req);
        conv.send(&mut self.sink, Dir::ToServer, &req)?;
        conv.wait(5 * MS);
        conv.close(&mut self.sink, Dir::ToServer)?;
        self.flows += 1;
        Ok(())
    }
}

/// Writes `minutes` minutes from `start_ns` (packet time, ns since the epoch)
/// of 10.30.0.10 opening 2–5 connections a minute to four sites and
/// 10.30.0.20 opening 27–33 a minute to forty; then, if `spike`, one more
/// minute in which 10.30.0.20 goes on as before and 10.30.0.10 opens 400
/// connections to 300 destinations (198.18.0.0/15). All TCP to port 443.
pub fn write_spike(
    path: &FsPath,
    start_ns: u64,
    minutes: u64,
    spike: bool,
    seed: u64,
) -> io::Result<SynthSummary> {
    let mut w = Writer {
        rng: Rng::new(seed),
        sink: Sink::create(path, &Output::default(), true)?,
        flows: 0,
        port: 49152,
    };
    let quiet_sites: Vec<Ipv4Addr> = (1..=4).map(|i| Ipv4Addr::new(203, 0, 113, i)).collect();
    let busy_sites: Vec<Ipv4Addr> = (1..=40).map(|i| Ipv4Addr::new(198, 51, 100, i)).collect();
    let total = minutes + u64::from(spike);
    for m in 0..total {
        let base = start_ns + m * MINUTE;
        let busy = w.rng.range(27, 33);
        for _ in 0..busy {
            let dest = *w.rng.pick(&busy_sites);
            let t = base + w.rng.below(59_000 * MS);
            w.connect(BUSY, dest, t)?;
        }
        if m == minutes {
            for i in 0..SPIKE_CONNECTIONS {
                let n = u32::try_from(i % SPIKE_DESTINATIONS).unwrap_or(0);
                let dest = Ipv4Addr::from(0xc612_0000 + 256 + n);
                w.connect(QUIET, dest, base + i * 100 * MS)?;
            }
        } else {
            let quiet = w.rng.range(2, 5);
            for _ in 0..quiet {
                let dest = *w.rng.pick(&quiet_sites);
                let t = base + w.rng.below(59_000 * MS);
                w.connect(QUIET, dest, t)?;
            }
        }
    }
    let (packets, bytes) = w.sink.finish()?;
    Ok(SynthSummary {
        packets,
        bytes,
        flows: Vec::new(),
        flow_count: w.flows,
    })
}
