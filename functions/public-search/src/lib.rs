//! `GET /public/agencies/{agency}/search`: an agency's publicly visible records that match
//! a query, best first, with highlights; no token. Read from the agency's public index,
//! which holds nothing else.

use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::AgencyId;
use shared::public;
use shared::search::route::{Params, SearchDeps, search_page};
use shared::search::{Audience, Filters, IndexSource};
use shared::store::AgencyStore;

/// Answers `GET /public/agencies/{agency}/search`.
pub async fn handle<S: AgencyStore, X: IndexSource>(
    request: PublicRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let params: Params = request.query()?;
    params.public_only()?;
    let q = params.query()?;
    let tags = params.tags()?;
    let profile = public::find_agency(&deps.store, &agency).await?;
    // Dates are days of the agency's calendar, like the listing's year.
    let (from, to) = params.dates(&profile.timezone)?;
    let filters = Filters {
        tags,
        from,
        to,
        ..Filters::default()
    };
    let (route, audience) = ("public-search", Audience::Public);
    let body = search_page(deps, route, &agency, audience, &params, (&q, &filters)).await?;
    public::cacheable(&request, &body)
}

#[cfg(test)]
mod tests;
