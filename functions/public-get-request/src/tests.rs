use serde_json::json;
use shared::http::GatewayEvent;
use shared::model::{AgencyId, NewMessage, RequestNumber};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call_public, deps, event, seed_profile, seed_request, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

fn page(number: &str) -> GatewayEvent {
    event("GET", "/public/agencies/{agency}/requests/{number}")
        .param("agency", "parks")
        .param("number", number)
}

/// Parks' request 2026-0001, with a public, a requester and an internal message; and its
/// tracking token.
async fn seeded() -> (Deps, String) {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let (mut stored, token) =
        seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    for (body, visibility) in [
        ("We are looking.", "public"),
        ("Which years?", "requester"),
        ("Call the inspector first.", "internal"),
    ] {
        let message =
            NewMessage::from_staff_json(&json!({"body": body, "visibility": visibility})).unwrap();
        let (next, entry) = stored
            .with_message(&message, TEST_NOW, "olga", |_| None)
            .unwrap();
        deps.store
            .update_request(&next, stored.request.version, &entry, None)
            .await
            .unwrap();
        stored = next;
    }
    (deps, token.as_str().to_owned())
}

fn bodies(page: &serde_json::Value) -> Vec<&str> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn anyone_reads_the_public_page_and_no_one_the_requester_or_staff() {
    let (deps, _) = seeded().await;
    let response = call_public(&deps, handle, &page("2026-0001")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(bodies(&response.body), ["We are looking."]);
    assert_eq!(response.body["messages"][0]["from"], "agency");
    assert_eq!(response.body["summary"], "Every permit on Elm Street");
    assert_eq!(response.body["status"], "received");
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let text = response.body.to_string();
    for secret in ["ada@example.org", "Ada", "olga", "inspector", "Which years"] {
        assert!(!text.contains(secret), "{secret}: {text}");
    }
    // A staff token changes nothing: the public edge drops it unread.
    let staff = page("2026-0001").bearer(&token("olga", "parks", &["officer"], TEST_NOW));
    assert_eq!(call_public(&deps, handle, &staff).await.body, response.body);
}

#[tokio::test]
async fn the_tracking_token_opens_the_requesters_own_page_and_only_that() {
    let (deps, tracking) = seeded().await;
    let theirs = page("2026-0001").header("authorization", &format!("Tracking {tracking}"));
    let response = call_public(&deps, handle, &theirs).await;
    assert_eq!(response.status, 200);
    assert_eq!(bodies(&response.body), ["We are looking.", "Which years?"]);
    assert_eq!(response.body["description"], "Every permit on Elm Street");
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    assert!(!response.body.to_string().contains("inspector"));

    let forged = page("2026-0001").header("authorization", &format!("Tracking {}", "A".repeat(43)));
    let refused = call_public(&deps, handle, &forged).await;
    assert_eq!(
        (refused.status, refused.problem_kind()),
        (401, "unauthorized")
    );
    // It asks for what this route takes: a tracking token, not a bearer one.
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Tracking realm=\"records-request\"")
    );
    // Another request's token opens nothing here.
    let (_, second) = seed_request(&deps.store, "parks", "Council minutes for 2025").await;
    let crossed =
        page("2026-0001").header("authorization", &format!("Tracking {}", second.as_str()));
    assert_eq!(call_public(&deps, handle, &crossed).await.status, 401);
}

#[tokio::test]
async fn missing_requests_agencies_and_bad_numbers_are_refused() {
    let (deps, _) = seeded().await;
    assert_eq!(
        call_public(&deps, handle, &page("2026-0009")).await.status,
        404
    );
    assert_eq!(call_public(&deps, handle, &page("26-1")).await.status, 400);
    let elsewhere = event("GET", "/public/agencies/{agency}/requests/{number}")
        .param("agency", "zoning")
        .param("number", "2026-0001");
    assert_eq!(call_public(&deps, handle, &elsewhere).await.status, 404);
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    assert!(
        deps.store
            .get_request(&parks, number)
            .await
            .unwrap()
            .is_some()
    );
}
