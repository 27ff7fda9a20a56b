//! Indexes kept in S3, used from a local folder (Lambda's `/tmp`).
//!
//! Under `PREFIX<agency>/<audience>/` a bucket holds:
//! - `files/<name>`: tantivy's segment files, each written once and never changed (their
//!   names hold a fresh segment id, or a delete file's operation stamp);
//! - `pointer.json`: the current generation: its number, its files and tantivy's
//!   `meta.json`. It is replaced only by a conditional write (`If-Match` on the ETag the
//!   writer read, `If-None-Match: *` for the first), so of two indexers that start from
//!   one generation exactly one moves it; the other starts again from the new one.
//!
//! A reader downloads the files it lacks, writes `meta.json` and reloads: it only ever sees
//! whole generations. Files no generation refers to are deleted once older than
//! [`GARBAGE_GRACE`], which outlasts any reader still fetching the generation before.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::entry::Audience;
use super::index::{Change, RecordIndex};
use super::{IndexSource, SearchError};
use crate::model::AgencyId;

/// How long an unreferenced file is kept before it is deleted.
pub const GARBAGE_GRACE: Duration = Duration::from_secs(15 * 60);
/// Tries of one indexing run that loses the race for the pointer (then the stream
/// batch fails and Lambda retries it).
const ATTEMPTS: u64 = 16;

/// A pause before try `attempt`, growing and jittered, so racing indexers spread out.
async fn back_off(attempt: u64) {
    let mut random = [0u8; 2];
    let jitter = match aws_lc_rs::rand::fill(&mut random) {
        Ok(()) => u64::from(u16::from_le_bytes(random)) % 100,
        Err(_) => 50,
    };
    tokio::time::sleep(Duration::from_millis(20 * attempt.min(10) + jitter)).await;
}

/// The current generation of one index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pointer {
    /// Counts up from 1.
    pub generation: u64,
    /// Every file under `files/` the generation uses.
    pub files: Vec<String>,
    /// tantivy's `meta.json` of the generation.
    pub meta: String,
}

/// The pointer as read, with the ETag a replacement must name.
#[derive(Clone, Debug)]
struct Current {
    pointer: Pointer,
    etag: String,
}

/// What reading the pointer found.
enum Read {
    /// The one named by the ETag given.
    Unchanged,
    /// No index yet.
    Missing,
    /// A (new) generation.
    Found(Current),
}

/// Indexes in one bucket under one prefix.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    client: Client,
    bucket: String,
    prefix: String,
}

fn s3_error(what: &str, error: impl std::error::Error + Send + Sync + 'static) -> SearchError {
    SearchError::Io(std::io::Error::other(format!(
        "{what}: {}",
        DisplayErrorContext(error)
    )))
}

/// The whole body of the object at `key`.
async fn body_of(
    key: &str,
    output: aws_sdk_s3::operation::get_object::GetObjectOutput,
) -> Result<bytes::Bytes, SearchError> {
    let body = output.body.collect().await.map_err(|e| s3_error(key, e))?;
    Ok(body.into_bytes())
}

impl SnapshotStore {
    /// Indexes in `bucket` under `prefix` (`index/`).
    pub fn new(client: Client, bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    fn base(&self, agency: &AgencyId, audience: Audience) -> String {
        format!("{}{agency}/{}/", self.prefix, audience.as_str())
    }

    async fn read_pointer(
        &self,
        agency: &AgencyId,
        audience: Audience,
        known: Option<&str>,
    ) -> Result<Read, SearchError> {
        let key = format!("{}pointer.json", self.base(agency, audience));
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .set_if_none_match(known.map(str::to_owned))
            .send()
            .await;
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                return match (status, error.code()) {
                    (Some(304), _) => Ok(Read::Unchanged),
                    (_, Some("NoSuchKey")) | (Some(404), _) => Ok(Read::Missing),
                    _ => Err(s3_error(&key, error)),
                };
            }
        };
        let etag = output.e_tag().unwrap_or_default().to_owned();
        let bytes = body_of(&key, output).await?;
        let pointer = serde_json::from_slice(&bytes).map_err(|_| SearchError::Corrupt)?;
        Ok(Read::Found(Current { pointer, etag }))
    }

    /// Makes `folder` hold generation `pointer`: downloads the files it lacks, then writes
    /// `meta.json` (last, and whole, so tantivy never reads a generation in part).
    async fn download(
        &self,
        folder: &Path,
        base: &str,
        pointer: &Pointer,
    ) -> Result<(), SearchError> {
        crate::private::create_dir_all(folder)?;
        for name in &pointer.files {
            let path = folder.join(name);
            if tokio::fs::try_exists(&path).await? {
                continue;
            }
            let key = format!("{base}files/{name}");
            let output = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| s3_error(&key, e))?;
            let bytes = body_of(&key, output).await?;
            let partial = folder.join(format!("{name}.partial"));
            tokio::fs::write(&partial, &bytes).await?;
            tokio::fs::rename(&partial, &path).await?;
        }
        let next = folder.join("meta.json.next");
        tokio::fs::write(&next, &pointer.meta).await?;
        tokio::fs::rename(&next, folder.join("meta.json")).await?;
        Ok(())
    }

    /// Uploads the files of `folder` in `names` that S3 may not have (immutable: one that
    /// is there already is the same file).
    async fn upload(&self, folder: &Path, base: &str, names: &[String]) -> Result<(), SearchError> {
        for name in names {
            let key = format!("{base}files/{name}");
            let body = ByteStream::from_path(folder.join(name))
                .await
                .map_err(|e| s3_error(&key, e))?;
            let output = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .if_none_match("*")
                .body(body)
                .send()
                .await;
            match output {
                Ok(_) => {}
                Err(error) if error.code() == Some("PreconditionFailed") => {}
                Err(error) => return Err(s3_error(&key, error)),
            }
        }
        Ok(())
    }

    /// Replaces the pointer if it is still `expected` (`None`: if there is none); `false`
    /// when another indexer moved it first.
    async fn swap_pointer(
        &self,
        base: &str,
        next: &Pointer,
        expected: Option<&str>,
    ) -> Result<bool, SearchError> {
        let key = format!("{base}pointer.json");
        let body = serde_json::to_vec(next).map_err(|_| SearchError::Corrupt)?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        let request = match expected {
            Some(etag) => request.if_match(etag),
            None => request.if_none_match("*"),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(error)
                if matches!(
                    error.code(),
                    Some("PreconditionFailed" | "ConditionalRequestConflict")
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(s3_error(&key, error)),
        }
    }

    /// Deletes files under `base` that `keep` does not name and that are older than
    /// [`GARBAGE_GRACE`]; returns how many.
    async fn collect_garbage(
        &self,
        base: &str,
        keep: &HashSet<&str>,
    ) -> Result<usize, SearchError> {
        let prefix = format!("{base}files/");
        let cutoff = std::time::SystemTime::now() - GARBAGE_GRACE;
        let mut deleted = 0;
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error(&prefix, e))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let name = key.trim_start_matches(&prefix);
                let old = object
                    .last_modified()
                    .and_then(|at| std::time::SystemTime::try_from(*at).ok())
                    .is_some_and(|at| at < cutoff);
                if old && !keep.contains(name) {
                    self.client
                        .delete_object()
                        .bucket(&self.bucket)
                        .key(key)
                        .send()
                        .await
                        .map_err(|e| s3_error(key, e))?;
                    deleted += 1;
                }
            }
        }
        Ok(deleted)
    }

    /// Applies `changes` to the index of `agency` for `audience`, as a new generation,
    /// working in `folder`: read the pointer, bring the folder to it, apply, upload the new
    /// files, move the pointer. When another indexer moved the pointer first, starts again
    /// from its generation (the changes are the records' current state, so applying them
    /// on top of any newer generation is right). Returns the generation written.
    pub async fn apply(
        &self,
        folder: &Path,
        agency: &AgencyId,
        audience: Audience,
        changes: &[Change],
    ) -> Result<u64, SearchError> {
        let base = self.base(agency, audience);
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                back_off(attempt).await;
            }
            let current = match self.read_pointer(agency, audience, None).await? {
                Read::Found(current) => Some(current),
                Read::Missing | Read::Unchanged => None,
            };
            // A folder left by a lost race holds a generation nobody has: start clean
            // whenever it is not exactly the current one.
            let local = local_generation(folder);
            let generation = current.as_ref().map_or(0, |c| c.pointer.generation);
            if local != Some(generation) {
                remove_folder(folder)?;
            }
            if let Some(current) = &current {
                self.download(folder, &base, &current.pointer).await?;
            }
            let (folder_owned, changes_owned) = (folder.to_path_buf(), changes.to_vec());
            let files = tokio::task::spawn_blocking(
                move || -> Result<(Vec<String>, String), SearchError> {
                    let index = RecordIndex::open_or_create(&folder_owned)?;
                    index.apply(&changes_owned, None)?;
                    let files = index.files()?;
                    let meta = std::fs::read_to_string(folder_owned.join("meta.json"))?;
                    Ok((files, meta))
                },
            )
            .await
            .map_err(|e| SearchError::Io(std::io::Error::other(e)))??;
            let (files, meta) = files;
            let known: HashSet<&str> = current
                .iter()
                .flat_map(|c| c.pointer.files.iter().map(String::as_str))
                .collect();
            let new: Vec<String> = files
                .iter()
                .filter(|f| !known.contains(f.as_str()))
                .cloned()
                .collect();
            self.upload(folder, &base, &new).await?;
            let next = Pointer {
                generation: generation + 1,
                files,
                meta,
            };
            if self
                .swap_pointer(&base, &next, current.as_ref().map(|c| c.etag.as_str()))
                .await?
            {
                set_local_generation(folder, next.generation)?;
                let keep: HashSet<&str> = next.files.iter().map(String::as_str).collect();
                if let Err(error) = self.collect_garbage(&base, &keep).await {
                    tracing::warn!(%error, "index garbage not collected; the next run retries");
                }
                return Ok(next.generation);
            }
            tracing::info!(%agency, audience = audience.as_str(), "another indexer moved the index first; retrying on its generation");
            remove_folder(folder)?;
        }
        Err(SearchError::Io(std::io::Error::other(format!(
            "the index of {agency} ({}) kept moving: {ATTEMPTS} tries lost",
            audience.as_str()
        ))))
    }
}

/// The generation a folder holds, as [`set_local_generation`] recorded it.
fn local_generation(folder: &Path) -> Option<u64> {
    std::fs::read_to_string(folder.join("generation"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn set_local_generation(folder: &Path, generation: u64) -> Result<(), SearchError> {
    std::fs::write(folder.join("generation"), generation.to_string())?;
    Ok(())
}

fn remove_folder(folder: &Path) -> Result<(), SearchError> {
    match std::fs::remove_dir_all(folder) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
        _ => Ok(()),
    }
}

/// One index as a reader holds it.
struct Held {
    index: Arc<RecordIndex>,
    etag: String,
    generation: u64,
    checked: Instant,
}

/// The search routes' indexes: fetched from S3 into a local folder, kept open, and checked
/// for a new generation at most every `check_every`.
pub struct SnapshotIndexes {
    store: SnapshotStore,
    root: PathBuf,
    check_every: Duration,
    held: Mutex<HashMap<(AgencyId, Audience), Held>>,
}

impl std::fmt::Debug for SnapshotIndexes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnapshotIndexes")
    }
}

impl SnapshotIndexes {
    /// Indexes from `store`, kept under `root`, checked every `check_every`.
    pub fn new(store: SnapshotStore, root: impl Into<PathBuf>, check_every: Duration) -> Self {
        Self {
            store,
            root: root.into(),
            check_every,
            held: Mutex::default(),
        }
    }
}

impl IndexSource for SnapshotIndexes {
    async fn index(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> Result<Option<Arc<RecordIndex>>, SearchError> {
        let key = (agency.clone(), audience);
        let mut held = self.held.lock().await;
        if let Some(current) = held.get(&key)
            && current.checked.elapsed() < self.check_every
        {
            return Ok(Some(current.index.clone()));
        }
        let known = held.get(&key).map(|h| h.etag.clone());
        let current = match self
            .store
            .read_pointer(agency, audience, known.as_deref())
            .await?
        {
            Read::Unchanged => {
                let current = held.get_mut(&key).ok_or(SearchError::Corrupt)?;
                current.checked = Instant::now();
                return Ok(Some(current.index.clone()));
            }
            Read::Missing => return Ok(None),
            Read::Found(current) => current,
        };
        let folder = self.root.join(agency.as_str()).join(audience.as_str());
        let base = self.store.base(agency, audience);
        self.store
            .download(&folder, &base, &current.pointer)
            .await?;
        let index = match held.get(&key) {
            Some(open) if open.generation < current.pointer.generation => {
                open.index.reload()?;
                open.index.clone()
            }
            _ => Arc::new(RecordIndex::open_or_create(&folder)?),
        };
        // Files of older generations: open ones stay readable through their mappings.
        let keep: HashSet<&str> = current.pointer.files.iter().map(String::as_str).collect();
        remove_unlisted(&folder, &keep);
        held.insert(
            key,
            Held {
                index: index.clone(),
                etag: current.etag,
                generation: current.pointer.generation,
                checked: Instant::now(),
            },
        );
        Ok(Some(index))
    }
}

/// Deletes the segment files in `folder` that `keep` does not name (best effort).
fn remove_unlisted(folder: &Path, keep: &HashSet<&str>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let segment_file =
            name.contains('.') && !name.starts_with('.') && !name.starts_with("meta.json");
        if segment_file && !keep.contains(name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The indexing function's stores: the table, the documents bucket, the indexes' bucket,
/// sharing one AWS configuration; and the local folder it works in.
pub async fn indexing_from_env() -> Result<
    (
        crate::store::DynamoStore,
        crate::blob::S3Blobs,
        SnapshotStore,
        PathBuf,
    ),
    crate::config::ConfigError,
> {
    use crate::config::{DocumentsConfig, IndexConfig, table_name_from_env};
    let table = table_name_from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let documents = DocumentsConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let index = IndexConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let s3 = crate::s3_client(&aws);
    Ok((
        crate::store::DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table),
        crate::blob::S3Blobs::new(s3.clone(), documents.bucket_name),
        SnapshotStore::new(s3, index.bucket, index.prefix),
        PathBuf::from(index.dir),
    ))
}
