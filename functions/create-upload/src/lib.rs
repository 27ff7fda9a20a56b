//! `POST /records/{id}/documents`: announces a document and answers with a presigned PUT
//! that S3 accepts only for exactly the announced file (type, length, SHA-256). The bytes
//! never pass through a function; `ingest-document` verifies them once uploaded.

use std::time::Duration;

use lambda_http::http::header::{CACHE_CONTROL, LOCATION};
use serde_json::json;
use shared::DocumentDeps;
use shared::auth::Permission;
use shared::blob::{BlobPresigner, UploadSpec};
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DocumentId, NewDocument, RecordId, Status, document_limits};
use shared::records::find_visible;
use shared::store::{Store, retry};

/// Answers `POST /records/{id}/documents`.
pub async fn handle<S: Store, B: BlobPresigner>(
    request: ApiRequest,
    deps: &DocumentDeps<S, B>,
) -> Result<Reply, ApiError> {
    let (caller, now) = (&request.caller, request.now);
    caller.require(Permission::Edit)?;
    let record_id = request.path("id", RecordId::parse)?;
    let new = NewDocument::from_json(&request.json()?, deps.max_document_bytes)
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

    // Another change to the record (an edit, another upload) may move its chain between
    // our read and our write. This request named no version: read again and retry.
    for _ in retry::attempts() {
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
            .blobs
            .presign_upload(&document.object_key(), &spec, now, ttl)
            .await?;
        let (next, entry) = current.attach(&document);
        let written = deps.store.add_document(&next, &document, &entry).await;
        if let Some(()) = retry::unless_moved(written)? {
            let location = format!("/records/{record_id}/documents/{}", document.id);
            return Ok(
                Reply::created(json!({"document": document, "upload": upload}))
                    .header(LOCATION, location)
                    // The body holds a signed URL: no cache may keep it.
                    .header(CACHE_CONTROL, "no-store"),
            );
        }
    }
    Err(ApiError::Conflict(
        "The record kept changing while the document was added; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
