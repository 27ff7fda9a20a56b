//! `PATCH /records/{id}`: a JSON merge patch, applied only if `If-Match` names the current
//! version; the new version and its audit entry are written in one conditional transaction.
//! A record under a retention schedule has its retention date computed again when it
//! moves (its schedule may count from that move) or changes schedule.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::clock::Date;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{AuditEntry, Classification, RecordId, RecordPatch, Status, StoredRecord};
use shared::records::{find_visible, record_reply};
use shared::schedules::{AgencyDays, mark_named, named_schedule, retention_under_schedule};
use shared::store::{Store, retry};

/// Answers `PATCH /records/{id}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let id = request.path("id", RecordId::parse)?;
    let condition = request.if_match()?;
    let patch = RecordPatch::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    // A document change moves the record's chain but not its version: the write is then
    // refused, and redone from a fresh read as long as `If-Match` still holds.
    for _ in retry::attempts() {
        let current = find_visible(&deps.store, caller, &id).await?;
        if !condition.matches_strong(&current.record.etag()) {
            return Err(ApiError::PreconditionFailed);
        }
        let Some((next, entry)) = next_version(&current, &patch, &request, deps).await? else {
            return Ok(record_reply(StatusCode::OK, &current.record));
        };
        if next.record.schedule != current.record.schedule {
            mark_named(&deps.store, &next.record).await?;
        }
        let written = deps
            .store
            .update_if_version(&next, current.record.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            return Ok(record_reply(StatusCode::OK, &next.record));
        }
    }
    Err(ApiError::Conflict(
        "The record kept changing while it was updated; retry.".into(),
    ))
}

/// The record after `patch`, and its audit entry; `None` if the patch changes nothing.
/// Refuses what the caller's roles or the record's state do not allow.
async fn next_version<S: Store>(
    current: &StoredRecord,
    patch: &RecordPatch,
    request: &ApiRequest,
    deps: &Deps<S>,
) -> Result<Option<(StoredRecord, AuditEntry)>, ApiError> {
    let caller = &request.caller;
    let mut next = patch.apply_to(&current.record);
    let was = &current.record;
    next.stamp_move(was.status, request.now);
    if next.schedule.is_some() && patch.retention_until.is_some() {
        return Err(ApiError::invalid(
            "retention_until",
            "is computed from the record's schedule; change the schedule instead",
        ));
    }
    if next.schedule != was.schedule {
        // Which schedule governs a record is what decides when it may be destroyed.
        caller.require(Permission::Manage)?;
        if let Some(id) = &next.schedule {
            let schedule = named_schedule(&deps.store, &caller.agency, id).await?;
            let days = AgencyDays::of(&deps.store, &caller.agency).await?;
            next.retention_until = days.retention(&schedule, &next);
        }
    } else if next.status != was.status && next.schedule.is_some() {
        let days = AgencyDays::of(&deps.store, &caller.agency).await?;
        next.retention_until = retention_under_schedule(&deps.store, &next, &days).await?;
    }
    if next.status != was.status {
        caller.require(Permission::Manage)?;
        if !was.status.can_move_to(next.status) {
            return Err(ApiError::Conflict(format!(
                "A record cannot move from {} to {}.",
                was.status.as_str(),
                next.status.as_str()
            )));
        }
    }
    if next.held_directly() != was.held_directly() {
        caller.require(Permission::Manage)?;
    }
    if next.retention_until != was.retention_until {
        // Retention is what stands between a record and its deletion.
        caller.require(Permission::Manage)?;
        let frozen = was.status == Status::Archived || was.legal_hold;
        if frozen && !extends(was.retention_until, next.retention_until) {
            return Err(ApiError::Conflict(
                "The retention of an archived record, or of one under legal hold, can only be extended."
                    .into(),
            ));
        }
    }
    if next.classification == Classification::Confidential
        && was.classification != Classification::Confidential
    {
        caller.require(Permission::SeeConfidential)?;
    }
    if was.status == Status::Archived {
        let content_changed = next.title != was.title
            || next.description != was.description
            || next.classification != was.classification
            || next.tags != was.tags;
        if content_changed {
            return Err(ApiError::Conflict(
                "An archived record's content cannot change.".into(),
            ));
        }
    }

    Ok(current.revise(next, request.now, &caller.sub))
}

/// Whether retention until `next` keeps the record at least as long as until `was` (no
/// date: no retention).
fn extends(was: Option<Date>, next: Option<Date>) -> bool {
    match (was, next) {
        (_, None) => was.is_none(),
        (None, Some(_)) => true,
        (Some(was), Some(next)) => next >= was,
    }
}

#[cfg(test)]
mod tests;
