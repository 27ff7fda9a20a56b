use aws_lambda_events::sqs::SqsEvent;
use serde_json::{Value, json};
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::model::{ContentType, Document, DocumentStatus, StoredRecord};
use shared::store::{AuditLog, DocumentStore, MemoryStore};
use shared::testing::{TEST_NOW, put_blob, seed_document, seed_plain_record};

use super::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";

fn ingest() -> Ingest<MemoryStore, FileBlobs> {
    let root = std::env::temp_dir().join(format!(
        "dossier-ingest-{}-{}",
        std::process::id(),
        shared::model::DocumentId::generate(TEST_NOW)
    ));
    Ingest {
        store: MemoryStore::new(),
        blobs: FileBlobs::new(root, "http://127.0.0.1:3000", b"k"),
        clock: Clock::fixed(TEST_NOW),
    }
}

async fn pending(
    ingest: &Ingest<MemoryStore, FileBlobs>,
    bytes: &[u8],
) -> (StoredRecord, Document) {
    let record = seed_plain_record(&ingest.store, "parks", "public").await;
    let document = seed_document(&ingest.store, &record, ContentType::Pdf, bytes).await;
    (record, document)
}

/// An S3 notification as moto sends it: URL-encoded key, no userIdentity.
fn notification(key: &str) -> String {
    json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "docs"}, "object": {"key": key.replace(' ', "+"), "size": 1}}}]})
    .to_string()
}

fn batch(bodies: &[(&str, String)]) -> SqsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .map(|(id, body)| json!({"messageId": id, "body": body, "eventSource": "aws:sqs"}))
        .collect();
    serde_json::from_value(json!({"Records": records})).unwrap()
}

async fn status_of(ingest: &Ingest<MemoryStore, FileBlobs>, document: &Document) -> Document {
    ingest
        .store
        .get_document(&document.agency, &document.record_id, &document.id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_good_file_becomes_available_and_is_audited_once() {
    let ingest = ingest();
    let (record, document) = pending(&ingest, PDF).await;
    put_blob(&ingest.blobs, &document.object_key(), PDF);
    let key = document.object_key();
    assert_eq!(
        ingest_object(&key, &ingest.store, &ingest.blobs, &ingest.clock).await,
        Ok(Outcome::Verified)
    );
    let settled = status_of(&ingest, &document).await;
    assert_eq!(settled.status, DocumentStatus::Available);
    assert_eq!(settled.settled_at, Some(TEST_NOW));
    // The same notification again changes nothing.
    assert_eq!(
        ingest_object(&key, &ingest.store, &ingest.blobs, &ingest.clock).await,
        Ok(Outcome::AlreadySettled(DocumentStatus::Available))
    );
    let history = ingest
        .store
        .history(&record.record.agency, &record.record.id, 10, None)
        .await
        .unwrap();
    let actions: Vec<&str> = history.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["record.create", "document.add", "document.verify"]
    );
    assert_eq!(shared::model::verify_chain(&history.items), Ok(()));
}

#[tokio::test]
async fn bad_files_are_quarantined_with_the_reason_and_moved() {
    let mut wrong_magic = PDF.to_vec();
    wrong_magic[..5].copy_from_slice(b"<html");
    let mut wrong_sum = PDF.to_vec();
    wrong_sum[20] ^= 1;
    for (bytes, reason) in [
        (&PDF[..PDF.len() - 1], "size is 34 bytes, 35 were declared"),
        (wrong_magic.as_slice(), "content is not application/pdf"),
        (
            wrong_sum.as_slice(),
            "SHA-256 differs from the declared one",
        ),
    ] {
        let ingest = ingest();
        let (_, document) = pending(&ingest, PDF).await;
        put_blob(&ingest.blobs, &document.object_key(), bytes);
        assert_eq!(
            ingest_object(
                &document.object_key(),
                &ingest.store,
                &ingest.blobs,
                &ingest.clock
            )
            .await,
            Ok(Outcome::Quarantined(reason.into()))
        );
        let settled = status_of(&ingest, &document).await;
        assert_eq!(settled.status, DocumentStatus::Quarantined);
        assert_eq!(settled.quarantine_reason.as_deref(), Some(reason));
        assert!(
            ingest
                .blobs
                .open(&document.object_key())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            ingest
                .blobs
                .open(&document.quarantine_key())
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn unknown_keys_test_events_and_malformed_messages_are_acknowledged() {
    let ingest = ingest();
    let (_, document) = pending(&ingest, PDF).await;
    let unknown = document
        .object_key()
        .replace(document.id.as_str(), "01KBXQ8F0000000000000000D1");
    let event = batch(&[
        (
            "test",
            json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "docs"}).to_string(),
        ),
        ("garbage", "not json".into()),
        ("unknown", notification(&unknown)),
        ("other-prefix", notification("quarantine/parks/x/y")),
        ("spaces", notification("documents/a b/c")),
    ]);
    let response = handle(event, &ingest).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    assert_eq!(
        status_of(&ingest, &document).await.status,
        DocumentStatus::Pending
    );
}

#[tokio::test]
async fn only_the_message_that_failed_is_retried() {
    let ingest = ingest();
    let (_, good) = pending(&ingest, PDF).await;
    let (_, missing) = pending(&ingest, PDF).await;
    put_blob(&ingest.blobs, &good.object_key(), PDF);
    // Notified, but the object is not (yet) readable: a transient failure.
    let event = batch(&[
        ("m-good", notification(&good.object_key())),
        ("m-missing", notification(&missing.object_key())),
    ]);
    let response = handle(event, &ingest).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m-missing"]);
    assert_eq!(
        status_of(&ingest, &good).await.status,
        DocumentStatus::Available
    );
    assert_eq!(
        status_of(&ingest, &missing).await.status,
        DocumentStatus::Pending
    );
}
