use serde_json::json;
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

fn delete(
    stored: &StoredSchedule,
    agency: &str,
    roles: &[&str],
    if_match: Option<&str>,
) -> shared::http::GatewayEvent {
    let request = event("DELETE", "/schedules/{id}")
        .param("id", stored.schedule.id.as_str())
        .bearer(&token("otto", agency, roles, TEST_NOW));
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

#[tokio::test]
async fn an_unused_schedule_is_deleted_at_its_version_and_its_chain_stays() {
    let (deps, stored) = seeded().await;
    assert_eq!(
        call(
            &deps,
            handle,
            &delete(&stored, "parks", &["clerk"], Some("\"1\""))
        )
        .await
        .status,
        403
    );
    assert_eq!(
        call(
            &deps,
            handle,
            &delete(&stored, "water", &["officer"], Some("\"1\""))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(&deps, handle, &delete(&stored, "parks", &["officer"], None))
            .await
            .status,
        428
    );
    assert_eq!(
        call(
            &deps,
            handle,
            &delete(&stored, "parks", &["officer"], Some("\"2\""))
        )
        .await
        .status,
        412
    );
    let response = call(
        &deps,
        handle,
        &delete(&stored, "parks", &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.body);

    let parks = AgencyId::parse("parks").unwrap();
    let id = &stored.schedule.id;
    assert_eq!(deps.store.get_schedule(&parks, id).await, Ok(None));
    let history = deps
        .store
        .schedule_history(&parks, id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        history.last().map(|e| (e.action, e.actor.as_str())),
        Some((AuditAction::ScheduleDelete, "otto"))
    );
    let again = call(
        &deps,
        handle,
        &delete(&stored, "parks", &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_schedule_in_use_is_a_409_even_when_named_mid_delete() {
    let (deps, stored) = seeded().await;
    let (agency, id) = (stored.schedule.agency.clone(), stored.schedule.id.clone());
    let (hook_agency, hook_id) = (agency.clone(), id.clone());
    deps.store.before_next_write(move |store| {
        Box::pin(async move {
            store
                .mark_schedule_used(&hook_agency, &hook_id)
                .await
                .unwrap();
        })
    });
    let raced = call(
        &deps,
        handle,
        &delete(&stored, "parks", &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(
        (raced.status, raced.problem_kind()),
        (409, "conflict"),
        "{}",
        raced.body
    );
    let after = call(
        &deps,
        handle,
        &delete(&stored, "parks", &["officer"], Some("\"1\"")),
    )
    .await;
    assert_eq!(after.status, 409);
    assert!(
        deps.store
            .get_schedule(&agency, &id)
            .await
            .unwrap()
            .is_some()
    );
}
