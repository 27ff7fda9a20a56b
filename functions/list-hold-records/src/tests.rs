use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_hold, seed_placement, seed_record, token};

use super::handle;

#[tokio::test]
async fn officers_and_auditors_page_through_the_records_a_hold_covers() {
    let deps = deps(MemoryStore::new());
    let hold = seed_hold(&deps.store, "parks", "Smith v. City").await;
    let mut current = hold.clone();
    for n in 0..3 {
        let body = json!({"title": format!("Permit {n}"), "classification": "confidential"});
        let record = seed_record(&deps.store, "parks", &body, TEST_NOW.plus_millis(n)).await;
        current = seed_placement(&deps.store, &record, &current).await.1;
    }
    seed_record(
        &deps.store,
        "parks",
        &json!({"title": "Free", "classification": "internal"}),
        TEST_NOW,
    )
    .await;
    let page = |role: &str, agency: &str, query: &str| {
        event("GET", "/holds/{id}/records")
            .param("id", hold.hold.id.as_str())
            .query(query)
            .bearer(&token("a", agency, &[role], TEST_NOW))
    };
    for role in ["officer", "auditor"] {
        let first = call(&deps, handle, &page(role, "parks", "limit=2")).await;
        assert_eq!(first.status, 200, "{role}: {}", first.body);
        assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
        assert!(first.body["items"][0]["legal_hold"].as_bool().unwrap());
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let rest = call(
            &deps,
            handle,
            &page(role, "parks", &format!("limit=2&cursor={cursor}")),
        )
        .await;
        assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
        assert!(rest.body["next_cursor"].is_null());
    }
    assert_eq!(
        call(&deps, handle, &page("clerk", "parks", ""))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&deps, handle, &page("officer", "water", ""))
            .await
            .status,
        404
    );
}
