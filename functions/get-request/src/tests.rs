use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, seed_request, token};

use super::handle;

fn get(number: &str, agency: &str, role: &str) -> shared::http::GatewayEvent {
    event("GET", "/requests/{number}")
        .param("number", number)
        .bearer(&token("rita", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn staff_read_a_request_with_its_requester_and_etag() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let (stored, _) = seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let response = call(&deps, handle, &get("2026-0001", "parks", "reader")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(
        response.body,
        serde_json::to_value(&stored.request).unwrap()
    );
    assert_eq!(response.body["requester"]["email"], "ada@example.org");
    assert_eq!(response.body["due_date"], "2026-12-24");
    // The token's digest is the store's business, not the answer's.
    assert!(response.body.get("tracking_digest").is_none());

    let cached = call(
        &deps,
        handle,
        &get("2026-0001", "parks", "reader").header("if-none-match", "\"1\""),
    )
    .await;
    assert_eq!((cached.status, cached.body.is_null()), (304, true));
}

#[tokio::test]
async fn another_agencys_request_a_missing_one_and_a_bad_number_are_not_found() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let other = call(&deps, handle, &get("2026-0001", "zoning", "officer")).await;
    assert_eq!((other.status, other.problem_kind()), (404, "not-found"));
    let missing = call(&deps, handle, &get("2026-0002", "parks", "officer")).await;
    assert_eq!(missing.status, 404);
    let bad = call(&deps, handle, &get("2026-42", "parks", "officer")).await;
    assert_eq!((bad.status, bad.problem_kind()), (400, "validation"));
    let nobody = event("GET", "/requests/{number}").param("number", "2026-0001");
    assert_eq!(call(&deps, handle, &nobody).await.status, 401);
}
