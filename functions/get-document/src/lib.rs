//! `GET /records/{id}/documents/{doc_id}`: a document's metadata and, once it is
//! `available`, a presigned download that expires within five minutes and always saves as
//! an attachment. Visibility follows the record's.

use lambda_http::http::header::CACHE_CONTROL;
use serde_json::json;
use shared::DocumentDeps;
use shared::auth::Permission;
use shared::blob::{BlobPresigner, document_download};
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DocumentId, DocumentStatus, RecordId};
use shared::records::find_visible;
use shared::store::Store;

/// Answers `GET /records/{id}/documents/{doc_id}`.
pub async fn handle<S: Store, B: BlobPresigner>(
    request: ApiRequest,
    deps: &DocumentDeps<S, B>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let record_id = request.path("id", RecordId::parse)?;
    let id = request.path("doc_id", DocumentId::parse)?;
    find_visible(&deps.store, caller, &record_id).await?;
    let document = deps
        .store
        .get_document(&caller.agency, &record_id, &id)
        .await?
        .ok_or(ApiError::NotFound)?;

    let mut body = json!(document);
    // Pending and quarantined files are never served.
    if document.status == DocumentStatus::Available {
        let download = document_download(&deps.blobs, &document, request.now).await?;
        body["download"] = json!({"url": download.url, "expires_at": download.expires_at});
    }
    Ok(Reply::ok(body).header(CACHE_CONTROL, "no-store"))
}

#[cfg(test)]
mod tests;
