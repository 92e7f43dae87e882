//! Capture sources: where packets come from.
//!
//! A source hands out batches of borrowed packets ([`RawPacket`]); the slice
//! is valid only during the callback, so nothing is copied on the way in.
//! Sources count what they receive, drop and truncate ([`CaptureStats`]);
//! decoding is left to [`crate::decode`].
//!
//! - [`pcap_file`]: pcap and pcapng files (one continuous replay over many files)
//! - [`libpcap`]: live interfaces through libpcap
//!
//! The AF_PACKET ring with fan-out plugs in as another [`PacketSource`].

pub mod libpcap;
pub mod pcap_file;

use std::path::PathBuf;

use thiserror::Error;

use crate::time::Timestamp;

/// A data-link type as libpcap numbers it (LINKTYPE_* values). Open: unknown
/// values are carried and counted, never rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub i32);

impl LinkType {
    /// BSD loopback, 4-byte address family in host byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP on OpenBSD/old libpcap (DLT_RAW 12 and 14).
    pub const RAW_12: LinkType = LinkType(12);
    pub const RAW_14: LinkType = LinkType(14);
    /// Raw IPv4 or IPv6, version read from the first nibble.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback, 4-byte address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture v1 (16-byte header).
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux "cooked" capture v2 (20-byte header).
    pub const LINUX_SLL2: LinkType = LinkType(276);
}

/// One packet as a source delivers it. `data` is borrowed from the source's
/// buffer and valid only for the duration of the callback.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time (packet time drives every timeout in kagami).
    pub ts: Timestamp,
    /// How the bytes start.
    pub link: LinkType,
    /// Length on the wire; larger than `data.len()` when the capture was cut short.
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// What one call to [`PacketSource::next_batch`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// This many packets were handed out.
    Packets(usize),
    /// Nothing arrived before the source's timeout (live capture).
    Idle,
    /// The source has nothing more, ever (end of the last file).
    Finished,
}

/// Counters a source keeps about itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets handed to kagami.
    pub received: u64,
    /// Packets the kernel or NIC dropped before kagami saw them (live).
    pub kernel_drops: u64,
    /// Packets the interface dropped (live).
    pub kernel_ifdrops: u64,
    /// Packets the kernel saw (live).
    pub kernel_packets: u64,
    /// Packets captured shorter than they were on the wire.
    pub truncated: u64,
    /// Read errors, including a file that ends in the middle of a record.
    pub errors: u64,
    /// Files fully or partly read.
    pub files: u64,
    /// Bytes of capture file consumed so far (for progress).
    pub file_bytes: u64,
}

/// A source of packets.
pub trait PacketSource {
    /// `f` sees each packet; the slice is valid only during the call.
    fn next_batch(&mut self, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<Poll, CaptureError>;
    /// Counters so far.
    fn stats(&self) -> CaptureStats;
    /// Problems met on the way that did not stop the run (a file cut short).
    fn warnings(&self) -> &[String] {
        &[]
    }
}

/// A capture source that cannot be opened or read. These stop the run: bad
/// packets inside a readable source are counted, never reported here.
#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("cannot read {path}: no such file (check the path)")]
    Missing { path: PathBuf },
    #[error(
        "cannot read {path}: it is a directory (give the capture files inside it, e.g. {path}/*.pcap)"
    )]
    Directory { path: PathBuf },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path} is not a pcap or pcapng capture ({reason})")]
    NotACapture { path: PathBuf, reason: String },
    #[error("cannot open interface {iface}: {reason}")]
    Interface { iface: String, reason: String },
    #[error("bad BPF filter `{filter}`: {reason}")]
    Filter { filter: String, reason: String },
    #[error("capture on {iface} failed: {reason}")]
    Read { iface: String, reason: String },
}
