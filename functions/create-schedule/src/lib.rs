//! `POST /schedules`: an officer creates a retention schedule, and the first entry of its
//! audit chain, in one write. An agency has at most
//! [`SCHEDULES_PER_AGENCY`](shared::model::schedule_limits::SCHEDULES_PER_AGENCY).

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{ScheduleBody, ScheduleId, StoredSchedule, schedule_limits};
use shared::schedules::schedule_reply;
use shared::store::{ScheduleStore, StoreError};

/// Answers `POST /schedules`.
pub async fn handle<S: ScheduleStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let (caller, now) = (&request.caller, request.now);
    caller.require(Permission::Manage)?;
    let body = ScheduleBody::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    // Two creations racing past this check may end one over the limit: it bounds the
    // list's size, it is not an invariant anything depends on.
    let existing = deps.store.list_schedules(&caller.agency).await?;
    if existing.len() >= schedule_limits::SCHEDULES_PER_AGENCY {
        return Err(ApiError::Conflict(format!(
            "An agency has at most {} schedules; change one instead.",
            schedule_limits::SCHEDULES_PER_AGENCY
        )));
    }
    let id = ScheduleId::generate(now);
    let (stored, entry) = StoredSchedule::create(id, caller.agency.clone(), body, now, &caller.sub);
    match deps.store.create_schedule(&stored, &entry).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => {
            return Err(ApiError::Internal("schedule id collision".into()));
        }
        Err(error) => return Err(error.into()),
    }
    let schedule = &stored.schedule;
    Ok(schedule_reply(StatusCode::CREATED, schedule)
        .header(LOCATION, format!("/schedules/{}", schedule.id)))
}

#[cfg(test)]
mod tests;
