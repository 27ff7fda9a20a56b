//! `GET /search`: the caller's agency's records that match a query, best first, with
//! highlights; confidential ones only for those who may see them. Read from the agency's
//! staff index.

use serde::Deserialize;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply, optional_param};
use shared::model::{Classification, Status, is_valid_tag};
use shared::paging::Paging;
use shared::search::route::{SearchDeps, answer, day_start, parse_query};
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

/// Answers `GET /search`.
pub async fn handle<S: Sync, X: IndexSource>(
    request: ApiRequest,
    deps: &SearchDeps<S, X>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let query: Query = request.query()?;
    let q = parse_query(query.q.as_deref())?;
    let day = |field, date: &str, inclusive| day_start(field, date, STAFF_TIMEZONE, inclusive);
    let filters = Filters {
        tags: optional_param(query.tag.as_deref(), "tag", |tag| {
            is_valid_tag(tag).then(|| tag.to_owned())
        })?
        .into_iter()
        .collect(),
        status: optional_param(query.status.as_deref(), "status", Status::parse)?,
        classification: optional_param(
            query.classification.as_deref(),
            "classification",
            Classification::parse,
        )?,
        hide_confidential: !caller.can(Permission::SeeConfidential),
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
    };
    let scope = format!("search|{}|{:?}|{:?}", caller.agency, query.q, filters);
    let paging: Paging<'_, usize> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    let body = answer(
        &deps.indexes,
        &caller.agency,
        Audience::Staff,
        &q,
        &filters,
        &paging,
    )
    .await?;
    Ok(Reply::ok(body))
}

#[cfg(test)]
mod tests;
