use shared::model::ContentType;
use shared::testing::{
    TEST_NOW, call, document_deps, event, seed_document, seed_plain_record, settle_document, token,
};

use super::handle;

fn get(record: &str, doc: &str, roles: &[&str], agency: &str) -> shared::http::GatewayEvent {
    event("GET", "/records/{id}/documents/{doc_id}")
        .param("id", record)
        .param("doc_id", doc)
        .bearer(&token("r", agency, roles, TEST_NOW))
}

#[tokio::test]
async fn pending_documents_have_no_download_and_available_ones_do() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "public").await;
    let document = seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.7").await;
    let (rid, did) = (record.record.id.as_str(), document.id.as_str());
    let response = call(&deps, handle, &get(rid, did, &["reader"], "parks")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["status"], "pending");
    assert!(response.body.get("download").is_none());

    settle_document(&deps.store, &document, None).await;
    let response = call(&deps, handle, &get(rid, did, &["reader"], "parks")).await;
    assert_eq!(response.body["status"], "available");
    let url = response.body["download"]["url"].as_str().unwrap();
    assert!(url.contains(&document.object_key()), "{url}");
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    assert_eq!(
        response.body["download"]["expires_at"], "2026-11-26T10:26:38.000Z",
        "5 minutes"
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn quarantined_documents_are_never_served() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "public").await;
    let document = seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.7").await;
    settle_document(
        &deps.store,
        &document,
        Some("content is not application/pdf"),
    )
    .await;
    let response = call(
        &deps,
        handle,
        &get(
            record.record.id.as_str(),
            document.id.as_str(),
            &["officer"],
            "parks",
        ),
    )
    .await;
    assert_eq!(response.body["status"], "quarantined");
    assert_eq!(
        response.body["quarantine_reason"],
        "content is not application/pdf"
    );
    assert!(response.body.get("download").is_none());
}

#[tokio::test]
async fn other_agencies_hidden_records_and_unknown_ids_are_404() {
    let deps = document_deps();
    let public = seed_plain_record(&deps.store, "parks", "public").await;
    let secret = seed_plain_record(&deps.store, "parks", "confidential").await;
    let doc = seed_document(&deps.store, &public, ContentType::Pdf, b"%PDF-").await;
    let hidden = seed_document(&deps.store, &secret, ContentType::Pdf, b"%PDF-").await;
    let (pid, sid) = (public.record.id.as_str(), secret.record.id.as_str());
    for (request, status) in [
        (get(pid, doc.id.as_str(), &["reader"], "water"), 404),
        (get(sid, hidden.id.as_str(), &["clerk"], "parks"), 404),
        (get(pid, hidden.id.as_str(), &["officer"], "parks"), 404),
        (
            get(pid, "01KBXQ8F0000000000000000D1", &["reader"], "parks"),
            404,
        ),
        (get(pid, "nope", &["reader"], "parks"), 400),
        (get(sid, hidden.id.as_str(), &["officer"], "parks"), 200),
    ] {
        assert_eq!(call(&deps, handle, &request).await.status, status);
    }
}
