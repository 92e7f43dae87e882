//! TCP conversation builder: three-way handshake with MSS/SACK/timestamp/
//! window-scale options, MSS segmentation with correct seq/ack, receiver
//! ACKs every second segment, slow-start pacing, and FIN teardown.
//!
//! Timing model: the capture point sits next to the client, so client
//! packets are seen when sent, and everything the server does is seen one
//! RTT after the client packet that triggered it.

use std::io;
use std::net::SocketAddr;

use etherparse::{TcpHeader, TcpOptionElement, TcpOptions};

use super::flow::{Counts, Dir, FlowTruth, Path};
use super::packet::{io_err, push_tcp};
use super::sink::Sink;

/// Default maximum segment size (1448 = 1500 − 20 IPv4 − 32 TCP with timestamps).
pub const MSS: usize = 1448;

/// TCP flag set of one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// SYN.
    pub syn: bool,
    /// ACK.
    pub ack: bool,
    /// FIN.
    pub fin: bool,
    /// PSH.
    pub psh: bool,
    /// RST.
    pub rst: bool,
}

impl Flags {
    /// Plain ACK.
    pub const ACK: Flags = Flags {
        syn: false,
        ack: true,
        fin: false,
        psh: false,
        rst: false,
    };
    /// SYN.
    pub const SYN: Flags = Flags {
        syn: true,
        ack: false,
        fin: false,
        psh: false,
        rst: false,
    };
    /// SYN+ACK.
    pub const SYN_ACK: Flags = Flags {
        syn: true,
        ack: true,
        fin: false,
        psh: false,
        rst: false,
    };
    /// FIN+ACK.
    pub const FIN_ACK: Flags = Flags {
        syn: false,
        ack: true,
        fin: true,
        psh: false,
        rst: false,
    };
    /// PSH+ACK.
    pub const PSH_ACK: Flags = Flags {
        syn: false,
        ack: true,
        fin: false,
        psh: true,
        rst: false,
    };
}

/// One TCP connection's state and timeline.
pub(crate) struct TcpConv {
    /// Initiator.
    pub client: SocketAddr,
    /// Responder.
    pub server: SocketAddr,
    /// Framing of the packets.
    pub path: Path,
    /// Next sequence number to send, per direction (`Dir::idx`).
    pub next_seq: [u32; 2],
    /// Current time (ns since the epoch) of the conversation.
    pub t: u64,
    /// Round-trip time between client and server, ns.
    pub rtt: u64,
    /// Sender pacing, ns per byte (serialisation delay).
    pub ns_per_byte: u64,
    /// Maximum segment payload.
    pub mss: usize,
    /// Use the timestamp option on every segment.
    pub timestamps: bool,
    /// Packet/byte counters.
    pub counts: Counts,
    ip_id: [u16; 2],
    ts_base: [u32; 2],
}

impl TcpConv {
    /// A new, not yet opened connection. `seed_bits` supplies ISNs, IP ids
    /// and timestamp bases.
    pub fn new(
        client: SocketAddr,
        server: SocketAddr,
        path: Path,
        t: u64,
        rtt: u64,
        seed_bits: u64,
    ) -> TcpConv {
        let r = seed_bits;
        TcpConv {
            client,
            server,
            path,
            next_seq: [r as u32, (r >> 32) as u32 ^ 0x5a5a_1234],
            t,
            rtt,
            ns_per_byte: 8,
            mss: MSS,
            timestamps: true,
            counts: Counts::default(),
            ip_id: [(r >> 16) as u16, (r >> 40) as u16],
            ts_base: [
                (r >> 8) as u32 & 0x0fff_ffff,
                (r >> 24) as u32 & 0x0fff_ffff,
            ],
        }
    }

    fn tsval(&self, dir: Dir, ts: u64) -> u32 {
        self.ts_base[dir.idx()].wrapping_add((ts / 1_000_000) as u32)
    }

    /// Emits one segment at `ts` with explicit sequence/ack numbers.
    #[allow(clippy::too_many_arguments)]
    pub fn segment_at(
        &mut self,
        sink: &mut Sink,
        ts: u64,
        dir: Dir,
        flags: Flags,
        seq: u32,
        ack: u32,
        payload: &[u8],
    ) -> io::Result<()> {
        let (src, dst) = match dir {
            Dir::ToServer => (self.client, self.server),
            Dir::ToClient => (self.server, self.client),
        };
        let window: u16 = if flags.syn { 64240 } else { 502 };
        let mut h = TcpHeader::new(src.port(), dst.port(), seq, window);
        h.syn = flags.syn;
        h.ack = flags.ack;
        h.fin = flags.fin;
        h.psh = flags.psh;
        h.rst = flags.rst;
        h.acknowledgment_number = if flags.ack { ack } else { 0 };
        let tsval = self.tsval(dir, ts);
        let tsecr = if flags.ack {
            self.tsval(dir.rev(), ts.saturating_sub(self.rtt / 2))
        } else {
            0
        };
        if flags.syn {
            let opts = [
                TcpOptionElement::MaximumSegmentSize(if src.is_ipv4() { 1460 } else { 1440 }),
                TcpOptionElement::SelectiveAcknowledgementPermitted,
                TcpOptionElement::Timestamp(tsval, tsecr),
                TcpOptionElement::Noop,
                TcpOptionElement::WindowScale(7),
            ];
            h.options = TcpOptions::try_from_elements(&opts).map_err(io_err)?;
        } else if self.timestamps && !flags.rst {
            let opts = [
                TcpOptionElement::Noop,
                TcpOptionElement::Noop,
                TcpOptionElement::Timestamp(tsval, tsecr),
            ];
            h.options = TcpOptions::try_from_elements(&opts).map_err(io_err)?;
        }
        let d = dir.idx();
        self.ip_id[d] = self.ip_id[d].wrapping_add(1);
        let id = self.ip_id[d];
        let et = push_tcp(sink.start(), src, dst, &mut h, payload, id)?;
        let len = sink.emit(ts, &self.path, dir, et)?;
        self.counts.add(dir, len);
        Ok(())
    }

    /// Emits a segment at `ts` using and advancing the connection's sequence state.
    pub fn segment(
        &mut self,
        sink: &mut Sink,
        ts: u64,
        dir: Dir,
        flags: Flags,
        payload: &[u8],
    ) -> io::Result<()> {
        let d = dir.idx();
        let seq = self.next_seq[d];
        let ack = self.next_seq[1 - d];
        self.segment_at(sink, ts, dir, flags, seq, ack, payload)?;
        let adv = payload.len() as u32 + u32::from(flags.syn) + u32::from(flags.fin);
        self.next_seq[d] = seq.wrapping_add(adv);
        Ok(())
    }

    /// SYN, SYN/ACK one RTT later, ACK shortly after; advances `t`.
    pub fn handshake(&mut self, sink: &mut Sink) -> io::Result<()> {
        let t0 = self.t;
        self.segment(sink, t0, Dir::ToServer, Flags::SYN, &[])?;
        let t1 = t0 + self.rtt;
        self.segment(sink, t1, Dir::ToClient, Flags::SYN_ACK, &[])?;
        let t2 = t1 + 60_000;
        self.segment(sink, t2, Dir::ToServer, Flags::ACK, &[])?;
        self.t = t2;
        Ok(())
    }

    /// Sends `data` in `dir`, split into MSS segments (PSH on the last),
    /// paced by slow start; the receiver ACKs every second segment and the
    /// last one. Advances `t` past the last packet.
    pub fn send(&mut self, sink: &mut Sink, dir: Dir, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        // Delay between a packet seen from the sender and the receiver's
        // reaction, as seen at the capture point near the client.
        let react = match dir {
            Dir::ToServer => self.rtt,
            Dir::ToClient => 40_000,
        };
        let n = data.len().div_ceil(self.mss);
        let mut cwnd = 10usize;
        let mut in_round = 0usize;
        let mut round_start = self.t;
        let mut ts = self.t;
        let mut last = self.t;
        let mut pending_ack: Vec<(u64, u32)> = Vec::new();
        let d = dir.idx();
        for (i, chunk) in data.chunks(self.mss).enumerate() {
            if in_round == cwnd {
                in_round = 0;
                round_start += self.rtt;
                ts = ts.max(round_start);
                cwnd = (cwnd * 2).min(256);
            }
            let flags = if i + 1 == n {
                Flags::PSH_ACK
            } else {
                Flags::ACK
            };
            self.segment(sink, ts, dir, flags, chunk)?;
            last = last.max(ts);
            if i % 2 == 1 || i + 1 == n {
                pending_ack.push((ts + react, self.next_seq[d]));
            }
            ts += (chunk.len() as u64 + 66) * self.ns_per_byte;
            in_round += 1;
        }
        let other = dir.rev();
        let my_seq = self.next_seq[other.idx()];
        for (ats, ack) in pending_ack {
            self.segment_at(sink, ats, other, Flags::ACK, my_seq, ack, &[])?;
            last = last.max(ats);
        }
        self.t = last;
        Ok(())
    }

    /// Waits `ns` (think time / server processing).
    pub fn wait(&mut self, ns: u64) {
        self.t += ns;
    }

    /// Client request, server processing delay, server response.
    pub fn exchange(
        &mut self,
        sink: &mut Sink,
        request: &[u8],
        server_delay: u64,
        response: &[u8],
    ) -> io::Result<()> {
        self.send(sink, Dir::ToServer, request)?;
        self.wait(server_delay);
        self.send(sink, Dir::ToClient, response)
    }

    /// FIN teardown started by `first`: FIN/ACK, FIN/ACK, ACK.
    pub fn close(&mut self, sink: &mut Sink, first: Dir) -> io::Result<()> {
        let t0 = self.t + 20_000;
        let (t1, t2) = match first {
            Dir::ToServer => (t0 + self.rtt, t0 + self.rtt + 50_000),
            Dir::ToClient => (t0 + 80_000, t0 + 80_000 + self.rtt),
        };
        self.segment(sink, t0, first, Flags::FIN_ACK, &[])?;
        self.segment(sink, t1, first.rev(), Flags::FIN_ACK, &[])?;
        self.segment(sink, t2, first, Flags::ACK, &[])?;
        self.t = t2;
        Ok(())
    }

    /// Ground truth of this connection so far.
    pub fn truth(&self, app: &'static str) -> FlowTruth {
        self.counts
            .truth(6, self.client, self.server, app, &self.path)
    }
}
