//! Where an export's bytes go: a local file (written under a temporary name, renamed when
//! complete) or an S3 object (a multipart upload, aborted on failure).
//!
//! Why multipart and not "temp file, then PutObject": it needs no local disk the size of
//! the export, holds at most one part in memory, and is not limited to PutObject's 5 GB.
//! An export smaller than one part is sent as a single PutObject.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};

use crate::Failure;

/// Default S3 part size: 8 MiB (S3 wants at least 5 MiB for every part but the last).
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// S3's most parts per upload.
const MAX_PARTS: usize = 10_000;
/// Every this many parts, the part size grows by the initial size, so that 10,000 parts
/// of 8 MiB growing to 80 MiB carry about 440 GB.
const PARTS_PER_STEP: usize = 1_000;

/// An export destination being written.
pub enum Sink {
    /// A local file.
    File(FileSink),
    /// An S3 object.
    S3(S3Upload),
}

impl Sink {
    /// Appends `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        match self {
            Self::File(file) => file.write(bytes),
            Self::S3(upload) => upload.write(bytes).await,
        }
    }

    /// Makes the destination complete and visible.
    pub async fn finish(self) -> Result<(), Failure> {
        match self {
            Self::File(file) => file.finish(),
            Self::S3(upload) => upload.finish().await,
        }
    }

    /// Leaves nothing behind: removes the temporary file, aborts the upload.
    pub async fn abort(self) {
        match self {
            Self::File(file) => file.abort(),
            Self::S3(upload) => upload.abort().await,
        }
    }
}

/// A file written under `.<name>.partial-<random>` in the same directory (owner-only,
/// created exclusively) and renamed over the destination when complete, so a failed
/// export never looks like a complete one.
pub struct FileSink {
    writer: BufWriter<File>,
    temporary: PathBuf,
    destination: PathBuf,
}

impl FileSink {
    /// Creates the temporary file next to `destination`. Fails (as a usage error: the
    /// path is wrong) if it cannot be created.
    pub fn create(destination: &Path) -> Result<Self, Failure> {
        let name = destination.file_name().ok_or_else(|| {
            Failure::Usage(format!("--out {}: not a file", destination.display()))
        })?;
        // A name nobody can guess, created exclusively and owner-only: the export holds
        // confidential records, and is never written through a link someone planted.
        let mut random = [0u8; 12];
        aws_lc_rs::rand::fill(&mut random)
            .map_err(|_| Failure::Io("no randomness for a temporary name".into()))?;
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".partial-{}", hex::encode(random)));
        let temporary = destination.with_file_name(temporary_name);
        let file = shared::private::new_file().open(&temporary).map_err(|e| {
            Failure::Usage(format!(
                "--out {}: cannot create: {e}",
                destination.display()
            ))
        })?;
        Ok(Self {
            writer: BufWriter::with_capacity(256 * 1024, file),
            temporary,
            destination: destination.to_owned(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.writer
            .write_all(bytes)
            .map_err(|e| Failure::Io(format!("writing {}: {e}", self.temporary.display())))
    }

    fn finish(self) -> Result<(), Failure> {
        let io =
            |e: std::io::Error| Failure::Io(format!("writing {}: {e}", self.temporary.display()));
        let file = self.writer.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&self.temporary, &self.destination).map_err(|e| {
            Failure::Io(format!(
                "renaming {} to {}: {e}",
                self.temporary.display(),
                self.destination.display()
            ))
        })
    }

    fn abort(self) {
        drop(self.writer);
        let _ = std::fs::remove_file(&self.temporary);
    }
}

/// An S3 object written part by part: bytes are buffered until a part is full, each full
/// part is uploaded (with a CRC32 checksum S3 verifies), and the upload is completed at
/// the end. Nothing is uploaded before the first part fills, and an object smaller than
/// one part is written with a single PutObject.
pub struct S3Upload {
    client: Client,
    bucket: String,
    key: String,
    part_size: usize,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
}

impl S3Upload {
    /// An upload to `bucket`/`key` in parts of `part_size` bytes (at least 5 MiB for S3;
    /// [`PART_SIZE`] unless testing).
    pub fn new(client: Client, bucket: &str, key: &str, part_size: usize) -> Self {
        Self {
            client,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            part_size,
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
        }
    }

    /// The parts uploaded so far (0 while everything still fits in one part).
    pub fn parts_uploaded(&self) -> usize {
        self.parts.len()
    }

    /// The size the next part is uploaded at.
    fn current_part_size(&self) -> usize {
        self.part_size * (1 + self.parts.len() / PARTS_PER_STEP)
    }

    /// Appends `bytes`, uploading a part whenever one is full. On failure the upload is
    /// left open: call [`S3Upload::abort`].
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= self.current_part_size() {
            self.upload_part().await?;
        }
        Ok(())
    }

    /// Uploads the buffer as the next part, starting the multipart upload if needed.
    async fn upload_part(&mut self) -> Result<(), Failure> {
        if self.parts.len() >= MAX_PARTS {
            return Err(Failure::Io(format!(
                "s3://{}/{}: the export exceeds S3's {MAX_PARTS} parts",
                self.bucket, self.key
            )));
        }
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .content_type("application/x-ndjson")
                    .checksum_algorithm(ChecksumAlgorithm::Crc32)
                    .send()
                    .await
                    .map_err(|e| crate::aws_failure("starting the S3 upload", e))?;
                let id = created
                    .upload_id()
                    .ok_or_else(|| Failure::Aws("S3 returned no upload id".into()))?
                    .to_owned();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = i32::try_from(self.parts.len() + 1)
            .map_err(|_| Failure::Io("too many parts".into()))?;
        let body = std::mem::take(&mut self.buffer);
        let uploaded = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| crate::aws_failure(&format!("uploading part {number} to S3"), e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag().map(str::to_owned))
                .set_checksum_crc32(uploaded.checksum_crc32().map(str::to_owned))
                .build(),
        );
        Ok(())
    }

    /// Writes what is buffered and completes the object; on failure, aborts the upload.
    pub async fn finish(mut self) -> Result<(), Failure> {
        let result = self.complete().await;
        if result.is_err() {
            self.abort_upload().await;
        }
        result
    }

    async fn complete(&mut self) -> Result<(), Failure> {
        if self.upload_id.is_none() {
            // Everything fit in one part: a single request.
            let body = std::mem::take(&mut self.buffer);
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type("application/x-ndjson")
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| crate::aws_failure("writing the S3 object", e))?;
            return Ok(());
        }
        if !self.buffer.is_empty() {
            self.upload_part().await?;
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_upload_id(self.upload_id.clone())
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(self.parts.clone()))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| crate::aws_failure("completing the S3 upload", e))?;
        Ok(())
    }

    /// Aborts the multipart upload, if one was started, so no parts linger (and are billed).
    pub async fn abort(mut self) {
        self.abort_upload().await;
    }

    async fn abort_upload(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(upload_id)
                .send()
                .await;
        }
    }
}
