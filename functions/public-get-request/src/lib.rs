//! `GET /public/agencies/{agency}/requests/{number}`: a records request's public page, no
//! token; with `Authorization: Tracking <token>`, its requester's page, which adds their
//! description and the messages meant for them. Never the requester's identity, a staff
//! member's, or an internal message: `PublicRequestPage` has no field for them.

use lambda_http::http::header::CACHE_CONTROL;
use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::{AgencyId, PublicRequestPage, Reader, RequestNumber};
use shared::public;
use shared::requests::{find_request, read_chain, reader_of};
use shared::store::Store;

/// Answers `GET /public/agencies/{agency}/requests/{number}`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let number = request.path("number", RequestNumber::parse)?;
    public::find_agency(&deps.store, &agency).await?;
    let stored = find_request(&deps.store, &agency, number).await?;
    let reader = reader_of(&request, &stored)?;
    let entries = read_chain(&deps.store, &agency, number).await?;
    let page = PublicRequestPage::of(&stored.request, &entries, reader);
    match reader {
        Reader::Public => public::cacheable(&request, &page),
        // The requester's page is theirs alone: no shared cache may keep it.
        Reader::Requester => {
            Ok(Reply::ok(serde_json::json!(page)).header(CACHE_CONTROL, "private, no-store"))
        }
    }
}

#[cfg(test)]
mod tests;
