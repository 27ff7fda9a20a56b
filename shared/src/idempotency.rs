//! `Idempotency-Key` for creating routes: a retry with the same key and body replays the
//! first response and creates nothing; the same key with another body is a 422. Keys are
//! scoped by agency, caller (`sub`) and route, so nobody replays or pre-claims another
//! person's key, and kept for 24 hours. A public route has no caller: its keys must be
//! long enough to be unguessable, and a replay needs the very same body as well.

use http::StatusCode;
use http::header::HeaderName;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::{ApiRequest, PublicRequest, Reply};
use crate::model::{AgencyId, canonical_json, sha256_hex};
use crate::store::{IdempotencyStore, IdempotentResponse, StoreError};

/// How long a key is remembered.
pub const KEY_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Marks a replayed response.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Fewest characters in a public route's key: a random UUID has 36.
pub const PUBLIC_KEY_MIN_CHARS: usize = 16;

/// The request's idempotency key (if any), the agency it is kept under, and the
/// fingerprint of its body.
pub struct Idempotency {
    agency: AgencyId,
    key: Option<String>,
    request_hash: String,
}

impl Idempotency {
    /// Reads `Idempotency-Key` (1 to 255 visible ASCII characters) and fingerprints `body`
    /// (its JCS form, so whitespace and key order do not make a retry look different).
    /// The key is kept as the SHA-256 of the request's route, its path (so one key on two
    /// records requests is two keys), the caller's `sub` and the key itself: one caller's
    /// key never answers another's request.
    pub fn of(request: &ApiRequest, body: &Value) -> Result<Self, ApiError> {
        let caller = &request.caller;
        Self::scoped(request, &caller.agency, &caller.sub, 1, body)
    }

    /// The same for a public route to `agency`, where anyone may send any key: keys of
    /// [`PUBLIC_KEY_MIN_CHARS`] to 255 characters.
    pub fn public(
        request: &PublicRequest,
        agency: &AgencyId,
        body: &Value,
    ) -> Result<Self, ApiError> {
        Self::scoped(request, agency, "", PUBLIC_KEY_MIN_CHARS, body)
    }

    fn scoped(
        request: &PublicRequest,
        agency: &AgencyId,
        sub: &str,
        min_chars: usize,
        body: &Value,
    ) -> Result<Self, ApiError> {
        let key = request.header("idempotency-key")?;
        if key.is_some_and(|key| {
            key.len() < min_chars || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic())
        }) {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                format!("must be {min_chars} to 255 visible ASCII characters"),
            ));
        }
        // Newline-separated: a route and a path have none, a `sub` none that a token would
        // carry (and a public route's is empty, which no token's is), a key none at all, so
        // no two of these hash the same text.
        let scoped = key.map(|key| {
            let scope = format!(
                "{}\n{}\n{sub}\n{key}",
                request.route(),
                request.target_path()
            );
            sha256_hex(scope.as_bytes())
        });
        Ok(Self {
            agency: agency.clone(),
            key: scoped,
            request_hash: sha256_hex(canonical_json(body).as_bytes()),
        })
    }

    /// The first response, if this key was seen before (422 if with another body).
    pub async fn replay<S: IdempotencyStore>(
        &self,
        store: &S,
        now: Timestamp,
    ) -> Result<Option<Reply>, ApiError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match store.get_idempotent(&self.agency, key, now).await? {
            Some(kept) => self.replay_kept(&kept).map(Some),
            None => Ok(None),
        }
    }

    /// What to keep for `reply`, to be written atomically with the creation.
    pub fn keep(&self, reply: &Reply, now: Timestamp) -> Option<IdempotentResponse> {
        let key = self.key.as_ref()?;
        Some(IdempotentResponse {
            agency: self.agency.clone(),
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
        now: Timestamp,
    ) -> Result<Reply, ApiError> {
        self.replay(store, now)
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
