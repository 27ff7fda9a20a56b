use shared::model::{ContentType, RecordId};
use shared::testing::{
    TEST_NOW, call_public, document_deps, event, seed_document, seed_plain_record, seed_profile,
    seed_published, settle_document,
};

use super::handle;

fn get(agency: &str, record: &str, doc: &str) -> shared::http::GatewayEvent {
    event(
        "GET",
        "/public/agencies/{agency}/records/{id}/documents/{doc_id}",
    )
    .param("agency", agency)
    .param("id", record)
    .param("doc_id", doc)
}

#[tokio::test]
async fn an_available_document_redirects_to_a_short_lived_attachment() {
    let deps = document_deps();
    seed_profile(&deps.store, "parks", "Parks").await;
    let record = seed_published(&deps.store, "parks", "public").await;
    let document = seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.7").await;
    settle_document(&deps.store, &document, None).await;
    let response = call_public(
        &deps,
        handle,
        &get("parks", record.record.id.as_str(), document.id.as_str()),
    )
    .await;
    assert_eq!(response.status, 302);
    let url = response.header("location").unwrap();
    assert!(url.contains(&document.object_key()), "{url}");
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
}

#[tokio::test]
async fn no_other_document_is_served() {
    let deps = document_deps();
    seed_profile(&deps.store, "parks", "Parks").await;
    let public = seed_published(&deps.store, "parks", "public").await;
    let pending = seed_document(&deps.store, &public, ContentType::Pdf, b"%PDF-1.7").await;
    let quarantined = seed_document(&deps.store, &public, ContentType::Pdf, b"nope").await;
    settle_document(&deps.store, &quarantined, Some("not a PDF")).await;
    let mut hidden = Vec::new();
    for record in [
        seed_plain_record(&deps.store, "parks", "public").await,
        seed_published(&deps.store, "parks", "internal").await,
        seed_published(&deps.store, "water", "public").await,
    ] {
        let document = seed_document(&deps.store, &record, ContentType::Pdf, b"%PDF-1.7").await;
        settle_document(&deps.store, &document, None).await;
        hidden.push((
            record.record.agency.to_string(),
            record.record.id,
            document.id,
        ));
    }
    hidden.push(("parks".into(), public.record.id.clone(), pending.id));
    hidden.push(("parks".into(), public.record.id.clone(), quarantined.id));
    // A document named under a record that does not exist.
    let elsewhere = hidden[0].2.clone();
    hidden.push(("parks".into(), RecordId::generate(TEST_NOW), elsewhere));
    for (agency, record, document) in hidden {
        let response = call_public(
            &deps,
            handle,
            &get(&agency, record.as_str(), document.as_str()),
        )
        .await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (404, "not-found"),
            "{agency}/{record}/{document}"
        );
        assert_eq!(response.header("location"), None);
    }
}
