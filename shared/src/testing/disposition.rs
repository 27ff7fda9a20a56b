//! Destruction lists written through the store exactly as the disposition functions write
//! them.

use serde_json::json;

use super::{TEST_NOW, seed_record, seed_update};
use crate::clock::Date;
use crate::model::{
    Decision, DisposalAction, DispositionItem, DispositionListId, Status, StoredRecord,
};
use crate::store::{DispositionStore, RecordStore};

/// The list the tests' reviews write: [`TEST_NOW`]'s month.
pub fn test_list() -> DispositionListId {
    DispositionListId::of(TEST_NOW.date())
}

/// An archived record of `agency` (`classification`) whose retention (set by `olga`)
/// passed on 2025-01-31, listed on [`test_list`] as the review lists it; both as stored.
pub async fn seed_due_item<S: RecordStore + DispositionStore>(
    store: &S,
    agency: &str,
    classification: &str,
) -> (StoredRecord, DispositionItem) {
    let body = json!({"title": "Permit 7", "classification": classification});
    let created = seed_record(store, agency, &body, TEST_NOW).await;
    let until = Date::parse("2025-01-31").expect("a date");
    let record = seed_update(store, &created, "olga", TEST_NOW, |record| {
        record.status = Status::Archived;
        record.retention_until = Some(until);
    })
    .await;
    let item = DispositionItem::listed(
        &test_list(),
        &record.record,
        DisposalAction::Review,
        until,
        Some("olga".into()),
        TEST_NOW,
    );
    assert!(
        store
            .add_disposition_item(&item)
            .await
            .expect("listing a record"),
        "listed once"
    );
    (record, item)
}

/// `item` approved (or excluded) by `actor`, as `decide-disposition` writes it; the record
/// and the item as they now are.
pub async fn seed_decision<S: DispositionStore>(
    store: &S,
    record: &StoredRecord,
    item: &DispositionItem,
    approve: bool,
    actor: &str,
) -> (StoredRecord, DispositionItem) {
    let decision = Decision {
        approve,
        reason: "Schedule met".into(),
    };
    let (item, record, entry) = item
        .decide(record, &decision, TEST_NOW, actor)
        .expect("a decision allowed");
    store
        .decide_disposition(&item, &record, &entry)
        .await
        .expect("seeding a decision");
    (record, item)
}
