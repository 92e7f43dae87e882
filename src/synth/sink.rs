//! Emission pipeline: takes a layer-3 packet built by a flow, applies the
//! flow's path (tunnel, VLANs, link header) and writes it — either straight
//! through (streaming scenarios) or buffered and sorted by timestamp
//! (scenarios whose flows overlap in time).

use std::io;
use std::path::Path as FsPath;

use super::encap::{EncapState, TUNNEL_A_MAC, TUNNEL_B_MAC};
use super::flow::{Dir, Path, Tunnel};
use super::link::{ETH_IPV4, L2, push_link_header};
use super::writer::{CaptureWriter, Link, Output};

struct Pending {
    ts: u64,
    idx: u64,
    data: Vec<u8>,
}

/// Frames and writes packets; counts them via the underlying writer.
pub(crate) struct Sink {
    w: CaptureWriter,
    link: Link,
    l3: Vec<u8>,
    frame: Vec<u8>,
    sorted: Option<Vec<Pending>>,
    encap: EncapState,
}

impl Sink {
    /// Creates the file. With `sorted`, frames are buffered and written in
    /// timestamp order by `finish` (ties keep emission order).
    pub fn create(path: &FsPath, out: &Output, sorted: bool) -> io::Result<Sink> {
        Ok(Sink {
            w: CaptureWriter::create(path, out)?,
            link: out.link,
            l3: Vec::with_capacity(70_000),
            frame: Vec::with_capacity(70_000),
            sorted: sorted.then(Vec::new),
            encap: EncapState::default(),
        })
    }

    /// Clears and returns the layer-3 buffer to build the next packet into.
    #[inline]
    pub fn start(&mut self) -> &mut Vec<u8> {
        self.l3.clear();
        &mut self.l3
    }

    /// Frames the packet in the layer-3 buffer (an IP packet or ARP of
    /// `ethertype`) for `path`/`dir` and writes it at `ts_ns`.
    /// Returns the frame length.
    pub fn emit(&mut self, ts_ns: u64, path: &Path, dir: Dir, ethertype: u16) -> io::Result<u64> {
        let fwd = dir == Dir::ToServer;
        let (src, dst) = if fwd {
            (path.client_mac, path.server_mac)
        } else {
            (path.server_mac, path.client_mac)
        };
        let l2 = L2 {
            src,
            dst,
            vlans: &path.vlans,
            outgoing: fwd,
        };
        self.frame.clear();
        if path.tunnel == Tunnel::None {
            push_link_header(&mut self.frame, self.link, &l2, ethertype)?;
            self.frame.extend_from_slice(&self.l3);
        } else {
            let erspan = matches!(path.tunnel, Tunnel::ErspanII | Tunnel::ErspanIII);
            let outer_fwd = fwd || erspan;
            let (osrc, odst) = if outer_fwd {
                (TUNNEL_A_MAC, TUNNEL_B_MAC)
            } else {
                (TUNNEL_B_MAC, TUNNEL_A_MAC)
            };
            let outer = L2 {
                src: osrc,
                dst: odst,
                vlans: &[],
                outgoing: outer_fwd,
            };
            push_link_header(&mut self.frame, self.link, &outer, ETH_IPV4)?;
            self.encap.wrap(
                &mut self.frame,
                path.tunnel,
                &l2,
                ethertype,
                &self.l3,
                fwd,
                ts_ns,
            )?;
        }
        let len = self.frame.len() as u64;
        match &mut self.sorted {
            Some(v) => {
                let idx = v.len() as u64;
                v.push(Pending {
                    ts: ts_ns,
                    idx,
                    data: self.frame.clone(),
                });
            }
            None => {
                let n = u32::try_from(self.frame.len()).map_err(io::Error::other)?;
                self.w.write(ts_ns, &self.frame, n)?;
            }
        }
        Ok(len)
    }

    /// Writes a raw record (captured bytes `data`, wire length `orig_len`),
    /// bypassing framing. Only valid for streaming sinks.
    pub fn raw(&mut self, ts_ns: u64, data: &[u8], orig_len: u32) -> io::Result<()> {
        if self.sorted.is_some() {
            return Err(io::Error::other("raw records need a streaming sink"));
        }
        self.w.write(ts_ns, data, orig_len)
    }

    /// Writes any buffered frames in time order, flushes, and returns
    /// (packets, bytes) written.
    pub fn finish(mut self) -> io::Result<(u64, u64)> {
        if let Some(mut v) = self.sorted.take() {
            v.sort_by_key(|p| (p.ts, p.idx));
            for p in &v {
                let n = u32::try_from(p.data.len()).map_err(io::Error::other)?;
                self.w.write(p.ts, &p.data, n)?;
            }
        }
        let (p, b) = (self.w.packets, self.w.bytes);
        self.w.finish()?;
        Ok((p, b))
    }
}
