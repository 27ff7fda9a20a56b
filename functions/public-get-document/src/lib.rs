//! `GET /public/agencies/{agency}/records/{id}/documents/{doc_id}`: a `302` to a presigned
//! download (five minutes, saved as an attachment, the verified version only) of an
//! available document of a publicly visible record; no token. Anything else is the same
//! 404.

use lambda_http::http::StatusCode;
use lambda_http::http::header::{CACHE_CONTROL, LOCATION};
use shared::DocumentDeps;
use shared::blob::{BlobPresigner, document_download};
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::{AgencyId, DocumentId, RecordId};
use shared::public;
use shared::store::Store;

/// Answers `GET /public/agencies/{agency}/records/{id}/documents/{doc_id}`.
pub async fn handle<S: Store, B: BlobPresigner>(
    request: PublicRequest,
    deps: &DocumentDeps<S, B>,
) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let record = request.path("id", RecordId::parse)?;
    let id = request.path("doc_id", DocumentId::parse)?;
    let document = public::find_document(&deps.store, &agency, &record, &id).await?;
    let download = document_download(&deps.blobs, &document, request.now).await?;
    // Cached for a minute, the URL still has four to run. No ETag: revalidating a
    // redirect would stretch its signature past its expiry.
    Ok(Reply::empty(StatusCode::FOUND)
        .header(LOCATION, download.url)
        .header(CACHE_CONTROL, public::CACHE_CONTROL_OK))
}

#[cfg(test)]
mod tests;
