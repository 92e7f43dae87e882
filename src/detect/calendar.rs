//! Business hours: whether a packet's time falls inside the organisation's
//! working time, which off-hours stretch it belongs to, and a sentence saying
//! so for an alert's evidence.
//!
//! Built once from `[business_hours]` (an IANA time zone, working days, a
//! start and end time, a holiday file). Local time comes from the `chrono-tz`
//! database, so daylight-saving changes move the working window with the wall
//! clock. All time is packet time. What to do with off-hours traffic (counting
//! connections, allowlists, alerting once per period) is the off-hours
//! detector's; this module only knows the calendar.
//!
//! Rules:
//! - The working window is `[start, end)` local time: start inclusive, end
//!   exclusive. `end` may be `24:00` (until midnight).
//! - `end` earlier than `start` is an overnight shift: the shift that begins
//!   at `start` on a working day runs into the next day until `end`. The
//!   shift belongs to the day it begins on (`days = ["fri"]`, 22:00–06:00
//!   covers Friday 22:00 to Saturday 06:00). `end` equal to `start` is
//!   refused (no working time at all is `days = []`).
//! - Holidays are whole local days off: no time on a holiday's date is
//!   working time, and an overnight shift that would begin on a holiday is
//!   not worked either.
//! - An off-hours *period* is one contiguous stretch outside working time,
//!   identified by the local date and time it began (Friday 19:00 to Monday
//!   07:00 is one period). With no working time in the last
//!   [`MAX_LOOKBACK_DAYS`] days, each local day is its own period.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday,
};
use chrono_tz::Tz;
use thiserror::Error;

use crate::config::BusinessHoursConfig;
use crate::time::Timestamp;

/// Minutes in a day; `24:00` is this many minutes after midnight.
const MINUTES_PER_DAY: u16 = 1440;

/// Largest holiday file read, bytes (a century of holidays is a few KiB).
pub const MAX_HOLIDAY_FILE_BYTES: u64 = 1 << 20;

/// Most holidays a holiday file may list.
pub const MAX_HOLIDAYS: usize = 10_000;

/// Days searched backwards for the working time that ended before an
/// off-hours moment (the start of its period). A year and a bit covers any
/// real holiday season.
pub const MAX_LOOKBACK_DAYS: u32 = 370;

/// A `[business_hours]` section that cannot be used; each message names the
/// key or file and the fix.
#[derive(Debug, Error)]
pub enum CalendarError {
    #[error(
        "business_hours.timezone: unknown time zone `{name}` (use an IANA name like Europe/Tallinn)"
    )]
    TimeZone { name: String },
    #[error("business_hours.days: unknown day `{day}` (use mon, tue, wed, thu, fri, sat or sun)")]
    Day { day: String },
    #[error(
        "business_hours.{key}: `{value}` is not a time of day (write it as HH:MM, e.g. 07:00{hint})"
    )]
    Time {
        key: &'static str,
        value: String,
        hint: &'static str,
    },
    #[error(
        "business_hours: start and end are both {value}, which leaves no working time (for a working day \
         that ends after midnight set end earlier than start; for no working time at all set days = [])"
    )]
    EmptyWindow { value: String },
    #[error("cannot read holiday file {path}: {source}")]
    HolidayRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("holiday file {path} is larger than {max} bytes (list one YYYY-MM-DD per line)")]
    HolidayTooLarge { path: PathBuf, max: u64 },
    #[error(
        "holiday file {path} line {line}: bad date `{text}` (expected YYYY-MM-DD, e.g. 2026-12-24)"
    )]
    HolidayLine {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error("holiday file {path} lists more than {max} holidays")]
    TooManyHolidays { path: PathBuf, max: usize },
}

/// One contiguous off-hours stretch: the local date and time it began (the
/// end of the working time before it). Equal ids mean the same stretch, so a
/// detector keyed on (host, period) alerts once per host per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeriodId(NaiveDateTime);

impl PeriodId {
    /// Local date and time at which the stretch began.
    pub fn began(self) -> NaiveDateTime {
        self.0
    }
}

impl fmt::Display for PeriodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M"))
    }
}

/// The organisation's working time, ready to ask about packet times.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    tz: Tz,
    /// Working days, indexed Monday = 0.
    days: [bool; 7],
    /// Start of the working window, minutes after local midnight (0..1440).
    start: u16,
    /// End of the window, minutes after local midnight (0..=1440); below
    /// `start` for an overnight shift.
    end: u16,
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessHours {
    /// Checks and compiles `[business_hours]`, reading the holiday file if one is named.
    pub fn new(cfg: &BusinessHoursConfig) -> Result<Self, CalendarError> {
        let tz: Tz = cfg
            .timezone
            .trim()
            .parse()
            .map_err(|_| CalendarError::TimeZone {
                name: cfg.timezone.clone(),
            })?;
        let mut days = [false; 7];
        for day in &cfg.days {
            let index = parse_day(day).ok_or_else(|| CalendarError::Day { day: day.clone() })?;
            if let Some(slot) = days.get_mut(index) {
                *slot = true;
            }
        }
        let start = parse_hhmm(&cfg.start, false).ok_or_else(|| CalendarError::Time {
            key: "start",
            value: cfg.start.clone(),
            hint: "",
        })?;
        let end = parse_hhmm(&cfg.end, true).ok_or_else(|| CalendarError::Time {
            key: "end",
            value: cfg.end.clone(),
            hint: "; 24:00 means midnight",
        })?;
        if start == end {
            return Err(CalendarError::EmptyWindow {
                value: cfg.start.clone(),
            });
        }
        let holidays = if cfg.holidays.trim().is_empty() {
            BTreeSet::new()
        } else {
            read_holidays(Path::new(cfg.holidays.trim()))?
        };
        Ok(BusinessHours {
            tz,
            days,
            start,
            end,
            holidays,
        })
    }

    /// Whether `ts` falls inside working time.
    ///
    /// A timestamp chrono cannot represent (beyond the year 262 000) counts as
    /// working time, so nonsense clocks raise no off-hours alerts.
    pub fn is_working(&self, ts: Timestamp) -> bool {
        match self.local(ts) {
            Some(local) => self.working_at(local.date_naive(), minute_of_day(&local)),
            None => true,
        }
    }

    /// The off-hours stretch containing `ts`, or `None` inside working time.
    pub fn off_hours_period(&self, ts: Timestamp) -> Option<PeriodId> {
        let local = self.local(ts)?;
        let date = local.date_naive();
        let minute = minute_of_day(&local);
        if self.working_at(date, minute) {
            return None;
        }
        let fallback = PeriodId(date.and_time(NaiveTime::MIN));
        if !self.days.contains(&true) {
            return Some(fallback);
        }
        // Walk back to the latest end of working time at or before `ts`.
        let mut day = date;
        for back in 0..=MAX_LOOKBACK_DAYS {
            let latest = self
                .intervals(day)
                .into_iter()
                .flatten()
                .map(|(_, end)| end)
                .filter(|&end| back > 0 || end <= minute)
                .max();
            if let Some(end) = latest {
                return Some(PeriodId(at_minute(day, end)));
            }
            day = day.pred_opt()?;
        }
        Some(fallback)
    }

    /// A sentence for the evidence, e.g. "Sunday 02:13 Europe/Tallinn,
    /// outside Mon–Fri 07:00–19:00" or "Thursday 10:00 Europe/Tallinn, a
    /// holiday (2026-12-24)".
    pub fn describe(&self, ts: Timestamp) -> String {
        let Some(local) = self.local(ts) else {
            return format!("{} (beyond the calendar)", ts.secs());
        };
        let date = local.date_naive();
        let minute = minute_of_day(&local);
        let when = format!("{} {}", local.format("%A %H:%M"), self.tz.name());
        if self.holidays.contains(&date) {
            return format!("{when}, a holiday ({date})");
        }
        if let Some(prev) = date.pred_opt() {
            if self.overnight()
                && minute < self.end
                && self.holidays.contains(&prev)
                && self.is_working_day(prev)
            {
                return format!("{when}, in the night after a holiday ({prev})");
            }
        }
        if !self.days.contains(&true) {
            return format!("{when}, outside business hours (no working days are configured)");
        }
        let relation = if self.working_at(date, minute) {
            "within"
        } else {
            "outside"
        };
        format!("{when}, {relation} {}", self.window())
    }

    /// The working time in words: "Mon–Fri 07:00–19:00".
    pub fn window(&self) -> String {
        let hours = format!(
            "{}–{}{}",
            hhmm(self.start),
            hhmm(self.end),
            if self.overnight() { " (overnight)" } else { "" }
        );
        match self.day_list() {
            Some(days) => format!("{days} {hours}"),
            None => "no working days".to_string(),
        }
    }

    /// The configured time zone's IANA name.
    pub fn timezone(&self) -> &'static str {
        self.tz.name()
    }

    fn local(&self, ts: Timestamp) -> Option<DateTime<Tz>> {
        let secs = i64::try_from(ts.secs()).ok()?;
        DateTime::from_timestamp(secs, ts.subsec_nanos()).map(|utc| utc.with_timezone(&self.tz))
    }

    fn overnight(&self) -> bool {
        self.end < self.start
    }

    /// A day on which a shift begins: a working weekday that is not a holiday.
    fn is_working_day(&self, date: NaiveDate) -> bool {
        let index = usize::try_from(date.weekday().num_days_from_monday()).unwrap_or(0);
        self.days.get(index).copied().unwrap_or(false)
    }

    fn shift_begins(&self, date: NaiveDate) -> bool {
        self.is_working_day(date) && !self.holidays.contains(&date)
    }

    /// Working intervals on local `date`, as `[from, to)` minutes of the day.
    fn intervals(&self, date: NaiveDate) -> [Option<(u16, u16)>; 2] {
        if self.holidays.contains(&date) {
            return [None, None];
        }
        if !self.overnight() {
            return [
                self.shift_begins(date).then_some((self.start, self.end)),
                None,
            ];
        }
        let spill = date
            .pred_opt()
            .filter(|&prev| self.shift_begins(prev) && self.end > 0)
            .map(|_| (0, self.end));
        let begin = self
            .shift_begins(date)
            .then_some((self.start, MINUTES_PER_DAY));
        [spill, begin]
    }

    fn working_at(&self, date: NaiveDate, minute: u16) -> bool {
        self.intervals(date)
            .into_iter()
            .flatten()
            .any(|(from, to)| from <= minute && minute < to)
    }

    /// "Mon–Fri" for a run of three or more days, else "Mon, Wed, Sat".
    fn day_list(&self) -> Option<String> {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let on: Vec<usize> = (0..7)
            .filter(|&i| self.days.get(i) == Some(&true))
            .collect();
        let (first, last) = (*on.first()?, *on.last()?);
        let name = |i: usize| names.get(i).copied().unwrap_or("?");
        if on.len() == 7 {
            return Some("every day".to_string());
        }
        if on.len() >= 3 && last - first + 1 == on.len() {
            return Some(format!("{}–{}", name(first), name(last)));
        }
        Some(on.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", "))
    }
}

fn minute_of_day(local: &DateTime<Tz>) -> u16 {
    // hour < 24 and minute < 60, so the product fits comfortably.
    u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0)
}

/// Local date-time `minute` minutes after `date`'s midnight (1440 = the next midnight).
fn at_minute(date: NaiveDate, minute: u16) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute))
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `mon` … `sun`, or full English names, any case.
fn parse_day(s: &str) -> Option<usize> {
    let day: Weekday = s.trim().parse().ok()?;
    usize::try_from(day.num_days_from_monday()).ok()
}

/// `HH:MM` (hour may be one digit) to minutes after midnight; `24:00` only if `allow_24`.
fn parse_hhmm(s: &str, allow_24: bool) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if allow_24 => Some(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Reads a holiday file: one `YYYY-MM-DD` per line, `#` starts a comment.
fn read_holidays(path: &Path) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    let read_err = |source| CalendarError::HolidayRead {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut text = String::new();
    file.take(MAX_HOLIDAY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_err)?;
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > MAX_HOLIDAY_FILE_BYTES {
        return Err(CalendarError::HolidayTooLarge {
            path: path.to_path_buf(),
            max: MAX_HOLIDAY_FILE_BYTES,
        });
    }
    let mut holidays = BTreeSet::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let date = parse_date(line).ok_or_else(|| CalendarError::HolidayLine {
            path: path.to_path_buf(),
            line: index + 1,
            text: line.chars().take(64).collect(),
        })?;
        holidays.insert(date);
        if holidays.len() > MAX_HOLIDAYS {
            return Err(CalendarError::TooManyHolidays {
                path: path.to_path_buf(),
                max: MAX_HOLIDAYS,
            });
        }
    }
    Ok(holidays)
}

/// Strict `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(tz: &str, days: &[&str], start: &str, end: &str, holidays: &str) -> BusinessHoursConfig {
        BusinessHoursConfig {
            timezone: tz.to_string(),
            days: days.iter().map(|d| d.to_string()).collect(),
            start: start.to_string(),
            end: end.to_string(),
            holidays: holidays.to_string(),
        }
    }

    const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

    fn office(tz: &str) -> BusinessHours {
        BusinessHours::new(&cfg(tz, WEEKDAYS, "07:00", "19:00", "")).unwrap()
    }

    /// Packet time of a UTC wall-clock moment "YYYY-MM-DD HH:MM:SS".
    fn utc(s: &str) -> Timestamp {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        Timestamp::from_parts(t.and_utc().timestamp(), 0)
    }

    #[test]
    fn sunday_night_is_off_tuesday_morning_is_working() {
        let bh = office("Europe/Tallinn");
        // 2026-11-22 is a Sunday; Tallinn is UTC+2 in November.
        let sunday = utc("2026-11-22 00:13:00");
        assert!(!bh.is_working(sunday));
        assert_eq!(
            bh.describe(sunday),
            "Sunday 02:13 Europe/Tallinn, outside Mon–Fri 07:00–19:00"
        );
        let tuesday = utc("2026-11-24 08:00:00");
        assert!(bh.is_working(tuesday));
        assert_eq!(bh.off_hours_period(tuesday), None);
        assert_eq!(
            bh.describe(tuesday),
            "Tuesday 10:00 Europe/Tallinn, within Mon–Fri 07:00–19:00"
        );
    }

    #[test]
    fn start_inclusive_end_exclusive() {
        let bh = office("UTC");
        // 2026-11-24 is a Tuesday.
        assert!(!bh.is_working(utc("2026-11-24 06:59:59")));
        assert!(bh.is_working(utc("2026-11-24 07:00:00")));
        assert!(bh.is_working(utc("2026-11-24 18:59:59")));
        assert!(!bh.is_working(utc("2026-11-24 19:00:00")));
    }

    #[test]
    fn berlin_window_follows_daylight_saving() {
        let bh = office("Europe/Berlin");
        // Summer time starts Sunday 2026-03-29 and ends Sunday 2026-10-25.
        // 05:30 UTC is 06:30 CET (off) in winter, 07:30 CEST (working) in summer.
        assert!(
            !bh.is_working(utc("2026-03-27 05:30:00")),
            "Friday before the change"
        );
        assert!(
            bh.is_working(utc("2026-03-30 05:30:00")),
            "Monday after the change"
        );
        // 17:30 UTC is 19:30 CEST (off) in summer, 18:30 CET (working) in winter.
        assert!(
            !bh.is_working(utc("2026-10-23 17:30:00")),
            "Friday before fall-back"
        );
        assert!(
            bh.is_working(utc("2026-10-26 17:30:00")),
            "Monday after fall-back"
        );
        // The night of the spring change: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST.
        assert_eq!(
            bh.describe(utc("2026-03-29 01:00:00")),
            "Sunday 03:00 Europe/Berlin, outside Mon–Fri 07:00–19:00"
        );
        // Friday 19:00 CET to Monday 07:00 CEST is one period across the change.
        let fri = bh.off_hours_period(utc("2026-03-27 18:30:00"));
        let mon = bh.off_hours_period(utc("2026-03-30 04:59:00"));
        assert!(fri.is_some());
        assert_eq!(fri, mon);
        assert_eq!(fri.unwrap().to_string(), "2026-03-27 19:00");
    }

    #[test]
    fn berlin_start_in_the_skipped_hour() {
        // A shift starting 02:30 on the spring-forward Sunday begins at 03:00 CEST.
        let bh = BusinessHours::new(&cfg("Europe/Berlin", &["sun"], "02:30", "10:00", "")).unwrap();
        assert!(!bh.is_working(utc("2026-03-29 00:59:00")), "01:59 CET");
        assert!(bh.is_working(utc("2026-03-29 01:00:00")), "03:00 CEST");
        // Fall-back Sunday: 02:30 happens twice; both are working time.
        assert!(bh.is_working(utc("2026-10-25 00:30:00")), "02:30 CEST");
        assert!(bh.is_working(utc("2026-10-25 01:30:00")), "02:30 CET");
        assert!(!bh.is_working(utc("2026-10-25 00:29:00")), "02:29 CEST");
    }

    #[test]
    fn holiday_is_a_whole_day_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("holidays.txt");
        std::fs::write(
            &path,
            "# Estonia\n2026-12-24  # Christmas Eve\n\n2026-12-25\n",
        )
        .unwrap();
        let bh = BusinessHours::new(&cfg(
            "Europe/Tallinn",
            WEEKDAYS,
            "07:00",
            "19:00",
            path.to_str().unwrap(),
        ))
        .unwrap();
        // Thursday 2026-12-24 10:00 local (08:00 UTC).
        let eve = utc("2026-12-24 08:00:00");
        assert!(!bh.is_working(eve));
        assert_eq!(
            bh.describe(eve),
            "Thursday 10:00 Europe/Tallinn, a holiday (2026-12-24)"
        );
        // Wednesday 23 is a normal day; the period runs from its 19:00 through
        // both holidays and the weekend to Monday 07:00.
        assert!(bh.is_working(utc("2026-12-23 08:00:00")));
        let period = bh.off_hours_period(eve).unwrap();
        assert_eq!(period.to_string(), "2026-12-23 19:00");
        assert_eq!(
            bh.off_hours_period(utc("2026-12-28 04:00:00")),
            Some(period)
        );
        assert!(bh.is_working(utc("2026-12-28 05:00:00")));
    }

    #[test]
    fn weekend_is_one_period_and_two_nights_are_two() {
        let bh = office("UTC");
        // Friday 2026-11-20 19:00 to Monday 2026-11-23 07:00.
        let fri = bh.off_hours_period(utc("2026-11-20 19:00:00")).unwrap();
        let sat = bh.off_hours_period(utc("2026-11-21 12:00:00")).unwrap();
        let mon = bh.off_hours_period(utc("2026-11-23 06:59:59")).unwrap();
        assert_eq!(fri, sat);
        assert_eq!(sat, mon);
        assert_eq!(fri.began().to_string(), "2026-11-20 19:00:00");
        // Monday night and Tuesday night are different periods; the small hours
        // of Tuesday belong to Monday night.
        let mon_night = bh.off_hours_period(utc("2026-11-23 22:00:00")).unwrap();
        let tue_early = bh.off_hours_period(utc("2026-11-24 03:00:00")).unwrap();
        let tue_night = bh.off_hours_period(utc("2026-11-24 22:00:00")).unwrap();
        assert_eq!(mon_night, tue_early);
        assert_ne!(mon_night, tue_night);
        assert_ne!(mon_night, fri);
    }

    #[test]
    fn overnight_shift_crosses_midnight() {
        // Night shift Monday to Friday, 22:00 to 06:00.
        let bh = BusinessHours::new(&cfg("UTC", WEEKDAYS, "22:00", "06:00", "")).unwrap();
        assert!(bh.is_working(utc("2026-11-23 22:00:00")), "Monday 22:00");
        assert!(
            bh.is_working(utc("2026-11-24 05:59:59")),
            "Tuesday 05:59, Monday's shift"
        );
        assert!(!bh.is_working(utc("2026-11-24 06:00:00")), "Tuesday 06:00");
        assert!(
            !bh.is_working(utc("2026-11-23 05:00:00")),
            "Monday 05:00: Sunday had no shift"
        );
        assert!(
            bh.is_working(utc("2026-11-21 05:00:00")),
            "Saturday 05:00, Friday's shift"
        );
        assert!(!bh.is_working(utc("2026-11-21 22:00:00")), "Saturday 22:00");
        assert!(
            bh.describe(utc("2026-11-24 12:00:00"))
                .ends_with("outside Mon–Fri 22:00–06:00 (overnight)")
        );
        // Saturday 06:00 to Monday 22:00 is one period; Tuesday's day another.
        let sat = bh.off_hours_period(utc("2026-11-21 06:00:00")).unwrap();
        let mon = bh.off_hours_period(utc("2026-11-23 21:59:00")).unwrap();
        assert_eq!(sat, mon);
        assert_eq!(sat.to_string(), "2026-11-21 06:00");
        let tue = bh.off_hours_period(utc("2026-11-24 12:00:00")).unwrap();
        assert_eq!(tue.to_string(), "2026-11-24 06:00");
    }

    #[test]
    fn overnight_shift_beginning_on_a_holiday_is_not_worked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.txt");
        std::fs::write(&path, "2026-11-24\n").unwrap();
        let bh = BusinessHours::new(&cfg(
            "UTC",
            WEEKDAYS,
            "22:00",
            "06:00",
            path.to_str().unwrap(),
        ))
        .unwrap();
        assert!(
            !bh.is_working(utc("2026-11-24 02:00:00")),
            "Monday's shift cut at the holiday's midnight"
        );
        assert!(
            !bh.is_working(utc("2026-11-24 23:00:00")),
            "no shift begins on the holiday"
        );
        assert!(!bh.is_working(utc("2026-11-25 03:00:00")));
        assert!(
            bh.describe(utc("2026-11-25 03:00:00"))
                .ends_with("in the night after a holiday (2026-11-24)")
        );
        // One period from the holiday's midnight to Wednesday 22:00.
        let a = bh.off_hours_period(utc("2026-11-24 00:00:00")).unwrap();
        let b = bh.off_hours_period(utc("2026-11-25 21:00:00")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2026-11-24 00:00");
    }

    #[test]
    fn end_at_midnight_and_all_day() {
        let bh = BusinessHours::new(&cfg("UTC", WEEKDAYS, "00:00", "24:00", "")).unwrap();
        assert!(bh.is_working(utc("2026-11-24 23:59:59")));
        assert!(bh.is_working(utc("2026-11-24 00:00:00")));
        assert!(!bh.is_working(utc("2026-11-22 12:00:00")), "Sunday");
        let p = bh.off_hours_period(utc("2026-11-22 12:00:00")).unwrap();
        assert_eq!(p.to_string(), "2026-11-21 00:00");
    }

    #[test]
    fn no_working_days_gives_one_period_per_day() {
        let bh = BusinessHours::new(&cfg("UTC", &[], "07:00", "19:00", "")).unwrap();
        assert!(!bh.is_working(utc("2026-11-24 10:00:00")));
        let a = bh.off_hours_period(utc("2026-11-24 10:00:00")).unwrap();
        let b = bh.off_hours_period(utc("2026-11-24 23:00:00")).unwrap();
        let c = bh.off_hours_period(utc("2026-11-25 01:00:00")).unwrap();
        assert_eq!(a, b);
        assert_ne!(b, c);
        assert!(
            bh.describe(utc("2026-11-24 10:00:00"))
                .ends_with("no working days are configured)")
        );
    }

    #[test]
    fn day_names_and_lists() {
        let bh = BusinessHours::new(&cfg(
            "UTC",
            &["Mon", "wednesday", "SAT"],
            "9:00",
            "17:30",
            "",
        ))
        .unwrap();
        assert_eq!(bh.window(), "Mon, Wed, Sat 09:00–17:30");
        assert!(bh.is_working(utc("2026-11-21 17:29:00")), "Saturday");
        assert!(!bh.is_working(utc("2026-11-24 12:00:00")), "Tuesday");
    }

    #[test]
    fn bad_configuration_names_the_key() {
        let err = BusinessHours::new(&cfg("Europe/Tallin", WEEKDAYS, "07:00", "19:00", ""))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "business_hours.timezone: unknown time zone `Europe/Tallin` (use an IANA name like Europe/Tallinn)"
        );
        let err = BusinessHours::new(&cfg("UTC", &["mon", "fr"], "07:00", "19:00", ""))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("business_hours.days: unknown day `fr`"),
            "{err}"
        );
        for bad in [
            "7", "07:0", "25:00", "07:60", "24:00", "ab:cd", "-1:00", "07:00:00",
        ] {
            let err = BusinessHours::new(&cfg("UTC", WEEKDAYS, bad, "19:00", ""))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("business_hours.start: `{bad}` is not a time")),
                "{err}"
            );
        }
        let err = BusinessHours::new(&cfg("UTC", WEEKDAYS, "07:00", "24:01", ""))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("business_hours.end: `24:01`"), "{err}");
        let err = BusinessHours::new(&cfg("UTC", WEEKDAYS, "08:00", "08:00", ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("leaves no working time"), "{err}");
    }

    #[test]
    fn bad_holiday_file_names_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("holidays.txt");
        std::fs::write(&path, "2026-12-24\n# ok\n2026-13-01\n").unwrap();
        let err = BusinessHours::new(&cfg(
            "UTC",
            WEEKDAYS,
            "07:00",
            "19:00",
            path.to_str().unwrap(),
        ))
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            format!(
                "holiday file {} line 3: bad date `2026-13-01` (expected YYYY-MM-DD, e.g. 2026-12-24)",
                path.display()
            )
        );
        std::fs::write(&path, "24.12.2026\n").unwrap();
        let err = BusinessHours::new(&cfg(
            "UTC",
            WEEKDAYS,
            "07:00",
            "19:00",
            path.to_str().unwrap(),
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 1: bad date `24.12.2026`"), "{err}");
        let missing = dir.path().join("nope.txt");
        let err = BusinessHours::new(&cfg(
            "UTC",
            WEEKDAYS,
            "07:00",
            "19:00",
            missing.to_str().unwrap(),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(&format!("cannot read holiday file {}", missing.display())),
            "{err}"
        );
    }

    #[test]
    fn absurd_timestamps_do_not_panic() {
        let bh = office("Europe/Berlin");
        for ts in [0, 1, u64::MAX, u64::MAX / 2, i64::MAX as u64] {
            let _ = bh.is_working(Timestamp(ts));
            let _ = bh.off_hours_period(Timestamp(ts));
            let _ = bh.describe(Timestamp(ts));
        }
        // The epoch was a Thursday, 01:00 in Berlin: off hours.
        assert!(!bh.is_working(Timestamp(0)));
    }
}
