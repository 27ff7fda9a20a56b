//! `GET /records/{id}/history`: a record's audit entries, oldest first, re-verifiable from
//! this response alone. Readable after the record is deleted.

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::RecordId;
use shared::records::{PageQuery, open_cursor, page_limit, page_reply};
use shared::store::Store;

/// Answers `GET /records/{id}/history`.
pub async fn handle<S: Store, D>(
    request: ApiRequest,
    deps: &Deps<S, D>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", RecordId::parse)?;
    let query: PageQuery = request.query()?;
    let limit = page_limit(query.limit.as_deref())?;
    let scope = format!("history|{}|{id}", caller.agency);
    let after: Option<u64> = open_cursor(&deps.cursors, &scope, query.cursor.as_deref())?;
    let page = deps
        .store
        .history(&caller.agency, &id, limit, after)
        .await?;
    if page.items.is_empty() && after.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(page_reply(
        &deps.cursors,
        &scope,
        &page.items,
        page.next.as_ref(),
    ))
}

#[cfg(test)]
mod tests;
