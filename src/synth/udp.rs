//! Connectionless flows: UDP datagram exchanges and ICMP/ICMPv6 echo pairs.

use std::io;
use std::net::{IpAddr, SocketAddr};

use etherparse::IcmpEchoHeader;

use super::flow::{Counts, Dir, FlowTruth, Path};
use super::packet::{push_icmp_echo, push_udp};
use super::sink::Sink;

/// One UDP flow (a 5-tuple) and its counters.
pub(crate) struct UdpFlow {
    /// Initiator.
    pub client: SocketAddr,
    /// Responder.
    pub server: SocketAddr,
    /// Framing of the packets.
    pub path: Path,
    /// Packet/byte counters.
    pub counts: Counts,
    ip_id: [u16; 2],
}

impl UdpFlow {
    /// A new flow; `seed_bits` supplies the IP ids.
    pub fn new(client: SocketAddr, server: SocketAddr, path: Path, seed_bits: u64) -> UdpFlow {
        UdpFlow {
            client,
            server,
            path,
            counts: Counts::default(),
            ip_id: [seed_bits as u16, (seed_bits >> 16) as u16],
        }
    }

    /// Emits one datagram in `dir` at `ts`.
    pub fn send(&mut self, sink: &mut Sink, ts: u64, dir: Dir, payload: &[u8]) -> io::Result<()> {
        let (src, dst) = match dir {
            Dir::ToServer => (self.client, self.server),
            Dir::ToClient => (self.server, self.client),
        };
        let d = dir.idx();
        self.ip_id[d] = self.ip_id[d].wrapping_add(1);
        let et = push_udp(sink.start(), src, dst, payload, self.ip_id[d])?;
        let len = sink.emit(ts, &self.path, dir, et)?;
        self.counts.add(dir, len);
        Ok(())
    }

    /// Ground truth of this flow.
    pub fn truth(&self, app: &'static str) -> FlowTruth {
        self.counts
            .truth(17, self.client, self.server, app, &self.path)
    }
}

/// Writes one echo request at `ts` and its reply `rtt` later; returns the
/// flow truth (ports 0, proto 1 or 58).
#[allow(clippy::too_many_arguments)]
pub(crate) fn icmp_echo_pair(
    sink: &mut Sink,
    path: &Path,
    ts: u64,
    rtt: u64,
    client: IpAddr,
    server: IpAddr,
    echo: IcmpEchoHeader,
    payload: &[u8],
) -> io::Result<FlowTruth> {
    let mut counts = Counts::default();
    let et = push_icmp_echo(sink.start(), client, server, false, echo, payload, echo.seq)?;
    counts.add(Dir::ToServer, sink.emit(ts, path, Dir::ToServer, et)?);
    let et = push_icmp_echo(sink.start(), server, client, true, echo, payload, echo.seq)?;
    counts.add(Dir::ToClient, sink.emit(ts + rtt, path, Dir::ToClient, et)?);
    let proto = if client.is_ipv4() { 1 } else { 58 };
    Ok(counts.truth(
        proto,
        SocketAddr::new(client, 0),
        SocketAddr::new(server, 0),
        "",
        path,
    ))
}
