//! `GET /records/{id}/documents`: a record's documents, oldest first, paginated like
//! records. Visibility follows the record's.

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DocumentId, RecordId};
use shared::records::{PageQuery, find_visible, open_cursor, page_limit, page_reply};
use shared::store::Store;

/// Answers `GET /records/{id}/documents`.
pub async fn handle<S: Store, D>(
    request: ApiRequest,
    deps: &Deps<S, D>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let id = request.path("id", RecordId::parse)?;
    let query: PageQuery = request.query()?;
    let limit = page_limit(query.limit.as_deref())?;
    let scope = format!("documents|{}|{id}", caller.agency);
    let after: Option<DocumentId> = open_cursor(&deps.cursors, &scope, query.cursor.as_deref())?;
    find_visible(&deps.store, caller, &id).await?;
    let page = deps
        .store
        .list_documents(&caller.agency, &id, limit, after.as_ref())
        .await?;
    Ok(page_reply(
        &deps.cursors,
        &scope,
        &page.items,
        page.next.as_ref(),
    ))
}

#[cfg(test)]
mod tests;
