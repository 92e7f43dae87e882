//! pcap and pcapng files through libpcap: both byte orders, micro- and
//! nanosecond timestamps (read at nanosecond precision), every link type
//! libpcap knows. Several files are one continuous replay, in the order given.
//!
//! Every file is checked before the first packet is read, so a typo in the
//! last of twenty paths fails at once with exit status 2, not after an hour.
//! A file that ends in the middle of a record is not a failure: what was read
//! counts, the cut is counted in `capture.errors`, and the replay goes on.

use std::path::{Path, PathBuf};

use pcap::{Capture, Offline, Precision};

use super::{CaptureError, CaptureStats, LinkType, PacketSource, Poll, RawPacket};
use crate::time::Timestamp;

/// Bytes of a classic pcap record header, used to estimate file progress.
const PCAP_RECORD_HEADER_LEN: u64 = 16;

/// Replays capture files in order as one stream of packets.
pub struct FileSource {
    paths: Vec<PathBuf>,
    next: usize,
    current: Option<(Capture<Offline>, LinkType)>,
    current_path: Option<PathBuf>,
    bpf: String,
    batch: usize,
    stats: CaptureStats,
    /// Human-readable notes on files cut short, for the run summary.
    warnings: Vec<String>,
}

impl FileSource {
    /// Checks every path (exists, is a file, is a capture libpcap can read,
    /// and takes the BPF filter) and prepares the replay.
    pub fn open(paths: &[PathBuf], bpf: &str, batch: usize) -> Result<FileSource, CaptureError> {
        for path in paths {
            let cap = open_one(path)?;
            drop(apply_filter(cap, bpf)?);
        }
        Ok(FileSource {
            paths: paths.to_vec(),
            next: 0,
            current: None,
            current_path: None,
            bpf: bpf.to_string(),
            batch: batch.max(1),
            stats: CaptureStats::default(),
            warnings: Vec::new(),
        })
    }

    /// Total size in bytes of all the files (for progress).
    pub fn total_bytes(&self) -> u64 {
        self.paths
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// How many files make up the replay.
    pub fn file_count(&self) -> usize {
        self.paths.len()
    }

    fn advance(&mut self) -> Result<bool, CaptureError> {
        self.current = None;
        let Some(path) = self.paths.get(self.next).cloned() else {
            return Ok(false);
        };
        self.next += 1;
        let cap = apply_filter(open_one(&path)?, &self.bpf)?;
        let link = LinkType(cap.get_datalink().0);
        self.current = Some((cap, link));
        self.current_path = Some(path);
        self.stats.files += 1;
        Ok(true)
    }
}

fn open_one(path: &Path) -> Result<Capture<Offline>, CaptureError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CaptureError::Missing {
            path: path.to_path_buf(),
        },
        _ => CaptureError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    })?;
    if meta.is_dir() {
        return Err(CaptureError::Directory {
            path: path.to_path_buf(),
        });
    }
    // Open it ourselves first so permission problems read as such, not as a
    // format error from libpcap.
    std::fs::File::open(path).map_err(|e| CaptureError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string().to_lowercase(),
    })?;
    Capture::from_file_with_precision(path, Precision::Nano).map_err(|e| {
        CaptureError::NotACapture {
            path: path.to_path_buf(),
            reason: e.to_string().to_lowercase(),
        }
    })
}

fn apply_filter(mut cap: Capture<Offline>, bpf: &str) -> Result<Capture<Offline>, CaptureError> {
    if !bpf.is_empty() {
        cap.filter(bpf, true).map_err(|e| CaptureError::Filter {
            filter: bpf.to_string(),
            reason: e.to_string(),
        })?;
    }
    Ok(cap)
}

impl PacketSource for FileSource {
    fn next_batch(&mut self, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<Poll, CaptureError> {
        if self.current.is_none() && !self.advance()? {
            return Ok(Poll::Finished);
        }
        let mut n = 0;
        while n < self.batch {
            let Some((cap, link)) = self.current.as_mut() else {
                break;
            };
            let link = *link;
            match cap.next_packet() {
                Ok(p) => {
                    // With Precision::Nano libpcap stores nanoseconds in tv_usec.
                    let ts = Timestamp::from_parts(
                        p.header.ts.tv_sec,
                        u32::try_from(p.header.ts.tv_usec)
                            .unwrap_or(0)
                            .min(999_999_999),
                    );
                    let raw = RawPacket {
                        ts,
                        link,
                        orig_len: p.header.len,
                        data: p.data,
                    };
                    self.stats.received += 1;
                    self.stats.file_bytes += PCAP_RECORD_HEADER_LEN + p.data.len() as u64;
                    if (p.data.len() as u64) < u64::from(p.header.len) {
                        self.stats.truncated += 1;
                    }
                    f(&raw);
                    n += 1;
                }
                Err(pcap::Error::NoMorePackets) => {
                    self.current = None;
                    break;
                }
                Err(e) => {
                    // A record cut short at the end of the file, or a corrupt
                    // record header: libpcap cannot resynchronise, so the rest
                    // of this file is lost; say so and go on with the next.
                    self.stats.errors += 1;
                    let path = self.current_path.as_deref().unwrap_or(Path::new("?"));
                    self.warnings.push(format!(
                        "{}: stopped reading after packet {} of this file: {}",
                        path.display(),
                        self.stats.received,
                        e.to_string().to_lowercase()
                    ));
                    self.current = None;
                    break;
                }
            }
        }
        if n == 0 && self.current.is_none() && self.next >= self.paths.len() {
            return Ok(Poll::Finished);
        }
        Ok(Poll::Packets(n))
    }

    fn stats(&self) -> CaptureStats {
        self.stats
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
