//! No lost updates, end to end: 20 concurrent PATCHes carrying the same ETag through the
//! update-record handler give exactly one 200, nineteen 412s and one new audit entry; 50
//! records requests submitted at once get 50 distinct numbers without a gap. On DynamoDB
//! (moto) as on the embedded and in-memory stores.

use std::sync::Arc;

use dossier_tests::{create_table, dynamo, unique_name};
use serde_json::json;
use shared::Deps;
use shared::model::AgencyId;
use shared::store::{DynamoStore, EmbeddedStore, MemoryStore, Store};
use shared::testing::{
    TEST_NOW, call, call_public, deps, event, notice_deps, seed_profile, seed_record, token,
};

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

async fn fifty_submissions_fifty_numbers<S: Store>(store: S) {
    const SUBMISSIONS: usize = 50;
    let deps = Arc::new(notice_deps(store));
    seed_profile(&deps.store, "parks", "Parks").await;
    let mut tasks = tokio::task::JoinSet::new();
    for requester in 0..SUBMISSIONS {
        let deps = deps.clone();
        let request = event("POST", "/public/agencies/{agency}/requests")
            .param("agency", "parks")
            .json(
                &json!({"description": format!("Permits, asked by requester {requester}"),
                          "requester": {"email": format!("r{requester}@example.org")}}),
            );
        tasks.spawn(
            async move { call_public(deps.as_ref(), submit_request::handle, &request).await },
        );
    }
    let responses = tasks.join_all().await;
    let mut numbers: Vec<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=SUBMISSIONS).map(|n| format!("2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
    let parks = AgencyId::parse("parks").unwrap();
    assert_eq!(
        deps.store.last_request_number(&parks, 2026).await,
        Ok(SUBMISSIONS as u32)
    );
    // Every requester acknowledged once, under their own number.
    let mut acknowledged: Vec<String> = deps
        .notices
        .mailer
        .sent()
        .into_iter()
        .map(|email| email.subject)
        .collect();
    acknowledged.sort();
    let subjects: Vec<String> = expected
        .iter()
        .map(|number| format!("Your records request {number} was received"))
        .collect();
    assert_eq!(acknowledged, subjects);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_on_dynamodb() {
    let client = dynamo();
    let table = create_table(&client).await;
    fifty_submissions_fifty_numbers(DynamoStore::new(client, table)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_embedded() {
    let folder = std::env::temp_dir().join(unique_name("dossier-requests"));
    let store = EmbeddedStore::open(&folder.join("dossier.redb")).unwrap();
    fifty_submissions_fifty_numbers(store).await;
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_submissions_in_memory() {
    fifty_submissions_fifty_numbers(MemoryStore::new()).await;
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
