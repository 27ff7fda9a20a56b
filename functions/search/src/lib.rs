//! `GET /search`: the caller's agency's records that match a query, best first, with
//! highlights; confidential ones only for those who may see them. Read from the agency's
//! staff index.

use serde::Deserialize;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply, optional_param};
use shared::model::{Classification, Status};
use shared::search::route::{Params, SearchDeps, search_page};
use shared::search::{Audience, Filters, IndexSource};

/// Staff dates are days in UTC (a staff search reads no agency profile).
const STAFF_TIMEZONE: &str = "UTC";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    q: Option<String>,
    status: Option<String>,
    classification: Option<String>,
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

/// Answers `GET /search`.
pub async fn handle<S: Sync, X: IndexSource>(
    request: ApiRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let query: Query = request.query()?;
    let params = query.params();
    let q = params.query()?;
    let (from, to) = params.dates(STAFF_TIMEZONE)?;
    let filters = Filters {
        tags: params.tags()?,
        status: optional_param(query.status.as_deref(), "status", Status::parse)?,
        classification: optional_param(
            query.classification.as_deref(),
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
