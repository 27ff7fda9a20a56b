//! What the schedule routes and the record routes share: finding a schedule, answering
//! with one, and putting a record under one.

use http::StatusCode;
use http::header::ETAG;
use serde_json::json;

use crate::clock::Date;
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{AgencyId, Record, Schedule, ScheduleId, StoredSchedule};
use crate::store::{ScheduleStore, StoreError};

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

/// The retention date of `record` under the schedule it names, read afresh (its event may
/// just have happened); its hand-set date if it names none. A schedule in use cannot be
/// deleted, so a missing one is an error of the store, not of the caller.
pub async fn retention_under_schedule<S: ScheduleStore>(
    store: &S,
    record: &Record,
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
    Ok(stored.schedule.retention_of(record))
}
