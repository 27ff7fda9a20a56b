//! The disposition store's contract: destruction lists, their items, and the tombstones
//! destroyed records leave.

use std::future::Future;

use super::{Page, StoreError};
use crate::model::{
    AgencyId, AuditEntry, Destruction, DispositionItem, DispositionList, DispositionListId,
    RecordId, StoredRecord, Tombstone,
};

/// Destruction lists, the records on them, and what stays of destroyed records.
pub trait DispositionStore: Send + Sync {
    /// Every destruction list of `agency`, newest first.
    fn list_dispositions(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Vec<DispositionList>, StoreError>> + Send;

    /// List `id` of `agency`, or `None` (also for another agency's).
    fn get_disposition(
        &self,
        agency: &AgencyId,
        id: &DispositionListId,
    ) -> impl Future<Output = Result<Option<DispositionList>, StoreError>> + Send;

    /// Puts `item` (at version 1) on its list, opening the list at the item's `listed_at`
    /// if it is new and counting one more item. `false`, and nothing changes, if the record
    /// is on that list already (whatever became of it).
    fn add_disposition_item(
        &self,
        item: &DispositionItem,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Record `record` on list `list` of `agency`, or `None`.
    fn get_disposition_item(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        record: &RecordId,
    ) -> impl Future<Output = Result<Option<DispositionItem>, StoreError>> + Send;

    /// Up to `limit` items of list `list`, in record id order, after `after`.
    fn disposition_items(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> impl Future<Output = Result<Page<DispositionItem, RecordId>, StoreError>> + Send;

    /// Writes `item` (one version after the stored one), only if the stored one is still
    /// at `item.version - 1`; else [`StoreError::ConditionFailed`].
    fn update_disposition_item(
        &self,
        item: &DispositionItem,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes a decision all or nothing: `item` as [`Self::update_disposition_item`] would,
    /// and `entry` appended to the record's chain (its head moved to `record`'s, its
    /// content and version untouched), only if that chain is still one entry behind.
    fn decide_disposition(
        &self,
        item: &DispositionItem,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes `destruction` all or nothing: the record deleted (only if it is still at
    /// `record_version` and its chain one entry behind the destruction's entry), the entry
    /// appended to its chain (which stays), the tombstone written, and the item as
    /// [`Self::update_disposition_item`] would. Its documents' items are left to
    /// [`Self::forget_documents`].
    fn destroy_record(
        &self,
        destruction: &Destruction,
        record_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The tombstone of record `id` of `agency`, if it was destroyed.
    fn get_tombstone(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> impl Future<Output = Result<Option<Tombstone>, StoreError>> + Send;

    /// Deletes what the store keeps of the documents of record `id`, which must no longer
    /// exist ([`StoreError::ConditionFailed`] while it does); how many it deleted.
    /// Idempotent.
    fn forget_documents(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
