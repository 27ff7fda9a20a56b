use serde_json::{Value, json};
use shared::model::{ContentType, RecordId, Status, document_limits, sha256_base64};
use shared::store::{AuditLog, DocumentStore, RecordStore};
use shared::testing::{
    TEST_NOW, call, document_deps, event, seed_document, seed_plain_record, token,
};

use super::handle;

fn body() -> Value {
    json!({"filename": "Minutes.pdf", "content_type": "application/pdf", "size": 1000,
           "sha256": sha256_base64(b"x")})
}

fn post(id: &str, roles: &[&str], agency: &str) -> shared::http::GatewayEvent {
    event("POST", "/records/{id}/documents")
        .param("id", id)
        .bearer(&token("clara", agency, roles, TEST_NOW))
}

#[tokio::test]
async fn announces_a_pending_document_with_a_bound_upload_url() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "internal").await;
    let id = record.record.id.as_str();
    let response = call(&deps, handle, &post(id, &["clerk"], "parks").json(&body())).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let document = &response.body["document"];
    assert_eq!(document["status"], "pending");
    assert_eq!(document["record_id"], id);
    assert_eq!(document["created_by"], "clara");
    assert_eq!(document["size"], 1000);
    let doc_id = document["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/records/{id}/documents/{doc_id}").as_str())
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let upload = &response.body["upload"];
    assert_eq!(upload["method"], "PUT");
    let url = upload["url"].as_str().unwrap();
    assert!(
        url.contains(&format!("/documents/parks/{id}/{doc_id}?")),
        "{url}"
    );
    assert!(
        !url.contains("Minutes"),
        "the key never carries the filename"
    );
    let headers: Vec<(String, String)> = serde_json::from_value::<
        std::collections::BTreeMap<String, String>,
    >(upload["headers"].clone())
    .unwrap()
    .into_iter()
    .collect();
    assert!(headers.contains(&("content-type".into(), "application/pdf".into())));
    assert!(headers.contains(&("content-length".into(), "1000".into())));
    assert_eq!(
        upload["expires_at"], "2026-11-26T10:36:38.000Z",
        "15 minutes"
    );

    let stored = deps
        .store
        .get_record(&record.record.agency, &record.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.documents, 1);
    assert_eq!(
        stored.record.version, 1,
        "the record's content and version are unchanged"
    );
    let history = deps
        .store
        .history(&record.record.agency, &record.record.id, 10, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 2);
    assert_eq!(history.items[1].action.as_str(), "document.add");
    let listed = deps
        .store
        .list_documents(&record.record.agency, &record.record.id, 10, None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn refuses_bad_bodies_readers_other_agencies_and_archived_records() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "internal").await;
    let id = record.record.id.as_str();
    let mut big = body();
    big["size"] = json!(deps.max_document_bytes + 1);
    let bad =
        json!({"filename": "../etc/passwd", "content_type": "text/html", "size": 0, "sha256": "x"});
    for (request, status, kind) in [
        (post(id, &["clerk"], "parks").json(&big), 400, "validation"),
        (post(id, &["clerk"], "parks").json(&bad), 400, "validation"),
        (
            post(id, &["clerk"], "parks").text("{}"),
            415,
            "unsupported-media-type",
        ),
        (
            post(id, &["reader"], "parks").json(&body()),
            403,
            "forbidden",
        ),
        (
            post(id, &["clerk"], "water").json(&body()),
            404,
            "not-found",
        ),
        (
            post("nope", &["clerk"], "parks").json(&body()),
            400,
            "validation",
        ),
    ] {
        let response = call(&deps, handle, &request).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (status, kind),
            "{}",
            response.body
        );
    }
    let bad_response = call(&deps, handle, &post(id, &["clerk"], "parks").json(&bad)).await;
    assert_eq!(bad_response.body["errors"].as_array().unwrap().len(), 4);

    shared::testing::seed_update(&deps.store, &record, "o", TEST_NOW, |record| {
        record.status = Status::Archived;
    })
    .await;
    let response = call(&deps, handle, &post(id, &["clerk"], "parks").json(&body())).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (409, "conflict")
    );
    let stored = deps
        .store
        .get_record(&record.record.agency, &record.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.documents, 0, "nothing written on refusal");
}

#[tokio::test]
async fn a_record_holds_at_most_a_hundred_documents() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "public").await;
    for _ in 0..document_limits::DOCUMENTS_PER_RECORD {
        seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-").await;
    }
    let response = call(
        &deps,
        handle,
        &post(record.record.id.as_str(), &["clerk"], "parks").json(&body()),
    )
    .await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (409, "conflict")
    );
    assert!(response.body["detail"].as_str().unwrap().contains("100"));
}

#[tokio::test]
async fn confidential_records_are_invisible_to_clerks() {
    let deps = document_deps();
    let record = seed_plain_record(&deps.store, "parks", "confidential").await;
    let id = record.record.id.as_str();
    let response = call(&deps, handle, &post(id, &["clerk"], "parks").json(&body())).await;
    assert_eq!(response.status, 404);
    let response = call(
        &deps,
        handle,
        &post(id, &["officer"], "parks").json(&body()),
    )
    .await;
    assert_eq!(response.status, 201);
    assert!(RecordId::parse(id).is_some());
}
