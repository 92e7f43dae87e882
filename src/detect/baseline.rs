//! Per-host baselines for the connection-spike indicator: moving statistics of
//! each home-network host's new outbound connections and distinct
//! destinations per minute, the check of a minute against them, and their
//! persistence across restarts.
//!
//! A host's baseline is an exponentially weighted moving mean and variance
//! (weight `connection_spike.alpha` on the newest minute) of two per-minute
//! counts. Minutes are packet-time minutes (`ts / 60 s`). A minute in which a
//! host opened nothing counts as a zero: when a host comes back after an idle
//! gap, the gap is folded in at once with the closed form of `n` zero
//! minutes, so a month's gap costs no more than one minute. The running
//! minute is checked against the baseline as it stood before that minute, so
//! a burst cannot raise its own bar; it is folded in when the next minute
//! begins.
//!
//! What this module leaves to others: deciding which connections are
//! outbound and new, allowlists, rate-limiting alerts, and writing them (the
//! connection-spike detector); when to save (the detector, at shutdown and
//! periodically).

use hashbrown::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use hashbrown::HashSet;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::ConnectionSpikeConfig;

/// Distinct destinations counted exactly per host per minute; past this many
/// the count stops and is reported as "at least" (bounds a host's set to
/// about 40 KiB: the set holds 8-byte fingerprints of the addresses).
pub const MAX_DISTINCT_PER_MINUTE: usize = 4096;

/// Minutes a connection may arrive late (batches from several workers are not
/// in strict time order) and still count in the running minute. An older
/// minute means the clock went back (a replay of older captures against a
/// saved baseline): the running minute restarts there, the statistics stay.
pub const MAX_LATE_MINUTES: u64 = 2;

/// File name of the saved baselines inside `state.dir`.
pub const STORE_FILE: &str = "baselines.json";

/// Format version written into the file; another version loads as empty.
pub const STORE_VERSION: u32 = 1;

/// Bytes of saved state allowed per host when loading (a host's record is
/// about 200 bytes of JSON), so a huge file cannot exhaust memory.
const MAX_STORE_BYTES_PER_HOST: u64 = 1024;

/// A `[connection_spike]` setting the statistics cannot use.
#[derive(Debug, Error)]
pub enum BaselineError {
    #[error("connection_spike.alpha: must be greater than 0 and less than 1, not {0}")]
    Alpha(f64),
    #[error("connection_spike.k: must be 0 or more, not {0}")]
    K(f64),
}

/// Saving the baselines failed; the message names the file.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot create state directory {path}: {source} (check state.dir)")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write baselines to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode baselines for {path}: {message}")]
    Encode { path: PathBuf, message: String },
}

/// Why saved baselines were not loaded. Not fatal: the store starts empty and
/// hosts warm up again. The caller decides how to report it.
#[derive(Debug, Error)]
pub enum StoreWarning {
    #[error("cannot read saved baselines {path}: {source}; starting with empty baselines")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "saved baselines {path} are corrupt ({message}); starting with empty baselines \
         (the file is replaced at the next save)"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error(
        "saved baselines {path} are format version {found}, this kagami writes {expected}; \
         starting with empty baselines"
    )]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
}

/// The checked `[connection_spike]` thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeParams {
    /// Weight of the newest minute, `0 < alpha < 1`.
    pub alpha: f64,
    /// Standard deviations above the mean that count as a spike.
    pub k: f64,
    /// Minutes of history before a host can alert.
    pub warmup_minutes: u64,
    /// Floor of new outbound connections per minute.
    pub min_connections: u64,
    /// Floor of distinct destinations per minute.
    pub min_destinations: u64,
}

impl SpikeParams {
    /// Checks `[connection_spike]`.
    pub fn new(cfg: &ConnectionSpikeConfig) -> Result<Self, BaselineError> {
        if !(cfg.alpha > 0.0 && cfg.alpha < 1.0) {
            return Err(BaselineError::Alpha(cfg.alpha));
        }
        if !(cfg.k >= 0.0 && cfg.k.is_finite()) {
            return Err(BaselineError::K(cfg.k));
        }
        Ok(SpikeParams {
            alpha: cfg.alpha,
            k: cfg.k,
            warmup_minutes: cfg.warmup_minutes.into(),
            min_connections: cfg.min_connections.into(),
            min_destinations: cfg.min_destinations.into(),
        })
    }
}

/// An exponentially weighted moving mean and variance.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Ewm {
    /// Moving mean.
    pub mean: f64,
    /// Moving variance.
    pub var: f64,
}

impl Ewm {
    /// Folds in one minute's value.
    fn push(&mut self, x: f64, alpha: f64) {
        let diff = x - self.mean;
        let incr = alpha * diff;
        self.mean += incr;
        self.var = (1.0 - alpha) * (self.var + diff * incr);
    }

    /// Folds in `n` minutes of zero at once. With `q = 1 - alpha`, pushing a
    /// zero maps (m, v) to (q m, q (v + alpha m²)); after `n` zeros that is
    /// `m' = qⁿ m` and `v' = qⁿ v + qⁿ (1 - qⁿ) m²`.
    fn push_zeros(&mut self, n: u64, alpha: f64) {
        if n == 0 {
            return;
        }
        // u64 → f64 rounds only beyond 2^53 minutes, where qⁿ is 0 anyway.
        let qn = (1.0 - alpha).powf(n as f64);
        self.var = qn * self.var + qn * (1.0 - qn) * self.mean * self.mean;
        self.mean *= qn;
    }

    /// Standard deviation.
    pub fn sd(&self) -> f64 {
        self.var.max(0.0).sqrt()
    }

    fn is_valid(&self) -> bool {
        self.mean.is_finite() && self.var.is_finite() && self.mean >= 0.0 && self.var >= 0.0
    }
}

/// One metric of a [`Spike`]: the running minute's value against the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricCheck {
    /// This minute's count (for destinations, capped at [`MAX_DISTINCT_PER_MINUTE`]).
    pub value: u64,
    /// Baseline mean per minute before this minute.
    pub mean: f64,
    /// Baseline standard deviation before this minute.
    pub sd: f64,
    /// `max(floor, mean + k·sd)`: the value must exceed it.
    pub threshold: f64,
    /// Whether `value` exceeds `threshold`.
    pub exceeded: bool,
}

/// A minute in which a host exceeded its baseline, with the figures for the evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// Packet-time minute (seconds since the epoch / 60).
    pub minute: u64,
    /// New outbound connections so far this minute.
    pub connections: MetricCheck,
    /// Distinct destinations so far this minute.
    pub destinations: MetricCheck,
    /// The destination count reached [`MAX_DISTINCT_PER_MINUTE`]: "at least".
    pub destinations_at_least: bool,
    /// Minutes of history the baseline holds.
    pub history_minutes: u64,
}

/// A fixed hasher so the per-minute set stores small fingerprints, not addresses.
type Fingerprint = BuildHasherDefault<DefaultHasher>;

/// The running minute's counts.
#[derive(Debug, Clone, Default)]
pub struct MinuteCounter {
    connections: u64,
    /// Fingerprints of distinct destinations, at most [`MAX_DISTINCT_PER_MINUTE`].
    destinations: HashSet<u64>,
    /// A spike was already reported for this minute.
    reported: bool,
}

impl MinuteCounter {
    fn add(&mut self, dest: IpAddr) {
        self.connections = self.connections.saturating_add(1);
        if self.destinations.len() < MAX_DISTINCT_PER_MINUTE {
            self.destinations
                .insert(Fingerprint::default().hash_one(dest));
        }
    }

    fn reset(&mut self) {
        self.connections = 0;
        self.reported = false;
        // Give back a burst's memory; keep a small set's allocation.
        if self.destinations.capacity() > 256 {
            self.destinations = HashSet::new();
        } else {
            self.destinations.clear();
        }
    }

    /// New outbound connections counted this minute.
    pub fn connections(&self) -> u64 {
        self.connections
    }

    /// Distinct destinations this minute, capped at [`MAX_DISTINCT_PER_MINUTE`].
    pub fn distinct(&self) -> u64 {
        u64::try_from(self.destinations.len()).unwrap_or(u64::MAX)
    }
}

/// One host's baseline and its running minute.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostBaseline {
    /// New outbound connections per minute.
    pub connections: Ewm,
    /// Distinct destinations per minute.
    pub destinations: Ewm,
    /// Minutes folded into the statistics (idle minutes included).
    pub minutes: u64,
    /// The running minute (packet time, seconds since the epoch / 60).
    pub minute: u64,
    #[serde(skip)]
    current: MinuteCounter,
}

impl HostBaseline {
    /// A host first seen in `minute`, with no history.
    pub fn new(minute: u64) -> Self {
        HostBaseline {
            connections: Ewm::default(),
            destinations: Ewm::default(),
            minutes: 0,
            minute,
            current: MinuteCounter::default(),
        }
    }

    /// Counts one new outbound connection to `dest` at packet-time `minute`
    /// and checks the running minute against the baseline. Returns a spike
    /// at most once per minute: the first time either count exceeds its
    /// threshold, once the host has `warmup_minutes` of history.
    pub fn observe(&mut self, minute: u64, dest: IpAddr, params: &SpikeParams) -> Option<Spike> {
        self.roll(minute, params);
        self.current.add(dest);
        let spike = self.check(params)?;
        self.current.reported = true;
        Some(spike)
    }

    /// Moves to `minute`: a later minute folds the running one and any idle
    /// minutes between into the statistics; a slightly earlier one (late
    /// arrival) stays in the running minute; a much earlier one restarts the
    /// running minute there without folding anything.
    pub fn roll(&mut self, minute: u64, params: &SpikeParams) {
        if minute <= self.minute {
            if self.minute - minute > MAX_LATE_MINUTES {
                self.minute = minute;
                self.current.reset();
            }
            return;
        }
        let conns = self.current.connections as f64;
        let dests = self.current.distinct() as f64;
        if self.minutes == 0 {
            // The first minute seeds the mean instead of dragging it up from 0.
            self.connections = Ewm {
                mean: conns,
                var: 0.0,
            };
            self.destinations = Ewm {
                mean: dests,
                var: 0.0,
            };
        } else {
            self.connections.push(conns, params.alpha);
            self.destinations.push(dests, params.alpha);
        }
        let idle = minute - self.minute - 1;
        self.connections.push_zeros(idle, params.alpha);
        self.destinations.push_zeros(idle, params.alpha);
        self.minutes = self.minutes.saturating_add(1).saturating_add(idle);
        self.minute = minute;
        self.current.reset();
    }

    /// Checks the running minute against the statistics (which do not yet
    /// include it). `None` during warm-up, after this minute already reported,
    /// or when neither count exceeds both its floor and mean + k·sd.
    pub fn check(&self, params: &SpikeParams) -> Option<Spike> {
        if self.current.reported || self.minutes < params.warmup_minutes {
            return None;
        }
        let metric = |value: u64, ewm: &Ewm, floor: u64| {
            let (mean, sd) = (ewm.mean, ewm.sd());
            let threshold = (mean + params.k * sd).max(floor as f64);
            MetricCheck {
                value,
                mean,
                sd,
                threshold,
                exceeded: value as f64 > threshold,
            }
        };
        let connections = metric(
            self.current.connections,
            &self.connections,
            params.min_connections,
        );
        let destinations = metric(
            self.current.distinct(),
            &self.destinations,
            params.min_destinations,
        );
        if !connections.exceeded && !destinations.exceeded {
            return None;
        }
        Some(Spike {
            minute: self.minute,
            connections,
            destinations,
            destinations_at_least: self.current.destinations.len() >= MAX_DISTINCT_PER_MINUTE,
            history_minutes: self.minutes,
        })
    }

    /// A copy with the running minute folded in, as [`roll`](Self::roll) to
    /// the next minute would; unchanged if the running minute is empty.
    pub fn finished(&self, params: &SpikeParams) -> HostBaseline {
        let mut done = self.clone();
        if done.current.connections > 0 {
            done.roll(self.minute.saturating_add(1), params);
        }
        done
    }

    /// The running minute's counts.
    pub fn current(&self) -> &MinuteCounter {
        &self.current
    }

    fn is_valid(&self) -> bool {
        self.connections.is_valid() && self.destinations.is_valid()
    }
}

/// The file's shape: a version and the hosts, sorted by address.
#[derive(Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    hosts: Vec<StoreEntry>,
}

#[derive(Serialize, Deserialize)]
struct StoreEntry {
    host: IpAddr,
    #[serde(flatten)]
    baseline: HostBaseline,
}

/// Just the version, read first so a future format is reported as such.
#[derive(Deserialize)]
struct StoreVersion {
    version: u32,
}

/// Every tracked host's baseline, bounded by `detect.max_hosts`.
#[derive(Debug, Clone)]
pub struct BaselineStore {
    hosts: HashMap<IpAddr, HostBaseline>,
    params: SpikeParams,
    max_hosts: usize,
    evicted: u64,
}

impl BaselineStore {
    /// An empty store holding at most `max_hosts` hosts (`detect.max_hosts`).
    pub fn new(params: SpikeParams, max_hosts: u64) -> Self {
        BaselineStore {
            hosts: HashMap::new(),
            params,
            max_hosts: usize::try_from(max_hosts).unwrap_or(usize::MAX).max(1),
            evicted: 0,
        }
    }

    /// The path of the saved baselines in state directory `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STORE_FILE)
    }

    /// Loads `<dir>/baselines.json`. A missing file is an empty store; an
    /// unreadable, corrupt or other-version file is an empty store and a
    /// warning. Beyond `max_hosts`, the most recently seen hosts are kept.
    pub fn load(dir: &Path, params: SpikeParams, max_hosts: u64) -> (Self, Option<StoreWarning>) {
        let mut store = BaselineStore::new(params, max_hosts);
        let path = Self::path(dir);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (store, None),
            Err(source) => return (store, Some(StoreWarning::Read { path, source })),
        };
        let limit = MAX_STORE_BYTES_PER_HOST
            .saturating_mul(u64::try_from(store.max_hosts).unwrap_or(u64::MAX))
            .saturating_add(4096);
        let mut text = Vec::new();
        if let Err(source) = file.take(limit.saturating_add(1)).read_to_end(&mut text) {
            return (store, Some(StoreWarning::Read { path, source }));
        }
        if u64::try_from(text.len()).unwrap_or(u64::MAX) > limit {
            let message = format!("larger than {limit} bytes for detect.max_hosts = {max_hosts}");
            return (store, Some(StoreWarning::Corrupt { path, message }));
        }
        let corrupt =
            |path: PathBuf, message: String| Some(StoreWarning::Corrupt { path, message });
        let version = match serde_json::from_slice::<StoreVersion>(&text) {
            Ok(v) => v.version,
            Err(e) => return (store, corrupt(path, e.to_string())),
        };
        if version != STORE_VERSION {
            let warning = StoreWarning::Version {
                path,
                found: version,
                expected: STORE_VERSION,
            };
            return (store, Some(warning));
        }
        let file: StoreFile = match serde_json::from_slice(&text) {
            Ok(f) => f,
            Err(e) => return (store, corrupt(path, e.to_string())),
        };
        if let Some(bad) = file.hosts.iter().find(|e| !e.baseline.is_valid()) {
            let message = format!("host {} has a negative or non-finite statistic", bad.host);
            return (store, corrupt(path, message));
        }
        let mut entries = file.hosts;
        if entries.len() > store.max_hosts {
            entries.sort_by_key(|e| std::cmp::Reverse((e.baseline.minute, e.host)));
            entries.truncate(store.max_hosts);
        }
        store.hosts = entries.into_iter().map(|e| (e.host, e.baseline)).collect();
        (store, None)
    }

    /// Writes `<dir>/baselines.json` atomically: a temporary file in `dir`,
    /// flushed to disk, renamed over the old one, and the directory synced.
    /// Creates `dir` if needed. Each host's running minute is saved folded
    /// into its statistics (as if it had ended), since its destination set is
    /// not saved; the live baselines are unchanged.
    pub fn save(&self, dir: &Path) -> Result<(), StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = Self::path(dir);
        let mut hosts: Vec<StoreEntry> = self
            .hosts
            .iter()
            .map(|(host, b)| StoreEntry {
                host: *host,
                baseline: b.finished(&self.params),
            })
            .collect();
        hosts.sort_by_key(|e| e.host);
        let file = StoreFile {
            version: STORE_VERSION,
            hosts,
        };
        let bytes = serde_json::to_vec(&file).map_err(|e| StoreError::Encode {
            path: path.clone(),
            message: e.to_string(),
        })?;
        crate::output::atomic::write_atomically(&path, &bytes)
            .map_err(|source| StoreError::Write { path, source })
    }

    /// Counts one new outbound connection from `host` to `dest` at
    /// packet-time `minute`; see [`HostBaseline::observe`]. A new host beyond
    /// `max_hosts` evicts the least recently seen ones first.
    pub fn observe(&mut self, host: IpAddr, minute: u64, dest: IpAddr) -> Option<Spike> {
        if !self.hosts.contains_key(&host) && self.hosts.len() >= self.max_hosts {
            self.evict();
        }
        self.hosts
            .entry(host)
            .or_insert_with(|| HostBaseline::new(minute))
            .observe(minute, dest, &self.params)
    }

    /// Drops the least recently seen sixteenth of the hosts (at least one), so
    /// a full store scans its hosts once per many new ones, not per new host.
    fn evict(&mut self) {
        let old =
            super::host::least_recent(&self.hosts, (self.max_hosts / 16).max(1), |b| b.minute);
        for ip in &old {
            self.hosts.remove(ip);
        }
        self.evicted = self
            .evicted
            .saturating_add(u64::try_from(old.len()).unwrap_or(u64::MAX));
    }

    /// A host's baseline.
    pub fn get(&self, host: &IpAddr) -> Option<&HostBaseline> {
        self.hosts.get(host)
    }

    /// Hosts tracked.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether no host is tracked.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Hosts evicted since the store was made (for `detect.hosts_evicted`).
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn params() -> SpikeParams {
        // The shipped defaults.
        let cfg = crate::config::Config::embedded().connection_spike;
        SpikeParams::new(&cfg).unwrap()
    }

    fn dest(i: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0800_0000 + i))
    }

    /// Feeds `count` connections to `distinct` destinations in `minute`; returns the spikes.
    fn minute(
        b: &mut HostBaseline,
        minute: u64,
        count: u32,
        distinct: u32,
        p: &SpikeParams,
    ) -> Vec<Spike> {
        (0..count)
            .filter_map(|i| b.observe(minute, dest(i % distinct.max(1)), p))
            .collect()
    }

    /// A small deterministic generator for "30 ± 3".
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 33
    }

    #[test]
    fn steady_busy_host_never_spikes() {
        let p = params();
        let mut b = HostBaseline::new(0);
        let mut seed = 7;
        for m in 0..120 {
            let n = 27 + u32::try_from(lcg(&mut seed) % 7).unwrap(); // 27..=33
            assert!(minute(&mut b, m, n, n / 2, &p).is_empty(), "minute {m}");
        }
        b.roll(120, &p);
        assert_eq!(b.minutes, 120);
        assert!(
            (b.connections.mean - 30.0).abs() < 2.0,
            "{:?}",
            b.connections
        );
        assert!(b.connections.sd() < 4.0, "{:?}", b.connections);
    }

    #[test]
    fn jump_to_400_spikes_once_when_warm() {
        let p = params();
        let mut b = HostBaseline::new(0);
        for m in 0..90 {
            assert!(minute(&mut b, m, 5, 3, &p).is_empty());
        }
        // 400 connections to the same three servers.
        let spikes = minute(&mut b, 90, 400, 3, &p);
        assert_eq!(spikes.len(), 1, "one report per minute");
        let s = spikes[0];
        assert_eq!(s.minute, 90);
        assert!(s.connections.exceeded);
        // It fires as soon as the count passes the floor of 100 (mean 5, sd ~0).
        assert_eq!(s.connections.value, 101);
        assert_eq!(s.connections.threshold, 100.0);
        assert!((s.connections.mean - 5.0).abs() < 1e-9);
        assert!(!s.destinations.exceeded, "3 destinations");
        assert!(!s.destinations_at_least);
        assert_eq!(s.history_minutes, 90);
        // Back to normal: the baseline absorbed one big minute, no new alert.
        for m in 91..100 {
            assert!(minute(&mut b, m, 5, 3, &p).is_empty());
        }
        // Another burst later is a new minute and reports again.
        assert_eq!(minute(&mut b, 100, 400, 3, &p).len(), 1);
    }

    #[test]
    fn no_spike_before_warm_up() {
        let p = params(); // warm-up 60 minutes
        let mut b = HostBaseline::new(0);
        for m in 0..59 {
            minute(&mut b, m, 5, 3, &p);
        }
        assert!(
            minute(&mut b, 59, 400, 400, &p).is_empty(),
            "59 minutes of history"
        );
        let mut b = HostBaseline::new(0);
        for m in 0..60 {
            minute(&mut b, m, 5, 3, &p);
        }
        assert_eq!(
            minute(&mut b, 60, 400, 400, &p).len(),
            1,
            "60 minutes of history"
        );
    }

    #[test]
    fn floor_and_deviation_both_needed() {
        let p = params();
        // A host that usually makes 250–350: 380 is over the floor but within 4 sd.
        let mut b = HostBaseline::new(0);
        let mut seed = 3;
        for m in 0..120 {
            let n = 250 + u32::try_from(lcg(&mut seed) % 101).unwrap();
            minute(&mut b, m, n, 10, &p);
        }
        assert!(minute(&mut b, 120, 380, 10, &p).is_empty());
        // A quiet host at 0–1 a minute going to 60: many sd, but under both floors.
        let mut b = HostBaseline::new(0);
        for m in 0..120 {
            minute(&mut b, m, u32::try_from(m % 2).unwrap(), 1, &p);
        }
        assert!(minute(&mut b, 120, 60, 40, &p).is_empty());
    }

    #[test]
    fn distinct_destinations_alone_can_spike() {
        let p = params();
        let mut b = HostBaseline::new(0);
        for m in 0..90 {
            minute(&mut b, m, 80, 2, &p); // 80 connections, 2 destinations
        }
        // 90 connections (under the floor of 100) to 90 destinations (over 50).
        let spikes = minute(&mut b, 90, 90, 90, &p);
        assert_eq!(spikes.len(), 1);
        assert!(!spikes[0].connections.exceeded);
        assert!(spikes[0].destinations.exceeded);
        assert_eq!(spikes[0].destinations.value, 51);
    }

    #[test]
    fn distinct_count_is_capped() {
        let p = params();
        let mut b = HostBaseline::new(0);
        for i in 0..(MAX_DISTINCT_PER_MINUTE as u32 + 100) {
            b.observe(0, dest(i), &p);
        }
        assert_eq!(b.current().distinct(), MAX_DISTINCT_PER_MINUTE as u64);
        assert_eq!(
            b.current().connections(),
            MAX_DISTINCT_PER_MINUTE as u64 + 100
        );
        let mut warm = p;
        warm.warmup_minutes = 0;
        let s = b.check(&warm).unwrap();
        assert!(s.destinations_at_least);
    }

    #[test]
    fn idle_gap_counts_as_zeros() {
        let p = params();
        let mut gap = HostBaseline::new(0);
        let mut looped = HostBaseline::new(0);
        for m in 0..30 {
            minute(&mut gap, m, 20, 5, &p);
            minute(&mut looped, m, 20, 5, &p);
        }
        // Host idle for minutes 30..40, back at 40.
        minute(&mut gap, 40, 1, 1, &p);
        for m in 30..40 {
            looped.roll(m, &p); // each empty minute folded one at a time
        }
        minute(&mut looped, 40, 1, 1, &p);
        assert_eq!(gap.minutes, looped.minutes);
        assert_eq!(gap.minutes, 40);
        assert!((gap.connections.mean - looped.connections.mean).abs() < 1e-9);
        assert!((gap.connections.var - looped.connections.var).abs() < 1e-9);
        assert!((gap.destinations.var - looped.destinations.var).abs() < 1e-9);
        assert!(gap.connections.mean < 20.0 * 0.95f64.powi(9));
    }

    #[test]
    fn month_long_gap_is_cheap_and_finite() {
        let p = params();
        let mut b = HostBaseline::new(0);
        for m in 0..60 {
            minute(&mut b, m, 30, 10, &p);
        }
        let month = 60 + 30 * 24 * 60;
        assert!(b.observe(month, dest(1), &p).is_none());
        assert_eq!(b.minutes, month);
        assert!(b.connections.is_valid());
        assert!(b.connections.mean < 1e-6);
        // After a long idle stretch, a burst over the floors stands out.
        assert_eq!(minute(&mut b, month + 1, 200, 200, &p).len(), 1);
        // Even u64::MAX minutes later nothing overflows or becomes NaN.
        b.observe(u64::MAX, dest(1), &p);
        assert!(b.connections.is_valid() && b.destinations.is_valid());
        assert_eq!(b.minutes, u64::MAX);
    }

    #[test]
    fn late_and_backward_minutes() {
        let p = params();
        let mut b = HostBaseline::new(100);
        b.observe(100, dest(1), &p);
        b.observe(99, dest(2), &p); // one minute late: counts now
        assert_eq!(b.current().connections(), 2);
        assert_eq!(b.minutes, 0);
        b.observe(10, dest(3), &p); // clock went back: restart the running minute
        assert_eq!(b.minute, 10);
        assert_eq!(b.current().connections(), 1);
        assert_eq!(b.minutes, 0);
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut cfg = crate::config::Config::embedded().connection_spike;
        cfg.alpha = 1.0;
        assert_eq!(
            SpikeParams::new(&cfg).unwrap_err().to_string(),
            "connection_spike.alpha: must be greater than 0 and less than 1, not 1"
        );
        cfg.alpha = 0.1;
        cfg.k = -1.0;
        assert!(
            SpikeParams::new(&cfg)
                .unwrap_err()
                .to_string()
                .starts_with("connection_spike.k")
        );
    }

    fn sample_store() -> BaselineStore {
        let p = params();
        let mut store = BaselineStore::new(p, 100);
        for h in 0..5u32 {
            let host = IpAddr::V4(Ipv4Addr::from(0x0a00_0001 + h));
            for m in 0..30 {
                for i in 0..(h + 3) {
                    store.observe(host, m, dest(i * m as u32 % 7));
                }
            }
        }
        store.observe("fd00::5".parse().unwrap(), 29, dest(1));
        store
    }

    /// Each host's saved figures; `finished` folds the running minute first, as a save does.
    fn stats(store: &BaselineStore, finished: bool) -> Vec<(IpAddr, Ewm, Ewm, u64, u64)> {
        let mut v: Vec<_> = store
            .hosts
            .iter()
            .map(|(ip, b)| {
                let b = if finished {
                    b.finished(&store.params)
                } else {
                    b.clone()
                };
                (*ip, b.connections, b.destinations, b.minutes, b.minute)
            })
            .collect();
        v.sort_by_key(|t| t.0);
        v
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = sample_store();
        store.save(dir.path()).unwrap();
        let (loaded, warning) = BaselineStore::load(dir.path(), params(), 100);
        assert!(warning.is_none(), "{warning:?}");
        assert_eq!(loaded.len(), 6);
        // What was loaded is what was saved: the baselines with minute 29 folded in.
        assert_eq!(stats(&loaded, false), stats(&store, true));
        assert_ne!(stats(&loaded, false), stats(&store, false));
        assert_eq!(
            loaded.get(&"10.0.0.1".parse().unwrap()).unwrap().minutes,
            30
        );
        // The file is JSON with a version.
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(STORE_FILE)).unwrap()).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["hosts"][0]["host"], "10.0.0.1");
        // Saving the loaded store again writes the same figures.
        loaded.save(dir.path()).unwrap();
        let (again, _) = BaselineStore::load(dir.path(), params(), 100);
        assert_eq!(stats(&again, false), stats(&loaded, false));
    }

    #[test]
    fn baselines_survive_a_restart() {
        let p = params();
        let host: IpAddr = "10.0.0.9".parse().unwrap();
        let mut live = BaselineStore::new(p, 100);
        for m in 0..90 {
            for i in 0..5 {
                live.observe(host, m, dest(i));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        live.save(dir.path()).unwrap();
        let (mut restarted, _) = BaselineStore::load(dir.path(), p, 100);
        // No second warm-up: a burst right after the restart alerts once.
        let spikes: Vec<Spike> = (0..400)
            .filter_map(|i| restarted.observe(host, 90, dest(i % 3)))
            .collect();
        assert_eq!(spikes.len(), 1);
        assert!((spikes[0].connections.mean - 5.0).abs() < 1e-9);
        assert_eq!(spikes[0].history_minutes, 90);
        // A new store with no saved state would not have alerted.
        let mut fresh = BaselineStore::new(p, 100);
        assert!((0..400).all(|i| fresh.observe(host, 90, dest(i % 3)).is_none()));
    }

    #[test]
    fn missing_file_is_an_empty_store_and_missing_dir_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let (store, warning) = BaselineStore::load(dir.path(), params(), 100);
        assert!(store.is_empty() && warning.is_none());
        let nested = dir.path().join("state").join("kagami");
        sample_store().save(&nested).unwrap();
        assert!(nested.join(STORE_FILE).is_file());
    }

    #[test]
    fn save_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        sample_store().save(dir.path()).unwrap();
        sample_store().save(dir.path()).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![STORE_FILE.to_string()]);
    }

    #[test]
    fn save_into_unwritable_place_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = sample_store().save(&file).unwrap_err().to_string();
        assert!(err.starts_with("cannot create state directory"), "{err}");
    }

    #[test]
    fn corrupt_file_is_a_warning_and_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        let cases: [&[u8]; 6] = [
            b"",
            b"{\"version\":1,\"hosts\":[{\"host\":\"10.0.0.1\"",
            b"\xff\xfe garbage",
            b"{\"version\":1,\"hosts\":[{\"host\":\"not an ip\",\"connections\":{\"mean\":1,\"var\":1},\
              \"destinations\":{\"mean\":1,\"var\":1},\"minutes\":1,\"minute\":1}]}",
            b"{\"version\":1,\"hosts\":[{\"host\":\"10.0.0.1\",\"connections\":{\"mean\":-1,\"var\":1},\
              \"destinations\":{\"mean\":1,\"var\":1},\"minutes\":1,\"minute\":1}]}",
            b"[1,2,3]",
        ];
        for bytes in cases {
            std::fs::write(&path, bytes).unwrap();
            let (store, warning) = BaselineStore::load(dir.path(), params(), 100);
            assert!(store.is_empty());
            let w = warning.expect("a warning").to_string();
            assert!(
                w.contains("are corrupt") && w.contains(&path.display().to_string()),
                "{w}"
            );
        }
        std::fs::write(&path, b"{\"version\":7,\"hosts\":[]}").unwrap();
        let w = BaselineStore::load(dir.path(), params(), 100)
            .1
            .unwrap()
            .to_string();
        assert!(w.contains("format version 7"), "{w}");
    }

    #[test]
    fn hosts_are_bounded_least_recently_seen_first() {
        let p = params();
        let mut store = BaselineStore::new(p, 32);
        for h in 0..40u32 {
            store.observe(IpAddr::V4(Ipv4Addr::from(h)), u64::from(h), dest(1));
        }
        assert!(store.len() <= 32);
        assert!(store.evicted() >= 8);
        assert!(
            store.get(&IpAddr::V4(Ipv4Addr::from(39))).is_some(),
            "newest kept"
        );
        assert!(
            store.get(&IpAddr::V4(Ipv4Addr::from(0))).is_none(),
            "oldest gone"
        );
        // Loading with a smaller bound keeps the most recently seen.
        let dir = tempfile::tempdir().unwrap();
        store.save(dir.path()).unwrap();
        let (small, w) = BaselineStore::load(dir.path(), params(), 4);
        assert!(w.is_none());
        assert_eq!(small.len(), 4);
        assert!(small.get(&IpAddr::V4(Ipv4Addr::from(39))).is_some());
    }
}
