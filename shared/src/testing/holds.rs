//! Holds written through the store exactly as the hold routes write them.

use serde_json::json;

use super::TEST_NOW;
use crate::model::{AgencyId, Covering, HoldBody, HoldId, StoredHold, StoredRecord};
use crate::store::{HoldCover, HoldStore, RecordStore};

/// An active hold of `agency` named `name`, covering nothing, as `POST /holds` writes it.
pub async fn seed_hold<S: HoldStore>(store: &S, agency: &str, name: &str) -> StoredHold {
    seed_hold_as(store, agency, &HoldId::generate(TEST_NOW), name).await
}

/// The same, with id `id`.
pub async fn seed_hold_as<S: HoldStore>(
    store: &S,
    agency: &str,
    id: &HoldId,
    name: &str,
) -> StoredHold {
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let body =
        HoldBody::from_json(&json!({"name": name, "reason": "Litigation"})).expect("a valid hold");
    let (stored, entry) = StoredHold::create(id.clone(), agency, body, TEST_NOW, "olga");
    store
        .create_hold(&stored, &entry)
        .await
        .expect("seeding a hold");
    stored
}

/// `record` placed under `hold`, as `POST /holds/{id}/records` writes it; both as they
/// now are.
pub async fn seed_placement<S: HoldStore + RecordStore>(
    store: &S,
    record: &StoredRecord,
    hold: &StoredHold,
) -> (StoredRecord, StoredHold) {
    let covering =
        Covering::of(record, hold, true, TEST_NOW, "olga").expect("not yet under the hold");
    let change = HoldCover::from(&covering, true, record.record.version, hold.hold.version);
    store
        .cover(change)
        .await
        .expect("placing a record under a hold");
    (covering.record, covering.hold)
}
