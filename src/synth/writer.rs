//! Capture-file writer: classic pcap (either byte order, micro- or nanosecond
//! timestamps) or pcapng, for a chosen link type, streaming through a
//! `BufWriter`.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::{DataLink, Endianness, TsResolution};

/// Snapshot length declared in the file headers.
pub const SNAPLEN: u32 = 65535;

/// Container format of the written capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic libpcap format.
    Pcap {
        /// Write all header fields big-endian (magic `a1b2c3d4` as stored bytes).
        big_endian: bool,
        /// Nanosecond timestamps (magic `a1b23c4d`) instead of microseconds.
        nanos: bool,
    },
    /// pcapng: one Section Header Block, one Interface Description Block
    /// (with `if_tsresol` = 9, nanoseconds) and Enhanced Packet Blocks.
    PcapNg,
}

impl Default for FileFormat {
    fn default() -> Self {
        FileFormat::Pcap {
            big_endian: false,
            nanos: false,
        }
    }
}

/// Link-layer header type of every frame in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II (linktype 1), with optional 802.1Q/802.1ad tags.
    #[default]
    Ethernet,
    /// Linux cooked capture v1, 16-byte header (linktype 113).
    LinuxSll,
    /// Linux cooked capture v2, 20-byte header (linktype 276).
    LinuxSll2,
    /// Raw IPv4/IPv6 packet with no link header (linktype 101).
    RawIp,
    /// BSD loopback, 4-byte address family in little-endian order (linktype 0).
    BsdNull,
    /// OpenBSD loopback, 4-byte address family in network order (linktype 108).
    BsdLoop,
}

impl Link {
    /// The LINKTYPE_* number written to the file header / IDB.
    pub fn linktype(self) -> u32 {
        match self {
            Link::Ethernet => 1,
            Link::LinuxSll => 113,
            Link::LinuxSll2 => 276,
            Link::RawIp => 101,
            Link::BsdNull => 0,
            Link::BsdLoop => 108,
        }
    }
}

/// File format plus link type of a capture to write.
/// `Output::default()` is a classic little-endian microsecond pcap of Ethernet frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Container format.
    pub format: FileFormat,
    /// Link-layer header type.
    pub link: Link,
}

enum Inner {
    Pcap(PcapWriter<BufWriter<File>>),
    Ng(PcapNgWriter<BufWriter<File>>),
}

/// Streaming packet writer that also counts packets and bytes.
pub(crate) struct CaptureWriter {
    inner: Inner,
    /// Records written so far.
    pub packets: u64,
    /// Sum of the records' original lengths.
    pub bytes: u64,
}

fn pcap_err(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}

impl CaptureWriter {
    /// Creates `path` and writes the file header for `out`.
    pub fn create(path: &Path, out: &Output) -> io::Result<Self> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let datalink = DataLink::from(out.link.linktype());
        let inner = match out.format {
            FileFormat::Pcap { big_endian, nanos } => {
                let header = PcapHeader {
                    version_major: 2,
                    version_minor: 4,
                    ts_correction: 0,
                    ts_accuracy: 0,
                    snaplen: SNAPLEN,
                    datalink,
                    ts_resolution: if nanos {
                        TsResolution::NanoSecond
                    } else {
                        TsResolution::MicroSecond
                    },
                    endianness: if big_endian {
                        Endianness::Big
                    } else {
                        Endianness::Little
                    },
                };
                Inner::Pcap(PcapWriter::with_header(file, header).map_err(pcap_err)?)
            }
            FileFormat::PcapNg => {
                let mut w =
                    PcapNgWriter::with_endianness(file, Endianness::Little).map_err(pcap_err)?;
                // pcap-file always stores EPB timestamps in nanoseconds, so
                // declare if_tsresol = 9 for other readers.
                let idb = InterfaceDescriptionBlock {
                    linktype: datalink,
                    snaplen: SNAPLEN,
                    options: vec![
                        InterfaceDescriptionOption::IfName(Cow::Borrowed("synth0")),
                        InterfaceDescriptionOption::IfTsResol(9),
                    ],
                };
                w.write_pcapng_block(idb).map_err(pcap_err)?;
                Inner::Ng(w)
            }
        };
        Ok(CaptureWriter {
            inner,
            packets: 0,
            bytes: 0,
        })
    }

    /// Writes one record: `data` is the captured part, `orig_len` the wire length.
    pub fn write(&mut self, ts_ns: u64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let timestamp = Duration::from_nanos(ts_ns);
        match &mut self.inner {
            Inner::Pcap(w) => {
                w.write_packet(&PcapPacket::new(timestamp, orig_len, data))
                    .map_err(pcap_err)?;
            }
            Inner::Ng(w) => {
                let epb = EnhancedPacketBlock {
                    interface_id: 0,
                    timestamp,
                    original_len: orig_len,
                    data: Cow::Borrowed(data),
                    options: Vec::new(),
                };
                w.write_pcapng_block(epb).map_err(pcap_err)?;
            }
        }
        self.packets += 1;
        self.bytes += u64::from(orig_len);
        Ok(())
    }

    /// Flushes and closes the file.
    pub fn finish(self) -> io::Result<()> {
        let mut buf = match self.inner {
            Inner::Pcap(w) => w.into_writer(),
            Inner::Ng(w) => w.into_inner(),
        };
        buf.flush()
    }
}
