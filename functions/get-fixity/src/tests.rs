use serde_json::json;
use shared::clock::Timestamp;
use shared::model::{ContentType, FixityOutcome};
use shared::store::{FixityRun, FixityStore, MemoryStore};
use shared::testing::{
    TEST_NOW, call, deps, event, seed_document, seed_record, settle_document, token,
};

use super::handle;

fn report(agency: &str, role: &str) -> shared::http::GatewayEvent {
    event("GET", "/fixity").bearer(&token("u", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn the_report_counts_documents_by_outcome_and_shows_the_last_run() {
    let deps = deps(MemoryStore::new());
    let body = json!({"title": "Minutes", "classification": "internal"});
    let record = seed_record(&deps.store, "parks", &body, TEST_NOW).await;
    let mut documents = Vec::new();
    for _ in 0..3 {
        let pending = seed_document(&deps.store, &record, ContentType::PlainText, b"minutes").await;
        documents.push(settle_document(&deps.store, &pending, None).await);
    }
    // Never checked, checked intact, found damaged.
    let (intact, _) = documents[1].checked(FixityOutcome::Intact, TEST_NOW);
    deps.store
        .record_fixity(&documents[1], &intact, None)
        .await
        .unwrap();
    let (damaged, change) = documents[2].checked(FixityOutcome::Mismatch, TEST_NOW);
    let (action, changes) = change.unwrap();
    let current = shared::store::RecordStore::get_record(
        &deps.store,
        &record.record.agency,
        &record.record.id,
    )
    .await
    .unwrap()
    .unwrap();
    let (next, entry) = current.append(TEST_NOW, "fixity-check", action, changes);
    deps.store
        .record_fixity(&documents[2], &damaged, Some((&next, &entry)))
        .await
        .unwrap();
    let run = FixityRun {
        agency: record.record.agency.clone(),
        at: Timestamp::from_millis(TEST_NOW.as_millis() - 1),
        period_days: 90,
        checked: 2,
        bytes: 14,
        intact: 1,
        damaged: 1,
        restored: 0,
        overdue: 0,
    };
    deps.store.put_fixity_run(&run).await.unwrap();

    for role in ["auditor", "officer"] {
        let response = call(&deps, handle, &report("parks", role)).await;
        assert_eq!(response.status, 200, "{role}: {}", response.body);
        let body = &response.body;
        assert_eq!(
            body["documents"],
            json!({"intact": 1, "mismatch": 1, "missing": 0, "unchecked": 1})
        );
        assert_eq!(
            (body["damaged"].as_u64(), body["due"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(body["complete"], true);
        assert_eq!(body["last_run"]["checked"], 2);
        assert_eq!(body["period_days"], 90);
    }
    let elsewhere = call(&deps, handle, &report("water", "auditor")).await;
    assert_eq!(
        elsewhere.body["documents"],
        json!({"intact": 0, "mismatch": 0, "missing": 0, "unchecked": 0})
    );
    assert!(elsewhere.body["last_run"].is_null());
    for role in ["reader", "clerk"] {
        assert_eq!(
            call(&deps, handle, &report("parks", role)).await.status,
            403,
            "{role}"
        );
    }
}
