//! `GET /public/agencies/{agency}/search`: an agency's publicly visible records that match
//! a query, best first, with highlights; no token. Read from the agency's public index,
//! which holds nothing else.

use serde::Deserialize;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply, optional_param};
use shared::model::{AgencyId, is_valid_tag};
use shared::paging::Paging;
use shared::public;
use shared::search::route::{SearchDeps, answer, day_start, parse_query};
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

/// Answers `GET /public/agencies/{agency}/search`.
pub async fn handle<S: AgencyStore, X: IndexSource>(
    request: PublicRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let query: Query = request.query()?;
    let q = parse_query(query.q.as_deref())?;
    let tags = optional_param(query.tag.as_deref(), "tag", |tag| {
        is_valid_tag(tag).then(|| tag.to_owned())
    })?;
    let profile = public::find_agency(&deps.store, &agency).await?;
    // Dates are days of the agency's calendar, like the listing's year.
    let day = |field, date: &str, inclusive| day_start(field, date, &profile.timezone, inclusive);
    let filters = Filters {
        tags: tags.into_iter().collect(),
        from: query
            .from
            .as_deref()
            .map(|d| day("from", d, false))
            .transpose()?,
        to: query
            .to
            .as_deref()
            .map(|d| day("to", d, true))
            .transpose()?,
        ..Filters::default()
    };
    let scope = format!("public-search|{agency}|{:?}|{:?}", query.q, filters);
    let paging: Paging<'_, usize> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    let body = answer(
        &deps.indexes,
        &agency,
        Audience::Public,
        &q,
        &filters,
        &paging,
    )
    .await?;
    public::cacheable(&request, &body)
}

#[cfg(test)]
mod tests;
