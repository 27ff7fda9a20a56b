use serde_json::json;
use shared::clock::{Clock, Timestamp};
use shared::disposition::MemoryQueue;
use shared::model::{DestructionOrder, DisposalAction, ItemState, Status, StoredRecord};
use shared::store::{DispositionStore, MemoryStore};
use shared::testing::{
    TEST_NOW, seed_decision, seed_due_item, seed_hold, seed_placement, seed_record, seed_schedule,
    seed_update, test_list,
};

use super::*;

fn review() -> Review<MemoryStore, MemoryQueue> {
    Review {
        store: MemoryStore::new(),
        queue: MemoryQueue::default(),
        clock: Clock::fixed(TEST_NOW),
    }
}

/// Two years before the tests' now.
const LONG_AGO: Timestamp = Timestamp::from_millis(TEST_NOW.as_millis() - 2 * 366 * 86_400_000);

/// A record of `agency` filed under a one-year schedule two years ago, moved to `status`
/// by `olga`.
async fn filed<S: Store>(store: &S, agency: &str, schedule: &str, status: Status) -> StoredRecord {
    let body = json!({"title": "Minutes", "classification": "internal", "schedule": schedule});
    let created = seed_record(store, agency, &body, LONG_AGO).await;
    if status == Status::Draft {
        return created;
    }
    seed_update(store, &created, "olga", LONG_AGO, |record| {
        record.status = status
    })
    .await
}

#[tokio::test]
async fn archived_records_past_retention_and_unheld_are_listed_once() {
    let review = review();
    let store = &review.store;
    let yearly = json!({"name": "GS-7", "keep": {"years": 1, "months": 0}, "from": "created", "action": "destroy"});
    let long = json!({"name": "Permanent-ish", "keep": {"years": 50, "months": 0}, "from": "created", "action": "destroy"});
    let yearly = seed_schedule(store, "parks", &yearly).await.schedule.id;
    let long = seed_schedule(store, "parks", &long).await.schedule.id;
    let due = filed(store, "parks", yearly.as_str(), Status::Archived).await;
    let draft = filed(store, "parks", yearly.as_str(), Status::Draft).await;
    let kept_long = filed(store, "parks", long.as_str(), Status::Archived).await;
    let held = filed(store, "parks", yearly.as_str(), Status::Archived).await;
    let hold = seed_hold(store, "parks", "Smith v. City").await;
    seed_placement(store, &held, &hold).await;
    let roads_schedule = json!({"name": "R", "keep": {"years": 1, "months": 0}, "from": "created", "action": "review"});
    let roads_schedule = seed_schedule(store, "roads", &roads_schedule)
        .await
        .schedule
        .id;
    let theirs = filed(store, "roads", roads_schedule.as_str(), Status::Archived).await;

    let summary = review_all(&review).await.unwrap();
    assert_eq!(
        (summary.agencies, summary.listed, summary.requeued),
        (2, 2, 0)
    );
    let parks = &due.record.agency;
    let items = store
        .disposition_items(parks, &test_list(), 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item.record, due.record.id);
    assert_eq!(
        (item.state, item.action),
        (ItemState::Pending, DisposalAction::Destroy)
    );
    assert_eq!(
        item.schedule_set_by.as_deref(),
        Some("seed"),
        "the record was filed under it"
    );
    assert_eq!(item.record_version, due.record.version);
    assert_eq!(
        item.retention_until.to_string(),
        "2025-11-24",
        "created 2024-11-24, kept a year"
    );
    for other in [&draft, &kept_long, &held] {
        assert!(items.iter().all(|i| i.record != other.record.id));
    }
    let roads = store
        .disposition_items(&theirs.record.agency, &test_list(), 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!((roads.len(), roads[0].action), (1, DisposalAction::Review));

    // Again this month: nothing new.
    assert_eq!(review_all(&review).await.unwrap().listed, 0);
    let list = store
        .get_disposition(parks, &test_list())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list.items, 1);
}

#[tokio::test]
async fn approved_destructions_are_queued_again_and_open_items_not_relisted() {
    let review = review();
    let store = &review.store;
    let (record, item) = seed_due_item(store, "parks", "internal").await;
    let (_, approved) = seed_decision(store, &record, &item, true, "otto").await;
    let (_, pending) = seed_due_item(store, "parks", "internal").await;
    let summary = review_all(&review).await.unwrap();
    assert_eq!((summary.listed, summary.requeued), (0, 1));
    assert_eq!(review.queue.sent(), [DestructionOrder::of(&approved)]);
    assert_eq!(pending.state, ItemState::Pending);

    // A destruction Object Lock holds back until after now waits for a later run.
    let waiting = approved.wait_until(Timestamp::from_millis(TEST_NOW.as_millis() + 1));
    store.update_disposition_item(&waiting).await.unwrap();
    assert_eq!(review_all(&review).await.unwrap().requeued, 0);
}

#[tokio::test]
async fn a_failed_send_fails_the_run_for_that_agency_only() {
    let review = review();
    let store = &review.store;
    let (record, item) = seed_due_item(store, "parks", "internal").await;
    seed_decision(store, &record, &item, true, "otto").await;
    seed_due_item(store, "roads", "internal").await;
    review.queue.fail(true);
    let failed = review_all(&review).await.unwrap_err();
    assert_eq!(failed.failures.len(), 1, "{failed}");
    assert!(failed.failures[0].starts_with("parks"));
    assert_eq!(failed.summary.agencies, 2);
}
