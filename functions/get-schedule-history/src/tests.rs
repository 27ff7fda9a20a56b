use serde_json::json;
use shared::model::{AuditEntry, SchedulePatch, verify_chain};
use shared::store::{MemoryStore, ScheduleStore};
use shared::testing::{TEST_NOW, call, deps, event, seed_schedule, token};

use super::handle;

#[tokio::test]
async fn auditors_and_officers_read_a_schedules_chain_even_once_deleted() {
    let deps = deps(MemoryStore::new());
    let body =
        json!({"name": "Permits", "keep": {"years": 7}, "from": "archived", "action": "destroy"});
    let stored = seed_schedule(&deps.store, "parks", &body).await;
    let patch = SchedulePatch::from_json(&json!({"keep": {"years": 10}})).unwrap();
    let (next, entry) = stored.revise(&patch, TEST_NOW, "olga").unwrap();
    deps.store.update_schedule(&next, 1, &entry).await.unwrap();
    let deletion = next.deletion(TEST_NOW, "olga");
    let agency = stored.schedule.agency.clone();
    deps.store
        .delete_schedule(&agency, &next.schedule.id, 2, &deletion)
        .await
        .unwrap();
    let read = |agency: &str, role: &str, query: &str| {
        event("GET", "/schedules/{id}/history")
            .param("id", stored.schedule.id.as_str())
            .query(query)
            .bearer(&token("ava", agency, &[role], TEST_NOW))
    };
    for role in ["auditor", "officer"] {
        let first = call(&deps, handle, &read("parks", role, "limit=2")).await;
        assert_eq!(first.status, 200, "{role}: {}", first.body);
        let mut entries: Vec<AuditEntry> =
            serde_json::from_value(first.body["items"].clone()).unwrap();
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let rest = call(
            &deps,
            handle,
            &read("parks", role, &format!("limit=2&cursor={cursor}")),
        )
        .await;
        entries
            .extend(serde_json::from_value::<Vec<AuditEntry>>(rest.body["items"].clone()).unwrap());
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["schedule.create", "schedule.update", "schedule.delete"]
        );
        assert!(verify_chain(&entries).is_ok());
    }
    assert_eq!(
        call(&deps, handle, &read("parks", "clerk", ""))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &read("water", "auditor", ""))
            .await
            .status,
        404
    );
}
