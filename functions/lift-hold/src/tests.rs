use serde_json::json;
use shared::model::{AgencyId, AuditAction};
use shared::store::{HoldStore, MemoryStore, RecordStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_hold, seed_placement, seed_record, token};

use super::handle;

fn lift(hold: &str, record: &str, agency: &str, roles: &[&str]) -> shared::http::GatewayEvent {
    event("DELETE", "/holds/{id}/records/{record_id}")
        .param("id", hold)
        .param("record_id", record)
        .bearer(&token("otto", agency, roles, TEST_NOW))
}

#[tokio::test]
async fn a_lifted_record_stays_held_while_another_hold_covers_it() {
    let deps = deps(MemoryStore::new());
    let smith = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let audit = seed_hold(&deps.store, "parks", "State audit 2026").await;
    let body = json!({"title": "Permit", "classification": "internal"});
    let record = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    let (record, _) = seed_placement(&deps.store, &record, &smith).await;
    let (record, _) = seed_placement(&deps.store, &record, &audit).await;
    let id = record.record.id.to_string();
    let (smith_id, audit_id) = (smith.hold.id.to_string(), audit.hold.id.to_string());

    assert_eq!(
        call(&deps, handle, &lift(&smith_id, &id, "parks", &["clerk"]))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &lift(&smith_id, &id, "water", &["officer"]))
            .await
            .status,
        404
    );
    let response = call(&deps, handle, &lift(&smith_id, &id, "parks", &["officer"])).await;
    assert_eq!(response.status, 204, "{}", response.body);
    let parks = AgencyId::parse("parks").unwrap();
    let now = deps
        .store
        .get_record(&parks, &record.record.id)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert!(now.legal_hold, "the audit still holds it");
    assert_eq!(now.holds, vec![audit.hold.id.clone()]);
    let chain = deps
        .store
        .hold_history(&parks, &smith.hold.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        (
            chain.last().unwrap().action,
            chain.last().unwrap().actor.as_str()
        ),
        (AuditAction::HoldLift, "otto")
    );
    // Not under it any more: 404.
    assert_eq!(
        call(&deps, handle, &lift(&smith_id, &id, "parks", &["officer"]))
            .await
            .status,
        404
    );

    assert_eq!(
        call(&deps, handle, &lift(&audit_id, &id, "parks", &["officer"]))
            .await
            .status,
        204
    );
    let now = deps
        .store
        .get_record(&parks, &record.record.id)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert!(!now.legal_hold);
    assert!(now.holds.is_empty());
}
