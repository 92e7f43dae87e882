//! The indicators kagami detects and their rows of the NATO CCDCOE *Insider
//! Threat Detection Study* (2015) table: how likely each network sign is for
//! five kinds of insider. Every alert carries its row
//! (`alert.metadata.insider_threat`), and `kagami report` weighs hits by it.

/// How often a sign occurs for one kind of insider, as the study grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likelihood {
    Low,
    Medium,
    High,
}

impl Likelihood {
    /// The grade as written in alerts.
    pub fn name(self) -> &'static str {
        match self {
            Likelihood::Low => "low",
            Likelihood::Medium => "medium",
            Likelihood::High => "high",
        }
    }
    /// Points of the grade in the risk score (low 1, medium 2, high 3).
    pub fn points(self) -> u32 {
        match self {
            Likelihood::Low => 1,
            Likelihood::Medium => 2,
            Likelihood::High => 3,
        }
    }
}

/// The five kinds of insider, in the study's column order.
pub const INSIDER_KINDS: [&str; 5] = [
    "sabotage",
    "ip-theft",
    "fraud",
    "espionage",
    "unintentional",
];

/// One indicator: its name (`alert.metadata.indicator`) and its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicator {
    pub name: &'static str,
    /// Likelihood per kind, in [`INSIDER_KINDS`] order.
    pub row: [Likelihood; 5],
    /// What the indicator means, for reports and `--help`.
    pub description: &'static str,
}

use Likelihood::{High as H, Low as L, Medium as M};

/// The table (DESIGN.md; the CCDCOE study's eleven network indicators).
/// `tor` and `vpn` share the study's "Tor, VPN and anonymising services" row.
pub const INDICATORS: &[Indicator] = &[
    Indicator {
        name: "competitor",
        row: [L, H, H, M, L],
        description: "communication with competitors",
    },
    Indicator {
        name: "large-mail",
        row: [L, H, H, H, L],
        description: "unusually large outbound e-mail",
    },
    Indicator {
        name: "underground",
        row: [M, H, L, M, L],
        description: "access to underground / dark-web sites",
    },
    Indicator {
        name: "irc",
        row: [L, H, L, L, H],
        description: "IRC and other suspicious protocols",
    },
    Indicator {
        name: "tor",
        row: [L, H, L, L, L],
        description: "Tor and anonymising services",
    },
    Indicator {
        name: "vpn",
        row: [L, H, L, L, L],
        description: "VPN services",
    },
    Indicator {
        name: "attack-tool",
        row: [M, H, L, M, L],
        description: "attack tools (scans, brute force)",
    },
    Indicator {
        name: "malware",
        row: [M, L, L, L, H],
        description: "malware activity",
    },
    Indicator {
        name: "connection-spike",
        row: [M, H, L, H, L],
        description: "abnormal peak of outbound connections",
    },
    Indicator {
        name: "unapproved-device",
        row: [M, H, L, H, M],
        description: "unauthorised device on the network",
    },
    Indicator {
        name: "unapproved-software",
        row: [H, M, L, M, M],
        description: "download of unapproved software",
    },
    Indicator {
        name: "off-hours",
        row: [M, H, L, M, H],
        description: "connections started outside working hours",
    },
];

/// The indicator of this name, if it is one of the table's.
pub fn by_name(name: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.name == name)
}

impl Indicator {
    /// The row as alerts write it: `["sabotage:low", "ip-theft:high", …]`.
    pub fn insider_threat(&self) -> Vec<String> {
        INSIDER_KINDS
            .iter()
            .zip(self.row)
            .map(|(kind, l)| format!("{kind}:{}", l.name()))
            .collect()
    }
    /// Weight of one hit in the risk score: the sum of the row's points
    /// (5 … 15), so a sign likely for many kinds of insider counts more.
    pub fn weight(&self) -> u32 {
        self.row.iter().map(|l| l.points()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_design_table() {
        let tor = by_name("tor").unwrap();
        assert_eq!(
            tor.insider_threat(),
            [
                "sabotage:low",
                "ip-theft:high",
                "fraud:low",
                "espionage:low",
                "unintentional:low"
            ]
        );
        assert_eq!(by_name("off-hours").unwrap().row, [M, H, L, M, H]);
        assert_eq!(by_name("large-mail").unwrap().weight(), 1 + 3 + 3 + 3 + 1);
        assert!(by_name("nope").is_none());
        assert_eq!(INDICATORS.len(), 12);
    }
}
