use serde_json::json;
use shared::model::{AgencyId, AuditAction, HoldStatus};
use shared::store::{HoldStore, MemoryStore, RecordStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_hold, seed_placement, seed_record, token};

use super::handle;

fn release(hold: &str, agency: &str, roles: &[&str]) -> shared::http::GatewayEvent {
    event("POST", "/holds/{id}/release")
        .param("id", hold)
        .bearer(&token("olga", agency, roles, TEST_NOW))
}

#[tokio::test]
async fn releasing_lifts_every_record_then_releases_the_hold() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let mut current = hold.clone();
    let mut records = Vec::new();
    for n in 0..3 {
        let body = json!({"title": format!("Permit {n}"), "classification": "internal"});
        let record = seed_record(&deps.store, "parks", &body, TEST_NOW.plus_millis(n)).await;
        let (record, now) = seed_placement(&deps.store, &record, &current).await;
        current = now;
        records.push(record.record.id);
    }
    let id = hold.hold.id.to_string();
    assert_eq!(
        call(&deps, handle, &release(&id, "parks", &["clerk"]))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &release(&id, "water", &["officer"]))
            .await
            .status,
        404
    );
    let response = call(&deps, handle, &release(&id, "parks", &["officer"])).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["status"], "released");
    assert_eq!(response.body["records"], 0);

    let parks = AgencyId::parse("parks").unwrap();
    for record in &records {
        let now = deps
            .store
            .get_record(&parks, record)
            .await
            .unwrap()
            .unwrap()
            .record;
        assert!(!now.legal_hold && now.holds.is_empty());
    }
    let chain = deps
        .store
        .hold_history(&parks, &hold.hold.id, 20, None)
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = chain.iter().map(|entry| entry.action).collect();
    assert_eq!(actions.len(), 8);
    assert_eq!(actions.last(), Some(&AuditAction::HoldRelease));
    assert!(shared::model::verify_chain(&chain).is_ok());
    // Again: nothing changes.
    let again = call(&deps, handle, &release(&id, "parks", &["officer"])).await;
    assert_eq!(again.status, 200);
    let stored = deps
        .store
        .get_hold(&parks, &hold.hold.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.hold.status, HoldStatus::Released);
    assert_eq!(stored.head.seq, 8);
}

#[tokio::test]
async fn a_record_placed_while_releasing_is_lifted_before_the_release() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let body = json!({"title": "Permit", "classification": "internal"});
    let record = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    let late = seed_record(&deps.store, "parks", &body, TEST_NOW.plus_millis(1)).await;
    let (_, placed) = seed_placement(&deps.store, &record, &hold).await;
    // Right before the first lift lands, another officer places one more record.
    deps.store.before_next_write(move |store| {
        Box::pin(async move {
            seed_placement(store, &late, &placed).await;
        })
    });
    let response = call(
        &deps,
        handle,
        &release(hold.hold.id.as_str(), "parks", &["officer"]),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["status"], "released");
    let parks = AgencyId::parse("parks").unwrap();
    let held = deps
        .store
        .held_records(&parks, &hold.hold.id, 10, None)
        .await
        .unwrap();
    assert!(held.items.is_empty());
}
