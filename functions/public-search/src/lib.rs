//! `GET /public/agencies/{agency}/search`: an agency's publicly visible records that match
//! a query, best first, with highlights; no token. Read from the agency's public index,
//! which holds nothing else.

use serde::Deserialize;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::AgencyId;
use shared::public;
use shared::search::route::{Params, SearchDeps, search_page};
use shared::search::{Audience, Filters, IndexSource};
use shared::store::AgencyStore;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    q: Option<String>,
    tag: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl Query {
    fn params(&self) -> Params<'_> {
        Params {
            q: self.q.as_deref(),
            tag: self.tag.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            limit: self.limit.as_deref(),
            cursor: self.cursor.as_deref(),
        }
    }
}

/// Answers `GET /public/agencies/{agency}/search`.
pub async fn handle<S: AgencyStore, X: IndexSource>(
    request: PublicRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let query: Query = request.query()?;
    let params = query.params();
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
