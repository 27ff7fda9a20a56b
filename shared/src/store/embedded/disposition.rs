//! Destruction lists, their items and tombstones in the embedded store, in three tables
//! (keys in [`super::keys`]). One writer at a time makes a destruction one atomic step.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::{
    DOCUMENTS, EmbeddedStore, JsonTable, advance_head, current, get, keys, put, read_range,
    remove_record,
};
use crate::model::{
    AgencyId, AuditEntry, Destruction, DispositionItem, DispositionList, DispositionListId,
    RecordId, StoredRecord, Tombstone,
};
use crate::store::{DispositionStore, Page, StoreError};

/// The lists.
pub(super) const DISPOSITIONS: JsonTable = TableDefinition::new("dispositions");
/// The records on them.
pub(super) const DISPOSITION_ITEMS: JsonTable = TableDefinition::new("disposition_items");
/// What stays of destroyed records.
pub(super) const TOMBSTONES: JsonTable = TableDefinition::new("tombstones");

/// Writes `item` if the stored one is one version behind it.
fn replace_item(txn: &WriteTransaction, item: &DispositionItem) -> Result<(), StoreError> {
    let mut items = txn.open_table(DISPOSITION_ITEMS)?;
    let key = keys::disposition_item(&item.agency, &item.list, &item.record);
    let stored: Option<DispositionItem> = get(&items, &key)?;
    if stored.is_none_or(|stored| stored.version + 1 != item.version) {
        return Err(StoreError::ConditionFailed);
    }
    put(&mut items, &key, item)
}

impl DispositionStore for EmbeddedStore {
    async fn list_dispositions(
        &self,
        agency: &AgencyId,
    ) -> Result<Vec<DispositionList>, StoreError> {
        let range = keys::dispositions_of(agency);
        self.read(move |txn| {
            let table = txn.open_table(DISPOSITIONS)?;
            let mut lists = Vec::new();
            for entry in table.range(range.start.as_str()..range.end.as_str())?.rev() {
                lists.push(super::decode(entry?.1.value())?);
            }
            Ok(lists)
        })
        .await
    }

    async fn get_disposition(
        &self,
        agency: &AgencyId,
        id: &DispositionListId,
    ) -> Result<Option<DispositionList>, StoreError> {
        let key = keys::disposition(agency, id);
        self.read(move |txn| get(&txn.open_table(DISPOSITIONS)?, &key))
            .await
    }

    async fn add_disposition_item(&self, item: &DispositionItem) -> Result<bool, StoreError> {
        let item = item.clone();
        self.write(move |txn| {
            let mut items = txn.open_table(DISPOSITION_ITEMS)?;
            let key = keys::disposition_item(&item.agency, &item.list, &item.record);
            if items.get(key.as_str())?.is_some() {
                return Ok(false);
            }
            if item.version != 1 {
                return Err(StoreError::ConditionFailed);
            }
            put(&mut items, &key, &item)?;
            let mut lists = txn.open_table(DISPOSITIONS)?;
            let list_key = keys::disposition(&item.agency, &item.list);
            let mut list = get(&lists, &list_key)?.unwrap_or_else(|| DispositionList {
                id: item.list.clone(),
                agency: item.agency.clone(),
                opened_at: item.listed_at,
                items: 0,
            });
            list.items += 1;
            put(&mut lists, &list_key, &list)?;
            Ok(true)
        })
        .await
    }

    async fn get_disposition_item(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        record: &RecordId,
    ) -> Result<Option<DispositionItem>, StoreError> {
        let key = keys::disposition_item(agency, list, record);
        self.read(move |txn| get(&txn.open_table(DISPOSITION_ITEMS)?, &key))
            .await
    }

    async fn disposition_items(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<DispositionItem, RecordId>, StoreError> {
        let range = keys::disposition_items_after(agency, list, after);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(DISPOSITION_ITEMS)?, range, limit)?;
            Ok(Page::from_overfetch(
                items,
                limit,
                |item: &DispositionItem| item.record.clone(),
            ))
        })
        .await
    }

    async fn update_disposition_item(&self, item: &DispositionItem) -> Result<(), StoreError> {
        let item = item.clone();
        self.write(move |txn| replace_item(txn, &item)).await
    }

    async fn decide_disposition(
        &self,
        item: &DispositionItem,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (item, record, entry) = (item.clone(), record.clone(), entry.clone());
        self.write(move |txn| {
            if record.record.agency != item.agency || record.record.id != item.record {
                return Err(StoreError::ConditionFailed);
            }
            replace_item(txn, &item)?;
            advance_head(txn, &record, &entry)
        })
        .await
    }

    async fn destroy_record(
        &self,
        destruction: &Destruction,
        record_version: u64,
    ) -> Result<(), StoreError> {
        let destruction = destruction.clone();
        self.write(move |txn| {
            let item = &destruction.item;
            let (agency, id) = (&item.agency, &item.record);
            replace_item(txn, item)?;
            remove_record(txn, agency, id, record_version, &destruction.entry)?;
            put(
                &mut txn.open_table(TOMBSTONES)?,
                &keys::tombstone(agency, id),
                &destruction.tombstone,
            )
        })
        .await
    }

    async fn get_tombstone(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<Tombstone>, StoreError> {
        let key = keys::tombstone(agency, id);
        self.read(move |txn| get(&txn.open_table(TOMBSTONES)?, &key))
            .await
    }

    async fn forget_documents(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<usize, StoreError> {
        let (agency, id) = (agency.clone(), id.clone());
        self.write(move |txn| {
            if current(txn, &agency, &id)?.is_some() {
                return Err(StoreError::ConditionFailed);
            }
            let mut documents = txn.open_table(DOCUMENTS)?;
            let range = keys::documents_after(&agency, &id, None);
            let doomed: Vec<String> = documents
                .range(range.start.as_str()..range.end.as_str())?
                .map(|entry| entry.map(|(key, _)| key.value().to_owned()))
                .collect::<Result<_, _>>()?;
            for key in &doomed {
                documents.remove(key.as_str())?;
            }
            Ok(doomed.len())
        })
        .await
    }
}
