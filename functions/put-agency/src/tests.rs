use serde_json::{Value, json};
use shared::model::{AgencyId, ProfileBody, StoredAgency, verify_chain};
use shared::store::{AgencyStore, MemoryStore};
use shared::testing::{TEST_NOW, call, deps, event, token};

use super::handle;

fn body(name: &str) -> Value {
    json!({"name": name, "description": "Parks and trails.",
           "contact_email": "records@parks.example.gov",
           "website": "https://parks.example.gov", "timezone": "America/Chicago"})
}

fn put(roles: &[&str], if_match: Option<&str>, body: &Value) -> shared::http::GatewayEvent {
    let request = event("PUT", "/agency")
        .bearer(&token("olga", "parks", roles, TEST_NOW))
        .json(body);
    match if_match {
        Some(tag) => request.header("if-match", tag),
        None => request,
    }
}

async fn history(store: &MemoryStore) -> Vec<shared::model::AuditEntry> {
    store
        .agency_history(&AgencyId::parse("parks").unwrap(), 100, None)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn the_first_write_creates_and_later_ones_need_the_current_etag() {
    let deps = deps(MemoryStore::new());
    let first = call(&deps, handle, &put(&["officer"], None, &body("Parks"))).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("etag"), Some("\"1\""));
    assert_eq!(first.body["agency"], "parks");
    assert_eq!(first.body["name"], "Parks");
    assert_eq!(first.body["timezone"], "America/Chicago");
    assert_eq!(first.body["updated_by"], "olga");

    let missing = call(&deps, handle, &put(&["officer"], None, &body("Parks 2"))).await;
    assert_eq!(
        (missing.status, missing.problem_kind()),
        (428, "precondition-required")
    );
    let stale = call(
        &deps,
        handle,
        &put(&["officer"], Some("\"0\""), &body("P2")),
    )
    .await;
    assert_eq!(
        (stale.status, stale.problem_kind()),
        (412, "precondition-failed")
    );
    let second = call(
        &deps,
        handle,
        &put(&["officer"], Some("\"1\""), &body("P2")),
    )
    .await;
    assert_eq!((second.status, second.header("etag")), (200, Some("\"2\"")));

    let entries = history(&deps.store).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].changes.keys().collect::<Vec<_>>(), ["name"]);
    assert_eq!(entries[1].actor, "olga");
    assert_eq!(verify_chain(&entries), Ok(()));
}

#[tokio::test]
async fn an_unchanged_profile_writes_nothing() {
    let deps = deps(MemoryStore::new());
    call(&deps, handle, &put(&["officer"], None, &body("Parks"))).await;
    let same = call(
        &deps,
        handle,
        &put(&["officer"], Some("\"1\""), &body("Parks")),
    )
    .await;
    assert_eq!((same.status, same.header("etag")), (200, Some("\"1\"")));
    assert_eq!(history(&deps.store).await.len(), 1);
}

#[tokio::test]
async fn if_match_on_an_agency_without_a_profile_fails() {
    let deps = deps(MemoryStore::new());
    let response = call(&deps, handle, &put(&["officer"], Some("*"), &body("Parks"))).await;
    assert_eq!(response.status, 412);
    assert!(history(&deps.store).await.is_empty());
}

#[tokio::test]
async fn only_officers_write_the_profile() {
    let deps = deps(MemoryStore::new());
    for roles in [&["clerk"][..], &["reader"], &["auditor"]] {
        let response = call(&deps, handle, &put(roles, None, &body("Parks"))).await;
        assert_eq!(response.status, 403, "{roles:?}");
    }
    assert_eq!(
        deps.store
            .get_agency(&AgencyId::parse("parks").unwrap())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn bad_bodies_name_every_bad_field() {
    let deps = deps(MemoryStore::new());
    let bad = json!({"name": "", "contact_email": "x", "timezone": "Nowhere/Land", "extra": 1});
    let response = call(&deps, handle, &put(&["officer"], None, &bad)).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let mut fields: Vec<&str> = response.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["contact_email", "extra", "name", "timezone"]);
    assert!(history(&deps.store).await.is_empty());
}

#[tokio::test]
async fn a_profile_written_between_read_and_write_is_not_overwritten() {
    let deps = deps(MemoryStore::new());
    deps.store.before_next_write(|store| {
        Box::pin(async move {
            let parks = AgencyId::parse("parks").unwrap();
            let body = ProfileBody::from_json(&body("Theirs")).unwrap();
            let (stored, entry) =
                StoredAgency::revise(None, &parks, body, TEST_NOW, "rival").unwrap();
            store.put_agency(&stored, None, &entry).await.unwrap();
        })
    });
    let response = call(&deps, handle, &put(&["officer"], None, &body("Mine"))).await;
    assert_eq!(response.status, 412);
    let kept = deps
        .store
        .get_agency(&AgencyId::parse("parks").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.profile.name, "Theirs");
    assert_eq!(history(&deps.store).await.len(), 1);
}
