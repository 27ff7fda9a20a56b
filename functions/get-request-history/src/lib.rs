//! `GET /requests/{number}/history`: a records request's chain, oldest first, re-verifiable
//! from this response alone (auditors and officers).

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::RequestNumber;
use shared::paging::PageQuery;
use shared::store::Store;

/// Answers `GET /requests/{number}/history`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let number = request.path("number", RequestNumber::parse)?;
    let query: PageQuery = request.query()?;
    let scope = format!("request-history|{}|{number}", caller.agency);
    let paging = query.open::<u64>(&deps.cursors, scope)?;
    let page = deps
        .store
        .request_history(&caller.agency, number, paging.limit, paging.after)
        .await?;
    if page.items.is_empty() && paging.after.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
