//! `PATCH /schedules/{id}`: an officer changes a schedule's name, period, event or action
//! (a JSON merge patch), only at the version `If-Match` names; the change and its audit
//! entry land together. Records already under it keep the date computed when their event
//! happened: the new rule applies from their next move and to disposition reviews.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{ScheduleId, SchedulePatch};
use shared::schedules::{find_schedule, schedule_reply};
use shared::store::{ScheduleStore, retry};

/// Answers `PATCH /schedules/{id}`.
pub async fn handle<S: ScheduleStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", ScheduleId::parse)?;
    let condition = request.if_match()?;
    let patch = SchedulePatch::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    // A record naming the schedule marks it in use without moving its version: the write
    // is then refused, and redone from a fresh read while `If-Match` still holds.
    for _ in retry::attempts() {
        let current = find_schedule(&deps.store, &caller.agency, &id).await?;
        if !condition.matches_strong(&current.schedule.etag()) {
            return Err(ApiError::PreconditionFailed);
        }
        let Some((next, entry)) = current.revise(&patch, request.now, &caller.sub) else {
            return Ok(schedule_reply(StatusCode::OK, &current.schedule));
        };
        let written = deps
            .store
            .update_schedule(&next, current.schedule.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            return Ok(schedule_reply(StatusCode::OK, &next.schedule));
        }
    }
    Err(ApiError::Conflict(
        "The schedule kept changing while it was updated; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
