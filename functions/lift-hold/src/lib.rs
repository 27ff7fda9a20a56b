//! `DELETE /holds/{id}/records/{record_id}`: an officer lifts a hold from one record; the
//! record stays held if another hold, or its own, still covers it. 404 if the hold does
//! not cover it.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::cover_record;
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldId, RecordId};
use shared::store::Store;

/// Answers `DELETE /holds/{id}/records/{record_id}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", HoldId::parse)?;
    let record = request.path("record_id", RecordId::parse)?;
    let (_, lifted) = cover_record(&deps.store, caller, &id, &record, false, request.now).await?;
    if !lifted {
        return Err(ApiError::NotFound);
    }
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests;
