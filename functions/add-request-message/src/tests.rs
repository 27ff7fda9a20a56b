use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::model::{AgencyId, RequestNumber};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_profile, seed_request, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

async fn seeded() -> Deps {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    deps
}

fn write(role: &str, agency: &str, body: &Value) -> GatewayEvent {
    event("POST", "/requests/{number}/messages")
        .param("number", "2026-0001")
        .bearer(&token("olga", agency, &[role], TEST_NOW))
        .json(body)
}

async fn version(deps: &Deps) -> u64 {
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    let stored = deps
        .store
        .get_request(&parks, number)
        .await
        .unwrap()
        .unwrap();
    stored.request.version
}

#[tokio::test]
async fn staff_write_a_message_on_the_requests_chain() {
    let deps = seeded().await;
    let body = json!({"body": "Which years do you mean?", "visibility": "requester"});
    let response = call(&deps, handle, &write("clerk", "parks", &body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(
        response.body,
        json!({"seq": 2, "at": TEST_NOW.to_string(), "from": "olga",
               "visibility": "requester", "body": "Which years do you mean?"})
    );
    assert_eq!(version(&deps).await, 2);
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    let chain = deps
        .store
        .request_history(&parks, number, 10, None)
        .await
        .unwrap();
    assert_eq!(chain.items[1].action.as_str(), "request.message");
}

#[tokio::test]
async fn readers_may_not_bad_messages_are_refused_and_other_agencies_see_nothing() {
    let deps = seeded().await;
    let body = json!({"body": "Hello", "visibility": "public"});
    let reader = call(&deps, handle, &write("reader", "parks", &body)).await;
    assert_eq!((reader.status, reader.problem_kind()), (403, "forbidden"));
    let other = call(&deps, handle, &write("officer", "zoning", &body)).await;
    assert_eq!((other.status, other.problem_kind()), (404, "not-found"));
    for bad in [
        json!({"body": "Hello"}),
        json!({"body": "", "visibility": "public"}),
        json!({"body": "Hi", "visibility": "everyone"}),
        json!({"body": "a\u{202E}b", "visibility": "public"}),
    ] {
        let response = call(&deps, handle, &write("clerk", "parks", &bad)).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{bad}"
        );
    }
    assert_eq!(version(&deps).await, 1);
}

#[tokio::test]
async fn a_retry_with_its_key_writes_the_message_once() {
    let deps = seeded().await;
    let body = json!({"body": "Which years do you mean?", "visibility": "requester"});
    let keyed = || write("clerk", "parks", &body).header("idempotency-key", "msg-1");
    let first = call(&deps, handle, &keyed()).await;
    let again = call(&deps, handle, &keyed()).await;
    assert_eq!((first.status, again.status), (201, 201), "{}", again.body);
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(version(&deps).await, 2, "written once");
    // The same key with another message is refused, not replayed.
    let other = json!({"body": "Something else", "visibility": "requester"});
    let reused = write("clerk", "parks", &other).header("idempotency-key", "msg-1");
    let refused = call(&deps, handle, &reused).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(version(&deps).await, 2);
}

#[tokio::test]
async fn one_key_on_two_requests_is_two_keys() {
    let deps = seeded().await;
    seed_request(&deps.store, "parks", "Council minutes for 2025").await;
    let body = json!({"body": "We are looking.", "visibility": "public"});
    for number in ["2026-0001", "2026-0002"] {
        let keyed = event("POST", "/requests/{number}/messages")
            .param("number", number)
            .bearer(&token("olga", "parks", &["clerk"], TEST_NOW))
            .header("idempotency-key", "same-key")
            .json(&body);
        let answer = call(&deps, handle, &keyed).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        assert_eq!(answer.header("idempotent-replayed"), None, "{number}");
    }
    let second = RequestNumber::parse("2026-0002").unwrap();
    let parks = AgencyId::parse("parks").unwrap();
    let stored = deps
        .store
        .get_request(&parks, second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.request.messages, 1);
}
