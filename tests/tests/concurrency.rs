//! No lost updates, end to end: 20 concurrent PATCHes carrying the same ETag through the
//! update-record handler give exactly one 200, nineteen 412s and one new audit entry,
//! on DynamoDB (moto) as on the in-memory store.

use std::sync::Arc;

use dossier_tests::{create_table, dynamo};
use serde_json::json;
use shared::Deps;
use shared::model::AgencyId;
use shared::store::{DynamoStore, MemoryStore, Store};
use shared::testing::{TEST_NOW, call, deps, event, seed_record, token};

async fn twenty_patches_one_winner<S: Store>(store: S) {
    let deps: Arc<Deps<S>> = Arc::new(deps(store));
    let stored = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "v1", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let id = stored.record.id.to_string();
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..20 {
        let deps = deps.clone();
        let request = event("PATCH", "/records/{id}")
            .param("id", &id)
            .bearer(&token(
                &format!("writer-{writer}"),
                "parks",
                &["clerk"],
                TEST_NOW,
            ))
            .header("if-match", "\"1\"")
            .json(&json!({"title": format!("by writer {writer}")}));
        tasks.spawn(async move { call(deps.as_ref(), update_record::handle, &request).await });
    }
    let responses = tasks.join_all().await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [[200].as_slice(), &[412; 19]].concat(),
        "{responses:?}"
    );
    let history = deps
        .store
        .history(
            &AgencyId::parse("parks").unwrap(),
            &stored.record.id,
            100,
            None,
        )
        .await
        .unwrap();
    assert_eq!(history.items.len(), 2, "exactly one new audit entry");
    let winner = responses.iter().find(|r| r.status == 200).unwrap();
    assert_eq!(history.items[1].changes["title"][1], winner.body["title"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_dynamodb() {
    let client = dynamo();
    let table = create_table(&client).await;
    twenty_patches_one_winner(DynamoStore::new(client, table)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory() {
    twenty_patches_one_winner(MemoryStore::new()).await;
}
