//! Per-flow SMTP state: commands and replies paired in order (pipelining,
//! RFC 2920), the message of DATA (RFC 5321 §4.5.2 dot-stuffing, §4.1.1.4
//! end) or BDAT (RFC 3030) counted as it passes, its header block and its
//! MIME parts' file names picked out line by line, and one transaction per
//! message. The body itself is never kept: only the current line, bounded.

use std::collections::VecDeque;

use super::parser::{self, Command, MAX_LINE};
use crate::proto::util::{lossy, split_line};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// Most commands waiting for their replies (RFC 2920 pipelining); past it
/// the oldest is forgotten.
pub const MAX_PENDING: usize = 64;

/// Longest message line looked at for header fields and MIME part
/// headers, in bytes (RFC 5322 §2.1.1 allows 998); the rest of a longer
/// line is counted, not read.
pub const MAX_SCAN_LINE: usize = 1000;

/// The message header fields kagami keeps (RFC 5322 §3.6) and the file
/// names of its MIME parts (RFC 2183).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailHeaders {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub date: Option<String>,
    pub x_mailer: Option<String>,
    pub attachments: Vec<String>,
}

/// One message (or, at the end of a session that sent none, the session's
/// envelope), owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmtpTx {
    /// Sequence number of this transaction within its flow.
    pub tx_id: u64,
    /// The EHLO or HELO argument (RFC 5321 §4.1.1.1).
    pub helo: Option<String>,
    /// The reverse-path address, without angle brackets (RFC 5321 §4.1.1.2);
    /// empty for the null path `<>`.
    pub mail_from: Option<String>,
    /// Every forward-path address, without angle brackets, capped.
    pub rcpt_to: Vec<String>,
    /// Message bytes after removing dot-stuffing (DATA) or the sum of the
    /// chunks (BDAT); `None` when no message was sent.
    pub message_size: Option<u64>,
    /// The message came in BDAT chunks (RFC 3030).
    pub is_bdat: bool,
    /// The message's end was seen (not cut off by the end of the flow).
    pub complete: bool,
    /// The server accepted STARTTLS (RFC 3207).
    pub starttls: bool,
    /// The SASL mechanism of AUTH (RFC 4954).
    pub auth_mechanism: Option<String>,
    /// The message's header fields, when a message was sent.
    pub headers: Option<EmailHeaders>,
}

/// A command awaiting its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Data,
    StartTls,
    Auth,
    Other,
}

/// What the client's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Commands,
    /// DATA sent, its reply not seen yet.
    DataPending,
    /// Inside DATA's message, at this point of a line.
    Data(LinePos),
    /// Inside a BDAT chunk with this many bytes left.
    Bdat {
        left: u64,
        last: bool,
    },
}

/// Where DATA's stream is relative to a line start (for dot-stuffing and
/// the `CRLF . CRLF` end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinePos {
    LineStart,
    /// A `.` at a line start.
    AfterDot,
    /// `.` and CR at a line start.
    AfterDotCr,
    MidLine,
}

/// Which header field is being unfolded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    To,
    Cc,
    Subject,
    MessageId,
    Date,
    XMailer,
    /// Content-Type or Content-Disposition (where file names are).
    Mime,
    Ignored,
}

/// Reads one message's lines as they pass: header fields up to the first
/// empty line, then MIME part headers (after `--boundary` lines) for file
/// names. Holds at most one line and one field value, both bounded.
#[derive(Debug)]
struct Scanner {
    max_string: usize,
    max_items: usize,
    line: Vec<u8>,
    /// The current line was longer than [`MAX_SCAN_LINE`] (or began in a gap).
    line_cut: bool,
    in_body: bool,
    /// Between a boundary line and the part's empty line.
    in_part_headers: bool,
    field: Field,
    value: Vec<u8>,
    /// An address list's current, not yet comma-ended entry.
    quoted: bool,
    angle: bool,
    /// The current part's file name (a Content-Disposition one wins).
    part_name: Option<Vec<u8>>,
    headers: EmailHeaders,
}

impl Scanner {
    fn new(max_string: usize, max_items: usize) -> Scanner {
        Scanner {
            max_string,
            max_items,
            line: Vec::new(),
            line_cut: false,
            in_body: false,
            in_part_headers: false,
            field: Field::Ignored,
            value: Vec::new(),
            quoted: false,
            angle: false,
            part_name: None,
            headers: EmailHeaders::default(),
        }
    }

    /// Takes the next message bytes.
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let (piece, rest, eol) = match memchr::memchr(b'\n', data) {
                Some(nl) => (
                    data.get(..nl).unwrap_or(&[]),
                    data.get(nl + 1..).unwrap_or(&[]),
                    true,
                ),
                None => (data, &[][..], false),
            };
            let room = MAX_SCAN_LINE.saturating_sub(self.line.len());
            if piece.len() > room {
                self.line_cut = true;
            }
            self.line
                .extend_from_slice(piece.get(..room.min(piece.len())).unwrap_or(&[]));
            if eol {
                self.end_line();
            }
            data = rest;
        }
    }

    /// Bytes were lost: the current line is unknown.
    fn gap(&mut self) {
        self.line.clear();
        self.line_cut = true;
    }

    /// The message ended.
    fn finish(mut self) -> EmailHeaders {
        if !self.line.is_empty() {
            self.end_line();
        }
        self.end_field();
        self.end_part();
        self.headers
    }

    fn end_line(&mut self) {
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let cut = std::mem::replace(&mut self.line_cut, false);
        if !cut || !line.is_empty() {
            self.line_of_message(&line);
        }
        line.clear();
        self.line = line;
    }

    fn line_of_message(&mut self, line: &[u8]) {
        let in_headers = !self.in_body || self.in_part_headers;
        if !in_headers {
            if line.starts_with(b"--") {
                self.in_part_headers = true;
                self.part_name = None;
            }
            return;
        }
        if line.is_empty() {
            self.end_field();
            self.end_part();
            self.in_body = true;
            self.in_part_headers = false;
            return;
        }
        if parser::is_continuation(line) {
            self.add_value(line);
            return;
        }
        self.end_field();
        let Some((name, value)) = parser::header_field(line) else {
            return;
        };
        let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
        self.field = if is(b"content-type") || is(b"content-disposition") {
            Field::Mime
        } else if self.in_body {
            Field::Ignored
        } else if is(b"from") {
            Field::From
        } else if is(b"to") {
            Field::To
        } else if is(b"cc") {
            Field::Cc
        } else if is(b"subject") {
            Field::Subject
        } else if is(b"message-id") {
            Field::MessageId
        } else if is(b"date") {
            Field::Date
        } else if is(b"x-mailer") {
            Field::XMailer
        } else {
            Field::Ignored
        };
        self.add_value(value);
    }

    /// Appends (unfolded) field text; address lists are split as they come,
    /// so a To with thousands of entries needs no more than one entry's room.
    fn add_value(&mut self, text: &[u8]) {
        match self.field {
            Field::Ignored => {}
            Field::To | Field::Cc => {
                for &b in text {
                    match b {
                        b'"' => self.quoted = !self.quoted,
                        b'<' if !self.quoted => self.angle = true,
                        b'>' if !self.quoted => self.angle = false,
                        b',' if !self.quoted && !self.angle => {
                            self.end_address();
                            continue;
                        }
                        _ => {}
                    }
                    if self.value.len() < self.max_string {
                        self.value.push(b);
                    }
                }
            }
            _ => {
                let room = self.max_string.saturating_sub(self.value.len());
                self.value
                    .extend_from_slice(text.get(..room.min(text.len())).unwrap_or(&[]));
            }
        }
    }

    fn end_address(&mut self) {
        let addr = crate::proto::util::trim(&self.value);
        let list = match self.field {
            Field::To => &mut self.headers.to,
            _ => &mut self.headers.cc,
        };
        if !addr.is_empty() && list.len() < self.max_items {
            list.push(lossy(addr, self.max_string));
        }
        self.value.clear();
    }

    fn end_field(&mut self) {
        let field = std::mem::replace(&mut self.field, Field::Ignored);
        let text = || {
            Some(lossy(
                crate::proto::util::trim(&self.value),
                self.max_string,
            ))
        };
        match field {
            Field::Ignored => {}
            Field::To | Field::Cc => {
                self.field = field;
                self.end_address();
                self.field = Field::Ignored;
            }
            Field::From => self.headers.from = text(),
            Field::Subject => self.headers.subject = text(),
            Field::MessageId => self.headers.message_id = text(),
            Field::Date => self.headers.date = text(),
            Field::XMailer => self.headers.x_mailer = text(),
            Field::Mime => {
                if let Some(name) = parser::file_name(&self.value) {
                    // Content-Disposition is read after or before
                    // Content-Type; a filename= beats a name=, and
                    // file_name already ranks within one field.
                    let is_disposition =
                        self.value.starts_with(b"attachment") || self.value.starts_with(b"inline");
                    if self.part_name.is_none() || is_disposition {
                        self.part_name = Some(name);
                    }
                }
            }
        }
        self.value.clear();
        self.quoted = false;
        self.angle = false;
    }

    fn end_part(&mut self) {
        if let Some(name) = self.part_name.take() {
            if self.headers.attachments.len() < self.max_items {
                self.headers.attachments.push(lossy(&name, self.max_string));
            }
        }
    }
}

/// The message being received.
#[derive(Debug)]
struct Message {
    size: u64,
    is_bdat: bool,
    scanner: Scanner,
}

/// Per-flow SMTP state.
pub struct SmtpState {
    max_string: usize,
    max_items: usize,
    next_tx: u64,
    client: Client,
    pending: VecDeque<Pending>,
    /// The next client line answers an AUTH challenge (RFC 4954 §4).
    auth_response: bool,
    /// Drop bytes up to the next line end (after a gap), per direction.
    skip_line: [bool; 2],
    helo: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    auth_mechanism: Option<String>,
    starttls: bool,
    message: Option<Message>,
    /// Transactions logged so far.
    logged: u64,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(SmtpState::new(cfg))
}

impl SmtpState {
    /// A state with `cfg`'s limits.
    pub fn new(cfg: &ProtoConfig) -> SmtpState {
        SmtpState {
            max_string: cfg.max_string,
            max_items: cfg.max_items,
            next_tx: 0,
            client: Client::Commands,
            pending: VecDeque::new(),
            auth_response: false,
            skip_line: [false; 2],
            helo: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            auth_mechanism: None,
            starttls: false,
            message: None,
            logged: 0,
        }
    }

    fn expect_reply(&mut self, p: Pending) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(p);
    }

    fn message(&mut self, is_bdat: bool) -> &mut Message {
        let (s, i) = (self.max_string, self.max_items);
        self.message.get_or_insert_with(|| Message {
            size: 0,
            is_bdat,
            scanner: Scanner::new(s, i),
        })
    }

    fn push_tx(&mut self, message: Option<Message>, complete: bool, out: &mut EventSink) {
        let tx_id = self.next_tx;
        self.next_tx += 1;
        self.logged += 1;
        let (message_size, is_bdat, headers) = match message {
            Some(m) => (Some(m.size), m.is_bdat, Some(m.scanner.finish())),
            None => (None, false, None),
        };
        let tx = SmtpTx {
            tx_id,
            helo: self.helo.clone(),
            mail_from: self.mail_from.take(),
            rcpt_to: std::mem::take(&mut self.rcpt_to),
            message_size,
            is_bdat,
            complete,
            starttls: self.starttls,
            auth_mechanism: self.auth_mechanism.clone(),
            headers,
        };
        out.push(AppTx::Smtp(Box::new(tx)));
    }

    fn command(&mut self, line: &[u8]) {
        let m = self.max_string;
        if std::mem::take(&mut self.auth_response) {
            // A SASL response, not a command (and never logged).
            self.expect_reply(Pending::Auth);
            return;
        }
        let Ok(cmd) = parser::parse_command(line) else {
            self.expect_reply(Pending::Other);
            return;
        };
        match cmd {
            Command::Ehlo(h) | Command::Helo(h) => self.helo = Some(lossy(h, m)),
            Command::Mail(a) => {
                // A new envelope (RFC 5321 §4.1.1.2): the old one is gone.
                self.mail_from = Some(lossy(a, m));
                self.rcpt_to.clear();
                self.message = None;
            }
            Command::Rcpt(a) => {
                if self.rcpt_to.len() < self.max_items {
                    self.rcpt_to.push(lossy(a, m));
                }
            }
            Command::Data => {
                self.client = Client::DataPending;
                self.expect_reply(Pending::Data);
                return;
            }
            Command::Bdat { size, last } => {
                self.message(true);
                self.client = Client::Bdat { left: size, last };
            }
            Command::Rset => {
                self.mail_from = None;
                self.rcpt_to.clear();
                self.message = None;
            }
            Command::Auth(mech) => {
                self.auth_mechanism = Some(lossy(mech, m));
                self.expect_reply(Pending::Auth);
                return;
            }
            Command::StartTls => {
                self.expect_reply(Pending::StartTls);
                return;
            }
            Command::Quit | Command::Other(_) => {}
        }
        self.expect_reply(Pending::Other);
    }

    /// DATA's message bytes: un-stuffs dots, finds the end, counts and
    /// scans. Returns the bytes consumed and whether the message ended.
    fn data_bytes(&mut self, mut dot: LinePos, data: &[u8]) -> (usize, bool, LinePos) {
        let mut at = 0;
        while let Some(&b) = data.get(at) {
            match dot {
                LinePos::LineStart if b == b'.' => {
                    dot = LinePos::AfterDot;
                    at += 1;
                }
                LinePos::LineStart => dot = LinePos::MidLine,
                LinePos::AfterDot if b == b'\r' => {
                    dot = LinePos::AfterDotCr;
                    at += 1;
                }
                // A bare LF after the dot ends it too (lenient).
                LinePos::AfterDot if b == b'\n' => return (at + 1, true, LinePos::LineStart),
                // The first dot of a stuffed line is dropped (§4.5.2).
                LinePos::AfterDot => dot = LinePos::MidLine,
                LinePos::AfterDotCr if b == b'\n' => return (at + 1, true, LinePos::LineStart),
                LinePos::AfterDotCr => {
                    self.content(b"\r");
                    dot = LinePos::MidLine;
                }
                LinePos::MidLine => {
                    let rest = data.get(at..).unwrap_or(&[]);
                    match memchr::memchr(b'\n', rest) {
                        Some(nl) => {
                            self.content(rest.get(..=nl).unwrap_or(rest));
                            at += nl + 1;
                            dot = LinePos::LineStart;
                        }
                        None => {
                            self.content(rest);
                            at = data.len();
                        }
                    }
                }
            }
        }
        (at, false, dot)
    }

    fn content(&mut self, bytes: &[u8]) {
        let msg = self.message(false);
        msg.size = msg
            .size
            .saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        msg.scanner.feed(bytes);
    }

    fn parse_client(&mut self, data: &[u8], out: &mut EventSink) -> Progress {
        let mut at = 0;
        while let Some(rest) = data.get(at..).filter(|r| !r.is_empty()) {
            match self.client {
                Client::DataPending | Client::Data(_) => {
                    // Bytes after DATA before its reply: the server is
                    // taken to have said 354.
                    let dot = match self.client {
                        Client::Data(d) => d,
                        _ => LinePos::LineStart,
                    };
                    self.message(false);
                    let (n, ended, dot) = self.data_bytes(dot, rest);
                    at += n;
                    self.client = Client::Data(dot);
                    if ended {
                        self.client = Client::Commands;
                        let msg = self.message.take();
                        self.push_tx(msg, true, out);
                        // The server's reply to the message.
                        self.expect_reply(Pending::Other);
                    }
                }
                Client::Bdat { left, last } => {
                    let take = left.min(u64::try_from(rest.len()).unwrap_or(u64::MAX));
                    let n = usize::try_from(take).unwrap_or(rest.len());
                    let chunk = rest.get(..n).unwrap_or(rest);
                    let msg = self.message(true);
                    msg.size = msg.size.saturating_add(take);
                    msg.scanner.feed(chunk);
                    at += n;
                    let left = left - take;
                    self.client = Client::Bdat { left, last };
                    if left == 0 {
                        self.client = Client::Commands;
                        if last {
                            let msg = self.message.take();
                            self.push_tx(msg, true, out);
                        }
                    }
                }
                Client::Commands => {
                    let Some((line, after)) = split_line(rest) else {
                        if rest.len() > MAX_LINE {
                            return Progress::LostSync;
                        }
                        return Progress::NeedMore {
                            consumed: at,
                            needed: rest.len() + 1,
                        };
                    };
                    at += rest.len() - after.len();
                    if std::mem::take(&mut self.skip_line[0]) {
                        continue;
                    }
                    self.command(line);
                    if let Client::Bdat { left: 0, last } = self.client {
                        // `BDAT 0 LAST` (RFC 3030 §2) has no chunk to wait for.
                        self.client = Client::Commands;
                        if last {
                            let msg = self.message.take();
                            self.push_tx(msg, true, out);
                        }
                    }
                }
            }
        }
        Progress::Done
    }

    fn parse_server(&mut self, data: &[u8], out: &mut EventSink) -> Progress {
        let mut at = 0;
        while let Some(rest) = data.get(at..).filter(|r| !r.is_empty()) {
            let Some((line, after)) = split_line(rest) else {
                if rest.len() > MAX_LINE {
                    return Progress::LostSync;
                }
                return Progress::NeedMore {
                    consumed: at,
                    needed: rest.len() + 1,
                };
            };
            at += rest.len() - after.len();
            if std::mem::take(&mut self.skip_line[1]) {
                continue;
            }
            let Ok(reply) = parser::parse_reply(line) else {
                // Not a reply line: tolerated, not understood.
                continue;
            };
            if !reply.last {
                continue;
            }
            let Some(cmd) = self.pending.pop_front() else {
                // The greeting, or a reply to a command we did not see.
                continue;
            };
            match (cmd, reply.code) {
                (Pending::StartTls, 220) => {
                    self.starttls = true;
                    // What follows is TLS (RFC 3207 §4): hand it over.
                    out.upgrade("tls");
                    return if at < data.len() {
                        Progress::NeedMore {
                            consumed: at,
                            needed: 1,
                        }
                    } else {
                        Progress::Done
                    };
                }
                (Pending::Data, 354) if self.client == Client::DataPending => {
                    self.client = Client::Data(LinePos::LineStart);
                }
                (Pending::Data, _) if self.client == Client::DataPending => {
                    self.client = Client::Commands;
                    self.message = None;
                }
                (Pending::Auth, 334) => self.auth_response = true,
                _ => {}
            }
        }
        Progress::Done
    }
}

impl AppState for SmtpState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        if self.starttls {
            // The rest is TLS; without a TLS parser there is nothing to read.
            return Progress::Stop;
        }
        match dir {
            Direction::ToServer => self.parse_client(data, out),
            Direction::ToClient => self.parse_server(data, out),
        }
    }

    /// A gap inside a message is counted as message bytes; a gap among
    /// commands or replies drops the line it hit and the reply order.
    fn on_gap(&mut self, dir: Direction, len: u64) {
        match (dir, self.client) {
            (Direction::ToServer, Client::Data(_)) => {
                let msg = self.message(false);
                msg.size = msg.size.saturating_add(len);
                msg.scanner.gap();
                self.client = Client::Data(LinePos::MidLine);
            }
            (Direction::ToServer, Client::Bdat { left, last }) if len <= left => {
                let msg = self.message(true);
                msg.size = msg.size.saturating_add(len);
                msg.scanner.gap();
                self.client = Client::Bdat {
                    left: left - len,
                    last,
                };
            }
            _ => {
                if dir == Direction::ToServer {
                    self.client = Client::Commands;
                }
                self.skip_line[dir.index()] = true;
                self.pending.clear();
            }
        }
    }

    fn finish(&mut self, out: &mut EventSink) {
        if let Some(msg) = self.message.take() {
            self.push_tx(Some(msg), false, out);
        } else if self.mail_from.is_some()
            || !self.rcpt_to.is_empty()
            || (self.logged == 0
                && (self.helo.is_some() || self.starttls || self.auth_mechanism.is_some()))
        {
            self.push_tx(None, false, out);
        }
    }

    fn flowvars(&self, out: &mut Vec<(&'static str, String)>) {
        if let Some(m) = &self.auth_mechanism {
            out.push(("smtp.auth_mechanism", m.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client session: EHLO, MAIL with an ESMTP parameter, two RCPTs,
    /// DATA with one message, QUIT.
    static CLIENT: &[u8] = b"EHLO client.example\r\n\
        MAIL FROM:<alice@client.example> SIZE=481\r\n\
        RCPT TO:<bob@corp.example>\r\n\
        RCPT TO:<carol@rival.example>\r\n\
        DATA\r\n\
        From: Alice <alice@client.example>\r\n\
        To: bob@corp.example,\r\n \"Carol, R.\" <carol@rival.example>\r\n\
        Cc: dave@corp.example\r\n\
        Subject: Q3 plan\r\n\
        Message-ID: <1@client.example>\r\n\
        Date: Mon, 2 Mar 2026 10:00:00 +0900\r\n\
        X-Mailer: kagami-fixture 1\r\n\
        Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
        \r\n\
        --b1\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        ..a line that starts with a dot\r\n\
        --b1\r\n\
        Content-Type: application/pdf; name=\"plan.pdf\"\r\n\
        Content-Disposition: attachment;\r\n filename=\"q3-plan.pdf\"\r\n\
        \r\n\
        JVBERi0=\r\n\
        --b1--\r\n\
        .\r\n\
        QUIT\r\n";

    /// The message above as sent between `DATA\r\n` and `.\r\n`: 482 bytes
    /// on the wire, 481 once the stuffed dot is removed.
    const MESSAGE_SIZE: u64 = 481;

    /// The server's side: greeting, a multi-line EHLO reply, one reply per
    /// command, 354 for DATA, 250 for the message, 221 for QUIT.
    static SERVER: &[u8] = b"220 mx.corp.example ESMTP\r\n\
        250-mx.corp.example\r\n\
        250-PIPELINING\r\n\
        250 CHUNKING\r\n\
        250 2.1.0 OK\r\n\
        250 2.1.5 OK\r\n\
        250 2.1.5 OK\r\n\
        354 go ahead\r\n\
        250 2.0.0 queued\r\n\
        221 2.0.0 bye\r\n";

    /// A BDAT session: a 35-byte chunk, then a 9-byte LAST chunk.
    static BDAT: &[u8] = b"EHLO c.example\r\n\
        MAIL FROM:<a@c.example>\r\n\
        RCPT TO:<b@d.example>\r\n\
        BDAT 35\r\n\
        Subject: chunked\r\nTo: b@d.example\r\n\
        BDAT 9 LAST\r\n\
        \r\nhello\r\n\
        QUIT\r\n";

    fn txs(sink: &mut EventSink) -> Vec<SmtpTx> {
        sink.events
            .drain(..)
            .filter_map(|e| match e.tx {
                AppTx::Smtp(tx) => Some(*tx),
                _ => None,
            })
            .collect()
    }

    /// Feeds `data` the way the driver does: keeps what was not consumed.
    fn feed(s: &mut SmtpState, dir: Direction, data: &[u8], sink: &mut EventSink, step: usize) {
        let mut pending: Vec<u8> = Vec::new();
        for piece in data.chunks(step) {
            pending.extend_from_slice(piece);
            match s.parse(dir, &pending, sink) {
                Progress::Done => pending.clear(),
                Progress::NeedMore { consumed, .. } => {
                    pending.drain(..consumed);
                }
                p => panic!("{p:?}"),
            }
        }
    }

    fn session(client: &[u8], server: &[u8], step: usize) -> Vec<SmtpTx> {
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(&mut s, Direction::ToClient, server, &mut sink, step);
        feed(&mut s, Direction::ToServer, client, &mut sink, step);
        s.finish(&mut sink);
        txs(&mut sink)
    }

    #[test]
    fn message_size_headers_and_attachment() {
        for step in [1, 2, 3, 7, 64, 10_000] {
            let t = session(CLIENT, SERVER, step);
            assert_eq!(t.len(), 1, "step {step}");
            let t = &t[0];
            assert_eq!(t.helo.as_deref(), Some("client.example"));
            assert_eq!(t.mail_from.as_deref(), Some("alice@client.example"));
            assert_eq!(t.rcpt_to, ["bob@corp.example", "carol@rival.example"]);
            assert_eq!(t.message_size, Some(MESSAGE_SIZE), "step {step}");
            assert!(t.complete && !t.is_bdat);
            let h = t.headers.as_ref().unwrap();
            assert_eq!(h.from.as_deref(), Some("Alice <alice@client.example>"));
            assert_eq!(
                h.to,
                ["bob@corp.example", "\"Carol, R.\" <carol@rival.example>"]
            );
            assert_eq!(h.cc, ["dave@corp.example"]);
            assert_eq!(h.subject.as_deref(), Some("Q3 plan"));
            assert_eq!(h.message_id.as_deref(), Some("<1@client.example>"));
            assert_eq!(h.date.as_deref(), Some("Mon, 2 Mar 2026 10:00:00 +0900"));
            assert_eq!(h.x_mailer.as_deref(), Some("kagami-fixture 1"));
            assert_eq!(h.attachments, ["q3-plan.pdf"]);
        }
    }

    #[test]
    fn size_is_the_unstuffed_wire_bytes() {
        let start = CLIENT.windows(6).position(|w| w == b"DATA\r\n").unwrap() + 6;
        let end = CLIENT.windows(5).position(|w| w == b"\r\n.\r\n").unwrap() + 2;
        let stuffed = CLIENT[start..end]
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"."))
            .count();
        assert_eq!(stuffed, 1);
        assert_eq!((end - start - stuffed) as u64, MESSAGE_SIZE);
    }

    #[test]
    fn bdat_chunks() {
        for step in [1, 5, 10_000] {
            let t = session(BDAT, b"220 x ESMTP\r\n", step);
            assert_eq!(t.len(), 1, "step {step}");
            assert!(t[0].is_bdat && t[0].complete);
            assert_eq!(t[0].message_size, Some(35 + 9));
            let h = t[0].headers.as_ref().unwrap();
            assert_eq!(h.subject.as_deref(), Some("chunked"));
            assert_eq!(h.to, ["b@d.example"]);
        }
        // BDAT 0 LAST ends a message at once.
        let t = session(
            b"MAIL FROM:<a@b>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n",
            b"",
            10_000,
        );
        assert_eq!(t[0].message_size, Some(3));
        assert!(t[0].complete);
    }

    #[test]
    fn starttls_hands_over() {
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(
            &mut s,
            Direction::ToClient,
            b"220 mx ESMTP\r\n",
            &mut sink,
            100,
        );
        feed(
            &mut s,
            Direction::ToServer,
            b"EHLO c.example\r\nSTARTTLS\r\n",
            &mut sink,
            100,
        );
        let reply = b"250-mx\r\n250 STARTTLS\r\n220 2.0.0 go ahead\r\n\x16\x03\x03";
        assert_eq!(
            s.parse(Direction::ToClient, reply, &mut sink),
            Progress::NeedMore {
                consumed: reply.len() - 3,
                needed: 1
            }
        );
        assert_eq!(sink.upgrade, Some("tls"));
        assert_eq!(
            s.parse(Direction::ToServer, b"\x16\x03\x01", &mut sink),
            Progress::Stop
        );
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(t[0].starttls);
        assert_eq!(t[0].helo.as_deref(), Some("c.example"));
        assert_eq!(t[0].message_size, None);
    }

    #[test]
    fn refused_starttls_and_data_stay_commands() {
        let t = session(
            b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@c>\r\nDATA\r\nQUIT\r\n",
            b"220 x ESMTP\r\n250 ok\r\n454 no tls\r\n250 ok\r\n554 no recipients\r\n221 bye\r\n",
            10_000,
        );
        // The client direction is fed after the server's: DATA's 554 was
        // already seen, so QUIT is a command, not a message.
        assert_eq!(t.len(), 1);
        assert!(!t[0].starttls);
        assert_eq!(t[0].mail_from.as_deref(), Some("a@c"));
    }

    #[test]
    fn auth_and_envelope_without_message() {
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        let steps: [(Direction, &[u8]); 8] = [
            (Direction::ToClient, b"220 x ESMTP\r\n"),
            (Direction::ToServer, b"EHLO c\r\nAUTH LOGIN\r\n"),
            (Direction::ToClient, b"250 ok\r\n334 VXNlcm5hbWU6\r\n"),
            (Direction::ToServer, b"DATA\r\n"), // a base64 user name "DATA"
            (Direction::ToClient, b"334 UGFzc3dvcmQ6\r\n"),
            (Direction::ToServer, b"cGFzcw==\r\n"),
            (Direction::ToClient, b"235 ok\r\n"),
            (
                Direction::ToServer,
                b"MAIL FROM:<a@c>\r\nRCPT TO:<b@d>\r\nQUIT\r\n",
            ),
        ];
        for (dir, data) in steps {
            assert_eq!(s.parse(dir, data, &mut sink), Progress::Done);
        }
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].auth_mechanism.as_deref(), Some("LOGIN"));
        assert_eq!(t[0].rcpt_to, ["b@d"]);
        assert_eq!(t[0].message_size, None);
        let mut v = Vec::new();
        s.flowvars(&mut v);
        assert_eq!(v, [("smtp.auth_mechanism", "LOGIN".to_string())]);
    }

    #[test]
    fn every_truncation_finishes_without_panic() {
        for cut in 0..CLIENT.len() {
            let t = session(&CLIENT[..cut], SERVER, 10_000);
            assert!(t.len() <= 1, "cut {cut}");
        }
        for cut in 0..BDAT.len() {
            session(&BDAT[..cut], b"", 10_000);
        }
        // Zero length.
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        assert_eq!(s.parse(Direction::ToServer, b"", &mut sink), Progress::Done);
        s.finish(&mut sink);
        assert!(txs(&mut sink).is_empty());
    }

    #[test]
    fn huge_message_and_long_lines_are_not_buffered() {
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(
            &mut s,
            Direction::ToServer,
            b"MAIL FROM:<a@b>\r\nDATA\r\n",
            &mut sink,
            100,
        );
        // 10 MB of one line without an end, then 10 MB of short lines.
        let block = vec![b'A'; 65536];
        for _ in 0..160 {
            assert_eq!(
                s.parse(Direction::ToServer, &block, &mut sink),
                Progress::Done
            );
        }
        let lines = b"0123456789abcd\r\n".repeat(4096);
        for _ in 0..160 {
            assert_eq!(
                s.parse(Direction::ToServer, &lines, &mut sink),
                Progress::Done
            );
        }
        assert_eq!(
            s.parse(Direction::ToServer, b".\r\n", &mut sink),
            Progress::Done
        );
        let t = txs(&mut sink);
        assert_eq!(t[0].message_size, Some(2 * 160 * 65536));
    }

    #[test]
    fn bounded_lists_and_lines() {
        let cfg = ProtoConfig {
            max_items: 3,
            ..ProtoConfig::default()
        };
        let mut s = SmtpState::new(&cfg);
        let mut sink = EventSink::default();
        let mut client = b"MAIL FROM:<a@b>\r\n".to_vec();
        for i in 0..10 {
            client.extend_from_slice(format!("RCPT TO:<r{i}@b>\r\n").as_bytes());
        }
        client.extend_from_slice(b"DATA\r\nTo: ");
        for i in 0..1000 {
            client.extend_from_slice(format!("t{i}@b, ").as_bytes());
        }
        client.extend_from_slice(b"\r\n\r\nbody\r\n.\r\n");
        feed(&mut s, Direction::ToServer, &client, &mut sink, 10_000);
        let t = txs(&mut sink);
        assert_eq!(t[0].rcpt_to.len(), 3);
        assert_eq!(t[0].headers.as_ref().unwrap().to.len(), 3);
        // A command line with no end past MAX_LINE loses sync.
        let mut s = SmtpState::new(&ProtoConfig::default());
        let long = vec![b'A'; MAX_LINE + 1];
        assert_eq!(
            s.parse(Direction::ToServer, &long, &mut sink),
            Progress::LostSync
        );
    }

    #[test]
    fn gap_inside_a_message_is_counted() {
        let mut s = SmtpState::new(&ProtoConfig::default());
        let mut sink = EventSink::default();
        feed(
            &mut s,
            Direction::ToServer,
            b"MAIL FROM:<a@b>\r\nDATA\r\nSubject: x\r\n\r\nab",
            &mut sink,
            100,
        );
        s.on_gap(Direction::ToServer, 1000);
        feed(&mut s, Direction::ToServer, b"cd\r\n.\r\n", &mut sink, 100);
        let t = txs(&mut sink);
        assert_eq!(t[0].message_size, Some(12 + 2 + 2 + 1000 + 4));
        assert_eq!(t[0].headers.as_ref().unwrap().subject.as_deref(), Some("x"));
        // A gap among commands drops that line only.
        s.on_gap(Direction::ToServer, 5);
        feed(
            &mut s,
            Direction::ToServer,
            b"M <x>\r\nMAIL FROM:<c@d>\r\n",
            &mut sink,
            100,
        );
        s.finish(&mut sink);
        assert_eq!(txs(&mut sink)[0].mail_from.as_deref(), Some("c@d"));
    }
}
