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
    // A record under a hold cannot be deleted: each one is there.
    let mut records = Vec::with_capacity(held.items.len());
    for record in &held.items {
        if let Some(stored) = deps.store.get_record(&caller.agency, record).await? {
            records.push(stored.record);
        }
    }
    Ok(paging.reply(&Page {
        items: records,
        next: held.next,
    }))
}

#[cfg(test)]
mod tests;
