use aws_lambda_events::sqs::SqsEvent;
use serde_json::json;
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::model::{AuditAction, ContentType, DestructionOrder, ItemState, StoredRecord};
use shared::store::{AuditLog, DispositionStore, DocumentStore, MemoryStore, RecordStore};
use shared::testing::{
    TEST_NOW, seed_decision, seed_document, seed_due_item, seed_hold, seed_placement, seed_update,
};

use super::{Destroyer, Outcome, carry_out, handle};

fn destroyer() -> Destroyer<MemoryStore, FileBlobs> {
    let root = std::env::temp_dir().join(format!("dossier-destroy-{}", std::process::id()));
    Destroyer {
        store: MemoryStore::new(),
        blobs: FileBlobs::new(root, "http://127.0.0.1:3000", b"test-blob-secret"),
        clock: Clock::fixed(TEST_NOW),
    }
}

/// A record listed, with one document, approved by `otto`: the record and its order.
async fn approved(
    destroyer: &Destroyer<MemoryStore, FileBlobs>,
) -> (StoredRecord, DestructionOrder) {
    let store = &destroyer.store;
    let (record, item) = seed_due_item(store, "parks", "internal").await;
    seed_document(store, &record, ContentType::PlainText, b"minutes").await;
    let record = store
        .get_record(&item.agency, &item.record)
        .await
        .unwrap()
        .unwrap();
    let (record, item) = seed_decision(store, &record, &item, true, "otto").await;
    (record, DestructionOrder::of(&item))
}

async fn item_state(
    destroyer: &Destroyer<MemoryStore, FileBlobs>,
    order: &DestructionOrder,
) -> (ItemState, Option<String>) {
    let item = destroyer
        .store
        .get_disposition_item(&order.agency, &order.list, &order.record)
        .await
        .unwrap()
        .unwrap();
    (item.state, item.stopped_because)
}

#[tokio::test]
async fn an_approved_record_is_destroyed_leaving_its_chain_and_a_tombstone() {
    let destroyer = destroyer();
    let (record, order) = approved(&destroyer).await;
    assert_eq!(carry_out(&order, &destroyer).await, Ok(Outcome::Destroyed));
    let store = &destroyer.store;
    let (agency, id) = (&order.agency, &order.record);
    assert_eq!(store.get_record(agency, id).await.unwrap(), None);
    let tombstone = store.get_tombstone(agency, id).await.unwrap().unwrap();
    assert_eq!(tombstone.approved_by, "otto");
    assert_eq!(
        tombstone.content_hash, record.head.hash,
        "the approval was the last entry"
    );
    let chain = store.history(agency, id, 10, None).await.unwrap().items;
    assert_eq!(chain.last().map(|e| e.action), Some(AuditAction::Destroy));
    assert!(shared::model::verify_chain(&chain).is_ok());
    assert!(
        store
            .list_documents(agency, id, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(item_state(&destroyer, &order).await.0, ItemState::Destroyed);
    // Delivered again: nothing more is destroyed.
    assert_eq!(
        carry_out(&order, &destroyer).await,
        Ok(Outcome::AlreadyDestroyed)
    );
}

#[tokio::test]
async fn a_hold_placed_during_the_run_stops_the_destruction() {
    let destroyer = destroyer();
    let (record, order) = approved(&destroyer).await;
    let hold = seed_hold(&destroyer.store, "parks", "Smith v. City").await;
    // The hold lands between the worker's reads and its write.
    destroyer.store.before_next_write(move |store| {
        Box::pin(async move {
            seed_placement(store, &record, &hold).await;
        })
    });
    let outcome = carry_out(&order, &destroyer).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Stopped(why) if why.contains("changed") || why.contains("hold")),
        "{outcome:?}"
    );
    assert!(
        destroyer
            .store
            .get_record(&order.agency, &order.record)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        destroyer
            .store
            .get_tombstone(&order.agency, &order.record)
            .await
            .unwrap(),
        None
    );
    assert_eq!(item_state(&destroyer, &order).await.0, ItemState::Stopped);
}

#[tokio::test]
async fn a_record_changed_or_no_longer_due_is_not_destroyed() {
    let destroyer = destroyer();
    let (record, order) = approved(&destroyer).await;
    seed_update(&destroyer.store, &record, "clara", TEST_NOW, |r| {
        r.title = "Permit 7 (amended)".into();
    })
    .await;
    let outcome = carry_out(&order, &destroyer).await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Stopped("the record changed after it was listed".into())
    );
    let (state, why) = item_state(&destroyer, &order).await;
    assert_eq!(
        (state, why.as_deref()),
        (
            ItemState::Stopped,
            Some("the record changed after it was listed")
        )
    );
    // A stopped item is not carried out by a later delivery.
    assert!(matches!(
        carry_out(&order, &destroyer).await,
        Ok(Outcome::Ignored(_))
    ));
}

#[tokio::test]
async fn a_batch_destroys_what_it_can_and_drops_what_never_parses() {
    let destroyer = destroyer();
    let (_, order) = approved(&destroyer).await;
    let event: SqsEvent = serde_json::from_value(json!({"Records": [
        {"messageId": "1", "body": serde_json::to_string(&order).unwrap()},
        {"messageId": "2", "body": "not json"},
        {"messageId": "3", "body": serde_json::to_string(&json!({
            "agency": "parks", "list": "2026-11", "record": "01KBXQ7R5M3N8P2V6W9Y4Z0A1B"
        })).unwrap()},
    ]}))
    .unwrap();
    let response = handle(event, &destroyer).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(item_state(&destroyer, &order).await.0, ItemState::Destroyed);
}
