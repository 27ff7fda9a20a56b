use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::model::{AgencyId, RequestNumber};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call, event, notice_deps, seed_profile, seed_request, token};

use super::handle;

type Deps = shared::NoticeDeps<MemoryStore, shared::notices::MemoryMailer>;

async fn seeded() -> Deps {
    let deps = notice_deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_request(&deps.store, "parks", "Every permit on Elm Street").await;
    deps
}

fn patch_as(role: &str, agency: &str, if_match: Option<&str>, body: &Value) -> GatewayEvent {
    let request = event("PATCH", "/requests/{number}")
        .param("number", "2026-0001")
        .bearer(&token("olga", agency, &[role], TEST_NOW))
        .header("content-type", "application/merge-patch+json")
        .text(&body.to_string());
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

fn patch(version: u64, body: Value) -> GatewayEvent {
    patch_as("clerk", "parks", Some(&format!("\"{version}\"")), &body)
}

async fn chain_length(deps: &Deps) -> usize {
    let parks = AgencyId::parse("parks").unwrap();
    let number = RequestNumber::parse("2026-0001").unwrap();
    deps.store
        .request_history(&parks, number, 100, None)
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn staff_assign_and_work_a_request_at_its_version() {
    let deps = seeded().await;
    let assigned = call(
        &deps,
        handle,
        &patch(1, json!({"assignee": "olga", "status": "in_progress"})),
    )
    .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    assert_eq!(assigned.header("etag"), Some("\"2\""));
    assert_eq!(
        (&assigned.body["assignee"], &assigned.body["status"]),
        (&json!("olga"), &json!("in_progress"))
    );
    assert_eq!(assigned.body["updated_by"], "olga");
    // The same change again: nothing to write, the same version.
    let again = call(&deps, handle, &patch(2, json!({"assignee": "olga"}))).await;
    assert_eq!((again.status, again.header("etag")), (200, Some("\"2\"")));
    assert_eq!(chain_length(&deps).await, 2);

    // Stale or missing If-Match: refused, nothing written.
    let stale = call(&deps, handle, &patch(1, json!({"assignee": "rita"}))).await;
    assert_eq!(stale.status, 412);
    let unconditional = patch_as("clerk", "parks", None, &json!({"assignee": "rita"}));
    assert_eq!(call(&deps, handle, &unconditional).await.status, 428);
    assert_eq!(chain_length(&deps).await, 2);
}

#[tokio::test]
async fn a_clarification_stops_the_clock_and_the_extension_is_granted_once() {
    let deps = seeded().await;
    let asked = call(
        &deps,
        handle,
        &patch(1, json!({"status": "awaiting_clarification"})),
    )
    .await;
    assert_eq!(asked.body["due_date"], json!(null));
    assert_eq!(asked.body["waits"][0]["answered_at"], json!(null));
    let resumed = call(&deps, handle, &patch(2, json!({"status": "in_progress"}))).await;
    // Asked and answered the day it arrived: the clock lost no day.
    assert_eq!(resumed.body["due_date"], "2026-12-24");

    let extension = json!({"extension": {"reason": "The records are kept offsite."}});
    let extended = call(&deps, handle, &patch(3, extension.clone())).await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    assert_eq!(extended.body["due_date"], "2027-01-07");
    assert_eq!(extended.body["extension"]["by"], "olga");
    let twice = call(&deps, handle, &patch(4, extension)).await;
    assert_eq!((twice.status, twice.problem_kind()), (409, "conflict"));

    // The requester heard of the question and of the extension, nothing else.
    let subjects: Vec<String> = deps
        .notices
        .mailer
        .sent()
        .into_iter()
        .map(|email| email.subject)
        .collect();
    assert_eq!(
        subjects,
        [
            "Records request 2026-0001: please clarify",
            "Records request 2026-0001: the deadline is extended"
        ]
    );
}

#[tokio::test]
async fn closing_needs_its_reasons_and_is_final() {
    let deps = seeded().await;
    let uncited = call(
        &deps,
        handle,
        &patch(1, json!({"closing": {"reason": "denied"}})),
    )
    .await;
    assert_eq!(
        (uncited.status, uncited.problem_kind()),
        (400, "validation")
    );
    let no_such = json!({"closing": {"reason": "duplicate", "duplicate_of": "2026-0099"}});
    let missing = call(&deps, handle, &patch(1, no_such)).await;
    assert_eq!(
        (missing.status, missing.problem_kind()),
        (400, "validation")
    );

    let denied = json!({"closing": {"reason": "denied", "exemptions": ["Personal privacy"]}});
    let closed = call(&deps, handle, &patch(1, denied)).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(
        closed.body["closing"]["exemptions"],
        json!(["Personal privacy"])
    );
    assert_eq!(closed.body["due_date"], "2026-12-24");
    let reopened = call(&deps, handle, &patch(2, json!({"status": "in_progress"}))).await;
    assert_eq!(
        (reopened.status, reopened.problem_kind()),
        (409, "conflict")
    );
    let summary = call(
        &deps,
        handle,
        &patch(2, json!({"summary": "Elm Street permits"})),
    )
    .await;
    assert_eq!(summary.body["summary"], "Elm Street permits");

    // One closure notice, citing the exemption; refused changes sent nothing.
    let sent = deps.notices.mailer.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].subject, "Records request 2026-0001 is closed");
    assert!(sent[0].text.contains("Personal privacy"));
}

#[tokio::test]
async fn readers_may_not_and_other_agencies_see_nothing() {
    let deps = seeded().await;
    let body = json!({"assignee": "olga"});
    let reader = call(
        &deps,
        handle,
        &patch_as("reader", "parks", Some("\"1\""), &body),
    )
    .await;
    assert_eq!((reader.status, reader.problem_kind()), (403, "forbidden"));
    let other = call(
        &deps,
        handle,
        &patch_as("officer", "zoning", Some("\"1\""), &body),
    )
    .await;
    assert_eq!((other.status, other.problem_kind()), (404, "not-found"));
    let bad = call(
        &deps,
        handle,
        &patch(1, json!({"status": "closed", "version": 9})),
    )
    .await;
    assert_eq!((bad.status, bad.problem_kind()), (400, "validation"));
    assert_eq!(chain_length(&deps).await, 1);
}
