//! An embedded, file-backed store for the local server: one redb database file.
//!
//! redb transactions are ACID and copy-on-write, so a crash mid-write leaves the previous
//! committed state, never a torn record; it allows one writer at a time, so every
//! conditional write (read, check, write) is atomic by construction. Calls are blocking
//! (a commit fsyncs), so they run on tokio's blocking pool. [`keys`] has every key.

mod disposition;
mod feed;
mod fixity;
mod holds;
mod keys;
mod requests;
mod schedules;

pub use feed::Changed;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata, Table,
    TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    AgencyStore, AuditLog, ChainHeads, DocumentStore, IdempotencyStore, IdempotentResponse,
    ListFilter, ListPosition, Page, PublicFilter, PublicIndex, RecordStore, StoreError, usage,
};
use crate::anchor::RecordHead;
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, AgencyProfile, AuditEntry, Document, DocumentId, DocumentStatus, Record, RecordId,
    StoredAgency, StoredRecord, is_publicly_visible,
};

/// A table of JSON values under text keys.
type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;

const RECORDS: JsonTable = TableDefinition::new("records");
const HISTORY: JsonTable = TableDefinition::new("history");
const LISTING: TableDefinition<&str, ()> = TableDefinition::new("listing");
const PUBLIC_LISTING: TableDefinition<&str, ()> = TableDefinition::new("public_listing");
const IDEMPOTENCY: JsonTable = TableDefinition::new("idempotency");
const DOCUMENTS: JsonTable = TableDefinition::new("documents");
const AGENCIES: JsonTable = TableDefinition::new("agencies");
const AGENCY_HISTORY: JsonTable = TableDefinition::new("agency_history");

/// Every redb failure (and a blocking task that could not finish) is a backend error.
macro_rules! backend_errors {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for StoreError {
            fn from(error: $error) -> Self {
                StoreError::Backend(error.to_string())
            }
        })*
    };
}

backend_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    tokio::task::JoinError,
    std::io::Error,
);

/// Records, history, documents and idempotency keys in one local database file.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    /// Notified after every committed write (see [`EmbeddedStore::writes`]).
    written: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmbeddedStore")
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the database at `path`, creating its folder if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(folder) = path.parent() {
            crate::private::create_dir_all(folder)?;
        }
        // Created here, owner-only, before redb opens it (it would use the default mode).
        if let Err(error) = crate::private::new_file().open(path)
            && error.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(error.into());
        }
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        for table in [
            RECORDS,
            HISTORY,
            IDEMPOTENCY,
            DOCUMENTS,
            AGENCIES,
            AGENCY_HISTORY,
            requests::REQUESTS,
            requests::REQUEST_HISTORY,
            schedules::SCHEDULES,
            schedules::SCHEDULE_HISTORY,
            holds::HOLDS,
            holds::HOLD_HISTORY,
            disposition::DISPOSITIONS,
            disposition::DISPOSITION_ITEMS,
            disposition::TOMBSTONES,
            fixity::FIXITY_RUNS,
        ] {
            txn.open_table(table)?;
        }
        txn.open_table(requests::REQUEST_COUNTERS)?;
        txn.open_table(LISTING)?;
        txn.open_table(holds::HOLD_MEMBERS)?;
        txn.open_table(feed::CHANGES)?;
        index_public_records(&txn)?;
        txn.commit()?;
        Ok(Self {
            db: Arc::new(db),
            written: Arc::default(),
        })
    }

    /// Runs `work` in one read transaction, on the blocking pool.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        usage::count(0.0, 0.0);
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db.begin_read()?)).await?
    }

    /// Runs `work` in one write transaction, on the blocking pool: committed if it
    /// returns `Ok`, rolled back (by dropping the transaction) if it returns an error.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        usage::count(0.0, 0.0);
        let db = self.db.clone();
        let value = tokio::task::spawn_blocking(move || {
            let txn = db.begin_write()?;
            let value = work(&txn)?;
            txn.commit()?;
            Ok::<_, StoreError>(value)
        })
        .await??;
        // A stored permit wakes a follower that is not waiting yet: no write is missed.
        self.written.notify_one();
        Ok(value)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The JSON value at `key` of `table`, decoded.
fn get<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    table
        .get(key)?
        .map(|value| decode(value.value()))
        .transpose()
}

/// Writes `value` as JSON at `key` of `table`.
fn put<T: Serialize>(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Backend(e.to_string()))?;
    table.insert(key, bytes.as_slice())?;
    Ok(())
}

/// Up to `limit + 1` values of `table` in `range`, in key order: a page, and one more
/// if another page follows (see [`Page::from_overfetch`]).
fn read_range<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    range: std::ops::Range<String>,
    limit: usize,
) -> Result<Vec<T>, StoreError> {
    let mut items = Vec::with_capacity(limit + 1);
    for entry in table
        .range(range.start.as_str()..range.end.as_str())?
        .take(limit + 1)
    {
        let (_, value) = entry?;
        items.push(decode(value.value())?);
    }
    Ok(items)
}

/// Appends `entry` to the chain of record `id`, only right after its last entry.
fn append(
    txn: &WriteTransaction,
    agency: &AgencyId,
    id: &RecordId,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let mut history = txn.open_table(HISTORY)?;
    append_to(&mut history, entry, |seq| keys::history(agency, id, seq))?;
    feed::note(txn, agency, id)
}

/// Appends `entry` to the chain in `table` whose entry `seq` is at `key_of(seq)`, only
/// right after its last entry: a `seq` that exists already, or whose predecessor does
/// not, is refused.
fn append_to(
    table: &mut Table<'_, &'static str, &'static [u8]>,
    entry: &AuditEntry,
    key_of: impl Fn(u64) -> String,
) -> Result<(), StoreError> {
    let follows_the_last = match entry.seq {
        0 => false,
        1 => true,
        seq => table.get(key_of(seq - 1).as_str())?.is_some(),
    };
    let key = key_of(entry.seq);
    if !follows_the_last || table.get(key.as_str())?.is_some() {
        return Err(StoreError::ConditionFailed);
    }
    put(table, &key, entry)
}

/// The record `id` as the write transaction sees it.
fn current(
    txn: &WriteTransaction,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<Option<StoredRecord>, StoreError> {
    get(&txn.open_table(RECORDS)?, &keys::record(agency, id))
}

/// The records of `agency` that the keys of `listing` in `range` name, read backwards
/// (newest first), that `keep` keeps: up to `limit + 1` of them (a page, and one more if
/// another page follows; see [`Page::from_overfetch`]).
fn listed_records(
    txn: &ReadTransaction,
    listing: TableDefinition<&str, ()>,
    range: std::ops::Range<String>,
    agency: &AgencyId,
    limit: usize,
    keep: impl Fn(&Record) -> bool,
) -> Result<Vec<Record>, StoreError> {
    let listing = txn.open_table(listing)?;
    let records = txn.open_table(RECORDS)?;
    let mut items = Vec::with_capacity(limit + 1);
    for entry in listing
        .range(range.start.as_str()..range.end.as_str())?
        .rev()
    {
        let (key, _) = entry?;
        let corrupt = || StoreError::Corrupt(format!("listing entry {}", key.value()));
        let id = keys::listed_id(key.value()).ok_or_else(corrupt)?;
        let stored: StoredRecord =
            get(&records, &keys::record(agency, &id))?.ok_or_else(corrupt)?;
        if keep(&stored.record) {
            items.push(stored.record);
            if items.len() > limit {
                break;
            }
        }
    }
    Ok(items)
}

/// Fills `public_listing` from `records` when it is empty: a database written before it
/// existed gets one on open.
fn index_public_records(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut public = txn.open_table(PUBLIC_LISTING)?;
    if !public.is_empty()? {
        return Ok(());
    }
    for entry in txn.open_table(RECORDS)?.iter()? {
        let stored: StoredRecord = decode(entry?.1.value())?;
        if is_publicly_visible(&stored.record) {
            public.insert(keys::public_listing(&stored.record).as_str(), ())?;
        }
    }
    Ok(())
}

/// Writes `stored`, moving its listing entries from where `previous` had them (the public
/// listing holds it only while it is publicly visible).
fn put_record(
    txn: &WriteTransaction,
    stored: &StoredRecord,
    previous: Option<&Record>,
) -> Result<(), StoreError> {
    let record = &stored.record;
    let mut listing = txn.open_table(LISTING)?;
    let mut public = txn.open_table(PUBLIC_LISTING)?;
    if let Some(previous) = previous {
        listing.remove(keys::listing(previous).as_str())?;
        public.remove(keys::public_listing(previous).as_str())?;
    }
    listing.insert(keys::listing(record).as_str(), ())?;
    if is_publicly_visible(record) {
        public.insert(keys::public_listing(record).as_str(), ())?;
    }
    let mut records = txn.open_table(RECORDS)?;
    put(
        &mut records,
        &keys::record(&record.agency, &record.id),
        stored,
    )
}

/// Deletes record `id` if it is still at `expected_version`, appending `entry` to its
/// chain (which stays) and taking it out of the listings.
fn remove_record(
    txn: &WriteTransaction,
    agency: &AgencyId,
    id: &RecordId,
    expected_version: u64,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let current = current(txn, agency, id)?
        .filter(|current| current.record.version == expected_version)
        .ok_or(StoreError::ConditionFailed)?;
    append(txn, agency, id, entry)?;
    txn.open_table(LISTING)?
        .remove(keys::listing(&current.record).as_str())?;
    txn.open_table(PUBLIC_LISTING)?
        .remove(keys::public_listing(&current.record).as_str())?;
    txn.open_table(RECORDS)?
        .remove(keys::record(agency, id).as_str())?;
    Ok(())
}

/// Moves the record's chain head and document count to `record`'s if the chain is still
/// one entry behind `entry`, and appends `entry`.
fn advance_head(
    txn: &WriteTransaction,
    record: &StoredRecord,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let (agency, id) = (&record.record.agency, &record.record.id);
    let mut current = current(txn, agency, id)?
        .filter(|current| current.head.seq + 1 == entry.seq)
        .ok_or(StoreError::ConditionFailed)?;
    append(txn, agency, id, entry)?;
    current.head = record.head.clone();
    current.documents = record.documents;
    put(
        &mut txn.open_table(RECORDS)?,
        &keys::record(agency, id),
        &current,
    )
}

impl RecordStore for EmbeddedStore {
    async fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let key = keys::record(agency, id);
        self.read(move |txn| get(&txn.open_table(RECORDS)?, &key))
            .await
    }

    async fn get_records(
        &self,
        agency: &AgencyId,
        ids: &[RecordId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if ids.len() > super::MAX_BATCH_READ {
            return Err(StoreError::Backend("too many records at once".into()));
        }
        let keys: Vec<String> = ids.iter().map(|id| keys::record(agency, id)).collect();
        self.read(move |txn| {
            let records = txn.open_table(RECORDS)?;
            let mut found = Vec::with_capacity(keys.len());
            for key in &keys {
                found.extend(get::<StoredRecord>(&records, key)?);
            }
            Ok(found)
        })
        .await
    }

    async fn create_record(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let (record, entry, idempotency) = (record.clone(), entry.clone(), idempotency.cloned());
        self.write(move |txn| {
            let (agency, id) = (&record.record.agency, &record.record.id);
            keep_idempotent(txn, idempotency.as_ref(), record.record.created_at)?;
            if current(txn, agency, id)?.is_some() {
                return Err(StoreError::ConditionFailed);
            }
            append(txn, agency, id, &entry)?;
            put_record(txn, &record, None)
        })
        .await
    }

    async fn update_if_version(
        &self,
        next: &StoredRecord,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (next, entry) = (next.clone(), entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&next.record.agency, &next.record.id);
            let current = current(txn, agency, id)?
                .filter(|current| current.record.version == expected_version)
                .ok_or(StoreError::ConditionFailed)?;
            append(txn, agency, id, &entry)?;
            put_record(txn, &next, Some(&current.record))
        })
        .await
    }

    async fn delete_if_version(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (agency, id, entry) = (agency.clone(), id.clone(), entry.clone());
        self.write(move |txn| remove_record(txn, &agency, &id, expected_version, &entry))
            .await
    }

    async fn list_records(
        &self,
        agency: &AgencyId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let (agency, filter) = (agency.clone(), filter.clone());
        let range = keys::listing_before(&agency, after);
        self.read(move |txn| {
            let items = listed_records(txn, LISTING, range, &agency, limit, |record| {
                filter.matches(record)
            })?;
            Ok(Page::from_overfetch(items, limit, ListPosition::after))
        })
        .await
    }
}

impl AuditLog for EmbeddedStore {
    async fn history(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let range = keys::history_from(agency, id, after_seq.unwrap_or(0) + 1);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(HISTORY)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
        })
        .await
    }
}

impl AgencyStore for EmbeddedStore {
    async fn get_agency(&self, agency: &AgencyId) -> Result<Option<StoredAgency>, StoreError> {
        let key = keys::agency(agency);
        self.read(move |txn| get(&txn.open_table(AGENCIES)?, &key))
            .await
    }

    async fn put_agency(
        &self,
        next: &StoredAgency,
        expected_version: Option<u64>,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (next, entry) = (next.clone(), entry.clone());
        self.write(move |txn| {
            let agency = &next.profile.agency;
            let mut agencies = txn.open_table(AGENCIES)?;
            let key = keys::agency(agency);
            let current: Option<StoredAgency> = get(&agencies, &key)?;
            if current.as_ref().map(|c| c.profile.version) != expected_version
                || current.as_ref().map_or(0, |c| c.head.seq) + 1 != entry.seq
            {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(AGENCY_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::agency_history(agency, seq)
            })?;
            put(&mut agencies, &key, &next)
        })
        .await
    }

    async fn agency_history(
        &self,
        agency: &AgencyId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let range = keys::agency_history_from(agency, after_seq.unwrap_or(0) + 1);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(AGENCY_HISTORY)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
        })
        .await
    }
}

impl PublicIndex for EmbeddedStore {
    async fn list_agencies(
        &self,
        limit: usize,
        after: Option<&AgencyId>,
    ) -> Result<Page<AgencyProfile, AgencyId>, StoreError> {
        // Agency ids are `[a-z0-9-]`: `<after>\0` is the first key after `after`'s.
        let start = after.map_or_else(String::new, |after| format!("{after}\u{0}"));
        self.read(move |txn| {
            let mut items = Vec::with_capacity(limit + 1);
            for entry in txn
                .open_table(AGENCIES)?
                .range(start.as_str()..)?
                .take(limit + 1)
            {
                let stored: StoredAgency = decode(entry?.1.value())?;
                items.push(stored.profile);
            }
            Ok(Page::from_overfetch(
                items,
                limit,
                |profile: &AgencyProfile| profile.agency.clone(),
            ))
        })
        .await
    }

    async fn list_public_records(
        &self,
        agency: &AgencyId,
        filter: &PublicFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let (agency, filter) = (agency.clone(), filter.clone());
        let range = keys::public_listing_before(&agency, filter.published, after);
        self.read(move |txn| {
            let items = listed_records(txn, PUBLIC_LISTING, range, &agency, limit, |record| {
                filter.matches(record)
            })?;
            Ok(Page::from_overfetch(
                items,
                limit,
                ListPosition::published_after,
            ))
        })
        .await
    }
}

impl ChainHeads for EmbeddedStore {
    async fn chain_heads(&self) -> Result<BTreeMap<AgencyId, Vec<RecordHead>>, StoreError> {
        self.read(|txn| {
            let mut heads = Vec::new();
            for entry in txn.open_table(RECORDS)?.iter()? {
                let stored: StoredRecord = decode(entry?.1.value())?;
                heads.push((stored.record.agency.clone(), RecordHead::of(&stored)));
            }
            Ok(super::by_agency(heads))
        })
        .await
    }
}

impl IdempotencyStore for EmbeddedStore {
    async fn get_idempotent(
        &self,
        agency: &AgencyId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let key = keys::idempotency(agency, key);
        self.read(move |txn| {
            let kept: Option<IdempotentResponse> = get(&txn.open_table(IDEMPOTENCY)?, &key)?;
            Ok(kept.filter(|kept| kept.expires_at > now))
        })
        .await
    }
}

impl DocumentStore for EmbeddedStore {
    async fn get_document(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        id: &DocumentId,
    ) -> Result<Option<Document>, StoreError> {
        let key = keys::document(agency, record, id);
        self.read(move |txn| get(&txn.open_table(DOCUMENTS)?, &key))
            .await
    }

    async fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> Result<Page<Document, DocumentId>, StoreError> {
        let range = keys::documents_after(agency, record, after);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(DOCUMENTS)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |document: &Document| {
                document.id.clone()
            }))
        })
        .await
    }

    async fn add_document(
        &self,
        record: &StoredRecord,
        document: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (record, document, entry) = (record.clone(), document.clone(), entry.clone());
        self.write(move |txn| {
            let key = keys::document(&document.agency, &document.record_id, &document.id);
            let mut documents = txn.open_table(DOCUMENTS)?;
            if get::<Document>(&documents, &key)?.is_some() {
                return Err(StoreError::ConditionFailed);
            }
            advance_head(txn, &record, &entry)?;
            put(&mut documents, &key, &document)
        })
        .await
    }

    async fn settle_document(
        &self,
        record: &StoredRecord,
        settled: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (record, settled, entry) = (record.clone(), settled.clone(), entry.clone());
        self.write(move |txn| {
            let key = keys::document(&settled.agency, &settled.record_id, &settled.id);
            let mut documents = txn.open_table(DOCUMENTS)?;
            get::<Document>(&documents, &key)?
                .filter(|current| current.status == DocumentStatus::Pending)
                .ok_or(StoreError::ConditionFailed)?;
            advance_head(txn, &record, &entry)?;
            put(&mut documents, &key, &settled)
        })
        .await
    }
}

/// Keeps `response` (if any) under its key in `txn`, only if the key is free or expired at
/// `now`; else [`StoreError::IdempotencyKeyTaken`].
pub(super) fn keep_idempotent(
    txn: &WriteTransaction,
    response: Option<&IdempotentResponse>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(response) = response else {
        return Ok(());
    };
    let mut table = txn.open_table(IDEMPOTENCY)?;
    let key = keys::idempotency(&response.agency, &response.key);
    let kept: Option<IdempotentResponse> = get(&table, &key)?;
    if kept.is_some_and(|kept| kept.expires_at > now) {
        return Err(StoreError::IdempotencyKeyTaken);
    }
    put(&mut table, &key, response)
}
