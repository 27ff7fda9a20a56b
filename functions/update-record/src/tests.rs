use serde_json::{Value, json};
use shared::http::GatewayEvent;
use shared::model::{AgencyId, AuditEntry};
use shared::store::{AuditLog, MemoryStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_plain_record, seed_record, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

async fn seeded(classification: &str) -> (Deps, String) {
    let deps = deps(MemoryStore::new());
    let body = json!({"title": "Permit", "classification": classification, "tags": ["a"]});
    let stored = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    (deps, stored.record.id.to_string())
}

fn patch(id: &str, roles: &[&str], if_match: Option<&str>, body: &Value) -> GatewayEvent {
    let request = event("PATCH", "/records/{id}")
        .param("id", id)
        .bearer(&token("pat", "parks", roles, TEST_NOW))
        .header("content-type", "application/merge-patch+json")
        .text(&body.to_string());
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

async fn history(deps: &Deps, id: &str) -> Vec<AuditEntry> {
    let id = shared::model::RecordId::parse(id).unwrap();
    deps.store
        .history(&AgencyId::parse("parks").unwrap(), &id, 100, None)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn applies_a_merge_patch_bumping_version_and_chaining_the_audit() {
    let (deps, id) = seeded("internal").await;
    deps.clock.advance(5000);
    let body = json!({"title": "Permit 12b", "tags": null, "description": "Amended"});
    let response = call(&deps, handle, &patch(&id, &["clerk"], Some("\"1\""), &body)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("etag"), Some("\"2\""));
    assert_eq!(response.body["title"], "Permit 12b");
    assert_eq!(response.body["tags"], json!([]));
    assert_eq!(response.body["version"], 2);
    assert_eq!(response.body["updated_by"], "pat");
    assert_eq!(response.body["updated_at"], "2026-11-26T10:21:43.000Z");

    let entries = history(&deps, &id).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1].changes["title"],
        [json!("Permit"), json!("Permit 12b")]
    );
    assert_eq!(entries[1].changes["tags"], [json!(["a"]), json!([])]);
    assert!(!entries[1].changes.contains_key("classification"));
    assert_eq!(shared::model::verify_chain(&entries), Ok(()));
}

#[tokio::test]
async fn preconditions_are_required_and_checked() {
    let (deps, id) = seeded("internal").await;
    let body = json!({"title": "New"});
    let missing = call(&deps, handle, &patch(&id, &["clerk"], None, &body)).await;
    assert_eq!(
        (missing.status, missing.problem_kind()),
        (428, "precondition-required")
    );
    let stale = call(&deps, handle, &patch(&id, &["clerk"], Some("\"0\""), &body)).await;
    assert_eq!(
        (stale.status, stale.problem_kind()),
        (412, "precondition-failed")
    );
    let weak = call(
        &deps,
        handle,
        &patch(&id, &["clerk"], Some("W/\"1\""), &body),
    )
    .await;
    assert_eq!(weak.status, 412, "If-Match uses strong comparison");
    assert_eq!(
        call(&deps, handle, &patch(&id, &["clerk"], Some("*"), &body))
            .await
            .status,
        200
    );
    assert_eq!(history(&deps, &id).await.len(), 2);
}

#[tokio::test]
async fn status_moves_are_for_officers_and_only_forward() {
    let (deps, id) = seeded("public").await;
    let publish = json!({"status": "published"});
    let clerk = call(
        &deps,
        handle,
        &patch(&id, &["clerk"], Some("\"1\""), &publish),
    )
    .await;
    assert_eq!(clerk.status, 403);
    let officer = call(
        &deps,
        handle,
        &patch(&id, &["officer"], Some("\"1\""), &publish),
    )
    .await;
    assert_eq!(officer.status, 200);
    let back = call(
        &deps,
        handle,
        &patch(
            &id,
            &["officer"],
            Some("\"2\""),
            &json!({"status": "draft"}),
        ),
    )
    .await;
    assert_eq!((back.status, back.problem_kind()), (409, "conflict"));
    let archive = call(
        &deps,
        handle,
        &patch(
            &id,
            &["officer"],
            Some("\"2\""),
            &json!({"status": "archived"}),
        ),
    )
    .await;
    assert_eq!(archive.status, 200);
    let edit_archived = call(
        &deps,
        handle,
        &patch(&id, &["officer"], Some("\"3\""), &json!({"title": "x"})),
    )
    .await;
    assert_eq!(edit_archived.status, 409);
    let hold = call(
        &deps,
        handle,
        &patch(
            &id,
            &["officer"],
            Some("\"3\""),
            &json!({"legal_hold": true}),
        ),
    )
    .await;
    assert_eq!(
        hold.status, 200,
        "legal hold still applies to archived records"
    );
}

#[tokio::test]
async fn legal_hold_and_confidentiality_need_the_right_role() {
    let (deps, id) = seeded("public").await;
    let hold = call(
        &deps,
        handle,
        &patch(&id, &["clerk"], Some("\"1\""), &json!({"legal_hold": true})),
    )
    .await;
    assert_eq!(hold.status, 403);
    let hide = call(
        &deps,
        handle,
        &patch(
            &id,
            &["clerk"],
            Some("\"1\""),
            &json!({"classification": "confidential"}),
        ),
    )
    .await;
    assert_eq!(hide.status, 403);
    assert_eq!(
        call(
            &deps,
            handle,
            &patch(&id, &["reader"], Some("\"1\""), &json!({"title": "x"}))
        )
        .await
        .status,
        403
    );
    assert_eq!(
        call(
            &deps,
            handle,
            &patch(&id, &["auditor"], Some("\"1\""), &json!({"title": "x"}))
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn non_patchable_and_invalid_fields_are_400_and_change_nothing() {
    let (deps, id) = seeded("public").await;
    for body in [
        json!({"id": "x"}),
        json!({"version": 9}),
        json!({"created_by": "me"}),
        json!({"agency": "zoning"}),
        json!({"title": ""}),
        json!({"status": null}),
        json!([]),
        json!({"tags": ["UPPER"]}),
    ] {
        let response = call(
            &deps,
            handle,
            &patch(&id, &["officer"], Some("\"1\""), &body),
        )
        .await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{body}"
        );
    }
    assert_eq!(history(&deps, &id).await.len(), 1);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let (deps, id) = seeded("public").await;
    let response = call(
        &deps,
        handle,
        &patch(&id, &["clerk"], Some("\"1\""), &json!({"title": "Permit"})),
    )
    .await;
    assert_eq!(
        (response.status, response.header("etag")),
        (200, Some("\"1\""))
    );
    assert_eq!(history(&deps, &id).await.len(), 1);
}

#[tokio::test]
async fn hidden_records_are_404() {
    let (deps, id) = seeded("confidential").await;
    assert_eq!(
        call(
            &deps,
            handle,
            &patch(&id, &["clerk"], Some("\"1\""), &json!({"title": "x"}))
        )
        .await
        .status,
        404
    );
    let other = event("PATCH", "/records/{id}")
        .param("id", &id)
        .bearer(&token("z", "zoning", &["officer"], TEST_NOW))
        .header("if-match", "\"1\"")
        .json(&json!({"title": "x"}));
    assert_eq!(call(&deps, handle, &other).await.status, 404);
}

#[tokio::test]
async fn a_document_landing_between_read_and_write_is_not_a_412() {
    let deps = deps(MemoryStore::new());
    let stored = seed_plain_record(&deps.store, "parks", "public").await;
    shared::testing::document_lands_before_next_write(&deps.store, &stored);
    let id = stored.record.id.to_string();
    let response = call(
        &deps,
        handle,
        &patch(&id, &["clerk"], Some("\"1\""), &json!({"title": "Edited"})),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("etag"), Some("\"2\""));
    let history = deps
        .store
        .history(&stored.record.agency, &stored.record.id, 10, None)
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["record.create", "document.add", "record.update"]);
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
}

/// Sends `body` as an officer at the record's current version; answers the status.
async fn officer_patch(deps: &Deps, id: &str, body: Value) -> u16 {
    let record_id = shared::model::RecordId::parse(id).unwrap();
    let current = shared::store::RecordStore::get_record(
        &deps.store,
        &AgencyId::parse("parks").unwrap(),
        &record_id,
    )
    .await
    .unwrap()
    .unwrap();
    let etag = current.record.etag();
    let response = call(deps, handle, &patch(id, &["officer"], Some(&etag), &body)).await;
    response.status
}

#[tokio::test]
async fn retention_is_an_officers_to_change_and_only_to_extend_once_archived_or_held() {
    let (deps, id) = seeded("internal").await;
    assert_eq!(
        officer_patch(&deps, &id, json!({"retention_until": "2030-01-01"})).await,
        200
    );
    // A clerk may not touch it: neither clear it nor move it.
    for body in [
        json!({"retention_until": null}),
        json!({"retention_until": "2029-01-01"}),
        json!({"retention_until": "2031-01-01"}),
    ] {
        let response = call(&deps, handle, &patch(&id, &["clerk"], Some("\"2\""), &body)).await;
        assert_eq!(response.status, 403, "{body}: {}", response.body);
    }
    // A draft's retention an officer may still shorten (nothing depends on it yet).
    assert_eq!(
        officer_patch(&deps, &id, json!({"retention_until": "2029-06-01"})).await,
        200
    );
    // Archived, or under legal hold: only later, never sooner, never cleared.
    for freeze in [json!({"status": "archived"}), json!({"legal_hold": true})] {
        let (deps, id) = seeded("internal").await;
        assert_eq!(
            officer_patch(&deps, &id, json!({"retention_until": "2030-01-01"})).await,
            200
        );
        assert_eq!(officer_patch(&deps, &id, freeze.clone()).await, 200);
        for shorter in [json!("2029-12-31"), json!(null)] {
            let status = officer_patch(&deps, &id, json!({"retention_until": shorter})).await;
            assert_eq!(status, 409, "{freeze} then {shorter}");
        }
        assert_eq!(
            officer_patch(&deps, &id, json!({"retention_until": "2031-01-01"})).await,
            200,
            "{freeze}: extending"
        );
        let entries = history(&deps, &id).await;
        assert_eq!(
            entries.last().unwrap().changes["retention_until"],
            [json!("2030-01-01"), json!("2031-01-01")],
            "audited like any change"
        );
    }
}

async fn schedule_of(deps: &Deps, from: &str) -> shared::model::StoredSchedule {
    let body = json!({"name": "Permits", "keep": {"years": 2, "months": 3}, "from": from,
                      "action": "destroy"});
    shared::testing::seed_schedule(&deps.store, "parks", &body).await
}

#[tokio::test]
async fn an_officer_puts_a_record_under_a_schedule_which_computes_its_retention() {
    let (deps, id) = seeded("internal").await;
    let schedule = schedule_of(&deps, "created").await.schedule;
    let body = json!({"schedule": schedule.id});
    let clerk = call(&deps, handle, &patch(&id, &["clerk"], Some("\"1\""), &body)).await;
    assert_eq!(clerk.status, 403, "a clerk cannot: {}", clerk.body);
    let response = call(
        &deps,
        handle,
        &patch(&id, &["officer"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["schedule"], json!(schedule.id));
    // Created 2026-11-26, kept two years and three months.
    assert_eq!(response.body["retention_until"], "2029-02-26");
    let entry = history(&deps, &id).await.pop().unwrap();
    assert_eq!(entry.changes["schedule"], [Value::Null, json!(schedule.id)]);
    assert_eq!(
        entry.changes["retention_until"],
        [Value::Null, json!("2029-02-26")]
    );
    let agency = AgencyId::parse("parks").unwrap();
    let stored = shared::store::ScheduleStore::get_schedule(&deps.store, &agency, &schedule.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.schedule.in_use, "it can no longer be deleted");

    // Its date is the schedule's to compute, not anyone's to type.
    let by_hand = json!({"retention_until": "2040-01-01"});
    let refused = call(
        &deps,
        handle,
        &patch(&id, &["officer"], Some("\"2\""), &by_hand),
    )
    .await;
    assert_eq!(
        (refused.status, refused.problem_kind()),
        (400, "validation")
    );
    // Taken off its schedule, the record keeps the last date, now by hand.
    let off = json!({"schedule": null});
    let response = call(
        &deps,
        handle,
        &patch(&id, &["officer"], Some("\"2\""), &off),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["retention_until"], "2029-02-26");
}

#[tokio::test]
async fn a_schedule_counting_from_archiving_sets_the_date_when_the_record_is_archived() {
    let (deps, id) = seeded("internal").await;
    let schedule = schedule_of(&deps, "archived").await.schedule;
    assert_eq!(
        officer_patch(&deps, &id, json!({"schedule": schedule.id})).await,
        200
    );
    let agency = AgencyId::parse("parks").unwrap();
    let record_id = shared::model::RecordId::parse(&id).unwrap();
    let read = || async {
        shared::store::RecordStore::get_record(&deps.store, &agency, &record_id)
            .await
            .unwrap()
            .unwrap()
            .record
    };
    assert_eq!(read().await.retention_until, None, "not archived yet");
    assert_eq!(
        officer_patch(&deps, &id, json!({"status": "published"})).await,
        200
    );
    assert_eq!(
        read().await.retention_until,
        None,
        "published is not archived"
    );
    deps.clock.advance(60_000);
    assert_eq!(
        officer_patch(&deps, &id, json!({"status": "archived"})).await,
        200
    );
    let archived = read().await;
    assert_eq!(
        archived.archived_at.map(|at| at.to_string()).as_deref(),
        Some("2026-11-26T10:22:38.000Z")
    );
    assert_eq!(archived.retention_until.unwrap().to_string(), "2029-02-26");
    let entry = history(&deps, &id).await.pop().unwrap();
    assert_eq!(
        entry.changes["retention_until"],
        [Value::Null, json!("2029-02-26")]
    );
    assert!(entry.changes.contains_key("archived_at"));

    // Archived: another schedule may keep it longer, never shorter.
    let shorter = shared::testing::seed_schedule(
        &deps.store,
        "parks",
        &json!({"name": "Short", "keep": {"months": 1}, "from": "archived", "action": "destroy"}),
    )
    .await
    .schedule;
    assert_eq!(
        officer_patch(&deps, &id, json!({"schedule": shorter.id})).await,
        409
    );
}

#[tokio::test]
async fn a_schedule_that_is_not_this_agencys_is_a_400_and_marks_nothing() {
    let (deps, id) = seeded("internal").await;
    let body =
        json!({"name": "Theirs", "keep": {"years": 1}, "from": "created", "action": "review"});
    let theirs = shared::testing::seed_schedule(&deps.store, "water", &body).await;
    for schedule in [
        json!(theirs.schedule.id),
        json!("01KBXQ7R5M3N8P2V6W9Y4Z0A1B"),
        json!("nope"),
    ] {
        let body = json!({"schedule": schedule});
        let response = call(
            &deps,
            handle,
            &patch(&id, &["officer"], Some("\"1\""), &body),
        )
        .await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{schedule}"
        );
    }
    let water = AgencyId::parse("water").unwrap();
    let stored =
        shared::store::ScheduleStore::get_schedule(&deps.store, &water, &theirs.schedule.id)
            .await
            .unwrap()
            .unwrap();
    assert!(!stored.schedule.in_use);
    assert_eq!(history(&deps, &id).await.len(), 1);
}
