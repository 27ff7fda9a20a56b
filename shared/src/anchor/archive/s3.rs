//! Anchors in an S3 bucket under Object Lock in compliance mode: no one, the root user
//! included, can delete or overwrite a kept version before its retention ends.
//!
//! Writes are conditional (`If-None-Match: *`), so an anchor is never replaced. Reads go
//! by version: a delete marker cannot hide an anchor, and a later version written over one
//! (the bucket policy refuses that, but an operator could change the policy) is ignored,
//! since the first version of a key is the one the anchoring function wrote.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use super::{
    ANCHOR_FILE, AnchorArchive, ArchiveError, Archived, HEADS_FILE, agency_folder, anchor_folder,
    decode, encode,
};
use crate::anchor::{Anchor, AnchoredHeads};
use crate::model::AgencyId;

/// Pages of a version listing read before giving up (an anchor folder holds two keys).
const MAX_LISTING_PAGES: usize = 20;

/// Anchors in one Object Lock bucket.
#[derive(Clone, Debug)]
pub struct S3Anchors {
    client: Client,
    bucket: String,
}

impl S3Anchors {
    /// The archive in `bucket`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    async fn put_new(&self, key: String, body: Vec<u8>) -> Result<(), ArchiveError> {
        let output = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await;
        match output {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("PreconditionFailed") => Err(ArchiveError::Exists),
            Err(error) => Err(backend(&key, error)),
        }
    }

    /// The first key under `prefix` (in key order) that `wanted` accepts, with its oldest
    /// version id.
    async fn first_wanted(
        &self,
        prefix: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Option<(String, String)>, ArchiveError> {
        let mut found: Option<(String, String)> = None;
        let (mut key_marker, mut version_marker) = (None, None);
        for _ in 0..MAX_LISTING_PAGES {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| backend(prefix, e))?;
            // Versions of a key come newest first: the last one seen is the oldest.
            for version in page.versions() {
                let (Some(key), Some(id)) = (version.key(), version.version_id()) else {
                    continue;
                };
                match &mut found {
                    Some((first, oldest)) if first == key => *oldest = id.to_owned(),
                    Some(_) => return Ok(found),
                    None if wanted(key) => found = Some((key.to_owned(), id.to_owned())),
                    None => {}
                }
            }
            if page.is_truncated() != Some(true) {
                return Ok(found);
            }
            key_marker = page.next_key_marker;
            version_marker = page.next_version_id_marker;
        }
        Err(ArchiveError::Backend(format!(
            "{prefix}: more than {MAX_LISTING_PAGES} pages of versions"
        )))
    }

    async fn get_version(&self, key: &str, version: &str) -> Result<Vec<u8>, ArchiveError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .map_err(|e| backend(key, e))?;
        let body = output
            .body
            .collect()
            .await
            .map_err(|e| ArchiveError::Backend(format!("{key}: {e}")))?;
        Ok(body.to_vec())
    }
}

fn backend<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    key: &str,
    error: SdkError<E, R>,
) -> ArchiveError {
    ArchiveError::Backend(format!("{key}: {}", DisplayErrorContext(&error)))
}

impl AnchorArchive for S3Anchors {
    async fn put(&self, anchor: &Anchor, heads: &AnchoredHeads) -> Result<(), ArchiveError> {
        let folder = anchor_folder(&anchor.agency, anchor.at);
        self.put_new(format!("{folder}/{HEADS_FILE}"), encode(heads)?)
            .await?;
        self.put_new(format!("{folder}/{ANCHOR_FILE}"), encode(anchor)?)
            .await
    }

    async fn latest(&self, agency: &AgencyId) -> Result<Option<Archived>, ArchiveError> {
        // The newest anchor's folder sorts first. A folder without an anchor (heads written,
        // then the function stopped) is passed over.
        let suffix = format!("/{ANCHOR_FILE}");
        let prefix = format!("{}/", agency_folder(agency));
        let Some((anchor_key, anchor_version)) = self
            .first_wanted(&prefix, |key| key.ends_with(&suffix))
            .await?
        else {
            return Ok(None);
        };
        let folder = &anchor_key[..anchor_key.len() - suffix.len()];
        let heads_key = format!("{folder}/{HEADS_FILE}");
        let (_, heads_version) = self
            .first_wanted(&heads_key, |key| key == heads_key)
            .await?
            .ok_or_else(|| ArchiveError::Corrupt(format!("{folder}: no {HEADS_FILE}")))?;
        let anchor = self.get_version(&anchor_key, &anchor_version).await?;
        let heads = self.get_version(&heads_key, &heads_version).await?;
        decode(folder, &anchor, &heads).map(Some)
    }
}
