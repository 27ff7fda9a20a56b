//! Records and documents written through the store exactly as the routes write them,
//! with the same domain functions ([`StoredRecord::create`], [`StoredRecord::revise`],
//! [`StoredRecord::attach`], [`Document::settled`], [`StoredRecord::append_settlement`]),
//! and a race staged on the in-memory store.

use serde_json::{Value, json};

use super::{TEST_NOW, deps};
use crate::Deps;
use crate::blob::FileBlobs;
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, ContentType, Document, DocumentId, NewDocument, NewRecord, NewRequest, ProfileBody,
    Record, RecordId, RequestNumber, ScheduleBody, ScheduleId, Status, StoredAgency, StoredRecord,
    StoredRequest, StoredSchedule, TrackingToken, sha256_base64,
};
use crate::requests::AgencyCalendar;
use crate::store::{AgencyStore, MemoryStore, RecordStore, RequestStore, ScheduleStore, Store};

/// Writes a record of `agency` through the store, as `POST /records` would, and returns it.
pub async fn seed_record<S: RecordStore>(
    store: &S,
    agency: &str,
    body: &Value,
    at: Timestamp,
) -> StoredRecord {
    seed_record_as(store, agency, &RecordId::generate(at), body, at).await
}

/// [`seed_record`] of a record titled `T` with `classification`, at [`TEST_NOW`].
pub async fn seed_plain_record<S: RecordStore>(
    store: &S,
    agency: &str,
    classification: &str,
) -> StoredRecord {
    let body = json!({"title": "T", "classification": classification});
    seed_record(store, agency, &body, TEST_NOW).await
}

/// [`seed_record`] with a given id.
pub async fn seed_record_as<S: RecordStore>(
    store: &S,
    agency: &str,
    id: &RecordId,
    body: &Value,
    at: Timestamp,
) -> StoredRecord {
    let new = NewRecord::from_json(body).expect("a valid record body");
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let (stored, entry) = StoredRecord::create(new.into_record(id.clone(), agency, "seed", at));
    store
        .create_record(&stored, &entry, None)
        .await
        .expect("seeding a record");
    stored
}

/// Writes a change to `current` through the store, as `PATCH /records/{id}` would:
/// `change` edits a copy, which becomes the next version, by `actor` at `at`. Returns the
/// record as stored.
pub async fn seed_update<S: RecordStore>(
    store: &S,
    current: &StoredRecord,
    actor: &str,
    at: Timestamp,
    change: impl FnOnce(&mut Record),
) -> StoredRecord {
    let mut record = current.record.clone();
    change(&mut record);
    let (next, entry) = current.revise(record, at, actor).expect("a change to seed");
    store
        .update_if_version(&next, current.record.version, &entry)
        .await
        .expect("seeding an update");
    next
}

/// A record of `agency` with `classification`, created and then published by an officer
/// (which stamps `published_at`), as the routes would write it.
pub async fn seed_published<S: RecordStore>(
    store: &S,
    agency: &str,
    classification: &str,
) -> StoredRecord {
    let created = seed_plain_record(store, agency, classification).await;
    seed_update(store, &created, "olga", TEST_NOW.plus_millis(1), |record| {
        record.status = Status::Published;
    })
    .await
}

/// A retention schedule of `agency` from `body` (`{name, keep, from, action}`), as an
/// officer's `POST /schedules` writes it.
pub async fn seed_schedule<S: ScheduleStore>(
    store: &S,
    agency: &str,
    body: &Value,
) -> StoredSchedule {
    seed_schedule_as(store, agency, &ScheduleId::generate(TEST_NOW), body).await
}

/// The same, with id `id`.
pub async fn seed_schedule_as<S: ScheduleStore>(
    store: &S,
    agency: &str,
    id: &ScheduleId,
    body: &Value,
) -> StoredSchedule {
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let body = ScheduleBody::from_json(body).expect("a valid schedule");
    let (stored, entry) = StoredSchedule::create(id.clone(), agency, body, TEST_NOW, "olga");
    store
        .create_schedule(&stored, &entry)
        .await
        .expect("seeding a schedule");
    stored
}

/// The first profile of `agency`, as an officer's `PUT /agency` writes it.
pub async fn seed_profile<S: AgencyStore>(store: &S, agency: &str, name: &str) -> StoredAgency {
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let body = json!({"name": name, "contact_email": format!("records@{agency}.example.gov"),
                      "timezone": "America/Chicago"});
    let body = ProfileBody::from_json(&body).expect("a valid profile");
    let (stored, entry) = StoredAgency::revise(None, &agency, body, TEST_NOW, "olga")
        .expect("a first profile changes every field");
    store
        .put_agency(&stored, None, &entry)
        .await
        .expect("seeding a profile");
    stored
}

/// Test dependencies on a fresh in-memory store holding one record of `agency`, titled
/// `T`, with `classification`.
pub async fn deps_with_record(
    agency: &str,
    classification: &str,
) -> (Deps<MemoryStore>, StoredRecord) {
    let deps = deps(MemoryStore::new());
    let stored = seed_plain_record(&deps.store, agency, classification).await;
    (deps, stored)
}

/// Announces a document of `bytes` as `content_type` on `record` through the store, as
/// `POST /records/{id}/documents` would (pending, audited), and returns it.
pub async fn seed_document<S: Store>(
    store: &S,
    record: &StoredRecord,
    content_type: ContentType,
    bytes: &[u8],
) -> Document {
    let id = DocumentId::generate(TEST_NOW);
    seed_document_as(store, record, &id, content_type, bytes).await
}

/// [`seed_document`] with a given id.
pub async fn seed_document_as<S: Store>(
    store: &S,
    record: &StoredRecord,
    id: &DocumentId,
    content_type: ContentType,
    bytes: &[u8],
) -> Document {
    let (agency, record_id) = (&record.record.agency, &record.record.id);
    let current = store
        .get_record(agency, record_id)
        .await
        .expect("reading the record")
        .expect("the record exists");
    let document = NewDocument {
        filename: format!("scan 1.{}", content_type.extensions()[0]),
        content_type,
        size: bytes.len() as u64,
        sha256: sha256_base64(bytes),
    }
    .into_document(id.clone(), record_id, agency, "seed", TEST_NOW);
    let (next, entry) = current.attach(&document);
    store
        .add_document(&next, &document, &entry)
        .await
        .expect("seeding a document");
    document
}

/// Writes `bytes` as the object at `key` of a folder blob store, as an upload would.
pub fn put_blob(blobs: &FileBlobs, key: &str, bytes: &[u8]) {
    let path = blobs.path_of(key).expect("a blob key");
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("creating the folder");
    std::fs::write(path, bytes).expect("writing the blob");
}

/// Settles pending `document` as ingestion would (`quarantine_reason` given: quarantined;
/// else available), through the store, and returns it settled.
pub async fn settle_document<S: Store>(
    store: &S,
    document: &Document,
    quarantine_reason: Option<&str>,
) -> Document {
    let current = store
        .get_record(&document.agency, &document.record_id)
        .await
        .expect("reading the record")
        .expect("the record exists");
    let (settled, action) = document.settled(quarantine_reason.map(str::to_owned), None, TEST_NOW);
    let (next, entry) = current.append_settlement(document, &settled, action);
    store
        .settle_document(&next, &settled, &entry)
        .await
        .expect("settling the document");
    settled
}

/// Stages the race where a document lands between a handler's read of `record` and its
/// write: right before the store's next write, a PDF is announced on `record` (its chain
/// moves, its version does not).
pub fn document_lands_before_next_write(store: &MemoryStore, record: &StoredRecord) {
    let record = record.clone();
    store.before_next_write(move |store| {
        Box::pin(async move {
            seed_document(store, &record, ContentType::Pdf, b"%PDF-").await;
        })
    });
}

/// A one-page PDF whose text layer says `text` (Helvetica, no compression).
pub fn pdf_saying(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{object}\nendobj\n", n + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

/// Files the next records request of `agency` (whose profile gives its calendar) at
/// [`TEST_NOW`], as `POST /public/agencies/{agency}/requests` would, and returns it with
/// its tracking token.
pub async fn seed_request<S: AgencyStore + RequestStore>(
    store: &S,
    agency: &str,
    description: &str,
) -> (StoredRequest, TrackingToken) {
    seed_request_with(store, agency, description, TrackingToken::generate()).await
}

/// [`seed_request`], its tracking token `token`.
pub async fn seed_request_with<S: AgencyStore + RequestStore>(
    store: &S,
    agency: &str,
    description: &str,
    token: TrackingToken,
) -> (StoredRequest, TrackingToken) {
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let profile = store
        .get_agency(&agency)
        .await
        .expect("reading the profile")
        .expect("a profile to seed requests under");
    let calendar = AgencyCalendar::of(&profile.profile).expect("a known zone");
    let year = calendar.year_of(TEST_NOW);
    let last = store
        .last_request_number(&agency, year)
        .await
        .expect("reading the counter");
    let number = RequestNumber::new(year, last + 1).expect("a number");
    let new = NewRequest::from_json(&json!({"description": description,
                                            "requester": {"name": "Ada", "email": "ada@example.org"}}))
    .expect("a valid request");
    let due = calendar.due_date(TEST_NOW, &[], false);
    let (stored, entry) = StoredRequest::receive(&agency, number, &new, &token, due, TEST_NOW);
    store
        .create_request(&stored, &entry, None)
        .await
        .expect("seeding a request");
    (stored, token)
}
