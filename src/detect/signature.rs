//! The signature table (`signatures/signatures.toml`): one entry per
//! detection method, giving its sid, rev, message, category, severity and
//! indicator. Detectors ask for their entries by (indicator, method) when
//! they are built, so ids and messages live in one data file, never in code.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::indicator;

/// The table as shipped.
pub const EMBEDDED: &str = include_str!("../../signatures/signatures.toml");

/// First sid of kagami's block.
pub const SID_BASE: u32 = 8_100_000;

/// Most entries in a table (a flow records which fired in a 64-bit mask).
pub const MAX_SIGNATURES: usize = 64;

/// A table that cannot be used.
#[derive(Debug, Error)]
pub enum SignatureError {
    #[error("cannot read signature table {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("signature table {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "signature table {path} has no entry for indicator `{indicator}` method `{method}` (copy it from kagami's signatures/signatures.toml)"
    )]
    Missing {
        path: String,
        indicator: String,
        method: String,
    },
}

/// One detection method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub sid: u32,
    pub rev: u32,
    /// Name from the CCDCOE table (`alert.metadata.indicator`).
    pub indicator: String,
    /// The name the detector asks for.
    pub method: String,
    /// `alert.signature`.
    pub msg: String,
    pub category: String,
    /// 1 (high) to 3 (low), as Suricata's.
    pub severity: u8,
    /// The indicator's row, rendered once.
    #[serde(skip)]
    pub insider_threat: Vec<String>,
}

/// An entry of the table, by position (fits the per-flow mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigId(pub u8);

impl SigId {
    /// This entry's bit in a flow's mask of fired signatures.
    pub fn bit(self) -> u64 {
        1u64 << (self.0 % 64)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    signature: Vec<Signature>,
}

/// The loaded table.
#[derive(Debug, Clone)]
pub struct Signatures {
    origin: String,
    entries: Vec<Signature>,
}

impl Signatures {
    /// The embedded table, or `signatures.toml` in `dir` when `dir` is not empty.
    pub fn load(dir: &str) -> Result<Signatures, SignatureError> {
        if dir.is_empty() {
            return Signatures::parse("embedded signatures/signatures.toml", EMBEDDED);
        }
        let path = Path::new(dir).join("signatures.toml");
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| SignatureError::Read {
            path: origin.clone(),
            source,
        })?;
        Signatures::parse(&origin, &text)
    }

    /// Parses and checks a table: sids in kagami's block and unique, known
    /// indicators, severities 1–3, at most [`MAX_SIGNATURES`] entries.
    pub fn parse(origin: &str, text: &str) -> Result<Signatures, SignatureError> {
        let invalid = |message: String| SignatureError::Invalid {
            path: origin.to_string(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        if file.signature.len() > MAX_SIGNATURES {
            return Err(invalid(format!(
                "{} entries; at most {MAX_SIGNATURES}",
                file.signature.len()
            )));
        }
        let mut entries = file.signature;
        for (i, s) in entries.iter_mut().enumerate() {
            if s.sid < SID_BASE {
                return Err(invalid(format!(
                    "sid {} is below kagami's block ({SID_BASE})",
                    s.sid
                )));
            }
            let Some(ind) = indicator::by_name(&s.indicator) else {
                return Err(invalid(format!(
                    "sid {}: unknown indicator `{}`",
                    s.sid, s.indicator
                )));
            };
            if !(1..=3).contains(&s.severity) {
                return Err(invalid(format!(
                    "sid {}: severity must be 1, 2 or 3",
                    s.sid
                )));
            }
            s.insider_threat = ind.insider_threat();
            let _ = i;
        }
        for (i, a) in entries.iter().enumerate() {
            if entries.iter().skip(i + 1).any(|b| b.sid == a.sid) {
                return Err(invalid(format!("sid {} is listed twice", a.sid)));
            }
            if entries
                .iter()
                .skip(i + 1)
                .any(|b| b.indicator == a.indicator && b.method == a.method)
            {
                return Err(invalid(format!(
                    "indicator `{}` method `{}` is listed twice",
                    a.indicator, a.method
                )));
            }
        }
        Ok(Signatures {
            origin: origin.to_string(),
            entries,
        })
    }

    /// The entry for a detection method.
    pub fn id(&self, indicator: &str, method: &str) -> Result<SigId, SignatureError> {
        self.entries
            .iter()
            .position(|s| s.indicator == indicator && s.method == method)
            .and_then(|i| u8::try_from(i).ok())
            .map(SigId)
            .ok_or_else(|| SignatureError::Missing {
                path: self.origin.clone(),
                indicator: indicator.to_string(),
                method: method.to_string(),
            })
    }

    /// The entry behind an id.
    pub fn get(&self, id: SigId) -> Option<&Signature> {
        self.entries.get(usize::from(id.0))
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Signature] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_loads_and_covers_the_seven_indicators() {
        let t = Signatures::load("").unwrap();
        for ind in [
            "tor",
            "vpn",
            "irc",
            "large-mail",
            "unapproved-device",
            "off-hours",
            "connection-spike",
        ] {
            assert!(t.entries().iter().any(|s| s.indicator == ind), "{ind}");
        }
        let id = t.id("tor", "tls-handshake").unwrap();
        assert_eq!(t.get(id).unwrap().sid, 8_100_002);
        assert!(t.id("tor", "nope").is_err());
    }

    #[test]
    fn bad_tables_are_refused_with_the_reason() {
        let one = |sid: u32, ind: &str, sev: u8| {
            format!(
                "[[signature]]\nsid = {sid}\nrev = 1\nindicator = \"{ind}\"\nmethod = \"m\"\nmsg = \"x\"\ncategory = \"c\"\nseverity = {sev}\n"
            )
        };
        let e = Signatures::parse("t", &one(1, "tor", 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("below kagami's block"), "{e}");
        let e = Signatures::parse("t", &one(8_100_001, "teleport", 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown indicator `teleport`"), "{e}");
        let e = Signatures::parse("t", &one(8_100_001, "tor", 7))
            .unwrap_err()
            .to_string();
        assert!(e.contains("severity"), "{e}");
        let twice = one(8_100_001, "tor", 2) + &one(8_100_001, "vpn", 2);
        let e = Signatures::parse("t", &twice).unwrap_err().to_string();
        assert!(e.contains("listed twice"), "{e}");
        let e = Signatures::load("/nonexistent-dir")
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent-dir/signatures.toml"), "{e}");
    }
}
