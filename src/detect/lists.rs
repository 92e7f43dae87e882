//! The shapes the detectors' lists take: networks (allow lists, home
//! networks) and domain-name suffixes (VPN services, Tor2web gateways), and
//! loading a list file from `signatures/` or the directory that replaces it.

use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;

use super::DetectError;

/// Most entries in one list file.
pub const MAX_LIST_ENTRIES: usize = 100_000;

/// A set of networks, tested by linear scan (lists here are short).
#[derive(Debug, Clone, Default)]
pub struct NetList(Vec<IpNet>);

impl NetList {
    /// From validated configuration strings (addresses or CIDRs).
    pub fn new(list: &[String]) -> NetList {
        NetList(crate::config::nets(list))
    }
    /// Whether `ip` is in one of the networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Domain suffixes, each with a label (e.g. the VPN service's name).
/// `example.com` matches `example.com` and `a.example.com`, not `badexample.com`.
#[derive(Debug, Clone, Default)]
pub struct DomainList {
    /// Lower-case suffixes without a leading dot, and their labels.
    entries: hashbrown::HashMap<String, String>,
    /// Most labels in any suffix (bounds the lookup).
    max_labels: usize,
}

impl DomainList {
    /// Adds one suffix.
    pub fn insert(&mut self, suffix: &str, label: &str) {
        let s = suffix.trim().trim_start_matches('.').trim_end_matches('.');
        if s.is_empty() || self.entries.len() >= MAX_LIST_ENTRIES {
            return;
        }
        self.max_labels = self.max_labels.max(s.split('.').count());
        self.entries
            .insert(s.to_ascii_lowercase(), label.to_string());
    }

    /// A list file of `suffix label…` lines (`#` comments); a line with no
    /// label is labelled by its suffix.
    pub fn parse(text: &str) -> DomainList {
        let mut list = DomainList::default();
        for (_, line) in lines(text) {
            let mut parts = line.splitn(2, char::is_whitespace);
            if let Some(suffix) = parts.next() {
                list.insert(suffix, parts.next().map(str::trim).unwrap_or(suffix));
            }
        }
        list
    }

    /// The suffix of `name` in the list and its label, if any.
    pub fn find(&self, name: &str) -> Option<(&str, &str)> {
        let name = name.trim_end_matches('.');
        if name.is_empty() || self.entries.is_empty() {
            return None;
        }
        let lower;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = name.to_ascii_lowercase();
            lower.as_str()
        } else {
            name
        };
        // Try each suffix starting at a label boundary, longest first.
        let mut starts: Vec<usize> = std::iter::once(0)
            .chain(name.match_indices('.').map(|(i, _)| i + 1))
            .collect();
        let n = starts.len();
        if n > self.max_labels {
            starts.drain(..n - self.max_labels);
        }
        for start in starts {
            let Some(suffix) = name.get(start..) else {
                continue;
            };
            if let Some((k, v)) = self.entries.get_key_value(suffix) {
                return Some((k.as_str(), v.as_str()));
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The text of list `name`: the file in `dir` when `dir` is set, else the
/// embedded copy.
pub fn list_text(dir: &str, name: &str, embedded: &'static str) -> Result<String, DetectError> {
    if dir.is_empty() {
        return Ok(embedded.to_string());
    }
    let path = Path::new(dir).join(name);
    std::fs::read_to_string(&path).map_err(|source| DetectError::List {
        path: path.display().to_string(),
        source,
    })
}

/// Lines of a list file with comments (`#`) and blanks removed, with their
/// 1-based line numbers.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.split('#').next().unwrap_or("").trim();
        (!l.is_empty()).then_some((i + 1, l))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_match_on_label_boundaries() {
        let mut d = DomainList::default();
        d.insert("nordvpn.com", "NordVPN");
        d.insert(".Mullvad.net.", "Mullvad");
        assert_eq!(d.find("nordvpn.com"), Some(("nordvpn.com", "NordVPN")));
        assert_eq!(
            d.find("de123.NordVPN.com."),
            Some(("nordvpn.com", "NordVPN"))
        );
        assert_eq!(d.find("api.mullvad.net"), Some(("mullvad.net", "Mullvad")));
        assert_eq!(d.find("notnordvpn.com"), None);
        assert_eq!(d.find("nordvpn.com.evil.org"), None);
        assert_eq!(d.find(""), None);
        assert_eq!(d.find("."), None);
    }

    #[test]
    fn networks_and_comment_lines() {
        let n = NetList::new(&["10.0.0.0/8".into(), "192.0.2.7".into()]);
        assert!(n.contains("10.9.8.7".parse().unwrap()));
        assert!(n.contains("192.0.2.7".parse().unwrap()));
        assert!(!n.contains("192.0.2.8".parse().unwrap()));
        let got: Vec<_> = lines("# head\n\na  # x\n  b\n").collect();
        assert_eq!(got, [(3, "a"), (4, "b")]);
    }
}
