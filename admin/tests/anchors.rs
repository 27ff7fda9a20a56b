//! `dossier-admin verify-chain --anchors`: a history rewritten behind Dossier's back, so
//! consistently that every link and the record's own head still hold, passes the chain
//! check and is caught by the anchor signed before. On the local server's data folder
//! (embedded store, local key) and on moto (DynamoDB, KMS, Object Lock S3).

mod support;

use std::path::{Path, PathBuf};

use anchor_chains::{Anchoring, anchor_all};
use aws_sdk_dynamodb::types::AttributeValue;
use dossier_tests::{
    create_anchor_bucket, create_anchor_key, create_table, dynamo, kms, s3, unique_name,
};
use redb::{ReadableTable, TableDefinition};
use serde_json::json;
use shared::anchor::archive::{AnchorArchive, FileAnchors, S3Anchors};
use shared::anchor::signer::{KmsSigner, LocalSigner};
use shared::anchor::{AnchoredHeads, sign};
use shared::clock::Clock;
use shared::model::{AuditEntry, StoredRecord};
use shared::store::{AuditLog, DynamoStore, EmbeddedStore};
use shared::testing::{TEST_NOW, seed_record, seed_update};
use support::admin;

/// A record of `agency` with `updates` retitlings (so `updates + 1` entries).
async fn seed_with_history<S: shared::store::RecordStore>(
    store: &S,
    agency: &str,
    updates: u64,
) -> StoredRecord {
    let body = json!({"title": "v1", "classification": "confidential"});
    let mut current = seed_record(store, agency, &body, TEST_NOW).await;
    for n in 0..updates {
        let at = TEST_NOW.plus_millis(1000 * (n as i64 + 1));
        current = seed_update(store, &current, "bob", at, |r| {
            r.title = format!("v{}", n + 2)
        })
        .await;
    }
    current
}

/// `entries` rewritten from seq `from` on as a forger would: the entry at `from` says
/// `mallory` did it, and every hash and link after it is recomputed, so the chain holds.
fn forged(mut entries: Vec<AuditEntry>, from: u64) -> Vec<AuditEntry> {
    for i in (from as usize - 1)..entries.len() {
        if i + 1 == from as usize {
            entries[i].actor = "mallory".into();
        } else {
            entries[i].prev_hash = entries[i - 1].hash.clone();
        }
        entries[i].hash = entries[i].compute_hash();
    }
    assert_eq!(shared::model::verify_chain(&entries), Ok(()));
    entries
}

fn id_of(record: &StoredRecord) -> String {
    record.record.id.to_string()
}

// --- The local data folder: embedded store, local key, anchors in the folder. ---

type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;
const RECORDS: JsonTable = TableDefinition::new("records");
const HISTORY: JsonTable = TableDefinition::new("history");

/// Rewrites `record`'s history from `from` on, and its chain head, in the database file.
fn forge_in_file(data: &Path, record: &StoredRecord, from: u64) {
    let db = redb::Database::create(data.join("dossier.redb")).unwrap();
    let (agency, id) = (&record.record.agency, &record.record.id);
    let txn = db.begin_write().unwrap();
    {
        let mut history = txn.open_table(HISTORY).unwrap();
        let prefix = format!("{agency}/{id}/");
        let entries: Vec<AuditEntry> = history
            .range(prefix.as_str()..format!("{agency}/{id}0").as_str())
            .unwrap()
            .map(|item| serde_json::from_slice(item.unwrap().1.value()).unwrap())
            .collect();
        let entries = forged(entries, from);
        for entry in &entries {
            let key = format!("{prefix}{:010}", entry.seq);
            history
                .insert(key.as_str(), serde_json::to_vec(entry).unwrap().as_slice())
                .unwrap();
        }
        let mut records = txn.open_table(RECORDS).unwrap();
        let key = format!("{agency}/{id}");
        let mut stored: StoredRecord =
            serde_json::from_slice(records.get(key.as_str()).unwrap().unwrap().value()).unwrap();
        stored.head = entries.last().unwrap().head();
        records
            .insert(
                key.as_str(),
                serde_json::to_vec(&stored).unwrap().as_slice(),
            )
            .unwrap();
    }
    txn.commit().unwrap();
}

fn data_folder() -> PathBuf {
    std::env::temp_dir().join(unique_name("dossier-anchors"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_in_the_data_folder_is_caught_by_the_anchor() {
    let data = data_folder();
    let (record, other) = {
        let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
        let record = seed_with_history(&store, "parks", 3).await;
        let other = seed_with_history(&store, "parks", 1).await;
        // Anchored as `dossier-local serve` does, into the data folder with its key.
        let anchoring = dossier_local::anchoring::local(store, &data).unwrap();
        let line = dossier_local::anchoring::run_once(&anchoring)
            .await
            .unwrap();
        assert_eq!(line, "anchored 1 of 1 agencies (0 unchanged)");
        (record, other)
    };
    let data_arg = data.to_str().unwrap();
    let verify = |anchors: bool| {
        let mut args = vec![
            "verify-chain",
            "--data",
            data_arg,
            "--agency",
            "parks",
            "--all",
        ];
        if anchors {
            args.push("--anchors");
        }
        admin(&args, None)
    };
    let run = verify(true);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("OK parks: 2 records verified, 2 OK (6 entries), 0 broken, held to the latest anchor anchors/parks/"),
        "{run:?}"
    );

    forge_in_file(&data, &record, 2);
    // Every link, and the record's own head, still hold: the chain check alone passes.
    let run = verify(false);
    assert_eq!(run.code, 0, "{run:?}");
    let run = verify(true);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "BROKEN parks/{} at seq 4: history differs from the head the latest anchor signed: expected {}, found {}",
            id_of(&record),
            record.head.hash,
            history_of(&data, &record).await[3].hash,
        )
    );
    assert!(
        lines[1].starts_with("BROKEN parks: 2 records verified, 1 OK"),
        "{run:?}"
    );
    assert!(!run.stdout.contains(&id_of(&other)));

    // One record checked alone proves its inclusion, or names what broke.
    let run = admin(
        &[
            "verify",
            "--data",
            data_arg,
            "--agency",
            "parks",
            "--record",
            &id_of(&other),
            "--anchors",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("anchored head seq 2 proven in the latest anchor"),
        "{run:?}"
    );

    // An anchor signed by another key (a forger's) is refused, whatever it holds.
    let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
    let heads = shared::store::ChainHeads::chain_heads(&store)
        .await
        .unwrap();
    drop(store);
    let at = Clock::system().now().plus_millis(60_000);
    let heads = AnchoredHeads::new(
        record.record.agency.clone(),
        at,
        heads[&record.record.agency].clone(),
    );
    let forger = LocalSigner::generate().unwrap();
    let anchor = sign(&heads, &forger).await.unwrap();
    FileAnchors::new(&data).put(&anchor, &heads).await.unwrap();
    let run = verify(true);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("BROKEN ANCHOR parks: anchors/parks/")
            && run.stdout.contains("signature does not verify"),
        "{run:?}"
    );
    std::fs::remove_dir_all(&data).unwrap();
}

/// `record`'s history as the file holds it now.
async fn history_of(data: &Path, record: &StoredRecord) -> Vec<AuditEntry> {
    let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
    store
        .history(&record.record.agency, &record.record.id, 100, None)
        .await
        .unwrap()
        .items
}

// --- AWS: DynamoDB, a KMS key, an Object Lock bucket (on moto). ---

/// Rewrites `record`'s history from `from` on, and its chain head, item by item.
async fn forge_in_table(table: &str, store: &DynamoStore, record: &StoredRecord, from: u64) {
    let (agency, id) = (&record.record.agency, &record.record.id);
    let entries = store.history(agency, id, 100, None).await.unwrap().items;
    let entries = forged(entries, from);
    let pk = AttributeValue::S(format!("A#{agency}#R#{id}"));
    for entry in &entries[from as usize - 1..] {
        dynamo()
            .update_item()
            .table_name(table)
            .key("pk", pk.clone())
            .key("sk", AttributeValue::S(format!("AUDIT#{:010}", entry.seq)))
            .update_expression("SET actor = :actor, prev_hash = :prev, #hash = :hash")
            .expression_attribute_names("#hash", "hash")
            .expression_attribute_values(":actor", AttributeValue::S(entry.actor.clone()))
            .expression_attribute_values(":prev", AttributeValue::S(entry.prev_hash.clone()))
            .expression_attribute_values(":hash", AttributeValue::S(entry.hash.clone()))
            .send()
            .await
            .unwrap();
    }
    dynamo()
        .update_item()
        .table_name(table)
        .key("pk", pk)
        .key("sk", AttributeValue::S("RECORD".into()))
        .update_expression("SET audit_head = :hash")
        .expression_attribute_values(
            ":hash",
            AttributeValue::S(entries.last().unwrap().hash.clone()),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_history_in_the_table_is_caught_by_the_kms_signed_anchor() {
    let table = create_table(&dynamo()).await;
    let store = DynamoStore::new(dynamo(), &table);
    let record = seed_with_history(&store, "parks", 3).await;
    let deleted = seed_with_history(&store, "parks", 0).await;
    seed_with_history(&store, "roads", 2).await;
    let (bucket, key) = (
        create_anchor_bucket(&s3()).await,
        create_anchor_key(&kms()).await,
    );
    let anchoring = Anchoring {
        store: store.clone(),
        signer: KmsSigner::new(kms(), &key),
        archive: S3Anchors::new(s3(), &bucket),
        clock: Clock::fixed(TEST_NOW.plus_millis(3_600_000)),
    };
    let summary = anchor_all(&anchoring).await.unwrap();
    assert_eq!((summary.agencies, summary.anchored), (2, 2));

    let verify = |anchors: &[&str]| {
        let mut args = vec![
            "verify-chain",
            "--table",
            &table,
            "--agency",
            "parks",
            "--all",
        ];
        args.extend(anchors);
        admin(&args, None)
    };
    let with_anchors = [
        "--anchors",
        "--anchor-bucket",
        &bucket,
        "--anchor-key",
        &key,
    ];
    let run = verify(&with_anchors);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(&format!("signed by {key}")), "{run:?}");

    // A record deleted behind the store's back (item and history): its anchored head is gone.
    for sk in ["RECORD", "AUDIT#0000000001"] {
        dynamo()
            .delete_item()
            .table_name(&table)
            .key(
                "pk",
                AttributeValue::S(format!("A#parks#R#{}", deleted.record.id)),
            )
            .key("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap();
    }
    forge_in_table(&table, &store, &record, 3).await;
    let run = verify(&[]);
    assert_eq!(run.code, 0, "the chain check alone is fooled: {run:?}");
    let run = verify(&with_anchors);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert!(
        lines[0].starts_with(&format!(
            "BROKEN parks/{} at seq 4: history differs from the head the latest anchor signed: expected {}, found ",
            id_of(&record),
            record.head.hash
        )),
        "{run:?}"
    );
    assert_eq!(
        lines[1],
        format!(
            "BROKEN parks/{} at seq 1: history differs from the head the latest anchor signed: expected {}, found no entry (history ends at seq 0)",
            id_of(&deleted),
            deleted.head.hash
        )
    );
    assert!(
        lines[2].starts_with("BROKEN parks: 2 records verified, 0 OK"),
        "{run:?}"
    );

    // Signed by another key than the one named: refused.
    let other = create_anchor_key(&kms()).await;
    let run = verify(&[
        "--anchors",
        "--anchor-bucket",
        &bucket,
        "--anchor-key",
        &other,
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("BROKEN ANCHOR parks: "), "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("is signed by {key}, not by {other}")),
        "{run:?}"
    );

    // Past anchors cannot be deleted (Object Lock, compliance mode), nor replaced.
    let latest = anchoring
        .archive
        .latest(&record.record.agency)
        .await
        .unwrap()
        .unwrap();
    let object = format!("{}/anchor.json", latest.location);
    let versions = s3()
        .list_object_versions()
        .bucket(&bucket)
        .prefix(&object)
        .send()
        .await
        .unwrap();
    let version = versions.versions()[0].version_id().unwrap().to_owned();
    let deletion = s3()
        .delete_object()
        .bucket(&bucket)
        .key(&object)
        .version_id(&version)
        .send()
        .await;
    assert!(deletion.is_err(), "a locked anchor was deleted");
    assert_eq!(
        anchoring.archive.put(&latest.anchor, &latest.heads).await,
        Err(shared::anchor::archive::ArchiveError::Exists)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchors_that_cannot_be_found_or_read_are_said_so() {
    let table = create_table(&dynamo()).await;
    let base = [
        "verify-chain",
        "--table",
        &table,
        "--agency",
        "parks",
        "--all",
        "--anchors",
    ];
    for (extra, says) in [
        (&[][..], "--anchor-bucket"),
        (&["--anchor-bucket", "b"][..], "--anchor-key"),
        (
            &["--anchor-bucket", "b", "--public-key", "/nonexistent.pem"][..],
            "/nonexistent.pem",
        ),
    ] {
        let run = admin(&[&base[..], extra].concat(), None);
        assert_eq!(run.code, 2, "{extra:?}: {run:?}");
        assert!(run.stderr.contains(says), "{extra:?}: {run:?}");
    }
    let not_a_key = std::env::temp_dir().join(unique_name("key.pem"));
    std::fs::write(
        &not_a_key,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let run = admin(
        &[
            &base[..],
            &[
                "--anchor-bucket",
                "b",
                "--public-key",
                not_a_key.to_str().unwrap(),
            ],
        ]
        .concat(),
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a PEM public key"), "{run:?}");
    std::fs::remove_file(&not_a_key).unwrap();

    // An agency never anchored: said so, and the chains are still checked.
    let store = DynamoStore::new(dynamo(), &table);
    seed_with_history(&store, "parks", 1).await;
    let (bucket, key) = (
        create_anchor_bucket(&s3()).await,
        create_anchor_key(&kms()).await,
    );
    let run = admin(
        &[
            &base[..],
            &["--anchor-bucket", &bucket, "--anchor-key", &key],
        ]
        .concat(),
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "NO ANCHOR parks: no anchor is kept for this agency\nOK parks: 1 records verified, 1 OK (2 entries), 0 broken\n"
    );

    // A data folder without a key cannot check anything.
    let data = data_folder();
    drop(EmbeddedStore::open(&data.join("dossier.redb")).unwrap());
    let run = admin(
        &[
            "verify-chain",
            "--data",
            data.to_str().unwrap(),
            "--agency",
            "parks",
            "--all",
            "--anchors",
        ],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("anchor-key.p8"), "{run:?}");
    std::fs::remove_dir_all(&data).unwrap();
}
