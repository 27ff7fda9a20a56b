//! The change feed: every write to a record's chain (create, update, delete, a document
//! added or settled) also appends the record's id here, in the same transaction, under a
//! sequence number. It is the embedded store's counterpart of a DynamoDB stream: the local
//! search indexer follows it, and trims what every index has taken in.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::EmbeddedStore;
use crate::model::{AgencyId, RecordId};
use crate::store::StoreError;

/// Sequence number → `agency/record`.
pub(super) const CHANGES: TableDefinition<u64, &str> = TableDefinition::new("changes");

/// One record that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// Its place in the feed: later changes have larger numbers.
    pub seq: u64,
    /// Its agency.
    pub agency: AgencyId,
    /// The record.
    pub id: RecordId,
}

/// Notes in the feed that record `id` of `agency` changed.
pub(super) fn note(
    txn: &WriteTransaction,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<(), StoreError> {
    let mut changes = txn.open_table(CHANGES)?;
    let next = changes.last()?.map_or(1, |(seq, _)| seq.value() + 1);
    changes.insert(next, format!("{agency}/{id}").as_str())?;
    Ok(())
}

impl EmbeddedStore {
    /// Up to `limit` changes after `after`, oldest first.
    pub async fn changes_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Changed>, StoreError> {
        self.read(move |txn| {
            let mut found = Vec::new();
            for entry in txn.open_table(CHANGES)?.range(after + 1..)?.take(limit) {
                let (seq, value) = entry?;
                let parsed = value.value().split_once('/').and_then(|(agency, id)| {
                    Some((AgencyId::parse(agency)?, RecordId::parse(id)?))
                });
                let (agency, id) = parsed.ok_or_else(|| {
                    StoreError::Backend(format!("change {} is unreadable", seq.value()))
                })?;
                found.push(Changed {
                    seq: seq.value(),
                    agency,
                    id,
                });
            }
            Ok(found)
        })
        .await
    }

    /// The number of the latest change (0 before any).
    pub async fn last_change(&self) -> Result<u64, StoreError> {
        self.read(|txn| {
            Ok(txn
                .open_table(CHANGES)?
                .last()?
                .map_or(0, |(seq, _)| seq.value()))
        })
        .await
    }

    /// Forgets the changes before `through` (all followers have them, and `through`
    /// too). The last change followers took is kept: the next number counts on from it.
    pub async fn trim_changes(&self, through: u64) -> Result<(), StoreError> {
        self.write(move |txn| {
            txn.open_table(CHANGES)?
                .retain_in(..through, |_, _| false)?;
            Ok(())
        })
        .await
    }

    /// Woken after every committed write: a follower waits on it between polls.
    pub fn writes(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.written.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::seed_plain_record;

    #[tokio::test]
    async fn numbers_count_on_after_a_trim() {
        let folder = std::env::temp_dir().join(format!("dossier-feed-{}", std::process::id()));
        let store = EmbeddedStore::open(&folder.join("db.redb")).unwrap();
        let first = seed_plain_record(&store, "parks", "public").await;
        assert_eq!(store.last_change().await.unwrap(), 1);
        store.trim_changes(1).await.unwrap();
        let second = seed_plain_record(&store, "parks", "public").await;
        let changes = store.changes_after(1, 10).await.unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].seq, &changes[0].id), (2, &second.record.id));
        assert_ne!(first.record.id, second.record.id);
        let _ = std::fs::remove_dir_all(folder);
    }
}
