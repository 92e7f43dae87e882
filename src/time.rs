//! Packet time. Every timeout, interval and timestamp in kagami is derived
//! from the capture's timestamps, never the wall clock, so a replay writes the
//! same events a live capture would have.

use std::fmt;

/// Nanoseconds since the Unix epoch, as captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// From seconds and nanoseconds; negative capture times clamp to the epoch.
    pub fn from_parts(secs: i64, nanos: u32) -> Timestamp {
        if secs < 0 {
            return Timestamp(0);
        }
        Timestamp(
            (secs as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(u64::from(nanos)),
        )
    }
    /// Whole seconds.
    pub fn secs(self) -> u64 {
        self.0 / 1_000_000_000
    }
    /// Nanoseconds within the second.
    pub fn subsec_nanos(self) -> u32 {
        (self.0 % 1_000_000_000) as u32
    }
    /// `self - earlier` in whole seconds, 0 if `earlier` is later.
    pub fn secs_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0) / 1_000_000_000
    }
    /// Formats as EVE does: `2026-11-22T10:00:00.123456+0900` (microseconds).
    pub fn eve(self, utc_offset_secs: i32) -> EveTime {
        EveTime {
            ts: self,
            offset: utc_offset_secs,
        }
    }
}

/// A timestamp rendered in EVE's format at a fixed UTC offset.
#[derive(Debug, Clone, Copy)]
pub struct EveTime {
    ts: Timestamp,
    offset: i32,
}

impl fmt::Display for EveTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = chrono::FixedOffset::east_opt(self.offset)
            .unwrap_or(chrono::FixedOffset::east_opt(0).ok_or(fmt::Error)?);
        let secs = i64::try_from(self.ts.secs()).map_err(|_| fmt::Error)?;
        let utc =
            chrono::DateTime::from_timestamp(secs, self.ts.subsec_nanos()).ok_or(fmt::Error)?;
        write!(
            f,
            "{}",
            utc.with_timezone(&offset)
                .format_with_items(eve_items().iter())
        )
    }
}

/// EVE's timestamp layout, parsed once: `2026-11-22T10:00:00.123456+0900`.
fn eve_items() -> &'static [chrono::format::Item<'static>] {
    static ITEMS: std::sync::OnceLock<Vec<chrono::format::Item<'static>>> =
        std::sync::OnceLock::new();
    ITEMS.get_or_init(|| {
        chrono::format::StrftimeItems::new("%Y-%m-%dT%H:%M:%S%.6f%z")
            .parse_to_owned()
            .unwrap_or_default()
    })
}

impl serde::Serialize for EveTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eve_format_matches_suricata() {
        // 2026-11-22T01:00:00.123456Z
        let ts = Timestamp::from_parts(1_795_309_200, 123_456_789);
        assert_eq!(ts.eve(0).to_string(), "2026-11-22T01:00:00.123456+0000");
        assert_eq!(
            ts.eve(9 * 3600).to_string(),
            "2026-11-22T10:00:00.123456+0900"
        );
        assert_eq!(
            ts.eve(-(5 * 3600 + 1800)).to_string(),
            "2026-11-21T19:30:00.123456-0530"
        );
        assert_eq!(
            Timestamp(0).eve(0).to_string(),
            "1970-01-01T00:00:00.000000+0000"
        );
        // leap day
        assert_eq!(
            Timestamp::from_parts(951_782_400, 0).eve(0).to_string(),
            "2000-02-29T00:00:00.000000+0000"
        );
    }

    #[test]
    fn negative_clamps() {
        assert_eq!(Timestamp::from_parts(-5, 3), Timestamp(0));
    }
}
