//! The table's stream → the search indexes. For each agency whose records changed in a
//! batch, the records' current state goes into its staff index and its public index, each
//! written to S3 as a new generation. A failed agency reports its stream records as batch
//! item failures, so Lambda retries from there (and bisects), nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use shared::blob::BlobStore;
use shared::model::{AgencyId, RecordId};
use shared::search::indexer::changes_for;
use shared::search::snapshot::SnapshotStore;
use shared::search::{Audience, SearchError};
use shared::store::{DocumentStore, PARTITION_KEY, RecordStore, record_of_pk};
pub use shared::stream::{BatchResponse, Failure, StreamEvent};
use tracing::Instrument;

/// What indexing works with: built once per container.
pub struct Indexing<S, B> {
    /// The table records are read from.
    pub store: S,
    /// The documents whose text is indexed.
    pub blobs: B,
    /// Where the indexes are kept.
    pub snapshots: SnapshotStore,
    /// The local folder indexes are written in.
    pub dir: PathBuf,
}

/// The records a batch touched, by agency, with the sequence numbers that named them.
fn touched(event: &StreamEvent) -> BTreeMap<AgencyId, (BTreeSet<RecordId>, Vec<String>)> {
    let mut touched: BTreeMap<AgencyId, (BTreeSet<RecordId>, Vec<String>)> = BTreeMap::new();
    for change in event
        .records
        .iter()
        .filter_map(|record| record.dynamodb.as_ref())
    {
        let pk = change.key(PARTITION_KEY);
        // Agency profiles, idempotency keys: nothing searchable.
        let Some((agency, id)) = pk.and_then(record_of_pk) else {
            continue;
        };
        let entry = touched.entry(agency).or_default();
        entry.0.insert(id);
        entry.1.extend(change.sequence_number.clone());
    }
    touched
}

/// Indexes what `event` changed.
pub async fn handle<S, B>(event: StreamEvent, indexing: &Indexing<S, B>) -> BatchResponse
where
    S: RecordStore + DocumentStore,
    B: BlobStore,
{
    let mut response = BatchResponse::default();
    for (agency, (ids, sequence_numbers)) in touched(&event) {
        let span = tracing::info_span!("agency", %agency, records = ids.len());
        let ids: Vec<RecordId> = ids.into_iter().collect();
        if let Err(error) = Box::pin(index_agency(indexing, &agency, &ids))
            .instrument(span)
            .await
        {
            tracing::warn!(%agency, %error, "indexing failed; its stream records will be retried");
            response.failures.extend(
                sequence_numbers
                    .into_iter()
                    .map(|item_identifier| Failure { item_identifier }),
            );
        }
    }
    response
}

async fn index_agency<S, B>(
    indexing: &Indexing<S, B>,
    agency: &AgencyId,
    ids: &[RecordId],
) -> Result<(), SearchError>
where
    S: RecordStore + DocumentStore,
    B: BlobStore,
{
    let changes = changes_for(&indexing.store, &indexing.blobs, agency, ids).await?;
    for audience in Audience::ALL {
        let folder = indexing.dir.join(agency.as_str()).join(audience.as_str());
        let generation = indexing
            .snapshots
            .apply(&folder, agency, audience, changes.for_audience(audience))
            .await?;
        tracing::info!(audience = audience.as_str(), generation, "index written");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::model::ContentType;
    use shared::search::Change;
    use shared::testing::{
        document_deps, pdf_saying, put_blob, seed_document, seed_published, settle_document,
    };

    #[tokio::test]
    async fn the_text_of_text_csv_and_pdf_documents_is_indexed_and_images_by_name() {
        let deps = document_deps();
        let record = seed_published(&deps.store, "parks", "public").await;
        let pdf = pdf_saying("Variance granted for 12 Elm Street");
        let files: [(ContentType, &[u8]); 4] = [
            (ContentType::PlainText, b"Minutes: the board met."),
            (
                ContentType::Csv,
                b"parcel,owner\n12-345,City of Springfield\n",
            ),
            (ContentType::Pdf, &pdf),
            (ContentType::Png, b"\x89PNG not text"),
        ];
        for (content_type, bytes) in files {
            let document = seed_document(&deps.store, &record, content_type, bytes).await;
            put_blob(&deps.blobs, &document.object_key(), bytes);
            settle_document(&deps.store, &document, None).await;
        }
        // A broken PDF is indexed by its name, the record still indexed.
        let broken =
            seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.4 broken").await;
        put_blob(&deps.blobs, &broken.object_key(), b"%PDF-1.4 broken");
        settle_document(&deps.store, &broken, None).await;

        let agency = &record.record.agency;
        let changes = changes_for(
            &deps.store,
            &deps.blobs,
            agency,
            std::slice::from_ref(&record.record.id),
        )
        .await
        .unwrap();
        let Change::Put(entry) = &changes.public[0] else {
            panic!("{changes:?}")
        };
        // Documents made in one millisecond come in any order.
        let mut content = entry.content.clone();
        content.sort();
        assert_eq!(
            content,
            [
                "Minutes: the board met.",
                "Variance granted for 12 Elm Street",
                "parcel,owner\n12-345,City of Springfield\n",
            ]
        );
        assert_eq!(entry.filenames.len(), 5);
    }

    #[test]
    fn only_record_partitions_are_indexed_once_per_batch() {
        let event: StreamEvent = serde_json::from_value(serde_json::json!({"Records": [
            {"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "A#parks#R#01KBXQ7R5M3N8P2V6W9Y4Z0A1B"}, "sk": {"S": "R"}}, "SequenceNumber": "100"}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "A#parks#R#01KBXQ7R5M3N8P2V6W9Y4Z0A1B"}, "sk": {"S": "AUDIT#0000000002"}}, "SequenceNumber": "101"}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "A#parks#AGENCY"}, "sk": {"S": "PROFILE"}}, "SequenceNumber": "102"}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "A#roads#IDEM#k"}, "sk": {"S": "IDEM"}}, "SequenceNumber": "103"}},
            {"eventName": "REMOVE", "dynamodb": {"Keys": {"pk": {"S": "A#roads#R#01KBXQ7R5M3N8P2V6W9Y4Z0A1C"}}, "SequenceNumber": "104"}},
            {"eventName": "REMOVE"},
            // Keys spelt otherwise are not the table's: nothing to index.
            {"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": {"S": "A#roads#R#01KBXQ7R5M3N8P2V6W9Y4Z0A1D"}}, "SequenceNumber": "105"}}
        ]}))
        .unwrap();
        let touched = touched(&event);
        let summary: Vec<(String, usize, Vec<String>)> = touched
            .into_iter()
            .map(|(agency, (ids, seqs))| (agency.to_string(), ids.len(), seqs))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "parks".to_owned(),
                    1,
                    vec!["100".to_owned(), "101".to_owned()]
                ),
                ("roads".to_owned(), 1, vec!["104".to_owned()]),
            ]
        );
    }
}
