//! Bounded in-order TCP stream reassembly, one [`Stream`] per direction
//! (RFC 9293 §3.4 sequence numbers, §3.10.7.4 segment arrival).
//!
//! A segment that continues the stream is handed on as the packet's own
//! slice, with no copy. A segment that arrives early is copied into an
//! out-of-order store bounded by a byte window; when the window is full, or
//! the flow ends, the stream gives up on the missing bytes, reports a gap
//! and goes on from the earliest data it holds, so nothing it holds is lost
//! silently. Retransmitted and overlapping bytes are dropped: the first copy
//! of a byte wins. Sequence numbers are turned into 64-bit stream offsets
//! once, so wrap-around never reorders data.
//!
//! What the bytes mean is the application layer's business (`proto/`).

use std::collections::BTreeMap;

use crate::counters::{Counter, Counters};

/// What a stream hands to its reader.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// The next bytes of the stream, in order.
    Data(&'a [u8]),
    /// This many bytes were never seen and are skipped.
    Gap(u64),
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct Stream {
    /// Sequence number of the next byte expected, once known.
    next_seq: Option<u32>,
    /// Stream offset of `next_seq` (bytes delivered or skipped so far).
    offset: u64,
    /// Early segments by stream offset.
    ooo: BTreeMap<u64, Vec<u8>>,
    /// Bytes held in `ooo`.
    ooo_bytes: usize,
}

impl Stream {
    /// Bytes delivered or skipped so far: the stream's length up to now.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes held out of order.
    pub fn buffered(&self) -> usize {
        self.ooo_bytes
    }

    /// Takes one segment of this direction. `syn` marks a SYN (which takes
    /// one sequence number before the data); `window` bounds the bytes held
    /// out of order. In-order data, and any held data it makes contiguous,
    /// go to `out`.
    pub fn segment(
        &mut self,
        seq: u32,
        syn: bool,
        data: &[u8],
        window: usize,
        c: &mut Counters,
        out: &mut dyn FnMut(Chunk<'_>),
    ) {
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        let next = match self.next_seq {
            Some(n) => n,
            None => {
                // The first segment of this direction fixes the start (a
                // SYN, or midstream pickup at the first data seen).
                self.next_seq = Some(data_seq);
                data_seq
            }
        };
        if data.is_empty() {
            return;
        }
        // Signed distance from what we expect, within half the sequence space.
        let delta = i64::from(data_seq.wrapping_sub(next) as i32);
        let len = data.len() as i64;
        if delta + len <= 0 {
            c.inc(Counter::TcpOverlap);
            return; // all of it was delivered before: a retransmission
        }
        if delta <= 0 {
            let skip = usize::try_from(-delta).unwrap_or(0);
            if skip > 0 {
                c.inc(Counter::TcpOverlap);
            }
            let fresh = data.get(skip..).unwrap_or(&[]);
            self.deliver(fresh, out);
            self.drain(c, out);
            return;
        }
        // Early: hold a copy, within the window.
        let start = self.offset + delta as u64;
        while self.ooo_bytes + data.len() > window && !self.ooo.is_empty() {
            self.skip_to_first(c, out);
            self.drain(c, out);
        }
        if self.ooo_bytes + data.len() > window {
            // Larger than the whole window on its own: skip straight to it.
            self.gap(start - self.offset, c, out);
            self.deliver(data, out);
            self.drain(c, out);
            return;
        }
        if start < self.offset {
            // The skip above moved past part of it.
            let skip = usize::try_from(self.offset - start).unwrap_or(usize::MAX);
            let fresh = data.get(skip..).unwrap_or(&[]);
            if !fresh.is_empty() {
                self.deliver(fresh, out);
            }
            self.drain(c, out);
            return;
        }
        if start == self.offset {
            self.deliver(data, out);
            self.drain(c, out);
            return;
        }
        match self.ooo.get(&start) {
            Some(held) if held.len() >= data.len() => c.inc(Counter::TcpOverlap),
            _ => {
                if let Some(old) = self.ooo.insert(start, data.to_vec()) {
                    self.ooo_bytes -= old.len();
                    c.inc(Counter::TcpOverlap);
                }
                self.ooo_bytes += data.len();
            }
        }
    }

    /// Ends the stream: whatever is held is delivered, after a gap for each
    /// hole before it.
    pub fn finish(&mut self, c: &mut Counters, out: &mut dyn FnMut(Chunk<'_>)) {
        while !self.ooo.is_empty() {
            self.skip_to_first(c, out);
            self.drain(c, out);
        }
    }

    fn deliver(&mut self, data: &[u8], out: &mut dyn FnMut(Chunk<'_>)) {
        self.offset += data.len() as u64;
        if let Some(n) = self.next_seq.as_mut() {
            *n = n.wrapping_add(data.len() as u32);
        }
        out(Chunk::Data(data));
    }

    fn gap(&mut self, len: u64, c: &mut Counters, out: &mut dyn FnMut(Chunk<'_>)) {
        if len == 0 {
            return;
        }
        c.inc(Counter::TcpReassemblyGap);
        self.offset += len;
        if let Some(n) = self.next_seq.as_mut() {
            *n = n.wrapping_add(len as u32);
        }
        out(Chunk::Gap(len));
    }

    /// Gives up on the hole before the earliest held segment.
    fn skip_to_first(&mut self, c: &mut Counters, out: &mut dyn FnMut(Chunk<'_>)) {
        if let Some((&start, _)) = self.ooo.iter().next() {
            if start > self.offset {
                self.gap(start - self.offset, c, out);
            }
        }
    }

    /// Delivers held segments that now continue the stream.
    fn drain(&mut self, c: &mut Counters, out: &mut dyn FnMut(Chunk<'_>)) {
        while let Some(entry) = self.ooo.first_entry() {
            let start = *entry.key();
            if start > self.offset {
                return;
            }
            let seg = entry.remove();
            self.ooo_bytes -= seg.len();
            let skip = usize::try_from(self.offset - start).unwrap_or(usize::MAX);
            match seg.get(skip..) {
                Some(fresh) if !fresh.is_empty() => {
                    if skip > 0 {
                        c.inc(Counter::TcpOverlap);
                    }
                    self.deliver(fresh, out);
                }
                _ => c.inc(Counter::TcpOverlap),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stream: &mut Stream, segs: &[(u32, bool, &[u8])], window: usize) -> (Vec<u8>, u64) {
        let mut c = Counters::default();
        let mut got = Vec::new();
        let mut gaps = 0;
        for &(seq, syn, data) in segs {
            stream.segment(seq, syn, data, window, &mut c, &mut |ch| match ch {
                Chunk::Data(d) => got.extend_from_slice(d),
                Chunk::Gap(n) => gaps += n,
            });
        }
        stream.finish(&mut c, &mut |ch| match ch {
            Chunk::Data(d) => got.extend_from_slice(d),
            Chunk::Gap(n) => gaps += n,
        });
        (got, gaps)
    }

    #[test]
    fn in_order_after_syn() {
        let mut s = Stream::default();
        let (got, gaps) = run(
            &mut s,
            &[(100, true, b""), (101, false, b"abc"), (104, false, b"def")],
            1024,
        );
        assert_eq!(got, b"abcdef");
        assert_eq!(gaps, 0);
        assert_eq!(s.offset(), 6);
    }

    #[test]
    fn out_of_order_is_reordered() {
        let mut s = Stream::default();
        let (got, gaps) = run(
            &mut s,
            &[
                (0, true, b""),
                (4, false, b"def"),
                (7, false, b"ghi"),
                (1, false, b"abc"),
            ],
            1024,
        );
        assert_eq!(got, b"abcdefghi");
        assert_eq!(gaps, 0);
    }

    #[test]
    fn retransmission_and_overlap_first_copy_wins() {
        let mut s = Stream::default();
        let (got, _) = run(
            &mut s,
            &[
                (0, true, b""),
                (1, false, b"abcd"),
                (1, false, b"abcd"),
                (3, false, b"XXef"),
            ],
            1024,
        );
        assert_eq!(got, b"abcdef");
    }

    #[test]
    fn sequence_wraps() {
        let mut s = Stream::default();
        let isn = u32::MAX - 2;
        let (got, gaps) = run(
            &mut s,
            &[
                (isn, true, b""),
                (isn.wrapping_add(5), false, b"fgh"),
                (isn.wrapping_add(1), false, b"abcd"),
            ],
            1024,
        );
        assert_eq!(got, b"abcdfgh");
        assert_eq!(gaps, 0);
    }

    #[test]
    fn full_window_gives_up_on_the_hole() {
        let mut s = Stream::default();
        let mut c = Counters::default();
        let mut got = Vec::new();
        let mut gaps = 0;
        let mut out = |ch: Chunk<'_>| match ch {
            Chunk::Data(d) => got.extend_from_slice(d),
            Chunk::Gap(n) => gaps += n,
        };
        s.segment(0, true, b"", 8, &mut c, &mut out);
        // Byte 1..=4 never arrive; 8 bytes of window hold two segments.
        s.segment(5, false, b"efgh", 8, &mut c, &mut out);
        s.segment(9, false, b"ijkl", 8, &mut c, &mut out);
        assert_eq!(s.buffered(), 8);
        s.segment(13, false, b"mnop", 8, &mut c, &mut out);
        assert_eq!(gaps, 4);
        assert_eq!(got, b"efghijklmnop");
        assert_eq!(c.get(Counter::TcpReassemblyGap), 1);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn midstream_pickup_and_gap_at_finish() {
        let mut s = Stream::default();
        let (got, gaps) = run(&mut s, &[(1000, false, b"ab"), (1010, false, b"zz")], 1024);
        assert_eq!(got, b"abzz");
        assert_eq!(gaps, 8);
    }

    #[test]
    fn one_byte_at_a_time_in_reverse() {
        let mut s = Stream::default();
        let text = b"hello world";
        let mut segs: Vec<(u32, bool, &[u8])> = vec![(0, true, b"")];
        for i in (0..text.len()).rev() {
            segs.push((1 + i as u32, false, &text[i..i + 1]));
        }
        let (got, gaps) = run(&mut s, &segs, 1024);
        assert_eq!(got, text);
        assert_eq!(gaps, 0);
    }
}
