//! `DELETE /schedules/{id}`: an officer deletes a schedule no record has ever named, only
//! at the version `If-Match` names; its audit chain stays. One in use is part of its
//! records' provenance: 409, change it instead.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::ScheduleId;
use shared::schedules::find_schedule;
use shared::store::{ScheduleStore, StoreError};

/// Answers `DELETE /schedules/{id}`.
pub async fn handle<S: ScheduleStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", ScheduleId::parse)?;
    let condition = request.if_match()?;
    let current = find_schedule(&deps.store, &caller.agency, &id).await?;
    let schedule = &current.schedule;
    if !condition.matches_strong(&schedule.etag()) {
        return Err(ApiError::PreconditionFailed);
    }
    let in_use = || {
        ApiError::Conflict(
            "Records have been kept under this schedule; it cannot be deleted.".into(),
        )
    };
    if schedule.in_use {
        return Err(in_use());
    }
    let entry = current.deletion(request.now, &caller.sub);
    match deps
        .store
        .delete_schedule(&caller.agency, &id, schedule.version, &entry)
        .await
    {
        Ok(()) => Ok(Reply::empty(StatusCode::NO_CONTENT)),
        // A record named it, or an officer changed it, since it was read: say which.
        Err(StoreError::ConditionFailed) => {
            match deps.store.get_schedule(&caller.agency, &id).await? {
                Some(now) if now.schedule.in_use => Err(in_use()),
                _ => Err(ApiError::PreconditionFailed),
            }
        }
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests;
