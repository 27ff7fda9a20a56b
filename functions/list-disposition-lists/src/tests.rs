use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_due_item, test_list, token};

use super::handle;

#[tokio::test]
async fn officers_and_auditors_see_their_agencys_lists_only() {
    let deps = deps(MemoryStore::new());
    seed_due_item(&deps.store, "parks", "internal").await;
    seed_due_item(&deps.store, "parks", "public").await;
    seed_due_item(&deps.store, "water", "internal").await;
    for role in ["officer", "auditor"] {
        let request =
            event("GET", "/disposition/lists").bearer(&token("u", "parks", &[role], TEST_NOW));
        let response = call(&deps, handle, &request).await;
        assert_eq!(response.status, 200, "{role}: {}", response.body);
        let items = response.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{role}");
        assert_eq!(items[0]["id"], test_list().as_str());
        assert_eq!(
            (items[0]["agency"].as_str(), items[0]["items"].as_u64()),
            (Some("parks"), Some(2))
        );
    }
    for role in ["reader", "clerk"] {
        let request =
            event("GET", "/disposition/lists").bearer(&token("u", "parks", &[role], TEST_NOW));
        assert_eq!(call(&deps, handle, &request).await.status, 403, "{role}");
    }
}
