use serde_json::json;
use shared::model::{AgencyId, NewMessage, REQUESTER, RequestNumber};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, seed_request, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

/// Request 2026-0001 of parks with an internal note, a question to the requester and
/// their answer, written through the store as the message routes write them.
async fn seeded() -> Deps {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    let (parks, number) = (
        AgencyId::parse("parks").unwrap(),
        RequestNumber::parse("2026-0001").unwrap(),
    );
    let written = [
        (
            json!({"body": "Ask the permits desk.", "visibility": "internal"}),
            "olga",
        ),
        (
            json!({"body": "Which years?", "visibility": "requester"}),
            "olga",
        ),
    ];
    for (body, actor) in written {
        let message = NewMessage::from_staff_json(&body).unwrap();
        append(&deps, &parks, number, &message, actor).await;
    }
    let answer = NewMessage::from_requester_json(&json!({"body": "2024 and 2025."})).unwrap();
    append(&deps, &parks, number, &answer, REQUESTER).await;
    deps
}

async fn append(
    deps: &Deps,
    agency: &AgencyId,
    number: RequestNumber,
    message: &NewMessage,
    actor: &str,
) {
    let current = deps
        .store
        .get_request(agency, number)
        .await
        .unwrap()
        .unwrap();
    let (next, entry) = current
        .with_message(message, TEST_NOW, actor, |r| r.due_date)
        .unwrap();
    deps.store
        .update_request(&next, current.request.version, &entry, None)
        .await
        .unwrap();
}

fn read(role: &str, agency: &str, number: &str) -> shared::http::GatewayEvent {
    event("GET", "/requests/{number}/messages")
        .param("number", number)
        .bearer(&token("rita", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn any_staff_member_reads_every_message_oldest_first() {
    let deps = seeded().await;
    let response = call(&deps, handle, &read("reader", "parks", "2026-0001")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let said: Vec<(&str, &str, &str)> = response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap(),
                m["visibility"].as_str().unwrap(),
                m["body"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            ("olga", "internal", "Ask the permits desk."),
            ("olga", "requester", "Which years?"),
            ("requester", "requester", "2024 and 2025."),
        ]
    );
}

#[tokio::test]
async fn another_agency_and_an_unknown_number_get_the_same_404() {
    let deps = seeded().await;
    for event in [
        read("officer", "roads", "2026-0001"),
        read("officer", "parks", "2026-0099"),
    ] {
        let response = call(&deps, handle, &event).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (404, "not-found")
        );
    }
    let bad = call(&deps, handle, &read("officer", "parks", "not-a-number")).await;
    assert_eq!(bad.status, 400);
}
