use serde_json::json;
use shared::model::{AuditEntry, verify_chain};
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_hold, seed_placement, seed_record, token};

use super::handle;

#[tokio::test]
async fn auditors_and_officers_read_a_holds_chain() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let body = json!({"title": "Permit", "classification": "internal"});
    let record = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    seed_placement(&deps.store, &record, &hold).await;
    let read = |agency: &str, role: &str| {
        event("GET", "/holds/{id}/history")
            .param("id", hold.hold.id.as_str())
            .bearer(&token("ava", agency, &[role], TEST_NOW))
    };
    for role in ["auditor", "officer"] {
        let response = call(&deps, handle, &read("parks", role)).await;
        assert_eq!(response.status, 200, "{role}: {}", response.body);
        let entries: Vec<AuditEntry> =
            serde_json::from_value(response.body["items"].clone()).unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["hold.create", "hold.place"]);
        assert!(
            entries[1]
                .changes
                .contains_key(&format!("records/{}", record.record.id))
        );
        assert!(verify_chain(&entries).is_ok());
    }
    assert_eq!(
        call(&deps, handle, &read("parks", "clerk")).await.status,
        403
    );
    assert_eq!(
        call(&deps, handle, &read("water", "officer")).await.status,
        404
    );
}
