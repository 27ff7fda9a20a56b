//! The local server's search indexing: the same code as the `index-records` function,
//! fed by the embedded store's change feed instead of a DynamoDB stream, writing indexes
//! under the data folder. A write is searchable as soon as its change is indexed: the
//! follower wakes on every commit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use shared::blob::FileBlobs;
use shared::model::{AgencyId, RecordId};
use shared::search::SearchError;
use shared::search::folder::FolderIndexes;
use shared::search::indexer::{changes_for, everything, write_to_folder};
use shared::store::EmbeddedStore;

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
