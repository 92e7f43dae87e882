//! Per-flow IRC state: the session's facts (nick, user, server, channels,
//! message counts, DCC offers), one transaction per DCC offer as it is
//! seen, and one session summary when the flow ends.

use std::net::IpAddr;

use super::parser::{self, IrcMessage, MAX_LINE};
use crate::proto::util::{lossy, split_line};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Consecutive lines that do not parse as IRC before a direction is given
/// up as not (or no longer) IRC.
pub const MAX_BAD_LINES: u32 = 8;

/// A DCC offer (CTCP `DCC SEND` / `DCC CHAT`), owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrcDcc {
    /// `SEND`, `CHAT`, … as sent.
    pub kind: String,
    /// The file name of a SEND (the protocol of a CHAT).
    pub file: String,
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
    /// The announced file size, in bytes.
    pub size: Option<u64>,
    /// `ToServer`: our client offered it; `ToClient`: someone offered it to
    /// our client.
    pub dir: Direction,
    /// The other party: the PRIVMSG target (outgoing) or sender (incoming).
    pub peer: Option<String>,
}

/// An IRC session's facts, owned. Pushed when the client first joins a
/// channel, once per DCC offer (with `dcc` set to that offer) and once at
/// the flow's end (with `dcc` unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IrcTx {
    /// The nick in use: the client's last NICK, or the one the server's
    /// welcome (001) addressed.
    pub nick: Option<String>,
    /// USER's user name and real name (RFC 2812 §3.1.3).
    pub user: Option<String>,
    pub realname: Option<String>,
    /// The server's name, from the prefix of its welcome or other replies.
    pub server: Option<String>,
    /// Whether the client sent PASS (the password is not kept).
    pub password_sent: bool,
    /// Channels joined, in order, without repeats.
    pub channels: Vec<String>,
    /// PARTs sent.
    pub parts: u64,
    /// PRIVMSG and NOTICE sent by the client.
    pub privmsg_count: u64,
    pub notice_count: u64,
    /// PRIVMSG received by the client.
    pub privmsg_received: u64,
    /// PRIVMSG targets (channels or nicks), without repeats.
    pub privmsg_targets: Vec<String>,
    /// Whether the client sent QUIT, and its message.
    pub quit: bool,
    pub quit_message: Option<String>,
    /// Every DCC offer seen so far.
    pub dcc_offers: Vec<IrcDcc>,
    /// The offer this transaction reports (`None` for the summary).
    pub dcc: Option<IrcDcc>,
    /// Lines that parsed as IRC messages, both directions.
    pub messages: u64,
    /// Lines that did not.
    pub bad_lines: u64,
}

/// Per-flow IRC state.
pub struct IrcState {
    max_items: usize,
    max_string: usize,
    tx: IrcTx,
    bad_run: [u32; 2],
    /// A gap cut a line: skip to the next line end.
    resync: [bool; 2],
    finished: bool,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(IrcState::new(cfg))
}

fn push_unique(list: &mut Vec<String>, item: String, max: usize) {
    if list.len() < max && !list.contains(&item) {
        list.push(item);
    }
}

impl IrcState {
    /// A fresh state.
    pub fn new(cfg: &ProtoConfig) -> IrcState {
        IrcState {
            max_items: cfg.max_items,
            max_string: cfg.max_string,
            tx: IrcTx::default(),
            bad_run: [0; 2],
            resync: [false; 2],
            finished: false,
        }
    }

    /// The session so far (what detectors and flowvars read).
    pub fn session(&self) -> &IrcTx {
        &self.tx
    }

    fn s(&self, b: &[u8]) -> String {
        lossy(b, self.max_string)
    }

    fn client_message(&mut self, m: &IrcMessage<'_>, out: &mut EventSink) {
        let p = &m.params;
        if m.is("NICK") {
            if let Some(n) = p.get(0) {
                self.tx.nick = Some(self.s(n));
            }
        } else if m.is("USER") {
            self.tx.user = p.get(0).map(|u| self.s(u));
            if p.len() >= 4 {
                self.tx.realname = p.last().map(|r| self.s(r));
            }
        } else if m.is("PASS") {
            self.tx.password_sent = true;
        } else if m.is("JOIN") {
            let had_channels = !self.tx.channels.is_empty();
            if let Some(list) = p.get(0) {
                for ch in list
                    .split(|b| *b == b',')
                    .filter(|c| !c.is_empty() && *c != b"0")
                {
                    let ch = self.s(ch);
                    push_unique(&mut self.tx.channels, ch, self.max_items);
                }
            }
            // The first channel joined completes the picture of the session
            // (who, where, which channels): a snapshot goes to the detectors
            // now rather than when the session ends hours later.
            if !had_channels && !self.tx.channels.is_empty() {
                out.push(AppTx::Irc(Box::new(self.tx.clone())));
            }
        } else if m.is("PART") {
            self.tx.parts += 1;
        } else if m.is("PRIVMSG") {
            self.tx.privmsg_count += 1;
            if let Some(targets) = p.get(0) {
                for t in targets.split(|b| *b == b',').filter(|t| !t.is_empty()) {
                    let t = self.s(t);
                    push_unique(&mut self.tx.privmsg_targets, t, self.max_items);
                }
            }
            self.dcc(m, Direction::ToServer, p.get(0), out);
        } else if m.is("NOTICE") {
            self.tx.notice_count += 1;
        } else if m.is("QUIT") {
            self.tx.quit = true;
            self.tx.quit_message = p.get(0).map(|q| self.s(q));
        }
    }

    fn server_message(&mut self, m: &IrcMessage<'_>, out: &mut EventSink) {
        let server_reply = m.numeric().is_some() || m.is("NOTICE");
        if let Some(prefix) = m.prefix.filter(|_| m.prefix_is_server() && server_reply) {
            if m.numeric() == Some(1) || self.tx.server.is_none() {
                self.tx.server = Some(self.s(prefix));
            }
        }
        if m.numeric() == Some(1) {
            // RPL_WELCOME is addressed to the nick the server accepted.
            if let Some(n) = m.params.get(0) {
                self.tx.nick = Some(self.s(n));
            }
        } else if m.is("JOIN") {
            let ours = match (m.prefix_nick(), self.tx.nick.as_deref()) {
                (Some(who), Some(nick)) => who.eq_ignore_ascii_case(nick.as_bytes()),
                _ => false,
            };
            if ours {
                if let Some(list) = m.params.get(0) {
                    for ch in list.split(|b| *b == b',').filter(|c| !c.is_empty()) {
                        let ch = self.s(ch);
                        push_unique(&mut self.tx.channels, ch, self.max_items);
                    }
                }
            }
        } else if m.is("PRIVMSG") {
            self.tx.privmsg_received += 1;
            self.dcc(m, Direction::ToClient, m.prefix_nick(), out);
        }
    }

    fn dcc(
        &mut self,
        m: &IrcMessage<'_>,
        dir: Direction,
        peer: Option<&[u8]>,
        out: &mut EventSink,
    ) {
        let Some(offer) = m.params.get(1).and_then(parser::parse_dcc) else {
            return;
        };
        let dcc = IrcDcc {
            kind: self.s(offer.kind),
            file: self.s(offer.argument),
            ip: offer.ip,
            port: offer.port,
            size: offer.size,
            dir,
            peer: peer.map(|p| self.s(p)),
        };
        if self.tx.dcc_offers.len() < self.max_items {
            self.tx.dcc_offers.push(dcc.clone());
        }
        let mut tx = self.tx.clone();
        tx.dcc = Some(dcc);
        out.push(AppTx::Irc(Box::new(tx)));
    }

    fn line(&mut self, dir: Direction, line: &[u8], out: &mut EventSink) -> bool {
        let i = dir.index();
        match parser::parse_message(line) {
            Ok(m) if parser::is_known(&m) => {
                self.tx.messages += 1;
                if let Some(run) = self.bad_run.get_mut(i) {
                    *run = 0;
                }
                match dir {
                    Direction::ToServer => self.client_message(&m, out),
                    Direction::ToClient => self.server_message(&m, out),
                }
                true
            }
            Err(parser::IrcError::Empty) => true,
            _ => {
                self.tx.bad_lines += 1;
                match self.bad_run.get_mut(i) {
                    Some(run) => {
                        *run += 1;
                        *run <= MAX_BAD_LINES
                    }
                    None => false,
                }
            }
        }
    }
}

impl AppState for IrcState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        let i = dir.index();
        let mut rest = data;
        if self.resync.get(i) == Some(&true) {
            match memchr::memchr(b'\n', rest) {
                Some(nl) => {
                    rest = rest.get(nl + 1..).unwrap_or(&[]);
                    if let Some(r) = self.resync.get_mut(i) {
                        *r = false;
                    }
                }
                None => return Progress::Done,
            }
        }
        loop {
            match split_line(rest) {
                Some((line, tail)) => {
                    if !self.line(dir, line, out) {
                        return Progress::LostSync;
                    }
                    rest = tail;
                }
                None if rest.is_empty() => return Progress::Done,
                None if rest.len() >= MAX_LINE => return Progress::LostSync,
                None => {
                    return Progress::NeedMore {
                        consumed: data.len().saturating_sub(rest.len()),
                        needed: rest.len() + 1,
                    };
                }
            }
        }
    }

    fn on_gap(&mut self, dir: Direction, _len: u64) {
        if let Some(r) = self.resync.get_mut(dir.index()) {
            *r = true;
        }
    }

    fn finish(&mut self, out: &mut EventSink) {
        if !self.finished && self.tx.messages > 0 {
            self.finished = true;
            out.push(AppTx::Irc(Box::new(self.tx.clone())));
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        let t = &self.tx;
        if let Some(n) = &t.nick {
            out.push(("irc.nick", n.clone()));
        }
        if let Some(s) = &t.server {
            out.push(("irc.server", s.clone()));
        }
        if !t.channels.is_empty() {
            let joined = t.channels.join(",");
            out.push(("irc.channels", lossy(joined.as_bytes(), self.max_string)));
        }
        if t.messages > 0 {
            out.push(("irc.privmsg_count", t.privmsg_count.to_string()));
        }
        if !t.dcc_offers.is_empty() {
            out.push(("irc.dcc_offers", t.dcc_offers.len().to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::irc::parser::tests::{CLIENT, SERVER};

    fn txs(sink: &mut EventSink) -> Vec<IrcTx> {
        sink.events
            .drain(..)
            .map(|e| match e.tx {
                AppTx::Irc(tx) => *tx,
                _ => panic!("not irc"),
            })
            .collect()
    }

    fn check_session(t: &IrcTx) {
        assert_eq!(t.nick.as_deref(), Some("kagami_t"));
        assert_eq!(t.user.as_deref(), Some("kuser"));
        assert_eq!(t.realname.as_deref(), Some("Kagami Tester"));
        assert_eq!(t.server.as_deref(), Some("irc.example.net"));
        assert_eq!(t.channels, vec!["#alpha", "#beta"]);
        assert_eq!(t.privmsg_count, 2);
        assert_eq!(t.notice_count, 1);
        assert_eq!(t.privmsg_received, 1);
        assert_eq!(t.privmsg_targets, vec!["#alpha", "bob"]);
        assert_eq!(t.parts, 1);
        assert!(t.quit);
        assert_eq!(t.quit_message.as_deref(), Some("gone"));
        assert_eq!(t.dcc_offers.len(), 2);
        assert!(t.dcc.is_none());
    }

    #[test]
    fn session_dcc_and_summary() {
        let mut s = IrcState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(Direction::ToClient, SERVER, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, CLIENT, &mut sink),
            Progress::Done
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 2, "one transaction per DCC offer");
        let incoming = t[0].dcc.as_ref().unwrap();
        assert_eq!(incoming.file, "report.pdf");
        assert_eq!(incoming.peer.as_deref(), Some("bob"));
        assert_eq!(incoming.dir, Direction::ToClient);
        assert_eq!(incoming.ip, Some("198.51.100.1".parse().unwrap()));
        let outgoing = t[1].dcc.as_ref().unwrap();
        assert_eq!(outgoing.file, "my notes.txt");
        assert_eq!(outgoing.size, Some(12345));
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        check_session(&t[0]);
        let mut vars = Vec::new();
        s.flowvars(&mut vars);
        assert!(vars.contains(&("irc.channels", "#alpha,#beta".to_string())));
        assert!(vars.contains(&("irc.privmsg_count", "2".to_string())));
    }

    #[test]
    fn one_byte_at_a_time() {
        let mut s = IrcState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        for (dir, data) in [(Direction::ToClient, SERVER), (Direction::ToServer, CLIENT)] {
            let mut pending: Vec<u8> = Vec::new();
            for b in data {
                pending.push(*b);
                match s.parse(dir, &pending, &mut sink) {
                    Progress::Done => pending.clear(),
                    Progress::NeedMore { consumed, .. } => {
                        pending.drain(..consumed);
                    }
                    p => panic!("{p:?}"),
                }
            }
        }
        assert_eq!(txs(&mut sink).len(), 2);
        s.finish(&mut sink);
        check_session(&txs(&mut sink)[0]);
    }

    #[test]
    fn binary_loses_sync_and_long_lines_are_bounded() {
        let mut s = IrcState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        let garbage: Vec<u8> = (0..20).flat_map(|_| *b"\x00\x01\n").collect();
        assert_eq!(
            s.parse(Direction::ToServer, &garbage, &mut sink),
            Progress::LostSync
        );
        let long = vec![b'a'; MAX_LINE];
        assert_eq!(
            s.parse(Direction::ToClient, &long, &mut sink),
            Progress::LostSync
        );
        s.finish(&mut sink);
        assert!(sink.events.is_empty(), "nothing parsed, nothing logged");
    }

    #[test]
    fn gap_resynchronises_at_next_line() {
        let mut s = IrcState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        s.on_gap(Direction::ToServer, 10);
        assert_eq!(
            s.parse(
                Direction::ToServer,
                b"K tail of a cut line\r\nNICK after\r\n",
                &mut sink
            ),
            Progress::Done
        );
        assert_eq!(s.session().nick.as_deref(), Some("after"));
        assert_eq!(s.session().bad_lines, 0);
    }

    #[test]
    fn channel_list_is_capped() {
        let cfg = ProtoConfig {
            max_items: 3,
            ..ProtoConfig::default()
        };
        let mut s = IrcState::new(&cfg);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, b"JOIN #a,#b,#c,#d,#e\r\n", &mut sink);
        assert_eq!(s.session().channels.len(), 3);
    }
}
