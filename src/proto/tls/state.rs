//! Per-flow TLS state: record framing per direction, handshake messages
//! reassembled across records (and so across TCP segments), and one
//! transaction per handshake.
//!
//! The transaction is pushed once the server's Certificate has been read
//! (TLS 1.2 and earlier), or once the server's ChangeCipherSpec or first
//! encrypted record follows its ServerHello (TLS 1.3, resumed sessions), or
//! at the end of the flow if the handshake never got that far. After that,
//! both directions return [`Progress::Stop`]: the rest is encrypted.

use std::borrow::Cow;

use sha1::{Digest as _, Sha1};
use x509_parser::extensions::GeneralName;

use super::fingerprint;
use super::parser::{self, ClientHello, ServerHello, TlsError, content_type, ext, handshake_type};
use crate::proto::util::{hex_sep, lossy};
use crate::proto::{AppState, AppTx, Direction, EventSink, Progress, ProtoConfig, Transport};

/// A protocol version as on the wire (RFC 8446 §4.2.1; SSL 2.0 is 0x0002).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TlsVersion(pub u16);

impl TlsVersion {
    pub const SSL_2_0: TlsVersion = TlsVersion(0x0002);
    pub const SSL_3_0: TlsVersion = TlsVersion(0x0300);
    pub const TLS_1_0: TlsVersion = TlsVersion(0x0301);
    pub const TLS_1_1: TlsVersion = TlsVersion(0x0302);
    pub const TLS_1_2: TlsVersion = TlsVersion(0x0303);
    pub const TLS_1_3: TlsVersion = TlsVersion(0x0304);

    /// Suricata's name of the version (`TLSv1`, `TLS 1.2`, `TLS 1.3
    /// draft-28`, …), or its hex value for one it has no name for.
    pub fn name(self) -> Cow<'static, str> {
        let name = match self.0 {
            0x0002 => "SSLv2",
            0x0300 => "SSLv3",
            0x0301 => "TLSv1",
            0x0302 => "TLS 1.1",
            0x0303 => "TLS 1.2",
            0x0304 => "TLS 1.3",
            v @ 0x7f10..=0x7f1c => return Cow::Owned(format!("TLS 1.3 draft-{}", v & 0xff)),
            v => return Cow::Owned(format!("0x{v:04x}")),
        };
        Cow::Borrowed(name)
    }
}

/// What the client offered in its (first) ClientHello.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsClientHello {
    /// `legacy_version` (RFC 8446 §4.1.2).
    pub version: TlsVersion,
    /// Cipher suites in wire order, GREASE included (at most `max_items`).
    pub ciphers: Vec<u16>,
    /// Extension numbers in wire order, GREASE included.
    pub extensions: Vec<u16>,
    /// supported_groups (RFC 8422 §5.1.1).
    pub groups: Vec<u16>,
    /// ec_point_formats (RFC 8422 §5.1.2).
    pub ec_point_formats: Vec<u8>,
    /// signature_algorithms (RFC 8446 §4.2.3).
    pub sig_algs: Vec<u16>,
    /// ALPN protocol names offered (RFC 7301).
    pub alpns: Vec<String>,
    /// supported_versions (RFC 8446 §4.2.1), GREASE included.
    pub supported_versions: Vec<TlsVersion>,
    /// Sent in the SSL 2.0 record format.
    pub sslv2: bool,
}

/// What the server chose in its ServerHello.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsServerHello {
    /// `legacy_version` (RFC 8446 §4.1.3).
    pub version: TlsVersion,
    /// The version chosen through supported_versions, if sent.
    pub selected_version: Option<TlsVersion>,
    pub cipher: u16,
    /// Extension numbers in wire order.
    pub extensions: Vec<u16>,
    /// The ALPN protocol chosen (RFC 7301 §3.2).
    pub alpn: Option<String>,
}

/// One X.509 certificate of the server's chain (RFC 5280).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsCertificate {
    /// Subject DN, RFC 4514-style (`C=US, O=Let's Encrypt, CN=R3`).
    pub subject: String,
    /// Issuer DN, same form.
    pub issuer: String,
    /// Serial number bytes as upper-case hex with colons (`00:AB:…`).
    pub serial: String,
    /// SHA-1 of the DER, lower-case hex with colons.
    pub fingerprint: String,
    /// Validity (RFC 5280 §4.1.2.5) as Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// subjectAltName DNS names and IP addresses (RFC 5280 §4.2.1.6).
    pub sans: Vec<String>,
}

impl TlsCertificate {
    /// The subject's common name (the last `CN=` of the DN), if any.
    pub fn subject_cn(&self) -> Option<&str> {
        dn_cn(&self.subject)
    }
    /// The issuer's common name, if any.
    pub fn issuer_cn(&self) -> Option<&str> {
        dn_cn(&self.issuer)
    }
    /// The names the certificate is for: its subject CN, then its SANs.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.subject_cn()
            .into_iter()
            .chain(self.sans.iter().map(String::as_str))
    }
}

/// The value of the last `CN=` attribute of an RFC 4514-style DN.
fn dn_cn(dn: &str) -> Option<&str> {
    dn.split(", ")
        .filter_map(|rdn| rdn.strip_prefix("CN="))
        .last()
        .map(str::trim)
        .filter(|cn| !cn.is_empty())
}

/// A fingerprint string and its hash (JA3, JA3S).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ja3 {
    pub string: String,
    /// MD5 of `string`, lower-case hex.
    pub hash: String,
}

impl Ja3 {
    fn of(string: String) -> Ja3 {
        let hash = fingerprint::md5_hex(&string);
        Ja3 { string, hash }
    }
}

/// One TLS handshake: what both hellos said and the server's certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTx {
    /// Sequence number of this handshake within its flow.
    pub tx_id: u64,
    /// server_name host name (RFC 6066 §3).
    pub sni: Option<String>,
    pub client: Option<TlsClientHello>,
    pub server: Option<TlsServerHello>,
    /// The server's chain, its own certificate first (at most `max_items`).
    pub certificates: Vec<TlsCertificate>,
    pub ja3: Option<Ja3>,
    pub ja3s: Option<Ja3>,
    /// JA4 TLS client fingerprint.
    pub ja4: Option<String>,
    /// A resumed session: TLS 1.2 and earlier without a Certificate before
    /// the server's ChangeCipherSpec, or TLS 1.3 with pre_shared_key.
    pub session_resumed: bool,
    /// The handshake got as far as the server's certificate or its
    /// encrypted flight (false when pushed at the end of the flow).
    pub complete: bool,
}

impl TlsTx {
    /// The version the server negotiated, if it answered.
    pub fn version(&self) -> Option<TlsVersion> {
        self.server
            .as_ref()
            .map(|s| s.selected_version.unwrap_or(s.version))
    }
}

/// One direction's framing state.
#[derive(Debug, Default)]
struct Side {
    /// Handshake bytes of a message that spans records.
    hs: Vec<u8>,
    /// Bytes were lost: nothing more is parsed.
    gap: bool,
}

/// Per-flow TLS state.
pub struct TlsState {
    max_items: usize,
    max_string: usize,
    max_message: usize,
    sides: [Side; 2],
    tx: TlsTx,
    /// A hello has been seen (there is something to push).
    started: bool,
    /// The transaction has been pushed.
    done: bool,
    /// The server sent a HelloRetryRequest: its next ServerHello counts.
    retry: bool,
    certificate_seen: bool,
    next_tx: u64,
}

/// Builds the state (the registry's `new_state`).
pub fn new_state(cfg: &ProtoConfig, _transport: Transport) -> Box<dyn AppState> {
    Box::new(TlsState::new(cfg))
}

/// What one record or message did to the direction.
enum Step {
    Go,
    Stop,
    Lost,
}

impl TlsState {
    fn new(cfg: &ProtoConfig) -> TlsState {
        TlsState {
            max_items: cfg.max_items,
            max_string: cfg.max_string,
            max_message: cfg.max_message,
            sides: Default::default(),
            tx: TlsTx::default(),
            started: false,
            done: false,
            retry: false,
            certificate_seen: false,
            next_tx: 0,
        }
    }

    fn push(&mut self, complete: bool, out: &mut EventSink) {
        if self.done || !self.started {
            return;
        }
        self.done = true;
        let mut tx = std::mem::take(&mut self.tx);
        tx.tx_id = self.next_tx;
        tx.complete = complete;
        self.next_tx += 1;
        out.push(AppTx::Tls(Box::new(tx)));
    }

    fn client_hello(&mut self, ch: &ClientHello<'_>) {
        self.started = true;
        if self.tx.client.is_some() {
            // A second hello (after HelloRetryRequest): the first one is
            // what fingerprints describe.
            return;
        }
        let (n, s) = (self.max_items, self.max_string);
        self.tx.sni = ch.sni.map(|n| lossy(n, s));
        if !ch.sslv2 {
            self.tx.ja3 = Some(Ja3::of(fingerprint::ja3(ch)));
            self.tx.ja4 = Some(fingerprint::ja4(ch));
        }
        self.tx.client = Some(TlsClientHello {
            version: TlsVersion(ch.version),
            ciphers: ch.ciphers.iter().take(n).copied().collect(),
            extensions: ch.extensions.iter().take(n).copied().collect(),
            groups: ch.groups.iter().take(n).copied().collect(),
            ec_point_formats: ch.ec_point_formats.iter().take(n).copied().collect(),
            sig_algs: ch.sig_algs.iter().take(n).copied().collect(),
            alpns: ch.alpns.iter().take(n).map(|a| lossy(a, s)).collect(),
            supported_versions: ch
                .supported_versions
                .iter()
                .take(n)
                .map(|v| TlsVersion(*v))
                .collect(),
            sslv2: ch.sslv2,
        });
    }

    fn server_hello(&mut self, sh: &ServerHello<'_>) {
        self.started = true;
        self.retry = sh.is_hello_retry();
        if self.retry {
            return;
        }
        let n = self.max_items;
        self.tx.ja3s = Some(Ja3::of(fingerprint::ja3s(sh)));
        let selected = sh.selected_version.map(TlsVersion);
        if selected == Some(TlsVersion::TLS_1_3) && sh.extensions.contains(&ext::PRE_SHARED_KEY) {
            self.tx.session_resumed = true;
        }
        self.tx.server = Some(TlsServerHello {
            version: TlsVersion(sh.version),
            selected_version: selected,
            cipher: sh.cipher,
            extensions: sh.extensions.iter().take(n).copied().collect(),
            alpn: sh.alpn.map(|a| lossy(a, self.max_string)),
        });
    }

    fn certificates(&mut self, chain: &[&[u8]]) {
        self.certificate_seen = true;
        self.tx.certificates = chain
            .iter()
            .take(self.max_items)
            .filter_map(|der| certificate(der, self.max_items, self.max_string))
            .collect();
    }

    /// One complete handshake message.
    fn message(&mut self, dir: Direction, msg_type: u8, msg: &[u8], out: &mut EventSink) -> Step {
        match (dir, msg_type) {
            (Direction::ToServer, handshake_type::CLIENT_HELLO) => {
                match parser::parse_client_hello(msg) {
                    Ok(ch) => self.client_hello(&ch),
                    Err(_) => return Step::Lost,
                }
            }
            (Direction::ToClient, handshake_type::SERVER_HELLO) => {
                match parser::parse_server_hello(msg) {
                    Ok(sh) => self.server_hello(&sh),
                    Err(_) => return Step::Lost,
                }
            }
            (Direction::ToClient, handshake_type::CERTIFICATE) if self.tx.server.is_some() => {
                match parser::parse_certificate(msg) {
                    Ok(chain) => self.certificates(&chain),
                    Err(_) => return Step::Lost,
                }
                self.push(true, out);
                return Step::Stop;
            }
            _ => {}
        }
        Step::Go
    }

    /// The body of one handshake record: whole messages are handled, a
    /// message cut by the record's end waits in the side's buffer.
    fn handshake(&mut self, dir: Direction, body: &[u8], out: &mut EventSink) -> Step {
        let i = dir.index();
        let mut buf = std::mem::take(&mut self.sides[i].hs);
        let data: &[u8] = if buf.is_empty() {
            body
        } else {
            if buf.len() + body.len() > self.max_message {
                return Step::Lost;
            }
            buf.extend_from_slice(body);
            &buf
        };
        let mut at = 0;
        let step = loop {
            let rest = data.get(at..).unwrap_or(&[]);
            if rest.is_empty() {
                break Step::Go;
            }
            match parser::split_handshake(rest) {
                Ok((t, msg)) => {
                    at += msg.len();
                    match self.message(dir, t, msg, out) {
                        Step::Go => {}
                        other => break other,
                    }
                }
                Err(TlsError::Incomplete(need)) if need <= self.max_message => {
                    let keep = rest.to_vec();
                    self.sides[i].hs = keep;
                    break Step::Go;
                }
                Err(_) => break Step::Lost,
            }
        };
        if !matches!(step, Step::Go) {
            self.sides[i].hs.clear();
        }
        buf.clear();
        step
    }

    /// One record.
    fn record(&mut self, dir: Direction, ct: u8, body: &[u8], out: &mut EventSink) -> Step {
        match (ct, dir) {
            (content_type::HANDSHAKE, _) => self.handshake(dir, body, out),
            (content_type::CHANGE_CIPHER_SPEC, Direction::ToClient) if self.retry => Step::Go,
            (content_type::CHANGE_CIPHER_SPEC | content_type::APPLICATION_DATA, _) => {
                // What follows is encrypted. On the server's side it ends
                // the handshake we can see.
                if dir == Direction::ToClient && self.tx.server.is_some() {
                    let old = self.tx.version().is_some_and(|v| v < TlsVersion::TLS_1_3);
                    if old && !self.certificate_seen {
                        self.tx.session_resumed = true;
                    }
                    self.push(true, out);
                }
                Step::Stop
            }
            _ => Step::Go,
        }
    }
}

/// The facts kagami keeps of one DER certificate, or `None` if it does not
/// parse as X.509.
fn certificate(der: &[u8], max_items: usize, max_string: usize) -> Option<TlsCertificate> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let validity = cert.validity();
    let sans = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some(lossy(d.as_bytes(), max_string)),
                GeneralName::IPAddress(ip) => ip_text(ip),
                _ => None,
            })
            .take(max_items)
            .collect(),
        _ => Vec::new(),
    };
    Some(TlsCertificate {
        subject: lossy(cert.subject().to_string().as_bytes(), max_string),
        issuer: lossy(cert.issuer().to_string().as_bytes(), max_string),
        serial: hex_sep(cert.raw_serial(), ':', true),
        fingerprint: hex_sep(&Sha1::digest(der), ':', false),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        sans,
    })
}

fn ip_text(b: &[u8]) -> Option<String> {
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        return Some(std::net::Ipv4Addr::from(a).to_string());
    }
    let a = <[u8; 16]>::try_from(b).ok()?;
    Some(std::net::Ipv6Addr::from(a).to_string())
}

impl AppState for TlsState {
    fn parse(&mut self, dir: Direction, data: &[u8], out: &mut EventSink) -> Progress {
        if self.done || self.sides[dir.index()].gap {
            return Progress::Stop;
        }
        let mut at = 0;
        loop {
            let rest = data.get(at..).unwrap_or(&[]);
            if rest.is_empty() {
                return Progress::Done;
            }
            // An SSL 2.0-format ClientHello can only open the client's side.
            if dir == Direction::ToServer
                && !self.started
                && rest.first().is_some_and(|b| b & 0x80 != 0)
            {
                match parser::parse_sslv2_client_hello(rest) {
                    Ok((ch, used)) => {
                        self.client_hello(&ch);
                        at += used;
                        continue;
                    }
                    Err(TlsError::Incomplete(need)) => {
                        return Progress::NeedMore {
                            consumed: at,
                            needed: need,
                        };
                    }
                    Err(_) => return Progress::LostSync,
                }
            }
            let (rec, used) = match parser::parse_record(rest) {
                Ok(r) => r,
                Err(TlsError::Incomplete(need)) => {
                    return Progress::NeedMore {
                        consumed: at,
                        needed: need,
                    };
                }
                Err(_) => return Progress::LostSync,
            };
            at += used;
            match self.record(dir, rec.content_type, rec.body, out) {
                Step::Go => {}
                Step::Stop => return Progress::Stop,
                Step::Lost => return Progress::LostSync,
            }
        }
    }

    fn on_gap(&mut self, dir: Direction, _len: u64) {
        let side = &mut self.sides[dir.index()];
        side.gap = true;
        side.hs = Vec::new();
    }

    fn finish(&mut self, out: &mut EventSink) {
        self.push(false, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tls::parser::tests::{CLIENT_HELLO, SERVER_HELLO, SSLV2_HELLO};

    fn txs(sink: &mut EventSink) -> Vec<TlsTx> {
        sink.events
            .drain(..)
            .filter_map(|e| match e.tx {
                AppTx::Tls(tx) => Some(*tx),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .collect()
    }

    /// Emulates the driver: keeps what was not consumed, calls again once
    /// `needed` bytes are there.
    fn feed(s: &mut dyn AppState, dir: Direction, bytes: &[u8], sink: &mut EventSink) -> Progress {
        let mut pending: Vec<u8> = Vec::new();
        let mut needed = 0;
        let mut last = Progress::Done;
        for b in bytes {
            pending.push(*b);
            if pending.len() < needed {
                continue;
            }
            last = s.parse(dir, &pending, sink);
            match last {
                Progress::Done => {
                    pending.clear();
                    needed = 0;
                }
                Progress::NeedMore {
                    consumed,
                    needed: n,
                } => {
                    pending.drain(..consumed);
                    needed = n;
                }
                Progress::Stop | Progress::LostSync => return last,
            }
        }
        last
    }

    /// A TLS 1.2 server flight: the fixture ServerHello, then a Certificate
    /// message split over two records, carrying one (unparseable) 3-byte
    /// "certificate", then ServerHelloDone.
    fn server_flight() -> Vec<u8> {
        let mut v = SERVER_HELLO.to_vec();
        let cert_msg: &[u8] = &[
            0x0b, 0x00, 0x00, 0x09, // Certificate, 9 bytes
            0x00, 0x00, 0x06, // certificate_list: 6 bytes
            0x00, 0x00, 0x03, 0x30, 0x01, 0x00, // one 3-byte entry (not X.509)
        ];
        for part in [&cert_msg[..6], &cert_msg[6..]] {
            v.extend_from_slice(&[0x16, 0x03, 0x03, 0x00, part.len() as u8]);
            v.extend_from_slice(part);
        }
        v.extend_from_slice(&[0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00]);
        v
    }

    fn run(one_byte: bool) -> (Vec<TlsTx>, Progress, Progress) {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        let flight = server_flight();
        let (a, b) = if one_byte {
            (
                feed(s.as_mut(), Direction::ToServer, CLIENT_HELLO, &mut sink),
                feed(s.as_mut(), Direction::ToClient, &flight, &mut sink),
            )
        } else {
            (
                s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink),
                s.parse(Direction::ToClient, &flight, &mut sink),
            )
        };
        s.finish(&mut sink);
        (txs(&mut sink), a, b)
    }

    #[test]
    fn handshake_in_whole_records() {
        let (t, a, b) = run(false);
        assert_eq!((a, b), (Progress::Done, Progress::Stop));
        assert_eq!(t.len(), 1);
        let tx = &t[0];
        assert!(tx.complete);
        assert_eq!(tx.sni.as_deref(), Some("example.com"));
        assert_eq!(tx.version(), Some(TlsVersion::TLS_1_2));
        let ja3 = tx.ja3.as_ref().unwrap();
        assert_eq!(ja3.string, "771,49195-4865-47,0-10-11-13-16-43,29-23,0");
        assert_eq!(ja3.hash, fingerprint::md5_hex(&ja3.string));
        assert_eq!(tx.ja3s.as_ref().unwrap().string, "771,49195,65281-16-11-23");
        assert_eq!(tx.server.as_ref().unwrap().alpn.as_deref(), Some("h2"));
        assert_eq!(tx.client.as_ref().unwrap().alpns, vec!["h2", "http/1.1"]);
        assert!(tx.certificates.is_empty(), "the 3-byte entry is not X.509");
        assert!(!tx.session_resumed);
    }

    #[test]
    fn handshake_one_byte_at_a_time() {
        let (t, a, b) = run(true);
        assert_eq!((a, b), (Progress::Done, Progress::Stop));
        assert_eq!(t, run(false).0);
    }

    #[test]
    fn every_truncation_of_the_client_hello() {
        for cut in 0..CLIENT_HELLO.len() {
            let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
            let mut sink = EventSink::default();
            let p = s.parse(Direction::ToServer, &CLIENT_HELLO[..cut], &mut sink);
            if cut == 0 {
                assert_eq!(p, Progress::Done);
            } else {
                assert!(matches!(p, Progress::NeedMore { consumed: 0, needed } if needed > cut));
            }
            s.finish(&mut sink);
            assert!(txs(&mut sink).is_empty());
        }
    }

    #[test]
    fn resumption_ends_at_the_change_cipher_spec() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink);
        let mut v = SERVER_HELLO.to_vec();
        v.extend_from_slice(&[0x14, 0x03, 0x03, 0x00, 0x01, 0x01]); // ChangeCipherSpec
        v.extend_from_slice(&[0x16, 0x03, 0x03, 0x00, 0x02, 0xde, 0xad]); // encrypted Finished
        assert_eq!(s.parse(Direction::ToClient, &v, &mut sink), Progress::Stop);
        assert_eq!(
            s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink),
            Progress::Stop
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(t[0].session_resumed && t[0].complete);
    }

    #[test]
    fn unanswered_hello_is_pushed_at_the_end() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink);
        assert!(sink.events.is_empty());
        s.finish(&mut sink);
        s.finish(&mut sink);
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert!(!t[0].complete);
        assert!(t[0].server.is_none());
    }

    #[test]
    fn sslv2_hello_then_tls_server() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        assert_eq!(
            feed(s.as_mut(), Direction::ToServer, SSLV2_HELLO, &mut sink),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToClient, &server_flight(), &mut sink),
            Progress::Stop
        );
        let t = txs(&mut sink);
        assert!(t[0].client.as_ref().unwrap().sslv2);
        assert!(t[0].ja3.is_none());
    }

    #[test]
    fn zero_length_handshake_record_and_garbage() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        assert_eq!(
            s.parse(
                Direction::ToServer,
                &[0x16, 0x03, 0x01, 0x00, 0x00],
                &mut sink
            ),
            Progress::Done
        );
        assert_eq!(
            s.parse(Direction::ToServer, b"GET / HTTP/1.1\r\n\r\n", &mut sink),
            Progress::LostSync
        );
    }

    #[test]
    fn huge_handshake_length_is_lost_not_buffered() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        // A Certificate message claiming 16 MiB.
        let rec = [0x16, 0x03, 0x03, 0x00, 0x04, 0x0b, 0xff, 0xff, 0xff];
        assert_eq!(
            s.parse(Direction::ToClient, &rec, &mut sink),
            Progress::LostSync
        );
    }

    #[test]
    fn gap_stops_the_direction() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink);
        s.on_gap(Direction::ToClient, 100);
        assert_eq!(
            s.parse(Direction::ToClient, SERVER_HELLO, &mut sink),
            Progress::Stop
        );
        s.finish(&mut sink);
        assert_eq!(txs(&mut sink).len(), 1);
    }

    /// A TLS 1.3 ServerHello: legacy version 1.2, TLS_AES_128_GCM_SHA256,
    /// supported_versions 1.3 and an x25519 key share (2-byte key).
    static TLS13_SERVER_HELLO: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0x3c, // record: handshake, 60 bytes
        0x02, 0x00, 0x00, 0x38, // ServerHello, 56 bytes
        0x03, 0x03, // legacy_version TLS 1.2
        0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
        0x6f, 0x70, // random (32)
        0x00, // legacy_session_id_echo: empty
        0x13, 0x01, // TLS_AES_128_GCM_SHA256 (4865)
        0x00, // compression null
        0x00, 0x10, // extensions: 16 bytes
        0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, // supported_versions: TLS 1.3
        0x00, 0x33, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x02, 0xaa, 0xbb, // key_share x25519
    ];

    /// ChangeCipherSpec record (TLS 1.3 middlebox compatibility).
    static CCS: &[u8] = &[0x14, 0x03, 0x03, 0x00, 0x01, 0x01];

    #[test]
    fn tls13_after_a_hello_retry_request() {
        let mut s = new_state(&ProtoConfig::default(), Transport::Tcp);
        let mut sink = EventSink::default();
        s.parse(Direction::ToServer, CLIENT_HELLO, &mut sink);
        // HelloRetryRequest: the same hello with the special random, then CCS.
        let mut hrr = TLS13_SERVER_HELLO.to_vec();
        hrr[11..43].copy_from_slice(&parser::HELLO_RETRY_RANDOM);
        hrr.extend_from_slice(CCS);
        assert_eq!(
            s.parse(Direction::ToClient, &hrr, &mut sink),
            Progress::Done
        );
        assert!(sink.events.is_empty());
        // The real ServerHello, CCS, then encrypted records.
        let mut flight = TLS13_SERVER_HELLO.to_vec();
        flight.extend_from_slice(CCS);
        flight.extend_from_slice(&[0x17, 0x03, 0x03, 0x00, 0x02, 0x01, 0x02]);
        assert_eq!(
            feed(s.as_mut(), Direction::ToClient, &flight, &mut sink),
            Progress::Stop
        );
        let t = txs(&mut sink);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].version(), Some(TlsVersion::TLS_1_3));
        assert_eq!(t[0].ja3s.as_ref().unwrap().string, "771,4865,43-51");
        assert!(t[0].complete && !t[0].session_resumed);
        let v = serde_json::to_value(&t[0]).unwrap();
        assert_eq!(v["tls"]["version"], "TLS 1.3");
        assert_eq!(
            v["tls"]["server_handshake"]["exts"],
            serde_json::json!([43, 51])
        );
    }

    #[test]
    fn version_names() {
        assert_eq!(TlsVersion::TLS_1_0.name(), "TLSv1");
        assert_eq!(TlsVersion::TLS_1_3.name(), "TLS 1.3");
        assert_eq!(TlsVersion(0x7f1c).name(), "TLS 1.3 draft-28");
        assert_eq!(TlsVersion(0x1234).name(), "0x1234");
    }
}
