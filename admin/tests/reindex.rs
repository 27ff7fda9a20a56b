//! `dossier-admin reindex` on moto: an agency's indexes rebuilt from the table find exactly
//! what the indexes built change by change found, and nothing the table no longer holds.

mod support;

use std::time::Duration;

use dossier_tests::{create_bucket, create_table, dynamo, s3, unique_name, workspace_root};
use serde_json::json;
use shared::blob::S3Blobs;
use shared::model::{AgencyId, Classification, RecordId, Status};
use shared::search::indexer::changes_for;
use shared::search::snapshot::{SnapshotIndexes, SnapshotStore};
use shared::search::{Audience, Change, Entry, Filters, IndexSource, SearchQuery};
use shared::store::DynamoStore;
use shared::testing::{TEST_NOW, seed_record, seed_update};
use support::admin;

/// What `query` finds in `agency`'s index for `audience`: ids and scores, best first.
async fn found(
    store: &SnapshotStore,
    agency: &AgencyId,
    audience: Audience,
    query: &str,
) -> Vec<(String, String)> {
    let folder = workspace_root()
        .join("target/tmp")
        .join(unique_name("reader"));
    let indexes = SnapshotIndexes::new(store.clone(), folder, Duration::ZERO);
    let index = indexes
        .index(agency, audience)
        .await
        .unwrap()
        .expect("an index");
    let query = SearchQuery::parse(query).unwrap();
    let results = index.search(&query, &Filters::default(), 0, 100).unwrap();
    results
        .items
        .iter()
        .map(|hit| {
            (
                hit.record["id"].as_str().unwrap().to_owned(),
                format!("{:.4}", hit.score),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuilt_index_finds_what_the_incremental_one_found() {
    let table = create_table(&dynamo()).await;
    let store = DynamoStore::new(dynamo(), &table);
    let (bucket, index_bucket) = (create_bucket(&s3()).await, create_bucket(&s3()).await);
    let snapshots = SnapshotStore::new(s3(), &index_bucket, "index/");
    let blobs = S3Blobs::new(s3(), &bucket);
    let agency = AgencyId::parse("parks").unwrap();
    let writer = workspace_root()
        .join("target/tmp")
        .join(unique_name("writer"));

    // Records written and indexed one change at a time, as the stream indexer would.
    for (n, classification) in ["public", "internal", "confidential", "public"]
        .iter()
        .enumerate()
    {
        let body = json!({"title": format!("Permit {n} for the park"), "classification": classification,
                          "description": "Trees and benches on Elm Street"});
        let at = TEST_NOW.plus_millis(n as i64);
        let created = seed_record(&store, "parks", &body, at).await;
        let id: RecordId = created.record.id.clone();
        let changes = changes_for(&store, &blobs, &agency, std::slice::from_ref(&id))
            .await
            .unwrap();
        for audience in Audience::ALL {
            snapshots
                .apply(
                    &writer.join(audience.as_str()),
                    &agency,
                    audience,
                    changes.for_audience(audience),
                )
                .await
                .unwrap();
        }
        if *classification == "public" {
            let published = seed_update(&store, &created, "olga", at.plus_millis(10), |r| {
                r.status = Status::Published
            })
            .await;
            let changes = changes_for(
                &store,
                &blobs,
                &agency,
                std::slice::from_ref(&published.record.id),
            )
            .await
            .unwrap();
            for audience in Audience::ALL {
                snapshots
                    .apply(
                        &writer.join(audience.as_str()),
                        &agency,
                        audience,
                        changes.for_audience(audience),
                    )
                    .await
                    .unwrap();
            }
        }
    }
    let before: Vec<_> = [
        found(&snapshots, &agency, Audience::Staff, "permit").await,
        found(&snapshots, &agency, Audience::Public, "permit").await,
        found(
            &snapshots,
            &agency,
            Audience::Staff,
            "\"elm street\" -benches",
        )
        .await,
    ]
    .into();
    assert_eq!((before[0].len(), before[1].len()), (4, 2));

    // Something the table does not hold: a rebuild drops it.
    let stale = Entry {
        id: "01KBXQ7R5M3N8P2V6W9Y4Z0A1Z".into(),
        title: "Permit ghost".into(),
        description: String::new(),
        tags: vec![],
        filenames: vec![],
        content: vec![],
        status: Status::Published,
        classification: Classification::Public,
        date: 1,
        view: json!({"id": "ghost"}).to_string(),
    };
    snapshots
        .apply(
            &writer.join("public"),
            &agency,
            Audience::Public,
            &[Change::Put(stale)],
        )
        .await
        .unwrap();
    assert_eq!(
        found(&snapshots, &agency, Audience::Public, "permit")
            .await
            .len(),
        3
    );

    let run = admin(
        &[
            "reindex",
            "--agency",
            "parks",
            "--bucket",
            &bucket,
            "--index-bucket",
            &index_bucket,
        ],
        Some(&table),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(
        summary["indexes"][0],
        json!({"index": "staff", "generation": 7, "records": 4})
    );
    assert_eq!(
        summary["indexes"][1],
        json!({"index": "public", "generation": 8, "records": 2})
    );
    let after: Vec<_> = [
        found(&snapshots, &agency, Audience::Staff, "permit").await,
        found(&snapshots, &agency, Audience::Public, "permit").await,
        found(
            &snapshots,
            &agency,
            Audience::Staff,
            "\"elm street\" -benches",
        )
        .await,
    ]
    .into();
    assert_eq!(
        after, before,
        "the same records, in the same order, with the same scores"
    );

    let missing = admin(&["reindex", "--agency", "parks"], Some(&table));
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}
