use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::store::{AuditLog, MemoryStore, RecordStore};
use shared::testing::{TEST_NOW, call, deps, event, token};

use super::handle;

fn post(body: &Value, roles: &[&str]) -> GatewayEvent {
    event("POST", "/records")
        .bearer(&token("clara", "parks", roles, TEST_NOW))
        .json(body)
}

fn body() -> Value {
    json!({"title": "Permit 12", "classification": "internal", "tags": ["permits"], "retention_until": "2031-01-01"})
}

#[tokio::test]
async fn creates_a_draft_at_version_1_with_its_first_audit_entry() {
    let deps = deps(MemoryStore::new());
    let response = call(&deps, handle, &post(&body(), &["clerk"])).await;
    assert_eq!(response.status, 201);
    let id = response.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        response.header("location"),
        Some(format!("/records/{id}").as_str())
    );
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(response.body["status"], "draft");
    assert_eq!(response.body["created_by"], "clara");
    assert_eq!(response.body["created_at"], "2026-11-26T10:21:38.000Z");
    assert_eq!(response.body["legal_hold"], false);

    let agency = shared::model::AgencyId::parse("parks").unwrap();
    let record_id = shared::model::RecordId::parse(&id).unwrap();
    assert!(
        deps.store
            .get_record(&agency, &record_id)
            .await
            .unwrap()
            .is_some()
    );
    let history = deps
        .store
        .history(&agency, &record_id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].changes["title"],
        [Value::Null, json!("Permit 12")]
    );
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
}

#[tokio::test]
async fn refuses_readers_auditors_and_confidential_from_clerks() {
    let deps = deps(MemoryStore::new());
    for roles in [&["reader"][..], &["auditor"]] {
        assert_eq!(call(&deps, handle, &post(&body(), roles)).await.status, 403);
    }
    let confidential = json!({"title": "Secret", "classification": "confidential"});
    assert_eq!(
        call(&deps, handle, &post(&confidential, &["clerk"]))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &post(&confidential, &["officer"]))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn bad_bodies_get_clear_problems() {
    let deps = deps(MemoryStore::new());
    let invalid = call(
        &deps,
        handle,
        &post(
            &json!({"title": "", "classification": "x", "extra": 1}),
            &["clerk"],
        ),
    )
    .await;
    assert_eq!(
        (invalid.status, invalid.problem_kind()),
        (400, "validation")
    );
    assert_eq!(invalid.body["errors"].as_array().unwrap().len(), 3);

    let token = token("clara", "parks", &["clerk"], TEST_NOW);
    let base = event("POST", "/records").bearer(&token);
    let cases: Vec<(GatewayEvent, u16, &str)> = vec![
        (
            base.clone()
                .header("content-type", "application/json")
                .text("{\"title\": "),
            400,
            "validation",
        ),
        (
            base.clone().header("content-type", "text/plain").text("{}"),
            415,
            "unsupported-media-type",
        ),
        (base.clone().text("{}"), 415, "unsupported-media-type"),
        (
            base.clone().header("content-type", "application/json"),
            400,
            "validation",
        ),
        (
            base.clone()
                .header("content-type", "application/json")
                .text(&"[".repeat(10_000)),
            400,
            "validation",
        ),
        (
            base.clone()
                .header("content-type", "application/json")
                .bytes(&[0x7b, 0xff, 0xfe, 0x7d]),
            400,
            "validation",
        ),
        (
            base.clone()
                .json(&json!({"title": "x".repeat(70_000), "classification": "public"})),
            413,
            "payload-too-large",
        ),
        (
            base.clone()
                .header("content-type", "application/json")
                .text(r#"{"title": "a", "title": "b", "classification": "public"}"#),
            400,
            "validation",
        ),
        (
            base.clone()
                .json(&json!({"title": null, "classification": "public"})),
            400,
            "validation",
        ),
    ];
    for (request, status, kind) in cases {
        let response = call(&deps, handle, &request).await;
        assert_eq!(response.status, status, "{:?}", request.to_json()["body"]);
        if status >= 400 {
            assert_eq!(response.problem_kind(), kind);
            assert_eq!(
                response.header("content-type"),
                Some("application/problem+json")
            );
        }
    }
}

#[tokio::test]
async fn an_idempotent_retry_replays_and_creates_nothing() {
    let deps = deps(MemoryStore::new());
    let request = post(&body(), &["clerk"]).header("idempotency-key", "retry-1");
    let first = call(&deps, handle, &request).await;
    let again = call(&deps, handle, &request).await;
    assert_eq!(first.status, 201);
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));

    let listed = deps
        .store
        .list_records(
            &shared::model::AgencyId::parse("parks").unwrap(),
            &Default::default(),
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);

    let reused = call(
        &deps,
        handle,
        &post(
            &json!({"title": "Other", "classification": "public"}),
            &["clerk"],
        )
        .header("idempotency-key", "retry-1"),
    )
    .await;
    assert_eq!(
        (reused.status, reused.problem_kind()),
        (422, "idempotency-key-reused")
    );

    // Keys are per agency: the same key elsewhere is a new request.
    let elsewhere = event("POST", "/records")
        .bearer(&token("z", "zoning", &["clerk"], TEST_NOW))
        .json(&body())
        .header("idempotency-key", "retry-1");
    let response = call(&deps, handle, &elsewhere).await;
    assert_eq!(response.status, 201);
    assert_ne!(response.body["id"], first.body["id"]);

    // Keys are per caller: a colleague with the same key and body neither replays the
    // first response (which would show them another's request) nor is refused because
    // of it: theirs is a new request.
    let colleague = event("POST", "/records")
        .bearer(&token("carl", "parks", &["clerk"], TEST_NOW))
        .json(&body())
        .header("idempotency-key", "retry-1");
    let response = call(&deps, handle, &colleague).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert!(response.header("idempotent-replayed").is_none());
    assert_ne!(response.body["id"], first.body["id"]);
    let other_body = event("POST", "/records")
        .bearer(&token("carl", "parks", &["clerk"], TEST_NOW))
        .json(&json!({"title": "Other", "classification": "public"}))
        .header("idempotency-key", "retry-2");
    assert_eq!(call(&deps, handle, &other_body).await.status, 201);
    let pre_claimed = post(&body(), &["clerk"]).header("idempotency-key", "retry-2");
    assert_eq!(
        call(&deps, handle, &pre_claimed).await.status,
        201,
        "not 422"
    );

    // After 24 hours the key is forgotten.
    deps.clock.advance(24 * 3600 * 1000 + 1);
    let later = event("POST", "/records")
        .bearer(&token("clara", "parks", &["clerk"], deps.clock.now()))
        .json(&body())
        .header("idempotency-key", "retry-1");
    let response = call(&deps, handle, &later).await;
    assert_eq!(response.status, 201);
    assert!(response.header("idempotent-replayed").is_none());
}

#[tokio::test]
async fn idempotency_keys_are_validated() {
    let deps = deps(MemoryStore::new());
    for key in ["", &"k".repeat(256), "has space", "tab\tkey"] {
        let response = call(
            &deps,
            handle,
            &post(&body(), &["clerk"]).header("idempotency-key", key),
        )
        .await;
        assert_eq!(response.status, 400, "{key:?}");
    }
}

#[tokio::test]
async fn a_record_filed_under_a_schedule_gets_its_retention_from_it() {
    let deps = deps(MemoryStore::new());
    let schedule = shared::testing::seed_schedule(
        &deps.store,
        "parks",
        &json!({"name": "Permits", "keep": {"years": 7}, "from": "created", "action": "destroy"}),
    )
    .await
    .schedule;
    let body = json!({"title": "Permit 12", "classification": "internal", "schedule": schedule.id});
    let response = call(&deps, handle, &post(&body, &["clerk"])).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.body["schedule"], json!(schedule.id));
    assert_eq!(response.body["retention_until"], "2033-11-26");
    let agency = shared::model::AgencyId::parse("parks").unwrap();
    let stored = shared::store::ScheduleStore::get_schedule(&deps.store, &agency, &schedule.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.schedule.in_use);

    // Another agency's schedule, or a date typed beside a schedule: 400, nothing written.
    let theirs = shared::testing::seed_schedule(
        &deps.store,
        "water",
        &json!({"name": "W", "keep": {"years": 1}, "from": "created", "action": "review"}),
    )
    .await
    .schedule;
    for body in [
        json!({"title": "T", "classification": "internal", "schedule": theirs.id}),
        json!({"title": "T", "classification": "internal", "schedule": schedule.id,
               "retention_until": "2040-01-01"}),
    ] {
        let response = call(&deps, handle, &post(&body, &["clerk"])).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{body}"
        );
    }
    let listed = deps
        .store
        .list_records(&agency, &Default::default(), 10, None)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn retention_counts_from_the_agencys_calendar_day() {
    let deps = deps(MemoryStore::new());
    // Chicago, where 03:00 UTC on 1 December is still 30 November.
    shared::testing::seed_profile(&deps.store, "parks", "Parks").await;
    let schedule = shared::testing::seed_schedule(
        &deps.store,
        "parks",
        &json!({"name": "Monthly", "keep": {"months": 1}, "from": "created", "action": "destroy"}),
    )
    .await
    .schedule;
    let late = shared::clock::Timestamp::parse("2026-12-01T03:00:00.000Z").unwrap();
    deps.clock.advance(late.as_millis() - TEST_NOW.as_millis());
    let body = json!({"title": "Minutes", "classification": "internal", "schedule": schedule.id});
    let request = event("POST", "/records")
        .bearer(&token("clara", "parks", &["clerk"], late))
        .json(&body);
    let response = call(&deps, handle, &request).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.body["retention_until"], "2026-12-30");
}
