//! `POST /records`: creates a draft record and its first audit entry, atomically.
//! With `Idempotency-Key`, a retry replays the first response and creates nothing.

use lambda_http::http::StatusCode;
use lambda_http::http::header::{HeaderName, LOCATION};
use serde_json::Value;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{
    AuditAction, AuditEntry, ChainHead, Classification, NewRecord, RecordId, StoredRecord,
};
use shared::model::{canonical_json, sha256_hex};
use shared::records::record_reply;
use shared::store::{IdempotentResponse, Store, StoreError};

/// How long an idempotency key is remembered.
const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Answers `POST /records`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let key = idempotency_key(&request)?;
    let body = request.json()?;
    let new = NewRecord::from_json(&body).map_err(ApiError::invalid_fields)?;
    if new.classification == Classification::Confidential {
        // A clerk could not see the record afterwards; only those who can may create one.
        caller.require(Permission::SeeConfidential)?;
    }
    let request_hash = sha256_hex(canonical_json(&body).as_bytes());
    if let Some(key) = key
        && let Some(kept) = deps
            .store
            .get_idempotent(&caller.agency, key, request.now)
            .await?
    {
        return replay(&kept, &request_hash);
    }

    let record = new.into_record(
        RecordId::generate(request.now),
        caller.agency.clone(),
        &caller.sub,
        request.now,
    );
    let entry = AuditEntry::next(
        &ChainHead::genesis(),
        request.now,
        &caller.sub,
        AuditAction::Create,
        record.creation_changes(),
    );
    let reply = record_reply(StatusCode::CREATED, &record)
        .header(LOCATION, format!("/records/{}", record.id));
    let kept = key.map(|key| IdempotentResponse {
        agency: caller.agency.clone(),
        key: key.to_owned(),
        request_hash: request_hash.clone(),
        status: reply.status.as_u16(),
        headers: reply
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect(),
        body: reply
            .body
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default(),
        expires_at: request.now.plus_millis(IDEMPOTENCY_TTL_MS),
    });
    let stored = StoredRecord {
        record,
        head: entry.head(),
    };
    match deps
        .store
        .create_record(&stored, &entry, kept.as_ref())
        .await
    {
        Ok(()) => Ok(reply),
        // Another request with the same key won the race: answer as it did.
        Err(StoreError::IdempotencyKeyTaken) => match deps
            .store
            .get_idempotent(&caller.agency, key.unwrap_or_default(), request.now)
            .await?
        {
            Some(kept) => replay(&kept, &request_hash),
            None => Err(StoreError::IdempotencyKeyTaken.into()),
        },
        Err(StoreError::ConditionFailed) => Err(ApiError::Internal("record id collision".into())),
        Err(error) => Err(error.into()),
    }
}

/// `Idempotency-Key`: 1 to 255 visible ASCII characters, if sent.
fn idempotency_key(request: &ApiRequest) -> Result<Option<&str>, ApiError> {
    let key = request.header("idempotency-key")?;
    match key {
        Some(key)
            if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Err(ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ))
        }
        _ => Ok(key),
    }
}

/// The kept response, if this is a retry of the same request; 422 if the key was used
/// for a different one.
fn replay(kept: &IdempotentResponse, request_hash: &str) -> Result<Reply, ApiError> {
    if kept.request_hash != request_hash {
        return Err(ApiError::IdempotencyKeyReused);
    }
    let body = serde_json::from_str(&kept.body)
        .map_err(|e| ApiError::Internal(format!("kept response: {e}")))?;
    let mut reply = Reply::created(body);
    reply.status =
        StatusCode::from_u16(kept.status).map_err(|e| ApiError::Internal(e.to_string()))?;
    for (name, value) in &kept.headers {
        if let Ok(name) = HeaderName::try_from(name.as_str()) {
            reply = reply.header(name, value.clone());
        }
    }
    Ok(reply.header(REPLAYED, "true"))
}

#[cfg(test)]
mod tests;
