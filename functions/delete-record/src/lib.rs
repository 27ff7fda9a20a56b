//! `DELETE /records/{id}`: removes a record (its history stays), only at the version named
//! by `If-Match`, and never while it is under legal hold or retention (a record under a
//! schedule whose period has not started yet is under retention).

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{AuditAction, Changes, RecordId};
use shared::records::find_visible;
use shared::store::{Store, retry};

/// Answers `DELETE /records/{id}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", RecordId::parse)?;
    let condition = request.if_match()?;
    // A document change moves the record's chain but not its version: the delete is then
    // refused, and redone from a fresh read as long as `If-Match` still holds.
    for _ in retry::attempts() {
        let current = find_visible(&deps.store, caller, &id).await?;
        let record = &current.record;
        if !condition.matches_strong(&record.etag()) {
            return Err(ApiError::PreconditionFailed);
        }
        if record.legal_hold {
            return Err(ApiError::Conflict("The record is under legal hold.".into()));
        }
        if let Some(until) = record
            .retention_until
            .filter(|until| *until > request.now.date())
        {
            return Err(ApiError::Conflict(format!(
                "The record must be retained until {until}."
            )));
        }
        if record.schedule.is_some() && record.retention_until.is_none() {
            // Its schedule counts from an event still to come: it is kept until then.
            return Err(ApiError::Conflict(
                "The record is kept under a retention schedule whose period has not started; take it off the schedule first.".into(),
            ));
        }
        let (_, entry) = current.append(
            request.now,
            &caller.sub,
            AuditAction::Delete,
            Changes::new(),
        );
        let written = deps
            .store
            .delete_if_version(&caller.agency, &id, record.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
    }
    Err(ApiError::Conflict(
        "The record kept changing while it was deleted; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
