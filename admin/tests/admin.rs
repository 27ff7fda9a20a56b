//! `dossier-admin` against the moto server through the real AWS SDK: the binary itself,
//! run as an operator would (AWS_ENDPOINT_URL, AWS_REGION, static credentials), plus the
//! S3 multipart writer through the library. Run with `scripts/with-moto.sh cargo test -p
//! dossier-admin`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use dossier_tests::{create_bucket, create_table, dynamo, endpoint, s3, sqs, unique_name};
use serde_json::{Value, json};
use shared::clock::Timestamp;
use shared::model::{AuditAction, AuditEntry, Changes, ContentType, RecordId, StoredRecord};
use shared::store::{AuditLog, DynamoStore, RecordStore};
use shared::testing::{TEST_NOW, seed_document, seed_record, seed_update};
use support::admin;

async fn world() -> (String, DynamoStore) {
    let table = create_table(&dynamo()).await;
    let store = DynamoStore::new(dynamo(), &table);
    (table, store)
}

/// A record of `agency` with `updates` retitlings after its creation (so `updates + 1`
/// audit entries), as the routes would write them.
async fn seed_with_history(
    store: &DynamoStore,
    agency: &str,
    classification: &str,
    updates: u64,
) -> StoredRecord {
    let mut current = seed_record(
        store,
        agency,
        &json!({"title": "v1", "classification": classification, "tags": ["minutes"]}),
        TEST_NOW,
    )
    .await;
    for n in 0..updates {
        let at = TEST_NOW.plus_millis(1000 * (n as i64 + 1));
        current = seed_update(store, &current, "bob", at, |record| {
            record.title = format!("v{}", n + 2);
        })
        .await;
    }
    current
}

/// Every audit entry of a record, oldest first.
async fn history(store: &DynamoStore, record: &StoredRecord) -> Vec<AuditEntry> {
    store
        .history(&record.record.agency, &record.record.id, 1000, None)
        .await
        .expect("the history")
        .items
}

fn audit_key(record: &StoredRecord, seq: u64) -> [(String, AttributeValue); 2] {
    [
        (
            "pk".into(),
            AttributeValue::S(format!("A#{}#R#{}", record.record.agency, record.record.id)),
        ),
        ("sk".into(), AttributeValue::S(format!("AUDIT#{seq:010}"))),
    ]
}

/// Sets attribute `name` of audit item `seq` of `record` to `value`, behind the store's back.
async fn tamper(table: &str, record: &StoredRecord, seq: u64, name: &str, value: &str) {
    dynamo()
        .update_item()
        .table_name(table)
        .set_key(Some(audit_key(record, seq).into_iter().collect()))
        .update_expression("SET #name = :value")
        .expression_attribute_names("#name", name)
        .expression_attribute_values(":value", AttributeValue::S(value.into()))
        .condition_expression("attribute_exists(pk)")
        .send()
        .await
        .expect("tampering with an audit item");
}

fn id_of(record: &StoredRecord) -> String {
    record.record.id.to_string()
}

#[tokio::test]
async fn an_intact_chain_verifies_with_its_entry_count() {
    let (table, store) = world().await;
    let record = seed_with_history(&store, "parks", "public", 3).await;
    let secret = seed_with_history(&store, "parks", "confidential", 1).await;
    seed_with_history(&store, "roads", "public", 5).await;

    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&record),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "OK parks/{}: 4 entries, chain intact, record's chain head matches\n",
            id_of(&record)
        )
    );

    // --all: every record of the agency, the confidential one included, no other agency's.
    let run = admin(
        &[
            "verify-chain",
            "--table",
            &table,
            "--agency",
            "parks",
            "--all",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "OK parks: 2 records verified, 2 OK (6 entries), 0 broken\n"
    );
    assert_eq!(history(&store, &secret).await.len(), 2);
}

#[tokio::test]
async fn a_tampered_audit_item_is_reported_at_its_sequence() {
    let (table, store) = world().await;
    let record = seed_with_history(&store, "parks", "internal", 4).await;
    let intact = seed_with_history(&store, "parks", "public", 1).await;
    let original = history(&store, &record).await;
    assert_eq!(original.len(), 5);

    tamper(&table, &record, 3, "actor", "mallory").await;
    let mut forged = original[2].clone();
    forged.actor = "mallory".into();

    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&record),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "BROKEN parks/{} at seq 3: hash does not match the entry's content: expected {}, found {}\n",
            id_of(&record),
            forged.compute_hash(),
            original[2].hash
        )
    );
    assert_ne!(forged.compute_hash(), original[2].hash);

    // --all names the broken record only, and fails.
    let run = admin(
        &["verify-chain", "--agency", "parks", "--all"],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(lines[0].starts_with(&format!("BROKEN parks/{} at seq 3: ", id_of(&record))));
    assert_eq!(
        lines[1],
        "BROKEN parks: 2 records verified, 1 OK (2 entries), 1 broken"
    );
    assert!(!run.stdout.contains(&id_of(&intact)));

    // A forger who also rewrites the hash breaks the next link instead.
    tamper(&table, &record, 3, "hash", &forged.compute_hash()).await;
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&record),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "BROKEN parks/{} at seq 4: prev_hash does not link to the previous entry: expected {}, found {}\n",
            id_of(&record),
            forged.compute_hash(),
            original[2].hash
        )
    );
}

#[tokio::test]
async fn truncated_history_and_missing_records_are_caught() {
    let (table, store) = world().await;
    let record = seed_with_history(&store, "parks", "public", 3).await;
    let original = history(&store, &record).await;

    // The last entry deleted: every remaining link holds, but the record's head does not.
    dynamo()
        .delete_item()
        .table_name(&table)
        .set_key(Some(audit_key(&record, 4).into_iter().collect()))
        .send()
        .await
        .expect("deleting an audit item");
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&record),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "BROKEN parks/{} at seq 4: record's chain head does not match the history: expected {}, found no entry (history ends at seq 3)\n",
            id_of(&record),
            original[3].hash
        )
    );

    // An entry appended behind the store's back, correctly linked and hashed, but past the
    // record's chain head (which no write moved).
    let appended = seed_with_history(&store, "parks", "public", 1).await;
    let forged = AuditEntry::next(
        &appended.head,
        TEST_NOW.plus_millis(9000),
        "mallory",
        AuditAction::Update,
        Changes::new(),
    );
    let mut item: std::collections::HashMap<String, AttributeValue> =
        audit_key(&appended, 3).into_iter().collect();
    for (name, value) in [
        ("seq", AttributeValue::N("3".into())),
        ("at", AttributeValue::N(forged.at.as_millis().to_string())),
        ("actor", AttributeValue::S(forged.actor.clone())),
        ("action", AttributeValue::S("record.update".into())),
        ("changes", AttributeValue::S("{}".into())),
        ("prev_hash", AttributeValue::S(forged.prev_hash.clone())),
        ("hash", AttributeValue::S(forged.hash.clone())),
    ] {
        item.insert(name.into(), value);
    }
    dynamo()
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .send()
        .await
        .expect("appending an audit item");
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&appended),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "BROKEN parks/{} at seq 3: history continues past the record's chain head: expected no entry (the record's chain head is seq 2), found {}\n",
            id_of(&appended),
            forged.hash
        )
    );

    // The record item deleted without a record.delete entry.
    let other = seed_with_history(&store, "parks", "public", 1).await;
    dynamo()
        .delete_item()
        .table_name(&table)
        .key(
            "pk",
            AttributeValue::S(format!("A#parks#R#{}", id_of(&other))),
        )
        .key("sk", AttributeValue::S("RECORD".into()))
        .send()
        .await
        .expect("deleting a record item");
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&other),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!(
            "BROKEN parks/{} at seq 2: record item missing without a record.delete entry: expected record.delete, found record.update",
            id_of(&other)
        )),
        "{run:?}"
    );

    // A properly deleted record still verifies, from its history.
    let deleted = seed_with_history(&store, "parks", "public", 1).await;
    let entry = AuditEntry::next(
        &deleted.head,
        TEST_NOW.plus_millis(5000),
        "officer",
        AuditAction::Delete,
        Changes::new(),
    );
    store
        .delete_if_version(&deleted.record.agency, &deleted.record.id, 2, &entry)
        .await
        .expect("deleting a record");
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "parks",
            "--record",
            &id_of(&deleted),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with(&format!(
        "OK parks/{}: 3 entries, chain intact, record deleted",
        id_of(&deleted)
    )));

    // Nothing at all under that id: nothing to verify, which is a failure. So is another
    // agency's record: the agency scopes the lookup.
    let unknown = RecordId::generate(TEST_NOW).to_string();
    let run = admin(
        &["verify-chain", "--agency", "parks", "--record", &unknown],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("NOT FOUND parks/{unknown}: no record item and no audit history\n")
    );
    let run = admin(
        &[
            "verify-chain",
            "--agency",
            "roads",
            "--record",
            &id_of(&deleted),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("NOT FOUND roads/"), "{run:?}");
}

#[tokio::test]
async fn long_runs_report_progress_on_stderr() {
    let (table, store) = world().await;
    for n in 0..105 {
        seed_record(
            &store,
            "bulk",
            &json!({"title": format!("record {n}"), "classification": "internal"}),
            TEST_NOW.plus_millis(n),
        )
        .await;
    }
    let run = admin(&["verify-chain", "--agency", "bulk", "--all"], Some(&table));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "OK bulk: 105 records verified, 105 OK (105 entries), 0 broken\n"
    );
    assert_eq!(run.stderr, "verify-chain: 100 records checked, 0 broken\n");

    let dir = temp_dir();
    let out = dir.join("bulk.jsonl");
    let run = admin(
        &[
            "export",
            "--agency",
            "bulk",
            "--out",
            out.to_str().expect("UTF-8"),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        "export: 100 records, 100 audit entries, 0 documents\n"
    );
    let text = std::fs::read_to_string(&out).expect("the export");
    let lines = parse_lines(&text);
    let ids: BTreeSet<String> = lines
        .iter()
        .filter(|line| line["kind"] == "record")
        .map(|line| line["id"].as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(ids.len(), 105, "105 records across two pages, each once");
    assert_eq!(lines.len(), 210, "each with its one audit entry");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The export's lines, parsed.
fn parse_lines(text: &str) -> Vec<Value> {
    assert!(text.ends_with('\n'), "the export ends with a newline");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("each line is one JSON object"))
        .collect()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("dossier-admin"));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// Seeds parks (a public record with a document, a confidential one, an internal one)
/// and roads; returns the parks records.
async fn seed_export_world(store: &DynamoStore) -> Vec<StoredRecord> {
    let public = seed_with_history(store, "parks", "public", 2).await;
    seed_document(store, &public, ContentType::PlainText, b"minutes").await;
    let secret = seed_with_history(store, "parks", "confidential", 1).await;
    let internal = seed_with_history(store, "parks", "internal", 0).await;
    seed_with_history(store, "roads", "public", 3).await;
    seed_with_history(store, "roads", "confidential", 0).await;
    let mut records = Vec::new();
    for record in [public, secret, internal] {
        records.push(
            store
                .get_record(&record.record.agency, &record.record.id)
                .await
                .expect("reading")
                .expect("a record"),
        );
    }
    records
}

#[tokio::test]
async fn export_to_a_file_holds_the_agency_and_nothing_else() {
    let (table, store) = world().await;
    let parks = seed_export_world(&store).await;
    let dir = temp_dir();
    let out = dir.join("parks.jsonl");

    let run = admin(
        &[
            "export",
            "--agency",
            "parks",
            "--out",
            out.to_str().expect("a UTF-8 path"),
        ],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "exported 3 records, 7 audit entries, 1 documents of parks to {}\n",
            out.display()
        )
    );
    // Only the finished file is left: the temporary one was renamed.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("parks.jsonl")]);
    // It holds confidential records: readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out)
            .expect("the export")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let text = std::fs::read_to_string(&out).expect("the export");
    let lines = parse_lines(&text);
    assert_eq!(
        lines.len(),
        3 + 7 + 1,
        "3 records, 4 + 2 + 1 entries, 1 document"
    );
    for line in &lines {
        assert_eq!(line["agency"], "parks", "{line}");
    }
    assert!(!text.contains("roads"), "nothing of roads");

    // Records (the confidential one included), each followed by its history, then its
    // documents.
    let mut expected_ids: BTreeSet<String> = parks.iter().map(id_of).collect();
    let mut current: Option<&StoredRecord> = None;
    let mut entries: BTreeMap<String, Vec<AuditEntry>> = BTreeMap::new();
    for line in &lines {
        match line["kind"].as_str() {
            Some("record") => {
                let id = line["id"].as_str().expect("an id").to_owned();
                assert!(expected_ids.remove(&id), "record {id} once");
                let stored = parks
                    .iter()
                    .find(|r| id_of(r) == id)
                    .expect("a parks record");
                assert_eq!(line["title"], json!(stored.record.title));
                assert_eq!(line["classification"], json!(stored.record.classification));
                assert_eq!(line["chain_head"]["seq"], json!(stored.head.seq));
                assert_eq!(line["chain_head"]["hash"], json!(stored.head.hash));
                assert_eq!(line["document_count"], json!(stored.documents));
                current = Some(stored);
            }
            Some("audit") => {
                let record = current.expect("an audit line after its record");
                assert_eq!(line["record_id"], json!(id_of(record)));
                let mut fields = line.clone();
                let object = fields.as_object_mut().expect("an object");
                for extra in ["kind", "agency", "record_id"] {
                    object.remove(extra);
                }
                let entry: AuditEntry = serde_json::from_value(fields).expect("an audit entry");
                entries.entry(id_of(record)).or_default().push(entry);
            }
            Some("document") => {
                let record = current.expect("a document line after its record");
                assert_eq!(line["record_id"], json!(id_of(record)));
                assert_eq!(line["filename"], "scan 1.txt");
                assert_eq!(line["status"], "pending");
            }
            other => panic!("unexpected kind {other:?}"),
        }
    }
    assert!(expected_ids.is_empty(), "missing records: {expected_ids:?}");
    assert!(
        lines.iter().any(|l| l["classification"] == "confidential"),
        "the confidential record is exported"
    );
    // The exported history is the stored one, and still verifies on its own.
    for record in &parks {
        let exported = &entries[&id_of(record)];
        assert_eq!(exported, &history(&store, record).await);
        assert_eq!(shared::model::verify_chain(exported), Ok(()));
        assert_eq!(
            exported.last().map(AuditEntry::head),
            Some(record.head.clone())
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn export_to_s3_writes_the_same_lines() {
    let (table, store) = world().await;
    seed_export_world(&store).await;
    let bucket = create_bucket(&s3()).await;
    let dir = temp_dir();
    let file = dir.join("parks.jsonl");
    let file_run = admin(
        &[
            "export",
            "--agency",
            "parks",
            "--out",
            file.to_str().expect("UTF-8"),
        ],
        Some(&table),
    );
    assert_eq!(file_run.code, 0, "{file_run:?}");

    let destination = format!("s3://{bucket}/exports/parks.jsonl");
    let run = admin(
        &["export", "--agency", "parks", "--out", &destination],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("exported 3 records, 7 audit entries, 1 documents of parks to {destination}\n")
    );
    let object = s3()
        .get_object()
        .bucket(&bucket)
        .key("exports/parks.jsonl")
        .send()
        .await
        .expect("the exported object");
    assert_eq!(object.content_type(), Some("application/x-ndjson"));
    let bytes = object.body.collect().await.expect("its body").into_bytes();
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    assert_eq!(
        text,
        std::fs::read_to_string(&file).expect("the file export")
    );
    assert_eq!(parse_lines(&text).len(), 11);

    // A missing bucket is an AWS error.
    let run = admin(
        &[
            "export",
            "--agency",
            "parks",
            "--out",
            "s3://no-such-bucket-dossier/x.jsonl",
        ],
        Some(&table),
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("AWS error"), "{run:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn large_s3_exports_go_up_in_parts() {
    let s3 = s3();
    let bucket = create_bucket(&s3).await;
    const PART: usize = 5 * 1024 * 1024;
    let mut upload = dossier_admin::sink::S3Upload::new(s3.clone(), &bucket, "big.jsonl", PART);
    let mut expected = Vec::new();
    let mut n = 0u64;
    while expected.len() < 2 * PART + PART / 2 {
        let line = format!(
            "{{\"kind\":\"audit\",\"seq\":{n},\"pad\":\"{}\"}}\n",
            "x".repeat(900)
        );
        upload.write(line.as_bytes()).await.expect("a write");
        expected.extend_from_slice(line.as_bytes());
        n += 1;
    }
    assert_eq!(upload.parts_uploaded(), 2, "two full parts uploaded so far");
    upload.finish().await.expect("completing the upload");

    let object = s3
        .get_object()
        .bucket(&bucket)
        .key("big.jsonl")
        .send()
        .await
        .expect("the object");
    assert!(
        object.e_tag().is_some_and(|etag| etag.ends_with("-3\"")),
        "a three-part upload: {:?}",
        object.e_tag()
    );
    let bytes = object.body.collect().await.expect("its body").into_bytes();
    assert_eq!(bytes.len(), expected.len());
    assert!(
        bytes.as_ref() == expected.as_slice(),
        "the bytes round-trip"
    );

    // An aborted upload leaves no object and no upload behind.
    let mut aborted = dossier_admin::sink::S3Upload::new(s3.clone(), &bucket, "gone.jsonl", PART);
    aborted.write(&expected[..PART + 1]).await.expect("a write");
    assert_eq!(aborted.parts_uploaded(), 1);
    aborted.abort().await;
    let uploads = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("the uploads");
    assert!(uploads.uploads().is_empty(), "{uploads:?}");
    assert!(
        s3.head_object()
            .bucket(&bucket)
            .key("gone.jsonl")
            .send()
            .await
            .is_err()
    );
}

async fn queue(name: &str) -> String {
    sqs()
        .create_queue()
        .queue_name(unique_name(name))
        .send()
        .await
        .expect("a queue")
        .queue_url()
        .expect("its URL")
        .to_owned()
}

/// `(visible, in flight)` messages of `queue`.
async fn depth(queue: &str) -> (u64, u64) {
    let output = sqs()
        .get_queue_attributes()
        .queue_url(queue)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("the queue's attributes");
    let get = |name: QueueAttributeName| -> u64 {
        output.attributes().expect("attributes")[&name]
            .parse()
            .expect("a number")
    };
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

/// Every message of `queue` (received and deleted): body and the `origin` attribute.
async fn drain(queue: &str) -> BTreeMap<String, Option<String>> {
    let mut messages = BTreeMap::new();
    loop {
        let output = sqs()
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .wait_time_seconds(0)
            .send()
            .await
            .expect("a receive");
        if output.messages().is_empty() {
            return messages;
        }
        for message in output.messages() {
            let origin = message
                .message_attributes()
                .and_then(|attributes| attributes.get("origin"))
                .and_then(|value| value.string_value())
                .map(str::to_owned);
            messages.insert(message.body().expect("a body").to_owned(), origin);
            sqs()
                .delete_message()
                .queue_url(queue)
                .receipt_handle(message.receipt_handle().expect("a handle"))
                .send()
                .await
                .expect("a delete");
        }
    }
}

#[tokio::test]
async fn redrive_moves_messages_with_their_attributes() {
    let dlq = queue("ingest-dlq").await;
    let main = queue("ingest").await;
    let mut sent = BTreeMap::new();
    for n in 0..25 {
        let body =
            json!({"Records": [{"s3": {"object": {"key": format!("documents/{n}")}}}]}).to_string();
        sqs()
            .send_message()
            .queue_url(&dlq)
            .message_body(&body)
            .message_attributes(
                "origin",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(format!("test-{n}"))
                    .build()
                    .expect("an attribute"),
            )
            .send()
            .await
            .expect("seeding the DLQ");
        sent.insert(body, Some(format!("test-{n}")));
    }

    let run = admin(
        &["redrive", "--from", &dlq, "--to", &main, "--dry-run"],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!(
            "dry run: would move 25 messages from {dlq} to {main} (25 available, 0 in flight"
        )),
        "{run:?}"
    );
    assert_eq!(depth(&dlq).await, (25, 0), "a dry run receives nothing");
    assert_eq!(depth(&main).await, (0, 0), "a dry run sends nothing");

    let run = admin(
        &["redrive", "--from", &dlq, "--to", &main, "--max", "12"],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("moved 12 messages from {dlq} to {main}\n")
    );
    assert_eq!(depth(&dlq).await, (13, 0));
    assert_eq!(depth(&main).await, (12, 0));

    let run = admin(&["redrive", "--from", &dlq, "--to", &main], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("moved 13 messages from {dlq} to {main}\n")
    );
    assert_eq!(depth(&dlq).await, (0, 0), "the DLQ ends empty");
    assert_eq!(
        drain(&main).await,
        sent,
        "every body, with its attributes, once"
    );

    // Nothing left: a run moves nothing and succeeds.
    let run = admin(&["redrive", "--from", &dlq, "--to", &main], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("moved 0 messages from {dlq} to {main}\n")
    );
}

#[tokio::test]
async fn a_failed_send_keeps_the_message_in_the_dlq() {
    let dlq = queue("ingest-dlq").await;
    let missing = format!("{}/123456789012/{}", endpoint(), unique_name("missing"));
    sqs()
        .send_message()
        .queue_url(&dlq)
        .message_body("stuck")
        .send()
        .await
        .expect("seeding the DLQ");
    let run = admin(&["redrive", "--from", &dlq, "--to", &missing], None);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("0 messages moved"), "{run:?}");
    // Not deleted: it is in flight until its visibility timeout ends, then back.
    assert_eq!(depth(&dlq).await, (0, 1));
}

#[tokio::test]
async fn usage_config_and_aws_errors_have_their_exit_codes() {
    let id = RecordId::generate(Timestamp::from_millis(0)).to_string();
    for args in [
        &["verify-chain", "--agency", "parks"][..],
        &["verify-chain", "--agency", "Parks", "--all"],
        &["verify-chain", "--agency", "parks", "--record", "not-an-id"],
        &["export", "--agency", "parks"],
        &["export", "--agency", "parks", "--out", "ftp://x/y"],
        &["redrive", "--from", "http://q/a"],
        &["nonsense"],
        &["verify-chain", "--agency", "parks", "--al"],
        &[
            "export", "--agency", "parks", "--out", "x.jsonl", "--tabel", "t",
        ],
        &[
            "redrive",
            "--from",
            "http://q/a",
            "--to",
            "http://q/b",
            "--max",
            "0",
        ],
    ] {
        let run = admin(args, Some("some-table"));
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("dossier-admin: "), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
    // No table anywhere.
    let run = admin(
        &["verify-chain", "--agency", "parks", "--record", &id],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("TABLE_NAME"), "{run:?}");

    // A table that does not exist: the AWS call fails.
    let run = admin(
        &["verify-chain", "--agency", "parks", "--record", &id],
        Some(&unique_name("missing")),
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("AWS error"), "{run:?}");

    // Help goes to stdout and says confidential records are exported.
    let run = admin(&["export", "--help"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("CONFIDENTIAL RECORDS ARE INCLUDED"));

    // An export that fails leaves no file behind.
    let dir = temp_dir();
    let out = dir.join("x.jsonl");
    let run = admin(
        &[
            "export",
            "--agency",
            "parks",
            "--out",
            out.to_str().expect("UTF-8"),
        ],
        Some(&unique_name("missing")),
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(std::fs::read_dir(&dir).expect("the folder").count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
