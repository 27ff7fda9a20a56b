//! `GET /search`: the caller's agency's records that match a query, best first, with
//! highlights; confidential ones only for those who may see them. Read from the agency's
//! staff index.

use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply, optional_param};
use shared::model::{Classification, Status};
use shared::search::route::{Params, SearchDeps, search_page};
use shared::search::{Audience, Filters, IndexSource};

/// Staff dates are days in UTC (a staff search reads no agency profile).
const STAFF_TIMEZONE: &str = "UTC";

/// Answers `GET /search`.
pub async fn handle<S: Sync, X: IndexSource>(
    request: ApiRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let params: Params = request.query()?;
    let q = params.query()?;
    let (from, to) = params.dates(STAFF_TIMEZONE)?;
    let filters = Filters {
        tags: params.tags()?,
        status: optional_param(params.status.as_deref(), "status", Status::parse)?,
        classification: optional_param(
            params.classification.as_deref(),
            "classification",
            Classification::parse,
        )?,
        hide_confidential: !caller.can(Permission::SeeConfidential),
        from,
        to,
    };
    let (agency, audience) = (&caller.agency, Audience::Staff);
    let body = search_page(deps, "search", agency, audience, &params, (&q, &filters)).await?;
    Ok(Reply::ok(body))
}

#[cfg(test)]
mod tests;
