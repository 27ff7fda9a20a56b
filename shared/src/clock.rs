//! Time: millisecond timestamps, calendar dates, and the clock handlers read them from.
//!
//! Formatting is done here rather than with a date-time crate: Dossier needs exactly two
//! formats (RFC 3339 UTC with milliseconds, and `YYYY-MM-DD`), and the arithmetic is a
//! few lines of well-known civil-calendar code.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MS_PER_DAY: i64 = 86_400_000;

/// An instant, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This instant moved by `millis` (negative moves back).
    pub const fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        let (year, month, day) = civil_from_days(self.0.div_euclid(MS_PER_DAY));
        Date { year, month, day }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds: `2026-11-26T10:21:38.123Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let secs = ms_of_day / 1000;
        write!(
            f,
            "{}T{:02}:{:02}:{:02}.{:03}Z",
            self.date(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            ms_of_day % 1000
        )
    }
}

impl Timestamp {
    /// Parses exactly the form [`Display`](fmt::Display) writes: `2026-11-26T10:21:38.123Z`.
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        let date = Date::parse(date)?;
        let time = time.strip_suffix('Z')?.as_bytes();
        if time.len() != 12 || time[2] != b':' || time[5] != b':' || time[8] != b'.' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = &time[range];
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let (hours, minutes, seconds, millis) =
            (digits(0..2)?, digits(3..5)?, digits(6..8)?, digits(9..12)?);
        if hours > 23 || minutes > 59 || seconds > 59 {
            return None;
        }
        let days = days_from_civil(date.year, date.month, date.day);
        Some(Self(
            days * MS_PER_DAY + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis,
        ))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| {
            serde::de::Error::custom("expected a timestamp YYYY-MM-DDTHH:MM:SS.mmmZ")
        })
    }
}

/// A calendar date (proleptic Gregorian, years 1 to 9999).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i64,
    month: u32,
    day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as `2026-02-30`.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        Date::new(i64::from(year), month, day)
    }

    /// The date `year`-`month`-`day`, if there is one (years 1 to 9999).
    pub fn new(year: i64, month: u32, day: u32) -> Option<Self> {
        let date = Date { year, month, day };
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= date.days_in_month())
        .then_some(date)
    }

    /// This date `months` months later; a day the target month lacks becomes its last
    /// (2028-02-29 plus 12 months is 2029-02-28), as retention periods are counted.
    /// Saturates at 9999-12-31.
    pub fn plus_months(self, months: u32) -> Self {
        let index = self.year * 12 + i64::from(self.month - 1) + i64::from(months);
        if index >= 10_000 * 12 {
            return Date {
                year: 9999,
                month: 12,
                day: 31,
            };
        }
        let mut date = Date {
            year: index / 12,
            month: (index % 12) as u32 + 1,
            day: 1,
        };
        date.day = self.day.min(date.days_in_month());
        date
    }

    fn days_in_month(&self) -> u32 {
        match self.month {
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).ok_or_else(|| serde::de::Error::custom("expected a date YYYY-MM-DD"))
    }
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01; Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Where handlers get "now" from: the system clock in production, a settable one in tests.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock that stands still at `at` until [`Clock::advance`] moves it.
    pub fn fixed(at: Timestamp) -> Self {
        Self {
            fixed: Some(Arc::new(AtomicI64::new(at.as_millis()))),
        }
    }

    /// Moves a fixed clock forward; a system clock ignores it.
    pub fn advance(&self, millis: i64) {
        if let Some(fixed) = &self.fixed {
            fixed.fetch_add(millis, Ordering::SeqCst);
        }
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match &self.fixed {
            Some(fixed) => Timestamp(fixed.load(Ordering::SeqCst)),
            None => {
                let since_epoch = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_with_millis() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_688_498_123).to_string(),
            "2026-11-26T10:21:38.123Z"
        );
        assert_eq!(
            Timestamp(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn timestamps_round_trip_through_text() {
        for millis in [
            0,
            951_782_400_000,
            1_795_688_498_123,
            253_402_300_799_999,
            86_399_999,
        ] {
            let ts = Timestamp(millis);
            assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts), "{ts}");
        }
        for bad in [
            "2026-11-26T10:21:38Z",
            "2026-11-26T24:00:00.000Z",
            "2026-11-26 10:21:38.000Z",
            "2026-11-26T10:21:38.000",
            "2026-02-30T00:00:00.000Z",
            "2026-11-26T10:61:00.000Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "0000-01-01",
            "2026-01-32",
            "2026-01-0a",
            "+026-01-01",
            "2026-01-01T",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_order_and_derive_from_timestamps() {
        let today = Timestamp(1_795_688_498_123).date();
        assert_eq!(today, Date::parse("2026-11-26").unwrap());
        assert!(Date::parse("2026-11-27").unwrap() > today);
        assert!(Date::parse("2025-12-31").unwrap() < today);
    }

    #[test]
    fn fixed_clock_advances() {
        let clock = Clock::fixed(Timestamp(1000));
        clock.advance(500);
        assert_eq!(clock.now(), Timestamp(1500));
        assert!(Clock::system().now() > Timestamp(1_700_000_000_000));
    }
}
