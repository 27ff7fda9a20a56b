use shared::model::{Closing, ClosingReason, RequestStatus};
use shared::store::{MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, call_public, deps, event, seed_profile, seed_request};

use super::handle;

fn stats(agency: &str, query: &str) -> shared::http::GatewayEvent {
    event("GET", "/public/agencies/{agency}/stats")
        .param("agency", agency)
        .query(query)
}

#[tokio::test]
async fn a_years_requests_are_counted_on_the_agencys_calendar() {
    let deps = deps(MemoryStore::new());
    seed_profile(&deps.store, "parks", "Parks").await;
    for seq in 1..=3 {
        let (stored, _) =
            seed_request(&deps.store, "parks", &format!("Permits, request {seq}")).await;
        if seq == 1 {
            let mut closed = stored.request.clone();
            closed.status = RequestStatus::Closed;
            closed.closing = Some(Closing {
                reason: ClosingReason::NoResponsiveRecords,
                exemptions: Vec::new(),
                duplicate_of: None,
                at: TEST_NOW.plus_millis(2 * 86_400_000),
            });
            let (next, entry) = stored.revise(closed, TEST_NOW, "olga").unwrap();
            deps.store
                .update_request(&next, 1, &entry, None)
                .await
                .unwrap();
        }
    }
    let response = call_public(&deps, handle, &stats("parks", "")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.body,
        serde_json::json!({"year": 2026, "received": 3, "closed": 1, "open": 2, "overdue": 0,
                           "median_days_to_close": 2.0, "closed_on_time": 1.0,
                           "by_closing_reason": {"no_responsive_records": 1}})
    );
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    let earlier = call_public(&deps, handle, &stats("parks", "year=2025")).await;
    assert_eq!(
        (
            earlier.body["year"].as_i64(),
            earlier.body["received"].as_i64()
        ),
        (Some(2025), Some(0))
    );
}

#[tokio::test]
async fn unknown_agencies_and_bad_years_are_refused() {
    let deps = deps(MemoryStore::new());
    assert_eq!(
        call_public(&deps, handle, &stats("parks", "")).await.status,
        404
    );
    seed_profile(&deps.store, "parks", "Parks").await;
    for bad in ["year=26", "year=twenty", "year=2026&month=1"] {
        let response = call_public(&deps, handle, &stats("parks", bad)).await;
        assert_eq!(response.status, 400, "{bad}");
    }
}
