//! `GET /records`: the caller's agency's records, most recently updated first, filtered
//! and paged with a signed cursor. A DynamoDB Query, never a Scan.

use serde::Deserialize;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{Classification, Status, is_valid_tag};
use shared::records::{open_cursor, page_limit, page_reply};
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
pub async fn handle<S: Store, D>(
    request: ApiRequest,
    deps: &Deps<S, D>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let query: Query = request.query()?;
    let filter = ListFilter {
        status: parse_opt(query.status.as_deref(), "status", Status::parse)?,
        classification: parse_opt(
            query.classification.as_deref(),
            "classification",
            Classification::parse,
        )?,
        tag: parse_opt(query.tag.as_deref(), "tag", |tag| {
            is_valid_tag(tag).then(|| tag.to_owned())
        })?,
        include_confidential: caller.can(Permission::SeeConfidential),
    };
    let limit = page_limit(query.limit.as_deref())?;
    // The cursor is bound to everything that shapes the result, so it cannot be
    // replayed against another agency or with other filters.
    let scope = format!(
        "records|{}|{}|{}|{}|{}",
        caller.agency,
        filter.status.map_or("", Status::as_str),
        filter.classification.map_or("", Classification::as_str),
        filter.tag.as_deref().unwrap_or(""),
        filter.include_confidential
    );
    let after: Option<ListPosition> = open_cursor(&deps.cursors, &scope, query.cursor.as_deref())?;
    let page = deps
        .store
        .list_records(&caller.agency, &filter, limit, after.as_ref())
        .await?;
    Ok(page_reply(
        &deps.cursors,
        &scope,
        &page.items,
        page.next.as_ref(),
    ))
}

fn parse_opt<T>(
    raw: Option<&str>,
    name: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    raw.map(|text| {
        parse(text).ok_or_else(|| ApiError::invalid(name, format!("{text:?} is not a valid value")))
    })
    .transpose()
}

#[cfg(test)]
mod tests;
