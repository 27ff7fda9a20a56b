use serde_json::{Value, json};
use shared::model::{AgencyId, AuditAction, StoredSchedule};
use shared::store::{MemoryStore, ScheduleStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_schedule, token};

use super::handle;

type Deps = shared::Deps<MemoryStore>;

async fn seeded() -> (Deps, StoredSchedule) {
    let deps = deps(MemoryStore::new());
    let body =
        json!({"name": "Permits", "keep": {"years": 7}, "from": "archived", "action": "destroy"});
    let stored = seed_schedule(&deps.store, "parks", &body).await;
    (deps, stored)
}

fn patch(
    stored: &StoredSchedule,
    agency: &str,
    roles: &[&str],
    if_match: Option<&str>,
    body: &Value,
) -> shared::http::GatewayEvent {
    let request = event("PATCH", "/schedules/{id}")
        .param("id", stored.schedule.id.as_str())
        .bearer(&token("otto", agency, roles, TEST_NOW))
        .header("content-type", "application/merge-patch+json")
        .text(&body.to_string());
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

#[tokio::test]
async fn an_officer_changes_a_schedule_at_its_version_and_it_is_audited() {
    let (deps, stored) = seeded().await;
    let body = json!({"keep": {"years": 10}, "action": "review"});
    let response = call(
        &deps,
        handle,
        &patch(&stored, "parks", &["officer"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("etag"), Some("\"2\""));
    assert_eq!(response.body["keep"], json!({"years": 10, "months": 0}));
    assert_eq!(response.body["updated_by"], "otto");

    let parks = AgencyId::parse("parks").unwrap();
    let history = deps
        .store
        .schedule_history(&parks, &stored.schedule.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action, AuditAction::ScheduleUpdate);
    assert_eq!(
        history[1].changes["action"],
        [json!("destroy"), json!("review")]
    );
    assert!(shared::model::verify_chain(&history).is_ok());

    // The same patch again at the old version: 412; without a version: 428.
    let stale = call(
        &deps,
        handle,
        &patch(&stored, "parks", &["officer"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(stale.status, 412);
    let missing = call(
        &deps,
        handle,
        &patch(&stored, "parks", &["officer"], None, &body),
    )
    .await;
    assert_eq!(missing.status, 428);
}

#[tokio::test]
async fn clerks_other_agencies_and_bad_patches_change_nothing() {
    let (deps, stored) = seeded().await;
    let body = json!({"name": "Renamed"});
    let clerk = call(
        &deps,
        handle,
        &patch(&stored, "parks", &["clerk"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(clerk.status, 403);
    let theirs = call(
        &deps,
        handle,
        &patch(&stored, "water", &["officer"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(
        theirs.status, 404,
        "another agency's schedule does not exist for it"
    );
    for bad in [
        json!({"name": null}),
        json!({"in_use": false}),
        json!({"keep": {"months": 12}}),
    ] {
        let response = call(
            &deps,
            handle,
            &patch(&stored, "parks", &["officer"], Some("\"1\""), &bad),
        )
        .await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{bad}"
        );
    }
    let parks = AgencyId::parse("parks").unwrap();
    let now = deps
        .store
        .get_schedule(&parks, &stored.schedule.id)
        .await
        .unwrap();
    assert_eq!(now, Some(stored));
}

#[tokio::test]
async fn a_record_naming_the_schedule_mid_change_is_not_a_412_and_keeps_it_in_use() {
    let (deps, stored) = seeded().await;
    let (agency, id) = (stored.schedule.agency.clone(), stored.schedule.id.clone());
    deps.store.before_next_write(move |store| {
        Box::pin(async move {
            store.mark_schedule_used(&agency, &id).await.unwrap();
        })
    });
    let body = json!({"name": "Building permits"});
    let response = call(
        &deps,
        handle,
        &patch(&stored, "parks", &["officer"], Some("\"1\""), &body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["in_use"], true);
    assert_eq!(response.body["name"], "Building permits");
}
