//! `GET /public/agencies/{agency}/records/{id}`: a publicly visible record as anyone may
//! read it, with its available documents; no token. Anything else is the same 404.

use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::{AgencyId, RecordId};
use shared::public;
use shared::store::Store;

/// Answers `GET /public/agencies/{agency}/records/{id}`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let id = request.path("id", RecordId::parse)?;
    let view = public::record_view(&deps.store, &agency, &id).await?;
    public::cacheable(&request, &view)
}

#[cfg(test)]
mod tests;
