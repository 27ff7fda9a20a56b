//! Documents attached to records: their metadata, where their bytes live, and the checks a
//! file must pass before anyone may download it.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, Changes};
use super::fields::{Fields, check_text, string};
use super::ids::{AgencyId, DocumentId, RecordId};
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on documents.
pub mod limits {
    /// Most characters in a filename.
    pub const FILENAME_MAX_CHARS: usize = 255;
    /// Default largest document, in bytes (`MAX_DOCUMENT_BYTES` overrides it).
    pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 50 * 1024 * 1024;
    /// Most documents on one record, pending and quarantined ones included.
    pub const DOCUMENTS_PER_RECORD: u32 = 100;
    /// How long a presigned upload stays valid, in seconds.
    pub const UPLOAD_URL_SECONDS: u64 = 15 * 60;
    /// How long a presigned download stays valid, in seconds.
    pub const DOWNLOAD_URL_SECONDS: u64 = 5 * 60;
}

/// Key prefix of uploaded documents; the bucket notifies the ingest queue for it only.
pub const DOCUMENTS_PREFIX: &str = "documents/";
/// Key prefix quarantined files are moved under; no download URL is ever made for it.
pub const QUARANTINE_PREFIX: &str = "quarantine/";

/// The file types a document may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContentType {
    /// `application/pdf`
    #[serde(rename = "application/pdf")]
    Pdf,
    /// `image/png`
    #[serde(rename = "image/png")]
    Png,
    /// `image/jpeg`
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// `image/tiff`
    #[serde(rename = "image/tiff")]
    Tiff,
    /// `text/plain` (UTF-8)
    #[serde(rename = "text/plain")]
    PlainText,
    /// `text/csv` (UTF-8)
    #[serde(rename = "text/csv")]
    Csv,
}

impl ContentType {
    /// Every allowed type.
    pub const ALL: [Self; 6] = [
        Self::Pdf,
        Self::Png,
        Self::Jpeg,
        Self::Tiff,
        Self::PlainText,
        Self::Csv,
    ];

    /// The media type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Tiff => "image/tiff",
            Self::PlainText => "text/plain",
            Self::Csv => "text/csv",
        }
    }

    /// Parses a media type (exactly; parameters such as `charset` are not accepted,
    /// since the type is signed into the upload URL and must match byte for byte).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The file name extensions of this type, lowercase, the usual one first. A name must
    /// end in one of them, so that a download never opens as something else (a verified
    /// text file named `pay.hta` would run on a desktop).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Png => &["png"],
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Tiff => &["tif", "tiff"],
            Self::PlainText => &["txt"],
            Self::Csv => &["csv"],
        }
    }

    /// Whether `filename` ends in one of this type's [extensions](Self::extensions)
    /// (in any case).
    pub fn names(self, filename: &str) -> bool {
        filename.rsplit_once('.').is_some_and(|(stem, extension)| {
            !stem.is_empty()
                && self
                    .extensions()
                    .iter()
                    .any(|known| extension.eq_ignore_ascii_case(known))
        })
    }

    /// Whether files of this type are UTF-8 text rather than a binary format.
    pub fn is_text(self) -> bool {
        matches!(self, Self::PlainText | Self::Csv)
    }

    /// Whether `head` (a file's first bytes, at least 8 unless the file is shorter)
    /// starts as a file of this type must.
    fn magic_matches(self, head: &[u8]) -> bool {
        match self {
            Self::Pdf => head.starts_with(b"%PDF-"),
            Self::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Jpeg => head.starts_with(b"\xFF\xD8\xFF"),
            Self::Tiff => head.starts_with(b"II*\0") || head.starts_with(b"MM\0*"),
            Self::PlainText | Self::Csv => true,
        }
    }
}

/// Where a document is in ingestion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStatus {
    /// Announced, not yet uploaded or not yet verified.
    Pending,
    /// Verified: it may be downloaded.
    Available,
    /// Failed verification: it is never served.
    Quarantined,
    /// Was available, but a fixity check found its bytes changed or gone: it is not served
    /// until a later check (of bytes restored from a replica or a backup) passes.
    Damaged,
    /// Announced, but its upload never came while its URL was valid (and a margin after):
    /// it no longer counts toward the record's documents.
    Expired,
}

impl DocumentStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Quarantined => "quarantined",
            Self::Damaged => "damaged",
            Self::Expired => "expired",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Available,
            Self::Quarantined,
            Self::Damaged,
            Self::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A document's metadata, exactly as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Its id.
    pub id: DocumentId,
    /// The record it belongs to.
    pub record_id: RecordId,
    /// The record's agency.
    pub agency: AgencyId,
    /// The name the uploader gave it (shown, never used as a storage key).
    pub filename: String,
    /// Its declared type, checked against its first bytes.
    pub content_type: ContentType,
    /// Its declared size in bytes, checked exactly.
    pub size: u64,
    /// Base64 of its declared SHA-256, checked exactly.
    pub sha256: String,
    /// Where it is in ingestion.
    pub status: DocumentStatus,
    /// Why it was quarantined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine_reason: Option<String>,
    /// When it was announced.
    pub created_at: Timestamp,
    /// Who announced it.
    pub created_by: String,
    /// When ingestion settled it (available or quarantined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<Timestamp>,
    /// The object version that was verified: the only one ever served (stores that keep
    /// no versions have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its last fixity check, if it has had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixity: Option<FixityCheck>,
}

/// What a fixity check found of a document's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixityOutcome {
    /// The bytes hash to the SHA-256 verified at ingestion.
    Intact,
    /// They hash to something else.
    Mismatch,
    /// The object (the version verified) is gone.
    Missing,
}

impl FixityOutcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intact => "intact",
            Self::Mismatch => "mismatch",
            Self::Missing => "missing",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Intact, Self::Mismatch, Self::Missing]
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }
}

/// A document's last fixity check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixityCheck {
    /// When.
    pub at: Timestamp,
    /// What it found.
    pub outcome: FixityOutcome,
}

impl Document {
    /// Where its bytes are uploaded: agency, record and document ids, never the filename.
    pub fn object_key(&self) -> String {
        object_key(&self.agency, &self.record_id, &self.id)
    }

    /// Where its bytes are moved if it fails verification.
    pub fn quarantine_key(&self) -> String {
        format!(
            "{QUARANTINE_PREFIX}{}/{}/{}",
            self.agency, self.record_id, self.id
        )
    }

    /// Where an object version written to its key after it was verified is moved:
    /// beside its quarantine key, named by (a digest of) the version.
    pub fn replaced_key(&self, version: &str) -> String {
        let digest = super::audit::sha256_hex(version.as_bytes());
        format!("{}-{}", self.quarantine_key(), &digest[..16])
    }

    /// The audit changes of announcing it.
    pub fn creation_changes(&self) -> Changes {
        let summary = json!({
            "filename": self.filename,
            "content_type": self.content_type.as_str(),
            "size": self.size,
            "sha256": self.sha256,
        });
        Changes::from([(format!("documents/{}", self.id), [Value::Null, summary])])
    }

    /// The audit changes of moving from `self` (pending) to `settled`.
    pub fn settlement_changes(&self, settled: &Document) -> Changes {
        let mut changes = Changes::from([(
            format!("documents/{}/status", self.id),
            [json!(self.status.as_str()), json!(settled.status.as_str())],
        )]);
        if let Some(reason) = &settled.quarantine_reason {
            changes.insert(
                format!("documents/{}/quarantine_reason", self.id),
                [Value::Null, json!(reason)],
            );
        }
        changes
    }

    /// Whether fixity checks read it: it was verified (available), or a check found it
    /// damaged (and a later one may find it restored).
    pub fn in_rotation(&self) -> bool {
        matches!(
            self.status,
            DocumentStatus::Available | DocumentStatus::Damaged
        )
    }

    /// When its bytes were last known good or bad: its last check, else its verification.
    /// Checks go oldest first.
    pub fn fixity_checked_at(&self) -> Timestamp {
        self.fixity
            .map(|check| check.at)
            .or(self.settled_at)
            .unwrap_or(self.created_at)
    }

    /// This document after a check at `at` found `outcome`: damaged on a mismatch or a
    /// missing object, available again once a check passes; and, when its status moved,
    /// the audit action and changes that record it on the record's chain.
    pub fn checked(
        &self,
        outcome: FixityOutcome,
        at: Timestamp,
    ) -> (Self, Option<(AuditAction, Changes)>) {
        let status = match outcome {
            FixityOutcome::Intact => DocumentStatus::Available,
            FixityOutcome::Mismatch | FixityOutcome::Missing => DocumentStatus::Damaged,
        };
        let checked = Self {
            status,
            fixity: Some(FixityCheck { at, outcome }),
            ..self.clone()
        };
        if status == self.status {
            return (checked, None);
        }
        let action = match status {
            DocumentStatus::Damaged => AuditAction::DocumentDamage,
            _ => AuditAction::DocumentRestore,
        };
        let changes = Changes::from([
            (
                format!("documents/{}/status", self.id),
                [json!(self.status.as_str()), json!(status.as_str())],
            ),
            (
                format!("documents/{}/fixity", self.id),
                [Value::Null, json!(outcome.as_str())],
            ),
        ]);
        (checked, Some((action, changes)))
    }

    /// This pending document given up at `at` (its upload never came), and the record
    /// entry that says so (`document.expire`).
    pub fn expired(&self, at: Timestamp) -> (Self, AuditAction, Changes) {
        let expired = Self {
            status: DocumentStatus::Expired,
            settled_at: Some(at),
            ..self.clone()
        };
        let changes = Changes::from([(
            format!("documents/{}/status", self.id),
            [json!(self.status.as_str()), json!(expired.status.as_str())],
        )]);
        (expired, AuditAction::DocumentExpire, changes)
    }

    /// This pending document once ingestion has judged it at `at`: available as object
    /// version `version` (the one that was read), or quarantined for `quarantine_reason`;
    /// with the audit action that records it.
    pub fn settled(
        &self,
        quarantine_reason: Option<String>,
        version: Option<String>,
        at: Timestamp,
    ) -> (Self, AuditAction) {
        let (status, action, version) = match quarantine_reason {
            None => (
                DocumentStatus::Available,
                AuditAction::DocumentVerify,
                version,
            ),
            Some(_) => (
                DocumentStatus::Quarantined,
                AuditAction::DocumentQuarantine,
                None,
            ),
        };
        let settled = Self {
            status,
            quarantine_reason,
            settled_at: Some(at),
            version,
            ..self.clone()
        };
        (settled, action)
    }

    /// `Content-Disposition` for downloading it: an attachment under its filename, with a
    /// plain-ASCII fallback and the exact name in RFC 5987 form, so no byte of the name can
    /// break out of the header.
    pub fn content_disposition(&self) -> String {
        // Names announced before extensions were checked get the type's own appended.
        let filename = match self.content_type.names(&self.filename) {
            true => self.filename.clone(),
            false => format!("{}.{}", self.filename, self.content_type.extensions()[0]),
        };
        let fallback: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';' | ',') || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded = utf8_percent_encode(&filename, RFC_5987_ESCAPED);
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    }
}

/// What RFC 5987 escapes in an extended header value: everything but `attr-char`.
const RFC_5987_ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The key a document's bytes are uploaded to.
pub fn object_key(agency: &AgencyId, record: &RecordId, document: &DocumentId) -> String {
    format!("{DOCUMENTS_PREFIX}{agency}/{record}/{document}")
}

/// The ids in an upload key made by [`object_key`]; `None` for any other key.
pub fn parse_object_key(key: &str) -> Option<(AgencyId, RecordId, DocumentId)> {
    let rest = key.strip_prefix(DOCUMENTS_PREFIX)?;
    let mut parts = rest.split('/');
    let agency = AgencyId::parse(parts.next()?)?;
    let record = RecordId::parse(parts.next()?)?;
    let document = DocumentId::parse(parts.next()?)?;
    // Ids are canonical (uppercase): a key spelled differently is not one we made.
    let canonical = parts.next().is_none() && object_key(&agency, &record, &document) == key;
    canonical.then_some((agency, record, document))
}

/// An object key as S3 event notifications spell it (URL-encoded, `+` for a space),
/// decoded; `None` if the bytes it stands for are not UTF-8.
pub fn decode_notification_key(raw: &str) -> Option<String> {
    percent_decode_str(&raw.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|key| key.into_owned())
}

/// The body of `POST /records/{id}/documents`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    /// 1 to 255 characters, no path separators or control characters.
    pub filename: String,
    /// One of [`ContentType::ALL`].
    pub content_type: ContentType,
    /// 1 to the configured maximum.
    pub size: u64,
    /// Base64 of 32 bytes.
    pub sha256: String,
}

impl NewDocument {
    /// Validates a JSON body against `max_bytes`, reporting every bad field at once.
    pub fn from_json(body: &Value, max_bytes: u64) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["filename", "content_type", "size", "sha256"])?;
        let filename = fields.required("filename", filename);
        let content_type = fields.required("content_type", content_type);
        let size = fields.required("size", |_, value| match whole_number(value) {
            Some(size) if (1..=max_bytes).contains(&size) => Ok(size),
            _ => Err(format!(
                "must be a whole number of bytes from 1 to {max_bytes}"
            )),
        });
        let sha256 = fields.required("sha256", sha256);
        if let (Some(filename), Some(content_type)) = (&filename, content_type)
            && !content_type.names(filename)
        {
            let endings: Vec<String> = content_type
                .extensions()
                .iter()
                .map(|extension| format!(".{extension}"))
                .collect();
            fields.refuse(
                "filename",
                format!(
                    "must end in {} for {}",
                    endings.join(" or "),
                    content_type.as_str()
                ),
            );
        }
        fields.finish()?;
        match (filename, content_type, size, sha256) {
            (Some(filename), Some(content_type), Some(size), Some(sha256)) => Ok(Self {
                filename,
                content_type,
                size,
                sha256,
            }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }

    /// The pending document this announces.
    pub fn into_document(
        self,
        id: DocumentId,
        record: &RecordId,
        agency: &AgencyId,
        actor: &str,
        now: Timestamp,
    ) -> Document {
        Document {
            id,
            record_id: record.clone(),
            agency: agency.clone(),
            filename: self.filename,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            status: DocumentStatus::Pending,
            quarantine_reason: None,
            created_at: now,
            created_by: actor.to_owned(),
            settled_at: None,
            version: None,
            fixity: None,
        }
    }
}

/// A JSON number with no fractional part, as JSON Schema's `integer` means it: `100`, and
/// also `100.0` or `1e2`, which many serializers write for the same number.
fn whole_number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|number| {
                number.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(number)
            })
            .map(|number| number as u64)
    })
}

fn filename(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    check_text(text, limits::FILENAME_MAX_CHARS, false)?;
    if text.contains(['/', '\\']) || text == "." || text == ".." {
        return Err("must be a file name, not a path".to_owned());
    }
    // Invisible characters make a name read as something it is not ("invoice.pdf" with a
    // zero-width space is another file); they have no place in a file name.
    if let Some(c) = text.chars().find(|c| {
        matches!(c, '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
    }) {
        return Err(format!(
            "must not contain the invisible character U+{:04X}",
            c as u32
        ));
    }
    Ok(text.to_owned())
}

fn content_type(_: &str, value: &Value) -> Result<ContentType, String> {
    ContentType::parse(string(value)?).ok_or_else(|| {
        let allowed: Vec<&str> = ContentType::ALL.iter().map(|t| t.as_str()).collect();
        format!("must be one of {}", allowed.join(", "))
    })
}

fn sha256(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    match BASE64.decode(text) {
        Ok(bytes) if bytes.len() == 32 && BASE64.encode(&bytes) == text => Ok(text.to_owned()),
        _ => Err("must be the base64 of a SHA-256 digest (44 characters)".to_owned()),
    }
}

/// Why a file failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Its size is not the declared one.
    SizeMismatch {
        /// Declared.
        declared: u64,
        /// Found (or at least this many, when reading stopped early).
        actual: u64,
    },
    /// Its first bytes are not those of the declared type.
    NotOfDeclaredType(ContentType),
    /// A text type that is not valid UTF-8 (or holds NUL bytes).
    NotUtf8Text(ContentType),
    /// Its SHA-256 is not the declared one.
    ChecksumMismatch,
    /// It was stored with a `Content-Encoding`: a browser would decode it into other
    /// bytes than the ones verified.
    Encoded(String),
    /// The store's own integrity check fails on reading it (its bytes do not match the
    /// checksum stored with them): no read will ever give the bytes that were announced.
    Corrupted,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SizeMismatch { declared, actual } => {
                write!(f, "size is {actual} bytes, {declared} were declared")
            }
            Self::NotOfDeclaredType(t) => write!(f, "content is not {}", t.as_str()),
            Self::NotUtf8Text(t) => write!(f, "content is not UTF-8 text ({})", t.as_str()),
            Self::ChecksumMismatch => f.write_str("SHA-256 differs from the declared one"),
            Self::Corrupted => f.write_str("stored bytes do not match their stored checksum"),
            Self::Encoded(encoding) => write!(f, "stored with Content-Encoding {encoding}"),
        }
    }
}

/// Checks a file as it streams past, chunk by chunk, in constant memory: size, leading
/// bytes, UTF-8 for text types, SHA-256.
pub struct ContentCheck {
    content_type: ContentType,
    declared_size: u64,
    seen: u64,
    hasher: digest::Context,
    head: Vec<u8>,
    /// The bytes of a UTF-8 sequence split across chunks (at most 3).
    utf8_carry: Vec<u8>,
}

/// How many leading bytes the type check looks at.
const HEAD_BYTES: usize = 8;

impl ContentCheck {
    /// A check for a file declared as `document` says.
    pub fn new(document: &Document) -> Self {
        Self {
            content_type: document.content_type,
            declared_size: document.size,
            seen: 0,
            hasher: digest::Context::new(&digest::SHA256),
            head: Vec::with_capacity(HEAD_BYTES),
            utf8_carry: Vec::new(),
        }
    }

    /// Takes the next chunk. Fails as soon as the file is known to be bad (longer than
    /// declared, wrong leading bytes, broken UTF-8), so a caller can stop reading.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.seen += chunk.len() as u64;
        if self.seen > self.declared_size {
            return Err(Rejection::SizeMismatch {
                declared: self.declared_size,
                actual: self.seen,
            });
        }
        if self.head.len() < HEAD_BYTES {
            let wanted = HEAD_BYTES - self.head.len();
            self.head
                .extend_from_slice(&chunk[..wanted.min(chunk.len())]);
            if self.head.len() == HEAD_BYTES && !self.content_type.magic_matches(&self.head) {
                return Err(Rejection::NotOfDeclaredType(self.content_type));
            }
        }
        if self.content_type.is_text() {
            self.check_utf8(chunk)?;
        }
        self.hasher.update(chunk);
        Ok(())
    }

    fn check_utf8(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        let bad = Rejection::NotUtf8Text(self.content_type);
        if chunk.contains(&0) {
            return Err(bad);
        }
        let mut rest = chunk;
        if !self.utf8_carry.is_empty() {
            // Complete the sequence split across chunks, one byte at a time (at most 3).
            while let Some((&byte, tail)) = rest.split_first() {
                self.utf8_carry.push(byte);
                rest = tail;
                match std::str::from_utf8(&self.utf8_carry) {
                    Ok(_) => break,
                    Err(e) if e.error_len().is_some() => return Err(bad),
                    Err(_) => {}
                }
            }
            if std::str::from_utf8(&self.utf8_carry).is_err() {
                // The chunk ended mid-sequence again.
                return Ok(());
            }
            self.utf8_carry.clear();
        }
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.utf8_carry.extend_from_slice(&rest[e.valid_up_to()..]);
                Ok(())
            }
            Err(_) => Err(bad),
        }
    }

    /// The verdict once the whole file has been read: the base64 SHA-256 it has, which
    /// equals `declared_sha256`, or why it is rejected.
    pub fn finish(self, declared_sha256: &str) -> Result<String, Rejection> {
        if self.seen != self.declared_size {
            return Err(Rejection::SizeMismatch {
                declared: self.declared_size,
                actual: self.seen,
            });
        }
        if !self.content_type.magic_matches(&self.head) {
            return Err(Rejection::NotOfDeclaredType(self.content_type));
        }
        if !self.utf8_carry.is_empty() {
            return Err(Rejection::NotUtf8Text(self.content_type));
        }
        let actual = BASE64.encode(self.hasher.finish().as_ref());
        if actual == declared_sha256 {
            Ok(actual)
        } else {
            Err(Rejection::ChecksumMismatch)
        }
    }
}

/// Base64 of the SHA-256 of `bytes`, as documents declare it.
pub fn sha256_base64(bytes: &[u8]) -> String {
    BASE64.encode(digest::digest(&digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests;
