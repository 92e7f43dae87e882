//! Per-flow SSH state: each direction's identification string, then its
//! binary packets until `SSH_MSG_KEXINIT`; one transaction per flow once
//! both KEXINITs are seen (or at the flow's end), after which both
//! directions stop (the rest is encrypted).

use super::parser::{self, IdentLine, MSG_KEXINIT, SshError};
use crate::proto::util::lossy;
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Lines a server may send before its identification string that we skip
/// (RFC 4253 §4.2 allows them; a bound keeps a talkative peer cheap).
pub const MAX_PRE_IDENT_LINES: u32 = 16;

/// Binary packets looked at per direction before KEXINIT; it is the first
/// packet in practice (RFC 4253 §7.1), so a few is plenty.
pub const MAX_PACKETS_BEFORE_KEXINIT: u32 = 4;

/// A HASSH fingerprint (Salesforce's HASSH: MD5 of
/// `kex;encryption;mac;compression` from the sender's KEXINIT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hassh {
    /// Lower-case hex MD5 of the full string.
    pub hash: String,
    /// The string hashed, cut to the configured string limit.
    pub string: String,
}

/// What one end of the connection said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshPeer {
    /// `protoversion` of the identification string (RFC 4253 §4.2).
    pub proto_version: Option<String>,
    /// `softwareversion`, without the comments.
    pub software_version: Option<String>,
    /// The comments after the software version, if any.
    pub comments: Option<String>,
    /// HASSH (client) or HASSH-server of this end's KEXINIT.
    pub hassh: Option<Hassh>,
    /// The server host key algorithms this end offered (RFC 4253 §7.1).
    pub host_key_algorithms: Option<String>,
}

/// The flow's SSH handshake, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshTx {
    pub client: SshPeer,
    pub server: SshPeer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ident { skipped: u32 },
    Packets { seen: u32 },
    Done,
}

/// Per-flow SSH state.
pub struct SshState {
    max_string: usize,
    phase: [Phase; 2],
    tx: SshTx,
    emitted: bool,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(SshState::new(cfg))
}

impl SshState {
    /// A fresh state.
    pub fn new(cfg: &ProtoConfig) -> SshState {
        SshState {
            max_string: cfg.max_string,
            phase: [Phase::Ident { skipped: 0 }; 2],
            tx: SshTx::default(),
            emitted: false,
        }
    }

    fn peer(&mut self, dir: Direction) -> &mut SshPeer {
        match dir {
            Direction::ToServer => &mut self.tx.client,
            Direction::ToClient => &mut self.tx.server,
        }
    }

    fn emit_if_complete(&mut self, out: &mut EventSink) {
        if !self.emitted && self.phase.iter().all(|p| *p == Phase::Done) {
            self.emitted = true;
            out.push(AppTx::Ssh(Box::new(self.tx.clone())));
        }
    }

    /// One step on `data` of `dir`; returns the bytes used, or the progress
    /// to report.
    fn step(
        &mut self,
        dir: Direction,
        data: &[u8],
        out: &mut EventSink,
    ) -> Result<usize, Progress> {
        let max = self.max_string;
        let i = dir.index();
        let phase = self.phase.get(i).copied().unwrap_or(Phase::Done);
        match phase {
            Phase::Ident { skipped } => match parser::parse_ident_line(data) {
                Ok((IdentLine::Ident(id), used)) => {
                    let v1 = id.proto_version.starts_with(b"1.") && id.proto_version != b"1.99";
                    let peer = self.peer(dir);
                    peer.proto_version = Some(lossy(id.proto_version, max));
                    peer.software_version = Some(lossy(id.software_version, max));
                    peer.comments = id.comments.map(|c| lossy(c, max));
                    // SSH-1 has no KEXINIT: nothing more to read here.
                    self.set_phase(
                        i,
                        if v1 {
                            Phase::Done
                        } else {
                            Phase::Packets { seen: 0 }
                        },
                    );
                    Ok(used)
                }
                Ok((IdentLine::Other(_), used))
                    if dir == Direction::ToClient && skipped < MAX_PRE_IDENT_LINES =>
                {
                    self.set_phase(
                        i,
                        Phase::Ident {
                            skipped: skipped + 1,
                        },
                    );
                    Ok(used)
                }
                Ok((IdentLine::Other(_), _)) => Err(Progress::LostSync),
                Err(SshError::Incomplete { needed }) => Err(Progress::NeedMore {
                    consumed: 0,
                    needed,
                }),
                Err(_) => Err(Progress::LostSync),
            },
            Phase::Packets { seen } => match parser::parse_packet(data) {
                Ok((pkt, used)) => {
                    if pkt.msg_type() == Some(MSG_KEXINIT) {
                        let k =
                            parser::parse_kexinit(pkt.payload).map_err(|_| Progress::LostSync)?;
                        let client = dir == Direction::ToServer;
                        let s = k.hassh_string(client);
                        let hassh = Hassh {
                            hash: parser::hassh_hash(&s),
                            string: lossy(&s, max),
                        };
                        let hk = lossy(k.server_host_key_algorithms, max);
                        let peer = self.peer(dir);
                        peer.hassh = Some(hassh);
                        peer.host_key_algorithms = Some(hk);
                        self.set_phase(i, Phase::Done);
                    } else if seen + 1 >= MAX_PACKETS_BEFORE_KEXINIT {
                        self.set_phase(i, Phase::Done);
                    } else {
                        self.set_phase(i, Phase::Packets { seen: seen + 1 });
                    }
                    Ok(used)
                }
                Err(SshError::Incomplete { needed }) => Err(Progress::NeedMore {
                    consumed: 0,
                    needed,
                }),
                Err(_) => Err(Progress::LostSync),
            },
            Phase::Done => {
                self.emit_if_complete(out);
                Err(Progress::Stop)
            }
        }
    }

    fn set_phase(&mut self, i: usize, p: Phase) {
        if let Some(slot) = self.phase.get_mut(i) {
            *slot = p;
        }
    }
}

impl AppState for SshState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        let mut at = 0;
        loop {
            let rest = data.get(at..).unwrap_or(&[]);
            let done = self.phase.get(dir.index()) == Some(&Phase::Done);
            if rest.is_empty() && !done {
                return Progress::Done;
            }
            match self.step(dir, rest, out) {
                Ok(used) => at += used,
                Err(Progress::NeedMore { needed, .. }) => {
                    return Progress::NeedMore {
                        consumed: at,
                        needed,
                    };
                }
                Err(Progress::LostSync) => {
                    // Nothing more will come from this side: log what we have.
                    self.set_phase(dir.index(), Phase::Done);
                    self.emit_if_complete(out);
                    return Progress::LostSync;
                }
                Err(p) => return p,
            }
        }
    }

    fn on_gap(&mut self, dir: Direction, _len: u64) {
        // A lost identification or KEXINIT cannot be recovered.
        self.set_phase(dir.index(), Phase::Done);
    }

    fn finish(&mut self, out: &mut EventSink) {
        let seen = self.tx.client.proto_version.is_some() || self.tx.server.proto_version.is_some();
        if !self.emitted && seen {
            self.emitted = true;
            out.push(AppTx::Ssh(Box::new(self.tx.clone())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ssh::parser::tests::{CLIENT_IDENT, KEXINIT_PACKET, SERVER_IDENT};

    fn txs(sink: &mut EventSink) -> Vec<SshTx> {
        sink.events
            .drain(..)
            .map(|e| match e.tx {
                AppTx::Ssh(tx) => *tx,
                _ => panic!("not ssh"),
            })
            .collect()
    }

    fn stream(ident: &[u8]) -> Vec<u8> {
        let mut v = ident.to_vec();
        v.extend_from_slice(KEXINIT_PACKET);
        v.extend_from_slice(&[0, 0, 0, 12, 10, 30, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]); // KEXDH_INIT-ish
        v
    }

    /// Feeds `data` one byte at a time, as the driver would.
    fn feed_bytewise(
        s: &mut SshState,
        dir: Direction,
        data: &[u8],
        sink: &mut EventSink,
    ) -> Progress {
        let mut pending: Vec<u8> = Vec::new();
        for b in data {
            pending.push(*b);
            match s.parse(dir, &pending, sink) {
                Progress::Done => pending.clear(),
                Progress::NeedMore { consumed, .. } => {
                    pending.drain(..consumed);
                }
                p => return p,
            }
        }
        Progress::Done
    }

    #[test]
    fn both_sides_one_record_then_stop() {
        let mut s = SshState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, &stream(CLIENT_IDENT), &mut sink),
            Progress::Stop
        );
        assert!(sink.events.is_empty());
        assert_eq!(
            s.parse(Direction::ToClient, &stream(SERVER_IDENT), &mut sink),
            Progress::Stop
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].client.software_version.as_deref(),
            Some("KagamiTest_1.0")
        );
        assert_eq!(t[0].server.proto_version.as_deref(), Some("2.0"));
        let ch = t[0].client.hassh.as_ref().unwrap();
        assert_eq!(ch.string, "curve-x1;aes1;mac1;none");
        assert_eq!(ch.hash, parser::hassh_hash(b"curve-x1;aes1;mac1;none"));
        assert_eq!(
            t[0].server.hassh.as_ref().unwrap().string,
            "curve-x1;aes2;mac2;zlib"
        );
        s.finish(&mut sink);
        assert!(sink.events.is_empty(), "one record per flow");
    }

    #[test]
    fn one_byte_at_a_time() {
        let mut s = SshState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(
            feed_bytewise(
                &mut s,
                Direction::ToServer,
                &stream(CLIENT_IDENT),
                &mut sink
            ),
            Progress::Stop
        );
        let mut banner = b"please wait\r\n".to_vec();
        banner.extend_from_slice(&stream(SERVER_IDENT));
        assert_eq!(
            feed_bytewise(&mut s, Direction::ToClient, &banner, &mut sink),
            Progress::Stop
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(t[0].server.hassh.is_some());
    }

    #[test]
    fn banner_only_is_logged_at_finish() {
        let mut s = SshState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToServer, CLIENT_IDENT, &mut sink),
            Progress::Done
        );
        assert!(sink.events.is_empty());
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(t[0].client.hassh.is_none());
    }

    #[test]
    fn garbage_after_banner_loses_sync() {
        let mut s = SshState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        let mut v = CLIENT_IDENT.to_vec();
        v.extend_from_slice(&[0xff; 16]);
        assert_eq!(
            s.parse(Direction::ToServer, &v, &mut sink),
            Progress::LostSync
        );
        // A client must not send lines before its identification.
        let mut s = SshState::new(&ProtoConfig::default());
        assert_eq!(
            s.parse(Direction::ToServer, b"hello\r\n", &mut sink),
            Progress::LostSync
        );
    }
}
