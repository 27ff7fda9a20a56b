//! `GET /public/agencies/{agency}/requests`: the public log of an agency's records
//! requests, newest first, optionally of one status, paged; no token. Each is a
//! `PublicRequestSummary`: never who asked.

use serde::Deserialize;
use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply, optional_param};
use shared::model::{AgencyId, PublicRequestSummary, RequestStatus};
use shared::paging::Paging;
use shared::public;
use shared::requests::list_kept;
use shared::store::{Page, RequestListing, Store};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Answers `GET /public/agencies/{agency}/requests`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let query: Query = request.query()?;
    let status: Option<RequestStatus> =
        optional_param(query.status.as_deref(), "status", |text| {
            serde_json::from_value(serde_json::Value::from(text)).ok()
        })?;
    public::find_agency(&deps.store, &agency).await?;
    let scope = format!(
        "public-requests|{agency}|{}",
        status.map_or(String::new(), |s| serde_json::json!(s).to_string())
    );
    let paging: Paging<'_, String> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    let page = list_kept(
        &deps.store,
        &agency,
        RequestListing::All,
        paging.limit,
        paging.after.clone(),
        |r| status.is_none_or(|status| r.status == status),
    )
    .await?;
    let page = Page {
        items: page
            .items
            .iter()
            .map(|s| PublicRequestSummary::of(&s.request))
            .collect::<Vec<_>>(),
        next: page.next,
    };
    public::cacheable(&request, &paging.body(&page))
}

#[cfg(test)]
mod tests;
