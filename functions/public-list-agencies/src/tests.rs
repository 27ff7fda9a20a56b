use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{call_public, deps, event, seed_profile, seed_published};

use super::handle;

#[tokio::test]
async fn lists_the_agencies_with_a_profile_by_id_in_pages() {
    let deps = deps(MemoryStore::new());
    for (agency, name) in [("zoning", "Zoning"), ("parks", "Parks"), ("water", "Water")] {
        seed_profile(&deps.store, agency, name).await;
    }
    // An agency with records but no profile does not appear.
    seed_published(&deps.store, "roads", "public").await;
    let first = call_public(
        &deps,
        handle,
        &event("GET", "/public/agencies").query("limit=2"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body["items"],
        json!([{"agency": "parks", "name": "Parks", "description": "", "website": null},
               {"agency": "water", "name": "Water", "description": "", "website": null}])
    );
    assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = call_public(
        &deps,
        handle,
        &event("GET", "/public/agencies").query(&format!("limit=2&cursor={cursor}")),
    )
    .await;
    assert_eq!(second.body["items"][0]["agency"], "zoning");
    assert_eq!(second.body["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn bad_queries_are_400() {
    let deps = deps(MemoryStore::new());
    for query in ["limit=0", "cursor=forged", "status=draft"] {
        let response = call_public(
            &deps,
            handle,
            &event("GET", "/public/agencies").query(query),
        )
        .await;
        assert_eq!(response.status, 400, "{query}");
    }
}
