//! `GET /holds/{id}/records`: the records a hold covers, in id order, a page at a time.
//! Officers and auditors (who see confidential records too).

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::find_hold;
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldId, RecordId};
use shared::paging::PageQuery;
use shared::store::{Page, Store};

// A page of records is read in one batch.
const _: () = assert!(shared::paging::MAX_PAGE_SIZE <= shared::store::MAX_BATCH_READ);

/// Answers `GET /holds/{id}/records`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", HoldId::parse)?;
    let query: PageQuery = request.query()?;
    let paging = query.open::<RecordId>(&deps.cursors, format!("holds|{}|{id}", caller.agency))?;
    find_hold(&deps.store, caller, &id).await?;
    let held = deps
        .store
        .held_records(&caller.agency, &id, paging.limit, paging.after.as_ref())
        .await?;
    // A record under a hold cannot be deleted: each one is there. A page is one read.
    let records = deps.store.get_records(&caller.agency, &held.items).await?;
    Ok(paging.reply(&Page {
        items: records.into_iter().map(|stored| stored.record).collect(),
        next: held.next,
    }))
}

#[cfg(test)]
mod tests;
