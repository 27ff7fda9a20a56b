//! `GET /records/{id}/history`: a record's audit entries, oldest first, re-verifiable from
//! this response alone. Readable after the record is deleted.

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::RecordId;
use shared::paging::PageQuery;
use shared::store::Store;

/// Answers `GET /records/{id}/history`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", RecordId::parse)?;
    let query: PageQuery = request.query()?;
    let paging = query.open::<u64>(&deps.cursors, format!("history|{}|{id}", caller.agency))?;
    let page = deps
        .store
        .history(&caller.agency, &id, paging.limit, paging.after)
        .await?;
    if page.items.is_empty() && paging.after.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
