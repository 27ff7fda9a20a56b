use serde_json::{Value, json};
use shared::disposition::{MemoryQueue, QueueDeps};
use shared::model::{AuditAction, DestructionOrder, DispositionItem, ItemState};
use shared::store::{AuditLog, DispositionStore, MemoryStore};
use shared::testing::{
    TEST_NOW, TestResponse, call, deps, event, seed_decision, seed_due_item, token,
};

use super::handle;

fn queue_deps() -> QueueDeps<MemoryStore, MemoryQueue> {
    QueueDeps {
        deps: deps(MemoryStore::new()),
        queue: MemoryQueue::default(),
    }
}

async fn decide(
    deps: &QueueDeps<MemoryStore, MemoryQueue>,
    item: &DispositionItem,
    (sub, agency, role): (&str, &str, &str),
    body: &Value,
) -> TestResponse {
    let request = event("POST", "/disposition/lists/{id}/items/{record_id}")
        .param("id", item.list.as_str())
        .param("record_id", item.record.as_str())
        .bearer(&token(sub, agency, &[role], TEST_NOW))
        .json(body);
    call(deps, handle, &request).await
}

fn approve() -> Value {
    json!({"decision": "approve", "reason": "GS-7: two years after closing"})
}

#[tokio::test]
async fn another_officer_approves_and_the_destruction_is_queued() {
    let deps = queue_deps();
    let (_, item) = seed_due_item(&deps.store, "parks", "internal").await;
    let refused = decide(&deps, &item, ("olga", "parks", "officer"), &approve()).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("another officer")
    );

    let approved = decide(&deps, &item, ("otto", "parks", "officer"), &approve()).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["state"], "approved");
    assert_eq!(approved.body["decided_by"], "otto");
    assert_eq!(approved.header("etag"), Some("\"2\""));
    assert_eq!(deps.queue.sent(), [DestructionOrder::of(&item)]);
    let chain = deps
        .store
        .history(&item.agency, &item.record, 10, None)
        .await
        .unwrap()
        .items;
    let last = chain.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str()),
        (AuditAction::DispositionApprove, "otto")
    );

    let again = decide(
        &deps,
        &item,
        ("ines", "parks", "officer"),
        &json!({"decision": "exclude", "reason": "No"}),
    )
    .await;
    assert_eq!(again.status, 409, "decided once: {}", again.body);
}

#[tokio::test]
async fn an_exclusion_keeps_the_record_and_queues_nothing() {
    let deps = queue_deps();
    let (_, item) = seed_due_item(&deps.store, "parks", "internal").await;
    let body = json!({"decision": "exclude", "reason": "Pending audit"});
    let excluded = decide(&deps, &item, ("otto", "parks", "officer"), &body).await;
    assert_eq!(
        (excluded.status, &excluded.body["state"]),
        (200, &json!("excluded"))
    );
    assert_eq!(excluded.body["reason"], "Pending audit");
    assert!(deps.queue.sent().is_empty());
}

#[tokio::test]
async fn racing_officers_leave_one_outcome() {
    let deps = queue_deps();
    let (record, item) = seed_due_item(&deps.store, "parks", "internal").await;
    // Ines excludes it between Otto's read and his write.
    let (racing_record, racing_item) = (record.clone(), item.clone());
    deps.store.before_next_write(move |store| {
        Box::pin(async move {
            seed_decision(store, &racing_record, &racing_item, false, "ines").await;
        })
    });
    let lost = decide(&deps, &item, ("otto", "parks", "officer"), &approve()).await;
    assert_eq!(lost.status, 409, "{}", lost.body);
    assert!(lost.body["detail"].as_str().unwrap().contains("excluded"));
    let stored = deps
        .store
        .get_disposition_item(&item.agency, &item.list, &item.record)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.state, stored.decided_by.as_deref()),
        (ItemState::Excluded, Some("ines"))
    );
    assert!(deps.queue.sent().is_empty());
}

#[tokio::test]
async fn a_failed_send_is_a_503_and_the_same_approval_sends_again() {
    let deps = queue_deps();
    let (_, item) = seed_due_item(&deps.store, "parks", "internal").await;
    deps.queue.fail(true);
    let failed = decide(&deps, &item, ("otto", "parks", "officer"), &approve()).await;
    assert_eq!(failed.status, 503, "{}", failed.body);
    deps.queue.fail(false);
    let again = decide(&deps, &item, ("otto", "parks", "officer"), &approve()).await;
    assert_eq!((again.status, &again.body["version"]), (200, &json!(2)));
    assert_eq!(deps.queue.sent().len(), 1);
}

#[tokio::test]
async fn only_the_agencys_officers_decide_and_bad_bodies_are_400() {
    let deps = queue_deps();
    let (_, item) = seed_due_item(&deps.store, "parks", "confidential").await;
    for role in ["clerk", "auditor", "reader"] {
        let response = decide(&deps, &item, ("u", "parks", role), &approve()).await;
        assert_eq!(response.status, 403, "{role}");
    }
    let elsewhere = decide(&deps, &item, ("otto", "water", "officer"), &approve()).await;
    assert_eq!(elsewhere.status, 404, "another agency's item is not there");
    for bad in [
        json!({}),
        json!({"decision": "destroy", "reason": "x"}),
        json!({"decision": "approve", "reason": " "}),
    ] {
        let response = decide(&deps, &item, ("otto", "parks", "officer"), &bad).await;
        assert_eq!(response.status, 400, "{bad}");
        assert_eq!(response.problem_kind(), "validation");
    }
    let request = event("POST", "/disposition/lists/{id}/items/{record_id}")
        .param("id", "2026-13")
        .param("record_id", item.record.as_str())
        .bearer(&token("otto", "parks", &["officer"], TEST_NOW))
        .json(&approve());
    assert_eq!(call(&deps, handle, &request).await.status, 400);
    assert!(deps.queue.sent().is_empty());
}
