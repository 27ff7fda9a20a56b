//! The documents queue: each SQS message carries an S3 `ObjectCreated` notification for an
//! upload. The file is read as a stream and checked against what was announced (size,
//! leading bytes, UTF-8 for text, SHA-256); it becomes `available`, or `quarantined` with
//! the reason and moved under the quarantine prefix. Both land in the record's audit chain.
//!
//! Failures are per message, and only what may succeed later is retried: a transient one
//! (throttling, a timeout, an object not there yet) puts only that message's id in
//! `batchItemFailures`, so SQS redelivers it (and, after five receives, moves it to the
//! dead-letter queue). Bytes that can never verify (a wrong size or type, a checksum that
//! fails) quarantine the document; a malformed message, or a key that names no document,
//! is logged and acknowledged so it cannot loop. Redelivery is harmless: a settled
//! document is never settled twice.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::Deserialize;
use shared::blob::{BlobBody, BlobError, BlobStore};
use shared::clock::Clock;
use shared::model::{
    ContentCheck, Document, DocumentStatus, Rejection, decode_notification_key, parse_object_key,
};
use shared::store::{Store, StoreError, retry};
use tracing::Instrument;

/// What the handler works with, built once per container.
pub struct Ingest<S, B> {
    /// Records and documents.
    pub store: S,
    /// Uploaded files.
    pub blobs: B,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// What ingesting one object came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Verified: the document is available.
    Verified,
    /// Rejected: the document is quarantined, for this reason.
    Quarantined(String),
    /// The document was settled before (a repeated notification); nothing changed.
    AlreadySettled(DocumentStatus),
    /// The key is not an upload of a known document (or its record is gone).
    Ignored(String),
}

/// A failure worth retrying: the message goes back to the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transient(pub String);

impl From<StoreError> for Transient {
    fn from(error: StoreError) -> Self {
        Self(error.to_string())
    }
}

impl From<BlobError> for Transient {
    fn from(error: BlobError) -> Self {
        Self(error.to_string())
    }
}

/// What reading an upload against its document found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Exactly the file that was announced, in this object version (the one served from
    /// now on).
    Accepted(Option<String>),
    /// Not the file that was announced, and never will be: it is quarantined.
    Rejected(Rejection),
    /// Not judged yet (the object is not there, the store did not answer): try again.
    RetryLater(String),
}

impl From<BlobError> for Verdict {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::Corrupt(_) => Self::Rejected(Rejection::Corrupted),
            other => Self::RetryLater(other.to_string()),
        }
    }
}

/// Handles a batch; the ids of messages to redeliver are in `batch_item_failures`.
pub async fn handle<S: Store, B: BlobStore>(
    event: SqsEvent,
    ingest: &Ingest<S, B>,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.unwrap_or_default();
        let body = message.body.unwrap_or_default();
        let span = tracing::info_span!("message", message_id = %id);
        // Boxed: a message's future nests the S3 SDK's, and its layout otherwise passes
        // the compiler's depth limit once instrumented. One allocation per message.
        let handled = Box::pin(handle_message(&body, ingest).instrument(span));
        if let Err(Transient(why)) = handled.await {
            tracing::warn!(message_id = %id, error = %why, "message will be retried");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// An S3 notification, read tolerantly: only what ingestion needs (emulators leave out
/// `userIdentity`, `requestParameters` and more).
#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "Records", default)]
    records: Vec<S3Record>,
    #[serde(rename = "Event")]
    event: Option<String>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventName", default)]
    event_name: String,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

async fn handle_message<S: Store, B: BlobStore>(
    body: &str,
    ingest: &Ingest<S, B>,
) -> Result<(), Transient> {
    let notification: Notification = match serde_json::from_str(body) {
        Ok(notification) => notification,
        Err(error) => {
            tracing::error!(%error, "not an S3 notification; acknowledged");
            return Ok(());
        }
    };
    if let Some(event) = notification.event {
        tracing::info!(
            event,
            "S3 event without records (s3:TestEvent); acknowledged"
        );
        return Ok(());
    }
    for record in notification.records {
        if !record.event_name.starts_with("ObjectCreated:") {
            tracing::info!(event = record.event_name, "not an upload; acknowledged");
            continue;
        }
        let Some(key) = decode_notification_key(&record.s3.object.key) else {
            tracing::error!(key = record.s3.object.key, "undecodable key; acknowledged");
            continue;
        };
        let outcome = ingest_object(&key, &ingest.store, &ingest.blobs, &ingest.clock).await?;
        record_outcome(&key, &outcome);
    }
    Ok(())
}

fn record_outcome(key: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Verified => {
            shared::telemetry::document(shared::telemetry::Ingested::Verified);
            tracing::info!(key, outcome = "verified", "document ingested")
        }
        Outcome::Quarantined(reason) => {
            shared::telemetry::document(shared::telemetry::Ingested::Quarantined);
            tracing::warn!(key, outcome = "quarantined", reason, "document ingested")
        }
        Outcome::AlreadySettled(status) => {
            tracing::info!(
                key,
                outcome = "duplicate",
                status = status.as_str(),
                "document ingested"
            )
        }
        Outcome::Ignored(why) => tracing::warn!(key, outcome = "ignored", why, "document ingested"),
    }
}

/// Ingests the object at `key` (decoded): verifies it against its pending document and
/// settles the document. Safe to repeat.
pub async fn ingest_object<S: Store, B: BlobStore>(
    key: &str,
    store: &S,
    blobs: &B,
    clock: &Clock,
) -> Result<Outcome, Transient> {
    let span = tracing::info_span!("object", key);
    settle(key, store, blobs, clock).instrument(span).await
}

async fn settle<S: Store, B: BlobStore>(
    key: &str,
    store: &S,
    blobs: &B,
    clock: &Clock,
) -> Result<Outcome, Transient> {
    let Some((agency, record_id, id)) = parse_object_key(key) else {
        return Ok(Outcome::Ignored("not a document key".into()));
    };
    let Some(document) = store.get_document(&agency, &record_id, &id).await? else {
        return Ok(Outcome::Ignored("no such document".into()));
    };
    if document.status != DocumentStatus::Pending {
        return finish_again(&document, blobs).await;
    }
    let (version, rejection) = match verify(&document, blobs).await {
        Verdict::Accepted(version) => (version, None),
        Verdict::Rejected(rejection) => (None, Some(rejection)),
        Verdict::RetryLater(why) => return Err(Transient(why)),
    };
    let outcome = record(&document, version, rejection, store, blobs, clock).await?;
    if let Outcome::Quarantined(_) = outcome {
        // Recorded as quarantined first: even if the move fails, the file is never
        // served, and the redelivery moves it.
        blobs
            .quarantine(key, None, &document.quarantine_key())
            .await?;
    }
    Ok(outcome)
}

/// Settles pending `document` as available (no `rejection`; object `version` verified)
/// or quarantined, on its record's chain, retrying while the chain moves under us.
async fn record<S: Store, B: BlobStore>(
    document: &Document,
    version: Option<String>,
    rejection: Option<Rejection>,
    store: &S,
    blobs: &B,
    clock: &Clock,
) -> Result<Outcome, Transient> {
    let (agency, record_id) = (&document.agency, &document.record_id);
    let reason = rejection.as_ref().map(Rejection::to_string);
    let (settled, action) = document.settled(reason.clone(), version, clock.now());
    for _ in retry::attempts() {
        let Some(current) = store.get_record(agency, record_id).await? else {
            // Left tagged pending: the lifecycle rule expires the orphaned upload.
            return Ok(Outcome::Ignored("the record was deleted".into()));
        };
        if rejection.is_none() {
            // Tagged verified (idempotently) before it is announced available, so the
            // lifecycle rule for abandoned uploads can never expire an available document.
            let key = document.object_key();
            blobs
                .mark_verified(&key, settled.version.as_deref())
                .await?;
        }
        let (next, entry) = current.append_settlement(document, &settled, action);
        let written = store.settle_document(&next, &settled, &entry).await;
        if let Some(()) = retry::unless_moved(written)? {
            return Ok(reason.map_or(Outcome::Verified, Outcome::Quarantined));
        }
        // Settled meanwhile by a concurrent delivery, or the chain moved: look again.
        let again = store.get_document(agency, record_id, &document.id).await?;
        if let Some(again) = again.filter(|d| d.status != DocumentStatus::Pending) {
            return Ok(Outcome::AlreadySettled(again.status));
        }
    }
    Err(Transient("the record kept changing".into()))
}

/// A notification for a settled document: a repeat, or a second version written to its
/// key after it was verified. A repeat redoes the idempotent blob step that may not have
/// happened the first time (tagging the verified version, or the move to quarantine); a
/// second version is never verified, tagged or served: it is moved to quarantine, and the
/// verified version stays where it was.
async fn finish_again<B: BlobStore>(document: &Document, blobs: &B) -> Result<Outcome, Transient> {
    let key = document.object_key();
    match document.status {
        // An upload that came after its document was given up is never served either.
        DocumentStatus::Quarantined | DocumentStatus::Expired => {
            blobs
                .quarantine(&key, None, &document.quarantine_key())
                .await?
        }
        DocumentStatus::Available => {
            let verified = document.version.as_deref();
            let current = blobs.current_version(&key).await?;
            match current.as_deref() {
                Some(current) if verified.is_some_and(|verified| verified != current) => {
                    let to = document.replaced_key(current);
                    tracing::warn!(
                        key,
                        version = current,
                        to,
                        "a second version of a verified document; quarantined"
                    );
                    blobs.quarantine(&key, Some(current), &to).await?;
                }
                _ => blobs.mark_verified(&key, verified).await?,
            }
        }
        // Bytes written again to a damaged document's key are a restore (from the replica
        // or a backup): left for the next fixity check, which alone makes it available.
        DocumentStatus::Pending | DocumentStatus::Damaged => {}
    }
    Ok(Outcome::AlreadySettled(document.status))
}

/// Reads the upload as a stream, in constant memory, and checks it against `document`.
async fn verify<B: BlobStore>(document: &Document, blobs: &B) -> Verdict {
    let blob = match blobs.open(&document.object_key()).await {
        Ok(Some(blob)) => blob,
        // Notified but not there: not ours to judge yet; SQS retries, then dead-letters.
        Ok(None) => return Verdict::RetryLater("the uploaded object is not there".into()),
        Err(error) => return error.into(),
    };
    if let Some(encoding) = blob
        .content_encoding
        .filter(|encoding| !encoding.is_empty() && !encoding.eq_ignore_ascii_case("identity"))
    {
        return Verdict::Rejected(Rejection::Encoded(encoding));
    }
    if blob.size != document.size {
        // Refused on the size the store reports, without reading a byte.
        return Verdict::Rejected(Rejection::SizeMismatch {
            declared: document.size,
            actual: blob.size,
        });
    }
    let mut check = ContentCheck::new(document);
    let mut body = blob.body;
    loop {
        match body.next_chunk().await {
            Ok(Some(chunk)) => {
                if let Err(rejection) = check.update(&chunk) {
                    return Verdict::Rejected(rejection);
                }
            }
            Ok(None) => break,
            Err(error) => return error.into(),
        }
    }
    match check.finish(&document.sha256) {
        Ok(_) => Verdict::Accepted(blob.version),
        Err(rejection) => Verdict::Rejected(rejection),
    }
}

#[cfg(test)]
mod tests;
