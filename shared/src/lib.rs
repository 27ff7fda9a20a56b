//! Dossier's shared library: everything two functions need, written once.
//!
//! - [`model`]: records, ids, the audit chain. Pure.
//! - [`anchor`]: signed Merkle roots over the chain heads, kept write-once.
//! - [`auth`]: bearer-token verification and the role model.
//! - [`error`]: the API error and its RFC 9457 problem+json mapping.
//! - [`store`]: persistence traits with a DynamoDB, an embedded and an in-memory adapter.
//! - [`blob`]: document bytes: presigned URLs and streamed reads, on S3 or a folder.
//! - [`http`]: the edge every route goes through (auth, parsing, errors, access log).
//! - [`records`]: what the record routes share (visibility, replies).
//! - [`search`]: full-text search on tantivy indexes (feature `search`).
//! - [`paging`]: `limit` and `cursor` in, `{items, next_cursor}` out.
//! - [`private`]: owner-only files and folders (local data, exports).
//! - [`idempotency`]: `Idempotency-Key` replays for creating routes.
//! - [`cursor`]: signed pagination cursors.
//! - [`clock`], [`config`], [`telemetry`].

pub mod agencies;
pub mod anchor;
pub mod auth;
pub mod blob;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod disposition;
pub mod error;
pub mod holds;
pub mod http;
pub mod idempotency;
pub mod model;
pub mod notices;
pub mod paging;
pub mod private;
pub mod public;
pub mod records;
pub mod requests;
pub mod run;
pub mod schedules;
#[cfg(feature = "search")]
pub mod search;
pub mod store;
pub mod stream;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

use std::ops::Deref;

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

    /// These dependencies with `blobs` for documents of at most `max_document_bytes`.
    pub fn with_blobs<B>(self, blobs: B, max_document_bytes: u64) -> DocumentDeps<S, B> {
        DocumentDeps {
            deps: self,
            blobs,
            max_document_bytes,
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

/// What the document routes get: every route's [`Deps`] (which it derefs to), plus what
/// presigns the URLs document bytes move through and the size limit.
pub struct DocumentDeps<S, B> {
    /// What every route gets.
    pub deps: Deps<S>,
    /// Presigns upload and download URLs ([`blob::BlobPresigner`]).
    pub blobs: B,
    /// Largest document accepted, in bytes (`MAX_DOCUMENT_BYTES`).
    pub max_document_bytes: u64,
}

impl<S, B> Deref for DocumentDeps<S, B> {
    type Target = Deps<S>;

    fn deref(&self) -> &Deps<S> {
        &self.deps
    }
}

#[cfg(feature = "presign")]
impl DocumentDeps<DynamoStore, blob::S3Presigner> {
    /// Production dependencies of the document routes: [`Deps::from_env`] plus presigned
    /// URLs to `BUCKET_NAME`, sharing one AWS configuration.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let documents =
            config::DocumentsConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
        let presigner = blob::S3Presigner::from_config(&aws, documents.bucket_name)
            .inspect_err(|error| tracing::error!("{error}"))?;
        Ok(Deps::new(&config, store, Clock::system())
            .with_blobs(presigner, documents.max_document_bytes))
    }
}

/// What the routes that tell requesters of changes get: every route's [`Deps`] (which it
/// derefs to), plus how notices go out.
pub struct NoticeDeps<S, M> {
    /// What every route gets.
    pub deps: Deps<S>,
    /// The mailer and the portal's address.
    pub notices: notices::Notices<M>,
}

impl<S, M> Deref for NoticeDeps<S, M> {
    type Target = Deps<S>;

    fn deref(&self) -> &Deps<S> {
        &self.deps
    }
}

impl<S: Sync, M: Sync> http::RouteDeps for NoticeDeps<S, M> {
    fn verifier(&self) -> &Verifier {
        &self.deps.verifier
    }

    fn clock(&self) -> &Clock {
        &self.deps.clock
    }
}

#[cfg(feature = "ses")]
impl NoticeDeps<DynamoStore, notices::SesMailer> {
    /// Production dependencies of the routes that send notices: [`Deps::from_env`] plus SES
    /// from `NOTICE_SENDER`, sharing one AWS configuration.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let notices =
            config::NoticesConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
        // Well inside the functions' 10 s: the change is written by the time it sends.
        let mailer =
            notices::SesMailer::within(&aws, notices.sender, std::time::Duration::from_secs(3));
        Ok(Self {
            deps: Deps::new(&config, store, Clock::system()),
            notices: notices::Notices {
                mailer,
                portal_url: notices.portal_url,
            },
        })
    }
}

impl<S: Sync> http::RouteDeps for Deps<S> {
    fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    fn clock(&self) -> &Clock {
        &self.clock
    }
}

impl<S: Sync, B: Sync> http::RouteDeps for DocumentDeps<S, B> {
    fn verifier(&self) -> &Verifier {
        &self.deps.verifier
    }

    fn clock(&self) -> &Clock {
        &self.deps.clock
    }
}

/// The stores of the event functions, from `TABLE_NAME` and `BUCKET_NAME` alone (they
/// verify no tokens): the DynamoDB store and the S3 blob store, sharing one AWS config.
#[cfg(feature = "s3")]
pub async fn stores_from_env() -> Result<(DynamoStore, blob::S3Blobs), ConfigError> {
    let table = config::table_name_from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let documents =
        config::DocumentsConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Ok((
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table),
        blob::S3Blobs::new(s3_client(&aws), documents.bucket_name),
    ))
}

/// The document bytes of the functions that read no table, from `BUCKET_NAME` alone.
#[cfg(feature = "s3")]
pub async fn blobs_from_env() -> Result<blob::S3Blobs, ConfigError> {
    let documents =
        config::DocumentsConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Ok(blob::S3Blobs::new(s3_client(&aws), documents.bucket_name))
}

/// The S3 client for `aws`. Path-style addressing when an endpoint override is set
/// (emulators serve buckets on one host, not as subdomains).
#[cfg(feature = "s3")]
pub fn s3_client(aws: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config::s3_endpoint_url(aws).is_some();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(aws)
            .force_path_style(path_style)
            .build(),
    )
}
