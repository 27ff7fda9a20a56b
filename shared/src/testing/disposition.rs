//! Destruction lists written through the store exactly as the disposition functions write
//! them.

use serde_json::json;

use super::{TEST_NOW, seed_record_as, seed_update};
use crate::clock::Date;
use crate::model::{
    Decision, DisposalAction, DispositionItem, DispositionListId, RecordId, Status, StoredRecord,
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
    let id = RecordId::generate(TEST_NOW);
    let record = seed_due_record_as(store, agency, &id, classification).await;
    let item = seed_listing(store, &record).await;
    (record, item)
}

/// Record `id` of `agency` (`classification`), archived, its retention (set by `olga`)
/// passed on 2025-01-31: due for disposal, on no list yet.
pub async fn seed_due_record_as<S: RecordStore>(
    store: &S,
    agency: &str,
    id: &RecordId,
    classification: &str,
) -> StoredRecord {
    let body = json!({"title": "Permit 7", "classification": classification});
    let created = seed_record_as(store, agency, id, &body, TEST_NOW).await;
    seed_update(store, &created, "olga", TEST_NOW, |record| {
        record.status = Status::Archived;
        record.retention_until = Some(due_since());
    })
    .await
}

/// `record` (due) listed on [`test_list`], as the review lists it.
pub async fn seed_listing<S: DispositionStore>(
    store: &S,
    record: &StoredRecord,
) -> DispositionItem {
    let item = DispositionItem::listed(
        &test_list(),
        &record.record,
        DisposalAction::Review,
        due_since(),
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
    item
}

fn due_since() -> Date {
    Date::parse("2025-01-31").expect("a date")
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
