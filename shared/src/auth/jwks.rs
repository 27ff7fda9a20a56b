//! Signing keys: an inline JWKS, or one fetched from a URL on first use and cached for
//! the container's life (refetched at most once a minute when a token names an unknown
//! `kid`, so key rotation works and a flood of forged `kid`s cannot hammer the issuer).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use http_body_util::{BodyExt, Limited};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::sync::Mutex;

use super::AuthError;
use crate::clock::Timestamp;

const REFETCH_INTERVAL_MS: i64 = 60_000;
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The usable keys of a JWKS, by `kid`, each bound to the one algorithm it may verify.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
}

impl KeySet {
    /// Parses a JWKS document. Keys that cannot sign RS256 or ES256 (other types or curves,
    /// encryption keys, keys without `kid`) are skipped; a document with none left is an error.
    pub fn parse(json: &str) -> Result<Self, String> {
        let document: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("no \"keys\" array")?;
        let keys: HashMap<_, _> = entries
            .iter()
            .filter_map(|entry| serde_json::from_value::<Jwk>(entry.clone()).ok())
            .filter_map(|jwk| usable_key(&jwk))
            .collect();
        if keys.is_empty() {
            return Err("no RS256 or ES256 signing key with a kid".into());
        }
        Ok(Self { keys })
    }

    /// The key named `kid`, if it exists and is for `alg` (no algorithm confusion).
    fn get(&self, kid: &str, alg: Algorithm) -> Option<DecodingKey> {
        self.keys
            .get(kid)
            .filter(|(key_alg, _)| *key_alg == alg)
            .map(|(_, key)| key.clone())
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn usable_key(jwk: &Jwk) -> Option<(String, (Algorithm, DecodingKey))> {
    let kid = jwk.common.key_id.clone()?;
    if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
        return None;
    }
    let alg = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return None,
    };
    let declared_ok = match jwk.common.key_algorithm {
        None => true,
        Some(KeyAlgorithm::RS256) => alg == Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => alg == Algorithm::ES256,
        Some(_) => false,
    };
    if !declared_ok {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, (alg, key)))
}

/// Where RS256/ES256 keys come from.
pub enum KeySource {
    /// No asymmetric keys (local development with HS256 only).
    None,
    /// A JWKS given inline (`JWT_JWKS`).
    Static(KeySet),
    /// A JWKS URL (`JWT_JWKS_URL`), fetched lazily.
    Remote(RemoteKeys),
}

impl KeySource {
    /// Keys fetched from `url` on first use.
    pub fn remote(url: http::Uri) -> Self {
        Self::Remote(RemoteKeys {
            url,
            cache: Mutex::new(Cache::default()),
        })
    }

    pub(super) async fn find(
        &self,
        kid: &str,
        alg: Algorithm,
        now: Timestamp,
    ) -> Result<DecodingKey, AuthError> {
        match self {
            Self::None => Err(AuthError::UnknownKey),
            Self::Static(keys) => keys.get(kid, alg).ok_or(AuthError::UnknownKey),
            Self::Remote(remote) => remote.find(kid, alg, now).await,
        }
    }
}

/// A JWKS URL and what was last fetched from it.
pub struct RemoteKeys {
    url: http::Uri,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    last_attempt: Option<Timestamp>,
}

impl RemoteKeys {
    async fn find(
        &self,
        kid: &str,
        alg: Algorithm,
        now: Timestamp,
    ) -> Result<DecodingKey, AuthError> {
        // Held across the fetch on purpose: concurrent requests wait for one fetch
        // instead of each starting their own.
        let mut cache = self.cache.lock().await;
        if let Some(key) = cache.keys.as_ref().and_then(|keys| keys.get(kid, alg)) {
            return Ok(key);
        }
        let may_fetch = cache
            .last_attempt
            .is_none_or(|last| now.as_millis() - last.as_millis() >= REFETCH_INTERVAL_MS);
        if !may_fetch {
            return match cache.keys {
                Some(_) => Err(AuthError::UnknownKey),
                None => Err(AuthError::KeysUnavailable(
                    "last fetch failed less than a minute ago".into(),
                )),
            };
        }
        cache.last_attempt = Some(now);
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched JWKS");
                let found = keys.get(kid, alg);
                cache.keys = Some(Arc::new(keys));
                found.ok_or(AuthError::UnknownKey)
            }
            Err(why) => {
                tracing::error!(error = %why, "JWKS fetch failed");
                match cache.keys {
                    // Keep serving the keys we have; the unknown kid stays unknown.
                    Some(_) => Err(AuthError::UnknownKey),
                    None => Err(AuthError::KeysUnavailable(why)),
                }
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        // The AWS SDK's own connector (hyper, rustls on aws-lc, the system's roots), which
        // every binary already links for DynamoDB: a client stack of our own cost each
        // binary about 0.5 MiB, and as much resident memory.
        let connector = Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        let mut request = HttpRequest::new(SdkBody::empty());
        request
            .set_uri(self.url.to_string())
            .map_err(|e| format!("bad URL: {e}"))?;
        let response = tokio::time::timeout(FETCH_TIMEOUT, connector.call(request))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|e| format!("request failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let body = tokio::time::timeout(
            FETCH_TIMEOUT,
            Limited::new(response.into_body(), MAX_JWKS_BYTES).collect(),
        )
        .await
        .map_err(|_| "timed out reading body".to_owned())?
        .map_err(|e| format!("reading body: {e}"))?
        .to_bytes();
        KeySet::parse(std::str::from_utf8(&body).map_err(|_| "body is not UTF-8".to_owned())?)
    }
}
