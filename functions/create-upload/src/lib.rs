//! `POST /records/{id}/documents`: announces a document and answers with a presigned PUT
//! that S3 accepts only for exactly the announced file (type, length, SHA-256). The bytes
//! never pass through a function; `ingest-document` verifies them once uploaded.

use std::time::Duration;

use lambda_http::http::header::{CACHE_CONTROL, LOCATION};
use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::blob::{BlobPresigner, Documents, UploadSpec};
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{
    AuditAction, AuditEntry, DocumentId, NewDocument, RecordId, Status, document_limits,
};
use shared::records::find_visible;
use shared::store::{Store, StoreError};

/// Tries before giving up when the record's chain keeps moving under us.
const ATTEMPTS: usize = 3;

/// Answers `POST /records/{id}/documents`.
pub async fn handle<S: Store, B: BlobPresigner>(
    request: ApiRequest,
    deps: &Deps<S, Documents<B>>,
) -> Result<Reply, ApiError> {
    let (caller, now) = (&request.caller, request.now);
    caller.require(Permission::Edit)?;
    let record_id = request.path("id", RecordId::parse)?;
    let new = NewDocument::from_json(&request.json()?, deps.documents.max_bytes)
        .map_err(ApiError::invalid_fields)?;
    let document = new.into_document(
        DocumentId::generate(now),
        &record_id,
        &caller.agency,
        &caller.sub,
        now,
    );
    let spec = UploadSpec {
        content_type: document.content_type.as_str(),
        size: document.size,
        sha256: &document.sha256,
    };
    let ttl = Duration::from_secs(document_limits::UPLOAD_URL_SECONDS);

    for _ in 0..ATTEMPTS {
        let current = find_visible(&deps.store, caller, &record_id).await?;
        if current.record.status == Status::Archived {
            return Err(ApiError::Conflict(
                "An archived record takes no new documents.".into(),
            ));
        }
        if current.documents >= document_limits::DOCUMENTS_PER_RECORD {
            return Err(ApiError::Conflict(format!(
                "A record holds at most {} documents.",
                document_limits::DOCUMENTS_PER_RECORD
            )));
        }
        // Signed before anything is written: if signing fails, nothing is left behind.
        let upload = deps
            .documents
            .blobs
            .presign_upload(&document.object_key(), &spec, now, ttl)
            .await?;
        let entry = AuditEntry::next(
            &current.head,
            now,
            &caller.sub,
            AuditAction::DocumentAdd,
            document.creation_changes(),
        );
        let next = current.with_entry(&entry, current.documents + 1);
        match deps.store.add_document(&next, &document, &entry).await {
            Ok(()) => {
                let location = format!("/records/{record_id}/documents/{}", document.id);
                return Ok(
                    Reply::created(json!({"document": document, "upload": upload}))
                        .header(LOCATION, location)
                        // The body holds a signed URL: no cache may keep it.
                        .header(CACHE_CONTROL, "no-store"),
                );
            }
            // Another change to the record (an edit, another upload) moved its chain.
            // This request named no version, so read the record again and retry.
            Err(StoreError::ConditionFailed) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Conflict(
        "The record kept changing while the document was added; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
