//! Dossier's shared library: everything two functions need, written once.
//!
//! - [`model`]: records, ids, the audit chain. Pure.
//! - [`auth`]: bearer-token verification and the role model.
//! - [`error`]: the API error and its RFC 9457 problem+json mapping.
//! - [`store`]: persistence traits with a DynamoDB, an embedded and an in-memory adapter.
//! - [`blob`]: document bytes: presigned URLs and streamed reads, on S3 or a folder.
//! - [`http`]: the edge every route goes through (auth, parsing, errors, access log).
//! - [`records`]: what the record routes share (visibility, replies, paging).
//! - [`idempotency`]: `Idempotency-Key` replays for creating routes.
//! - [`cursor`]: signed pagination cursors.
//! - [`clock`], [`config`], [`telemetry`].

pub mod auth;
pub mod blob;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod model;
pub mod records;
pub mod store;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

use auth::Verifier;
use clock::Clock;
use config::{Config, ConfigError};
use cursor::CursorKey;
use store::DynamoStore;

/// What every route handler gets besides its request: built once per container.
pub struct Deps<S> {
    /// Storage.
    pub store: S,
    /// Token verification.
    pub verifier: Verifier,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Signs and checks pagination cursors.
    pub cursors: CursorKey,
}

impl<S> Deps<S> {
    /// Dependencies from `config` with `store` and `clock`.
    pub fn new(config: &Config, store: S, clock: Clock) -> Self {
        Self {
            store,
            verifier: config.verifier(),
            clock,
            cursors: CursorKey::new(&config.cursor_secret),
        }
    }
}

impl Deps<DynamoStore> {
    /// Production dependencies from the environment: config, the DynamoDB client (which
    /// honours `AWS_ENDPOINT_URL`), the system clock. A bad setting is logged as one line
    /// naming it, and returned, so the cold start fails visibly.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        Ok(Self::with_dynamodb(&config).await)
    }

    /// Dependencies from `config` on DynamoDB (`AWS_ENDPOINT_URL`, if set, points the SDK
    /// at an emulator) with the system clock.
    pub async fn with_dynamodb(config: &Config) -> Self {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
        Self::new(config, store, Clock::system())
    }
}
