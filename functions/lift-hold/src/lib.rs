//! `DELETE /holds/{id}/records/{record_id}`: an officer lifts a hold from one record; the
//! record stays held if another hold, or its own, still covers it. 404 if the hold does
//! not cover it.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::{cover_record, find_hold};
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldId, RecordId};
use shared::records::find_visible;
use shared::store::Store;

/// Answers `DELETE /holds/{id}/records/{record_id}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", HoldId::parse)?;
    let record = request.path("record_id", RecordId::parse)?;
    find_hold(&deps.store, caller, &id).await?;
    let current = find_visible(&deps.store, caller, &record).await?;
    if !current.record.holds.contains(&id) {
        return Err(ApiError::NotFound);
    }
    cover_record(&deps.store, caller, &id, &record, false, request.now).await?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests;
