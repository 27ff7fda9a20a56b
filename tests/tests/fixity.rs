//! Fixity on the local AWS emulator, through the real SDK: the rotation on DynamoDB's
//! sparse index, documents' bytes read back from S3, and bytes changed or deleted behind
//! Dossier's back found damaged by the next run.

use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::{create_bucket, create_table, dynamo, s3};
use fixity_check::{Fixity, check_all};
use serde_json::json;
use shared::blob::S3Blobs;
use shared::clock::{Clock, Timestamp};
use shared::config::FixityConfig;
use shared::model::{ContentType, Document, DocumentStatus, FixityOutcome};
use shared::store::{AuditLog, DocumentStore, DynamoStore};
use shared::testing::{TEST_NOW, seed_document, seed_record, settle_document};

const MINUTES: &[u8] = b"Minutes of the board, 3 March 2026.\n";

/// A run two days after [`TEST_NOW`] over a fresh table and bucket, and the bucket.
async fn fixity() -> (Fixity<DynamoStore, S3Blobs>, String) {
    let bucket = create_bucket(&s3()).await;
    let fixity = Fixity {
        store: DynamoStore::new(dynamo(), create_table(&dynamo()).await),
        blobs: S3Blobs::new(s3(), bucket.clone()),
        clock: Clock::fixed(Timestamp::from_millis(
            TEST_NOW.as_millis() + 2 * 86_400_000,
        )),
        budget: FixityConfig {
            period_days: 90,
            daily_bytes: 1 << 30,
        },
    };
    (fixity, bucket)
}

async fn upload(bucket: &str, key: &str, bytes: &'static [u8]) {
    s3().put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(bytes))
        .send()
        .await
        .expect("writing an object");
}

/// An available document of parks whose bytes are in the bucket.
async fn available(fixity: &Fixity<DynamoStore, S3Blobs>, bucket: &str) -> Document {
    let body = json!({"title": "Minutes", "classification": "internal"});
    let record = seed_record(&fixity.store, "parks", &body, TEST_NOW).await;
    let pending = seed_document(&fixity.store, &record, ContentType::PlainText, MINUTES).await;
    upload(bucket, &pending.object_key(), MINUTES).await;
    settle_document(&fixity.store, &pending, None).await
}

async fn now(fixity: &Fixity<DynamoStore, S3Blobs>, document: &Document) -> Document {
    fixity
        .store
        .get_document(&document.agency, &document.record_id, &document.id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_and_deleted_bytes_are_found_damaged_by_the_next_run() {
    let (fixity, bucket) = fixity().await;
    let intact = available(&fixity, &bucket).await;
    let changed = available(&fixity, &bucket).await;
    let deleted = available(&fixity, &bucket).await;
    upload(
        &bucket,
        &changed.object_key(),
        b"Minutes of the board, 3 March 2O26.\n",
    )
    .await;
    s3().delete_object()
        .bucket(&bucket)
        .key(deleted.object_key())
        .send()
        .await
        .unwrap();

    let summary = check_all(&fixity).await.unwrap();
    assert_eq!(
        (summary.checked, summary.intact, summary.damaged),
        (3, 1, 2),
        "{summary:?}"
    );
    let outcome = |d: &Document| (d.status, d.fixity.map(|c| c.outcome));
    assert_eq!(
        outcome(&now(&fixity, &intact).await),
        (DocumentStatus::Available, Some(FixityOutcome::Intact))
    );
    assert_eq!(
        outcome(&now(&fixity, &changed).await),
        (DocumentStatus::Damaged, Some(FixityOutcome::Mismatch))
    );
    assert_eq!(
        outcome(&now(&fixity, &deleted).await),
        (DocumentStatus::Damaged, Some(FixityOutcome::Missing))
    );
    let chain = fixity
        .store
        .history(&changed.agency, &changed.record_id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        chain.last().map(|e| e.action.as_str()),
        Some("document.damage")
    );
    assert_eq!(chain.last().map(|e| e.actor.as_str()), Some("fixity-check"));
    // The same day again: nothing is read twice.
    assert_eq!(check_all(&fixity).await.unwrap().checked, 0);
}
