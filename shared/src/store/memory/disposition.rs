//! Destruction lists, their items and tombstones in memory.

use super::MemoryStore;
use crate::model::{
    AgencyId, AuditEntry, Destruction, DispositionItem, DispositionList, DispositionListId,
    RecordId, StoredRecord, Tombstone,
};
use crate::store::{DispositionStore, Page, StoreError};

/// Where an item is kept: by agency, list and record.
pub(super) type ItemKey = (AgencyId, DispositionListId, RecordId);

fn item_key(item: &DispositionItem) -> ItemKey {
    (item.agency.clone(), item.list.clone(), item.record.clone())
}

/// Whether `next` is one version after what is stored under its key.
fn follows(stored: Option<&DispositionItem>, next: &DispositionItem) -> bool {
    stored.is_some_and(|stored| stored.version + 1 == next.version)
}

impl DispositionStore for MemoryStore {
    async fn list_dispositions(
        &self,
        agency: &AgencyId,
    ) -> Result<Vec<DispositionList>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .dispositions
            .iter()
            .rev()
            .filter(|((owner, _), _)| owner == agency)
            .map(|(_, list)| list.clone())
            .collect())
    }

    async fn get_disposition(
        &self,
        agency: &AgencyId,
        id: &DispositionListId,
    ) -> Result<Option<DispositionList>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .dispositions
            .get(&(agency.clone(), id.clone()))
            .cloned())
    }

    async fn add_disposition_item(&self, item: &DispositionItem) -> Result<bool, StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = item_key(item);
        if tables.disposition_items.contains_key(&key) {
            return Ok(false);
        }
        if item.version != 1 {
            return Err(StoreError::ConditionFailed);
        }
        tables.disposition_items.insert(key, item.clone());
        tables
            .dispositions
            .entry((item.agency.clone(), item.list.clone()))
            .or_insert_with(|| DispositionList {
                id: item.list.clone(),
                agency: item.agency.clone(),
                opened_at: item.listed_at,
                items: 0,
            })
            .items += 1;
        Ok(true)
    }

    async fn get_disposition_item(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        record: &RecordId,
    ) -> Result<Option<DispositionItem>, StoreError> {
        let tables = self.lock()?;
        let key = (agency.clone(), list.clone(), record.clone());
        Ok(tables.disposition_items.get(&key).cloned())
    }

    async fn disposition_items(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<DispositionItem, RecordId>, StoreError> {
        let tables = self.lock()?;
        let items = tables
            .disposition_items
            .iter()
            .filter(|((owner, on, record), _)| {
                owner == agency && on == list && after.is_none_or(|after| record > after)
            })
            .map(|(_, item)| item.clone())
            .take(limit + 1)
            .collect();
        Ok(Page::from_overfetch(
            items,
            limit,
            |item: &DispositionItem| item.record.clone(),
        ))
    }

    async fn update_disposition_item(&self, item: &DispositionItem) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = item_key(item);
        if !follows(tables.disposition_items.get(&key), item) {
            return Err(StoreError::ConditionFailed);
        }
        tables.disposition_items.insert(key, item.clone());
        Ok(())
    }

    async fn decide_disposition(
        &self,
        item: &DispositionItem,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = item_key(item);
        if !follows(tables.disposition_items.get(&key), item)
            || record.record.agency != item.agency
            || record.record.id != item.record
        {
            return Err(StoreError::ConditionFailed);
        }
        tables.advance_head(record, entry)?;
        tables.disposition_items.insert(key, item.clone());
        Ok(())
    }

    async fn destroy_record(
        &self,
        destruction: &Destruction,
        record_version: u64,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let item = &destruction.item;
        let key = item_key(item);
        let record_key = (item.agency.clone(), item.record.clone());
        let record_ok = tables.records.get(&record_key).is_some_and(|current| {
            current.record.version == record_version
                && current.head.seq + 1 == destruction.entry.seq
        });
        if !record_ok || !follows(tables.disposition_items.get(&key), item) {
            return Err(StoreError::ConditionFailed);
        }
        tables.append(record_key.clone(), &destruction.entry)?;
        tables.records.remove(&record_key);
        tables
            .tombstones
            .insert(record_key, destruction.tombstone.clone());
        tables.disposition_items.insert(key, item.clone());
        Ok(())
    }

    async fn get_tombstone(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<Tombstone>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .tombstones
            .get(&(agency.clone(), id.clone()))
            .cloned())
    }

    async fn forget_documents(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<usize, StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let record_key = (agency.clone(), id.clone());
        if tables.records.contains_key(&record_key) {
            return Err(StoreError::ConditionFailed);
        }
        let before = tables.documents.len();
        tables
            .documents
            .retain(|(owner, _), _| *owner != record_key);
        Ok(before - tables.documents.len())
    }
}
