use serde_json::json;
use shared::blob::BlobStore;
use shared::model::ContentType;
use shared::stream::StreamEvent;
use shared::testing::{document_deps, put_blob, seed_document, seed_record};

use super::handle;

fn change(name: &str, pk: &str, sk: &str, seq: &str) -> serde_json::Value {
    json!({"eventName": name, "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "SequenceNumber": seq}})
}

#[tokio::test]
async fn a_removed_records_documents_and_quarantined_files_go_and_nothing_else() {
    let deps = document_deps();
    let body = json!({"title": "Permit", "classification": "internal"});
    let gone = seed_record(&deps.store, "parks", &body, shared::testing::TEST_NOW).await;
    let kept = seed_record(&deps.store, "parks", &body, shared::testing::TEST_NOW).await;
    let mut keys = Vec::new();
    for record in [&gone, &kept] {
        let document = seed_document(&deps.store, record, ContentType::PlainText, b"minutes").await;
        put_blob(&deps.blobs, &document.object_key(), b"minutes");
        put_blob(&deps.blobs, &document.quarantine_key(), b"bad");
        keys.push((document.object_key(), document.quarantine_key()));
    }
    let pk = |record: &shared::model::StoredRecord| {
        format!("A#{}#R#{}", record.record.agency, record.record.id)
    };
    let event: StreamEvent = serde_json::from_value(json!({"Records": [
        change("REMOVE", &pk(&gone), "RECORD", "100"),
        // Not removals of a record item: nothing happens.
        change("MODIFY", &pk(&kept), "RECORD", "101"),
        change("REMOVE", &pk(&kept), "IDEM", "102"),
        change("REMOVE", "A#parks#IDEM#key", "IDEM", "103"),
    ]}))
    .unwrap();
    let response = handle(event, &deps.blobs).await;
    assert!(response.failures.is_empty());
    for key in [&keys[0].0, &keys[0].1] {
        assert!(
            deps.blobs.open(key).await.unwrap().is_none(),
            "{key} is still there"
        );
    }
    for key in [&keys[1].0, &keys[1].1] {
        assert!(deps.blobs.open(key).await.unwrap().is_some(), "{key} went");
    }
    // Again (a retried batch): nothing left to delete, no failure.
    let again: StreamEvent =
        serde_json::from_value(json!({"Records": [change("REMOVE", &pk(&gone), "RECORD", "100")]}))
            .unwrap();
    assert!(handle(again, &deps.blobs).await.failures.is_empty());
}
