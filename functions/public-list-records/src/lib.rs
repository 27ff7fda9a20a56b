//! `GET /public/agencies/{agency}/records`: an agency's publicly visible records, most
//! recently published first, optionally with a tag or published in a year (of the agency's
//! calendar), paged; no token. Read from an index that holds only public records.

use serde::Deserialize;
use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::{AgencyId, PublicSummary, is_valid_tag};
use shared::paging::Paging;
use shared::public;
use shared::store::{ListPosition, Page, PublicFilter, Store};

/// The years a listing can ask for: publication times are kept as 13-digit milliseconds
/// since 1970 (the index's sort keys compare as text), so nothing is published outside.
const FIRST_YEAR: i16 = 1970;
const LAST_YEAR: i16 = 2285;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    tag: Option<String>,
    year: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Answers `GET /public/agencies/{agency}/records`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let query: Query = request.query()?;
    let tag = query
        .tag
        .map(|tag| match is_valid_tag(&tag) {
            true => Ok(tag),
            false => Err(ApiError::invalid("tag", "must match ^[a-z0-9-]{1,50}$")),
        })
        .transpose()?;
    let year = query
        .year
        .map(|year| {
            year.parse::<i16>()
                .ok()
                .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "year",
                        format!("must be a year from {FIRST_YEAR} to {LAST_YEAR}"),
                    )
                })
        })
        .transpose()?;
    let profile = public::find_agency(&deps.store, &agency).await?;
    let published = year
        .map(|year| public::year_window(year, &profile.timezone))
        .transpose()?;
    // The zone is in the scope: a cursor from before the agency changed it would resume
    // outside the new year's window.
    let scope = format!(
        "public-records|{agency}|{}|{}|{}",
        tag.as_deref().unwrap_or(""),
        year.map_or(String::new(), |year| year.to_string()),
        profile.timezone
    );
    let paging: Paging<'_, ListPosition> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    let filter = PublicFilter { tag, published };
    let page = deps
        .store
        .list_public_records(&agency, &filter, paging.limit, paging.after.as_ref())
        .await?;
    // The index holds public records only; the view checks again.
    let page = Page {
        items: page.items.iter().filter_map(PublicSummary::of).collect(),
        next: page.next,
    };
    public::cacheable(&request, &paging.body(&page))
}

#[cfg(test)]
mod tests;
