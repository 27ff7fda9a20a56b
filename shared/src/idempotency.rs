//! `Idempotency-Key` for creating routes: a retry with the same key and body replays the
//! first response and creates nothing; the same key with another body is a 422. Keys are
//! scoped by agency, caller (`sub`) and route, so nobody replays or pre-claims another
//! person's key, and kept for 24 hours.

use http::StatusCode;
use http::header::HeaderName;
use serde_json::Value;

use crate::auth::Caller;
use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::{ApiRequest, Reply};
use crate::model::{canonical_json, sha256_hex};
use crate::store::{IdempotencyStore, IdempotentResponse, StoreError};

/// How long a key is remembered.
pub const KEY_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Marks a replayed response.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The request's idempotency key (if any) and the fingerprint of its body.
pub struct Idempotency {
    key: Option<String>,
    request_hash: String,
}

impl Idempotency {
    /// Reads `Idempotency-Key` (1 to 255 visible ASCII characters) and fingerprints `body`
    /// (its JCS form, so whitespace and key order do not make a retry look different).
    /// The key is kept as the SHA-256 of the request's route, the caller's `sub` and the
    /// key itself: one caller's key never answers another's request.
    pub fn of(request: &ApiRequest, body: &Value) -> Result<Self, ApiError> {
        let key = request.header("idempotency-key")?;
        if key.is_some_and(|key| {
            key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic())
        }) {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        // Newline-separated: a route has none, a `sub` none that a token would carry, a
        // key none at all, so no two triples hash the same text.
        let scoped = key.map(|key| {
            let scope = format!("{}\n{}\n{key}", request.route(), request.caller.sub);
            sha256_hex(scope.as_bytes())
        });
        Ok(Self {
            key: scoped,
            request_hash: sha256_hex(canonical_json(body).as_bytes()),
        })
    }

    /// The first response, if this key was seen before (422 if with another body).
    pub async fn replay<S: IdempotencyStore>(
        &self,
        store: &S,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Option<Reply>, ApiError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match store.get_idempotent(&caller.agency, key, now).await? {
            Some(kept) => self.replay_kept(&kept).map(Some),
            None => Ok(None),
        }
    }

    /// What to keep for `reply`, to be written atomically with the creation.
    pub fn keep(
        &self,
        caller: &Caller,
        reply: &Reply,
        now: Timestamp,
    ) -> Option<IdempotentResponse> {
        let key = self.key.as_ref()?;
        Some(IdempotentResponse {
            agency: caller.agency.clone(),
            key: key.clone(),
            request_hash: self.request_hash.clone(),
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
            expires_at: now.plus_millis(KEY_TTL_MS),
        })
    }

    /// After a create lost the race for its key to a concurrent request: that request's
    /// response.
    pub async fn replay_winner<S: IdempotencyStore>(
        &self,
        store: &S,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Reply, ApiError> {
        self.replay(store, caller, now)
            .await?
            .ok_or_else(|| StoreError::IdempotencyKeyTaken.into())
    }

    fn replay_kept(&self, kept: &IdempotentResponse) -> Result<Reply, ApiError> {
        if kept.request_hash != self.request_hash {
            return Err(ApiError::IdempotencyKeyReused);
        }
        let body = serde_json::from_str(&kept.body)
            .map_err(|e| ApiError::Internal(format!("kept response: {e}")))?;
        let mut reply = Reply::ok(body);
        reply.status =
            StatusCode::from_u16(kept.status).map_err(|e| ApiError::Internal(e.to_string()))?;
        for (name, value) in &kept.headers {
            if let Ok(name) = HeaderName::try_from(name.as_str()) {
                reply = reply.header(name, value.clone());
            }
        }
        Ok(reply.header(REPLAYED, "true"))
    }
}
