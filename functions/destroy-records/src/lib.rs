//! The destruction queue: each SQS message is an approved destruction
//! ([`DestructionOrder`]). The worker checks, from fresh reads, that the record is still
//! what was approved (same version, archived, under no hold, retention passed); if not, the
//! item is `stopped` with the reason. While Object Lock keeps any version of its documents,
//! the item says until when and the destruction waits (the monthly review queues it again
//! once that date has passed). Otherwise one transaction deletes the record, appends its
//! last entry (`record.destroy`), writes its tombstone and marks the item `destroyed`; then
//! the store forgets its documents. The table's stream does the rest: `purge-documents`
//! deletes every object version, `index-records` takes it out of the search indexes.
//!
//! A transient failure puts only that message in `batchItemFailures`, so SQS redelivers it
//! (then, after five receives, the dead-letter queue). Redelivery is harmless: an order
//! is carried out only while its item is approved, and a destroyed item's documents are
//! forgotten again (idempotently) in case that step failed.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::blob::{BlobStore, record_retained_until};
use shared::clock::{Clock, Timestamp};
use shared::model::{DestructionOrder, DispositionItem, ItemState};
use shared::schedules::{AgencyDays, retention_under_schedule};
use shared::store::{Store, StoreError, retry};
use tracing::Instrument;

/// What the handler works with, built once per container.
pub struct Destroyer<S, B> {
    /// Records and lists.
    pub store: S,
    /// Document bytes (read for Object Lock only: `purge-documents` deletes them).
    pub blobs: B,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// What carrying out one order came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The record was destroyed.
    Destroyed,
    /// Nothing stood in the way twice: it was destroyed before (its documents forgotten
    /// again).
    AlreadyDestroyed,
    /// Not destroyed, for this reason: the item is stopped.
    Stopped(String),
    /// Object Lock keeps its documents until then: the item says so, and waits.
    Waiting(Timestamp),
    /// The order names no approved item (another state, or none): nothing to do.
    Ignored(String),
}

/// A failure worth retrying: the message goes back to the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transient(pub String);

impl<E: std::fmt::Display> From<E> for Transient {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// Handles a batch; the ids of messages to redeliver are in `batch_item_failures`.
pub async fn handle<S: Store, B: BlobStore>(
    event: SqsEvent,
    destroyer: &Destroyer<S, B>,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.unwrap_or_default();
        let body = message.body.unwrap_or_default();
        let span = tracing::info_span!("message", message_id = %id);
        let order: DestructionOrder = match serde_json::from_str(&body) {
            Ok(order) => order,
            Err(error) => {
                // It can never parse: retrying would only loop.
                tracing::error!(message_id = %id, %error, "not a destruction order; dropped");
                continue;
            }
        };
        match Box::pin(carry_out(&order, destroyer).instrument(span)).await {
            Ok(outcome) => tracing::info!(
                event = "Destruction",
                agency = %order.agency,
                record = %order.record,
                list = %order.list,
                outcome = ?outcome
            ),
            Err(Transient(why)) => {
                tracing::warn!(message_id = %id, error = %why, "order will be retried");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

/// Carries out `order`, from fresh reads, redone when the record or item moved meanwhile.
pub async fn carry_out<S: Store, B: BlobStore>(
    order: &DestructionOrder,
    destroyer: &Destroyer<S, B>,
) -> Result<Outcome, Transient> {
    let (store, now) = (&destroyer.store, destroyer.clock.now());
    let (agency, id) = (&order.agency, &order.record);
    for _ in retry::attempts() {
        let Some(item) = store.get_disposition_item(agency, &order.list, id).await? else {
            return Ok(Outcome::Ignored("no such item".into()));
        };
        match item.state {
            ItemState::Approved => {}
            ItemState::Destroyed => {
                store.forget_documents(agency, id).await?;
                return Ok(Outcome::AlreadyDestroyed);
            }
            other => return Ok(Outcome::Ignored(format!("the item is {}", other.as_str()))),
        }
        let Some(record) = store.get_record(agency, id).await? else {
            return stop(store, &item, "the record no longer exists").await;
        };
        let days = AgencyDays::of(store, agency).await?;
        let retention = retention_under_schedule(store, &record.record, &days).await?;
        if let Some(why) = item.obstacle(&record.record, retention, days.date_of(now)) {
            return stop(store, &item, why).await;
        }
        if let Some(until) = record_retained_until(&destroyer.blobs, agency, id, now).await? {
            if item.waiting_until != Some(until) {
                retry::unless_moved(store.update_disposition_item(&item.wait_until(until)).await)?;
            }
            return Ok(Outcome::Waiting(until));
        }
        let destruction = item.destroy(&record, now);
        let written = store
            .destroy_record(&destruction, record.record.version)
            .await;
        if retry::unless_moved(written)?.is_some() {
            store.forget_documents(agency, id).await?;
            return Ok(Outcome::Destroyed);
        }
    }
    Err(Transient(
        "the record kept changing while it was destroyed".into(),
    ))
}

/// Stops `item` for `why`; a change of the item meanwhile is left to the next delivery.
async fn stop<S: Store>(
    store: &S,
    item: &DispositionItem,
    why: &str,
) -> Result<Outcome, Transient> {
    match store.update_disposition_item(&item.stop(why)).await {
        Ok(()) => Ok(Outcome::Stopped(why.to_owned())),
        Err(StoreError::ConditionFailed) => Err(Transient("the item moved".into())),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests;
