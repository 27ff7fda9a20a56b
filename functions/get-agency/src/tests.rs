use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, token};

use super::handle;

fn get(agency: &str) -> shared::http::GatewayEvent {
    event("GET", "/agency").bearer(&token("r", agency, &["reader"], TEST_NOW))
}

#[tokio::test]
async fn returns_the_callers_profile_with_its_etag() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let response = call(&deps, handle, &get("parks")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(
        response.body,
        json!({"agency": "parks", "name": "Parks", "description": "",
               "contact_email": "records@parks.example.gov", "website": null,
               "timezone": "America/Chicago", "version": 1,
               "requests": {"days_to_respond": 20, "counting": "business", "holidays": [],
                            "office_closes": "17:00", "extension_days": 10,
                            "on_clarification": "pause",
                            "notices": ["acknowledgement", "clarification", "extension", "closure"]},
               "updated_at": TEST_NOW.to_string(), "updated_by": "olga"})
    );
    let cached = call(
        &deps,
        handle,
        &get("parks").header("if-none-match", "\"1\""),
    )
    .await;
    assert_eq!((cached.status, cached.body.is_null()), (304, true));
}

#[tokio::test]
async fn an_agency_without_a_profile_is_404_and_agencies_see_only_their_own() {
    let deps = deps(MemoryStore::new());
    assert_eq!(call(&deps, handle, &get("parks")).await.status, 404);
    seed_profile(&deps.store, "parks", "Parks").await;
    let other = call(&deps, handle, &get("zoning")).await;
    assert_eq!((other.status, other.problem_kind()), (404, "not-found"));
    let anonymous = call(&deps, handle, &event("GET", "/agency")).await;
    assert_eq!(anonymous.status, 401);
}
