//! Search indexes kept in S3 (on moto): generations behind a conditionally replaced
//! pointer. Indexers that race on one agency lose no update, a reader sees whole
//! generations only and picks up a new one, and a record taken out leaves the index.

use std::sync::Arc;
use std::time::Duration;

use dossier_tests::{create_bucket, s3, unique_name, workspace_root};
use shared::model::{AgencyId, Classification, Status};
use shared::search::snapshot::{SnapshotIndexes, SnapshotStore};
use shared::search::{Audience, Change, Entry, Filters, IndexSource, SearchQuery};

fn entry(id: &str, title: &str) -> Entry {
    Entry {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        tags: vec![],
        filenames: vec![],
        content: vec![],
        status: Status::Published,
        classification: Classification::Public,
        date: 1,
        view: serde_json::json!({ "id": id }).to_string(),
    }
}

fn folder(name: &str) -> std::path::PathBuf {
    workspace_root().join("target/tmp").join(unique_name(name))
}

async fn ids(indexes: &SnapshotIndexes, agency: &AgencyId) -> Vec<String> {
    let index = indexes
        .index(agency, Audience::Public)
        .await
        .unwrap()
        .unwrap();
    let mut ids = index.ids().unwrap();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_indexers_lose_no_update_and_readers_follow_generations() {
    let client = s3();
    let bucket = create_bucket(&client).await;
    let store = SnapshotStore::new(client, &bucket, "index/");
    let agency = AgencyId::parse("parks").unwrap();
    let reader = SnapshotIndexes::new(store.clone(), folder("reader"), Duration::ZERO);
    assert!(
        reader
            .index(&agency, Audience::Public)
            .await
            .unwrap()
            .is_none(),
        "no index yet"
    );

    // Eight indexers, each with its own folder (its own Lambda container), all at once.
    let mut runs = Vec::new();
    for n in 0..8 {
        let (store, agency) = (store.clone(), agency.clone());
        runs.push(tokio::spawn(async move {
            let change = Change::Put(entry(&format!("r{n}"), &format!("Permit number {n}")));
            store
                .apply(&folder("writer"), &agency, Audience::Public, &[change])
                .await
                .unwrap()
        }));
    }
    let mut generations = Vec::new();
    for run in runs {
        generations.push(run.await.unwrap());
    }
    generations.sort();
    assert_eq!(
        generations,
        (1..=8).collect::<Vec<u64>>(),
        "each run wrote its own generation"
    );
    let expected: Vec<String> = (0..8).map(|n| format!("r{n}")).collect();
    assert_eq!(ids(&reader, &agency).await, expected, "no update lost");

    // A removal and an update, by an indexer whose folder is behind: it catches up first.
    let behind = folder("writer");
    let changes = [
        Change::Remove("r3".into()),
        Change::Put(entry("r5", "Withdrawn")),
    ];
    assert_eq!(
        store
            .apply(&behind, &agency, Audience::Public, &changes)
            .await
            .unwrap(),
        9
    );
    let index = reader
        .index(&agency, Audience::Public)
        .await
        .unwrap()
        .unwrap();
    let permits = SearchQuery::parse("permit").unwrap();
    let found = index.search(&permits, &Filters::default(), 0, 20).unwrap();
    assert_eq!(found.total, 6, "r3 removed, r5 retitled");
    assert_eq!(ids(&reader, &agency).await.len(), 7);

    // The staff index of the agency is another index, untouched.
    assert!(
        reader
            .index(&agency, Audience::Staff)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_checks_for_new_generations_only_as_often_as_told() {
    let client = s3();
    let bucket = create_bucket(&client).await;
    let store = SnapshotStore::new(client, &bucket, "index/");
    let agency = AgencyId::parse("roads").unwrap();
    let writer = folder("writer");
    store
        .apply(
            &writer,
            &agency,
            Audience::Staff,
            &[Change::Put(entry("a", "One"))],
        )
        .await
        .unwrap();
    let reader = Arc::new(SnapshotIndexes::new(
        store.clone(),
        folder("reader"),
        Duration::from_secs(3600),
    ));
    let first = reader
        .index(&agency, Audience::Staff)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.len(), 1);
    store
        .apply(
            &writer,
            &agency,
            Audience::Staff,
            &[Change::Put(entry("b", "Two"))],
        )
        .await
        .unwrap();
    let held = reader
        .index(&agency, Audience::Staff)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.len(),
        1,
        "within the check period the held generation answers"
    );
    let fresh = SnapshotIndexes::new(store, folder("reader"), Duration::ZERO);
    assert_eq!(
        fresh
            .index(&agency, Audience::Staff)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}
