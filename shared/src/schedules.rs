//! What the schedule routes and the record routes share: finding a schedule, answering
//! with one, and putting a record under one.

use http::StatusCode;
use http::header::ETAG;
use serde_json::json;

use crate::clock::{Date, Timestamp};
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{AgencyId, Record, Schedule, ScheduleId, StoredSchedule};
use crate::requests::AgencyCalendar;
use crate::store::{AgencyStore, ScheduleStore, StoreError};

/// Schedule `id` of `agency`; 404 if there is none (another agency's is none).
pub async fn find_schedule<S: ScheduleStore>(
    store: &S,
    agency: &AgencyId,
    id: &ScheduleId,
) -> Result<StoredSchedule, ApiError> {
    store
        .get_schedule(agency, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `schedule` as the body, with `status` and its `ETag`.
pub fn schedule_reply(status: StatusCode, schedule: &Schedule) -> Reply {
    Reply::new(status, Some(json!(schedule))).header(ETAG, schedule.etag())
}

/// Schedule `id` of `agency`, which a record is about to name: one that is not there is
/// the caller's mistake, a 400 on `schedule`.
pub async fn named_schedule<S: ScheduleStore>(
    store: &S,
    agency: &AgencyId,
    id: &ScheduleId,
) -> Result<Schedule, ApiError> {
    match store.get_schedule(agency, id).await? {
        Some(stored) => Ok(stored.schedule),
        None => Err(not_a_schedule()),
    }
}

/// Marks the schedule `record` names in use, right before the write that names it, so it
/// cannot be deleted from under the record (a deletion that came first: a 400).
pub async fn mark_named<S: ScheduleStore>(store: &S, record: &Record) -> Result<(), ApiError> {
    let Some(id) = &record.schedule else {
        return Ok(());
    };
    match store.mark_schedule_used(&record.agency, id).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed) => Err(not_a_schedule()),
        Err(error) => Err(error.into()),
    }
}

fn not_a_schedule() -> ApiError {
    ApiError::invalid("schedule", "is not a schedule of this agency")
}

/// How an agency counts days: in its time zone once it has a profile, in UTC before.
pub struct AgencyDays(Option<AgencyCalendar>);

impl AgencyDays {
    /// `agency`'s, from its profile (one read).
    pub async fn of<S: AgencyStore>(store: &S, agency: &AgencyId) -> Result<Self, ApiError> {
        match store.get_agency(agency).await? {
            Some(stored) => Ok(Self(Some(AgencyCalendar::of(&stored.profile)?))),
            None => Ok(Self(None)),
        }
    }

    /// The agency's day at `at`.
    pub fn date_of(&self, at: Timestamp) -> Date {
        match &self.0 {
            Some(calendar) => {
                let day = calendar.date_of(at);
                let (year, month, day) = (day.year(), day.month(), day.day());
                // Month and day are in range by construction; a year past 9999 is not.
                Date::new(
                    i64::from(year),
                    month.unsigned_abs().into(),
                    day.unsigned_abs().into(),
                )
                .unwrap_or_else(|| at.date())
            }
            None => at.date(),
        }
    }

    /// The retention date `schedule` gives `record`, counted in these days.
    pub fn retention(&self, schedule: &Schedule, record: &Record) -> Option<Date> {
        schedule.retention_of(record, |at| self.date_of(at))
    }
}

/// The retention date of `record` under the schedule it names, read afresh (its event may
/// just have happened), in the agency's `days`; its hand-set date if it names none. A
/// schedule in use cannot be deleted, so a missing one is an error of the store, not of
/// the caller.
pub async fn retention_under_schedule<S: ScheduleStore>(
    store: &S,
    record: &Record,
    days: &AgencyDays,
) -> Result<Option<Date>, ApiError> {
    let Some(id) = &record.schedule else {
        return Ok(record.retention_until);
    };
    let stored = store
        .get_schedule(&record.agency, id)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(format!("record {} names no schedule {id}", record.id))
        })?;
    Ok(days.retention(&stored.schedule, record))
}
