//! `GET /holds/{id}/history`: a legal hold's chain, oldest first (its creation, every
//! record placed and lifted, its release), re-verifiable from this response alone
//! (auditors and officers).

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::HoldId;
use shared::paging::PageQuery;
use shared::store::HoldStore;

/// Answers `GET /holds/{id}/history`.
pub async fn handle<S: HoldStore>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", HoldId::parse)?;
    let query: PageQuery = request.query()?;
    let scope = format!("hold-history|{}|{id}", caller.agency);
    let paging = query.open::<u64>(&deps.cursors, scope)?;
    let page = deps
        .store
        .hold_history(&caller.agency, &id, paging.limit, paging.after)
        .await?;
    if page.items.is_empty() && paging.after.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
