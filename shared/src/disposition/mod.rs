//! What the disposition functions share: finding a destruction list, reading its items,
//! who last set a record's schedule, answering a destroyed record, and the queue approved
//! destructions go through.

mod queue;
#[cfg(feature = "sqs")]
mod sqs;

use std::ops::Deref;

use serde_json::json;

pub use queue::{DestructionQueue, MemoryQueue, QueueError};
#[cfg(feature = "sqs")]
pub use sqs::SqsQueue;

use crate::Deps;
use crate::auth::{Caller, Permission, Verifier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::model::{
    AgencyId, Classification, DispositionItem, DispositionList, DispositionListId, ItemState,
    Record, RecordId, Refusal, Tombstone,
};
use crate::store::{AuditLog, DispositionStore, StoreError};

/// Items read per store call when a whole list is read.
const ITEMS_PER_READ: usize = 100;

/// What the routes that queue destructions get: every route's [`Deps`] (which it derefs
/// to), plus the destruction queue.
pub struct QueueDeps<S, Q> {
    /// What every route gets.
    pub deps: Deps<S>,
    /// Where approved destructions go.
    pub queue: Q,
}

impl<S, Q> Deref for QueueDeps<S, Q> {
    type Target = Deps<S>;

    fn deref(&self) -> &Deps<S> {
        &self.deps
    }
}

impl<S: Sync, Q: Sync> crate::http::RouteDeps for QueueDeps<S, Q> {
    fn verifier(&self) -> &Verifier {
        &self.deps.verifier
    }

    fn clock(&self) -> &Clock {
        &self.deps.clock
    }
}

#[cfg(feature = "sqs")]
impl QueueDeps<crate::store::DynamoStore, SqsQueue> {
    /// Production dependencies of the routes that queue destructions: [`Deps::from_env`]
    /// plus SQS from `DESTRUCTION_QUEUE_URL`, sharing one AWS configuration.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let config =
            crate::config::Config::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let url = crate::config::destruction_queue_url_from_env()
            .inspect_err(|error| tracing::error!("{error}"))?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store =
            crate::store::DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
        Ok(Self {
            deps: Deps::new(&config, store, Clock::system()),
            queue: SqsQueue::new(aws_sdk_sqs::Client::new(&aws), url),
        })
    }
}

/// Destruction list `id` of `agency`; 404 if there is none (another agency's is none).
pub async fn find_list<S: DispositionStore>(
    store: &S,
    agency: &AgencyId,
    id: &DispositionListId,
) -> Result<DispositionList, ApiError> {
    store
        .get_disposition(agency, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Every item of list `list`, in record id order.
pub async fn all_items<S: DispositionStore>(
    store: &S,
    agency: &AgencyId,
    list: &DispositionListId,
) -> Result<Vec<DispositionItem>, StoreError> {
    let mut items = Vec::new();
    let mut after: Option<RecordId> = None;
    loop {
        let page = store
            .disposition_items(agency, list, ITEMS_PER_READ, after.as_ref())
            .await?;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// Every item of `agency` still open, on any list: pending a decision, or approved and
/// not yet destroyed.
pub async fn open_items<S: DispositionStore>(
    store: &S,
    agency: &AgencyId,
) -> Result<Vec<DispositionItem>, StoreError> {
    let mut open = Vec::new();
    for list in store.list_dispositions(agency).await? {
        let items = all_items(store, agency, &list.id).await?;
        open.extend(
            items
                .into_iter()
                .filter(|item| matches!(item.state, ItemState::Pending | ItemState::Approved)),
        );
    }
    Ok(open)
}

/// Who last set `record`'s schedule or retention date (its creator, if they came with it),
/// from its chain: the officer who may not decide its disposal. `None` if nobody did.
pub async fn schedule_set_by<S: AuditLog>(
    store: &S,
    record: &Record,
) -> Result<Option<String>, StoreError> {
    let mut set_by = None;
    let mut after = None;
    loop {
        let page = store
            .history(&record.agency, &record.id, ITEMS_PER_READ, after)
            .await?;
        for entry in &page.items {
            if entry.changes.contains_key("schedule")
                || entry.changes.contains_key("retention_until")
            {
                set_by = Some(entry.actor.clone());
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(set_by),
        }
    }
}

/// The answer to a read of record `id` that `find_visible` did not find: 410 with its
/// tombstone if it was destroyed and the caller could have seen it, else 404.
pub async fn missing_record<S: DispositionStore>(
    store: &S,
    caller: &Caller,
    id: &RecordId,
) -> ApiError {
    match store.get_tombstone(&caller.agency, id).await {
        Ok(Some(tombstone))
            if tombstone.classification != Classification::Confidential
                || caller.can(Permission::SeeConfidential) =>
        {
            gone(&tombstone)
        }
        Ok(_) => ApiError::NotFound,
        Err(error) => error.into(),
    }
}

/// The answer to a read of a destroyed record: 410 with its tombstone.
pub fn gone(tombstone: &Tombstone) -> ApiError {
    ApiError::Gone {
        detail: format!(
            "The record was destroyed on {} under destruction list {}.",
            tombstone.destroyed_at.date(),
            tombstone.list
        ),
        tombstone: json!(tombstone),
    }
}

/// A refused decision as an answer: 409.
pub fn refused(refusal: Refusal) -> ApiError {
    ApiError::Conflict(refusal.to_string())
}
