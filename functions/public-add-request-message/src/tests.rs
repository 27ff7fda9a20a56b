use serde_json::json;
use shared::http::GatewayEvent;
use shared::model::{AgencyId, RequestNumber, RequestStatus, StoredRequest, Wait};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call_public, deps, event, seed_profile, seed_request};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

fn reply(token: Option<&str>, body: &str) -> GatewayEvent {
    let request = event(
        "POST",
        "/public/agencies/{agency}/requests/{number}/messages",
    )
    .param("agency", "parks")
    .param("number", "2026-0001")
    .json(&json!({"body": body}));
    match token {
        Some(token) => request.header("authorization", &format!("Tracking {token}")),
        None => request,
    }
}

async fn stored(deps: &Deps) -> StoredRequest {
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    deps.store
        .get_request(&parks, number)
        .await
        .unwrap()
        .unwrap()
}

/// Parks' request, staff having asked for a clarification the day it arrived.
async fn awaiting() -> (Deps, String) {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let (first, token) = seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let mut asked = first.clone();
    asked.request.status = RequestStatus::AwaitingClarification;
    asked.request.waits = vec![Wait {
        asked_at: TEST_NOW,
        answered_at: None,
    }];
    asked.request.due_date = None;
    let (next, entry) = first.revise(asked.request, TEST_NOW, "olga").unwrap();
    deps.store
        .update_request(&next, 1, &entry, None)
        .await
        .unwrap();
    (deps, token.as_str().to_owned())
}

#[tokio::test]
async fn the_requesters_answer_starts_the_clock_again() {
    let (deps, token) = awaiting().await;
    let response = call_public(&deps, handle, &reply(Some(&token), "Only 2025, please.")).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(
        response.body,
        json!({"at": TEST_NOW.to_string(), "from": "requester", "visibility": "requester",
               "body": "Only 2025, please."})
    );
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    let now = stored(&deps).await.request;
    assert_eq!(now.status, RequestStatus::InProgress);
    assert_eq!(now.waits[0].answered_at, Some(TEST_NOW));
    // Asked and answered the day it arrived: no day lost.
    assert_eq!(now.due_date, "2026-12-24".parse().ok());
    assert_eq!((now.version, now.updated_by.as_str()), (3, "requester"));
}

#[tokio::test]
async fn without_the_requests_own_token_nothing_is_written() {
    let (deps, _) = awaiting().await;
    let none = call_public(&deps, handle, &reply(None, "Let me in")).await;
    assert_eq!((none.status, none.problem_kind()), (401, "unauthorized"));
    let forged = call_public(&deps, handle, &reply(Some(&"A".repeat(43)), "Let me in")).await;
    assert_eq!(forged.status, 401);
    let (_, other) = seed_request(&deps.store, "parks", "Council minutes for 2025").await;
    let crossed = call_public(&deps, handle, &reply(Some(other.as_str()), "Let me in")).await;
    assert_eq!(crossed.status, 401);
    assert_eq!(stored(&deps).await.request.version, 2);
}

#[tokio::test]
async fn a_closed_request_takes_no_answer_and_bad_ones_are_refused() {
    let (deps, token) = awaiting().await;
    let empty = call_public(&deps, handle, &reply(Some(&token), "  ")).await;
    assert_eq!((empty.status, empty.problem_kind()), (400, "validation"));
    let current = stored(&deps).await;
    let mut closed = current.request.clone();
    closed.status = RequestStatus::Closed;
    let (next, entry) = current.revise(closed, TEST_NOW, "olga").unwrap();
    deps.store
        .update_request(&next, 2, &entry, None)
        .await
        .unwrap();
    let late = call_public(&deps, handle, &reply(Some(&token), "Any news?")).await;
    assert_eq!((late.status, late.problem_kind()), (409, "conflict"));
}
