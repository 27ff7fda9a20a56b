//! Blobs in a local folder, behind URLs the local server serves. The URLs are signed like
//! S3's (HMAC-SHA256 over method, key, the bound headers and the expiry), so a client
//! written against the local server behaves the same against S3.

use std::path::PathBuf;
use std::time::Duration;

use aws_lc_rs::hmac;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    Blob, BlobBody, BlobError, BlobPresigner, BlobStore, DownloadSpec, Presigned, Purged,
    UploadSpec, expiry,
};
use crate::clock::Timestamp;

/// Path prefix of blob URLs on the local server.
pub const BLOB_PATH: &str = "/_blobs/";
const READ_CHUNK: usize = 64 * 1024;

/// Blobs as files under a folder.
#[derive(Clone)]
pub struct FileBlobs {
    root: PathBuf,
    base_url: String,
    key: hmac::Key,
}

impl std::fmt::Debug for FileBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBlobs")
            .field("root", &self.root)
            .finish()
    }
}

/// What a checked upload URL allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadGrant {
    /// The exact `Content-Length`.
    pub size: u64,
    /// The base64 SHA-256 the bytes must have.
    pub sha256: String,
}

/// Why a blob URL was refused (the local server answers 403, as S3 does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

impl FileBlobs {
    /// Blobs under `root`, served at `base_url` (`http://127.0.0.1:3000`), URLs signed
    /// with `secret`.
    pub fn new(root: impl Into<PathBuf>, base_url: impl Into<String>, secret: &[u8]) -> Self {
        Self {
            root: root.into(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    /// The folder the blobs are in.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// The file of `key`; `None` for a key with anything but `[A-Za-z0-9-]` segments, so
    /// no key can reach outside the folder.
    pub fn path_of(&self, key: &str) -> Option<PathBuf> {
        let safe = !key.is_empty()
            && key.split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        safe.then(|| self.root.join(key))
    }

    fn sign(&self, parts: &[&str]) -> String {
        let tag = hmac::sign(&self.key, parts.join("\n").as_bytes());
        hex::encode(tag)
    }

    fn check(&self, parts: &[&str], signature: &str) -> bool {
        let expected = self.sign(parts);
        // Constant-time comparison, so the signature cannot be guessed byte by byte.
        aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), signature.as_bytes())
            .is_ok()
    }

    /// Checks an upload: the URL's signature and expiry, and that the request's headers are
    /// the ones signed. `query` is the URL's decoded query pairs.
    pub fn verify_upload(
        &self,
        key: &str,
        query: &[(String, String)],
        header: impl Fn(&str) -> Option<String>,
        now: Timestamp,
    ) -> Result<UploadGrant, Refused> {
        let expires = expires_param(query, now)?;
        let content_type = header("content-type").unwrap_or_default();
        let size = header("content-length").unwrap_or_default();
        let sha256 = header("x-amz-checksum-sha256").unwrap_or_default();
        let if_none_match = header("if-none-match").unwrap_or_default();
        let signature = param(query, "X-Dossier-Signature").unwrap_or_default();
        if !self.check(
            &[
                "PUT",
                key,
                &content_type,
                &size,
                &sha256,
                &if_none_match,
                &expires,
            ],
            signature,
        ) {
            return Err(Refused(
                "the signature does not match this method, key and headers".into(),
            ));
        }
        Ok(UploadGrant {
            size: size
                .parse()
                .map_err(|_| Refused("bad Content-Length".into()))?,
            sha256,
        })
    }

    /// Checks a download URL; gives the response's content type and disposition.
    pub fn verify_download(
        &self,
        key: &str,
        query: &[(String, String)],
        now: Timestamp,
    ) -> Result<(String, String), Refused> {
        let expires = expires_param(query, now)?;
        let content_type = param(query, "response-content-type").unwrap_or_default();
        let disposition = param(query, "response-content-disposition").unwrap_or_default();
        let signature = param(query, "X-Dossier-Signature").unwrap_or_default();
        if !self.check(
            &["GET", key, content_type, disposition, &expires],
            signature,
        ) {
            return Err(Refused("the signature does not match this URL".into()));
        }
        Ok((content_type.to_owned(), disposition.to_owned()))
    }

    /// Writes an upload's bytes to `key`: into a temporary file first, renamed into place
    /// only once complete and matching `grant`, so a failed upload leaves nothing behind.
    pub async fn receive(&self, key: &str) -> Result<Receiving, BlobError> {
        let path = self
            .path_of(key)
            .ok_or_else(|| BlobError::Backend(format!("not a blob key: {key}")))?;
        let incoming = self.root.join(".incoming");
        crate::private::create_dir_all_async(&incoming)
            .await
            .map_err(io)?;
        let mut random = [0u8; 16];
        aws_lc_rs::rand::fill(&mut random)
            .map_err(|_| BlobError::Backend("no randomness for a temporary name".into()))?;
        let temp = incoming.join(hex::encode(random));
        let file = crate::private::new_file_async()
            .open(&temp)
            .await
            .map_err(io)?;
        Ok(Receiving {
            file,
            temp,
            path,
            hasher: aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256),
            written: 0,
        })
    }
}

/// What became of a complete upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Stored at its key.
    Stored,
    /// Not the file the URL allows (S3 answers 400), for this reason.
    NotAsAnnounced(String),
    /// Something is at its key already (S3 answers 412 to `If-None-Match: *`).
    AlreadyThere,
}

/// An upload being written; see [`FileBlobs::receive`].
pub struct Receiving {
    file: tokio::fs::File,
    temp: PathBuf,
    path: PathBuf,
    hasher: aws_lc_rs::digest::Context,
    written: u64,
}

impl Receiving {
    /// Appends `chunk`.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        self.file.write_all(chunk).await.map_err(io)
    }

    /// Keeps the file if it is exactly what `grant` allows (as S3 checks the length and
    /// the checksum header) and nothing is at its key yet (as `If-None-Match: *` makes S3
    /// check); else deletes it and says why.
    pub async fn finish(mut self, grant: &UploadGrant) -> Result<Received, BlobError> {
        self.file.flush().await.map_err(io)?;
        self.file.sync_all().await.map_err(io)?;
        drop(self.file);
        let sha256 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            self.hasher.finish().as_ref(),
        );
        let refusal = if self.written != grant.size {
            Some("the body is not Content-Length bytes long")
        } else if sha256 != grant.sha256 {
            Some("the body does not match x-amz-checksum-sha256 (BadDigest)")
        } else {
            None
        };
        if let Some(why) = refusal {
            let _ = tokio::fs::remove_file(&self.temp).await;
            return Ok(Received::NotAsAnnounced(why.into()));
        }
        if let Some(folder) = self.path.parent() {
            crate::private::create_dir_all_async(folder)
                .await
                .map_err(io)?;
        }
        // A hard link, unlike a rename, never replaces what is there: of two uploads to
        // one key, one lands and the other is refused.
        let linked = tokio::fs::hard_link(&self.temp, &self.path).await;
        let _ = tokio::fs::remove_file(&self.temp).await;
        match linked {
            Ok(()) => Ok(Received::Stored),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok(Received::AlreadyThere)
            }
            Err(error) => Err(io(error)),
        }
    }

    /// Gives up: deletes what was written.
    pub async fn abandon(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.temp).await;
    }
}

fn io(error: std::io::Error) -> BlobError {
    BlobError::Backend(error.to_string())
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn expires_param(query: &[(String, String)], now: Timestamp) -> Result<String, Refused> {
    let expires = param(query, "X-Dossier-Expires").unwrap_or_default();
    match expires.parse::<i64>() {
        Ok(at) if now.as_secs() < at => Ok(expires.to_owned()),
        Ok(_) => Err(Refused("the URL has expired".into())),
        Err(_) => Err(Refused("the URL is not signed".into())),
    }
}

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, super::QUERY).to_string()
}

/// A file being read.
pub struct FileBody(tokio::fs::File);

impl BlobBody for FileBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, BlobError> {
        let mut buffer = vec![0u8; READ_CHUNK];
        let read = self.0.read(&mut buffer).await.map_err(io)?;
        if read == 0 {
            return Ok(None);
        }
        buffer.truncate(read);
        Ok(Some(Bytes::from(buffer)))
    }
}

impl BlobPresigner for FileBlobs {
    async fn presign_upload(
        &self,
        key: &str,
        spec: &UploadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Presigned, BlobError> {
        let expires_at = expiry(now, ttl);
        let expires = expires_at.as_secs().to_string();
        let size = spec.size.to_string();
        let signature = self.sign(&[
            "PUT",
            key,
            spec.content_type,
            &size,
            spec.sha256,
            "*",
            &expires,
        ]);
        Ok(Presigned {
            method: "PUT".into(),
            url: format!(
                "{}{BLOB_PATH}{key}?X-Dossier-Expires={expires}&X-Dossier-Signature={signature}",
                self.base_url
            ),
            headers: vec![
                ("content-type".into(), spec.content_type.to_owned()),
                ("content-length".into(), size),
                ("x-amz-checksum-sha256".into(), spec.sha256.to_owned()),
                // As on S3: the URL writes the object once, never over it.
                ("if-none-match".into(), "*".into()),
            ],
            expires_at,
        })
    }

    async fn presign_download(
        &self,
        key: &str,
        spec: &DownloadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Presigned, BlobError> {
        let expires_at = expiry(now, ttl);
        let expires = expires_at.as_secs().to_string();
        let signature = self.sign(&[
            "GET",
            key,
            spec.content_type,
            spec.content_disposition,
            &expires,
        ]);
        Ok(Presigned {
            method: "GET".into(),
            url: format!(
                "{}{BLOB_PATH}{key}?response-content-type={}&response-content-disposition={}&X-Dossier-Expires={expires}&X-Dossier-Signature={signature}",
                self.base_url,
                encode(spec.content_type),
                encode(spec.content_disposition),
            ),
            headers: Vec::new(),
            expires_at,
        })
    }
}

impl BlobStore for FileBlobs {
    type Body = FileBody;

    async fn open(&self, key: &str) -> Result<Option<Blob<FileBody>>, BlobError> {
        let Some(path) = self.path_of(key) else {
            return Ok(None);
        };
        match tokio::fs::File::open(&path).await {
            Ok(file) => {
                let size = file.metadata().await.map_err(io)?.len();
                // A folder keeps no versions, and uploads carry no encoding here.
                Ok(Some(Blob {
                    size,
                    version: None,
                    content_encoding: None,
                    body: FileBody(file),
                }))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io(error)),
        }
    }

    async fn current_version(&self, _key: &str) -> Result<Option<String>, BlobError> {
        // A folder keeps no versions; an upload never replaces a file (see `Received`).
        Ok(None)
    }

    async fn mark_verified(&self, key: &str, _version: Option<&str>) -> Result<(), BlobError> {
        // Locally there is no lifecycle rule to spare the file from; it only has to exist.
        match self.path_of(key) {
            Some(path) if tokio::fs::try_exists(&path).await.map_err(io)? => Ok(()),
            _ => Err(BlobError::Backend(format!("no blob at {key}"))),
        }
    }

    async fn retained_until(
        &self,
        _prefix: &str,
        _now: crate::clock::Timestamp,
    ) -> Result<Option<crate::clock::Timestamp>, BlobError> {
        // A folder has no Object Lock.
        Ok(None)
    }

    async fn purge(&self, prefix: &str) -> Result<Purged, BlobError> {
        // A folder keeps no versions and no lock: the prefix's folder goes, files and all.
        let Some(folder) = self.path_of(prefix.trim_end_matches('/')) else {
            return Err(BlobError::Backend(format!("not a blob prefix: {prefix}")));
        };
        let mut deleted = 0;
        let mut pending = vec![folder.clone()];
        while let Some(dir) = pending.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(io(error)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(io)? {
                if entry.file_type().await.map_err(io)?.is_dir() {
                    pending.push(entry.path());
                } else {
                    deleted += 1;
                }
            }
        }
        match tokio::fs::remove_dir_all(&folder).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(error)),
        }
        Ok(Purged {
            deleted,
            locked: Vec::new(),
        })
    }

    async fn quarantine(
        &self,
        key: &str,
        _version: Option<&str>,
        to: &str,
    ) -> Result<(), BlobError> {
        let (Some(from), Some(to)) = (self.path_of(key), self.path_of(to)) else {
            return Err(BlobError::Backend(format!("not blob keys: {key}, {to}")));
        };
        if let Some(folder) = to.parent() {
            crate::private::create_dir_all_async(folder)
                .await
                .map_err(io)?;
        }
        match tokio::fs::rename(&from, &to).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(io(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_795_688_498_123);

    fn query_of(url: &str) -> Vec<(String, String)> {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        serde_urlencoded::from_str(query).unwrap()
    }

    #[tokio::test]
    async fn upload_urls_bind_key_headers_and_expiry() {
        let blobs = FileBlobs::new("/tmp/unused", "http://127.0.0.1:3000/", b"secret");
        let spec = UploadSpec {
            content_type: "text/plain",
            size: 5,
            sha256: "abc=",
        };
        let ttl = Duration::from_secs(900);
        let upload = blobs
            .presign_upload("documents/a/b/c", &spec, NOW, ttl)
            .await
            .unwrap();
        assert!(
            upload
                .url
                .starts_with("http://127.0.0.1:3000/_blobs/documents/a/b/c?")
        );
        let query = query_of(&upload.url);
        let headers = upload.headers.clone();
        let header = |headers: Vec<(String, String)>| {
            move |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            }
        };
        let grant = blobs
            .verify_upload("documents/a/b/c", &query, header(headers.clone()), NOW)
            .unwrap();
        assert_eq!(
            grant,
            UploadGrant {
                size: 5,
                sha256: "abc=".into()
            }
        );
        assert!(
            blobs
                .verify_upload("documents/a/b/d", &query, header(headers.clone()), NOW)
                .is_err()
        );
        for name in [
            "content-type",
            "content-length",
            "x-amz-checksum-sha256",
            "if-none-match",
        ] {
            let changed: Vec<_> = headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.clone(),
                        if n == name {
                            format!("{v}0")
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect();
            assert!(
                blobs
                    .verify_upload("documents/a/b/c", &query, header(changed), NOW)
                    .is_err(),
                "{name}"
            );
        }
        let late = NOW.plus_millis(900_000);
        assert!(
            blobs
                .verify_upload("documents/a/b/c", &query, header(headers), late)
                .is_err()
        );
    }

    #[tokio::test]
    async fn an_upload_writes_once_and_owner_only() {
        let root = std::env::temp_dir().join(format!("dossier-once-{}", std::process::id()));
        let blobs = FileBlobs::new(&root, "http://h", b"secret");
        let grant = UploadGrant {
            size: 5,
            sha256: crate::model::sha256_base64(b"hello"),
        };
        let upload = |bytes: &'static [u8]| {
            let blobs = blobs.clone();
            let grant = grant.clone();
            async move {
                let mut receiving = blobs.receive("documents/a/b/c").await.unwrap();
                receiving.write(bytes).await.unwrap();
                receiving.finish(&grant).await.unwrap()
            }
        };
        assert_eq!(
            upload(b"hallo").await,
            Received::NotAsAnnounced(
                "the body does not match x-amz-checksum-sha256 (BadDigest)".into()
            )
        );
        assert_eq!(upload(b"hello").await, Received::Stored);
        // Replayed, even with the same bytes: refused, and the file is untouched.
        assert_eq!(upload(b"hello").await, Received::AlreadyThere);
        let path = blobs.path_of("documents/a/b/c").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        assert_eq!(
            std::fs::read_dir(root.join(".incoming")).unwrap().count(),
            0
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&root), 0o700);
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[tokio::test]
    async fn download_urls_bind_the_response_headers() {
        let blobs = FileBlobs::new("/tmp/unused", "http://h", b"secret");
        let spec = DownloadSpec {
            content_type: "application/pdf",
            content_disposition: "attachment; filename=\"a b.pdf\"",
            version: None,
        };
        let download = blobs
            .presign_download("documents/a/b/c", &spec, NOW, Duration::from_secs(300))
            .await
            .unwrap();
        let query = query_of(&download.url);
        assert_eq!(
            blobs.verify_download("documents/a/b/c", &query, NOW),
            Ok(("application/pdf".into(), spec.content_disposition.into()))
        );
        let mut tampered = query.clone();
        tampered[1].1 = "attachment; filename=\"x.exe\"".into();
        assert!(
            blobs
                .verify_download("documents/a/b/c", &tampered, NOW)
                .is_err()
        );
        assert!(
            blobs
                .verify_download("documents/a/b/c", &query, NOW.plus_millis(300_000))
                .is_err()
        );
    }

    #[test]
    fn keys_cannot_leave_the_folder() {
        let blobs = FileBlobs::new("/data/blobs", "http://h", b"s");
        assert_eq!(
            blobs.path_of("documents/a/B-1/c"),
            Some(PathBuf::from("/data/blobs/documents/a/B-1/c"))
        );
        for bad in [
            "",
            "../x",
            "documents/../../etc",
            "a//b",
            "/abs",
            "a/.",
            "a b",
            ".incoming/x",
        ] {
            assert_eq!(blobs.path_of(bad), None, "{bad}");
        }
    }
}
