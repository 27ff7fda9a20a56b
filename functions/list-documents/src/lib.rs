//! `GET /records/{id}/documents`: a record's documents, oldest first, paginated like
//! records. Visibility follows the record's.

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DocumentId, RecordId};
use shared::paging::PageQuery;
use shared::records::find_visible;
use shared::store::Store;

/// Answers `GET /records/{id}/documents`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let id = request.path("id", RecordId::parse)?;
    let query: PageQuery = request.query()?;
    let paging =
        query.open::<DocumentId>(&deps.cursors, format!("documents|{}|{id}", caller.agency))?;
    find_visible(&deps.store, caller, &id).await?;
    let page = deps
        .store
        .list_documents(&caller.agency, &id, paging.limit, paging.after.as_ref())
        .await?;
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
