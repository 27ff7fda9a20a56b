//! `POST /disposition/lists/{id}/items/{record_id}` `{"decision": "approve" | "exclude",
//! "reason": "…"}`: an officer decides a listed record's disposal, once, and not the
//! officer who last set its schedule. The decision is a link of the record's chain; an
//! approval queues the destruction. Sending the same approval again (after a failed send)
//! queues it again.

use lambda_http::http::header::ETAG;
use serde_json::json;
use shared::auth::Permission;
use shared::disposition::{DestructionQueue, QueueDeps, refused};
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{
    Decision, DestructionOrder, DispositionItem, DispositionListId, ItemState, RecordId, Refusal,
};
use shared::records::find_visible;
use shared::store::{Store, retry};

/// Answers `POST /disposition/lists/{id}/items/{record_id}`.
pub async fn handle<S: Store, Q: DestructionQueue>(
    request: ApiRequest,
    deps: &QueueDeps<S, Q>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let list = request.path("id", DispositionListId::parse)?;
    let id = request.path("record_id", RecordId::parse)?;
    let decision = Decision::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    for _ in retry::attempts() {
        let item = deps
            .store
            .get_disposition_item(&caller.agency, &list, &id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if is_repeat(&item, &decision, &caller.sub) {
            return queued(deps, item).await;
        }
        // A listed record gone since (deleted) can no longer be decided.
        let record = find_visible(&deps.store, caller, &id)
            .await
            .map_err(|error| match error {
                ApiError::NotFound => refused(Refusal::RecordChanged),
                other => other,
            })?;
        let (next, record, entry) = item
            .decide(&record, &decision, request.now, &caller.sub)
            .map_err(refused)?;
        let written = deps.store.decide_disposition(&next, &record, &entry).await;
        if retry::unless_moved(written)?.is_some() {
            return queued(deps, next).await;
        }
    }
    Err(ApiError::Conflict(
        "The record kept changing while it was decided; retry.".into(),
    ))
}

/// Whether `decision` by `actor` is the one `item` already holds: an approval sent again.
fn is_repeat(item: &DispositionItem, decision: &Decision, actor: &str) -> bool {
    decision.approve
        && item.state == ItemState::Approved
        && item.decided_by.as_deref() == Some(actor)
}

/// `item` as the answer, its destruction queued first if it is approved. A failed send is
/// a 503: the approval stands, and sending it again queues it.
async fn queued<S, Q: DestructionQueue>(
    deps: &QueueDeps<S, Q>,
    item: DispositionItem,
) -> Result<Reply, ApiError> {
    if item.state == ItemState::Approved {
        deps.queue
            .send(&[DestructionOrder::of(&item)])
            .await
            .map_err(|error| ApiError::Unavailable(error.to_string()))?;
    }
    let etag = item.etag();
    Ok(Reply::ok(json!(item)).header(ETAG, etag))
}

#[cfg(test)]
mod tests;
