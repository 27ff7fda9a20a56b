//! Document bytes, which never pass through a function: clients upload and download them
//! with presigned URLs, and only the ingest function reads them, as a stream.
//!
//! Two traits, because the routes and ingestion need different halves:
//! - [`BlobPresigner`]: presigned URLs, for the document routes. Adapters: `S3Presigner`
//!   (feature `presign`: SigV4 alone, no S3 client) and [`FileBlobs`].
//! - [`BlobStore`]: streamed reads and moves, for ingestion. Adapters: `S3Blobs` (feature
//!   `s3`: the S3 SDK) and [`FileBlobs`].
//!
//! [`FileBlobs`] is a folder, for the local server and tests, whose URLs the local server
//! itself serves and checks.

mod file;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "presign")]
mod s3_presign;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

pub use file::{BLOB_PATH, FileBlobs, FileBody, Received, Receiving, Refused, UploadGrant};
#[cfg(feature = "s3")]
pub use s3::S3Blobs;
#[cfg(feature = "presign")]
pub use s3_presign::{S3Endpoint, S3Presigner};

use crate::clock::Timestamp;
use crate::model::{Document, document_limits};

/// Object tag key marking where an upload is in ingestion. The bucket's lifecycle expires
/// objects still tagged [`PENDING`] (uploaded, never verified).
pub const STATE_TAG: &str = "state";
/// [`STATE_TAG`] value set by the upload itself.
pub const PENDING: &str = "pending";
/// [`STATE_TAG`] value set once the file has been verified.
pub const VERIFIED: &str = "verified";
/// [`STATE_TAG`] value of quarantined files.
pub const QUARANTINED: &str = "quarantined";

/// What a query value escapes: everything but RFC 3986's unreserved characters (also
/// SigV4's canonical form).
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A blob store failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobError {
    /// Throttled, timed out or unreachable: worth retrying.
    Unavailable(String),
    /// The object's bytes fail the store's own integrity check (the checksum stored with
    /// them): reading it again gives the same bytes, so retrying cannot help.
    Corrupt(String),
    /// Anything else.
    Backend(String),
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "blob store unavailable: {why}"),
            Self::Corrupt(why) => write!(f, "stored object is corrupt: {why}"),
            Self::Backend(why) => write!(f, "blob store error: {why}"),
        }
    }
}

impl std::error::Error for BlobError {}

impl From<BlobError> for crate::error::ApiError {
    fn from(error: BlobError) -> Self {
        crate::error::ApiError::Internal(error.to_string())
    }
}

/// What an upload must be: everything here is bound into the presigned URL's signature,
/// so the store refuses any other file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSpec<'a> {
    /// `Content-Type` the client must send.
    pub content_type: &'a str,
    /// `Content-Length` the client must send.
    pub size: u64,
    /// Base64 SHA-256 the client must send (`x-amz-checksum-sha256`), which the store
    /// checks against the bytes.
    pub sha256: &'a str,
}

/// How a download is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadSpec<'a> {
    /// `Content-Type` of the response.
    pub content_type: &'a str,
    /// `Content-Disposition` of the response.
    pub content_disposition: &'a str,
    /// The object version to serve: the one that was verified (a store that keeps no
    /// versions has none). Whatever was written to the key since is never served.
    pub version: Option<&'a str>,
}

/// A download of `document`'s verified bytes, presigned by `blobs` from `now` for
/// [`DOWNLOAD_URL_SECONDS`](crate::model::document_limits::DOWNLOAD_URL_SECONDS): its
/// verified version only, typed as verified, saved as an attachment under its safe
/// filename. What every route that hands out a download gives.
pub async fn document_download<B: BlobPresigner>(
    blobs: &B,
    document: &Document,
    now: Timestamp,
) -> Result<Presigned, BlobError> {
    let spec = DownloadSpec {
        content_type: document.content_type.as_str(),
        content_disposition: &document.content_disposition(),
        version: document.version.as_deref(),
    };
    let ttl = Duration::from_secs(document_limits::DOWNLOAD_URL_SECONDS);
    blobs
        .presign_download(&document.object_key(), &spec, now, ttl)
        .await
}

/// A presigned request: what a client sends, with no credentials of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Presigned {
    /// `PUT` or `GET`.
    pub method: String,
    /// The URL, signature included.
    pub url: String,
    /// Headers the client must send exactly (in JSON, an object of name to value).
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_object")]
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: Timestamp,
}

fn as_object<S: serde::Serializer>(
    headers: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(headers.iter().map(|(name, value)| (name, value)))
}

/// An object opened for reading.
pub struct Blob<B> {
    /// Its size in bytes, as the store reports it (before any byte is read).
    pub size: u64,
    /// The version being read, in a store that keeps versions.
    pub version: Option<String>,
    /// The `Content-Encoding` it was stored with, if any: a browser would decode the
    /// bytes into others before anyone sees them.
    pub content_encoding: Option<String>,
    /// Its bytes.
    pub body: B,
}

/// A stream of an object's bytes.
pub trait BlobBody: Send {
    /// The next chunk, or `None` at the end.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, BlobError>> + Send;
}

/// Presigned URLs to document bytes: how clients upload and download them.
pub trait BlobPresigner: Send + Sync + 'static {
    /// A URL to `PUT` exactly the file `spec` describes to `key`, valid from `now` for `ttl`.
    fn presign_upload(
        &self,
        key: &str,
        spec: &UploadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Presigned, BlobError>> + Send;

    /// A URL to `GET` `key`, answered as `spec` says, valid from `now` for `ttl`.
    fn presign_download(
        &self,
        key: &str,
        spec: &DownloadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Presigned, BlobError>> + Send;
}

/// What [`BlobStore::purge`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Object versions (and delete markers) deleted.
    pub deleted: usize,
    /// The keys of versions Object Lock still protects: they stay until their retention
    /// ends, and a later purge deletes them.
    pub locked: Vec<String>,
}

/// Where document bytes live, as ingestion reads and moves them.
pub trait BlobStore: Send + Sync + 'static {
    /// The stream [`BlobStore::open`] gives.
    type Body: BlobBody;

    /// The object at `key`, or `None` if there is none.
    fn open(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Blob<Self::Body>>, BlobError>> + Send;

    /// The current version of the object at `key` (`None` in a store that keeps no
    /// versions, or when there is no object), without reading it.
    fn current_version(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<String>, BlobError>> + Send;

    /// Marks version `version` of `key` (the current one if `None`) verified, so the
    /// lifecycle rule for abandoned uploads spares it.
    fn mark_verified(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> impl Future<Output = Result<(), BlobError>> + Send;

    /// Deletes every object under `prefix` (which ends in `/`), every version of each and
    /// their delete markers, so nothing under it can be restored. Versions Object Lock
    /// protects are left and reported in [`Purged::locked`]. Idempotent.
    fn purge(&self, prefix: &str) -> impl Future<Output = Result<Purged, BlobError>> + Send;

    /// The latest date until which Object Lock retains any version under `prefix` (which
    /// ends in `/`), if one is later than `now`: nothing under it can be deleted before.
    fn retained_until(
        &self,
        prefix: &str,
        now: crate::clock::Timestamp,
    ) -> impl Future<Output = Result<Option<crate::clock::Timestamp>, BlobError>> + Send;

    /// Moves version `version` of `key` (the current one if `None`) to `to` (under the
    /// quarantine prefix): that version no longer exists at `key`. Idempotent: moving an
    /// object that is already gone succeeds.
    fn quarantine(
        &self,
        key: &str,
        version: Option<&str>,
        to: &str,
    ) -> impl Future<Output = Result<(), BlobError>> + Send;
}

/// Purges everything record `id` of `agency` left in `blobs`: its documents' objects and
/// their quarantined copies, every version (see [`BlobStore::purge`]). Logged as
/// `DocumentsPurged`, and `DocumentsLocked` (a warning) for what Object Lock keeps.
pub async fn purge_record<B: BlobStore>(
    blobs: &B,
    agency: &crate::model::AgencyId,
    id: &crate::model::RecordId,
) -> Result<Purged, BlobError> {
    use crate::model::{DOCUMENTS_PREFIX, QUARANTINE_PREFIX};
    let mut all = Purged::default();
    for prefix in [DOCUMENTS_PREFIX, QUARANTINE_PREFIX] {
        let purged = blobs.purge(&format!("{prefix}{agency}/{id}/")).await?;
        all.deleted += purged.deleted;
        all.locked.extend(purged.locked);
    }
    tracing::info!(event = "DocumentsPurged", %agency, record = %id, deleted = all.deleted);
    if !all.locked.is_empty() {
        tracing::warn!(
            event = "DocumentsLocked",
            %agency,
            record = %id,
            keys = ?all.locked,
            "Object Lock keeps these versions until their retention ends"
        );
    }
    Ok(all)
}

/// Until when Object Lock keeps any of what record `id` of `agency` has in `blobs` (its
/// documents' objects and their quarantined copies), if later than `now`.
pub async fn record_retained_until<B: BlobStore>(
    blobs: &B,
    agency: &crate::model::AgencyId,
    id: &crate::model::RecordId,
    now: crate::clock::Timestamp,
) -> Result<Option<crate::clock::Timestamp>, BlobError> {
    use crate::model::{DOCUMENTS_PREFIX, QUARANTINE_PREFIX};
    let mut until = None;
    for prefix in [DOCUMENTS_PREFIX, QUARANTINE_PREFIX] {
        let kept = blobs
            .retained_until(&format!("{prefix}{agency}/{id}/"), now)
            .await?;
        until = until.max(kept);
    }
    Ok(until)
}

/// When a URL signed at `now` for `ttl` expires. Signatures carry whole seconds, so the
/// signing time is `now` rounded down to the second.
fn expiry(now: Timestamp, ttl: Duration) -> Timestamp {
    Timestamp::from_millis(now.as_secs().saturating_mul(1000))
        .plus_millis(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}
