use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::model::{RecordsRequest, RequestStatus};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, seed_request, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

/// Parks' requests 1 to 5 (due 24 December 2026, as filed at TEST_NOW), changed by
/// `change` one by one.
async fn seeded(change: impl Fn(u32, &mut RecordsRequest)) -> Deps {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    for seq in 1..=5 {
        let (stored, _) =
            seed_request(&deps.store, "parks", &format!("Permits, request {seq}")).await;
        let mut next = stored.request.clone();
        change(seq, &mut next);
        if let Some((next, entry)) = stored.revise(next, TEST_NOW, "olga") {
            deps.store
                .update_request(&next, 1, &entry, None)
                .await
                .unwrap();
        }
    }
    deps
}

fn queue(query: &str) -> GatewayEvent {
    event("GET", "/requests")
        .query(query)
        .bearer(&token("rita", "parks", &["reader"], TEST_NOW))
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
async fn the_queue_is_due_soonest_first_and_filters_as_asked() {
    let deps = seeded(|seq, r| match seq {
        1 => r.due_date = "2026-12-30".parse().ok(),
        2 => r.assignee = Some("olga".into()),
        3 => r.due_date = "2026-11-20".parse().ok(),
        4 => {
            r.status = RequestStatus::AwaitingClarification;
            r.due_date = None;
        }
        _ => r.status = RequestStatus::Closed,
    })
    .await;
    let all = call(&deps, handle, &queue("")).await;
    assert_eq!(all.status, 200, "{}", all.body);
    // 3 is overdue (due 20 November, today 26 November), 2 is due 24 December, then 1;
    // 4 waits for the requester; 5 is closed.
    assert_eq!(
        numbers(&all.body),
        ["2026-0003", "2026-0002", "2026-0001", "2026-0004"]
    );
    assert_eq!(
        all.body["items"][0]["requester"]["email"],
        "ada@example.org"
    );

    let cases = [
        ("overdue=true", vec!["2026-0003"]),
        ("assignee=olga", vec!["2026-0002"]),
        ("due_before=2026-12-24", vec!["2026-0003", "2026-0002"]),
        ("status=awaiting_clarification", vec!["2026-0004"]),
        ("status=closed", vec!["2026-0005"]),
        (
            "overdue=false&status=received",
            vec!["2026-0002", "2026-0001"],
        ),
    ];
    for (query, expected) in cases {
        let response = call(&deps, handle, &queue(query)).await;
        assert_eq!(numbers(&response.body), expected, "{query}");
    }
}

#[tokio::test]
async fn pages_follow_their_cursor_which_is_bound_to_the_filter() {
    let deps = seeded(|_, _| {}).await;
    let first = call(&deps, handle, &queue("limit=2")).await;
    assert_eq!(numbers(&first.body), ["2026-0001", "2026-0002"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = call(&deps, handle, &queue(&format!("limit=2&cursor={cursor}"))).await;
    assert_eq!(numbers(&second.body), ["2026-0003", "2026-0004"]);
    let other = call(
        &deps,
        handle,
        &queue(&format!("limit=2&overdue=true&cursor={cursor}")),
    )
    .await;
    assert_eq!(other.status, 400);
    for bad in [
        "status=lost",
        "overdue=yes",
        "due_before=soon",
        "limit=0",
        "sort=due",
    ] {
        let response = call(&deps, handle, &queue(bad)).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn another_agency_sees_an_empty_queue() {
    let deps = seeded(|_, _| {}).await;
    let other = event("GET", "/requests").bearer(&token("hal", "harbour", &["officer"], TEST_NOW));
    let response = call(&deps, handle, &other).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["items"], json!([]));
}
