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

impl EveTime {
    /// Renders into `buf`; returns the text (31 bytes for years 0–9999).
    fn render(self, buf: &mut [u8; 32]) -> &str {
        let offset = i64::from(self.offset.clamp(-86_399, 86_399));
        let secs = i64::try_from(self.ts.secs()).unwrap_or(i64::MAX / 2) + offset;
        let micros = self.ts.subsec_nanos() / 1000;
        let (days, tod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let y = y.clamp(0, 9999) as u32;
        let (hh, mm, ss) = (
            (tod / 3600) as u32,
            (tod / 60 % 60) as u32,
            (tod % 60) as u32,
        );
        let sign = if offset < 0 { b'-' } else { b'+' };
        let off_min = (offset.unsigned_abs() / 60) as u32;
        let mut w = Writer { buf, at: 0 };
        w.num(y, 4);
        w.byte(b'-');
        w.num(m, 2);
        w.byte(b'-');
        w.num(d, 2);
        w.byte(b'T');
        w.num(hh, 2);
        w.byte(b':');
        w.num(mm, 2);
        w.byte(b':');
        w.num(ss, 2);
        w.byte(b'.');
        w.num(micros, 6);
        w.byte(sign);
        w.num(off_min / 60, 2);
        w.num(off_min % 60, 2);
        let n = w.at;
        // Only ASCII digits and punctuation were written.
        std::str::from_utf8(buf.get(..n).unwrap_or(&[])).unwrap_or("")
    }
}

/// Fixed-width decimal writer over a stack buffer.
struct Writer<'a> {
    buf: &'a mut [u8; 32],
    at: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.at) {
            *slot = b;
            self.at += 1;
        }
    }
    fn num(&mut self, mut v: u32, width: usize) {
        let start = self.at;
        for i in (0..width).rev() {
            if let Some(slot) = self.buf.get_mut(start + i) {
                *slot = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
        self.at = (start + width).min(self.buf.len());
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for EveTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 32];
        f.write_str(self.render(&mut buf))
    }
}

impl serde::Serialize for EveTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 32];
        s.serialize_str(self.render(&mut buf))
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

    /// Every day from 1970 to 2100 agrees with chrono's calendar.
    #[test]
    fn calendar_agrees_with_chrono() {
        for day in 0..47_847i64 {
            let ts = Timestamp::from_parts(day * 86_400 + 45_296, 7_000);
            let ours = ts.eve(3600).to_string();
            let theirs = chrono::DateTime::from_timestamp(day * 86_400 + 45_296, 7_000)
                .unwrap()
                .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
                .format("%Y-%m-%dT%H:%M:%S%.6f%z")
                .to_string();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn negative_clamps() {
        assert_eq!(Timestamp::from_parts(-5, 3), Timestamp(0));
    }
}
