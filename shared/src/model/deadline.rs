//! When a records request must be answered: the agency's rules (days to respond, business
//! or calendar days, holidays, the one extension, what a clarification does to the clock)
//! applied on the agency's calendar. Data, not code: every agency sets its own.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// How the days to respond are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayCount {
    /// Monday to Friday, except the agency's holidays.
    Business,
    /// Every day; a deadline that falls on a weekend or holiday moves to the next
    /// business day.
    Calendar,
}

/// What asking the requester to clarify does to the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnClarification {
    /// It stops while the agency waits, and goes on with the days that were left.
    Pause,
    /// It starts again, in full, from the answer.
    Restart,
}

/// An agency's rules for answering requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRules {
    /// Days to respond, counted as `counting` says.
    pub days_to_respond: u32,
    /// How days are counted.
    pub counting: DayCount,
    /// Days the office is closed besides weekends.
    pub holidays: BTreeSet<Date>,
    /// Days the one extension adds, counted the same way.
    pub extension_days: u32,
    /// When the office closes: what arrives at or after this time (or on a day the office
    /// is closed) counts as received on the next business day. Written `HH:MM`.
    #[serde(with = "hours_and_minutes")]
    pub office_closes: Time,
    /// What asking for a clarification does to the clock.
    pub on_clarification: OnClarification,
}

impl Default for DeadlineRules {
    /// The US federal FOIA's: 20 business days, 10 more once, the clock paused while
    /// waiting for a clarification.
    fn default() -> Self {
        Self {
            days_to_respond: 20,
            counting: DayCount::Business,
            holidays: BTreeSet::new(),
            extension_days: 10,
            office_closes: Time::constant(17, 0, 0, 0),
            on_clarification: OnClarification::Pause,
        }
    }
}

/// A time the agency waited for the requester: from asking to the answer (none yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    /// When the agency asked for a clarification.
    pub asked_at: Timestamp,
    /// When the requester answered, if they have.
    pub answered_at: Option<Timestamp>,
}

impl DeadlineRules {
    /// Whether the office is open on `day`.
    pub fn is_business_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    /// Whether `day` is counted toward a deadline.
    fn counts(&self, day: Date) -> bool {
        match self.counting {
            DayCount::Business => self.is_business_day(day),
            DayCount::Calendar => true,
        }
    }

    /// The business day something arriving at `at` counts as received on.
    pub fn received_day(&self, at: Timestamp, zone: &TimeZone) -> Date {
        let local = jiff::Timestamp::from_millisecond(at.as_millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(zone.clone())
            .datetime();
        let day = local.date();
        if self.is_business_day(day) && local.time() < self.office_closes {
            day
        } else {
            self.next_business_day(day)
        }
    }

    fn next_business_day(&self, mut day: Date) -> Date {
        loop {
            day = day.tomorrow().unwrap_or(day);
            if self.is_business_day(day) || day == Date::MAX {
                return day;
            }
        }
    }

    /// The `days`th business day after `start`: "due within two business days" of today
    /// means due on or before `business_days_after(today, 2)`.
    pub fn business_days_after(&self, start: Date, days: u32) -> Date {
        (0..days).fold(start, |day, _| self.next_business_day(day))
    }

    /// The day `days` counted days after `start`, moved to a business day if it is not one.
    fn add(&self, start: Date, days: u32) -> Date {
        let mut day = start;
        let mut left = days;
        while left > 0 && day < Date::MAX {
            day = day.tomorrow().unwrap_or(day);
            if self.counts(day) {
                left -= 1;
            }
        }
        if self.is_business_day(day) {
            day
        } else {
            self.next_business_day(day)
        }
    }

    /// How many counted days after `start` fall on or before `end`.
    fn counted_between(&self, start: Date, end: Date) -> u32 {
        let mut day = start;
        let mut counted = 0;
        while day < end {
            day = day.tomorrow().unwrap_or(end);
            if self.counts(day) {
                counted += 1;
            }
        }
        counted
    }

    /// The due date of a request received at `received_at`, the agency having waited for
    /// the requester as `waits` says (oldest first), extended or not. `None` while the agency
    /// waits for an answer: the clock is stopped.
    pub fn due_date(
        &self,
        received_at: Timestamp,
        zone: &TimeZone,
        waits: &[Wait],
        extended: bool,
    ) -> Option<Date> {
        let mut start = self.received_day(received_at, zone);
        let mut left = self.days_to_respond;
        for wait in waits {
            let answered_at = wait.answered_at?;
            let asked = self.received_day(wait.asked_at, zone);
            // Asked once the deadline had passed: the request stays as late as it was.
            if asked > self.add(start, left) {
                continue;
            }
            left = match self.on_clarification {
                // The day it is asked counts as used: the requester never loses a day.
                OnClarification::Pause => left.saturating_sub(self.counted_between(start, asked)),
                OnClarification::Restart => self.days_to_respond,
            };
            start = self.received_day(answered_at, zone);
        }
        let extension = if extended { self.extension_days } else { 0 };
        Some(self.add(start, left + extension))
    }
}

/// A time of day as `HH:MM`, the way people write an office's hours.
mod hours_and_minutes {
    use jiff::civil::Time;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &Time, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:02}:{:02}", time.hour(), time.minute()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Time, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("not a time of day, HH:MM"))
    }

    /// `HH:MM`, and nothing else.
    pub fn parse(text: &str) -> Option<Time> {
        let (hour, minute) = text.split_once(':')?;
        if hour.len() != 2 || minute.len() != 2 {
            return None;
        }
        Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
    }
}

pub(crate) use hours_and_minutes::parse as parse_time_of_day;

#[cfg(test)]
mod tests;
