//! Configuration sections of the detectors and the host-analytics stage
//! (`[detect]`, one section per indicator, `[business_hours]`,
//! `[inventory]`, `[state]`, `[intel]`). Each key is documented in
//! `default.toml`, which is also the schema; the detectors interpret them.

use serde::{Deserialize, Serialize};

/// `[detect]`: the detector stage as a whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectConfig {
    /// Whether any detector runs.
    pub enabled: bool,
    /// Directory replacing the embedded copies of `signatures/`; "" = embedded.
    pub signatures_dir: String,
    /// Seconds within which a host-level alert fires at most once per host and signature.
    pub host_alert_window: u64,
    /// Hosts tracked at once by the host-level detectors.
    pub max_hosts: u64,
}

/// `[tor]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TorConfig {
    pub enabled: bool,
    /// Match server addresses against the relay list.
    pub relay_list: bool,
    /// Recognise Tor's TLS handshake.
    pub tls_handshake: bool,
    /// `.onion` names and Tor2web gateways.
    pub onion_names: bool,
    /// Hosts allowed to use Tor (CIDR).
    pub allow: Vec<String>,
}

/// `[vpn]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpnConfig {
    pub enabled: bool,
    /// Alert on VPN protocols.
    pub protocols: bool,
    /// Alert on commercial VPN service names.
    pub services: bool,
    /// Approved gateways and hosts (CIDR).
    pub allow: Vec<String>,
    /// Approved VPN service domains (suffixes).
    pub allow_domains: Vec<String>,
}

/// `[irc]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrcConfig {
    pub enabled: bool,
    /// Hosts whose IRC is expected (CIDR).
    pub allow: Vec<String>,
}

/// `[large_mail]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LargeMailConfig {
    pub enabled: bool,
    /// Bytes of one message above which it alerts.
    pub max_message: u64,
    /// Bytes of one sender's outbound mail per UTC day above which it alerts.
    pub max_daily: u64,
    /// The organisation's own mail servers (CIDR).
    pub allow: Vec<String>,
}

/// `[inventory]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryConfig {
    /// CSV of approved devices; "" = detector off.
    pub file: String,
    /// Judge only devices seen with a home-network address (DHCP clients always).
    pub home_only: bool,
    /// Seconds of packet time an alert waits for the device's DHCP hostname.
    pub hostname_wait: u64,
}

/// `[business_hours]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursConfig {
    /// IANA time zone name.
    pub timezone: String,
    /// Working days (`mon` … `sun`).
    pub days: Vec<String>,
    /// Start of the working day, `HH:MM` local time.
    pub start: String,
    /// End of the working day, `HH:MM` local time.
    pub end: String,
    /// Holiday file (one `YYYY-MM-DD` per line); "" = none.
    pub holidays: String,
}

/// `[off_hours]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffHoursConfig {
    pub enabled: bool,
    /// Hosts that work outside business hours (CIDR).
    pub allow: Vec<String>,
    /// Outbound connections in one off-hours period before a host alerts.
    pub min_connections: u32,
    /// Destinations named in the evidence.
    pub sample: u32,
}

/// `[connection_spike]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpikeConfig {
    pub enabled: bool,
    /// Home hosts whose connections are not counted (CIDR).
    pub allow: Vec<String>,
    /// Minutes of history before a host can alert.
    pub warmup_minutes: u32,
    /// Standard deviations above the mean that count as a spike.
    pub k: f64,
    /// Floor of new outbound connections per minute.
    pub min_connections: u32,
    /// Floor of distinct destinations per minute.
    pub min_destinations: u32,
    /// Weight of the newest minute in the moving statistics.
    pub alpha: f64,
}

/// `[state]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// Directory for baselines and fetched intelligence; "" = memory only.
    pub dir: String,
}

/// `[intel]`: `kagami intel update`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntelConfig {
    /// URL of the Tor relay list.
    pub tor_relays_url: String,
    /// Seconds before a fetch gives up.
    pub timeout: u64,
    /// Largest response accepted, bytes.
    pub max_bytes: u64,
}
