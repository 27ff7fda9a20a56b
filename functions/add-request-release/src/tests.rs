use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::model::{AgencyId, ContentType, RequestNumber, StoredRecord};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{
    TEST_NOW, call, deps, event, seed_document, seed_profile, seed_published, seed_request,
    settle_document, token,
};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

fn release(role: &str, agency: &str, body: &Value) -> GatewayEvent {
    event("POST", "/requests/{number}/releases")
        .param("number", "2026-0001")
        .bearer(&token("olga", agency, &[role], TEST_NOW))
        .json(body)
}

fn ids(record: &StoredRecord, document: &shared::model::Document) -> Value {
    json!({"record_id": record.record.id, "document_id": document.id})
}

async fn released(deps: &Deps) -> u32 {
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    let stored = deps
        .store
        .get_request(&parks, number)
        .await
        .unwrap()
        .unwrap();
    stored.request.released
}

#[tokio::test]
async fn an_available_document_of_a_public_record_is_released_once() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let record = seed_published(&deps.store, "parks", "public").await;
    let pending = seed_document(&deps.store, &record, ContentType::PlainText, b"permits").await;
    let document = settle_document(&deps.store, &pending, None).await;

    let response = call(
        &deps,
        handle,
        &release("clerk", "parks", &ids(&record, &document)),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.body["document_id"], json!(document.id));
    assert_eq!(response.body["size"], 7);
    assert_eq!(released(&deps).await, 1);
    let again = call(
        &deps,
        handle,
        &release("clerk", "parks", &ids(&record, &document)),
    )
    .await;
    assert_eq!((again.status, again.problem_kind()), (409, "conflict"));
    assert_eq!(released(&deps).await, 1);
}

#[tokio::test]
async fn only_what_anyone_may_download_is_released() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let public = seed_published(&deps.store, "parks", "public").await;
    let pending = seed_document(&deps.store, &public, ContentType::PlainText, b"permits").await;
    let internal = seed_published(&deps.store, "parks", "internal").await;
    let kept = seed_document(&deps.store, &internal, ContentType::PlainText, b"memo").await;
    let kept = settle_document(&deps.store, &kept, None).await;
    for body in [
        // Not yet verified.
        ids(&public, &pending),
        // Of a record the public may not read.
        ids(&internal, &kept),
        json!({"record_id": "nope", "document_id": "nope"}),
    ] {
        let response = call(&deps, handle, &release("clerk", "parks", &body)).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{body}"
        );
    }
    let reader = call(
        &deps,
        handle,
        &release("reader", "parks", &ids(&public, &pending)),
    )
    .await;
    assert_eq!(reader.status, 403);
    // Zoning has no request 2026-0001: 404, whatever the document.
    let no_request = call(
        &deps,
        handle,
        &release("officer", "zoning", &ids(&public, &pending)),
    )
    .await;
    assert_eq!(no_request.status, 404);
    // With one, parks' document is still not zoning's to release.
    seed_profile(&deps.store, "zoning", "Zoning").await;
    seed_request(&deps.store, "zoning", "Every variance of 2025").await;
    let settled = settle_document(&deps.store, &pending, None).await;
    let other = call(
        &deps,
        handle,
        &release("officer", "zoning", &ids(&public, &settled)),
    )
    .await;
    assert_eq!(other.status, 400, "{}", other.body);
    assert_eq!(released(&deps).await, 0);
}
