//! Live capture through libpcap: the portable source (any interface libpcap
//! can open). The AF_PACKET ring is faster on Linux; this is the fallback.
//!
//! Kernel counters (`pcap_stats`) are read after each batch and reported as
//! `capture.kernel_packets` / `kernel_drops` / `kernel_ifdrops`.

use pcap::{Active, Capture, Precision};

use super::{CaptureError, CaptureStats, LinkType, PacketSource, Poll, RawPacket};
use crate::time::Timestamp;

/// Milliseconds the kernel may hold packets before handing a block over.
const READ_TIMEOUT_MS: i32 = 100;
/// How long an idle poll sleeps before the next look at the ring.
const IDLE_SLEEP: std::time::Duration = std::time::Duration::from_millis(2);

/// A live interface.
pub struct LiveSource {
    iface: String,
    cap: Capture<Active>,
    link: LinkType,
    batch: usize,
    stats: CaptureStats,
}

/// How to open a live interface.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub snaplen: u32,
    pub promisc: bool,
    pub bpf: String,
    pub batch: usize,
}

impl LiveSource {
    /// Opens `iface` for capture.
    pub fn open(iface: &str, opts: &LiveOptions) -> Result<LiveSource, CaptureError> {
        let err = |e: pcap::Error| CaptureError::Interface {
            iface: iface.to_string(),
            reason: explain(&e.to_string()),
        };
        let inactive = Capture::from_device(iface).map_err(err)?;
        let mut cap = inactive
            .promisc(opts.promisc)
            .snaplen(i32::try_from(opts.snaplen).unwrap_or(i32::MAX))
            .timeout(READ_TIMEOUT_MS)
            .immediate_mode(true)
            .precision(Precision::Nano)
            .open()
            .map_err(err)?
            // Non-blocking: with TPACKET_V3 libpcap's read timeout only fires
            // once a packet has arrived, so a quiet link would block forever
            // and a stop request (SIGINT) would never be seen.
            .setnonblock()
            .map_err(err)?;
        if !opts.bpf.is_empty() {
            cap.filter(&opts.bpf, true)
                .map_err(|e| CaptureError::Filter {
                    filter: opts.bpf.clone(),
                    reason: e.to_string(),
                })?;
        }
        let link = LinkType(cap.get_datalink().0);
        Ok(LiveSource {
            iface: iface.to_string(),
            cap,
            link,
            batch: opts.batch.max(1),
            stats: CaptureStats::default(),
        })
    }
}

/// Turns libpcap's wording into a message that names the fix.
fn explain(reason: &str) -> String {
    let lower = reason.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        "permission denied (needs root or CAP_NET_RAW: sudo setcap cap_net_raw,cap_net_admin=eip $(which kagami))".into()
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        "no such interface (list them with `ip link`)".into()
    } else {
        lower
    }
}

impl PacketSource for LiveSource {
    fn next_batch(&mut self, f: &mut dyn FnMut(&RawPacket<'_>)) -> Result<Poll, CaptureError> {
        let mut n = 0;
        while n < self.batch {
            match self.cap.next_packet() {
                Ok(p) => {
                    let ts = Timestamp::from_parts(
                        p.header.ts.tv_sec,
                        u32::try_from(p.header.ts.tv_usec)
                            .unwrap_or(0)
                            .min(999_999_999),
                    );
                    if (p.data.len() as u64) < u64::from(p.header.len) {
                        self.stats.truncated += 1;
                    }
                    self.stats.received += 1;
                    f(&RawPacket {
                        ts,
                        link: self.link,
                        orig_len: p.header.len,
                        data: p.data,
                    });
                    n += 1;
                }
                Err(pcap::Error::TimeoutExpired) => {
                    if n == 0 {
                        std::thread::sleep(IDLE_SLEEP);
                    }
                    break;
                }
                Err(pcap::Error::NoMorePackets) => return Ok(Poll::Finished),
                Err(e) => {
                    return Err(CaptureError::Read {
                        iface: self.iface.clone(),
                        reason: e.to_string(),
                    });
                }
            }
        }
        if let Ok(s) = self.cap.stats() {
            self.stats.kernel_packets = u64::from(s.received);
            self.stats.kernel_drops = u64::from(s.dropped);
            self.stats.kernel_ifdrops = u64::from(s.if_dropped);
        }
        Ok(if n == 0 { Poll::Idle } else { Poll::Packets(n) })
    }

    fn stats(&self) -> CaptureStats {
        self.stats
    }
}
