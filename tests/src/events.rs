//! The world the `events/` files act on, written the way the routes write it: record
//! [`RECORD_ID`] of agency [`AGENCY`] and its document [`DOCUMENT_ID`] (bytes
//! [`DOCUMENT`]), and its records request [`REQUEST_NUMBER`], as `scripts/make-events.py`
//! names them. `make invoke` (through the
//! `seed-events` binary) and the emulator tests seed with [`seed`].

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};
use shared::blob::S3Blobs;
use shared::model::{
    AgencyId, ContentType, DocumentId, HoldId, RecordId, ScheduleId, Status, TrackingToken,
};
use shared::search::Audience;
use shared::search::indexer::changes_for;
use shared::search::snapshot::SnapshotStore;
use shared::store::DynamoStore;
use shared::testing::{
    TEST_NOW, seed_decision, seed_document_as, seed_due_record_as, seed_hold_as, seed_listing,
    seed_placement, seed_profile, seed_record_as, seed_request_with, seed_schedule_as, seed_update,
    settle_document,
};

/// The agency every event's token names.
pub const AGENCY: &str = "dev";
/// The record the events name.
pub const RECORD_ID: &str = "01KBXQ7R5M3N8P2V6W9Y4Z0A1B";
/// The document the events name.
pub const DOCUMENT_ID: &str = "01KBXQ9D3C4V5B6N7M8K9J0H1G";
/// The records request the events name.
pub const REQUEST_NUMBER: &str = "2026-0001";
/// Its tracking token, which the requester's event carries.
pub const TRACKING_TOKEN: &str = "ZXZlbnRzLXRyYWNraW5nLXRva2VuLW5vdC1hLXNlY3I";
/// The retention schedule the events name.
pub const SCHEDULE_ID: &str = "01KBXQB2S3C4H5E6D7V8N9E0AB";
/// The legal hold the events name.
pub const HOLD_ID: &str = "01KBXQC7H0KD5V6W7X8Y9Z0A1B";
/// The destruction list the events name (the month of [`TEST_NOW`]).
pub const LIST_ID: &str = "2026-11";
/// The document's bytes, as `create-upload`'s event announces them.
pub const DOCUMENT: &[u8] = b"Minutes of the meeting of 3 March 2026.\nPresent: the board.\n";

/// What an event needs to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    /// Nothing: the event creates what it acts on.
    Empty,
    /// The agency's profile, at version 1.
    Agency,
    /// The agency's retention schedule [`SCHEDULE_ID`], at version 1, not in use.
    Schedule,
    /// The record, at version 1, and the agency's active legal hold [`HOLD_ID`] at
    /// version 1, covering nothing.
    Hold,
    /// The record under the hold: both at version 2.
    HeldRecord,
    /// [`World::Public`], and the agency's records request at version 1 (whose tracking
    /// token is [`TRACKING_TOKEN`]).
    Request,
    /// The record, at version 1.
    Record,
    /// The record, its document announced and its bytes uploaded, not yet verified.
    PendingDocument,
    /// The record and its document, uploaded and verified.
    AvailableDocument,
    /// The agency's profile, and the record (public, published) with its verified
    /// document: what the public routes read.
    Public,
    /// [`World::Public`], indexed: both of the agency's indexes in the index bucket, as
    /// the indexing function writes them.
    Indexed,
    /// The record, archived, its retention passed (set by `olga`): due for disposal.
    Due,
    /// [`World::Due`], the record on the agency's destruction list [`LIST_ID`], pending.
    Listed,
    /// [`World::Listed`], its destruction approved by `otto`.
    Approved,
}

/// Every function with an event, the status its event answers with on a fresh world
/// (`None` for the event functions, which answer no HTTP response: see
/// [`event_answer_holds`]), and that world.
pub const FUNCTIONS: [(&str, Option<u16>, World); 55] = [
    ("create-record", Some(201), World::Empty),
    ("get-record", Some(200), World::Record),
    ("list-records", Some(200), World::Record),
    ("update-record", Some(200), World::Record),
    ("delete-record", Some(204), World::Record),
    ("get-history", Some(200), World::Record),
    ("create-upload", Some(201), World::Record),
    ("list-documents", Some(200), World::AvailableDocument),
    ("get-document", Some(200), World::AvailableDocument),
    ("get-agency", Some(200), World::Agency),
    ("put-agency", Some(201), World::Empty),
    ("public-list-agencies", Some(200), World::Agency),
    ("public-get-agency", Some(200), World::Agency),
    ("public-list-records", Some(200), World::Public),
    ("public-get-record", Some(200), World::Public),
    ("public-get-document", Some(302), World::Public),
    ("submit-request", Some(201), World::Agency),
    ("get-request", Some(200), World::Request),
    ("update-request", Some(200), World::Request),
    ("get-request-history", Some(200), World::Request),
    ("get-request-messages", Some(200), World::Request),
    ("public-get-request", Some(200), World::Request),
    ("add-request-message", Some(201), World::Request),
    ("public-add-request-message", Some(201), World::Request),
    ("add-request-release", Some(201), World::Request),
    ("list-requests", Some(200), World::Request),
    ("public-list-requests", Some(200), World::Request),
    ("public-request-stats", Some(200), World::Request),
    ("search", Some(200), World::Indexed),
    ("public-search", Some(200), World::Indexed),
    ("ingest-document", None, World::PendingDocument),
    ("anchor-chains", None, World::Record),
    ("index-records", None, World::Public),
    ("request-deadlines", None, World::Request),
    ("list-schedules", Some(200), World::Schedule),
    ("create-schedule", Some(201), World::Empty),
    ("update-schedule", Some(200), World::Schedule),
    ("delete-schedule", Some(204), World::Schedule),
    ("list-holds", Some(200), World::Hold),
    ("create-hold", Some(201), World::Empty),
    ("list-hold-records", Some(200), World::HeldRecord),
    ("place-hold", Some(200), World::Hold),
    ("lift-hold", Some(204), World::HeldRecord),
    ("release-hold", Some(200), World::HeldRecord),
    ("get-schedule-history", Some(200), World::Schedule),
    ("get-hold-history", Some(200), World::HeldRecord),
    ("purge-documents", None, World::AvailableDocument),
    ("list-disposition-lists", Some(200), World::Listed),
    ("get-disposition-list", Some(200), World::Listed),
    ("get-disposition-certificate", Some(200), World::Listed),
    ("decide-disposition", Some(200), World::Listed),
    ("disposition-review", None, World::Due),
    ("destroy-records", None, World::Approved),
    ("fixity-check", None, World::AvailableDocument),
    ("get-fixity", Some(200), World::AvailableDocument),
];

/// Whether `answer` is what event function `function` answers its event with on its world
/// (the anchoring function: one agency, anchored now or, on a repeated run, before).
pub fn event_answer_holds(function: &str, answer: &Value) -> bool {
    match function {
        "ingest-document" | "index-records" | "purge-documents" | "destroy-records" => {
            *answer == json!({"batchItemFailures": []})
        }
        // One agency, its one record due and listed: by this run, or by one before.
        "disposition-review" => {
            answer["agencies"] == 1
                && answer["requeued"] == 0
                && matches!(answer["listed"].as_u64(), Some(0 | 1))
        }
        // One agency, its one document intact: read by this run (verified days before
        // the run), or by one earlier the same day.
        "fixity-check" => {
            answer["agencies"] == 1
                && answer["damaged"] == 0
                && answer["checked"] == answer["intact"]
                && matches!(answer["checked"].as_u64(), Some(0 | 1))
        }
        // One agency, its one request open and weeks from due: nobody to tell.
        "request-deadlines" => *answer == json!({"agencies": 1, "open": 1, "sent": 0}),
        "anchor-chains" => {
            answer["agencies"] == 1
                && answer["anchored"].as_u64().unwrap_or(0)
                    + answer["unchanged"].as_u64().unwrap_or(0)
                    == 1
        }
        _ => false,
    }
}

/// The world `function`'s event needs; `None` for a function without an event.
pub fn world_of(function: &str) -> Option<World> {
    FUNCTIONS
        .iter()
        .find(|(name, ..)| *name == function)
        .map(|(_, _, world)| *world)
}

/// `events/<function>.json`.
pub fn event(function: &str) -> Value {
    let path = crate::workspace_root()
        .join("events")
        .join(format!("{function}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("an event file is JSON")
}

/// Writes `world` through `store` (the document's bytes to `bucket` and the indexes to
/// `index_bucket` through `s3`), on an empty table.
pub async fn seed(
    world: World,
    store: &DynamoStore,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    index_bucket: &str,
) {
    match world {
        World::Empty => return,
        World::Schedule => {
            let id = ScheduleId::parse(SCHEDULE_ID).expect("a schedule id");
            let body = json!({"name": "Building permits (GS 4.2)", "keep": {"years": 7},
                              "from": "archived", "action": "destroy"});
            seed_schedule_as(store, AGENCY, &id, &body).await;
            return;
        }
        World::Agency | World::Public | World::Indexed | World::Request => {
            seed_profile(store, AGENCY, "Development Agency").await;
            if world == World::Agency {
                return;
            }
        }
        _ => {}
    }
    let id = RecordId::parse(RECORD_ID).expect("a record id");
    let classification = match world {
        World::Public | World::Indexed | World::Request => "public",
        _ => "internal",
    };
    let body = json!({"title": "Building permit 2026-114", "classification": classification,
                      "tags": ["permits"]});
    if matches!(world, World::Due | World::Listed | World::Approved) {
        let record = seed_due_record_as(store, AGENCY, &id, "internal").await;
        if world != World::Due {
            let item = seed_listing(store, &record).await;
            if world == World::Approved {
                seed_decision(store, &record, &item, true, "otto").await;
            }
        }
        return;
    }
    let mut record = seed_record_as(store, AGENCY, &id, &body, TEST_NOW).await;
    if world == World::Record {
        return;
    }
    if matches!(world, World::Hold | World::HeldRecord) {
        let hold_id = HoldId::parse(HOLD_ID).expect("a hold id");
        let hold = seed_hold_as(store, AGENCY, &hold_id, "Smith v. Development Agency").await;
        if world == World::HeldRecord {
            seed_placement(store, &record, &hold).await;
        }
        return;
    }
    if matches!(world, World::Public | World::Indexed | World::Request) {
        record = seed_update(store, &record, "dev-officer", TEST_NOW, |record| {
            record.status = Status::Published;
        })
        .await;
    }
    let document_id = DocumentId::parse(DOCUMENT_ID).expect("a document id");
    let document = seed_document_as(
        store,
        &record,
        &document_id,
        ContentType::PlainText,
        DOCUMENT,
    )
    .await;
    s3.put_object()
        .bucket(bucket)
        .key(document.object_key())
        .body(ByteStream::from_static(DOCUMENT))
        .send()
        .await
        .unwrap_or_else(|e| panic!("uploading the document to {bucket}: {e}"));
    if matches!(
        world,
        World::AvailableDocument | World::Public | World::Indexed | World::Request
    ) {
        settle_document(store, &document, None).await;
    }
    if world == World::Request {
        let (stored, _) = seed_request_with(
            store,
            AGENCY,
            "Every building permit issued on Elm Street in 2025.",
            TrackingToken::known(TRACKING_TOKEN),
        )
        .await;
        assert_eq!(stored.request.number.to_string(), REQUEST_NUMBER);
    }
    if world == World::Indexed {
        index(store, s3, bucket, index_bucket, &id).await;
    }
}

/// Writes record `id`'s current state into both of [`AGENCY`]'s indexes in `index_bucket`,
/// with the code the indexing function runs.
async fn index(
    store: &DynamoStore,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    index_bucket: &str,
    id: &RecordId,
) {
    let agency = AgencyId::parse(AGENCY).expect("an agency");
    let blobs = S3Blobs::new(s3.clone(), bucket);
    let changes = changes_for(store, &blobs, &agency, std::slice::from_ref(id))
        .await
        .expect("the record's index entries");
    let snapshots = SnapshotStore::new(s3.clone(), index_bucket, "index/");
    let folder = crate::workspace_root()
        .join("target/tmp")
        .join(crate::unique_name("seed-index"));
    for audience in Audience::ALL {
        snapshots
            .apply(
                &folder.join(audience.as_str()),
                &agency,
                audience,
                changes.for_audience(audience),
            )
            .await
            .unwrap_or_else(|e| panic!("indexing into {index_bucket}: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_file_has_a_world_and_every_world_an_event_file() {
        let mut files: Vec<String> = std::fs::read_dir(crate::workspace_root().join("events"))
            .expect("events/")
            .filter_map(Result::ok)
            .filter_map(|entry| {
                entry
                    .file_name()
                    .to_str()?
                    .strip_suffix(".json")
                    .map(str::to_owned)
            })
            .collect();
        files.sort();
        let mut functions: Vec<&str> = FUNCTIONS.iter().map(|(name, ..)| *name).collect();
        functions.sort();
        assert_eq!(files, functions);
        for (name, _, world) in FUNCTIONS {
            let names_it = |id: &str| event(name).to_string().contains(id);
            match world {
                // A search names no record: it finds it.
                World::Empty | World::Agency | World::Indexed => {}
                // Listings and the daily run name no request: they find it.
                World::Request
                    if name.contains("list-requests")
                        || name.ends_with("stats")
                        || name == "request-deadlines" => {}
                World::Request => assert!(names_it(REQUEST_NUMBER), "{name}"),
                // The listing names no hold: it finds it.
                World::Hold | World::HeldRecord => {
                    assert!(name == "list-holds" || names_it(HOLD_ID), "{name}")
                }
                // The lists name no record; the review finds it.
                World::Listed | World::Approved | World::Due
                    if matches!(name, "list-disposition-lists" | "disposition-review") => {}
                // A list and its certificate name the list; a decision and a destruction
                // the record on it too.
                World::Listed | World::Approved => {
                    assert!(names_it(LIST_ID), "{name}");
                    assert!(
                        matches!(name, "get-disposition-list" | "get-disposition-certificate")
                            || names_it(RECORD_ID),
                        "{name}"
                    );
                }
                World::Due => assert!(names_it(RECORD_ID), "{name}"),
                // The listing names no schedule: it finds it.
                World::Schedule => {
                    assert!(name == "list-schedules" || names_it(SCHEDULE_ID), "{name}")
                }
                // A listing names no record: it finds it.
                World::Public if name == "public-list-records" => {}
                // The fixity run names no document: it finds it.
                World::AvailableDocument if matches!(name, "fixity-check" | "get-fixity") => {}
                // A listing names no record: it finds it; so does the anchoring.
                World::Record => assert!(
                    matches!(name, "list-records" | "anchor-chains") || names_it(RECORD_ID),
                    "{name}"
                ),
                World::PendingDocument | World::AvailableDocument | World::Public => {
                    assert!(names_it(RECORD_ID), "{name}");
                    // Listings, the public record and the stream's changes name no document:
                    // they find it.
                    assert!(
                        matches!(
                            name,
                            "list-documents"
                                | "public-get-record"
                                | "index-records"
                                | "purge-documents"
                        ) || names_it(DOCUMENT_ID),
                        "{name}"
                    );
                }
            }
        }
    }
}
