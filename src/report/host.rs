//! One home-network host's alerts, aggregated within fixed bounds, and its
//! risk score (defined in [`super`]'s documentation). Reading files and
//! deciding which host an alert belongs to are [`super`]'s.

use std::net::IpAddr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::detect::indicator::{self, INSIDER_KINDS};
use crate::time::Timestamp;

/// Most distinct indicators kept per host (the table has 12; the rest is
/// room for names a newer kagami writes). Alerts of further indicators are
/// counted in the host's `dropped`.
pub const MAX_INDICATORS_PER_HOST: usize = 24;
/// Most distinct signatures kept per host; further ones are counted in `dropped`.
pub const MAX_SIGNATURES_PER_HOST: usize = 32;
/// Longest indicator name kept, bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Longest signature message kept, bytes.
pub const MAX_SIGNATURE_LEN: usize = 256;
/// Longest sample evidence kept, bytes (alerts cap theirs at 2 KiB).
pub const MAX_SAMPLE_LEN: usize = 512;
/// Longest timestamp text kept, bytes (EVE's are 31).
pub const MAX_TIME_LEN: usize = 48;

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub(super) fn prefix(s: &str, max: usize) -> &str {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.get(..cut).unwrap_or("")
}

/// `s` cut to at most `max` bytes, on a character boundary.
pub(super) fn capped(s: &str, max: usize) -> String {
    prefix(s, max).to_string()
}

/// A moment as packet time (for ordering) and as the EVE file wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub ts: Timestamp,
    pub text: String,
}

impl Seen {
    fn new(ts: Timestamp, text: &str) -> Seen {
        Seen {
            ts,
            text: capped(text, MAX_TIME_LEN),
        }
    }
}

/// First and last sighting, by packet time (not by line order: files may be
/// given in any order).
#[derive(Debug, Clone)]
pub struct Span {
    pub first: Seen,
    pub last: Seen,
}

impl Span {
    fn new(ts: Timestamp, text: &str) -> Span {
        Span {
            first: Seen::new(ts, text),
            last: Seen::new(ts, text),
        }
    }
    fn see(&mut self, ts: Timestamp, text: &str) {
        if ts < self.first.ts {
            self.first = Seen::new(ts, text);
        }
        if ts > self.last.ts {
            self.last = Seen::new(ts, text);
        }
    }
}

/// One indicator's hits on one host.
#[derive(Debug, Clone)]
pub struct IndicatorHits {
    pub name: String,
    pub count: u64,
    pub span: Span,
    /// The evidence of the first alert seen for it.
    pub sample: String,
}

/// One signature's hits on one host.
#[derive(Debug, Clone)]
pub struct SignatureHits {
    pub signature_id: u64,
    pub signature: String,
    pub count: u64,
}

/// What the report keeps per host: bounded whatever the input.
#[derive(Debug, Clone)]
pub struct HostStats {
    /// Alert records attributed to the host.
    pub alerts: u64,
    pub span: Span,
    pub indicators: Vec<IndicatorHits>,
    pub signatures: Vec<SignatureHits>,
    /// Indicator or signature hits not kept because a bound was reached.
    pub dropped: u64,
}

/// One alert as the host sees it.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub ts: Timestamp,
    /// The timestamp as written.
    pub time_text: &'a str,
    pub signature_id: u64,
    pub signature: &'a str,
    pub evidence: &'a str,
}

impl HostStats {
    /// A host's statistics, starting from its first alert.
    pub fn new(hit: &Hit<'_>) -> HostStats {
        HostStats {
            alerts: 0,
            span: Span::new(hit.ts, hit.time_text),
            indicators: Vec::new(),
            signatures: Vec::new(),
            dropped: 0,
        }
    }

    /// Adds one alert record that names `indicators`.
    pub fn add<'s>(&mut self, hit: &Hit<'_>, indicators: impl Iterator<Item = &'s str>) {
        self.alerts = self.alerts.saturating_add(1);
        self.span.see(hit.ts, hit.time_text);
        for name in indicators {
            self.add_indicator(hit, name);
        }
        if let Some(s) = self
            .signatures
            .iter_mut()
            .find(|s| s.signature_id == hit.signature_id)
        {
            s.count = s.count.saturating_add(1);
        } else if self.signatures.len() < MAX_SIGNATURES_PER_HOST {
            self.signatures.push(SignatureHits {
                signature_id: hit.signature_id,
                signature: capped(hit.signature, MAX_SIGNATURE_LEN),
                count: 1,
            });
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    fn add_indicator(&mut self, hit: &Hit<'_>, name: &str) {
        let name = prefix(name, MAX_NAME_LEN);
        if let Some(i) = self.indicators.iter_mut().find(|i| i.name == name) {
            i.count = i.count.saturating_add(1);
            i.span.see(hit.ts, hit.time_text);
        } else if self.indicators.len() < MAX_INDICATORS_PER_HOST {
            self.indicators.push(IndicatorHits {
                name: name.to_string(),
                count: 1,
                span: Span::new(hit.ts, hit.time_text),
                sample: capped(hit.evidence, MAX_SAMPLE_LEN),
            });
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// The host's scores: total and per kind of insider.
    pub fn score(&self) -> Score {
        let mut s = Score::default();
        for i in &self.indicators {
            let Some(ind) = indicator::by_name(&i.name) else {
                continue;
            };
            let d = dampened(i.count);
            s.total += f64::from(ind.weight()) * d;
            for (k, l) in s.kinds.iter_mut().zip(ind.row) {
                *k += f64::from(l.points()) * d;
            }
        }
        s
    }
}

/// How a count of hits of one indicator grows its score: `1 + log2(count)`
/// (1 hit → 1, 2 → 2, 8 → 4, 1024 → 11), so a host that hits an indicator
/// often ranks above one that hit it once, but a thousand VPN sessions do
/// not outweigh a handful of different indicators.
pub fn dampened(count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        // Precision beyond 2^53 hits does not matter to a logarithm.
        1.0 + (count as f64).log2()
    }
}

/// A host's risk score: the total, and a sub-score per kind of insider
/// (in [`INSIDER_KINDS`] order) whose sum is the total.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub total: f64,
    pub kinds: [f64; 5],
}

impl Score {
    /// The kinds with the highest sub-score (several when tied; none when
    /// the score is 0).
    pub fn leading(&self) -> Vec<&'static str> {
        let max = self.kinds.iter().copied().fold(0.0_f64, f64::max);
        if max <= 0.0 {
            return Vec::new();
        }
        INSIDER_KINDS
            .iter()
            .zip(self.kinds)
            .filter(|(_, v)| (max - v).abs() < 1e-9)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// Rounds a score to two decimals for output.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Per-kind sub-scores as a JSON object keyed by kind, in the table's order.
#[derive(Debug, Clone, Copy)]
pub struct KindScores(pub [f64; 5]);

impl Serialize for KindScores {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(INSIDER_KINDS.len()))?;
        for (k, v) in INSIDER_KINDS.iter().zip(self.0) {
            m.serialize_entry(k, &round2(v))?;
        }
        m.end()
    }
}

/// A host as `--json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct HostSummary {
    pub host: IpAddr,
    pub score: f64,
    /// Kinds of insider with the highest sub-score.
    pub leading_kinds: Vec<&'static str>,
    pub kinds: KindScores,
    pub alerts: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Most hits first.
    pub indicators: Vec<IndicatorSummary>,
    /// Most hits first.
    pub signatures: Vec<SignatureSummary>,
    pub dropped: u64,
}

/// One indicator of a host, for `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorSummary {
    pub indicator: String,
    pub count: u64,
    /// `Indicator::weight()`, 0 for a name the CCDCOE table lacks.
    pub weight: u32,
    /// Its part of the host's score.
    pub score: f64,
    pub first_seen: String,
    pub last_seen: String,
    pub sample_evidence: String,
}

/// One signature of a host, for `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureSummary {
    pub signature_id: u64,
    pub signature: String,
    pub count: u64,
}

impl HostSummary {
    /// The summary of `stats`, with its score.
    pub fn new(host: IpAddr, stats: HostStats) -> HostSummary {
        let score = stats.score();
        let mut indicators: Vec<IndicatorSummary> = stats
            .indicators
            .into_iter()
            .map(|i| {
                let weight = indicator::by_name(&i.name).map_or(0, |x| x.weight());
                IndicatorSummary {
                    score: round2(f64::from(weight) * dampened(i.count)),
                    weight,
                    count: i.count,
                    first_seen: i.span.first.text,
                    last_seen: i.span.last.text,
                    sample_evidence: i.sample,
                    indicator: i.name,
                }
            })
            .collect();
        indicators.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.weight.cmp(&a.weight))
                .then(a.indicator.cmp(&b.indicator))
        });
        let mut signatures: Vec<SignatureSummary> = stats
            .signatures
            .into_iter()
            .map(|s| SignatureSummary {
                signature_id: s.signature_id,
                signature: s.signature,
                count: s.count,
            })
            .collect();
        signatures.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.signature_id.cmp(&b.signature_id))
        });
        HostSummary {
            host,
            score: round2(score.total),
            leading_kinds: score.leading(),
            kinds: KindScores(score.kinds),
            alerts: stats.alerts,
            first_seen: stats.span.first.text,
            last_seen: stats.span.last.text,
            indicators,
            signatures,
            dropped: stats.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(secs: i64, text: &str) -> Hit<'_> {
        Hit {
            ts: Timestamp::from_parts(secs, 0),
            time_text: text,
            signature_id: 8_100_010,
            signature: "KAGAMI VPN OpenVPN session",
            evidence: "OpenVPN between a and b",
        }
    }

    fn host_with(hits: &[(&str, u64)]) -> HostStats {
        let h = hit(100, "t100");
        let mut s = HostStats::new(&h);
        for (name, n) in hits {
            for _ in 0..*n {
                s.add(&h, std::iter::once(*name));
            }
        }
        s
    }

    #[test]
    fn counts_times_and_signatures_are_kept() {
        let mut s = HostStats::new(&hit(200, "t200"));
        s.add(&hit(200, "t200"), ["vpn"].into_iter());
        s.add(&hit(100, "t100"), ["vpn"].into_iter());
        s.add(&hit(300, "t300"), ["irc"].into_iter());
        assert_eq!(s.alerts, 3);
        // First and last by time, not by order of arrival.
        assert_eq!(s.span.first.text, "t100");
        assert_eq!(s.span.last.text, "t300");
        let vpn = s.indicators.iter().find(|i| i.name == "vpn").unwrap();
        assert_eq!(vpn.count, 2);
        assert_eq!(
            (vpn.span.first.text.as_str(), vpn.span.last.text.as_str()),
            ("t100", "t200")
        );
        assert_eq!(s.signatures.len(), 1);
        assert_eq!(s.signatures[0].count, 3);
    }

    #[test]
    fn score_is_weight_times_dampened_count() {
        assert_eq!(dampened(0), 0.0);
        assert_eq!(dampened(1), 1.0);
        assert_eq!(dampened(8), 4.0);
        // vpn: row L H L L L = weight 7; 4 hits → 7 × 3.
        let s = host_with(&[("vpn", 4)]).score();
        assert!((s.total - 21.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.leading(), ["ip-theft"]);
        // irc: L H L L H, one hit: ip-theft and unintentional tie at 3.
        let s = host_with(&[("irc", 1)]).score();
        assert!((s.total - 9.0).abs() < 1e-9);
        assert_eq!(s.leading(), ["ip-theft", "unintentional"]);
        // The kinds' sub-scores add up to the total.
        let s = host_with(&[("irc", 3), ("off-hours", 5), ("vpn", 1)]).score();
        assert!((s.kinds.iter().sum::<f64>() - s.total).abs() < 1e-9);
    }

    #[test]
    fn a_spread_of_indicators_outranks_one_repeated() {
        let repeated = host_with(&[("vpn", 100)]).score().total; // 7 × 7.64 ≈ 53.5
        let spread = host_with(&[
            ("large-mail", 1),
            ("unapproved-device", 1),
            ("connection-spike", 1),
            ("off-hours", 1),
        ])
        .score()
        .total; // 11 + 11 + 10 + 10 = 42
        let more_spread = host_with(&[
            ("large-mail", 2),
            ("unapproved-device", 2),
            ("connection-spike", 2),
            ("off-hours", 2),
        ])
        .score()
        .total; // 84
        assert!(spread < repeated && repeated < more_spread);
    }

    #[test]
    fn unknown_indicators_are_listed_but_weigh_nothing() {
        let s = host_with(&[("dns-tunnel", 3)]);
        assert_eq!(s.score().total, 0.0);
        assert!(s.score().leading().is_empty());
        let sum = HostSummary::new("10.0.0.1".parse().unwrap(), s);
        assert_eq!(sum.indicators[0].indicator, "dns-tunnel");
        assert_eq!(sum.indicators[0].weight, 0);
    }

    #[test]
    fn per_host_lists_are_bounded() {
        let h = hit(1, "t1");
        let mut s = HostStats::new(&h);
        for i in 0..(MAX_INDICATORS_PER_HOST + 5) {
            let name = format!("x{i}");
            s.add(&h, std::iter::once(name.as_str()));
        }
        for i in 0..(MAX_SIGNATURES_PER_HOST as u64 + 3) {
            let mut h2 = h;
            h2.signature_id = i;
            s.add(&h2, std::iter::empty());
        }
        assert_eq!(s.indicators.len(), MAX_INDICATORS_PER_HOST);
        assert_eq!(s.signatures.len(), MAX_SIGNATURES_PER_HOST);
        assert_eq!(s.dropped, 5 + 4);
        let long = "é".repeat(MAX_SAMPLE_LEN);
        assert!(capped(&long, MAX_SAMPLE_LEN).len() <= MAX_SAMPLE_LEN);
    }

    #[test]
    fn kinds_serialise_by_name_in_table_order() {
        let j = serde_json::to_string(&KindScores([1.0, 3.0, 1.0, 1.0, 1.234])).unwrap();
        assert_eq!(
            j,
            r#"{"sabotage":1.0,"ip-theft":3.0,"fraud":1.0,"espionage":1.0,"unintentional":1.23}"#
        );
    }
}
