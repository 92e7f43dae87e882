//! Drives one protocol over arbitrary bytes the way the application-layer
//! driver would: probe, then parse a stream cut into chunks in both
//! directions (with partial-message buffering and gaps), finish, and
//! render every transaction as EVE. The fuzz targets in `fuzz/` call this,
//! and so do the regression tests for what fuzzing found, so a crash
//! reproduces with `cargo test`.
//!
//! Input layout: byte 0 picks the transport (bit 0) among those the
//! protocol supports; then a sequence of chunks, each a header byte
//! (bit 7: direction, bits 0..6: length − 1, or 127 for a 100-byte gap)
//! followed by that many bytes.

use super::{Direction, EventSink, ProbeInput, Progress, ProtoConfig, ProtoSpec, Transport};
use crate::counters::Counters;
use crate::flow::stream::{Chunk, Stream};

/// Limits small enough that fuzzing reaches them.
pub fn config() -> ProtoConfig {
    ProtoConfig {
        max_message: 4096,
        max_items: 8,
        max_string: 64,
    }
}

/// Runs `spec` over `data` (the fuzz layout above); returns how many
/// transactions it produced.
pub fn drive(spec: &ProtoSpec, data: &[u8]) -> usize {
    let Some((&ctl, mut rest)) = data.split_first() else {
        return 0;
    };
    let transport = match spec.transports {
        [only] => *only,
        [a, b, ..] => {
            if ctl & 1 == 0 {
                *a
            } else {
                *b
            }
        }
        [] => return 0,
    };
    let mut chunks: Vec<Piece<'_>> = Vec::new();
    while let Some((&hdr, tail)) = rest.split_first() {
        let dir = if hdr & 0x80 == 0 {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let len = usize::from(hdr & 0x7f);
        if len == 0x7f {
            rest = tail;
            chunks.push(Piece::Gap(dir, 100));
            continue;
        }
        let (chunk, next) = tail.split_at((len + 1).min(tail.len()));
        rest = next;
        chunks.push(Piece::Data(dir, chunk));
    }
    feed(spec, transport, &config(), &chunks)
}

/// One piece of a flow's application data, in arrival order.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// In-order bytes of one direction (TCP), or one datagram (UDP).
    Data(Direction, &'a [u8]),
    /// Bytes of one direction lost (TCP only).
    Gap(Direction, u64),
}

/// Feeds a flow's pieces to a new state of `spec`, keeping the driver's
/// contract (partial messages kept up to `cfg.max_message`, stopped
/// directions skipped); returns how many transactions it produced, each
/// rendered as EVE JSON on the way. The first piece also goes to the probe.
pub fn feed(
    spec: &ProtoSpec,
    transport: Transport,
    cfg: &ProtoConfig,
    pieces: &[Piece<'_>],
) -> usize {
    let mut state = (spec.new_state)(cfg, transport);
    let mut sink = EventSink::default();
    let mut pending: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut needed = [0usize; 2];
    let mut stopped = [false; 2];
    let mut probed = false;
    let mut produced = 0;
    for piece in pieces {
        let (dir, chunk) = match *piece {
            Piece::Gap(dir, len) => {
                if transport == Transport::Tcp {
                    pending[dir.index()].clear();
                    needed[dir.index()] = 0;
                    state.on_gap(dir, len);
                }
                continue;
            }
            Piece::Data(dir, chunk) => (dir, chunk),
        };
        let i = dir.index();
        if !probed {
            probed = true;
            let _ = (spec.probe)(&ProbeInput {
                transport,
                dir,
                data: chunk,
                client_port: 40000,
                server_port: 443,
                earlier: &[],
            });
        }
        if stopped[i] {
            continue;
        }
        let progress = if transport == Transport::Udp {
            state.parse(dir, chunk, &mut sink)
        } else if pending[i].is_empty() {
            let p = state.parse(dir, chunk, &mut sink);
            keep(
                p,
                chunk,
                cfg,
                &mut pending[i],
                &mut needed[i],
                &mut stopped[i],
            );
            p
        } else {
            pending[i].extend_from_slice(chunk);
            if pending[i].len() < needed[i] {
                continue;
            }
            let buf = std::mem::take(&mut pending[i]);
            let p = state.parse(dir, &buf, &mut sink);
            keep(
                p,
                &buf,
                cfg,
                &mut pending[i],
                &mut needed[i],
                &mut stopped[i],
            );
            p
        };
        if transport == Transport::Tcp && matches!(progress, Progress::Stop | Progress::LostSync) {
            stopped[i] = true;
        }
        sink.upgrade = None;
        produced += render(&mut sink);
    }
    state.finish(&mut sink);
    let mut vars = Vec::new();
    state.flowvars(&mut vars);
    produced + render(&mut sink)
}

/// Keeps what a parser left of `buf`, as the driver does.
fn keep(
    p: Progress,
    buf: &[u8],
    cfg: &ProtoConfig,
    pending: &mut Vec<u8>,
    needed: &mut usize,
    stopped: &mut bool,
) {
    if let Progress::NeedMore {
        consumed,
        needed: n,
    } = p
    {
        let left = buf.get(consumed..).unwrap_or(&[]);
        if left.len() > cfg.max_message || n > cfg.max_message {
            *stopped = true;
        } else {
            pending.clear();
            pending.extend_from_slice(left);
            *needed = n;
        }
    }
}

/// Renders and drops the sink's transactions; returns how many.
fn render(sink: &mut EventSink) -> usize {
    let n = sink.events.len();
    for ev in sink.events.drain(..) {
        // Rendering must not fail either.
        let _ = serde_json::to_vec(&ev.tx);
    }
    n
}

/// Runs the protocol registered as `name` over `data` (see [`drive`]).
pub fn drive_named(name: &str, data: &[u8]) {
    if let Some(spec) = super::registry::by_name(name) {
        drive(spec, data);
    }
}

/// Runs TCP reassembly over arbitrary segments: each is 4 bytes of
/// sequence offset, one length byte and the data; checks that the stream
/// never delivers more than it was given plus gaps, and never holds more
/// than its window.
pub fn drive_stream(data: &[u8]) {
    const WINDOW: usize = 512;
    let mut s = Stream::default();
    let mut c = Counters::default();
    let mut rest = data;
    let mut delivered = 0u64;
    while rest.len() >= 5 {
        let (hdr, tail) = rest.split_at(5);
        let seq = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let len = usize::from(hdr[4]).min(tail.len());
        let (seg, next) = tail.split_at(len);
        rest = next;
        s.segment(seq, false, seg, WINDOW, &mut c, &mut |ch| {
            if let Chunk::Data(d) = ch {
                delivered += d.len() as u64;
            }
        });
        assert!(s.buffered() <= WINDOW);
    }
    s.finish(&mut c, &mut |_| {});
    assert!(delivered <= s.offset());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::registry::PROTOCOLS;

    /// A small deterministic generator (xorshift), so the test is the same
    /// on every run.
    fn bytes(seed: &mut u64, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                (*seed >> 24) as u8
            })
            .collect()
    }

    /// Every protocol survives random input, and random input cut out of
    /// valid-looking prefixes. Real fuzzing runs in `fuzz/`; this keeps a
    /// floor under it in every test run.
    #[test]
    fn every_protocol_survives_random_input() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for spec in PROTOCOLS {
            for round in 0..2000 {
                let n = 1 + round % 700;
                let data = bytes(&mut seed, n);
                drive(spec, &data);
            }
        }
    }

    #[test]
    fn stream_survives_random_segments() {
        let mut seed = 42;
        for round in 0..2000 {
            let data = bytes(&mut seed, 5 + round % 900);
            drive_stream(&data);
        }
    }
}
