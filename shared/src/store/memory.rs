//! An in-process store: the same contract as DynamoDB, held in a mutex. Used by the
//! handler unit tests; every operation is atomic because it runs under one lock. A test
//! can make another change land between a handler's read and its write with
//! [`MemoryStore::before_next_write`].

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{
    AgencyStore, AuditLog, ChainHeads, DocumentStore, IdempotencyStore, IdempotentResponse,
    ListFilter, ListPosition, Page, PublicFilter, PublicIndex, RecordStore, StoreError, usage,
};
use crate::anchor::RecordHead;
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, AgencyProfile, AuditEntry, DispositionItem, DispositionList, DispositionListId,
    Document, DocumentId, DocumentStatus, HoldId, Record, RecordId, RequestNumber, ScheduleId,
    StoredAgency, StoredHold, StoredRecord, StoredRequest, StoredSchedule, Tombstone,
    publication_time,
};

mod disposition;
mod fixity;
mod holds;
mod requests;
mod schedules;

type RecordKey = (AgencyId, RecordId);

#[derive(Default)]
struct Tables {
    records: HashMap<RecordKey, StoredRecord>,
    history: HashMap<RecordKey, Vec<AuditEntry>>,
    idempotency: HashMap<(AgencyId, String), IdempotentResponse>,
    documents: BTreeMap<(RecordKey, DocumentId), Document>,
    agencies: HashMap<AgencyId, StoredAgency>,
    agency_history: HashMap<AgencyId, Vec<AuditEntry>>,
    request_counters: HashMap<(AgencyId, i16), u32>,
    requests: HashMap<(AgencyId, RequestNumber), StoredRequest>,
    request_history: HashMap<(AgencyId, RequestNumber), Vec<AuditEntry>>,
    schedules: BTreeMap<(AgencyId, ScheduleId), StoredSchedule>,
    schedule_history: HashMap<(AgencyId, ScheduleId), Vec<AuditEntry>>,
    holds: BTreeMap<(AgencyId, HoldId), StoredHold>,
    hold_history: HashMap<(AgencyId, HoldId), Vec<AuditEntry>>,
    hold_members: std::collections::BTreeSet<(AgencyId, HoldId, RecordId)>,
    dispositions: BTreeMap<(AgencyId, DispositionListId), DispositionList>,
    disposition_items: BTreeMap<disposition::ItemKey, DispositionItem>,
    tombstones: HashMap<RecordKey, Tombstone>,
    fixity_runs: HashMap<AgencyId, super::FixityRun>,
}

/// What a test runs on the store right before its next write.
pub type WriteHook = Box<
    dyn for<'a> FnOnce(&'a MemoryStore) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> + Send,
>;

/// The in-memory adapter. A clone is another handle on the same tables, as a clone of
/// the other adapters is another client of the same table or file.
#[derive(Clone, Default)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
    before_write: Arc<Mutex<Option<WriteHook>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `hook` on this store once, right before the next write (of any kind): how a
    /// test makes a concurrent change land between a handler's read and its write. The
    /// hook's own writes do not run it again.
    pub fn before_next_write<F>(&self, hook: F)
    where
        F: for<'a> FnOnce(&'a MemoryStore) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>
            + Send
            + 'static,
    {
        if let Ok(mut slot) = self.before_write.lock() {
            *slot = Some(Box::new(hook));
        }
    }

    /// Runs the hook set by [`Self::before_next_write`], if any; every write calls it
    /// first.
    async fn writing(&self) {
        let hook = self
            .before_write
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        if let Some(hook) = hook {
            hook(self).await;
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Tables>, StoreError> {
        usage::count(0.0, 0.0);
        self.tables
            .lock()
            .map_err(|_| StoreError::Backend("a writer panicked while holding the store".into()))
    }
}

fn key_of(record: &Record) -> RecordKey {
    (record.agency.clone(), record.id.clone())
}

fn sort_key(record: &Record) -> (i64, &str) {
    (record.updated_at.as_millis(), record.id.as_str())
}

/// Appends `entry` to `chain`, only right after its last entry.
fn append_to(chain: &mut Vec<AuditEntry>, entry: &AuditEntry) -> Result<(), StoreError> {
    if chain.last().map_or(0, |last| last.seq) + 1 != entry.seq {
        return Err(StoreError::ConditionFailed);
    }
    chain.push(entry.clone());
    Ok(())
}

/// Up to `limit` entries of `chain` after `after_seq`, as a page.
fn chain_page(
    chain: Option<&Vec<AuditEntry>>,
    limit: usize,
    after_seq: Option<u64>,
) -> Page<AuditEntry, u64> {
    let items = chain
        .into_iter()
        .flatten()
        .filter(|entry| entry.seq > after_seq.unwrap_or(0))
        .take(limit + 1)
        .cloned()
        .collect();
    Page::from_overfetch(items, limit, |entry: &AuditEntry| entry.seq)
}

impl Tables {
    fn append(&mut self, key: RecordKey, entry: &AuditEntry) -> Result<(), StoreError> {
        append_to(self.history.entry(key).or_default(), entry)
    }

    /// [`StoreError::IdempotencyKeyTaken`] unless `response`'s key is free or expired at
    /// `now`.
    fn idempotency_key_free(
        &self,
        response: Option<&IdempotentResponse>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let taken = response.is_some_and(|response| {
            self.idempotency
                .get(&(response.agency.clone(), response.key.clone()))
                .is_some_and(|kept| kept.expires_at > now)
        });
        if taken {
            return Err(StoreError::IdempotencyKeyTaken);
        }
        Ok(())
    }

    /// Keeps `response` (if any) under its key.
    fn keep_idempotent(&mut self, response: Option<&IdempotentResponse>) {
        if let Some(response) = response {
            self.idempotency.insert(
                (response.agency.clone(), response.key.clone()),
                response.clone(),
            );
        }
    }
}

impl Tables {
    /// Moves the record's chain head and document count to `record`'s if the chain is
    /// still one entry behind `entry`, and appends `entry`.
    fn advance_head(
        &mut self,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let key = key_of(&record.record);
        match self.records.get(&key) {
            Some(current) if current.head.seq + 1 == entry.seq => {}
            _ => return Err(StoreError::ConditionFailed),
        }
        self.append(key.clone(), entry)?;
        if let Some(current) = self.records.get_mut(&key) {
            current.head = record.head.clone();
            current.documents = record.documents;
        }
        Ok(())
    }
}

fn document_key(document: &Document) -> (RecordKey, DocumentId) {
    (
        (document.agency.clone(), document.record_id.clone()),
        document.id.clone(),
    )
}

impl RecordStore for MemoryStore {
    async fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        Ok(self
            .lock()?
            .records
            .get(&(agency.clone(), id.clone()))
            .cloned())
    }

    async fn get_records(
        &self,
        agency: &AgencyId,
        ids: &[RecordId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if ids.len() > super::MAX_BATCH_READ {
            return Err(StoreError::Backend("too many records at once".into()));
        }
        let tables = self.lock()?;
        Ok(ids
            .iter()
            .filter_map(|id| tables.records.get(&(agency.clone(), id.clone())).cloned())
            .collect())
    }

    async fn create_record(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = key_of(&record.record);
        tables.idempotency_key_free(idempotency, record.record.created_at)?;
        if tables.records.contains_key(&key) || tables.history.contains_key(&key) {
            return Err(StoreError::ConditionFailed);
        }
        tables.append(key.clone(), entry)?;
        tables.records.insert(key, record.clone());
        tables.keep_idempotent(idempotency);
        Ok(())
    }

    async fn update_if_version(
        &self,
        next: &StoredRecord,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = key_of(&next.record);
        match tables.records.get(&key) {
            Some(current) if current.record.version == expected_version => {}
            _ => return Err(StoreError::ConditionFailed),
        }
        tables.append(key.clone(), entry)?;
        tables.records.insert(key, next.clone());
        Ok(())
    }

    async fn delete_if_version(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (agency.clone(), id.clone());
        match tables.records.get(&key) {
            Some(current) if current.record.version == expected_version => {}
            _ => return Err(StoreError::ConditionFailed),
        }
        tables.append(key.clone(), entry)?;
        tables.records.remove(&key);
        Ok(())
    }

    async fn list_records(
        &self,
        agency: &AgencyId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let tables = self.lock()?;
        let mut matching: Vec<&Record> = tables
            .records
            .values()
            .map(|stored| &stored.record)
            .filter(|record| &record.agency == agency && filter.matches(record))
            .filter(|record| {
                after.is_none_or(|after| sort_key(record) < (after.at, after.id.as_str()))
            })
            .collect();
        matching.sort_by(|a, b| sort_key(b).cmp(&sort_key(a)));
        let items = matching.into_iter().take(limit + 1).cloned().collect();
        Ok(Page::from_overfetch(items, limit, ListPosition::after))
    }
}

impl AuditLog for MemoryStore {
    async fn history(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let tables = self.lock()?;
        let chain = tables.history.get(&(agency.clone(), id.clone()));
        Ok(chain_page(chain, limit, after_seq))
    }
}

impl AgencyStore for MemoryStore {
    async fn get_agency(&self, agency: &AgencyId) -> Result<Option<StoredAgency>, StoreError> {
        Ok(self.lock()?.agencies.get(agency).cloned())
    }

    async fn put_agency(
        &self,
        next: &StoredAgency,
        expected_version: Option<u64>,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let agency = &next.profile.agency;
        let current = tables.agencies.get(agency);
        if current.map(|c| c.profile.version) != expected_version
            || current.map_or(0, |c| c.head.seq) + 1 != entry.seq
        {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.agency_history.entry(agency.clone()).or_default(),
            entry,
        )?;
        tables.agencies.insert(agency.clone(), next.clone());
        Ok(())
    }

    async fn agency_history(
        &self,
        agency: &AgencyId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let tables = self.lock()?;
        Ok(chain_page(
            tables.agency_history.get(agency),
            limit,
            after_seq,
        ))
    }
}

impl PublicIndex for MemoryStore {
    async fn list_agencies(
        &self,
        limit: usize,
        after: Option<&AgencyId>,
    ) -> Result<Page<AgencyProfile, AgencyId>, StoreError> {
        let tables = self.lock()?;
        let mut profiles: Vec<&AgencyProfile> = tables
            .agencies
            .values()
            .map(|stored| &stored.profile)
            .filter(|profile| after.is_none_or(|after| &profile.agency > after))
            .collect();
        profiles.sort_by(|a, b| a.agency.cmp(&b.agency));
        let items = profiles.into_iter().take(limit + 1).cloned().collect();
        Ok(Page::from_overfetch(
            items,
            limit,
            |profile: &AgencyProfile| profile.agency.clone(),
        ))
    }

    async fn list_public_records(
        &self,
        agency: &AgencyId,
        filter: &PublicFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let tables = self.lock()?;
        let key = |record: &Record| (publication_time(record).as_millis(), record.id.to_string());
        let mut matching: Vec<&Record> = tables
            .records
            .values()
            .map(|stored| &stored.record)
            .filter(|record| &record.agency == agency && filter.matches(record))
            .filter(|record| after.is_none_or(|after| key(record) < (after.at, after.id.clone())))
            .collect();
        matching.sort_by_key(|record| std::cmp::Reverse(key(record)));
        let items = matching.into_iter().take(limit + 1).cloned().collect();
        Ok(Page::from_overfetch(
            items,
            limit,
            ListPosition::published_after,
        ))
    }
}

impl ChainHeads for MemoryStore {
    async fn chain_heads(&self) -> Result<BTreeMap<AgencyId, Vec<RecordHead>>, StoreError> {
        let tables = self.lock()?;
        Ok(super::by_agency(tables.records.values().map(|stored| {
            (stored.record.agency.clone(), RecordHead::of(stored))
        })))
    }
}

impl IdempotencyStore for MemoryStore {
    async fn get_idempotent(
        &self,
        agency: &AgencyId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .idempotency
            .get(&(agency.clone(), key.to_owned()))
            .filter(|kept| kept.expires_at > now)
            .cloned())
    }
}

impl DocumentStore for MemoryStore {
    async fn get_document(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        id: &DocumentId,
    ) -> Result<Option<Document>, StoreError> {
        let key = ((agency.clone(), record.clone()), id.clone());
        Ok(self.lock()?.documents.get(&key).cloned())
    }

    async fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> Result<Page<Document, DocumentId>, StoreError> {
        let tables = self.lock()?;
        let owner = (agency.clone(), record.clone());
        let items = tables
            .documents
            .iter()
            .filter(|((key, id), _)| *key == owner && after.is_none_or(|after| id > after))
            .map(|(_, document)| document.clone())
            .take(limit + 1)
            .collect();
        Ok(Page::from_overfetch(items, limit, |document: &Document| {
            document.id.clone()
        }))
    }

    async fn add_document(
        &self,
        record: &StoredRecord,
        document: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = document_key(document);
        if tables.documents.contains_key(&key) {
            return Err(StoreError::ConditionFailed);
        }
        tables.advance_head(record, entry)?;
        tables.documents.insert(key, document.clone());
        Ok(())
    }

    async fn settle_document(
        &self,
        record: &StoredRecord,
        settled: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = document_key(settled);
        match tables.documents.get(&key) {
            Some(current) if current.status == DocumentStatus::Pending => {}
            _ => return Err(StoreError::ConditionFailed),
        }
        tables.advance_head(record, entry)?;
        tables.documents.insert(key, settled.clone());
        Ok(())
    }
}
