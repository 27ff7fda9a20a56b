use serde_json::{Value, json};
use shared::model::{AgencyId, AuditAction, RecordId};
use shared::store::{AuditLog, HoldStore, MemoryStore, RecordStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_hold, seed_record, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

fn place(hold: &str, agency: &str, roles: &[&str], body: &Value) -> shared::http::GatewayEvent {
    event("POST", "/holds/{id}/records")
        .param("id", hold)
        .bearer(&token("olga", agency, roles, TEST_NOW))
        .json(body)
}

async fn record(deps: &Deps, classification: &str) -> RecordId {
    let body = json!({"title": "Permit", "classification": classification});
    seed_record(&deps.store, "parks", &body, TEST_NOW)
        .await
        .record
        .id
}

#[tokio::test]
async fn an_officer_places_a_record_under_a_hold_on_both_chains() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await.hold;
    let id = record(&deps, "confidential").await;
    let body = json!({"record_id": id});
    let response = call(
        &deps,
        handle,
        &place(hold.id.as_str(), "parks", &["officer"], &body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["records"], 1);
    assert_eq!(response.header("etag"), Some("\"2\""));

    let parks = AgencyId::parse("parks").unwrap();
    let held = deps
        .store
        .get_record(&parks, &id)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert!(held.legal_hold);
    assert_eq!(held.holds, vec![hold.id.clone()]);
    assert_eq!(held.version, 2);
    let record_chain = deps
        .store
        .history(&parks, &id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        record_chain[1].changes["holds"],
        [json!([]), json!([hold.id])]
    );
    let hold_chain = deps
        .store
        .hold_history(&parks, &hold.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(hold_chain[1].action, AuditAction::HoldPlace);

    // Again: nothing changes.
    let again = call(
        &deps,
        handle,
        &place(hold.id.as_str(), "parks", &["officer"], &body),
    )
    .await;
    assert_eq!((again.status, &again.body["records"]), (200, &json!(1)));
    assert_eq!(
        deps.store
            .history(&parks, &id, 10, None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
}

#[tokio::test]
async fn nothing_is_placed_by_clerks_across_agencies_or_under_a_released_hold() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let id = record(&deps, "internal").await;
    let body = json!({"record_id": id});
    let hold_id = hold.hold.id.as_str();
    assert_eq!(
        call(&deps, handle, &place(hold_id, "parks", &["clerk"], &body))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &place(hold_id, "water", &["officer"], &body))
            .await
            .status,
        404
    );
    let unknown = json!({"record_id": "01KBXQ7R5M3N8P2V6W9Y4Z0A1B"});
    assert_eq!(
        call(
            &deps,
            handle,
            &place(hold_id, "parks", &["officer"], &unknown)
        )
        .await
        .status,
        404
    );
    for bad in [
        json!({}),
        json!({"record_id": "x"}),
        json!({"record_id": id, "why": 1}),
    ] {
        let response = call(&deps, handle, &place(hold_id, "parks", &["officer"], &bad)).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{bad}"
        );
    }
    let (released, entry) = hold.release(TEST_NOW, "olga");
    deps.store.release_hold(&released, 1, &entry).await.unwrap();
    let response = call(&deps, handle, &place(hold_id, "parks", &["officer"], &body)).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (409, "conflict")
    );
    let parks = AgencyId::parse("parks").unwrap();
    assert!(
        !deps
            .store
            .get_record(&parks, &id)
            .await
            .unwrap()
            .unwrap()
            .record
            .legal_hold
    );
}

#[tokio::test]
async fn an_edit_landing_between_read_and_write_is_redone_not_lost() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await.hold;
    let stored = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "Permit", "classification": "internal"}),
        TEST_NOW,
    )
    .await;
    let id = stored.record.id.clone();
    deps.store.before_next_write(move |store| {
        Box::pin(async move {
            shared::testing::seed_update(store, &stored, "clara", TEST_NOW, |record| {
                record.title = "Permit (amended)".into();
            })
            .await;
        })
    });
    let body = json!({"record_id": id});
    let response = call(
        &deps,
        handle,
        &place(hold.id.as_str(), "parks", &["officer"], &body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let parks = AgencyId::parse("parks").unwrap();
    let now = deps
        .store
        .get_record(&parks, &id)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(
        (now.title.as_str(), now.legal_hold, now.version),
        ("Permit (amended)", true, 3)
    );
}
