//! The table's stream → document bytes purged. When a record's item leaves the table (a
//! `DELETE /records/{id}`, or a destruction by `destroy-records`), every version of every object under its two prefixes,
//! `documents/<agency>/<record>/` and `quarantine/<agency>/<record>/`, is deleted with its
//! delete markers: no byte of the record outlives it. Versions Object Lock still protects
//! stay, and are logged (`DocumentsLocked`, alarmed). A failed purge reports its stream
//! record as a batch item failure, so Lambda retries it (purging is idempotent).

use shared::blob::{BlobStore, purge_record};
use shared::model::{AgencyId, RecordId};
use shared::store::{PARTITION_KEY, RECORD_SK, SORT_KEY, record_of_pk};
use shared::stream::{BatchResponse, Change, Failure, StreamEvent};

/// The record whose own item `change` removed, if it is one (its history stays in the
/// table, and a destroyed record's tombstone is another item).
fn removed_record(event_name: &str, change: &Change) -> Option<(AgencyId, RecordId)> {
    if event_name != "REMOVE" || change.key(SORT_KEY) != Some(RECORD_SK) {
        return None;
    }
    record_of_pk(change.key(PARTITION_KEY)?)
}

/// Purges the documents of every record `event` removed.
pub async fn handle<B: BlobStore>(event: StreamEvent, blobs: &B) -> BatchResponse {
    let mut response = BatchResponse::default();
    for record in &event.records {
        let Some(change) = &record.dynamodb else {
            continue;
        };
        let Some((agency, id)) = removed_record(&record.event_name, change) else {
            continue;
        };
        if let Err(error) = purge_record(blobs, &agency, &id).await {
            tracing::warn!(%agency, record = %id, %error, "purge failed; it will be retried");
            response.failures.extend(
                change
                    .sequence_number
                    .clone()
                    .map(|item_identifier| Failure { item_identifier }),
            );
        }
    }
    response
}

#[cfg(test)]
mod tests;
