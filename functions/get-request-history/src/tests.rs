use serde_json::json;
use shared::model::verify_chain;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, seed_request, token};

use super::handle;

fn history(agency: &str, role: &str) -> shared::http::GatewayEvent {
    event("GET", "/requests/{number}/history")
        .param("number", "2026-0001")
        .bearer(&token("ava", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn auditors_and_officers_read_the_chain_which_verifies() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    for role in ["auditor", "officer"] {
        let response = call(&deps, handle, &history("parks", role)).await;
        assert_eq!(response.status, 200, "{role}");
        let entries: Vec<shared::model::AuditEntry> =
            serde_json::from_value(response.body["items"].clone()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action.as_str(), "request.receive");
        assert!(verify_chain(&entries).is_ok());
        // The first link holds what was asked, not who asked.
        assert!(!response.body.to_string().contains("ada@example.org"));
        assert_eq!(response.body["next_cursor"], json!(null));
    }
}

#[tokio::test]
async fn others_may_not_and_other_agencies_see_nothing() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let clerk = call(&deps, handle, &history("parks", "clerk")).await;
    assert_eq!((clerk.status, clerk.problem_kind()), (403, "forbidden"));
    let other = call(&deps, handle, &history("zoning", "auditor")).await;
    assert_eq!((other.status, other.problem_kind()), (404, "not-found"));
}
