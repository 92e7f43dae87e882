//! Configuration: embedded defaults, then a TOML file, then `--set` overrides.
//!
//! The embedded `default.toml` names every key kagami knows, so it is also the
//! schema: a key it does not have is an error, and a value must have the same
//! TOML type as its default. Semantic checks (a CIDR that does not parse, a
//! zero memcap) follow in [`Config::validate`]. What the detectors and stages
//! do with the values is theirs; this module only loads and checks them.

mod detect;

use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use detect::{
    BusinessHoursConfig, ConnectionSpikeConfig, DetectConfig, IntelConfig, InventoryConfig,
    IrcConfig, LargeMailConfig, OffHoursConfig, StateConfig, TorConfig, VpnConfig,
};

/// The embedded default configuration, exactly as shipped.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// A configuration that cannot be used; the message names the key and the fix.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("unknown configuration key `{key}` (known keys here: {known})")]
    UnknownKey { key: String, known: String },
    #[error("configuration key `{key}` must be {expected}, not {found}")]
    WrongType {
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("--set takes section.key=value, not `{0}`")]
    BadSet(String),
    #[error("bad value for `{key}`: {message}")]
    BadValue { key: String, message: String },
}

/// The whole configuration, one section per stage of the data path.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub network: NetworkConfig,
    pub capture: CaptureConfig,
    pub decode: DecodeConfig,
    pub defrag: DefragConfig,
    pub flow: FlowConfig,
    pub stream: StreamConfig,
    pub app: AppConfig,
    pub detect: DetectConfig,
    pub tor: TorConfig,
    pub vpn: VpnConfig,
    pub irc: IrcConfig,
    pub large_mail: LargeMailConfig,
    pub inventory: InventoryConfig,
    pub business_hours: BusinessHoursConfig,
    pub off_hours: OffHoursConfig,
    pub connection_spike: ConnectionSpikeConfig,
    pub state: StateConfig,
    pub intel: IntelConfig,
    pub output: OutputConfig,
}

/// `[stream]`: TCP stream reassembly bounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// Out-of-order bytes held per direction before a hole is given up on.
    pub window: u64,
    /// Bytes held by reassembly and partial messages across all flows.
    pub memcap: u64,
}

/// `[app]`: application-layer recognition and parsing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Whether protocols are recognised and parsed at all.
    pub enabled: bool,
    /// First bytes of each direction kept while the protocol is unknown.
    pub probe_depth: u64,
    /// Datagrams of a UDP flow probed before it is called `failed`.
    pub udp_probe_packets: u32,
    /// Longest partial message buffered for a parser, bytes.
    pub max_message: u64,
    /// Most items kept in one list of a transaction.
    pub max_items: u64,
    /// Longest string kept from the wire, bytes.
    pub max_string: u64,
    /// Most transactions logged per flow.
    pub max_events_per_flow: u32,
}

/// `[network]`: what the sensor protects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Networks that are the organisation's own (CIDR).
    pub home_net: Vec<String>,
}

/// `[capture]`: how packets are read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureConfig {
    /// Bytes kept per live packet.
    pub snaplen: u32,
    /// Promiscuous mode on live interfaces.
    pub promisc: bool,
    /// BPF filter for every source; empty for none.
    pub bpf: String,
    /// Packets per batch handed to the pipeline.
    pub batch_size: u32,
}

/// `[decode]`: layer decoding.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeConfig {
    /// Most encapsulation layers decoded per packet.
    pub max_layers: u32,
    /// UDP destination ports decoded as VXLAN.
    pub vxlan_ports: Vec<u16>,
}

/// `[defrag]`: IP fragment reassembly bounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefragConfig {
    /// Bytes held in reassembly buffers at most.
    pub memcap: u64,
    /// Datagrams under reassembly at most.
    pub max_trackers: u32,
    /// Seconds of packet time before an incomplete datagram is dropped.
    pub timeout: u32,
}

/// `[flow]`: the flow table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// Bytes the flow table may use.
    pub memcap: u64,
    pub tcp_new_timeout: u32,
    pub tcp_established_timeout: u32,
    pub tcp_closed_timeout: u32,
    pub udp_new_timeout: u32,
    pub udp_established_timeout: u32,
    pub other_new_timeout: u32,
    pub other_established_timeout: u32,
}

/// `[output]`: where records go.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output directory.
    pub dir: PathBuf,
    /// EVE file name inside `dir`, or "-" for standard output.
    pub eve_file: String,
    /// Metrics file name inside `dir`.
    pub metrics_file: String,
    /// Seconds of packet time between stats records; 0 for only the final one.
    pub stats_interval: u32,
    /// Whether flow records are written.
    pub flow: bool,
    /// UTC offset of EVE timestamps, `+HHMM`.
    pub utc_offset: String,
}

impl Config {
    /// Loads the embedded defaults, then `file` if given, then each `section.key=value` of `sets`.
    pub fn load(file: Option<&Path>, sets: &[String]) -> Result<Config, ConfigError> {
        let defaults = parse_toml("embedded defaults", DEFAULT_TOML)?;
        let mut merged = defaults.clone();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let user = parse_toml(&path.display().to_string(), &text)?;
            merge(&mut merged, &defaults, user, "")?;
        }
        for set in sets {
            apply_set(&mut merged, &defaults, set)?;
        }
        let config: Config =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::BadValue {
                    key: "(configuration)".into(),
                    message: e.message().to_string(),
                })?;
        config.validate()?;
        Ok(config)
    }

    /// The embedded defaults alone.
    pub fn embedded() -> Config {
        // The embedded file is tested to load (see tests below); fall back to a
        // panic-free path anyway by retrying through `load`.
        match Config::load(None, &[]) {
            Ok(c) => c,
            Err(e) => unreachable!("embedded default configuration is invalid: {e}"),
        }
    }

    /// Semantic checks the types alone cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let cidr_lists: [(&str, &[String]); 7] = [
            ("network.home_net", &self.network.home_net),
            ("tor.allow", &self.tor.allow),
            ("vpn.allow", &self.vpn.allow),
            ("irc.allow", &self.irc.allow),
            ("large_mail.allow", &self.large_mail.allow),
            ("off_hours.allow", &self.off_hours.allow),
            ("connection_spike.allow", &self.connection_spike.allow),
        ];
        for (key, list) in cidr_lists {
            for net in list {
                parse_net(net).map_err(|message| ConfigError::BadValue {
                    key: key.into(),
                    message,
                })?;
            }
        }
        parse_utc_offset(&self.output.utc_offset).map_err(|message| ConfigError::BadValue {
            key: "output.utc_offset".into(),
            message,
        })?;
        let positive: [(&str, u64); 10] = [
            ("app.probe_depth", self.app.probe_depth),
            ("app.udp_probe_packets", self.app.udp_probe_packets.into()),
            ("app.max_message", self.app.max_message),
            ("app.max_string", self.app.max_string),
            ("flow.memcap", self.flow.memcap),
            ("defrag.memcap", self.defrag.memcap),
            ("defrag.max_trackers", self.defrag.max_trackers.into()),
            ("capture.batch_size", self.capture.batch_size.into()),
            ("capture.snaplen", self.capture.snaplen.into()),
            ("decode.max_layers", self.decode.max_layers.into()),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(ConfigError::BadValue {
                    key: key.into(),
                    message: "must be greater than 0".into(),
                });
            }
        }
        if self.output.eve_file.is_empty() {
            return Err(ConfigError::BadValue {
                key: "output.eve_file".into(),
                message: "must name a file, or \"-\" for standard output".into(),
            });
        }
        Ok(())
    }

    /// The home networks, parsed.
    pub fn home_nets(&self) -> Vec<IpNet> {
        nets(&self.network.home_net)
    }

    /// The effective configuration as TOML, for `kagami check-config`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// Parses a CIDR network, or a single address as a /32 or /128.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n);
    }
    s.parse::<std::net::IpAddr>().map(IpNet::from).map_err(|_| {
        format!("`{s}` is not an address or a CIDR network; write it like 10.1.2.3 or 10.0.0.0/8")
    })
}

/// A list of networks as validated by [`Config::validate`] (bad entries, which
/// validation refuses, are skipped).
pub fn nets(list: &[String]) -> Vec<IpNet> {
    list.iter().filter_map(|n| parse_net(n).ok()).collect()
}

/// Parses `+HHMM` / `-HHMM` (also `+HH:MM`) into seconds east of UTC.
pub fn parse_utc_offset(s: &str) -> Result<i32, String> {
    let bad = || format!("`{s}` is not a UTC offset; write it like +0900 or -0500");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let hours: i32 = digits[..2].parse().map_err(|_| bad())?;
    let minutes: i32 = digits[2..].parse().map_err(|_| bad())?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

fn parse_toml(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Syntax {
            path: origin.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a section",
    }
}

fn known_keys(defaults: &toml::Table, prefix: &str) -> String {
    let mut keys: Vec<String> = defaults.keys().map(|k| format!("{prefix}{k}")).collect();
    keys.sort();
    keys.join(", ")
}

/// Merges `user` into `into`, checking each key against `defaults`.
fn merge(
    into: &mut toml::Table,
    defaults: &toml::Table,
    user: toml::Table,
    prefix: &str,
) -> Result<(), ConfigError> {
    for (key, value) in user {
        let path = format!("{prefix}{key}");
        let Some(default) = defaults.get(&key) else {
            return Err(ConfigError::UnknownKey {
                key: path,
                known: known_keys(defaults, prefix),
            });
        };
        match (default, value) {
            (toml::Value::Table(dsub), toml::Value::Table(usub)) => {
                let slot = into
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(isub) = slot {
                    merge(isub, dsub, usub, &format!("{path}."))?;
                }
            }
            (default, value) => {
                let value = coerce(&path, default, value)?;
                into.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Checks that `value` has the type of `default`, converting where the
/// intent is plain (an integer given where a string is expected).
fn coerce(
    path: &str,
    default: &toml::Value,
    value: toml::Value,
) -> Result<toml::Value, ConfigError> {
    if std::mem::discriminant(default) == std::mem::discriminant(&value) {
        if let (toml::Value::Integer(_), toml::Value::Integer(n)) = (default, &value) {
            if *n < 0 {
                return Err(ConfigError::BadValue {
                    key: path.into(),
                    message: format!("{n} is negative"),
                });
            }
        }
        return Ok(value);
    }
    // A whole number where a fraction is expected (`connection_spike.k=3`).
    if let (toml::Value::Float(_), toml::Value::Integer(n)) = (default, &value) {
        return Ok(toml::Value::Float(*n as f64));
    }
    Err(ConfigError::WrongType {
        key: path.into(),
        expected: type_name(default),
        found: type_name(&value),
    })
}

/// Applies one `section.key=value` override.
fn apply_set(
    merged: &mut toml::Table,
    defaults: &toml::Table,
    set: &str,
) -> Result<(), ConfigError> {
    let (path, raw) = set
        .split_once('=')
        .ok_or_else(|| ConfigError::BadSet(set.to_string()))?;
    let path = path.trim();
    let raw = raw.trim();
    let (section, key) = path
        .split_once('.')
        .ok_or_else(|| ConfigError::BadSet(set.to_string()))?;
    let Some(toml::Value::Table(dsec)) = defaults.get(section) else {
        return Err(ConfigError::UnknownKey {
            key: section.to_string(),
            known: known_keys(defaults, ""),
        });
    };
    let Some(default) = dsec.get(key) else {
        return Err(ConfigError::UnknownKey {
            key: path.to_string(),
            known: known_keys(dsec, &format!("{section}.")),
        });
    };
    // A value is read as TOML (numbers, booleans, lists); where a string is
    // expected, the text is taken as it is, quoted or not.
    let parsed = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"));
    let value = match (default, parsed) {
        (toml::Value::String(_), Some(toml::Value::String(s))) => toml::Value::String(s),
        (toml::Value::String(_), _) => toml::Value::String(raw.to_string()),
        (_, Some(v)) => v,
        (_, None) => {
            return Err(ConfigError::WrongType {
                key: path.to_string(),
                expected: type_name(default),
                found: "text that is not a TOML value",
            });
        }
    };
    let value = coerce(path, default, value)?;
    if let Some(toml::Value::Table(msec)) = merged.get_mut(section) {
        msec.insert(key.to_string(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_load_and_validate() {
        let c = Config::load(None, &[]).unwrap();
        assert_eq!(c.flow.tcp_established_timeout, 600);
        assert_eq!(c.output.eve_file, "eve.json");
        assert_eq!(c.home_nets().len(), 4);
    }

    #[test]
    fn a_whole_number_is_accepted_for_a_fraction() {
        let c = Config::load(None, &["connection_spike.k=3".to_string()]).unwrap();
        assert_eq!(c.connection_spike.k, 3.0);
        let e = Config::load(None, &["connection_spike.k=\"3\"".to_string()]).unwrap_err();
        assert!(e.to_string().contains("connection_spike.k"), "{e}");
    }

    #[test]
    fn set_overrides_typed_values() {
        let sets = vec![
            "flow.memcap=1000".to_string(),
            "output.utc_offset=+0900".to_string(),
            "network.home_net=[\"10.1.0.0/16\"]".to_string(),
            "capture.promisc=false".to_string(),
        ];
        let c = Config::load(None, &sets).unwrap();
        assert_eq!(c.flow.memcap, 1000);
        assert_eq!(c.output.utc_offset, "+0900");
        assert_eq!(c.network.home_net, vec!["10.1.0.0/16"]);
        assert!(!c.capture.promisc);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::load(None, &["flow.memcapp=1".into()]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("flow.memcapp"), "{msg}");
        assert!(msg.contains("flow.memcap,"), "{msg}");
        let e = Config::load(None, &["nosuch.key=1".into()]).unwrap_err();
        assert!(e.to_string().contains("nosuch"));
    }

    #[test]
    fn wrong_type_and_bad_values_are_named() {
        let e = Config::load(None, &["flow.memcap=lots".into()]).unwrap_err();
        assert!(
            e.to_string().contains("flow.memcap must be an integer")
                || e.to_string().contains("`flow.memcap` must be an integer"),
            "{e}"
        );
        let e = Config::load(None, &["flow.memcap=-5".into()]).unwrap_err();
        assert!(e.to_string().contains("negative"), "{e}");
        let e = Config::load(None, &["network.home_net=[\"10.0.0.0/33\"]".into()]).unwrap_err();
        assert!(e.to_string().contains("network.home_net"), "{e}");
        let e = Config::load(None, &["output.utc_offset=tokyo".into()]).unwrap_err();
        assert!(e.to_string().contains("output.utc_offset"), "{e}");
        let e = Config::load(None, &["flow.memcap".into()]).unwrap_err();
        assert!(matches!(e, ConfigError::BadSet(_)));
        let e = Config::load(None, &["flow.memcap=0".into()]).unwrap_err();
        assert!(e.to_string().contains("greater than 0"), "{e}");
    }

    #[test]
    fn file_then_set() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, "[flow]\nmemcap = 5000\ntcp_new_timeout = 9\n").unwrap();
        let c = Config::load(Some(&p), &["flow.memcap=6000".into()]).unwrap();
        assert_eq!(c.flow.memcap, 6000);
        assert_eq!(c.flow.tcp_new_timeout, 9);
        std::fs::write(&p, "[flow]\nmemcap = \n").unwrap();
        let e = Config::load(Some(&p), &[]).unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }), "{e}");
        std::fs::write(&p, "[flow]\nbogus = 1\n").unwrap();
        let e = Config::load(Some(&p), &[]).unwrap_err();
        assert!(e.to_string().contains("flow.bogus"), "{e}");
    }

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("+0900"), Ok(9 * 3600));
        assert_eq!(parse_utc_offset("-05:30"), Ok(-(5 * 3600 + 1800)));
        assert!(parse_utc_offset("0900").is_err());
        assert!(parse_utc_offset("+2500").is_err());
        assert!(parse_utc_offset("+").is_err());
    }

    #[test]
    fn rendered_config_reloads() {
        let c = Config::embedded();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, c.to_toml()).unwrap();
        let c2 = Config::load(Some(&p), &[]).unwrap();
        assert_eq!(c2.to_toml(), c.to_toml());
    }
}
