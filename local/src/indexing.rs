//! The local server's search indexing: the same code as the `index-records` function,
//! fed by the embedded store's change feed instead of a DynamoDB stream, writing indexes
//! under the data folder. A write is searchable as soon as its change is indexed: the
//! follower wakes on every commit. A deleted record's document files are purged here too,
//! as `purge-documents` does on the stream.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use shared::blob::{FileBlobs, purge_record};
use shared::model::{AgencyId, RecordId};
use shared::search::SearchError;
use shared::search::folder::FolderIndexes;
use shared::search::indexer::{changes_for, everything, write_to_folder};
use shared::store::{EmbeddedStore, RecordStore};

/// Changes taken from the feed at once.
const BATCH: usize = 500;
/// Longest wait between looks at the feed, should a wake-up be missed.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// Wait after a failed run before the next.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Brings the indexes up to date (rebuilding them all when they have no recorded feed
/// position), then follows the feed until `stop` turns true. It stops between runs, so
/// when it returns nothing it started is still writing (and the store is released).
pub async fn follow(
    store: EmbeddedStore,
    blobs: FileBlobs,
    indexes: Arc<FolderIndexes>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let writes = store.writes();
    while !*stop.borrow() {
        let pause = match catch_up(&store, &blobs, &indexes).await {
            Ok(true) => continue,
            Ok(false) => IDLE_CHECK,
            // Indexes written by another version of the server: rebuilt from the store.
            Err(SearchError::Schema) => {
                tracing::warn!("the search indexes have another layout; rebuilding them");
                match indexes.clear() {
                    Ok(()) => continue,
                    Err(error) => {
                        tracing::error!(%error, "the old search indexes cannot be removed");
                        RETRY_AFTER
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, "search indexing failed; retrying");
                RETRY_AFTER
            }
        };
        tokio::select! {
            _ = tokio::time::timeout(pause, writes.notified()) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Rebuilds every index from the store, recording the feed position it covers.
pub async fn rebuild(
    store: &EmbeddedStore,
    blobs: &FileBlobs,
    indexes: &Arc<FolderIndexes>,
) -> Result<(), SearchError> {
    // Read before the records: a write after this is applied again by the next catch-up.
    let position = store.last_change().await?;
    let all = everything(store, blobs).await?;
    let indexes = indexes.clone();
    tokio::task::spawn_blocking(move || {
        indexes.clear()?;
        for (agency, changes) in &all {
            write_to_folder(&indexes, agency, changes)?;
        }
        indexes.set_position(position)
    })
    .await
    .map_err(|e| SearchError::Io(std::io::Error::other(e)))??;
    store.trim_changes(position).await?;
    Ok(())
}

/// Deletes the document files of those of `ids` that are gone from the store, as the
/// `purge-documents` function does on the table's stream.
async fn purge_removed(
    store: &EmbeddedStore,
    blobs: &FileBlobs,
    agency: &AgencyId,
    ids: &[RecordId],
) -> Result<(), SearchError> {
    for id in ids {
        if store.get_record(agency, id).await?.is_none() {
            purge_record(blobs, agency, id)
                .await
                .map_err(|e| SearchError::Io(std::io::Error::other(e.to_string())))?;
        }
    }
    Ok(())
}

/// Indexes one batch of the feed; `true` if there may be more.
async fn catch_up(
    store: &EmbeddedStore,
    blobs: &FileBlobs,
    indexes: &Arc<FolderIndexes>,
) -> Result<bool, SearchError> {
    let Some(position) = indexes.position() else {
        rebuild(store, blobs, indexes).await?;
        return Ok(true);
    };
    let changes = store.changes_after(position, BATCH).await?;
    let Some(last) = changes.last().map(|change| change.seq) else {
        return Ok(false);
    };
    let mut touched: BTreeMap<AgencyId, BTreeSet<RecordId>> = BTreeMap::new();
    for change in &changes {
        touched
            .entry(change.agency.clone())
            .or_default()
            .insert(change.id.clone());
    }
    let mut all = Vec::new();
    for (agency, ids) in touched {
        let ids: Vec<RecordId> = ids.into_iter().collect();
        purge_removed(store, blobs, &agency, &ids).await?;
        all.push((
            agency.clone(),
            changes_for(store, blobs, &agency, &ids).await?,
        ));
    }
    let writer = indexes.clone();
    tokio::task::spawn_blocking(move || {
        for (agency, changes) in &all {
            write_to_folder(&writer, agency, changes)?;
        }
        writer.set_position(last)
    })
    .await
    .map_err(|e| SearchError::Io(std::io::Error::other(e)))??;
    store.trim_changes(last).await?;
    Ok(changes.len() == BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::blob::BlobStore;
    use shared::model::{AuditAction, Changes, ContentType};
    use shared::testing::{TEST_NOW, put_blob, seed_document, seed_record};

    #[tokio::test]
    async fn a_deleted_records_document_files_are_purged_by_the_follower() {
        let root = std::env::temp_dir().join(format!("dossier-purge-{}", std::process::id()));
        let store = EmbeddedStore::open(&root.join("dossier.redb")).unwrap();
        let blobs = FileBlobs::new(root.join("blobs"), "http://localhost", b"secret");
        let indexes = Arc::new(FolderIndexes::new(root.join("index")));
        let body = json!({"title": "Permit", "classification": "internal"});
        let gone = seed_record(&store, "parks", &body, TEST_NOW).await;
        let kept = seed_record(&store, "parks", &body, TEST_NOW).await;
        let mut keys = Vec::new();
        for record in [&gone, &kept] {
            let document = seed_document(&store, record, ContentType::PlainText, b"x").await;
            put_blob(&blobs, &document.object_key(), b"x");
            keys.push(document.object_key());
        }
        rebuild(&store, &blobs, &indexes).await.unwrap();
        let current = store
            .get_record(&gone.record.agency, &gone.record.id)
            .await
            .unwrap()
            .unwrap();
        let (_, entry) = current.append(TEST_NOW, "olga", AuditAction::Delete, Changes::new());
        store
            .delete_if_version(&gone.record.agency, &gone.record.id, 1, &entry)
            .await
            .unwrap();
        while catch_up(&store, &blobs, &indexes).await.unwrap() {}
        assert!(
            blobs.open(&keys[0]).await.unwrap().is_none(),
            "the deleted record's file stays"
        );
        assert!(blobs.open(&keys[1]).await.unwrap().is_some());
        let _ = std::fs::remove_dir_all(&root);
    }
}
