//! `GET /records`: the caller's agency's records, most recently updated first, filtered
//! and paged with a signed cursor. A DynamoDB Query, never a Scan.

use serde::Deserialize;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply, optional_param};
use shared::model::{Classification, Status, is_valid_tag};
use shared::paging::Paging;
use shared::store::{ListFilter, ListPosition, Store};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    status: Option<String>,
    classification: Option<String>,
    tag: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Answers `GET /records`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let query: Query = request.query()?;
    let filter = ListFilter {
        status: optional_param(query.status.as_deref(), "status", Status::parse)?,
        classification: optional_param(
            query.classification.as_deref(),
            "classification",
            Classification::parse,
        )?,
        tag: optional_param(query.tag.as_deref(), "tag", |tag| {
            is_valid_tag(tag).then(|| tag.to_owned())
        })?,
        include_confidential: caller.can(Permission::SeeConfidential),
    };
    let scope = format!(
        "records|{}|{}|{}|{}|{}",
        caller.agency,
        filter.status.map_or("", Status::as_str),
        filter.classification.map_or("", Classification::as_str),
        filter.tag.as_deref().unwrap_or(""),
        filter.include_confidential
    );
    let paging: Paging<'_, ListPosition> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    let page = deps
        .store
        .list_records(&caller.agency, &filter, paging.limit, paging.after.as_ref())
        .await?;
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
