use serde_json::{Value, json};
use shared::model::{ContentType, Status};
use shared::testing::{
    TEST_NOW, call, event, index_everything, put_blob, search_deps, seed_document, seed_record,
    seed_update, settle_document, token,
};

use super::handle;

fn search(query: &str, roles: &[&str]) -> shared::http::GatewayEvent {
    event("GET", "/search")
        .query(query)
        .bearer(&token("sam", "parks", roles, TEST_NOW))
}

fn titles(body: &Value) -> Vec<String> {
    let mut titles: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["record"]["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn finds_what_the_caller_may_see_with_highlights_in_pages() {
    let (deps, blobs) = search_deps();
    for (title, classification) in [
        ("Water main permit", "public"),
        ("Water tower plans", "internal"),
        ("Water source study", "confidential"),
        ("Park benches", "public"),
    ] {
        let body = json!({"title": title, "classification": classification, "tags": ["works"]});
        seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    }
    seed_record(
        &deps.store,
        "roads",
        &json!({"title": "Water for roads", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    index_everything(&deps, &blobs).await;

    let clerk = call(&deps, handle, &search("q=water", &["clerk"])).await;
    assert_eq!(clerk.status, 200, "{}", clerk.body);
    assert_eq!(
        titles(&clerk.body),
        ["Water main permit", "Water tower plans"]
    );
    assert_eq!(clerk.body["total"], 2);
    let hit = &clerk.body["items"][0];
    assert_eq!(hit["highlights"]["title"][0]["matches"], json!([[0, 5]]));
    assert!(
        hit["record"]["created_by"].is_string(),
        "staff get the staff view"
    );
    assert!(hit["score"].as_f64().unwrap() > 0.0);

    let officer = call(&deps, handle, &search("q=water", &["officer"])).await;
    assert_eq!(officer.body["total"], 3);
    let first = call(&deps, handle, &search("q=water&limit=2", &["officer"])).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = call(
        &deps,
        handle,
        &search(&format!("q=water&limit=2&cursor={cursor}"), &["officer"]),
    )
    .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let other_query = call(
        &deps,
        handle,
        &search(&format!("q=park&cursor={cursor}"), &["officer"]),
    )
    .await;
    assert_eq!(other_query.status, 400, "a cursor is bound to its query");

    let filtered = call(
        &deps,
        handle,
        &search("q=water&classification=internal", &["officer"]),
    )
    .await;
    assert_eq!(titles(&filtered.body), ["Water tower plans"]);
    let none = call(
        &deps,
        handle,
        &search("q=water&status=published", &["officer"]),
    )
    .await;
    assert_eq!(none.body["total"], 0);
    let dated = call(
        &deps,
        handle,
        &search("q=water&from=2026-11-27", &["officer"]),
    )
    .await;
    assert_eq!(dated.body["total"], 0);
    let dated = call(
        &deps,
        handle,
        &search("q=water&from=2026-11-26&to=2026-11-26", &["officer"]),
    )
    .await;
    assert_eq!(dated.body["total"], 3);
}

#[tokio::test]
async fn document_text_and_file_names_are_searched() {
    let (deps, blobs) = search_deps();
    let record = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "Minutes", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let record = seed_update(&deps.store, &record, "olga", TEST_NOW, |r| {
        r.status = Status::Published
    })
    .await;
    let bytes = b"Sidewalk repairs: 40,000";
    let document = seed_document(&deps.store, &record, ContentType::PlainText, bytes).await;
    put_blob(&blobs, &document.object_key(), bytes);
    settle_document(&deps.store, &document, None).await;
    index_everything(&deps, &blobs).await;
    let found = call(&deps, handle, &search("q=sidewalk", &["reader"])).await;
    assert_eq!(titles(&found.body), ["Minutes"], "{}", found.body);
    assert_eq!(
        found.body["items"][0]["highlights"]["content"][0]["text"],
        "Sidewalk repairs: 40,000"
    );
    let by_name = call(&deps, handle, &search("q=scan", &["reader"])).await;
    assert_eq!(by_name.body["total"], 1);
}

#[tokio::test]
async fn bad_queries_are_400s_naming_the_position() {
    let (deps, _blobs) = search_deps();
    for query in [
        "q=%22open",
        "q=a*b",
        "q=colour:red",
        "q=x&from=2026-13-01",
        "q=x&status=open",
        "q=x&tag=A",
        "q=x&unknown=1",
        "q=x&limit=0",
    ] {
        let response = call(&deps, handle, &search(query, &["reader"])).await;
        assert_eq!(response.status, 400, "{query}: {}", response.body);
    }
    let response = call(&deps, handle, &search("q=park%20%22open", &["reader"])).await;
    assert!(
        response.body.to_string().contains("at character 5"),
        "{}",
        response.body
    );
    let nothing_yet = call(&deps, handle, &search("q=park", &["reader"])).await;
    assert_eq!(
        (nothing_yet.status, nothing_yet.body["total"].clone()),
        (200, json!(0))
    );
    let anonymous = call(&deps, handle, &event("GET", "/search").query("q=park")).await;
    assert_eq!(anonymous.status, 401);
}
