//! An embedded, file-backed store for the local server: one redb database file.
//!
//! redb transactions are ACID and copy-on-write, so a crash mid-write leaves the previous
//! committed state, never a torn record; it allows one writer at a time, so every
//! conditional write (read, check, write) is atomic by construction. Calls are blocking
//! (a commit fsyncs), so they run on tokio's blocking pool.
//!
//! | table | key | value |
//! |---|---|---|
//! | `records` | `<agency>/<id>` | record and chain head (JSON) |
//! | `history` | `<agency>/<id>/<seq, 10 digits>` | audit entry (JSON) |
//! | `listing` | `<agency>/<updated_at ms, 13 digits>/<id>` | nothing: the newest-first index |
//! | `documents` | `<agency>/<record id>/<document id>` | document (JSON) |
//! | `idempotency` | `<agency>/<key>` | kept response (JSON) |

use std::path::Path;
use std::sync::Arc;

use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    AuditLog, DocumentStore, IdempotencyStore, IdempotentResponse, ListFilter, ListPosition, Page,
    RecordStore, StoreError,
};
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, AuditEntry, Document, DocumentId, DocumentStatus, Record, RecordId, StoredRecord,
};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
const HISTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("history");
const LISTING: TableDefinition<&str, ()> = TableDefinition::new("listing");
const IDEMPOTENCY: TableDefinition<&str, &[u8]> = TableDefinition::new("idempotency");
const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("documents");

/// Records, history and idempotency keys in one local database file.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmbeddedStore")
    }
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(backend)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn record_key(agency: &AgencyId, id: &RecordId) -> String {
    format!("{agency}/{id}")
}

fn history_key(agency: &AgencyId, id: &RecordId, seq: u64) -> String {
    format!("{agency}/{id}/{seq:010}")
}

fn listing_key(agency: &AgencyId, updated_at: i64, id: &str) -> String {
    format!("{agency}/{updated_at:013}/{id}")
}

impl EmbeddedStore {
    /// Opens (or creates) the database at `path`, creating its folder if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(backend)?;
        }
        let db = Database::create(path).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(RECORDS).map_err(backend)?;
        txn.open_table(HISTORY).map_err(backend)?;
        txn.open_table(LISTING).map_err(backend)?;
        txn.open_table(IDEMPOTENCY).map_err(backend)?;
        txn.open_table(DOCUMENTS).map_err(backend)?;
        txn.commit().map_err(backend)?;
        Ok(Self { db: Arc::new(db) })
    }

    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db.begin_read().map_err(backend)?))
            .await
            .map_err(backend)?
    }

    /// Runs `work` in one write transaction: committed if it returns `Ok`, rolled back
    /// (by dropping the transaction) if it returns an error.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_write().map_err(backend)?;
            let value = work(&txn)?;
            txn.commit().map_err(backend)?;
            Ok(value)
        })
        .await
        .map_err(backend)?
    }
}

fn read_record(txn: &WriteTransaction, key: &str) -> Result<Option<StoredRecord>, StoreError> {
    let table = txn.open_table(RECORDS).map_err(backend)?;
    let value = table.get(key).map_err(backend)?;
    value.map(|guard| decode(guard.value())).transpose()
}

/// Appends `entry` to the chain of `record`, refusing a `seq` that already exists.
fn append(
    txn: &WriteTransaction,
    agency: &AgencyId,
    id: &RecordId,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let mut history = txn.open_table(HISTORY).map_err(backend)?;
    let key = history_key(agency, id, entry.seq);
    if history.get(key.as_str()).map_err(backend)?.is_some() {
        return Err(StoreError::ConditionFailed);
    }
    history
        .insert(key.as_str(), encode(entry)?.as_slice())
        .map_err(backend)?;
    Ok(())
}

fn put_record(
    txn: &WriteTransaction,
    stored: &StoredRecord,
    previous: Option<&Record>,
) -> Result<(), StoreError> {
    let record = &stored.record;
    let mut listing = txn.open_table(LISTING).map_err(backend)?;
    if let Some(previous) = previous {
        listing
            .remove(
                listing_key(
                    &previous.agency,
                    previous.updated_at.as_millis(),
                    previous.id.as_str(),
                )
                .as_str(),
            )
            .map_err(backend)?;
    }
    listing
        .insert(
            listing_key(
                &record.agency,
                record.updated_at.as_millis(),
                record.id.as_str(),
            )
            .as_str(),
            (),
        )
        .map_err(backend)?;
    let mut records = txn.open_table(RECORDS).map_err(backend)?;
    records
        .insert(
            record_key(&record.agency, &record.id).as_str(),
            encode(stored)?.as_slice(),
        )
        .map_err(backend)?;
    Ok(())
}

fn document_key(agency: &AgencyId, record: &RecordId, id: &DocumentId) -> String {
    format!("{agency}/{record}/{id}")
}

/// Moves the record's chain head and document count to `record`'s if the chain is still
/// one entry behind `entry`, and appends `entry`.
fn advance_head(
    txn: &WriteTransaction,
    record: &StoredRecord,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let (agency, id) = (&record.record.agency, &record.record.id);
    let key = record_key(agency, id);
    let mut current = read_record(txn, &key)?
        .filter(|current| current.head.seq + 1 == entry.seq)
        .ok_or(StoreError::ConditionFailed)?;
    append(txn, agency, id, entry)?;
    current.head = record.head.clone();
    current.documents = record.documents;
    txn.open_table(RECORDS)
        .map_err(backend)?
        .insert(key.as_str(), encode(&current)?.as_slice())
        .map_err(backend)?;
    Ok(())
}

fn read_document(txn: &WriteTransaction, key: &str) -> Result<Option<Document>, StoreError> {
    let table = txn.open_table(DOCUMENTS).map_err(backend)?;
    let value = table.get(key).map_err(backend)?;
    value.map(|guard| decode(guard.value())).transpose()
}

fn put_document(txn: &WriteTransaction, key: &str, document: &Document) -> Result<(), StoreError> {
    txn.open_table(DOCUMENTS)
        .map_err(backend)?
        .insert(key, encode(document)?.as_slice())
        .map_err(backend)?;
    Ok(())
}

impl RecordStore for EmbeddedStore {
    async fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let key = record_key(agency, id);
        self.read(move |txn| {
            let table = txn.open_table(RECORDS).map_err(backend)?;
            let value = table.get(key.as_str()).map_err(backend)?;
            value.map(|guard| decode(guard.value())).transpose()
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
            if let Some(response) = &idempotency {
                let mut table = txn.open_table(IDEMPOTENCY).map_err(backend)?;
                let key = format!("{}/{}", response.agency, response.key);
                let live = match table.get(key.as_str()).map_err(backend)? {
                    Some(kept) => {
                        decode::<IdempotentResponse>(kept.value())?.expires_at
                            > record.record.created_at
                    }
                    None => false,
                };
                if live {
                    return Err(StoreError::IdempotencyKeyTaken);
                }
                table
                    .insert(key.as_str(), encode(response)?.as_slice())
                    .map_err(backend)?;
            }
            if read_record(txn, &record_key(agency, id))?.is_some() {
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
            let current = read_record(txn, &record_key(agency, id))?
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
        self.write(move |txn| {
            let key = record_key(&agency, &id);
            let current = read_record(txn, &key)?
                .filter(|current| current.record.version == expected_version)
                .ok_or(StoreError::ConditionFailed)?;
            append(txn, &agency, &id, &entry)?;
            let record = &current.record;
            txn.open_table(LISTING)
                .map_err(backend)?
                .remove(
                    listing_key(&agency, record.updated_at.as_millis(), record.id.as_str())
                        .as_str(),
                )
                .map_err(backend)?;
            txn.open_table(RECORDS)
                .map_err(backend)?
                .remove(key.as_str())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn list_records(
        &self,
        agency: &AgencyId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let (agency, filter, after) = (agency.clone(), filter.clone(), after.cloned());
        self.read(move |txn| {
            let listing = txn.open_table(LISTING).map_err(backend)?;
            let records = txn.open_table(RECORDS).map_err(backend)?;
            // Keys of this agency sort between "<agency>/" and "<agency>0" ('0' follows '/').
            let start = format!("{agency}/");
            let end = match &after {
                Some(position) => listing_key(&agency, position.updated_at, &position.id),
                None => format!("{agency}0"),
            };
            let mut items = Vec::with_capacity(limit + 1);
            for entry in listing
                .range(start.as_str()..end.as_str())
                .map_err(backend)?
                .rev()
            {
                let (key, _) = entry.map_err(backend)?;
                let id = key
                    .value()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let Some(value) = records
                    .get(format!("{agency}/{id}").as_str())
                    .map_err(backend)?
                else {
                    return Err(StoreError::Corrupt(format!(
                        "listing entry without record: {}",
                        key.value()
                    )));
                };
                let stored: StoredRecord = decode(value.value())?;
                if filter.matches(&stored.record) {
                    items.push(stored.record);
                    if items.len() > limit {
                        break;
                    }
                }
            }
            let more = items.len() > limit;
            items.truncate(limit);
            let next = more
                .then(|| items.last().map(ListPosition::after))
                .flatten();
            Ok(Page { items, next })
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
        let start = history_key(agency, id, after_seq.unwrap_or(0) + 1);
        let end = format!("{agency}/{id}0");
        self.read(move |txn| {
            let history = txn.open_table(HISTORY).map_err(backend)?;
            let mut items = Vec::with_capacity(limit + 1);
            for entry in history
                .range(start.as_str()..end.as_str())
                .map_err(backend)?
                .take(limit + 1)
            {
                let (_, value) = entry.map_err(backend)?;
                items.push(decode::<AuditEntry>(value.value())?);
            }
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
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
        let key = format!("{agency}/{key}");
        self.read(move |txn| {
            let table = txn.open_table(IDEMPOTENCY).map_err(backend)?;
            let value = table.get(key.as_str()).map_err(backend)?;
            let kept = value
                .map(|guard| decode::<IdempotentResponse>(guard.value()))
                .transpose()?;
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
        let key = document_key(agency, record, id);
        self.read(move |txn| {
            let table = txn.open_table(DOCUMENTS).map_err(backend)?;
            let value = table.get(key.as_str()).map_err(backend)?;
            value.map(|guard| decode(guard.value())).transpose()
        })
        .await
    }

    async fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> Result<Page<Document, DocumentId>, StoreError> {
        // This record's keys sort between "<agency>/<record>/" and "<agency>/<record>0".
        let end = format!("{agency}/{record}0");
        let start = match after {
            // The first key after `after`'s.
            Some(after) => format!("{}\u{0}", document_key(agency, record, after)),
            None => format!("{agency}/{record}/"),
        };
        self.read(move |txn| {
            let table = txn.open_table(DOCUMENTS).map_err(backend)?;
            let mut items = Vec::with_capacity(limit + 1);
            for entry in table
                .range(start.as_str()..end.as_str())
                .map_err(backend)?
                .take(limit + 1)
            {
                let (_, value) = entry.map_err(backend)?;
                items.push(decode::<Document>(value.value())?);
            }
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
            let key = document_key(&document.agency, &document.record_id, &document.id);
            if read_document(txn, &key)?.is_some() {
                return Err(StoreError::ConditionFailed);
            }
            advance_head(txn, &record, &entry)?;
            put_document(txn, &key, &document)
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
            let key = document_key(&settled.agency, &settled.record_id, &settled.id);
            read_document(txn, &key)?
                .filter(|current| current.status == DocumentStatus::Pending)
                .ok_or(StoreError::ConditionFailed)?;
            advance_head(txn, &record, &entry)?;
            put_document(txn, &key, &settled)
        })
        .await
    }
}
