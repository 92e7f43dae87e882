//! The Tor relay list: the set of addresses the `tor` detector matches server
//! addresses against (DESIGN.md's `tor` indicator, method (a)), how it is read,
//! and how `kagami intel update` fetches a fresh one.
//!
//! Two sources are merged at start-up ([`RelaySet::load`]): the seed list
//! shipped in `signatures/tor-relays.txt` (embedded, or the file of the same
//! name in `detect.signatures_dir`), and the full list that [`update`] keeps in
//! `<state.dir>/intel/tor-relays.txt`. Three formats are read, recognised by
//! content: a plain list (one address per line), and the Tor Project's Onionoo
//! `details` and `summary` JSON documents.
//!
//! What this module leaves to others: matching flows and raising alerts (the
//! `tor` detector), printing (the CLI), and deciding whether the list is used
//! at all (`tor.relay_list`). The only wall-clock time here is the fetch time
//! written into the list's header and the age of the fetched file, both about
//! the file, never about packets.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use hashbrown::HashSet;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use crate::config::Config;

/// Most relay addresses held at once (the whole Tor network is about 10,000
/// relays with one or two addresses each, so this leaves room for twentyfold
/// growth). Addresses beyond it are counted and reported, never stored.
pub const MAX_RELAYS: usize = 200_000;

/// Bad lines (or relay entries) quoted in a warning or error; the rest are
/// only counted.
pub const MAX_BAD_SAMPLES: usize = 5;

/// Characters of a bad line quoted in a message.
const MAX_SAMPLE_CHARS: usize = 60;

/// A fetched list older than this is reported as stale at load time.
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// File name of the relay list, in `signatures/`, in `detect.signatures_dir`
/// and in `<state.dir>/intel/`.
pub const FILE_NAME: &str = "tor-relays.txt";

/// Sub-directory of `state.dir` that holds fetched intelligence.
pub const STATE_SUBDIR: &str = "intel";

/// The seed list shipped with kagami (the Tor directory authorities).
pub const EMBEDDED: &str = include_str!("../../signatures/tor-relays.txt");

/// What the formats accept, quoted in messages about bad lines.
const EXPECTED: &str =
    "expected an address such as 192.0.2.1, 2001:db8::1, 192.0.2.1:9001 or [2001:db8::1]:9001";

/// Why a relay list cannot be read, fetched or written.
#[derive(Debug, Error)]
pub enum IntelError {
    /// A list file exists but cannot be read.
    #[error("cannot read tor relay list {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    /// A list is not in any format kagami reads.
    #[error("cannot read tor relay list {origin}: {message}")]
    Format { origin: String, message: String },
    /// A configuration value `intel update` cannot work with.
    #[error("bad value for `{key}`: {message}")]
    BadConfig { key: &'static str, message: String },
    /// The server could not be reached or the transfer failed.
    #[error("cannot fetch the tor relay list from {url}: {message}")]
    Fetch { url: String, message: String },
    /// The server answered with an HTTP error status.
    #[error(
        "cannot fetch the tor relay list from {url}: the server answered HTTP status {status} (check intel.tor_relays_url)"
    )]
    Status { url: String, status: u16 },
    /// The response is larger than `intel.max_bytes`.
    #[error(
        "refusing the tor relay list from {url}: the response is larger than intel.max_bytes ({limit} bytes); raise intel.max_bytes if the source is right"
    )]
    TooLarge { url: String, limit: u64 },
    /// The response parsed but named no relay.
    #[error("the tor relay list from {url} names no relay address{detail}")]
    Empty { url: String, detail: String },
    /// The list cannot be written.
    #[error("cannot write tor relay list {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The formats a relay list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// One address per line, `#` comments.
    Plain,
    /// Onionoo `details` document: `relays[].or_addresses`.
    OnionooDetails,
    /// Onionoo `summary` document: `relays[].a`.
    OnionooSummary,
}

impl ListFormat {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ListFormat::Plain => "plain list",
            ListFormat::OnionooDetails => "onionoo details",
            ListFormat::OnionooSummary => "onionoo summary",
        }
    }
}

/// What reading one list found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseReport {
    /// The format recognised.
    pub format: ListFormat,
    /// Addresses read (including ones already in the set).
    pub addresses: usize,
    /// Addresses that were new to the set.
    pub added: usize,
    /// Addresses dropped because the set already held [`MAX_RELAYS`].
    pub over_limit: usize,
    /// Lines (plain) or relay entries (Onionoo) that could not be read.
    pub bad: usize,
    /// The first [`MAX_BAD_SAMPLES`] of them: `line 4: bad address "zz"`.
    pub bad_samples: Vec<String>,
}

impl ParseReport {
    fn new(format: ListFormat) -> Self {
        ParseReport {
            format,
            addresses: 0,
            added: 0,
            over_limit: 0,
            bad: 0,
            bad_samples: Vec::new(),
        }
    }

    fn bad(&mut self, sample: String) {
        self.bad += 1;
        if self.bad_samples.len() < MAX_BAD_SAMPLES {
            self.bad_samples.push(sample);
        }
    }

    /// The problems worth telling an operator, one sentence each, about the
    /// list named `origin`.
    pub fn warnings(&self, origin: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.bad > 0 {
            out.push(format!(
                "tor relay list {origin}: {} {} ({}{}; {EXPECTED})",
                self.bad,
                match (self.format, self.bad) {
                    (ListFormat::Plain, 1) => "line ignored",
                    (ListFormat::Plain, _) => "lines ignored",
                    (_, 1) => "relay entry with unreadable addresses",
                    (_, _) => "relay entries with unreadable addresses",
                },
                self.bad_samples.join(", "),
                if self.bad > self.bad_samples.len() {
                    ", …"
                } else {
                    ""
                },
            ));
        }
        if self.over_limit > 0 {
            out.push(format!(
                "tor relay list {origin}: {} addresses beyond the limit of {MAX_RELAYS} ignored",
                self.over_limit
            ));
        }
        out
    }
}

/// Outcome of adding one address.
enum Insert {
    New,
    Duplicate,
    Full,
}

/// A set of Tor relay addresses, bounded by [`MAX_RELAYS`].
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are stored and looked up
/// as the IPv4 address they carry.
#[derive(Debug, Clone)]
pub struct RelaySet {
    addrs: HashSet<IpAddr>,
    limit: usize,
}

impl Default for RelaySet {
    fn default() -> Self {
        RelaySet::new()
    }
}

impl RelaySet {
    /// An empty set holding at most [`MAX_RELAYS`] addresses.
    pub fn new() -> Self {
        RelaySet::with_limit(MAX_RELAYS)
    }

    /// An empty set holding at most `limit` addresses (tests use small limits).
    pub fn with_limit(limit: usize) -> Self {
        RelaySet {
            addrs: HashSet::new(),
            limit,
        }
    }

    /// Whether `ip` is a known relay address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.addrs.contains(&ip.to_canonical())
    }

    /// Number of addresses held.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// Whether the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }

    /// The addresses, sorted (IPv4 before IPv6).
    pub fn sorted(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.addrs.iter().copied().collect();
        v.sort_unstable();
        v
    }

    fn insert(&mut self, ip: IpAddr) -> Insert {
        let ip = ip.to_canonical();
        if self.addrs.contains(&ip) {
            Insert::Duplicate
        } else if self.addrs.len() >= self.limit {
            Insert::Full
        } else {
            self.addrs.insert(ip);
            Insert::New
        }
    }

    fn add(&mut self, ip: IpAddr, report: &mut ParseReport) {
        report.addresses += 1;
        match self.insert(ip) {
            Insert::New => report.added += 1,
            Insert::Duplicate => {}
            Insert::Full => report.over_limit += 1,
        }
    }

    /// Adds the addresses of `text`, in any format kagami reads (recognised by
    /// content: a JSON object is an Onionoo document, anything else a plain
    /// list). Bad lines and entries are counted in the report, not fatal; a
    /// JSON document that does not parse is an error naming `origin`.
    pub fn extend_from_text(
        &mut self,
        text: &str,
        origin: &str,
    ) -> Result<ParseReport, IntelError> {
        if text.trim_start().starts_with('{') {
            self.extend_from_onionoo(text, origin)
        } else {
            Ok(self.extend_from_plain(text))
        }
    }

    fn extend_from_plain(&mut self, text: &str) -> ParseReport {
        let mut report = ParseReport::new(ListFormat::Plain);
        for (i, line) in text.lines().enumerate() {
            let content = match line.split_once('#') {
                Some((before, _)) => before,
                None => line,
            }
            .trim();
            if content.is_empty() {
                continue;
            }
            match parse_addr(content) {
                Some(ip) => self.add(ip, &mut report),
                None => report.bad(format!(
                    "line {}: bad address \"{}\"",
                    i + 1,
                    quote(content)
                )),
            }
        }
        report
    }

    fn extend_from_onionoo(&mut self, text: &str, origin: &str) -> Result<ParseReport, IntelError> {
        let mut sink = OnionooSink {
            set: self,
            report: ParseReport::new(ListFormat::OnionooDetails),
            details: 0,
            summary: 0,
            seen_relays: false,
        };
        let mut de = serde_json::Deserializer::from_str(text);
        DocumentSeed { sink: &mut sink }
            .deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| IntelError::Format {
                origin: origin.to_string(),
                message: format!("not an Onionoo document: {e}"),
            })?;
        if !sink.seen_relays {
            return Err(IntelError::Format {
                origin: origin.to_string(),
                message: "a JSON document without a `relays` list (expected Onionoo details or summary, or a plain list)".into(),
            });
        }
        let mut report = sink.report;
        if sink.summary > sink.details {
            report.format = ListFormat::OnionooSummary;
        }
        Ok(report)
    }

    /// The relay set a sensor starts with, and the warnings to show: the seed
    /// list (embedded, or `tor-relays.txt` in `detect.signatures_dir` when that
    /// is set) plus `<state.dir>/intel/tor-relays.txt` when
    /// `state.dir` is set and the file exists.
    pub fn load(cfg: &Config) -> Result<(RelaySet, Vec<String>), IntelError> {
        RelaySet::load_at(cfg, SystemTime::now())
    }

    /// [`RelaySet::load`] with the current time given (the age of the fetched
    /// list is judged against it).
    pub fn load_at(cfg: &Config, now: SystemTime) -> Result<(RelaySet, Vec<String>), IntelError> {
        let mut set = RelaySet::new();
        let mut warnings = Vec::new();

        // Like every list (see `lists::list_text`): a signatures directory,
        // when set, must hold the file.
        let custom = (!cfg.detect.signatures_dir.is_empty())
            .then(|| Path::new(&cfg.detect.signatures_dir).join(FILE_NAME));
        match custom {
            Some(path) => {
                let text = read_list(&path)?;
                let origin = path.display().to_string();
                let report = set.extend_from_text(&text, &origin)?;
                warnings.extend(report.warnings(&origin));
            }
            None => {
                let report = set.extend_from_text(EMBEDDED, "(embedded)")?;
                warnings.extend(report.warnings("(embedded)"));
            }
        }

        if let Some(path) = state_path(cfg).filter(|p| p.exists()) {
            let text = read_list(&path)?;
            let origin = path.display().to_string();
            let report = set.extend_from_text(&text, &origin)?;
            warnings.extend(report.warnings(&origin));
            if report.addresses == 0 {
                warnings.push(format!(
                    "tor relay list {origin} names no relay; run `kagami intel update`"
                ));
            }
            let age = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|mtime| now.duration_since(mtime).ok());
            if let Some(age) = age.filter(|a| *a > STALE_AFTER) {
                warnings.push(format!(
                    "tor relay list {origin} is {} days old; run `kagami intel update` to refresh it",
                    age.as_secs() / 86_400
                ));
            }
        }
        Ok((set, warnings))
    }
}

/// `<state.dir>/intel/tor-relays.txt`, or `None` when `state.dir` is "".
pub fn state_path(cfg: &Config) -> Option<PathBuf> {
    (!cfg.state.dir.is_empty())
        .then(|| Path::new(&cfg.state.dir).join(STATE_SUBDIR).join(FILE_NAME))
}

fn read_list(path: &Path) -> Result<String, IntelError> {
    let bytes = fs::read(path).map_err(|source| IntelError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| IntelError::Format {
        origin: path.display().to_string(),
        message: format!(
            "not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// One address as the formats write it: `192.0.2.1`, `2001:db8::1`,
/// `192.0.2.1:9001`, `[2001:db8::1]:9001` or `[2001:db8::1]`.
pub fn parse_addr(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

/// At most [`MAX_SAMPLE_CHARS`] characters of `s`, control characters escaped.
fn quote(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX_SAMPLE_CHARS {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out
}

// --- Onionoo, read as a stream: each relay's addresses go straight into the
// set, so a large document never becomes a vector of relays.

struct OnionooSink<'a> {
    set: &'a mut RelaySet,
    report: ParseReport,
    details: usize,
    summary: usize,
    seen_relays: bool,
}

/// One entry of `relays`: the fields kagami reads; the rest are skipped.
#[derive(Deserialize)]
struct OnionooRelay {
    /// details: `["192.0.2.1:9001", "[2001:db8::1]:9001"]`.
    or_addresses: Option<Vec<String>>,
    /// summary: `["192.0.2.1", "2001:db8::1"]`.
    a: Option<Vec<String>>,
}

/// Addresses one relay entry may list before the rest count as bad (Tor
/// relays have one IPv4 and at most a few IPv6 OR addresses).
const MAX_ADDRS_PER_RELAY: usize = 64;

impl OnionooSink<'_> {
    fn relay(&mut self, index: usize, relay: OnionooRelay) {
        let (list, field) = match (relay.or_addresses, relay.a) {
            (Some(l), _) => {
                self.details += 1;
                (l, "or_addresses")
            }
            (None, Some(l)) => {
                self.summary += 1;
                (l, "a")
            }
            (None, None) => {
                self.report
                    .bad(format!("relay {index}: no `or_addresses` or `a` field"));
                return;
            }
        };
        let mut bad = None;
        for s in list.iter().take(MAX_ADDRS_PER_RELAY) {
            match parse_addr(s) {
                Some(ip) => self.set.add(ip, &mut self.report),
                None => {
                    bad.get_or_insert_with(|| {
                        format!("relay {index}: bad {field} \"{}\"", quote(s))
                    });
                }
            }
        }
        if list.len() > MAX_ADDRS_PER_RELAY {
            bad.get_or_insert_with(|| {
                format!(
                    "relay {index}: more than {MAX_ADDRS_PER_RELAY} addresses in {field}, the rest ignored"
                )
            });
        }
        if let Some(sample) = bad {
            self.report.bad(sample);
        }
    }
}

/// The top-level object: `relays` is read, every other key skipped.
struct DocumentSeed<'s, 'a> {
    sink: &'s mut OnionooSink<'a>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an Onionoo document (a JSON object with a `relays` list)")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "relays" {
                self.sink.seen_relays = true;
                map.next_value_seed(RelaysSeed {
                    sink: &mut *self.sink,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `relays` array, one entry at a time.
struct RelaysSeed<'s, 'a> {
    sink: &'s mut OnionooSink<'a>,
}

impl<'de> DeserializeSeed<'de> for RelaysSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RelaysSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of relay objects")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut index = 0usize;
        while let Some(relay) = seq.next_element::<OnionooRelay>()? {
            self.sink.relay(index, relay);
            index = index.saturating_add(1);
        }
        Ok(())
    }
}

// --- Fetching.

/// What [`update`] did.
#[derive(Debug, Clone)]
pub struct UpdateReport {
    /// Where the list came from.
    pub url: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Format the server sent.
    pub format: ListFormat,
    /// Distinct relay addresses written.
    pub relays: usize,
    /// Bytes of the response body (after any content decoding).
    pub bytes_fetched: usize,
    /// Bytes of the file written.
    pub bytes_written: usize,
    /// From the request to the file in place.
    pub elapsed: Duration,
    /// Problems with the content that did not stop the update.
    pub warnings: Vec<String>,
}

/// Fetches `intel.tor_relays_url` (HTTP or HTTPS, within `intel.timeout`
/// seconds and `intel.max_bytes` bytes), reads it in any format kagami knows,
/// and writes it to `out` as a sorted plain list, atomically: `out.tmp` in the
/// same directory, synced, then renamed over `out`. A failed fetch, a response
/// too large, or one naming no relay leaves `out` as it was.
pub fn update(cfg: &Config, out: &Path) -> Result<UpdateReport, IntelError> {
    let started = Instant::now();
    let url = cfg.intel.tor_relays_url.trim().to_string();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(IntelError::BadConfig {
            key: "intel.tor_relays_url",
            message: format!("\"{}\" is not an http:// or https:// URL", quote(&url)),
        });
    }
    if cfg.intel.timeout == 0 {
        return Err(IntelError::BadConfig {
            key: "intel.timeout",
            message: "must be greater than 0 (seconds)".into(),
        });
    }
    if cfg.intel.max_bytes == 0 {
        return Err(IntelError::BadConfig {
            key: "intel.max_bytes",
            message: "must be greater than 0 (bytes)".into(),
        });
    }

    let body = fetch(
        &url,
        Duration::from_secs(cfg.intel.timeout),
        cfg.intel.max_bytes,
    )?;
    let text = String::from_utf8(body).map_err(|e| IntelError::Format {
        origin: url.clone(),
        message: format!(
            "not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let mut set = RelaySet::new();
    let report = set.extend_from_text(&text, &url)?;
    let warnings = report.warnings(&url);
    if set.is_empty() {
        let detail = match report.bad_samples.first() {
            Some(first) => format!(
                " ({} {} unreadable, first {first}; is the URL an Onionoo document or a list of addresses?)",
                report.bad,
                if report.format == ListFormat::Plain {
                    "lines"
                } else {
                    "relay entries"
                }
            ),
            None => " (the list is empty)".into(),
        };
        return Err(IntelError::Empty { url, detail });
    }

    let fetched = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let mut file = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        file,
        "# Tor relay addresses for kagami's `tor` indicator, written by `kagami intel update`."
    );
    let _ = writeln!(file, "# source: {url}");
    let _ = writeln!(file, "# fetched: {fetched}");
    let _ = writeln!(
        file,
        "# addresses: {} (read as {})",
        set.len(),
        report.format.name()
    );
    let _ = writeln!(
        file,
        "# Format: one address per line, `#` comments. Rewritten whole by each update."
    );
    for ip in set.sorted() {
        let _ = writeln!(file, "{ip}");
    }
    write_atomically(out, file.as_bytes())?;

    Ok(UpdateReport {
        url,
        path: out.to_path_buf(),
        format: report.format,
        relays: set.len(),
        bytes_fetched: text.len(),
        bytes_written: file.len(),
        elapsed: started.elapsed(),
        warnings,
    })
}

fn fetch(url: &str, timeout: Duration, max_bytes: u64) -> Result<Vec<u8>, IntelError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .user_agent(concat!("kagami/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let map = |e: ureq::Error| match e {
        ureq::Error::StatusCode(status) => IntelError::Status {
            url: url.to_string(),
            status,
        },
        ureq::Error::BodyExceedsLimit(_) => IntelError::TooLarge {
            url: url.to_string(),
            limit: max_bytes,
        },
        other => IntelError::Fetch {
            url: url.to_string(),
            message: other.to_string(),
        },
    };
    let mut response = agent.get(url).call().map_err(map)?;
    // Refuse at once when the server announces a body too large.
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_bytes) {
        return Err(IntelError::TooLarge {
            url: url.to_string(),
            limit: max_bytes,
        });
    }
    response
        .body_mut()
        .with_config()
        .limit(max_bytes)
        .read_to_vec()
        .map_err(map)
}

/// [`write_atomically`](crate::output::atomic::write_atomically), with the
/// path in the error.
fn write_atomically(path: &Path, data: &[u8]) -> Result<(), IntelError> {
    crate::output::atomic::write_atomically(path, data).map_err(|source| IntelError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn parse(text: &str) -> (RelaySet, ParseReport) {
        let mut set = RelaySet::new();
        let r = set.extend_from_text(text, "test").unwrap();
        (set, r)
    }

    #[test]
    fn plain_list_with_comments_blanks_and_ports() {
        let text = "# header\n\n192.0.2.1\n  198.51.100.7:9001  # relay with port\n\
                    2001:db8::1\n[2001:db8::2]:443\n[2001:db8::3]\n\r\n203.0.113.9\r\n";
        let (set, r) = parse(text);
        assert_eq!(r.format, ListFormat::Plain);
        assert_eq!(r.bad, 0, "{:?}", r.bad_samples);
        assert_eq!(set.len(), 6);
        for a in [
            "192.0.2.1",
            "198.51.100.7",
            "2001:db8::1",
            "2001:db8::2",
            "2001:db8::3",
            "203.0.113.9",
        ] {
            assert!(set.contains(ip(a)), "{a}");
        }
        assert!(!set.contains(ip("192.0.2.2")));
        assert!(r.warnings("test").is_empty());
    }

    #[test]
    fn bad_lines_are_counted_with_line_numbers() {
        let text = "192.0.2.1\nnot-an-address\n\n999.1.1.1\n192.0.2.1:99999\n2001:db8::1:9001:x\n\
                    a\nb\nc\n";
        let (set, r) = parse(text);
        assert_eq!(set.len(), 1);
        assert_eq!(r.bad, 7);
        assert_eq!(r.bad_samples.len(), MAX_BAD_SAMPLES);
        assert_eq!(r.bad_samples[0], "line 2: bad address \"not-an-address\"");
        assert_eq!(r.bad_samples[1], "line 4: bad address \"999.1.1.1\"");
        assert_eq!(r.bad_samples[2], "line 5: bad address \"192.0.2.1:99999\"");
        let w = r.warnings("/etc/x.txt");
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("tor relay list /etc/x.txt: 7 lines ignored (line 2:"),
            "{}",
            w[0]
        );
        assert!(
            w[0].contains(", …;"),
            "more bad lines than quoted: {}",
            w[0]
        );
    }

    #[test]
    fn onionoo_details() {
        let doc = r#"{"version":"8.0","relays_published":"2026-11-25 14:00:00",
            "relays":[
              {"nickname":"a","or_addresses":["192.0.2.1:9001","[2001:db8::1]:9001"],"running":true},
              {"or_addresses":["198.51.100.7:443"]},
              {"or_addresses":["192.0.2.1:9001"]},
              {"or_addresses":["bogus:1"]}
            ],
            "bridges_published":"2026-11-25 14:00:00","bridges":[{"or_addresses":["10.0.0.1:1"]}]}"#;
        let (set, r) = parse(doc);
        assert_eq!(r.format, ListFormat::OnionooDetails);
        assert_eq!(set.len(), 3);
        assert!(set.contains(ip("192.0.2.1")));
        assert!(set.contains(ip("2001:db8::1")));
        assert!(set.contains(ip("198.51.100.7")));
        assert!(!set.contains(ip("10.0.0.1")), "bridges are not relays");
        assert_eq!(r.bad, 1);
        assert_eq!(r.bad_samples, vec!["relay 3: bad or_addresses \"bogus:1\""]);
    }

    #[test]
    fn onionoo_summary() {
        let doc = r#"{"version":"8.0","relays":[
              {"n":"x","f":"0000","a":["192.0.2.1","2001:db8::1"],"r":true},
              {"n":"y","a":["198.51.100.7"]}],"bridges":[]}"#;
        let (set, r) = parse(doc);
        assert_eq!(r.format, ListFormat::OnionooSummary);
        assert_eq!(r.bad, 0);
        assert_eq!(set.len(), 3);
        assert!(set.contains(ip("2001:db8::1")));
    }

    #[test]
    fn onionoo_entry_without_addresses_is_bad_not_fatal() {
        let (set, r) = parse(r#"{"relays":[{"nickname":"z"},{"a":["192.0.2.1"]}]}"#);
        assert_eq!(set.len(), 1);
        assert_eq!(
            r.bad_samples,
            vec!["relay 0: no `or_addresses` or `a` field"]
        );
    }

    #[test]
    fn garbage_json_is_an_error_naming_the_origin() {
        let mut set = RelaySet::new();
        for doc in [
            "{\"relays\":[{\"or_addresses\":[\"192.0.2.1:1\"]",
            "{\"relays\": 7}",
            "{\"relays\":[{\"or_addresses\":\"192.0.2.1\"}]}",
            "{} trailing",
            "{\"version\":\"8.0\"}",
        ] {
            let e = set.extend_from_text(doc, "https://x/details").unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.starts_with("cannot read tor relay list https://x/details: "),
                "{doc}: {msg}"
            );
        }
    }

    #[test]
    fn garbage_text_and_html_yield_nothing() {
        let html = "<!DOCTYPE html>\n<html><body>Service unavailable</body></html>\n";
        let (set, r) = parse(html);
        assert!(set.is_empty());
        assert_eq!(r.bad, 2);
        let bin: String = (0u8..=255).map(char::from).collect();
        let (set, _) = parse(&bin);
        assert!(set.is_empty());
        let (set, r) = parse("");
        assert!(set.is_empty());
        assert_eq!(r.bad, 0);
    }

    #[test]
    fn long_bad_lines_are_quoted_short() {
        let line = "x".repeat(10_000);
        let (_, r) = parse(&line);
        assert!(
            r.bad_samples[0].len() < MAX_SAMPLE_CHARS + 40,
            "{}",
            r.bad_samples[0]
        );
        assert!(r.bad_samples[0].ends_with("…\""));
    }

    #[test]
    fn oversized_list_is_capped_and_counted() {
        let mut set = RelaySet::with_limit(3);
        let r = set
            .extend_from_text(
                "192.0.2.1\n192.0.2.2\n192.0.2.1\n192.0.2.3\n192.0.2.4\n192.0.2.5\n",
                "t",
            )
            .unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(r.addresses, 6);
        assert_eq!(r.added, 3);
        assert_eq!(
            r.over_limit, 2,
            "a duplicate is not an address over the limit"
        );
        assert!(!set.contains(ip("192.0.2.4")));
        let w = r.warnings("t");
        assert_eq!(
            w,
            vec![format!(
                "tor relay list t: 2 addresses beyond the limit of {MAX_RELAYS} ignored"
            )]
        );
    }

    #[test]
    fn the_real_limit_holds() {
        let mut text = String::new();
        let n = MAX_RELAYS + 10;
        for i in 0..n {
            let v = u32::try_from(i).unwrap() + 0x0A00_0000;
            writeln!(text, "{}", std::net::Ipv4Addr::from(v)).unwrap();
        }
        let (set, r) = parse(&text);
        assert_eq!(set.len(), MAX_RELAYS);
        assert_eq!(r.over_limit, 10);
    }

    #[test]
    fn v4_mapped_v6_is_the_v4_address() {
        let (set, _) = parse("::ffff:192.0.2.1\n");
        assert!(set.contains(ip("192.0.2.1")));
        assert!(set.contains(ip("::ffff:192.0.2.1")));
        assert_eq!(set.sorted(), vec![ip("192.0.2.1")]);
    }

    #[test]
    fn embedded_seed_reads_cleanly() {
        let (set, r) = parse(EMBEDDED);
        assert_eq!(r.bad, 0, "{:?}", r.bad_samples);
        assert!(set.len() >= 9);
        assert!(set.contains(ip("128.31.0.39")), "moria1");
        assert!(set.contains(ip("2001:67c:289c::9")), "maatuska");
    }

    fn cfg_with(sigdir: &str, state: &str) -> Config {
        let mut c = Config::embedded();
        c.detect.signatures_dir = sigdir.into();
        c.state.dir = state.into();
        c
    }

    #[test]
    fn load_merges_seed_and_fetched_list_and_reports_staleness() {
        let state = tempfile::tempdir().unwrap();
        let (set, w) = RelaySet::load(&cfg_with("", state.path().to_str().unwrap())).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert!(set.contains(ip("128.31.0.39")));
        let seed = set.len();

        let dir = state.path().join(STATE_SUBDIR);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(FILE_NAME),
            "# fetched\n192.0.2.1\n128.31.0.39\nzz\n",
        )
        .unwrap();
        let cfg = cfg_with("", state.path().to_str().unwrap());
        let (set, w) = RelaySet::load(&cfg).unwrap();
        assert_eq!(set.len(), seed + 1);
        assert!(set.contains(ip("192.0.2.1")));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("line 4: bad address \"zz\""), "{}", w[0]);

        let later = SystemTime::now() + Duration::from_secs(10 * 86_400);
        let (_, w) = RelaySet::load_at(&cfg, later).unwrap();
        assert!(
            w.iter()
                .any(|m| m.contains("is 10 days old; run `kagami intel update`")),
            "{w:?}"
        );
        let soon = SystemTime::now() + Duration::from_secs(6 * 86_400);
        let (_, w) = RelaySet::load_at(&cfg, soon).unwrap();
        assert!(!w.iter().any(|m| m.contains("days old")), "{w:?}");
    }

    #[test]
    fn signatures_dir_replaces_the_seed() {
        let sig = tempfile::tempdir().unwrap();
        fs::write(sig.path().join(FILE_NAME), "198.51.100.1\n").unwrap();
        let (set, _) = RelaySet::load(&cfg_with(sig.path().to_str().unwrap(), "")).unwrap();
        assert_eq!(set.len(), 1);
        assert!(!set.contains(ip("128.31.0.39")));

        // A signatures dir without the file is an error naming it, as for
        // every other list.
        let empty = tempfile::tempdir().unwrap();
        let e = RelaySet::load(&cfg_with(empty.path().to_str().unwrap(), "")).unwrap_err();
        assert!(matches!(e, IntelError::Read { .. }), "{e}");
        assert!(e.to_string().contains(FILE_NAME), "{e}");

        // A broken JSON file there is an error naming the file.
        fs::write(sig.path().join(FILE_NAME), "{\"relays\":[").unwrap();
        let e = RelaySet::load(&cfg_with(sig.path().to_str().unwrap(), "")).unwrap_err();
        assert!(e.to_string().contains(FILE_NAME), "{e}");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_tmp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(FILE_NAME);
        fs::write(&p, "old\n").unwrap();
        write_atomically(&p, b"new\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new\n");
        assert!(!d.path().join("tor-relays.txt.tmp").exists());
        let missing = d.path().join("no/such/dir").join(FILE_NAME);
        let e = write_atomically(&missing, b"x").unwrap_err();
        assert!(
            e.to_string().starts_with("cannot write tor relay list "),
            "{e}"
        );
    }

    #[test]
    fn update_refuses_bad_settings_before_any_network() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join(FILE_NAME);
        let mut c = Config::embedded();
        c.intel.tor_relays_url = "ftp://example.org/list".into();
        let e = update(&c, &out).unwrap_err();
        assert!(
            matches!(
                e,
                IntelError::BadConfig {
                    key: "intel.tor_relays_url",
                    ..
                }
            ),
            "{e}"
        );
        let mut c = Config::embedded();
        c.intel.max_bytes = 0;
        assert!(matches!(
            update(&c, &out),
            Err(IntelError::BadConfig {
                key: "intel.max_bytes",
                ..
            })
        ));
        let mut c = Config::embedded();
        c.intel.timeout = 0;
        assert!(matches!(
            update(&c, &out),
            Err(IntelError::BadConfig {
                key: "intel.timeout",
                ..
            })
        ));
        assert!(!out.exists());
    }
}
