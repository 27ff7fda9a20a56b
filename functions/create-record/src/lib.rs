//! `POST /records`: creates a draft record and its first audit entry, atomically.
//! With `Idempotency-Key`, a retry replays the first response and creates nothing. A
//! record named under a retention schedule gets its retention date from it.

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::idempotency::Idempotency;
use shared::model::{Classification, NewRecord, RecordId, StoredRecord};
use shared::records::record_reply;
use shared::schedules::{AgencyDays, mark_named, named_schedule};
use shared::store::{Store, StoreError};

/// Answers `POST /records`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let (caller, now) = (&request.caller, request.now);
    caller.require(Permission::Edit)?;
    let body = request.json()?;
    let idempotency = Idempotency::of(&request, &body)?;
    let new = NewRecord::from_json(&body).map_err(ApiError::invalid_fields)?;
    if new.classification == Classification::Confidential {
        // A clerk could not see the record afterwards; only those who can may create one.
        caller.require(Permission::SeeConfidential)?;
    }
    if let Some(first) = idempotency.replay(&deps.store, now).await? {
        return Ok(first);
    }

    let schedule = match &new.schedule {
        Some(id) => Some(named_schedule(&deps.store, &caller.agency, id).await?),
        None => None,
    };
    let mut record = new.into_record(
        RecordId::generate(now),
        caller.agency.clone(),
        &caller.sub,
        now,
    );
    if let Some(schedule) = schedule {
        let days = AgencyDays::of(&deps.store, &caller.agency).await?;
        record.retention_until = days.retention(&schedule, &record);
        mark_named(&deps.store, &record).await?;
    }
    let reply = record_reply(StatusCode::CREATED, &record)
        .header(LOCATION, format!("/records/{}", record.id));
    let kept = idempotency.keep(&reply, now);
    let (stored, entry) = StoredRecord::create(record);
    match deps
        .store
        .create_record(&stored, &entry, kept.as_ref())
        .await
    {
        Ok(()) => Ok(reply),
        Err(StoreError::IdempotencyKeyTaken) => idempotency.replay_winner(&deps.store, now).await,
        Err(StoreError::ConditionFailed) => Err(ApiError::Internal("record id collision".into())),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests;
