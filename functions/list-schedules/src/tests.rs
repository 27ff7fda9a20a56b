use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_schedule, token};

use super::handle;

#[tokio::test]
async fn staff_see_their_agencys_schedules_only() {
    let deps = deps(MemoryStore::new());
    let permits =
        json!({"name": "Permits", "keep": {"years": 7}, "from": "archived", "action": "destroy"});
    let minutes =
        json!({"name": "Minutes", "keep": {"years": 2}, "from": "created", "action": "review"});
    let first = seed_schedule(&deps.store, "parks", &permits).await;
    let second = seed_schedule(&deps.store, "parks", &minutes).await;
    seed_schedule(&deps.store, "water", &permits).await;
    for role in ["clerk", "officer", "auditor", "reader"] {
        let request = event("GET", "/schedules").bearer(&token("u", "parks", &[role], TEST_NOW));
        let response = call(&deps, handle, &request).await;
        assert_eq!(response.status, 200, "{role}: {}", response.body);
        let items = response.body["items"].as_array().unwrap();
        let mut ids: Vec<_> = items.iter().map(|s| s["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        let mut expected = [first.schedule.id.as_str(), second.schedule.id.as_str()];
        expected.sort_unstable();
        assert_eq!(ids, expected, "{role}");
    }
    let listed = call(
        &deps,
        handle,
        &event("GET", "/schedules").bearer(&token("u", "parks", &["clerk"], TEST_NOW)),
    )
    .await;
    let permits = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Permits")
        .unwrap()
        .clone();
    assert_eq!(permits["keep"], json!({"years": 7, "months": 0}));
    assert_eq!(permits["from"], "archived");
    assert_eq!(permits["in_use"], false);
    assert_eq!(permits["version"], 1);

    let anonymous = call(&deps, handle, &event("GET", "/schedules")).await;
    assert_eq!(anonymous.status, 401);
}
