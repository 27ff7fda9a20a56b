//! `GET /public/agencies/{agency}`: an agency's public profile; no token. An agency
//! without a profile is a 404, like one that does not exist.

use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::AgencyId;
use shared::public;
use shared::store::Store;

/// Answers `GET /public/agencies/{agency}`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let profile = public::find_agency(&deps.store, &agency).await?;
    public::cacheable(&request, &profile)
}

#[cfg(test)]
mod tests;
