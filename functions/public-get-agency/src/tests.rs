use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call_public, deps, event, seed_profile, token};

use super::handle;

fn get(agency: &str) -> shared::http::GatewayEvent {
    event("GET", "/public/agencies/{agency}").param("agency", agency)
}

#[tokio::test]
async fn an_agency_with_a_profile_is_public_without_staff_fields() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let response = call_public(&deps, handle, &get("parks")).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({"agency": "parks", "name": "Parks", "description": "",
               "contact_email": "records@parks.example.gov", "website": null,
               "timezone": "America/Chicago"})
    );
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let etag = response.header("etag").unwrap().to_owned();
    let cached = call_public(&deps, handle, &get("parks").header("if-none-match", &etag)).await;
    assert_eq!(cached.status, 304);
    let with_token = get("parks").bearer(&token("x", "zoning", &["reader"], TEST_NOW));
    assert_eq!(
        call_public(&deps, handle, &with_token).await.body,
        response.body
    );
}

#[tokio::test]
async fn an_agency_without_a_profile_is_missing() {
    let deps = deps(MemoryStore::new());
    let response = call_public(&deps, handle, &get("parks")).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (404, "not-found")
    );
    assert_eq!(response.header("cache-control"), Some("public, max-age=10"));
}
