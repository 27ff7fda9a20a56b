use serde_json::json;
use shared::http::GatewayEvent;
use shared::model::{AgencyId, AuditEntry, RecordId};
use shared::store::{AuditLog, MemoryStore, RecordStore};
use shared::testing::{
    TEST_NOW, call, deps, deps_with_record, event, seed_plain_record, seed_record, token,
};

use super::handle;

fn delete(id: &str, roles: &[&str], if_match: Option<&str>) -> GatewayEvent {
    let request = event("DELETE", "/records/{id}")
        .param("id", id)
        .bearer(&token("o", "parks", roles, TEST_NOW));
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

#[tokio::test]
async fn deletes_at_the_named_version_and_keeps_history() {
    let (deps, stored) = deps_with_record("parks", "public").await;
    let id = stored.record.id.to_string();
    assert_eq!(
        call(&deps, handle, &delete(&id, &["officer"], None))
            .await
            .status,
        428
    );
    assert_eq!(
        call(&deps, handle, &delete(&id, &["officer"], Some("\"2\"")))
            .await
            .status,
        412
    );
    let response = call(&deps, handle, &delete(&id, &["officer"], Some("\"1\""))).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_null());

    let agency = AgencyId::parse("parks").unwrap();
    let record_id = RecordId::parse(&id).unwrap();
    assert_eq!(
        deps.store.get_record(&agency, &record_id).await.unwrap(),
        None
    );
    let history = deps
        .store
        .history(&agency, &record_id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action.as_str(), "record.delete");
    assert_eq!(history[1].actor, "o");
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
    assert_eq!(
        call(&deps, handle, &delete(&id, &["officer"], Some("\"1\"")))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn holds_and_retention_block_deletion() {
    let deps = deps(MemoryStore::new());
    let retained = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "T", "classification": "public", "retention_until": "2026-11-27"}),
        TEST_NOW,
    )
    .await;
    let response = call(
        &deps,
        handle,
        &delete(retained.record.id.as_str(), &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (409, "conflict")
    );
    // On the retention date itself the record may go.
    deps.clock.advance(24 * 3600 * 1000);
    assert_eq!(
        call(
            &deps,
            handle,
            &delete(retained.record.id.as_str(), &["officer"], Some("\"1\""))
        )
        .await
        .status,
        204
    );

    let held = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "H", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let mut next = held.clone();
    next.record.legal_hold = true;
    next.record.version = 2;
    let entry = AuditEntry::next(
        &held.head,
        TEST_NOW,
        "o",
        shared::model::AuditAction::Update,
        held.record.changes_to(&next.record),
    );
    next.head = entry.head();
    deps.store
        .update_if_version(&next, 1, &entry)
        .await
        .unwrap();
    assert_eq!(
        call(
            &deps,
            handle,
            &delete(held.record.id.as_str(), &["officer"], Some("\"2\""))
        )
        .await
        .status,
        409
    );
}

#[tokio::test]
async fn only_officers_of_the_agency_delete() {
    let (deps, stored) = deps_with_record("parks", "public").await;
    let id = stored.record.id.to_string();
    for roles in [&["clerk"][..], &["auditor"], &["reader"]] {
        assert_eq!(
            call(&deps, handle, &delete(&id, roles, Some("\"1\"")))
                .await
                .status,
            403
        );
    }
    let other = event("DELETE", "/records/{id}")
        .param("id", &id)
        .bearer(&token("z", "zoning", &["officer"], TEST_NOW))
        .header("if-match", "\"1\"");
    assert_eq!(call(&deps, handle, &other).await.status, 404);
}

#[tokio::test]
async fn a_document_landing_between_read_and_delete_is_not_a_412() {
    let deps = deps(MemoryStore::new());
    let stored = seed_plain_record(&deps.store, "parks", "public").await;
    shared::testing::document_lands_before_next_write(&deps.store, &stored);
    let response = call(
        &deps,
        handle,
        &delete(stored.record.id.as_str(), &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.body);
    let gone = deps
        .store
        .get_record(&stored.record.agency, &stored.record.id)
        .await
        .unwrap();
    assert_eq!(gone, None);
}

#[tokio::test]
async fn a_record_whose_schedule_has_not_started_counting_is_kept() {
    let deps = deps(MemoryStore::new());
    let schedule = shared::testing::seed_schedule(
        &deps.store,
        "parks",
        &json!({"name": "Permits", "keep": {"years": 7}, "from": "archived", "action": "destroy"}),
    )
    .await
    .schedule;
    let body = json!({"title": "Permit", "classification": "internal", "schedule": schedule.id});
    let stored = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    assert_eq!(stored.record.retention_until, None);
    let id = stored.record.id.to_string();
    let response = call(&deps, handle, &delete(&id, &["officer"], Some("\"1\""))).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (409, "conflict"),
        "{}",
        response.body
    );
    let agency = AgencyId::parse("parks").unwrap();
    assert!(
        deps.store
            .get_record(&agency, &stored.record.id)
            .await
            .unwrap()
            .is_some()
    );
}
