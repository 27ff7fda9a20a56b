//! `dossier-admin purge-documents` on moto: a deleted record's document versions go, a
//! record still in the table is refused, and another record's objects stay.

mod support;

use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::{create_bucket, create_table, dynamo, s3, versions_under};
use serde_json::json;
use shared::model::{AuditAction, Changes};
use shared::store::{DynamoStore, RecordStore};
use shared::testing::{TEST_NOW, seed_record};
use support::admin;

async fn put(bucket: &str, key: &str) {
    s3().put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(b"minutes"))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_records_documents_are_purged_and_a_live_one_is_refused() {
    let table = create_table(&dynamo()).await;
    let store = DynamoStore::new(dynamo(), &table);
    let bucket = create_bucket(&s3()).await;
    let body = json!({"title": "Permit", "classification": "internal"});
    let gone = seed_record(&store, "parks", &body, TEST_NOW).await;
    let live = seed_record(&store, "parks", &body, TEST_NOW).await;
    let (gone_id, live_id) = (gone.record.id.to_string(), live.record.id.to_string());
    for id in [&gone_id, &live_id] {
        put(
            &bucket,
            &format!("documents/parks/{id}/01KBXQ9D3C4V5B6N7M8K9J0H1G"),
        )
        .await;
        put(
            &bucket,
            &format!("documents/parks/{id}/01KBXQ9D3C4V5B6N7M8K9J0H1G"),
        )
        .await;
        put(
            &bucket,
            &format!("quarantine/parks/{id}/01KBXQ9D3C4V5B6N7M8K9J0H1H"),
        )
        .await;
    }
    let purge = |id: &str| {
        admin(
            &[
                "purge-documents",
                "--agency",
                "parks",
                "--record",
                id,
                "--bucket",
                &bucket,
            ],
            Some(&table),
        )
    };

    let refused = purge(&live_id);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("still in the table"),
        "{}",
        refused.stderr
    );

    let (_, entry) = gone.append(TEST_NOW, "olga", AuditAction::Delete, Changes::new());
    store
        .delete_if_version(&gone.record.agency, &gone.record.id, 1, &entry)
        .await
        .unwrap();
    let run = purge(&gone_id);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(summary, json!({"deleted": 3, "locked": []}));
    assert_eq!(
        versions_under(&bucket, &format!("documents/parks/{gone_id}/")).await,
        0
    );
    assert_eq!(
        versions_under(&bucket, &format!("quarantine/parks/{gone_id}/")).await,
        0
    );
    assert_eq!(
        versions_under(&bucket, &format!("documents/parks/{live_id}/")).await,
        2
    );
}
