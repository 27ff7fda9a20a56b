use serde_json::{Value, json};
use shared::model::{AgencyId, ProfileBody, RequestNumber, StoredAgency, TrackingToken};
use shared::store::{AgencyStore, MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call_public, event, notice_deps, seed_profile, token};

use super::handle;

fn submit(agency: &str, body: &Value) -> shared::http::GatewayEvent {
    event("POST", "/public/agencies/{agency}/requests")
        .param("agency", agency)
        .json(body)
}

fn asking() -> Value {
    json!({"description": "Every permit issued on Elm Street in 2025",
           "requester": {"name": "Ada Lovelace", "email": "ada@example.org"}})
}

#[tokio::test]
async fn a_submission_gets_the_next_number_a_due_date_and_a_token_shown_once() {
    let deps = notice_deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let first = call_public(&deps, handle, &submit("parks", &asking())).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["number"], "2026-0001");
    assert_eq!(first.body["status"], "received");
    assert_eq!(first.body["received_at"], TEST_NOW.to_string());
    // Thursday 26 November, 04:21 in Chicago: that day counts, then 20 business days.
    assert_eq!(first.body["due_date"], "2026-12-24");
    assert_eq!(
        first.header("location"),
        Some("/public/agencies/parks/requests/2026-0001")
    );
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let tracking = first.body["tracking_token"].as_str().unwrap().to_owned();

    let second = call_public(&deps, handle, &submit("parks", &asking())).await;
    assert_eq!(second.body["number"], "2026-0002");
    assert_ne!(second.body["tracking_token"], first.body["tracking_token"]);

    // Kept: the requester's email for staff, the token only as its digest.
    let number = RequestNumber::parse("2026-0001").unwrap();
    let parks = AgencyId::parse("parks").unwrap();
    let stored = deps
        .store
        .get_request(&parks, number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.request.requester.email, "ada@example.org");
    assert!(TrackingToken::matches(&tracking, &stored.tracking_digest));
    assert!(!serde_json::to_string(&stored).unwrap().contains(&tracking));
    let history = deps
        .store
        .request_history(&parks, number, 10, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 1);
    assert!(
        !serde_json::to_string(&history.items)
            .unwrap()
            .contains("ada@example.org")
    );

    // Each requester was acknowledged, with the number and due date but never the token.
    let sent = deps.notices.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].to, ["ada@example.org"]);
    assert!(sent[0].subject.contains("2026-0001"));
    assert!(sent[0].text.contains("2026-12-24"), "{}", sent[0].text);
    assert!(!sent[0].text.contains(&tracking) && !sent[0].subject.contains(&tracking));
}

#[tokio::test]
async fn the_due_date_follows_the_agencys_own_rules() {
    let deps = notice_deps(MemoryStore::new());
    let parks = AgencyId::parse("parks").unwrap();
    let body = ProfileBody::from_json(&json!({
        "name": "Parks", "contact_email": "records@parks.example.gov", "timezone": "Europe/Paris",
        "requests": {"days_to_respond": 10, "counting": "calendar"}}))
    .unwrap();
    let (profile, entry) = StoredAgency::revise(None, &parks, body, TEST_NOW, "olga").unwrap();
    deps.store.put_agency(&profile, None, &entry).await.unwrap();
    let response = call_public(&deps, handle, &submit("parks", &asking())).await;
    // 11:21 in Paris: ten calendar days on is a Sunday, so the Monday after.
    assert_eq!(response.body["due_date"], "2026-12-07");
}

#[tokio::test]
async fn a_retry_with_its_key_replays_the_first_answer_and_takes_no_number() {
    let deps = notice_deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let key = "3f1c9a0e-5b7d-4c2a-9e8f-0a1b2c3d4e5f";
    let keyed = |body: &Value| submit("parks", body).header("idempotency-key", key);
    let first = call_public(&deps, handle, &keyed(&asking())).await;
    let again = call_public(&deps, handle, &keyed(&asking())).await;
    assert_eq!(
        (again.status, again.header("idempotent-replayed")),
        (201, Some("true"))
    );
    assert_eq!(again.body, first.body);
    let parks = AgencyId::parse("parks").unwrap();
    assert_eq!(deps.store.last_request_number(&parks, 2026).await, Ok(1));

    let mut other = asking();
    other["description"] = json!("Something else entirely, this time");
    let reused = call_public(&deps, handle, &keyed(&other)).await;
    assert_eq!(
        (reused.status, reused.problem_kind()),
        (422, "idempotency-key-reused")
    );
    // Anyone may send a key: one short enough to guess is refused.
    let short = submit("parks", &asking()).header("idempotency-key", "1");
    let refused = call_public(&deps, handle, &short).await;
    assert_eq!(
        (refused.status, refused.problem_kind()),
        (400, "validation")
    );
}

#[tokio::test]
async fn bad_submissions_are_refused_and_write_nothing() {
    let deps = notice_deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    let parks = AgencyId::parse("parks").unwrap();
    for (body, fields) in [
        (
            json!({"description": "short", "requester": {"email": "ada@example.org"}}),
            vec!["description"],
        ),
        (
            json!({"description": "Every permit on Elm", "requester": {"email": "not an email"}}),
            vec!["requester"],
        ),
        (
            json!({"description": "Every permit on Elm", "requester": {}, "extra": 1}),
            vec!["extra", "requester"],
        ),
        (
            json!({"description": "<script>alert(1)</script> permits", "requester": "ada"}),
            vec!["requester"],
        ),
    ] {
        let response = call_public(&deps, handle, &submit("parks", &body)).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{body}"
        );
        let mut named: Vec<&str> = response.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect();
        named.sort_unstable();
        assert_eq!(named, fields, "{body}");
    }
    let not_json = submit("parks", &asking()).header("content-type", "text/plain");
    assert_eq!(call_public(&deps, handle, &not_json).await.status, 415);
    let bad_agency = call_public(&deps, handle, &submit("Parks!", &asking())).await;
    assert_eq!(bad_agency.status, 400);
    assert_eq!(deps.store.last_request_number(&parks, 2026).await, Ok(0));
}

#[tokio::test]
async fn an_agency_without_a_profile_takes_no_requests_and_tokens_change_nothing() {
    let deps = notice_deps(MemoryStore::new());
    let missing = call_public(&deps, handle, &submit("parks", &asking())).await;
    assert_eq!((missing.status, missing.problem_kind()), (404, "not-found"));
    seed_profile(&deps.store, "parks", "Parks").await;
    let staff = submit("parks", &asking()).bearer(&token("olga", "parks", &["officer"], TEST_NOW));
    let response = call_public(&deps, handle, &staff).await;
    assert_eq!(response.status, 201);
    let parks = AgencyId::parse("parks").unwrap();
    let stored = deps
        .store
        .get_request(&parks, RequestNumber::parse("2026-0001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.request.updated_by, "requester");
}
