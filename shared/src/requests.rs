//! What the records-request routes share: the agency's calendar, on which numbers and due
//! dates are worked out.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::model::{AgencyProfile, DeadlineRules, Wait};

/// An agency's time zone and deadline rules.
pub struct AgencyCalendar {
    zone: TimeZone,
    rules: DeadlineRules,
}

impl AgencyCalendar {
    /// The calendar `profile` sets. Its zone was checked when the profile was written, so
    /// an unknown one is our fault (a 500), not the caller's.
    pub fn of(profile: &AgencyProfile) -> Result<Self, ApiError> {
        let zone = TimeZone::get(&profile.timezone)
            .map_err(|e| ApiError::Internal(format!("the agency's time zone: {e}")))?;
        Ok(Self {
            zone,
            rules: profile.requests.deadline.clone(),
        })
    }

    /// The agency's year at `at`: the one a request arriving then is numbered in.
    pub fn year_of(&self, at: Timestamp) -> i16 {
        jiff::Timestamp::from_millisecond(at.as_millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .year()
    }

    /// When a request received at `received_at` is due, having waited as `waits` says,
    /// extended or not; `None` while the clock is stopped.
    pub fn due_date(&self, received_at: Timestamp, waits: &[Wait], extended: bool) -> Option<Date> {
        self.rules
            .due_date(received_at, &self.zone, waits, extended)
    }
}
