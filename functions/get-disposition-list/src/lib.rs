//! `GET /disposition/lists/{id}`: one destruction list (`2026-12`) and its records, in id
//! order, a page at a time: each with its retention date, who may not decide it, and where
//! it stands (pending, approved, excluded, destroyed, stopped). Officers and auditors.

use shared::Deps;
use shared::auth::Permission;
use shared::disposition::find_list;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DispositionListId, RecordId};
use shared::paging::PageQuery;
use shared::store::DispositionStore;

/// Answers `GET /disposition/lists/{id}`.
pub async fn handle<S: DispositionStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", DispositionListId::parse)?;
    let query: PageQuery = request.query()?;
    let paging = query.open::<RecordId>(&deps.cursors, format!("dlist|{}|{id}", caller.agency))?;
    let list = find_list(&deps.store, &caller.agency, &id).await?;
    let items = deps
        .store
        .disposition_items(&caller.agency, &id, paging.limit, paging.after.as_ref())
        .await?;
    let mut body = paging.body(&items);
    body["list"] = serde_json::json!(list);
    Ok(Reply::ok(body))
}

#[cfg(test)]
mod tests;
