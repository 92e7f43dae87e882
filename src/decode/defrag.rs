//! IPv4 and IPv6 fragment reassembly, bounded in memory, count and time.
//!
//! Each datagram is rebuilt in an etherparse [`IpDefragBuf`]; this module adds
//! what that buffer leaves to its user: a cap on trackers, a memcap on the
//! bytes held, a timeout in packet time, and counters for each limit hit.
//! A fragment that would break a limit is dropped and counted, never queued.

use std::net::IpAddr;

use etherparse::IpNumber;
use etherparse::defrag::{IpDefragBuf, IpDefragError, IpFragRange};
use hashbrown::HashMap;

use crate::counters::{Counter, Counters};
use crate::time::Timestamp;

/// Buffers kept for reuse after a datagram completes.
const MAX_SPARE_BUFFERS: usize = 64;

/// Identifies one datagram under reassembly (RFC 791 §3.2: source,
/// destination, protocol and identification; RFC 8200 §4.5 for IPv6), plus VLAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub proto: u8,
    pub vlan: [u16; 2],
}

/// One fragment as the decoder hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    /// Offset in 8-byte units (RFC 791).
    pub offset: etherparse::IpFragOffset,
    pub more: bool,
    pub payload: &'a [u8],
    pub ipv6: bool,
}

struct Tracker {
    buf: IpDefragBuf,
    last: Timestamp,
    held: usize,
    ipv6: bool,
}

/// The reassembly table.
pub struct Defrag {
    trackers: HashMap<FragKey, Tracker>,
    spare_data: Vec<Vec<u8>>,
    spare_sections: Vec<Vec<IpFragRange>>,
    memuse: usize,
    memcap: usize,
    max_trackers: usize,
    timeout_secs: u64,
}

impl Defrag {
    /// A table holding at most `memcap` bytes in `max_trackers` datagrams.
    pub fn new(memcap: u64, max_trackers: u32, timeout_secs: u32) -> Defrag {
        Defrag {
            trackers: HashMap::new(),
            spare_data: Vec::new(),
            spare_sections: Vec::new(),
            memuse: 0,
            memcap: usize::try_from(memcap).unwrap_or(usize::MAX),
            max_trackers: max_trackers as usize,
            timeout_secs: u64::from(timeout_secs),
        }
    }

    /// Bytes held now.
    pub fn memuse(&self) -> usize {
        self.memuse
    }

    /// Datagrams under reassembly now.
    pub fn active(&self) -> usize {
        self.trackers.len()
    }

    /// Adds a fragment. When it completes its datagram, the reassembled
    /// payload (everything after the IP header) is returned; hand the buffer
    /// back with [`Defrag::recycle`] once it has been decoded.
    pub fn add(
        &mut self,
        key: FragKey,
        frag: Fragment<'_>,
        ts: Timestamp,
        c: &mut Counters,
    ) -> Option<Vec<u8>> {
        c.inc(if frag.ipv6 {
            Counter::DefragIpv6Fragments
        } else {
            Counter::DefragIpv4Fragments
        });
        if self.memuse.saturating_add(frag.payload.len()) > self.memcap {
            c.inc(Counter::KagamiDefragMemcapDrops);
            return None;
        }
        if !self.trackers.contains_key(&key) {
            if self.trackers.len() >= self.max_trackers {
                c.inc(Counter::DefragMaxTrackersReached);
                return None;
            }
            let data = self.spare_data.pop().unwrap_or_default();
            let sections = self.spare_sections.pop().unwrap_or_default();
            let buf = IpDefragBuf::new(IpNumber(key.proto), data, sections);
            self.trackers.insert(
                key,
                Tracker {
                    buf,
                    last: ts,
                    held: 0,
                    ipv6: frag.ipv6,
                },
            );
        }
        let t = self.trackers.get_mut(&key)?;
        t.last = ts;
        let result = t.buf.add(frag.offset, frag.more, frag.payload);
        let held = t.buf.data().capacity();
        self.memuse = self.memuse.saturating_sub(t.held).saturating_add(held);
        t.held = held;
        let mut complete = None;
        match result {
            Ok(()) => {
                if t.buf.is_complete() {
                    if let Some(t) = self.trackers.remove(&key) {
                        c.inc(if t.ipv6 {
                            Counter::DefragIpv6Reassembled
                        } else {
                            Counter::DefragIpv4Reassembled
                        });
                        self.memuse = self.memuse.saturating_sub(t.held);
                        let (data, sections) = t.buf.take_bufs();
                        self.recycle_sections(sections);
                        complete = Some(data);
                    }
                }
            }
            Err(e) => {
                c.inc(match (e, frag.ipv6) {
                    (IpDefragError::SegmentTooBig { .. }, false) => Counter::Ipv4FragPktTooLarge,
                    (IpDefragError::SegmentTooBig { .. }, true) => Counter::Ipv6FragPktTooLarge,
                    (IpDefragError::ConflictingEnd { .. }, false) => Counter::Ipv4FragOverlap,
                    (IpDefragError::ConflictingEnd { .. }, true) => Counter::Ipv6FragOverlap,
                    _ => Counter::KagamiDefragInvalid,
                });
                if let Some(t) = self.trackers.remove(&key) {
                    self.memuse = self.memuse.saturating_sub(t.held);
                    let (data, sections) = t.buf.take_bufs();
                    self.recycle_sections(sections);
                    self.recycle(data);
                }
            }
        }
        c.set(Counter::DefragMemuse, self.memuse as u64);
        complete
    }

    /// Drops datagrams whose last fragment is older than the timeout.
    pub fn expire(&mut self, now: Timestamp, c: &mut Counters) {
        let timeout = self.timeout_secs;
        let mut freed = 0usize;
        let mut expired = Vec::new();
        self.trackers.retain(|_, t| {
            if now.secs_since(t.last) >= timeout {
                c.inc(if t.ipv6 {
                    Counter::DefragIpv6Timeouts
                } else {
                    Counter::DefragIpv4Timeouts
                });
                freed += t.held;
                expired.push(std::mem::replace(
                    &mut t.buf,
                    IpDefragBuf::new(IpNumber(0), Vec::new(), Vec::new()),
                ));
                false
            } else {
                true
            }
        });
        for buf in expired {
            let (data, sections) = buf.take_bufs();
            self.recycle_sections(sections);
            self.recycle(data);
        }
        self.memuse = self.memuse.saturating_sub(freed);
        c.set(Counter::DefragMemuse, self.memuse as u64);
    }

    /// Drops every datagram still incomplete (end of input), counting them.
    pub fn drop_all(&mut self, c: &mut Counters) {
        c.add(
            Counter::KagamiDefragIncompleteAtEnd,
            self.trackers.len() as u64,
        );
        self.trackers.clear();
        self.memuse = 0;
        c.set(Counter::DefragMemuse, 0);
    }

    /// Takes back a buffer [`Defrag::add`] returned, for reuse.
    pub fn recycle(&mut self, mut data: Vec<u8>) {
        if self.spare_data.len() < MAX_SPARE_BUFFERS {
            data.clear();
            self.spare_data.push(data);
        }
    }

    fn recycle_sections(&mut self, mut sections: Vec<IpFragRange>) {
        if self.spare_sections.len() < MAX_SPARE_BUFFERS {
            sections.clear();
            self.spare_sections.push(sections);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u32) -> FragKey {
        FragKey {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            id,
            proto: 17,
            vlan: [0; 2],
        }
    }

    fn frag(offset: u16, more: bool, payload: &[u8]) -> Fragment<'_> {
        Fragment {
            offset: etherparse::IpFragOffset::try_new(offset).unwrap(),
            more,
            payload,
            ipv6: false,
        }
    }

    #[test]
    fn reassembles_in_any_order() {
        let mut d = Defrag::new(1 << 20, 16, 60);
        let mut c = Counters::default();
        let data: Vec<u8> = (0..24u8).collect();
        assert_eq!(
            d.add(key(1), frag(2, false, &data[16..]), Timestamp(0), &mut c),
            None
        );
        assert_eq!(
            d.add(key(1), frag(0, true, &data[..8]), Timestamp(0), &mut c),
            None
        );
        let got = d.add(key(1), frag(1, true, &data[8..16]), Timestamp(0), &mut c);
        assert_eq!(got.as_ref(), Some(&data));
        d.recycle(got.unwrap());
        assert_eq!(c.get(Counter::DefragIpv4Reassembled), 1);
        assert_eq!(c.get(Counter::DefragIpv4Fragments), 3);
        assert_eq!(d.memuse(), 0);
        assert_eq!(d.active(), 0);
    }

    #[test]
    fn limits_are_counted() {
        let mut d = Defrag::new(100, 2, 60);
        let mut c = Counters::default();
        d.add(key(1), frag(0, true, &[0; 8]), Timestamp(0), &mut c);
        d.add(key(2), frag(0, true, &[0; 8]), Timestamp(0), &mut c);
        d.add(key(3), frag(0, true, &[0; 8]), Timestamp(0), &mut c);
        assert_eq!(c.get(Counter::DefragMaxTrackersReached), 1);
        d.add(key(1), frag(1, true, &[0; 200]), Timestamp(0), &mut c);
        assert_eq!(c.get(Counter::KagamiDefragMemcapDrops), 1);
        d.expire(Timestamp::from_parts(61, 0), &mut c);
        assert_eq!(c.get(Counter::DefragIpv4Timeouts), 2);
        assert_eq!(d.active(), 0);
        assert_eq!(d.memuse(), 0);
    }

    #[test]
    fn unaligned_middle_fragment_is_invalid() {
        let mut d = Defrag::new(1 << 20, 16, 60);
        let mut c = Counters::default();
        d.add(key(1), frag(0, true, &[0; 5]), Timestamp(0), &mut c);
        assert_eq!(c.get(Counter::KagamiDefragInvalid), 1);
        assert_eq!(d.active(), 0);
    }
}
