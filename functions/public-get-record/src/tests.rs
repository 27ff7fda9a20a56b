use serde_json::{Value, json};
use shared::model::{ContentType, Status};
use shared::store::MemoryStore;
use shared::testing::{
    TEST_NOW, call_public, deps, event, seed_document, seed_plain_record, seed_profile,
    seed_published, seed_update, settle_document, token,
};

use super::handle;

fn get(agency: &str, id: &str) -> shared::http::GatewayEvent {
    event("GET", "/public/agencies/{agency}/records/{id}")
        .param("agency", agency)
        .param("id", id)
}

#[tokio::test]
async fn a_published_public_record_is_read_without_a_token_and_cached() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let record = seed_published(&deps.store, "parks", "public").await;
    let id = record.record.id.as_str();
    let response = call_public(&deps, handle, &get("parks", id)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.body,
        json!({"id": id, "agency": "parks", "title": "T", "description": "", "tags": [],
               "status": "published", "published_at": TEST_NOW.plus_millis(1).to_string(),
               "updated_at": TEST_NOW.plus_millis(1).to_string(), "documents": []})
    );
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    for absent in ["vary", "set-cookie"] {
        assert_eq!(response.header(absent), None, "{absent}");
    }
    let etag = response.header("etag").unwrap().to_owned();
    let cached = call_public(
        &deps,
        handle,
        &get("parks", id).header("if-none-match", &etag),
    )
    .await;
    assert_eq!((cached.status, cached.body.clone()), (304, Value::Null));
    assert_eq!(cached.header("etag"), Some(etag.as_str()));

    // A token is ignored, even a bad one: the answer is the same.
    let with_token = get("parks", id).bearer(&token("olga", "parks", &["officer"], TEST_NOW));
    let forged = get("parks", id).header("authorization", "Bearer not-a-token");
    for request in [with_token, forged] {
        let answer = call_public(&deps, handle, &request).await;
        assert_eq!((answer.status, answer.body), (200, response.body.clone()));
    }
}

#[tokio::test]
async fn archiving_keeps_the_record_public_and_its_publication_date() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let published = seed_published(&deps.store, "parks", "public").await;
    let archived = seed_update(
        &deps.store,
        &published,
        "olga",
        TEST_NOW.plus_millis(5),
        |r| {
            r.status = Status::Archived;
        },
    )
    .await;
    let response = call_public(&deps, handle, &get("parks", archived.record.id.as_str())).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "archived");
    assert_eq!(
        response.body["published_at"],
        TEST_NOW.plus_millis(1).to_string()
    );
}

#[tokio::test]
async fn only_available_documents_are_listed_and_a_settlement_changes_the_etag() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let record = seed_published(&deps.store, "parks", "public").await;
    let available = seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.7").await;
    let pending = seed_document(&deps.store, &record, ContentType::PlainText, b"text").await;
    let quarantined = seed_document(&deps.store, &record, ContentType::Png, b"nope").await;
    settle_document(&deps.store, &quarantined, Some("not a PNG")).await;
    let id = record.record.id.as_str();
    let before = call_public(&deps, handle, &get("parks", id)).await;
    settle_document(&deps.store, &available, None).await;
    let after = call_public(&deps, handle, &get("parks", id)).await;
    assert_eq!(before.body["documents"], json!([]));
    assert_eq!(
        after.body["documents"],
        json!([{"id": available.id, "filename": available.filename, "content_type": "application/pdf",
                "size": 8, "sha256": available.sha256}])
    );
    assert_ne!(before.header("etag"), after.header("etag"));
    assert!(!after.body.to_string().contains(pending.id.as_str()));
}

/// The 404 of a public route, without its `instance` (the path asked for).
fn not_found(response: &shared::testing::TestResponse) -> (u16, Value, Option<String>) {
    let mut body = response.body.clone();
    body.as_object_mut().unwrap().remove("instance");
    let cache = response.header("cache-control").map(str::to_owned);
    (response.status, body, cache)
}

#[tokio::test]
async fn whatever_is_not_public_answers_exactly_as_missing() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_profile(&deps.store, "zoning", "Zoning").await;
    let draft = seed_plain_record(&deps.store, "parks", "public").await;
    let internal = seed_published(&deps.store, "parks", "internal").await;
    let confidential = seed_published(&deps.store, "parks", "confidential").await;
    let zoning = seed_published(&deps.store, "zoning", "public").await;
    let unprofiled = seed_published(&deps.store, "water", "public").await;
    let missing = shared::model::RecordId::generate(TEST_NOW);

    let expected = not_found(&call_public(&deps, handle, &get("parks", missing.as_str())).await);
    assert_eq!(expected.0, 404);
    assert_eq!(expected.2.as_deref(), Some("public, max-age=10"));
    for (agency, id, what) in [
        ("parks", draft.record.id.as_str(), "a draft"),
        ("parks", internal.record.id.as_str(), "an internal record"),
        (
            "parks",
            confidential.record.id.as_str(),
            "a confidential record",
        ),
        (
            "parks",
            zoning.record.id.as_str(),
            "another agency's record",
        ),
        (
            "water",
            unprofiled.record.id.as_str(),
            "an agency without a profile",
        ),
        ("nowhere", missing.as_str(), "an unknown agency"),
    ] {
        let response = call_public(&deps, handle, &get(agency, id)).await;
        assert_eq!(not_found(&response), expected, "{what}");
    }
}

#[tokio::test]
async fn malformed_ids_are_400_problems() {
    let deps = deps(MemoryStore::new());
    for (agency, id) in [("Parks!", "01KBXQ7R5M3N8P2V6W9Y4Z0A1B"), ("parks", "x")] {
        let response = call_public(&deps, handle, &get(agency, id)).await;
        assert_eq!(
            (response.status, response.header("content-type")),
            (400, Some("application/problem+json"))
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }
}
