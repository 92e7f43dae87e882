//! `write_bulk`: the throughput benchmark's capture — thousands of
//! concurrent HTTP, TLS and DNS flows interleaved round-robin, streamed to
//! disk with reused buffers.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path as FsPath;

use super::DEMO_START_NS;
use crate::synth::SynthSummary;
use crate::synth::apps::{dns, filler_text, http, tls};
use crate::synth::flow::{Dir, Path, mac_for};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::tcp::{Flags, MSS, TcpConv};
use crate::synth::udp::UdpFlow;
use crate::synth::writer::Output;

/// Flows kept active (interleaved round-robin) at once.
const ACTIVE_MAX: usize = 10_000;
/// Wire size of a full TLS application-data record.
const REC: usize = 5 + tls::MAX_PLAINTEXT + tls::GCM_OVERHEAD;
const GATEWAY_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
const SITES: &[&str] = &[
    "www.example.com",
    "cdn.example.net",
    "static.example.org",
    "api.example.com",
    "img.example.net",
    "video.example.org",
    "files.example.com",
    "news.example.net",
];
/// Mean size of the unscaled response distribution (bytes).
const MEAN_RESPONSE: u64 = 90_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Tls,
    Dns,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Syn,
    SynAck,
    Ack,
    Xfer,
    Fin1,
    Fin2,
    Fin3,
    Done,
}

enum Conv {
    Tcp(Box<TcpConv>),
    Udp(Box<UdpFlow>),
}

struct Flow {
    conv: Conv,
    kind: Kind,
    phase: Phase,
    site: u8,
    /// Current transfer index.
    xi: u8,
    /// Segments received since the receiver's last ACK.
    unacked: u8,
    /// Bytes of the current transfer already sent.
    off: u32,
    /// Length of the current transfer (0 = not yet determined).
    xlen: u32,
    /// HTTP body length or TLS response plaintext length.
    resp: u32,
    /// TLS request plaintext length.
    req: u16,
    /// Offset into the static content buffers.
    salt: u32,
    /// HTTP response head length.
    head_len: u16,
    id: u32,
}

/// Static content shared by all flows, built once.
struct Content {
    random: Vec<u8>,
    text: Vec<u8>,
    client_hellos: Vec<Vec<u8>>,
    server_flights: Vec<Vec<u8>>,
    client_finish: Vec<u8>,
    server_finish: Vec<u8>,
}

/// TLS wire length of a record stream carrying `plain` plaintext bytes.
fn tls_stream_len(plain: usize) -> usize {
    let full = plain / tls::MAX_PLAINTEXT;
    let rem = plain % tls::MAX_PLAINTEXT;
    full * REC
        + if rem > 0 {
            rem + 5 + tls::GCM_OVERHEAD
        } else {
            0
        }
}

struct Bulk {
    rng: Rng,
    sink: Sink,
    content: Content,
    seg: Vec<u8>,
    t: u64,
    written: u64,
    committed: u64,
    started: u64,
    target: u64,
    flows: u64,
}

impl Bulk {
    fn need_more(&self, active: usize) -> bool {
        self.committed < self.target
            || self.started < self.flows
            || (active == 0 && self.written < self.target)
    }

    fn advance(&mut self, len: u64) {
        self.written += len;
        // ~10 Gbit/s plus a small per-packet gap.
        self.t += 120 + len * 4 / 5;
    }

    fn new_flow(&mut self) -> Flow {
        let n = self.started;
        self.started += 1;
        let r = &mut self.rng;
        let rem_bytes = self.target.saturating_sub(self.committed);
        let rem_flows = self.flows.saturating_sub(n);
        let mean = rem_bytes.checked_div(rem_flows).unwrap_or(u64::MAX);
        let roll = r.below(100);
        let kind = if mean < 2_500 {
            if roll < 65 { Kind::Dns } else { Kind::Http }
        } else if roll < 15 {
            Kind::Dns
        } else if roll < 60 {
            Kind::Tls
        } else {
            Kind::Http
        };
        let mut size = match r.below(100) {
            0..=29 => r.range(1_000, 5_000),
            30..=59 => r.range(5_000, 20_000),
            60..=84 => r.range(20_000, 80_000),
            85..=97 => r.range(80_000, 300_000),
            _ => r.range(1_000_000, 3_000_000),
        };
        if mean < MEAN_RESPONSE {
            size = (size * mean.max(1) / MEAN_RESPONSE).max(if mean < 2_500 { 200 } else { 400 });
        }
        // Unique client address per flow (bijection on 23 bits), random port.
        let host = (n.wrapping_mul(0x9E_3779) & 0x7f_ffff) as u32;
        let cip = IpAddr::V4(Ipv4Addr::from(0x0a80_0000 | host));
        let client = SocketAddr::new(cip, 32768 + r.below(28_000) as u16);
        let site = r.below(SITES.len() as u64) as u8;
        let path = Path::new(mac_for(cip), GATEWAY_MAC);
        let salt = r.below(1 << 16) as u32;
        let req = 300 + r.below(300) as u16;
        let (conv, est) = match kind {
            Kind::Dns => {
                let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 53)), 53);
                let f = UdpFlow::new(client, server, path, r.next_u64());
                (Conv::Udp(Box::new(f)), 250)
            }
            Kind::Http | Kind::Tls => {
                let port = if kind == Kind::Tls { 443 } else { 80 };
                let sip = Ipv4Addr::new(203, 0, 113, 10 + site * 8 + r.below(8) as u8);
                let server = SocketAddr::new(IpAddr::V4(sip), port);
                let c = TcpConv::new(client, server, path, self.t, 0, r.next_u64());
                let hs = if kind == Kind::Tls { 5_000 } else { 0 };
                let data = size + u64::from(req) + hs + 200;
                let segs = data.div_ceil(MSS as u64) + 6;
                (
                    Conv::Tcp(Box::new(c)),
                    data + segs * 66 + segs / 2 * 66 + 500,
                )
            }
        };
        self.committed += est;
        Flow {
            conv,
            kind,
            phase: if kind == Kind::Dns {
                Phase::Xfer
            } else {
                Phase::Syn
            },
            site,
            xi: 0,
            unacked: 0,
            off: 0,
            xlen: 0,
            resp: size as u32,
            req,
            salt,
            head_len: 0,
            id: n as u32,
        }
    }

    /// Number of transfers of a TCP flow.
    fn transfers(kind: Kind) -> u8 {
        if kind == Kind::Tls { 6 } else { 2 }
    }

    /// Sender of transfer `xi` (even = client).
    fn xfer_dir(xi: u8) -> Dir {
        if xi % 2 == 0 {
            Dir::ToServer
        } else {
            Dir::ToClient
        }
    }

    /// Fills `self.seg` with bytes `off..off+n` of the current transfer of `f`
    /// and returns the transfer's total length.
    fn fill(&mut self, f: &mut Flow, want: usize) -> usize {
        let c = &self.content;
        let seg = &mut self.seg;
        seg.clear();
        let site = SITES[usize::from(f.site)];
        let off = f.off as usize;
        let copy_random = |seg: &mut Vec<u8>, n: usize, salt: usize| {
            let start = (salt + off) % (c.random.len() - MSS * 2);
            seg.extend_from_slice(&c.random[start..start + n]);
        };
        match (f.kind, f.xi) {
            (Kind::Http, 0) => {
                let _ = write!(
                    seg,
                    "GET /obj/{}/{}.bin HTTP/1.1\r\nHost: {site}\r\nUser-Agent: {}\r\n\
                     Accept: */*\r\nConnection: keep-alive\r\n\r\n",
                    f.salt,
                    f.id,
                    http::USER_AGENTS[usize::from(f.site) % http::USER_AGENTS.len()],
                );
                seg.len()
            }
            (Kind::Http, _) => {
                let body = f.resp as usize;
                if off == 0 {
                    http::response_head(seg, body, "application/octet-stream");
                    f.head_len = seg.len() as u16;
                }
                let total = usize::from(f.head_len) + body;
                let n = want.min(total - off);
                let body_off = off + seg.len() - usize::from(f.head_len);
                let k = n - seg.len();
                let start = (f.salt as usize + body_off) % (c.text.len() - MSS * 2);
                seg.extend_from_slice(&c.text[start..start + k]);
                total
            }
            (Kind::Tls, 0) => {
                let b = &c.client_hellos[usize::from(f.site)];
                seg.extend_from_slice(&b[off..off + want.min(b.len() - off)]);
                b.len()
            }
            (Kind::Tls, 1) => {
                let b = &c.server_flights[usize::from(f.site)];
                seg.extend_from_slice(&b[off..off + want.min(b.len() - off)]);
                b.len()
            }
            (Kind::Tls, 2) => {
                seg.extend_from_slice(&c.client_finish);
                c.client_finish.len()
            }
            (Kind::Tls, 3) => {
                seg.extend_from_slice(&c.server_finish);
                c.server_finish.len()
            }
            (Kind::Tls, xi) => {
                let plain = if xi == 4 {
                    usize::from(f.req)
                } else {
                    f.resp as usize
                };
                let total = tls_stream_len(plain);
                let n = want.min(total - off);
                copy_random(seg, n, f.salt as usize);
                // Patch in the record headers that fall inside this segment.
                let mut rs = off / REC * REC;
                while rs < off + n {
                    let body = (total - rs).min(REC) - 5;
                    let hdr = [23, 3, 3, (body >> 8) as u8, body as u8];
                    for (k, &b) in hdr.iter().enumerate() {
                        if rs + k >= off && rs + k < off + n {
                            seg[rs + k - off] = b;
                        }
                    }
                    rs += REC;
                }
                total
            }
            (Kind::Dns, _) => 0,
        }
    }

    fn step_dns(&mut self, f: &mut Flow, u: &mut UdpFlow) -> io::Result<bool> {
        let name = SITES[usize::from(f.site)];
        let id = f.salt as u16;
        self.seg.clear();
        let dir = if f.xi == 0 {
            dns::query(&mut self.seg, id, name, dns::QTYPE_A);
            Dir::ToServer
        } else {
            let n = if f.salt % 4 == 0 {
                12 + f.salt % 16
            } else {
                1 + f.salt % 3
            };
            let mut ans = [IpAddr::V4(Ipv4Addr::UNSPECIFIED); 32];
            for (i, a) in ans.iter_mut().enumerate().take(n as usize) {
                *a = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10 + f.site * 8 + i as u8 % 8));
            }
            dns::response(
                &mut self.seg,
                id,
                name,
                dns::QTYPE_A,
                &ans[..n as usize],
                300,
            );
            Dir::ToClient
        };
        let before = u.counts.bytes[0] + u.counts.bytes[1];
        u.send(&mut self.sink, self.t, dir, &self.seg)?;
        let len = u.counts.bytes[0] + u.counts.bytes[1] - before;
        self.advance(len);
        f.xi += 1;
        Ok(f.xi == 2)
    }

    /// Emits one packet of `f`; returns true when the flow is finished.
    fn step(&mut self, f: &mut Flow) -> io::Result<bool> {
        let mut conv = match std::mem::replace(&mut f.conv, Conv::Udp(Box::new(dummy_udp()))) {
            Conv::Udp(mut u) => {
                let done = self.step_dns(f, &mut u);
                f.conv = Conv::Udp(u);
                return done;
            }
            Conv::Tcp(c) => c,
        };
        let res = self.step_tcp(f, &mut conv);
        f.conv = Conv::Tcp(conv);
        res
    }

    fn step_tcp(&mut self, f: &mut Flow, c: &mut TcpConv) -> io::Result<bool> {
        let before = c.counts.bytes[0] + c.counts.bytes[1];
        let t = self.t;
        match f.phase {
            Phase::Syn => {
                c.segment(&mut self.sink, t, Dir::ToServer, Flags::SYN, &[])?;
                f.phase = Phase::SynAck;
            }
            Phase::SynAck => {
                c.segment(&mut self.sink, t, Dir::ToClient, Flags::SYN_ACK, &[])?;
                f.phase = Phase::Ack;
            }
            Phase::Ack => {
                c.segment(&mut self.sink, t, Dir::ToServer, Flags::ACK, &[])?;
                f.phase = Phase::Xfer;
            }
            Phase::Xfer => {
                let dir = Self::xfer_dir(f.xi);
                let last_xfer = f.xi + 1 == Self::transfers(f.kind);
                let finished = f.xlen != 0 && f.off >= f.xlen;
                if f.unacked >= 2 || (finished && f.unacked > 0) {
                    // Receiver's ACK (skipped before the receiver's own reply).
                    if finished && !last_xfer {
                        f.unacked = 0;
                    } else {
                        c.segment(&mut self.sink, t, dir.rev(), Flags::ACK, &[])?;
                        f.unacked = 0;
                    }
                }
                if finished && f.unacked == 0 {
                    f.xi += 1;
                    f.off = 0;
                    f.xlen = 0;
                    if f.xi == Self::transfers(f.kind) {
                        f.phase = Phase::Fin1;
                    }
                } else if !finished && f.unacked < 2 {
                    let total = self.fill(f, MSS);
                    f.xlen = total as u32;
                    let n = self.seg.len();
                    let flags = if f.off as usize + n >= total {
                        Flags::PSH_ACK
                    } else {
                        Flags::ACK
                    };
                    c.segment(&mut self.sink, t, dir, flags, &self.seg)?;
                    f.off += n as u32;
                    f.unacked += 1;
                }
            }
            Phase::Fin1 => {
                c.segment(&mut self.sink, t, Dir::ToServer, Flags::FIN_ACK, &[])?;
                f.phase = Phase::Fin2;
            }
            Phase::Fin2 => {
                c.segment(&mut self.sink, t, Dir::ToClient, Flags::FIN_ACK, &[])?;
                f.phase = Phase::Fin3;
            }
            Phase::Fin3 => {
                c.segment(&mut self.sink, t, Dir::ToServer, Flags::ACK, &[])?;
                f.phase = Phase::Done;
            }
            Phase::Done => return Ok(true),
        }
        let len = c.counts.bytes[0] + c.counts.bytes[1] - before;
        self.advance(len);
        Ok(f.phase == Phase::Done)
    }
}

fn dummy_udp() -> UdpFlow {
    let a = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    UdpFlow::new(a, a, Path::default(), 0)
}

fn content(rng: &mut Rng) -> Content {
    let mut random = vec![0u8; 256 * 1024];
    rng.fill(&mut random);
    let mut text = Vec::with_capacity(128 * 1024);
    filler_text(rng, 128 * 1024, &mut text);
    Content {
        random,
        text,
        client_hellos: SITES.iter().map(|s| tls::client_hello(rng, s)).collect(),
        server_flights: SITES.iter().map(|s| tls::server_flight(rng, s)).collect(),
        client_finish: tls::client_finish(rng),
        server_finish: tls::server_finish(rng),
    }
}

/// Writes the throughput benchmark capture (Ethernet, classic pcap) of at
/// least `target_bytes` bytes (sum of frame lengths) and at least `flows`
/// flows: TCP flows to port 80 (HTTP GET + response) and 443 (TLS 1.2
/// handshake + application data), each with handshake, request, response of
/// varying size, receiver ACKs every second segment and FIN; plus DNS over
/// UDP. About 10k flows are active at once, interleaved round-robin one
/// packet at a time. Response sizes are scaled down when
/// `target_bytes / flows` is small, so the packet-size mix shifts towards
/// small packets for flow-heavy requests. Streams to disk: `flows` in the
/// summary is empty, `flow_count` is set.
pub fn write_bulk(
    path: &FsPath,
    target_bytes: u64,
    flows: u64,
    seed: u64,
) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(seed);
    let content = content(&mut rng);
    let mut b = Bulk {
        rng,
        sink: Sink::create(path, &Output::default(), false)?,
        content,
        seg: Vec::with_capacity(2 * MSS),
        t: DEMO_START_NS,
        written: 0,
        committed: 0,
        started: 0,
        target: target_bytes,
        flows,
    };
    let mut active: Vec<Flow> = Vec::with_capacity(ACTIVE_MAX);
    let mut i = 0usize;
    loop {
        if active.len() < ACTIVE_MAX && b.need_more(active.len()) {
            let f = b.new_flow();
            active.push(f);
        }
        if active.is_empty() {
            break;
        }
        if i >= active.len() {
            i = 0;
        }
        if b.step(&mut active[i])? {
            active.swap_remove(i);
        } else {
            i += 1;
        }
    }
    let (packets, bytes) = b.sink.finish()?;
    Ok(SynthSummary {
        packets,
        bytes,
        flows: Vec::new(),
        flow_count: b.started,
    })
}
