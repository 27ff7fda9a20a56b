//! `POST /holds/{id}/records`: an officer places a record (`{record_id}`) under an active
//! hold. The record's next version (its `holds`, and `legal_hold`) and the hold's land in
//! one write, each with its audit entry. Placing it again changes nothing.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::{cover_record, hold_reply};
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldId, RecordId};
use shared::store::Store;

/// Answers `POST /holds/{id}/records`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", HoldId::parse)?;
    let body = request.json()?;
    let record = record_id(&body)?;
    let (hold, _) = cover_record(&deps.store, caller, &id, &record, true, request.now).await?;
    Ok(hold_reply(StatusCode::OK, &hold.hold))
}

/// The body's `record_id`, and nothing else.
fn record_id(body: &serde_json::Value) -> Result<RecordId, ApiError> {
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("body", "must be a JSON object"))?;
    if let Some(other) = object.keys().find(|key| *key != "record_id") {
        return Err(ApiError::invalid(
            other.clone(),
            "is not a field that can be set here",
        ));
    }
    object
        .get("record_id")
        .and_then(serde_json::Value::as_str)
        .and_then(RecordId::parse)
        .ok_or_else(|| ApiError::invalid("record_id", "must be a record id"))
}

#[cfg(test)]
mod tests;
