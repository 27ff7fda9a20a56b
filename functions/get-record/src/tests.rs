use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_record, token};

use super::handle;

fn get(id: &str) -> shared::http::GatewayEvent {
    event("GET", "/records/{id}").param("id", id)
}

#[tokio::test]
async fn returns_the_record_with_its_etag() {
    let deps = deps(MemoryStore::new());
    let stored = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "Permit", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let response = call(
        &deps,
        handle,
        &get(stored.record.id.as_str()).bearer(&token("r", "parks", &["reader"], TEST_NOW)),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(response.body["title"], "Permit");
    assert_eq!(response.body["agency"], "parks");
    assert_eq!(response.body["status"], "draft");
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn if_none_match_with_the_current_etag_is_304_without_body() {
    let deps = deps(MemoryStore::new());
    let stored = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "Permit", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let request =
        get(stored.record.id.as_str()).bearer(&token("r", "parks", &["reader"], TEST_NOW));
    let response = call(
        &deps,
        handle,
        &request.clone().header("if-none-match", "\"1\""),
    )
    .await;
    assert_eq!(response.status, 304);
    assert!(response.body.is_null());
    assert_eq!(
        call(&deps, handle, &request.header("if-none-match", "\"0\""))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn other_agencies_and_hidden_confidential_records_are_404() {
    let deps = deps(MemoryStore::new());
    let public = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "P", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let secret = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "S", "classification": "confidential"}),
        TEST_NOW,
    )
    .await;
    let other_agency = call(
        &deps,
        handle,
        &get(public.record.id.as_str()).bearer(&token("z", "zoning", &["officer"], TEST_NOW)),
    )
    .await;
    assert_eq!(
        (other_agency.status, other_agency.problem_kind()),
        (404, "not-found")
    );
    let clerk = call(
        &deps,
        handle,
        &get(secret.record.id.as_str()).bearer(&token("c", "parks", &["clerk"], TEST_NOW)),
    )
    .await;
    assert_eq!(clerk.status, 404);
    let missing = call(
        &deps,
        handle,
        &get("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").bearer(&token("c", "parks", &["clerk"], TEST_NOW)),
    )
    .await;
    assert_eq!(
        clerk.body["detail"], missing.body["detail"],
        "a hidden record reads exactly like a missing one"
    );
    for role in ["officer", "auditor"] {
        let seen = call(
            &deps,
            handle,
            &get(secret.record.id.as_str()).bearer(&token("o", "parks", &[role], TEST_NOW)),
        )
        .await;
        assert_eq!(seen.status, 200, "{role}");
    }
}

#[tokio::test]
async fn bad_tokens_are_401_and_malformed_ids_400() {
    let deps = deps(MemoryStore::new());
    let response = call(&deps, handle, &get("01KBXQ7R5M3N8P2V6W9Y4Z0A1B")).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (401, "unauthorized")
    );
    assert_eq!(
        response.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let expired = token(
        "r",
        "parks",
        &["reader"],
        TEST_NOW.plus_millis(-8 * 86_400 * 1000),
    );
    assert_eq!(
        call(
            &deps,
            handle,
            &get("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").bearer(&expired)
        )
        .await
        .status,
        401
    );
    let bad_id = call(
        &deps,
        handle,
        &get("not-an-id").bearer(&token("r", "parks", &["reader"], TEST_NOW)),
    )
    .await;
    assert_eq!((bad_id.status, bad_id.problem_kind()), (400, "validation"));
    let no_role = call(
        &deps,
        handle,
        &get("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").bearer(&token("r", "parks", &[], TEST_NOW)),
    )
    .await;
    assert_eq!((no_role.status, no_role.problem_kind()), (403, "forbidden"));
}

/// A record of parks (`classification`) destroyed under an approval by `otto`.
async fn destroyed(store: &MemoryStore, classification: &str) -> shared::model::RecordId {
    use shared::store::DispositionStore;
    let (record, item) = shared::testing::seed_due_item(store, "parks", classification).await;
    let (record, item) = shared::testing::seed_decision(store, &record, &item, true, "otto").await;
    let destruction = item.destroy(&record, TEST_NOW);
    store
        .destroy_record(&destruction, record.record.version)
        .await
        .unwrap();
    item.record
}

#[tokio::test]
async fn a_destroyed_record_is_gone_with_its_tombstone_to_whoever_could_see_it() {
    let deps = deps(MemoryStore::new());
    let id = destroyed(&deps.store, "internal").await;
    let read = |roles: &[&str]| {
        event("GET", "/records/{id}")
            .param("id", id.as_str())
            .bearer(&token("u", "parks", roles, TEST_NOW))
    };
    let response = call(&deps, handle, &read(&["reader"])).await;
    assert_eq!(response.status, 410, "{}", response.body);
    assert_eq!(response.problem_kind(), "gone");
    let tombstone = &response.body["tombstone"];
    assert_eq!(tombstone["id"], id.as_str());
    assert_eq!(tombstone["approved_by"], "otto");
    assert!(
        tombstone["content_hash"]
            .as_str()
            .is_some_and(|h| h.len() == 64)
    );
    assert!(tombstone.get("title").is_none(), "no content stays");

    let secret = destroyed(&deps.store, "confidential").await;
    let read_secret = |roles: &[&str]| {
        event("GET", "/records/{id}")
            .param("id", secret.as_str())
            .bearer(&token("u", "parks", roles, TEST_NOW))
    };
    assert_eq!(
        call(&deps, handle, &read_secret(&["reader"])).await.status,
        404
    );
    assert_eq!(
        call(&deps, handle, &read_secret(&["officer"])).await.status,
        410
    );
    let elsewhere = event("GET", "/records/{id}")
        .param("id", id.as_str())
        .bearer(&token("u", "water", &["officer"], TEST_NOW));
    assert_eq!(call(&deps, handle, &elsewhere).await.status, 404);
}
