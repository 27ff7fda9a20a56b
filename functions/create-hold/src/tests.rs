use serde_json::{Value, json};
use shared::model::{AgencyId, AuditAction, HoldId};
use shared::store::{HoldStore, MemoryStore};
use shared::testing::{TEST_NOW, call, deps, event, token};

use super::handle;

fn post(body: &Value, roles: &[&str]) -> shared::http::GatewayEvent {
    event("POST", "/holds")
        .bearer(&token("olga", "parks", roles, TEST_NOW))
        .json(body)
}

#[tokio::test]
async fn an_officer_opens_a_hold_covering_nothing_with_its_first_entry() {
    let deps = deps(MemoryStore::new());
    let body =
        json!({"name": "Smith v. City of Springfield", "reason": "Complaint served 1 December."});
    let response = call(&deps, handle, &post(&body, &["officer"])).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let id = response.body["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/holds/{id}").as_str())
    );
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(response.body["status"], "active");
    assert_eq!(response.body["records"], 0);
    let parks = AgencyId::parse("parks").unwrap();
    let id = HoldId::parse(id).unwrap();
    let chain = deps
        .store
        .hold_history(&parks, &id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(chain.len(), 1);
    assert_eq!(
        (chain[0].action, chain[0].actor.as_str()),
        (AuditAction::HoldCreate, "olga")
    );
}

#[tokio::test]
async fn only_officers_open_holds_and_bad_bodies_are_400() {
    let deps = deps(MemoryStore::new());
    let body = json!({"name": "Case", "reason": "Why"});
    for role in ["clerk", "auditor", "reader"] {
        assert_eq!(
            call(&deps, handle, &post(&body, &[role])).await.status,
            403,
            "{role}"
        );
    }
    for bad in [
        json!({"name": "Case"}),
        json!({"name": "", "reason": "x"}),
        json!({"name": "C", "reason": "R", "records": 3}),
        json!([1]),
    ] {
        let response = call(&deps, handle, &post(&bad, &["officer"])).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{bad}"
        );
    }
    let parks = AgencyId::parse("parks").unwrap();
    assert_eq!(deps.store.list_holds(&parks).await, Ok(vec![]));
}
