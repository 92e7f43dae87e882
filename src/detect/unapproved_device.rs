//! `unapproved-device`: a device on the home network that is not in the
//! operator's inventory of approved devices (`inventory.file`, a CSV).
//!
//! A device is its MAC address, seen as the sender of an ARP packet, as a
//! DHCP client, or as the source of a flow's first packet (the flow's client).
//! With `inventory.home_only` (the default) only devices seen with a
//! home-network address are judged; DHCP clients and ARP probes, which have
//! no address yet, always are. Group (broadcast, multicast) and all-zero
//! MACs are never devices. Locally administered MACs are judged like any
//! other: they are what phones use as private Wi-Fi addresses, and the
//! evidence says so instead of naming a vendor.
//!
//! An unknown MAC raises ONE alert for the whole run. The alert waits
//! `inventory.hostname_wait` seconds of packet time after the device's first
//! sighting (or until the end of the run), so that what follows, typically
//! the DHCP request naming the device, is in it: its MAC, its vendor from the
//! IEEE registry (`oui-data`, MA-L/MA-M/MA-S/CID/IAB embedded at build time),
//! its DHCP hostname, its first address and how it was first seen. MACs
//! already judged are remembered up to `detect.max_hosts`; past that the
//! least recently seen eighth is forgotten (counted in
//! `kagami.detect.hosts_evicted`; a forgotten device alerts again if it comes
//! back, and one still waiting alerts at once).
//!
//! [`Inventory`] reads the CSV; [`DeviceLearner`] is what `kagami inventory
//! learn` runs instead of the detector to list the devices of a baseline
//! capture. Writing the learned file is the command line's.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use hashbrown::{HashMap, HashSet};
use thiserror::Error;

use super::host::{DeviceSighting, FlowSummary, HostDetector, SightingSource};
use super::signature::{SigId, Signatures};
use super::{Alert, AlertFlow, DetectError, HomeNet};
use crate::config::Config;
use crate::counters::{Counter, Counters};
use crate::time::Timestamp;

/// Largest inventory file read, bytes (a million devices fit in 64 MiB).
pub const MAX_INVENTORY_BYTES: u64 = 64 << 20;

/// Most devices in an inventory.
pub const MAX_INVENTORY_DEVICES: usize = 1_000_000;

/// The inventory's columns; `mac` is required, the others optional.
pub const COLUMNS: [&str; 4] = ["mac", "ip", "hostname", "owner"];

/// An inventory that cannot be used; the message names the file, the line
/// and the fix.
#[derive(Debug, Error)]
pub enum InventoryError {
    #[error("cannot read inventory {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read inventory {path} line {line}: {message}")]
    Line {
        path: String,
        line: u64,
        message: String,
    },
    #[error("cannot read inventory {path}: {message}")]
    Invalid { path: String, message: String },
}

/// Parses a MAC address written `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`,
/// `aabb.ccdd.eeff` or `aabbccddeeff`, in any case.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let s = s.trim();
    let (sep, group) = match s.len() {
        17 if s.contains(':') => (':', 2),
        17 => ('-', 2),
        14 => ('.', 4),
        12 => (' ', 12),
        _ => return None,
    };
    let mut digits = [0u8; 12];
    let mut n = 0usize;
    for part in s.split(sep) {
        if part.len() != group {
            return None;
        }
        for c in part.chars() {
            let v = c.to_digit(16)?;
            *digits.get_mut(n)? = u8::try_from(v).ok()?;
            n += 1;
        }
    }
    if n != 12 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (byte, pair) in mac.iter_mut().zip(digits.chunks_exact(2)) {
        if let [hi, lo] = pair {
            *byte = (hi << 4) | lo;
        }
    }
    Some(mac)
}

/// A MAC as kagami writes it: `aa:bb:cc:dd:ee:ff`.
pub fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

/// Who made a device, from its MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// The organisation the IEEE assigned the MAC's prefix to.
    Registered(&'static str),
    /// A locally administered address (bit 1 of the first octet): chosen by
    /// the device or its owner, e.g. a phone's private Wi-Fi address. Such
    /// addresses name no vendor (the IEEE's few CID assignments included).
    LocallyAdministered,
    /// A universal address whose prefix the registry does not list.
    Unlisted,
}

impl Vendor {
    /// The vendor of `mac`.
    pub fn of(mac: [u8; 6]) -> Vendor {
        let [first, ..] = mac;
        if first & 0x02 != 0 {
            return Vendor::LocallyAdministered;
        }
        let [a, b, c, d, e, f] = mac;
        let hex = format!("{a:02X}{b:02X}{c:02X}{d:02X}{e:02X}{f:02X}");
        match oui_data::lookup(&hex) {
            Some(r) => Vendor::Registered(r.organization()),
            None => Vendor::Unlisted,
        }
    }

    /// The vendor as the evidence says it.
    pub fn describe(self) -> &'static str {
        match self {
            Vendor::Registered(o) => o,
            Vendor::LocallyAdministered => "locally administered (randomised) address, no vendor",
            Vendor::Unlisted => "prefix not in the IEEE registry",
        }
    }
}

/// Whether a MAC can be a device: not all-zero, not broadcast or multicast
/// (the group bit, bit 0 of the first octet).
pub fn is_device_mac(mac: [u8; 6]) -> bool {
    let [first, ..] = mac;
    mac != [0; 6] && first & 0x01 == 0
}

/// The approved devices.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    macs: HashSet<[u8; 6]>,
}

impl Inventory {
    /// Reads and checks the CSV at `path`.
    pub fn load(path: &str) -> Result<Inventory, InventoryError> {
        let read = |source| InventoryError::Read {
            path: path.to_string(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read)?.len();
        if len > MAX_INVENTORY_BYTES {
            return Err(InventoryError::Invalid {
                path: path.to_string(),
                message: format!(
                    "{len} bytes; at most {MAX_INVENTORY_BYTES} (split the network into sensors)"
                ),
            });
        }
        let text = std::fs::read(path).map_err(read)?;
        Inventory::parse(path, &text)
    }

    /// Parses an inventory: a header line naming the columns (`mac`, and
    /// optionally `ip`, `hostname`, `owner`, in any order), then one device
    /// per line. Lines starting with `#` and blank lines are skipped; fields
    /// may be quoted as in RFC 4180 (`"Doe, Jane"`), but a field never spans
    /// lines.
    pub fn parse(path: &str, text: &[u8]) -> Result<Inventory, InventoryError> {
        let at = |line: u64, message: String| InventoryError::Line {
            path: path.to_string(),
            line,
            message,
        };
        let mut mac_col = None;
        let mut ip_col = None;
        let mut width = 0usize;
        let mut header_seen = false;
        let mut macs: HashMap<[u8; 6], u64> = HashMap::new();
        let mut builder = csv::ReaderBuilder::new();
        builder.has_headers(false).trim(csv::Trim::All);
        for (line, raw) in (1u64..).zip(text.split(|&b| b == b'\n')) {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.trim_ascii().is_empty() || raw.trim_ascii_start().starts_with(b"#") {
                continue;
            }
            let rec = match builder.from_reader(raw).records().next() {
                Some(Ok(rec)) => rec,
                Some(Err(e)) => return Err(at(line, format!("not CSV text ({e})"))),
                None => continue,
            };
            if !header_seen {
                header_seen = true;
                if rec.iter().next().and_then(parse_mac).is_some() {
                    return Err(at(
                        line,
                        "a header line naming the columns comes first, e.g. \"mac,ip,hostname,owner\""
                            .into(),
                    ));
                }
                for (i, name) in rec.iter().enumerate() {
                    let name = name.to_ascii_lowercase();
                    if !COLUMNS.contains(&name.as_str()) {
                        return Err(at(
                            line,
                            format!(
                                "unknown column \"{name}\" in the header (columns: mac, ip, hostname, owner)"
                            ),
                        ));
                    }
                    if rec
                        .iter()
                        .take(i)
                        .any(|n| n.eq_ignore_ascii_case(name.as_str()))
                    {
                        return Err(at(line, format!("column \"{name}\" named twice")));
                    }
                    match name.as_str() {
                        "mac" => mac_col = Some(i),
                        "ip" => ip_col = Some(i),
                        _ => {}
                    }
                }
                if mac_col.is_none() {
                    return Err(at(line, "the header has no \"mac\" column".into()));
                }
                width = rec.len();
                continue;
            }
            if rec.len() > width {
                return Err(at(
                    line,
                    format!("{} fields, but the header names {width}", rec.len()),
                ));
            }
            let mac_text = mac_col.and_then(|i| rec.get(i)).unwrap_or("");
            if mac_text.is_empty() {
                return Err(at(line, "no MAC address".into()));
            }
            let Some(mac) = parse_mac(mac_text) else {
                return Err(at(
                    line,
                    format!(
                        "bad MAC \"{}\" (expected aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabb.ccdd.eeff)",
                        mac_text.chars().take(40).collect::<String>()
                    ),
                ));
            };
            if let Some(ip) = ip_col.and_then(|i| rec.get(i)).filter(|s| !s.is_empty()) {
                if ip.parse::<IpAddr>().is_err() {
                    return Err(at(
                        line,
                        format!(
                            "bad IP address \"{}\" (expected e.g. 10.0.0.5 or fd00::5, or nothing)",
                            ip.chars().take(60).collect::<String>()
                        ),
                    ));
                }
            }
            if let Some(first) = macs.get(&mac) {
                return Err(at(
                    line,
                    format!(
                        "MAC {} is listed twice (first on line {first})",
                        format_mac(mac)
                    ),
                ));
            }
            if macs.len() >= MAX_INVENTORY_DEVICES {
                return Err(at(
                    line,
                    format!("more than {MAX_INVENTORY_DEVICES} devices"),
                ));
            }
            macs.insert(mac, line);
        }
        if !header_seen {
            return Err(InventoryError::Invalid {
                path: path.to_string(),
                message: "empty: it needs a header line, e.g. \"mac,ip,hostname,owner\"".into(),
            });
        }
        Ok(Inventory {
            macs: macs.into_keys().collect(),
        })
    }

    /// Whether `mac` is approved.
    pub fn contains(&self, mac: &[u8; 6]) -> bool {
        self.macs.contains(mac)
    }

    /// Approved devices.
    pub fn len(&self) -> usize {
        self.macs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.macs.is_empty()
    }
}

/// One sighting of a device the detector judges.
#[derive(Debug, Clone)]
struct Sight<'a> {
    ts: Timestamp,
    mac: [u8; 6],
    ip: Option<IpAddr>,
    hostname: Option<&'a str>,
    how: SightingSource,
    flow: Option<AlertFlow>,
}

/// Which sightings are devices of the home network (see the module's
/// documentation).
#[derive(Debug, Clone)]
struct DeviceFilter {
    home: HomeNet,
    home_only: bool,
}

impl DeviceFilter {
    fn new(cfg: &Config) -> DeviceFilter {
        DeviceFilter {
            home: HomeNet::new(cfg),
            home_only: cfg.inventory.home_only,
        }
    }

    fn flow_sight<'a>(&self, s: &'a FlowSummary) -> Option<Sight<'a>> {
        let mac = s.client_mac.filter(|m| is_device_mac(*m))?;
        let ip = s.client.0;
        if ip.is_unspecified() || (self.home_only && !s.client_home) {
            return None;
        }
        Some(Sight {
            ts: s.ts,
            mac,
            ip: Some(ip),
            hostname: None,
            how: SightingSource::Traffic,
            flow: Some(s.alert_flow()),
        })
    }

    fn device_sight<'a>(&self, d: &'a DeviceSighting) -> Option<Sight<'a>> {
        if !is_device_mac(d.mac) {
            return None;
        }
        let ip = d.ip.filter(|ip| !ip.is_unspecified());
        // An ARP probe (no sender address yet) and a DHCP client are on the
        // segment whatever their address.
        if let Some(ip) = ip {
            if self.home_only && d.source != SightingSource::Dhcp && !self.home.contains(ip) {
                return None;
            }
        }
        Some(Sight {
            ts: d.ts,
            mac: d.mac,
            ip,
            hostname: d.hostname.as_deref().filter(|h| !h.is_empty()),
            how: d.source,
            flow: None,
        })
    }
}

/// What is known of an unknown device while its alert waits.
#[derive(Debug, Clone)]
struct Pending {
    first_ts: Timestamp,
    first_ip: Option<IpAddr>,
    hostname: Option<String>,
    how: SightingSource,
    /// The flow it was first seen in, when that is how.
    flow: Option<AlertFlow>,
}

/// A MAC already judged.
#[derive(Debug, Clone)]
struct Judged {
    /// Packet time it was last seen, seconds.
    last_s: u64,
    /// `None` once the alert is raised.
    pending: Option<Box<Pending>>,
}

/// The `unapproved-device` detector.
pub struct UnapprovedDeviceDetector {
    sig: SigId,
    inventory: Inventory,
    origin: String,
    filter: DeviceFilter,
    wait_ns: u64,
    /// Unknown MACs already seen, at most `max`.
    seen: HashMap<[u8; 6], Judged>,
    /// Alerts waiting, oldest first: (MAC, its first sighting), at most `max`.
    queue: VecDeque<([u8; 6], Timestamp)>,
    max: usize,
    /// MACs forgotten since the last report.
    evicted: u64,
}

impl UnapprovedDeviceDetector {
    /// From `[inventory]`; fails when the inventory cannot be read.
    pub fn new(cfg: &Config, sigs: &Signatures) -> Result<UnapprovedDeviceDetector, DetectError> {
        let inventory = Inventory::load(&cfg.inventory.file)?;
        UnapprovedDeviceDetector::with_inventory(cfg, sigs, inventory)
    }

    /// With an inventory already read (`cfg.inventory.file` names it).
    pub fn with_inventory(
        cfg: &Config,
        sigs: &Signatures,
        inventory: Inventory,
    ) -> Result<UnapprovedDeviceDetector, DetectError> {
        Ok(UnapprovedDeviceDetector {
            sig: sigs.id("unapproved-device", "unknown-mac")?,
            inventory,
            origin: cfg.inventory.file.clone(),
            filter: DeviceFilter::new(cfg),
            wait_ns: cfg.inventory.hostname_wait.saturating_mul(1_000_000_000),
            seen: HashMap::new(),
            queue: VecDeque::new(),
            max: usize::try_from(cfg.detect.max_hosts)
                .unwrap_or(usize::MAX)
                .max(1),
            evicted: 0,
        })
    }

    /// Approved devices in the inventory.
    pub fn approved(&self) -> usize {
        self.inventory.len()
    }

    fn sight(&mut self, s: Sight<'_>, alerts: &mut Vec<Alert>) {
        if self.inventory.contains(&s.mac) {
            return;
        }
        let now_s = s.ts.secs();
        if let Some(j) = self.seen.get_mut(&s.mac) {
            j.last_s = j.last_s.max(now_s);
            if let Some(p) = j.pending.as_mut() {
                if p.first_ip.is_none() {
                    p.first_ip = s.ip;
                }
                if let Some(h) = s.hostname {
                    p.hostname = Some(h.to_string());
                }
            }
            return;
        }
        if self.seen.len() >= self.max {
            self.evict(alerts);
        }
        if self.queue.len() >= self.max {
            // Too many waiting: the oldest alerts now with what is known.
            if let Some((mac, _)) = self.queue.pop_front() {
                self.raise(mac, alerts);
            }
        }
        self.seen.insert(
            s.mac,
            Judged {
                last_s: now_s,
                pending: Some(Box::new(Pending {
                    first_ts: s.ts,
                    first_ip: s.ip,
                    hostname: s.hostname.map(str::to_string),
                    how: s.how,
                    flow: s.flow,
                })),
            },
        );
        self.queue.push_back((s.mac, s.ts));
        if self.wait_ns == 0 {
            self.due(s.ts, alerts);
        }
    }

    /// Raises the alerts whose wait is over at `now`.
    fn due(&mut self, now: Timestamp, alerts: &mut Vec<Alert>) {
        while let Some(&(mac, first)) = self.queue.front() {
            if first.0.saturating_add(self.wait_ns) > now.0 {
                break;
            }
            self.queue.pop_front();
            let current = self
                .seen
                .get(&mac)
                .and_then(|j| j.pending.as_ref())
                .is_some_and(|p| p.first_ts == first);
            if current {
                self.raise(mac, alerts);
            }
        }
    }

    /// Forgets the least recently seen eighth of the MACs judged, raising
    /// the alerts of those still waiting.
    fn evict(&mut self, alerts: &mut Vec<Alert>) {
        let old = super::host::least_recent(&self.seen, (self.seen.len() / 8).max(1), |j| j.last_s);
        for mac in old {
            self.raise(mac, alerts);
            self.seen.remove(&mac);
            self.evicted += 1;
        }
    }

    /// Raises the alert of `mac` if it is still waiting.
    fn raise(&mut self, mac: [u8; 6], alerts: &mut Vec<Alert>) {
        let Some(p) = self.seen.get_mut(&mac).and_then(|j| j.pending.take()) else {
            return;
        };
        alerts.push(self.alert(mac, *p));
    }

    fn alert(&self, mac: [u8; 6], p: Pending) -> Alert {
        let vendor = Vendor::of(mac);
        let mac_text = format_mac(mac);
        let at = p
            .first_ip
            .map(|ip| format!(" at {ip}"))
            .unwrap_or_else(|| " with no address yet".into());
        let hostname = match &p.hostname {
            Some(h) => format!("DHCP hostname \"{h}\""),
            None => "no DHCP hostname seen".into(),
        };
        let evidence = format!(
            "device {mac_text} ({}) is not in the inventory {}: first seen in {}{at}; {hostname}",
            vendor.describe(),
            self.origin,
            p.how.name(),
        );
        let mut a = Alert::new(p.first_ts, self.sig, evidence)
            .with("mac", mac_text)
            .with(
                "vendor",
                match vendor {
                    Vendor::Registered(o) => serde_json::Value::from(o),
                    _ => serde_json::Value::Null,
                },
            )
            .with(
                "locally_administered",
                vendor == Vendor::LocallyAdministered,
            )
            .with("seen_by", p.how.name())
            .with("inventory", self.origin.as_str());
        if let Some(ip) = p.first_ip {
            a = a.with("first_ip", ip.to_string());
        }
        if let Some(h) = p.hostname {
            a = a.with("hostname", h);
        }
        match (p.flow, p.first_ip) {
            (Some(f), _) => a.on_flow(f),
            (None, Some(ip)) => a.on_host(ip),
            (None, None) => a,
        }
    }
}

impl HostDetector for UnapprovedDeviceDetector {
    fn id(&self) -> &'static str {
        "unapproved-device"
    }

    fn on_flow(&mut self, s: &FlowSummary, alerts: &mut Vec<Alert>) {
        if let Some(sight) = self.filter.flow_sight(s) {
            self.sight(sight, alerts);
        }
    }

    fn on_device(&mut self, d: &DeviceSighting, alerts: &mut Vec<Alert>) {
        if let Some(sight) = self.filter.device_sight(d) {
            self.sight(sight, alerts);
        }
    }

    fn on_tick(&mut self, now: Timestamp, alerts: &mut Vec<Alert>) {
        self.due(now, alerts);
    }

    fn finish(&mut self, _now: Timestamp, alerts: &mut Vec<Alert>) -> Vec<String> {
        while let Some((mac, _)) = self.queue.pop_front() {
            self.raise(mac, alerts);
        }
        Vec::new()
    }

    fn counters(&mut self, c: &mut Counters) {
        c.add(
            Counter::KagamiDetectHostsEvicted,
            std::mem::take(&mut self.evicted),
        );
        c.set(
            Counter::KagamiDetectInventoryDevices,
            u64::try_from(self.inventory.len()).unwrap_or(u64::MAX),
        );
    }
}

/// A device as `kagami inventory learn` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedDevice {
    /// The first address it was seen with.
    pub ip: Option<IpAddr>,
    /// The last DHCP hostname it gave.
    pub hostname: Option<String>,
}

/// The devices a learning run has seen, by MAC (sorted), at most
/// `detect.max_hosts`; `dropped` counts devices past that.
#[derive(Debug, Clone, Default)]
pub struct LearnedDevices {
    pub devices: BTreeMap<[u8; 6], LearnedDevice>,
    pub dropped: u64,
}

/// Collects every home-network device (the same sightings the detector
/// judges) into a [`LearnedDevices`] shared with whoever reads it after the
/// run; raises no alert.
pub struct DeviceLearner {
    filter: DeviceFilter,
    max: usize,
    out: Arc<Mutex<LearnedDevices>>,
}

impl DeviceLearner {
    /// A learner filling `out`.
    pub fn new(cfg: &Config, out: Arc<Mutex<LearnedDevices>>) -> DeviceLearner {
        DeviceLearner {
            filter: DeviceFilter::new(cfg),
            max: usize::try_from(cfg.detect.max_hosts).unwrap_or(usize::MAX),
            out,
        }
    }

    fn learn(&mut self, s: Sight<'_>) {
        let Ok(mut book) = self.out.lock() else {
            return;
        };
        let full = book.devices.len() >= self.max;
        match book.devices.get_mut(&s.mac) {
            Some(d) => {
                if d.ip.is_none() {
                    d.ip = s.ip;
                }
                if let Some(h) = s.hostname {
                    d.hostname = Some(h.to_string());
                }
            }
            None if full => book.dropped += 1,
            None => {
                book.devices.insert(
                    s.mac,
                    LearnedDevice {
                        ip: s.ip,
                        hostname: s.hostname.map(str::to_string),
                    },
                );
            }
        }
    }
}

impl HostDetector for DeviceLearner {
    fn id(&self) -> &'static str {
        "unapproved-device"
    }

    fn on_flow(&mut self, s: &FlowSummary, _alerts: &mut Vec<Alert>) {
        if let Some(sight) = self.filter.flow_sight(s) {
            self.learn(sight);
        }
    }

    fn on_device(&mut self, d: &DeviceSighting, _alerts: &mut Vec<Alert>) {
        if let Some(sight) = self.filter.device_sight(d) {
            self.learn(sight);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowKey;

    fn cfg(wait: u64, max_hosts: u64) -> Config {
        let mut c = Config::embedded();
        c.inventory.file = "/etc/kagami/inventory.csv".into();
        c.inventory.hostname_wait = wait;
        c.detect.max_hosts = max_hosts;
        c
    }

    fn detector(c: &Config, inv: &str) -> UnapprovedDeviceDetector {
        let sigs = Signatures::load("").unwrap();
        let inv = Inventory::parse("inv.csv", inv.as_bytes()).unwrap();
        UnapprovedDeviceDetector::with_inventory(c, &sigs, inv).unwrap()
    }

    fn sec(s: u64) -> Timestamp {
        Timestamp((1_795_510_800 + s) * 1_000_000_000)
    }

    fn arp(t: u64, mac: [u8; 6], ip: &str) -> DeviceSighting {
        DeviceSighting {
            ts: sec(t),
            mac,
            ip: Some(ip.parse().unwrap()),
            hostname: None,
            source: SightingSource::Arp,
        }
    }

    fn dhcp(t: u64, mac: [u8; 6], host: &str) -> DeviceSighting {
        DeviceSighting {
            ts: sec(t),
            mac,
            ip: None,
            hostname: Some(host.into()),
            source: SightingSource::Dhcp,
        }
    }

    const PI: [u8; 6] = [0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56];
    const PHONE: [u8; 6] = [0x9a, 0x11, 0x22, 0x33, 0x44, 0x55];
    const KNOWN: [u8; 6] = [0x00, 0x0c, 0x29, 0x40, 0x0e, 0xef];

    #[test]
    fn macs_parse_in_every_form_and_bad_ones_do_not() {
        let mac = [0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff];
        let want = Some(mac);
        for s in [
            "aa:bb:cc:0d:ee:ff",
            "AA-BB-CC-0D-EE-FF",
            "aabb.cc0d.eeff",
            "AABBCC0DEEFF",
            " aa:bb:cc:0d:ee:ff ",
        ] {
            assert_eq!(parse_mac(s), want, "{s}");
        }
        for s in [
            "",
            "zz:bb:cc:dd:ee:ff",
            "aa:bb:cc:dd:ee",
            "aa:bb-cc:dd:ee:ff",
            "aabb.ccdd.eef",
            "aa:bb:cc:dd:ee:ff:00",
            "aab:b:cc:dd:ee:ff",
            "+a:bb:cc:dd:ee:ff",
            "ａa:bb:cc:dd:ee",
        ] {
            assert_eq!(parse_mac(s), None, "{s:?}");
        }
        assert_eq!(format_mac(mac), "aa:bb:cc:0d:ee:ff");
    }

    #[test]
    fn vendors_come_from_the_ieee_registry() {
        assert_eq!(
            Vendor::of(PI),
            Vendor::Registered("Raspberry Pi Foundation")
        );
        assert_eq!(Vendor::of(KNOWN), Vendor::Registered("VMware, Inc."));
        assert_eq!(Vendor::of(PHONE), Vendor::LocallyAdministered);
        assert!(Vendor::of(PHONE).describe().contains("randomised"));
        assert!(!is_device_mac([0xff; 6]));
        assert!(!is_device_mac([0x01, 0x00, 0x5e, 0, 0, 1]));
        assert!(!is_device_mac([0; 6]));
        assert!(is_device_mac(PHONE));
    }

    #[test]
    fn inventory_reads_columns_in_any_order_with_comments_and_quotes() {
        let text = "# approved devices\nowner,MAC,ip\n\"Doe, Jane\",00:0c:29:40:0e:ef,10.0.0.5\n\n,B827.EB12.3456,\n# end\n";
        let inv = Inventory::parse("i.csv", text.as_bytes()).unwrap();
        assert_eq!(inv.len(), 2);
        assert!(inv.contains(&KNOWN));
        assert!(inv.contains(&PI));
        let crlf = Inventory::parse("i.csv", b"mac,owner\r\n00-0C-29-40-0E-EF,it\r\n").unwrap();
        assert!(crlf.contains(&KNOWN));
        let only_header = Inventory::parse("i.csv", b"mac\n").unwrap();
        assert!(only_header.is_empty());
    }

    #[test]
    fn bad_inventories_name_file_line_and_fault() {
        let err = |text: &str| {
            Inventory::parse("/x.csv", text.as_bytes())
                .unwrap_err()
                .to_string()
        };
        let e = err("mac,ip\n00:0c:29:40:0e:ef,10.0.0.5\n# note\nzz:bb:cc:dd:ee:ff,\n");
        assert!(
            e.contains("/x.csv line 4") && e.contains("bad MAC \"zz:bb:cc:dd:ee:ff\""),
            "{e}"
        );
        let e = err("mac,ip\n00:0c:29:40:0e:ef,10.0.0.500\n");
        assert!(e.contains("line 2") && e.contains("bad IP address"), "{e}");
        let e = err("00:0c:29:40:0e:ef,10.0.0.5\n");
        assert!(e.contains("line 1") && e.contains("header line"), "{e}");
        let e = err("mac,vendor\n");
        assert!(e.contains("unknown column \"vendor\""), "{e}");
        let e = err("ip,owner\n");
        assert!(e.contains("no \"mac\" column"), "{e}");
        let e = err("mac\n00:0c:29:40:0e:ef\n000c.2940.0eef\n");
        assert!(e.contains("line 3") && e.contains("first on line 2"), "{e}");
        let e = err("mac\n00:0c:29:40:0e:ef,1.2.3.4\n");
        assert!(e.contains("line 2") && e.contains("2 fields"), "{e}");
        let e = err("mac,ip\n,10.0.0.1\n");
        assert!(e.contains("no MAC address"), "{e}");
        let e = err("");
        assert!(e.contains("empty"), "{e}");
        let e = Inventory::load("/nonexistent/inv.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot read inventory /nonexistent/inv.csv"),
            "{e}"
        );
    }

    #[test]
    fn unknown_device_alerts_once_after_waiting_for_its_hostname() {
        let c = cfg(5, 100);
        let mut d = detector(&c, "mac\n00:0c:29:40:0e:ef\n");
        let mut alerts = Vec::new();
        d.on_device(&arp(0, PI, "10.0.0.99"), &mut alerts);
        d.on_device(&arp(0, KNOWN, "10.0.0.5"), &mut alerts);
        d.on_tick(sec(2), &mut alerts);
        d.on_device(&dhcp(3, PI, "intruder-pi"), &mut alerts);
        assert!(alerts.is_empty(), "the alert waits for the hostname");
        d.on_tick(sec(5), &mut alerts);
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(a.ts, sec(0));
        assert_eq!(a.host, Some("10.0.0.99".parse().unwrap()));
        assert_eq!(a.context["mac"], "b8:27:eb:12:34:56");
        assert_eq!(a.context["vendor"], "Raspberry Pi Foundation");
        assert_eq!(a.context["hostname"], "intruder-pi");
        assert_eq!(a.context["first_ip"], "10.0.0.99");
        assert_eq!(a.context["seen_by"], "arp");
        let ev = a.evidence();
        assert!(
            ev.contains("b8:27:eb:12:34:56 (Raspberry Pi Foundation)")
                && ev.contains("first seen in arp at 10.0.0.99")
                && ev.contains("DHCP hostname \"intruder-pi\""),
            "{ev}"
        );
        // Seen again later: no second alert.
        d.on_device(&arp(4000, PI, "10.0.0.99"), &mut alerts);
        d.on_tick(sec(4010), &mut alerts);
        d.finish(sec(4010), &mut alerts);
        assert_eq!(alerts.len(), 1);
    }

    #[test]
    fn randomised_mac_alerts_and_says_so_and_finish_flushes_waiting_alerts() {
        let c = cfg(60, 100);
        let mut d = detector(&c, "mac\n");
        let mut alerts = Vec::new();
        d.on_device(&dhcp(0, PHONE, "Pixel-7"), &mut alerts);
        d.on_tick(sec(1), &mut alerts);
        assert!(alerts.is_empty());
        d.finish(sec(1), &mut alerts);
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert!(
            a.evidence()
                .contains("locally administered (randomised) address, no vendor")
        );
        assert!(a.evidence().contains("with no address yet"));
        assert_eq!(a.context["locally_administered"], true);
        assert!(a.context["vendor"].is_null());
        assert_eq!(a.host, None);
    }

    #[test]
    fn traffic_outside_home_net_and_group_macs_are_not_devices() {
        let c = cfg(0, 100);
        let mut d = detector(&c, "mac\n");
        let mut alerts = Vec::new();
        d.on_device(&arp(0, PI, "203.0.113.7"), &mut alerts);
        d.on_device(&arp(0, [0xff; 6], "10.0.0.1"), &mut alerts);
        let key = FlowKey {
            lo: ("10.0.0.7".parse().unwrap(), 5000),
            hi: ("198.51.100.1".parse().unwrap(), 443),
            proto: 6,
            vlan: [0, 0],
        };
        let flow = |client: &str, home: bool, mac: Option<[u8; 6]>| FlowSummary {
            ts: sec(1),
            flow_id: 7,
            key,
            client: (client.parse().unwrap(), 5000),
            server: ("198.51.100.1".parse().unwrap(), 443),
            client_home: home,
            server_home: false,
            client_mac: mac,
        };
        d.on_flow(&flow("198.51.100.9", false, Some(PI)), &mut alerts);
        d.on_flow(&flow("10.0.0.7", true, None), &mut alerts);
        assert!(alerts.is_empty(), "{alerts:?}");
        d.on_flow(&flow("10.0.0.7", true, Some(PI)), &mut alerts);
        assert_eq!(alerts.len(), 1, "wait 0 alerts at once");
        assert_eq!(alerts[0].flow.as_ref().unwrap().flow_id, 7);
        assert_eq!(alerts[0].context["seen_by"], "traffic");
        // home_only off: the outside ARP sender is a device too.
        let mut c = cfg(0, 100);
        c.inventory.home_only = false;
        let mut d = detector(&c, "mac\n");
        d.on_device(&arp(0, PI, "203.0.113.7"), &mut alerts);
        assert_eq!(alerts.len(), 2);
    }

    #[test]
    fn judged_macs_are_bounded_and_forgotten_ones_counted() {
        let c = cfg(3600, 16);
        let mut d = detector(&c, "mac\n");
        let mut alerts = Vec::new();
        for i in 0..40u8 {
            let mac = [0x00, 0x0c, 0x29, 0, 0, i];
            d.on_device(&arp(u64::from(i), mac, "10.0.0.9"), &mut alerts);
            assert!(d.seen.len() <= 16 && d.queue.len() <= 16);
        }
        let mut c2 = Counters::default();
        d.counters(&mut c2);
        let evicted = c2.get(Counter::KagamiDetectHostsEvicted);
        assert!(evicted >= 24, "{evicted}");
        // Forgotten devices still alerted (at once, with what was known).
        d.finish(sec(100), &mut alerts);
        assert_eq!(alerts.len(), 40);
    }

    #[test]
    fn learner_lists_home_devices_with_first_address_and_hostname() {
        let c = cfg(5, 100);
        let out = Arc::new(Mutex::new(LearnedDevices::default()));
        let mut l = DeviceLearner::new(&c, Arc::clone(&out));
        let mut alerts = Vec::new();
        l.on_device(&dhcp(0, PI, "pi"), &mut alerts);
        l.on_device(&arp(1, PI, "10.0.0.99"), &mut alerts);
        l.on_device(&arp(1, KNOWN, "10.0.0.5"), &mut alerts);
        l.on_device(&arp(1, PHONE, "203.0.113.9"), &mut alerts);
        assert!(alerts.is_empty());
        let book = out.lock().unwrap();
        let macs: Vec<_> = book.devices.keys().copied().collect();
        assert_eq!(macs, vec![KNOWN, PI], "sorted, outside address left out");
        let pi = &book.devices[&PI];
        assert_eq!(pi.ip, Some("10.0.0.99".parse().unwrap()));
        assert_eq!(pi.hostname.as_deref(), Some("pi"));
    }
}
