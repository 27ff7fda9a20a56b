use serde_json::Value;
use shared::http::GatewayEvent;
use shared::model::RequestStatus;
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call_public, deps, event, seed_profile, seed_request};

use super::handle;

fn log(agency: &str, query: &str) -> GatewayEvent {
    event("GET", "/public/agencies/{agency}/requests")
        .param("agency", agency)
        .query(query)
}

fn numbers(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_public_log_lists_every_request_newest_first_and_never_who_asked() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    for seq in 1..=3 {
        seed_request(&deps.store, "parks", &format!("Permits, request {seq}")).await;
    }
    let (second, _) = seed_request(&deps.store, "parks", "Council minutes").await;
    let mut closed = second.request.clone();
    closed.status = RequestStatus::Closed;
    closed.summary = Some("Minutes of 2025".into());
    let (next, entry) = second.revise(closed, TEST_NOW, "olga").unwrap();
    deps.store
        .update_request(&next, 1, &entry, None)
        .await
        .unwrap();

    let response = call_public(&deps, handle, &log("parks", "limit=3")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        numbers(&response.body),
        ["2026-0004", "2026-0003", "2026-0002"]
    );
    assert_eq!(response.body["items"][0]["summary"], "Minutes of 2025");
    assert_eq!(response.body["items"][1]["summary"], "Permits, request 3");
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let text = response.body.to_string();
    assert!(
        !text.contains("ada@example.org") && !text.contains("olga"),
        "{text}"
    );
    let cursor = response.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = call_public(
        &deps,
        handle,
        &log("parks", &format!("limit=3&cursor={cursor}")),
    )
    .await;
    assert_eq!(numbers(&rest.body), ["2026-0001"]);

    let closed = call_public(&deps, handle, &log("parks", "status=closed")).await;
    assert_eq!(numbers(&closed.body), ["2026-0004"]);
}

#[tokio::test]
async fn an_agency_without_a_profile_and_bad_queries_are_refused() {
    let deps = deps(MemoryStore::new());
    assert_eq!(
        call_public(&deps, handle, &log("parks", "")).await.status,
        404
    );
    seed_profile(&deps.store, "parks", "Parks").await;
    for bad in ["status=lost", "assignee=olga", "limit=1000"] {
        let response = call_public(&deps, handle, &log("parks", bad)).await;
        assert_eq!(response.status, 400, "{bad}");
    }
}
