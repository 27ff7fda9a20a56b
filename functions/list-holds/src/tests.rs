use serde_json::json;
use shared::model::{AgencyId, HoldBody, HoldId, StoredHold};
use shared::store::{HoldStore, MemoryStore};
use shared::testing::{TEST_NOW, call, deps, event, token};

use super::handle;

#[tokio::test]
async fn officers_and_auditors_see_their_agencys_holds_only() {
    let deps = deps(MemoryStore::new());
    for agency in ["parks", "water"] {
        let body =
            HoldBody::from_json(&json!({"name": format!("{agency} case"), "reason": "Litigation"}))
                .unwrap();
        let agency = AgencyId::parse(agency).unwrap();
        let (stored, entry) =
            StoredHold::create(HoldId::generate(TEST_NOW), agency, body, TEST_NOW, "olga");
        deps.store.create_hold(&stored, &entry).await.unwrap();
    }
    for role in ["officer", "auditor"] {
        let request = event("GET", "/holds").bearer(&token("u", "parks", &[role], TEST_NOW));
        let response = call(&deps, handle, &request).await;
        assert_eq!(response.status, 200, "{role}: {}", response.body);
        let items = response.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{role}");
        assert_eq!(items[0]["name"], "parks case");
        assert_eq!(items[0]["status"], "active");
        assert_eq!(items[0]["records"], 0);
    }
    for role in ["reader", "clerk"] {
        let request = event("GET", "/holds").bearer(&token("u", "parks", &[role], TEST_NOW));
        assert_eq!(call(&deps, handle, &request).await.status, 403, "{role}");
    }
}
