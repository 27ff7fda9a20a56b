//! Destruction on the local AWS emulator, through the real SDK: the worker on DynamoDB and
//! S3, where Object Lock makes a destruction wait (and says until when), and a version
//! without retention, or a bucket without Object Lock, does not.

use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::ObjectLockMode;
use destroy_records::{Destroyer, Outcome, carry_out};
use dossier_tests::{create_bucket, create_table, dynamo, s3, unique_name};
use shared::blob::S3Blobs;
use shared::clock::{Clock, Timestamp};
use shared::model::{ContentType, DestructionOrder, ItemState};
use shared::store::{DispositionStore, DocumentStore, DynamoStore, RecordStore};
use shared::testing::{TEST_NOW, seed_decision, seed_document, seed_due_item};

/// A bucket with Object Lock enabled (and no default retention).
async fn locked_bucket() -> String {
    let name = unique_name("locked");
    s3().create_bucket()
        .bucket(&name)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .expect("creating a bucket with Object Lock");
    name
}

/// An approved record of parks with one document whose bytes are in `bucket`, kept by
/// Object Lock until `retained` if given; the worker for it, and its order.
async fn approved_with_document(
    bucket: &str,
    retained: Option<Timestamp>,
) -> (Destroyer<DynamoStore, S3Blobs>, DestructionOrder) {
    let store = DynamoStore::new(dynamo(), create_table(&dynamo()).await);
    let (record, item) = seed_due_item(&store, "parks", "internal").await;
    let document = seed_document(&store, &record, ContentType::PlainText, b"minutes").await;
    let mut put = s3()
        .put_object()
        .bucket(bucket)
        .key(document.object_key())
        .body(ByteStream::from_static(b"minutes"));
    if let Some(until) = retained {
        put = put
            .object_lock_mode(ObjectLockMode::Governance)
            .object_lock_retain_until_date(DateTime::from_millis(until.as_millis()));
    }
    put.send().await.expect("uploading the document");
    let record = store
        .get_record(&item.agency, &item.record)
        .await
        .unwrap()
        .unwrap();
    let (_, item) = seed_decision(&store, &record, &item, true, "otto").await;
    let destroyer = Destroyer {
        store,
        blobs: S3Blobs::new(s3(), bucket),
        clock: Clock::fixed(TEST_NOW),
    };
    (destroyer, DestructionOrder::of(&item))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_lock_makes_a_destruction_wait_and_says_until_when() {
    let bucket = locked_bucket().await;
    // Whole seconds: S3 keeps retention dates to the second.
    let until = Timestamp::from_millis((TEST_NOW.as_millis() / 1000 + 86_400) * 1000);
    let (destroyer, order) = approved_with_document(&bucket, Some(until)).await;
    assert_eq!(
        carry_out(&order, &destroyer).await,
        Ok(Outcome::Waiting(until))
    );
    let store = &destroyer.store;
    let item = store
        .get_disposition_item(&order.agency, &order.list, &order.record)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (item.state, item.waiting_until),
        (ItemState::Approved, Some(until))
    );
    assert!(
        store
            .get_record(&order.agency, &order.record)
            .await
            .unwrap()
            .is_some()
    );
    // Delivered again while still locked: it still waits, the item unchanged.
    assert_eq!(
        carry_out(&order, &destroyer).await,
        Ok(Outcome::Waiting(until))
    );
    let again = store
        .get_disposition_item(&order.agency, &order.list, &order.record)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.version, item.version);

    // Once the date has passed, the same order destroys it.
    let later = Destroyer {
        store: destroyer.store.clone(),
        blobs: destroyer.blobs.clone(),
        clock: Clock::fixed(Timestamp::from_millis(until.as_millis() + 1_000)),
    };
    assert_eq!(carry_out(&order, &later).await, Ok(Outcome::Destroyed));
    assert!(
        store
            .get_tombstone(&order.agency, &order.record)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_without_retention_do_not_hold_a_destruction_back() {
    // In a bucket with Object Lock, a version without retention of its own.
    let (destroyer, order) = approved_with_document(&locked_bucket().await, None).await;
    assert_eq!(carry_out(&order, &destroyer).await, Ok(Outcome::Destroyed));
    // In a bucket without Object Lock at all.
    let (destroyer, order) = approved_with_document(&create_bucket(&s3()).await, None).await;
    assert_eq!(carry_out(&order, &destroyer).await, Ok(Outcome::Destroyed));
    let store = &destroyer.store;
    assert_eq!(
        store
            .get_record(&order.agency, &order.record)
            .await
            .unwrap(),
        None
    );
    let documents = store
        .list_documents(&order.agency, &order.record, 10, None)
        .await
        .unwrap();
    assert!(documents.items.is_empty(), "its documents' items are gone");
}
