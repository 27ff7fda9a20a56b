//! The S3 adapter of ingestion (feature `s3`): streamed reads, tags and moves through the
//! S3 SDK. Presigning is `S3Presigner`'s, which needs no S3 client.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::operation::list_object_versions::ListObjectVersionsOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, Tag, Tagging, TaggingDirective};
use bytes::Bytes;

use super::{Blob, BlobBody, BlobError, BlobStore, Purged, QUARANTINED, STATE_TAG, VERIFIED};

/// Document bytes in one S3 bucket.
#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
}

impl S3Blobs {
    /// The adapter for `bucket`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    error: SdkError<E, R>,
) -> BlobError {
    let message = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => BlobError::Unavailable(message),
        _ => match error.code() {
            Some("SlowDown" | "InternalError" | "ServiceUnavailable" | "RequestTimeout") => {
                BlobError::Unavailable(message)
            }
            _ => BlobError::Backend(message),
        },
    }
}

fn tagging(value: &str) -> Result<Tagging, BlobError> {
    let tag = Tag::builder()
        .key(STATE_TAG)
        .value(value)
        .build()
        .map_err(|e| BlobError::Backend(e.to_string()))?;
    Tagging::builder()
        .tag_set(tag)
        .build()
        .map_err(|e| BlobError::Backend(e.to_string()))
}

/// An S3 object body being read.
pub struct S3Body(ByteStream);

impl BlobBody for S3Body {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BlobError> {
        self.0.next().await.transpose().map_err(|error| {
            let message = DisplayErrorContext(&error).to_string();
            if fails_stored_checksum(&error) {
                BlobError::Corrupt(message)
            } else {
                BlobError::Unavailable(message)
            }
        })
    }
}

/// Whether a read failed because the bytes do not match the checksum S3 keeps with them
/// (the SDK validates it as the body streams past): the same bytes come back every time.
fn fails_stored_checksum(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<aws_smithy_checksums::body::validate::Error>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Where a listing of object versions goes on: its key and version id markers.
type VersionMarkers = (Option<String>, Option<String>);

/// Where the listing after `page` starts, if it was truncated.
fn next_page(page: &ListObjectVersionsOutput) -> Option<VersionMarkers> {
    (page.is_truncated() == Some(true)).then(|| {
        (
            page.next_key_marker().map(str::to_owned),
            page.next_version_id_marker().map(str::to_owned),
        )
    })
}

impl S3Blobs {
    /// One page (up to 1,000) of the versions and delete markers under `prefix`, from
    /// `after` (the start without it).
    async fn versions_page(
        &self,
        prefix: &str,
        after: Option<VersionMarkers>,
    ) -> Result<ListObjectVersionsOutput, BlobError> {
        let (key, version) = after.unwrap_or_default();
        self.client
            .list_object_versions()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_key_marker(key)
            .set_version_id_marker(version)
            .send()
            .await
            .map_err(classify)
    }
}

impl BlobStore for S3Blobs {
    type Body = S3Body;

    async fn open(&self, key: &str) -> Result<Option<Blob<S3Body>>, BlobError> {
        // One GET: its headers carry the size before any byte of the body is read, so a
        // caller can refuse a wrong size without downloading the object (no HEAD needed).
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => Ok(Some(Blob {
                size: output
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                version: output.version_id().map(str::to_owned),
                content_encoding: output.content_encoding().map(str::to_owned),
                body: S3Body(output.body),
            })),
            Err(SdkError::ServiceError(context))
                if matches!(context.err(), GetObjectError::NoSuchKey(_)) =>
            {
                Ok(None)
            }
            Err(error) => Err(classify(error)),
        }
    }

    async fn current_version(&self, key: &str) -> Result<Option<String>, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => Ok(output.version_id().map(str::to_owned)),
            Err(SdkError::ServiceError(context))
                if matches!(context.err(), HeadObjectError::NotFound(_)) =>
            {
                Ok(None)
            }
            Err(error) => Err(classify(error)),
        }
    }

    async fn mark_verified(&self, key: &str, version: Option<&str>) -> Result<(), BlobError> {
        self.client
            .put_object_tagging()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .tagging(tagging(VERIFIED)?)
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn retained_until(
        &self,
        prefix: &str,
        now: crate::clock::Timestamp,
    ) -> Result<Option<crate::clock::Timestamp>, BlobError> {
        let mut until = None;
        let mut after = None;
        loop {
            let page = self.versions_page(prefix, after.take()).await?;
            // A listing does not say a version's retention; its head does (with
            // s3:GetObjectRetention). GetObjectRetention itself would need no read right,
            // but the emulator the tests run on does not answer it.
            for version in page.versions() {
                let head = self
                    .client
                    .head_object()
                    .bucket(&self.bucket)
                    .set_key(version.key().map(str::to_owned))
                    .set_version_id(version.version_id().map(str::to_owned))
                    .send()
                    .await
                    .map_err(classify)?;
                let kept = head
                    .object_lock_retain_until_date()
                    .and_then(|date| date.to_millis().ok())
                    .map(crate::clock::Timestamp::from_millis);
                until = until.max(kept.filter(|kept| *kept > now));
            }
            match next_page(&page) {
                Some(next) => after = Some(next),
                None => return Ok(until),
            }
        }
    }

    async fn purge(&self, prefix: &str) -> Result<Purged, BlobError> {
        let mut purged = Purged::default();
        let mut after = None;
        loop {
            let page = self.versions_page(prefix, after.take()).await?;
            let versions = page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    page.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            let targets: Vec<ObjectIdentifier> = versions
                .filter_map(|(key, version)| {
                    ObjectIdentifier::builder()
                        .key(key?)
                        .set_version_id(version.map(str::to_owned))
                        .build()
                        .ok()
                })
                .collect();
            // A page holds at most 1,000 entries: one DeleteObjects each.
            if !targets.is_empty() {
                let count = targets.len();
                let delete = Delete::builder()
                    .set_objects(Some(targets))
                    .quiet(true)
                    .build()
                    .map_err(|e| BlobError::Backend(e.to_string()))?;
                let output = self
                    .client
                    .delete_objects()
                    .bucket(&self.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(classify)?;
                let mut failed = 0;
                for error in output.errors() {
                    failed += 1;
                    match error.code() {
                        // Object Lock: the version stays until its retention ends.
                        Some("AccessDenied" | "InvalidRequest") => {
                            purged
                                .locked
                                .push(error.key().unwrap_or_default().to_owned());
                        }
                        code => {
                            return Err(BlobError::Backend(format!(
                                "deleting {}: {}",
                                error.key().unwrap_or_default(),
                                code.unwrap_or("error")
                            )));
                        }
                    }
                }
                purged.deleted += count - failed;
            }
            match next_page(&page) {
                Some(next) => after = Some(next),
                None => return Ok(purged),
            }
        }
    }

    async fn quarantine(
        &self,
        key: &str,
        version: Option<&str>,
        to: &str,
    ) -> Result<(), BlobError> {
        // Keys are built from ids only ([A-Za-z0-9/-]), so the copy source needs no
        // escaping beyond the version id's.
        let source = match version {
            Some(version) => format!(
                "{}/{key}?versionId={}",
                self.bucket,
                percent_encoding::utf8_percent_encode(version, super::QUERY)
            ),
            None => format!("{}/{key}", self.bucket),
        };
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(source)
            .key(to)
            .tagging_directive(TaggingDirective::Replace)
            .tagging(format!("{STATE_TAG}={QUARANTINED}"))
            .send()
            .await;
        match copied {
            Ok(_) => {}
            // Already moved by an earlier delivery of the same notification.
            Err(error) if matches!(error.code(), Some("NoSuchKey" | "NoSuchVersion")) => {
                return Ok(());
            }
            Err(error) => return Err(classify(error)),
        }
        // With a version, that version itself is deleted: nothing of it stays at `key`.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }
}
