//! Documents on the local AWS emulator, through the real SDK: a presigned upload done over
//! HTTP with the URL `S3Presigner` signed, the S3 → SQS notification it triggers, the ingest
//! handler on real objects (good, wrong size, wrong type, wrong checksum, one that fails
//! its stored checksum, duplicate, unknown key, test event, a bad message among good
//! ones), and the download.
//!
//! The emulator does not check presigned signatures: what the URLs bind is tested in
//! `shared/src/blob/s3_presign/tests.rs` by recomputing the signature.

use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::{
    create_bucket, create_table, dynamo, http_request, notify_queue, presigner, s3, sqs,
    versions_under,
};
use ingest_document::{Ingest, Outcome, ingest_object};
use serde_json::{Value, json};
use shared::blob::{BlobStore, S3Blobs};
use shared::clock::Clock;
use shared::model::{ContentType, Document, DocumentStatus, StoredRecord, sha256_base64};
use shared::store::{AuditLog, DocumentStore, DynamoStore};
use shared::testing::{
    TEST_NOW, TestResponse, call, deps, event, seed_document, seed_record, token,
};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

struct World {
    store: DynamoStore,
    blobs: S3Blobs,
    bucket: String,
}

async fn world() -> World {
    let table = create_table(&dynamo()).await;
    let bucket = create_bucket(&s3()).await;
    World {
        store: DynamoStore::new(dynamo(), table),
        blobs: S3Blobs::new(s3(), bucket.clone()),
        bucket,
    }
}

async fn record(world: &World) -> StoredRecord {
    let body = json!({"title": "Permit", "classification": "internal"});
    seed_record(&world.store, "parks", &body, TEST_NOW).await
}

async fn tag_of(world: &World, key: &str) -> Option<String> {
    let output = s3()
        .get_object_tagging()
        .bucket(&world.bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    output
        .tag_set()
        .iter()
        .find(|tag| tag.key() == "state")
        .map(|tag| tag.value().to_owned())
}

async fn document_now(world: &World, document: &Document) -> Document {
    world
        .store
        .get_document(&document.agency, &document.record_id, &document.id)
        .await
        .unwrap()
        .expect("the document")
}

/// Messages from `queue_url` until one carries records (S3 sends an `s3:TestEvent`
/// first), as the SQS event Lambda would deliver.
async fn receive_notifications(queue_url: &str, wanted: usize) -> Vec<Value> {
    let mut messages = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while messages
        .iter()
        .filter(|m: &&Value| {
            m["body"]
                .as_str()
                .unwrap_or_default()
                .contains("ObjectCreated")
        })
        .count()
        < wanted
    {
        assert!(
            Instant::now() < deadline,
            "no notification arrived: {messages:?}"
        );
        let output = sqs()
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receiving");
        for message in output.messages() {
            messages.push(json!({
                "messageId": message.message_id(),
                "receiptHandle": message.receipt_handle(),
                "body": message.body(),
                "eventSource": "aws:sqs",
            }));
        }
    }
    messages
}

/// `PDF` announced as `filename` on `record` through `create-upload`, presigning for the
/// world's bucket: the 201 answer.
async fn announce(world: &World, record: &StoredRecord, filename: &str) -> TestResponse {
    let deps = deps(world.store.clone()).with_blobs(presigner(&world.bucket), 1024 * 1024);
    let body = json!({"filename": filename, "content_type": "application/pdf",
                      "size": PDF.len(), "sha256": sha256_base64(PDF)});
    let created = call(
        &deps,
        create_upload::handle,
        &event("POST", "/records/{id}/documents")
            .param("id", record.record.id.as_str())
            .bearer(&token("clara", "parks", &["clerk"], TEST_NOW))
            .json(&body),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created
}

/// The headers a presigned upload must carry, as `create-upload` lists them.
fn upload_headers(upload: &Value) -> Vec<(String, String)> {
    serde_json::from_value::<std::collections::BTreeMap<String, String>>(upload["headers"].clone())
        .unwrap()
        .into_iter()
        .collect()
}

fn sqs_event(messages: Vec<Value>) -> SqsEvent {
    serde_json::from_value(json!({ "Records": messages })).expect("an SQS event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_notification_ingest_and_download_round_trip() {
    let world = world().await;
    let queue = notify_queue(&s3(), &sqs(), &world.bucket).await;
    let record = record(&world).await;
    let rid = record.record.id.to_string();

    // Announce: the handler answers with a presigned PUT.
    let created = announce(&world, &record, "Permit 2026 — signed.pdf").await;
    let upload = &created.body["upload"];
    let headers = upload_headers(upload);
    let (status, _, reply) =
        http_request("PUT", upload["url"].as_str().unwrap(), &headers, PDF).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let doc_id = created.body["document"]["id"].as_str().unwrap().to_owned();
    let key = format!("documents/parks/{rid}/{doc_id}");
    assert_eq!(
        tag_of(&world, &key).await.as_deref(),
        Some("pending"),
        "the upload tags itself"
    );

    // S3 notified the queue; the batch also carries a test event and a malformed message.
    let mut messages = receive_notifications(&queue, 1).await;
    messages.push(
        json!({"messageId": "malformed", "body": "{\"Records\": 7}", "eventSource": "aws:sqs"}),
    );
    let ingest = Ingest {
        store: world.store.clone(),
        blobs: world.blobs.clone(),
        clock: Clock::system(),
    };
    let response = ingest_document::handle(sqs_event(messages.clone()), &ingest).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );

    let document = world
        .store
        .get_document(
            &record.record.agency,
            &record.record.id,
            &shared::model::DocumentId::parse(&doc_id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(document.status, DocumentStatus::Available);
    assert_eq!(tag_of(&world, &key).await.as_deref(), Some("verified"));
    let history = world
        .store
        .history(&record.record.agency, &record.record.id, 10, None)
        .await
        .unwrap();
    let actions: Vec<&str> = history.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["record.create", "document.add", "document.verify"]
    );

    // The same notification delivered again changes nothing.
    let again = ingest_document::handle(sqs_event(messages), &ingest).await;
    assert!(again.batch_item_failures.is_empty());
    let history_again = world
        .store
        .history(&record.record.agency, &record.record.id, 10, None)
        .await
        .unwrap();
    assert_eq!(history_again.items.len(), 3);

    // Download through the presigned GET.
    let deps = deps(world.store.clone()).with_blobs(presigner(&world.bucket), 1024 * 1024);
    let got = call(
        &deps,
        get_document::handle,
        &event("GET", "/records/{id}/documents/{doc_id}")
            .param("id", &rid)
            .param("doc_id", &doc_id)
            .bearer(&token("r", "parks", &["reader"], TEST_NOW)),
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let url = got.body["download"]["url"].as_str().unwrap();
    let (status, headers, bytes) = http_request("GET", url, &[], b"").await;
    assert_eq!(status, 200);
    assert_eq!(bytes.as_ref(), PDF);
    let disposition = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"Permit 2026 _ signed.pdf\""),
        "{disposition}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_objects_are_quarantined_and_moved_out_of_reach() {
    let world = world().await;
    let record = record(&world).await;
    let mut html = PDF.to_vec();
    html[..5].copy_from_slice(b"<html");
    let mut flipped = PDF.to_vec();
    flipped[12] ^= 1;
    let longer = [PDF, b"more"].concat();
    let wrong_size = format!(
        "size is {} bytes, {} were declared",
        PDF.len() + 4,
        PDF.len()
    );
    for (bytes, reason) in [
        (longer.as_slice(), wrong_size.as_str()),
        (html.as_slice(), "content is not application/pdf"),
        (flipped.as_slice(), "SHA-256 differs from the declared one"),
    ] {
        let document = seed_document(&world.store, &record, ContentType::Pdf, PDF).await;
        let key = document.object_key();
        s3().put_object()
            .bucket(&world.bucket)
            .key(&key)
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .unwrap();
        let outcome = ingest_object(&key, &world.store, &world.blobs, &Clock::system()).await;
        assert_eq!(outcome, Ok(Outcome::Quarantined(reason.into())));
        let settled = document_now(&world, &document).await;
        assert_eq!(settled.status, DocumentStatus::Quarantined);
        assert_eq!(settled.quarantine_reason.as_deref(), Some(reason));
        assert!(
            world.blobs.open(&key).await.unwrap().is_none(),
            "moved away"
        );
        assert_eq!(
            tag_of(&world, &document.quarantine_key()).await.as_deref(),
            Some("quarantined")
        );
        // Delivered again: still quarantined, nothing more written.
        let again = ingest_object(&key, &world.store, &world.blobs, &Clock::system()).await;
        assert_eq!(
            again,
            Ok(Outcome::AlreadySettled(DocumentStatus::Quarantined))
        );
    }
    let history = world
        .store
        .history(&record.record.agency, &record.record.id, 20, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 7, "create + 3 × (add, quarantine)");
    assert_eq!(shared::model::verify_chain(&history.items), Ok(()));
}

/// S3 refuses a PUT whose body does not match its `x-amz-checksum-sha256` (400 BadDigest);
/// moto stores it, with the claimed checksum, and the SDK's response checksum validation
/// then fails on every read. Such an object can never verify: it is quarantined at once,
/// not retried until the dead-letter queue with its document pending for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_failing_its_stored_checksum_is_quarantined_not_retried() {
    let world = world().await;
    let record = record(&world).await;
    let created = announce(&world, &record, "a.pdf").await;
    let upload = &created.body["upload"];
    let headers = upload_headers(upload);
    // The announced checksum, other bytes of the same length.
    let mut flipped = PDF.to_vec();
    flipped[12] ^= 1;
    let (status, _, reply) =
        http_request("PUT", upload["url"].as_str().unwrap(), &headers, &flipped).await;
    assert_eq!(
        status,
        200,
        "moto stores it: {}",
        String::from_utf8_lossy(&reply)
    );
    let document: Document = serde_json::from_value(created.body["document"].clone()).unwrap();
    let key = document.object_key();
    let notification =
        json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}]});
    let ingest = Ingest {
        store: world.store.clone(),
        blobs: world.blobs.clone(),
        clock: Clock::system(),
    };
    let event = sqs_event(vec![
        json!({"messageId": "corrupt", "body": notification.to_string()}),
    ]);
    let response = ingest_document::handle(event, &ingest).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "retried: {:?}",
        response.batch_item_failures
    );
    let settled = document_now(&world, &document).await;
    assert_eq!(settled.status, DocumentStatus::Quarantined);
    assert_eq!(
        settled.quarantine_reason.as_deref(),
        Some("stored bytes do not match their stored checksum")
    );
    assert!(
        world.blobs.open(&key).await.unwrap().is_none(),
        "moved away"
    );
    assert_eq!(
        tag_of(&world, &document.quarantine_key()).await.as_deref(),
        Some("quarantined")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_messages_that_failed_transiently_are_retried() {
    let world = world().await;
    let record = record(&world).await;
    let good = seed_document(&world.store, &record, ContentType::Pdf, PDF).await;
    let missing = seed_document(&world.store, &record, ContentType::Pdf, PDF).await;
    s3().put_object()
        .bucket(&world.bucket)
        .key(good.object_key())
        .body(ByteStream::from_static(PDF))
        .send()
        .await
        .unwrap();
    let notification = |key: &str| {
        json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}]})
            .to_string()
    };
    let unknown = good
        .object_key()
        .replace(good.id.as_str(), "01KBXQ8F0000000000000000D1");
    let event = sqs_event(vec![
        json!({"messageId": "good", "body": notification(&good.object_key())}),
        json!({"messageId": "missing", "body": notification(&missing.object_key())}),
        json!({"messageId": "unknown", "body": notification(&unknown)}),
        json!({"messageId": "test", "body": json!({"Event": "s3:TestEvent"}).to_string()}),
        json!({"messageId": "garbage", "body": "<xml/>"}),
    ]);
    let ingest = Ingest {
        store: world.store.clone(),
        blobs: world.blobs.clone(),
        clock: Clock::system(),
    };
    let response = ingest_document::handle(event, &ingest).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["missing"]);
    assert_eq!(
        document_now(&world, &good).await.status,
        DocumentStatus::Available
    );
    assert_eq!(
        document_now(&world, &missing).await.status,
        DocumentStatus::Pending
    );
}

/// `PDF` announced and uploaded through its presigned PUT, and ingested: the document
/// (available) and the upload it was announced with.
async fn verified(world: &World, record: &StoredRecord) -> (Document, Value) {
    let created = announce(world, record, "a.pdf").await;
    let upload = created.body["upload"].clone();
    let (status, _, reply) = http_request(
        "PUT",
        upload["url"].as_str().unwrap(),
        &upload_headers(&upload),
        PDF,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let document: Document = serde_json::from_value(created.body["document"].clone()).unwrap();
    let outcome = ingest_object(
        &document.object_key(),
        &world.store,
        &world.blobs,
        &Clock::system(),
    )
    .await;
    assert_eq!(outcome, Ok(Outcome::Verified));
    let document = document_now(world, &document).await;
    assert!(document.version.is_some(), "the verified version is kept");
    (document, upload)
}

/// What `get-document`'s download URL serves for `document` now.
async fn downloaded(world: &World, document: &Document) -> (u16, Vec<u8>) {
    let deps = deps(world.store.clone()).with_blobs(presigner(&world.bucket), 1024 * 1024);
    let got = call(
        &deps,
        get_document::handle,
        &event("GET", "/records/{id}/documents/{doc_id}")
            .param("id", document.record_id.as_str())
            .param("doc_id", document.id.as_str())
            .bearer(&token("r", "parks", &["reader"], TEST_NOW)),
    )
    .await;
    let url = got.body["download"]["url"]
        .as_str()
        .expect("a download")
        .to_owned();
    assert!(
        url.contains("versionId=") && url.contains("response-content-encoding=identity"),
        "{url}"
    );
    let (status, _, bytes) = http_request("GET", &url, &[], b"").await;
    (status, bytes.to_vec())
}

/// The upload URL writes once: replayed within its 15 minutes, with other bytes of the
/// same length and the announced headers (plus an unsigned `Content-Encoding`), it is
/// refused (412, `If-None-Match: *` is signed), and the download serves the verified bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_upload_url_cannot_replace_a_verified_document() {
    let world = world().await;
    let record = record(&world).await;
    let (document, upload) = verified(&world, &record).await;
    let mut headers = upload_headers(&upload);
    headers.push(("content-encoding".into(), "gzip".into()));
    let mut other = PDF.to_vec();
    other[12] ^= 1;
    let (status, _, _) =
        http_request("PUT", upload["url"].as_str().unwrap(), &headers, &other).await;
    assert_eq!(status, 412, "the replay is refused");
    assert_eq!(downloaded(&world, &document).await, (200, PDF.to_vec()));
}

/// What the store does with a header the upload URL does not sign: moto, like S3 (which
/// checks only signed headers, and x-amz-* ones), stores a `Content-Encoding` sent with a
/// presigned PUT. Such an object would reach a browser as other bytes than the verified
/// ones: ingestion quarantines it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_stored_with_a_content_encoding_is_quarantined() {
    let world = world().await;
    let record = record(&world).await;
    let created = announce(&world, &record, "a.pdf").await;
    let upload = &created.body["upload"];
    let mut headers = upload_headers(upload);
    headers.push(("content-encoding".into(), "gzip".into()));
    let (status, _, reply) =
        http_request("PUT", upload["url"].as_str().unwrap(), &headers, PDF).await;
    assert_eq!(status, 200, "accepted: {}", String::from_utf8_lossy(&reply));
    let document: Document = serde_json::from_value(created.body["document"].clone()).unwrap();
    let stored = s3()
        .head_object()
        .bucket(&world.bucket)
        .key(document.object_key())
        .send()
        .await
        .unwrap();
    assert_eq!(stored.content_encoding(), Some("gzip"), "stored with it");
    let outcome = ingest_object(
        &document.object_key(),
        &world.store,
        &world.blobs,
        &Clock::system(),
    )
    .await;
    assert_eq!(
        outcome,
        Ok(Outcome::Quarantined(
            "stored with Content-Encoding gzip".into()
        ))
    );
    assert!(
        world
            .blobs
            .open(&document.object_key())
            .await
            .unwrap()
            .is_none()
    );
}

/// A second version written to a verified document's key (by anything that could: a
/// store that did not enforce `If-None-Match`, an operator) is never verified, tagged or
/// served: its notification moves it to quarantine, the verified version stays current,
/// and downloads serve it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_version_of_a_verified_document_is_quarantined() {
    let world = world().await;
    let record = record(&world).await;
    let (document, _) = verified(&world, &record).await;
    let key = document.object_key();
    let mut other = PDF.to_vec();
    other[12] ^= 1;
    let second = s3()
        .put_object()
        .bucket(&world.bucket)
        .key(&key)
        .body(ByteStream::from(other))
        .send()
        .await
        .unwrap();
    let second = second.version_id().expect("a version").to_owned();
    assert_ne!(Some(second.as_str()), document.version.as_deref());
    // Until its notification is ingested, downloads already serve the verified version.
    assert_eq!(downloaded(&world, &document).await, (200, PDF.to_vec()));

    let outcome = ingest_object(&key, &world.store, &world.blobs, &Clock::system()).await;
    assert_eq!(
        outcome,
        Ok(Outcome::AlreadySettled(DocumentStatus::Available))
    );
    let current = s3()
        .head_object()
        .bucket(&world.bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        current.version_id(),
        document.version.as_deref(),
        "the verified one again"
    );
    let moved = document.replaced_key(&second);
    assert_eq!(tag_of(&world, &moved).await.as_deref(), Some("quarantined"));
    assert_eq!(downloaded(&world, &document).await, (200, PDF.to_vec()));
    // The same notification again changes nothing more.
    let again = ingest_object(&key, &world.store, &world.blobs, &Clock::system()).await;
    assert_eq!(
        again,
        Ok(Outcome::AlreadySettled(DocumentStatus::Available))
    );
    assert_eq!(downloaded(&world, &document).await, (200, PDF.to_vec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purge_deletes_every_version_and_delete_marker_under_its_prefix_only() {
    let world = world().await;
    let put = |key: &'static str, bytes: &'static [u8]| {
        let bucket = world.bucket.clone();
        async move {
            s3().put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from_static(bytes))
                .send()
                .await
                .unwrap();
        }
    };
    let gone = "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/";
    let kept = "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1C/";
    put(
        "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/01KBXQ9D3C4V5B6N7M8K9J0H1G",
        b"one",
    )
    .await;
    put(
        "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/01KBXQ9D3C4V5B6N7M8K9J0H1G",
        b"two",
    )
    .await;
    put(
        "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/01KBXQ9D3C4V5B6N7M8K9J0H1H",
        b"three",
    )
    .await;
    s3().delete_object()
        .bucket(&world.bucket)
        .key("documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/01KBXQ9D3C4V5B6N7M8K9J0H1H")
        .send()
        .await
        .unwrap();
    put(
        "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1C/01KBXQ9D3C4V5B6N7M8K9J0H1J",
        b"other",
    )
    .await;
    assert_eq!(versions_under(&world.bucket, gone).await, 4);

    let purged = world.blobs.purge(gone).await.unwrap();
    assert_eq!((purged.deleted, purged.locked.len()), (4, 0));
    assert_eq!(
        versions_under(&world.bucket, gone).await,
        0,
        "nothing to restore"
    );
    assert_eq!(versions_under(&world.bucket, kept).await, 1);
    // Idempotent.
    assert_eq!(world.blobs.purge(gone).await.unwrap().deleted, 0);
}
