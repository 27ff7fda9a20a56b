use serde_json::Value;
use shared::clock::Timestamp;
use shared::model::Status;
use shared::store::MemoryStore;
use shared::testing::{
    TEST_NOW, call_public, deps, event, seed_plain_record, seed_profile, seed_published,
    seed_record, seed_update,
};

use super::handle;

fn list(agency: &str, query: &str) -> shared::http::GatewayEvent {
    event("GET", "/public/agencies/{agency}/records")
        .param("agency", agency)
        .query(query)
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn only_public_records_most_recently_published_first_in_pages() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let mut published = Vec::new();
    for i in 0..3 {
        let body = serde_json::json!({"title": format!("P{i}"), "classification": "public"});
        let created = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
        let at = TEST_NOW.plus_millis(10 + i);
        published.push(
            seed_update(&deps.store, &created, "olga", at, |r| {
                r.status = Status::Published
            })
            .await,
        );
    }
    seed_plain_record(&deps.store, "parks", "public").await;
    seed_published(&deps.store, "parks", "internal").await;
    seed_published(&deps.store, "parks", "confidential").await;
    seed_profile(&deps.store, "zoning", "Zoning").await;
    seed_published(&deps.store, "zoning", "public").await;

    let first = call_public(&deps, handle, &list("parks", "limit=2")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let newest: Vec<String> = published
        .iter()
        .rev()
        .map(|s| s.record.id.to_string())
        .collect();
    assert_eq!(ids(&first.body), newest[..2]);
    for item in first.body["items"].as_array().unwrap() {
        assert!(item.get("created_by").is_none() && item.get("version").is_none());
    }
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = call_public(
        &deps,
        handle,
        &list("parks", &format!("limit=2&cursor={cursor}")),
    )
    .await;
    assert_eq!(ids(&second.body), newest[2..]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    // A cursor is bound to its agency and filters.
    let elsewhere = call_public(&deps, handle, &list("zoning", &format!("cursor={cursor}"))).await;
    assert_eq!(elsewhere.status, 400);
}

#[tokio::test]
async fn tag_and_year_filters_and_bad_values() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let body = serde_json::json!({"title": "Trees", "classification": "public", "tags": ["trees"]});
    let created = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    let trees = seed_update(&deps.store, &created, "olga", TEST_NOW, |r| {
        r.status = Status::Published
    })
    .await;
    seed_published(&deps.store, "parks", "public").await;
    let tagged = call_public(&deps, handle, &list("parks", "tag=trees")).await;
    assert_eq!(ids(&tagged.body), [trees.record.id.to_string()]);
    // Years are the agency's (Chicago): 2026-01-01T03:00Z is still New Year's Eve there.
    let new_year = Timestamp::from_millis(1_767_236_400_000);
    let created = seed_record(&deps.store, "parks", &body, new_year).await;
    let eve = seed_update(&deps.store, &created, "olga", new_year, |r| {
        r.status = Status::Published
    })
    .await;
    assert_eq!(
        ids(&call_public(&deps, handle, &list("parks", "year=2026"))
            .await
            .body)
        .len(),
        2
    );
    assert_eq!(
        ids(&call_public(&deps, handle, &list("parks", "year=2025"))
            .await
            .body),
        [eve.record.id.to_string()]
    );
    assert!(
        ids(&call_public(&deps, handle, &list("parks", "year=2024"))
            .await
            .body)
        .is_empty()
    );
    for query in [
        "tag=Bad!",
        "year=26",
        "year=1969",
        "year=2286",
        "year=abc",
        "status=draft",
        "limit=101",
    ] {
        let response = call_public(&deps, handle, &list("parks", query)).await;
        assert_eq!(response.status, 400, "{query}");
    }
}

#[tokio::test]
async fn an_agency_without_a_profile_lists_nothing_and_is_missing() {
    let deps = deps(MemoryStore::new());
    seed_published(&deps.store, "parks", "public").await;
    let response = call_public(&deps, handle, &list("parks", "")).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (404, "not-found")
    );
}
