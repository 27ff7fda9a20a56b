//! `GET /public/agencies/{agency}/stats?year`: a year of an agency's records requests,
//! counted (received, closed, open, overdue, median days to close, share closed on time,
//! by closing reason); the agency's current year when none is named; no token.

use serde::Deserialize;
use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply, optional_param};
use shared::model::{AgencyId, RequestStats};
use shared::public;
use shared::requests::{calendar_of, requests_of_year};
use shared::store::Store;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    year: Option<String>,
}

/// Answers `GET /public/agencies/{agency}/stats`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let query: Query = request.query()?;
    let year = optional_param(query.year.as_deref(), "year", |text| {
        text.parse::<i16>()
            .ok()
            .filter(|year| (1970..=9999).contains(year))
    })?;
    let calendar = calendar_of(&deps.store, &agency).await?;
    let year = year.unwrap_or_else(|| calendar.year_of(request.now));
    let requests = requests_of_year(&deps.store, &agency, year).await?;
    let today = calendar.date_of(request.now);
    let stats = RequestStats::of(year, &requests, |at| calendar.date_of(at), today);
    public::cacheable(&request, &stats)
}

#[cfg(test)]
mod tests;
