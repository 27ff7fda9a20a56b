use serde_json::json;
use shared::model::ContentType;
use shared::testing::{
    TEST_NOW, call, deps, event, seed_document, seed_plain_record, seed_record, token,
};

use super::handle;

fn list(record: &str, query: &str, roles: &[&str], agency: &str) -> shared::http::GatewayEvent {
    event("GET", "/records/{id}/documents")
        .param("id", record)
        .query(query)
        .bearer(&token("r", agency, roles, TEST_NOW))
}

#[tokio::test]
async fn pages_through_a_records_documents_in_creation_order() {
    let deps = deps(shared::store::MemoryStore::new());
    let record = seed_plain_record(&deps.store, "parks", "public").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-")
                .await
                .id
                .to_string(),
        );
    }
    ids.sort();
    let rid = record.record.id.as_str();
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let response = call(&deps, handle, &list(rid, &query, &["reader"], "parks")).await;
        assert_eq!(response.status, 200, "{}", response.body);
        for item in response.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match response.body["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn cursors_agencies_and_visibility_are_enforced() {
    let deps = deps(shared::store::MemoryStore::new());
    let record = seed_plain_record(&deps.store, "parks", "confidential").await;
    let other = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "U", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    for _ in 0..3 {
        seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-").await;
        seed_document(&deps.store, &other, ContentType::Pdf, b"%PDF-").await;
    }
    let (rid, oid) = (record.record.id.as_str(), other.record.id.as_str());
    assert_eq!(
        call(&deps, handle, &list(rid, "", &["clerk"], "parks"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&deps, handle, &list(oid, "", &["reader"], "water"))
            .await
            .status,
        404
    );
    let page = call(&deps, handle, &list(rid, "limit=1", &["officer"], "parks")).await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    // A cursor of one record's documents does not page another's.
    let reused = call(
        &deps,
        handle,
        &list(oid, &format!("cursor={cursor}"), &["officer"], "parks"),
    )
    .await;
    assert_eq!((reused.status, reused.problem_kind()), (400, "validation"));
    let unknown = call(&deps, handle, &list(oid, "sort=name", &["reader"], "parks")).await;
    assert_eq!(unknown.status, 400);
}
