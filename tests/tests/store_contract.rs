//! One contract for the store traits, held against every adapter: the in-memory store, the
//! embedded file store of the local server, and DynamoDB (through the real AWS SDK, against
//! the moto server). Same inputs, same outcomes.

use std::sync::Arc;

use dossier_tests::{create_table, dynamo, unique_name};
use serde_json::json;
use shared::anchor::RecordHead;
use shared::clock::Timestamp;
use shared::model::{
    AgencyId, AgencyProfile, AuditAction, AuditEntry, ChainHead, Classification, ContentType,
    Document, DocumentId, DocumentStatus, NewDocument, NewRecord, NewRequest, ProfileBody, Record,
    RecordId, RequestNumber, RequestStatus, ScheduleBody, ScheduleId, SchedulePatch, Status,
    StoredAgency, StoredRecord, StoredRequest, StoredSchedule, TrackingToken, sha256_base64,
    verify_chain,
};
use shared::store::{
    DynamoStore, EmbeddedStore, HoldCover, IdempotentResponse, ListFilter, ListPosition,
    MemoryStore, Page, PublicFilter, RequestListing, Store, StoreError,
};
use shared::testing::TEST_NOW;

#[path = "store_contract/disposition.rs"]
mod disposition;
#[path = "store_contract/fixity.rs"]
mod fixity;
use disposition::*;
use fixity::*;

fn agency(name: &str) -> AgencyId {
    AgencyId::parse(name).unwrap()
}

/// A new record (not yet written) and its first audit entry.
fn new_record(
    agency_name: &str,
    body: serde_json::Value,
    at: Timestamp,
) -> (StoredRecord, AuditEntry) {
    let record = NewRecord::from_json(&body).unwrap().into_record(
        RecordId::generate(at),
        agency(agency_name),
        "alice",
        at,
    );
    StoredRecord::create(record)
}

async fn create<S: Store>(
    store: &S,
    agency_name: &str,
    body: serde_json::Value,
    at: Timestamp,
) -> StoredRecord {
    let (stored, entry) = new_record(agency_name, body, at);
    store.create_record(&stored, &entry, None).await.unwrap();
    stored
}

/// The next version of `current` with `title`, and its audit entry.
fn retitled(current: &StoredRecord, title: &str, at: Timestamp) -> (StoredRecord, AuditEntry) {
    let mut next = current.record.clone();
    next.title = title.to_owned();
    current.revise(next, at, "bob").unwrap()
}

/// `stored` with `entry` as its chain head, whether or not it follows.
fn headed(stored: &StoredRecord, entry: &AuditEntry) -> StoredRecord {
    StoredRecord {
        head: entry.head(),
        ..stored.clone()
    }
}

async fn create_then_get_round_trips<S: Store>(store: S) {
    let body = json!({"title": "Minutes 3 March", "description": "Ünïcode ✓\nline 2", "classification": "internal",
                      "tags": ["minutes", "council"], "retention_until": "2040-01-01"});
    let stored = create(&store, "parks", body, TEST_NOW).await;
    let read = store
        .get_record(&agency("parks"), &stored.record.id)
        .await
        .unwrap();
    assert_eq!(read, Some(stored.clone()));
    let history = store
        .history(&agency("parks"), &stored.record.id, 10, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 1);
    assert_eq!(shared::model::verify_chain(&history.items), Ok(()));
    assert_eq!(history.items[0].changes, stored.record.creation_changes());
}

async fn creating_twice_fails_and_changes_nothing<S: Store>(store: S) {
    let (stored, entry) = new_record(
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    );
    store.create_record(&stored, &entry, None).await.unwrap();
    let mut again = stored.clone();
    again.record.title = "Overwritten".into();
    assert_eq!(
        store.create_record(&again, &entry, None).await,
        Err(StoreError::ConditionFailed)
    );
    let read = store
        .get_record(&agency("parks"), &stored.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.record.title, "T");
}

async fn updates_only_at_the_expected_version<S: Store>(store: S) {
    let stored = create(
        &store,
        "parks",
        json!({"title": "v1", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let (v2, entry2) = retitled(&stored, "v2", TEST_NOW.plus_millis(1000));
    store.update_if_version(&v2, 1, &entry2).await.unwrap();

    let (stale, stale_entry) = retitled(&stored, "lost update", TEST_NOW.plus_millis(2000));
    assert_eq!(
        store.update_if_version(&stale, 1, &stale_entry).await,
        Err(StoreError::ConditionFailed)
    );

    let read = store
        .get_record(&agency("parks"), &stored.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, v2);
    let history = store
        .history(&agency("parks"), &stored.record.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history, vec![history[0].clone(), entry2]);
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
}

async fn deletes_only_at_the_expected_version_and_keeps_history<S: Store>(store: S) {
    let stored = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let id = &stored.record.id;
    let entry = AuditEntry::next(
        &stored.head,
        TEST_NOW,
        "olga",
        AuditAction::Delete,
        Default::default(),
    );
    assert_eq!(
        store
            .delete_if_version(&agency("parks"), id, 7, &entry)
            .await,
        Err(StoreError::ConditionFailed)
    );
    assert!(
        store
            .get_record(&agency("parks"), id)
            .await
            .unwrap()
            .is_some()
    );
    store
        .delete_if_version(&agency("parks"), id, 1, &entry)
        .await
        .unwrap();
    assert_eq!(store.get_record(&agency("parks"), id).await.unwrap(), None);
    let history = store
        .history(&agency("parks"), id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 2);
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
    assert_eq!(
        store
            .delete_if_version(&agency("parks"), id, 1, &entry)
            .await,
        Err(StoreError::ConditionFailed)
    );
}

async fn records_are_read_in_a_batch_in_the_order_asked_within_their_agency<S: Store>(store: S) {
    let body = || json!({"title": "T", "classification": "internal"});
    let mut ours = Vec::new();
    for _ in 0..3 {
        ours.push(create(&store, "parks", body(), TEST_NOW).await);
    }
    let theirs = create(&store, "roads", body(), TEST_NOW).await;
    let missing = RecordId::generate(TEST_NOW);
    let asked = [
        ours[2].record.id.clone(),
        theirs.record.id.clone(),
        ours[0].record.id.clone(),
        missing,
        ours[1].record.id.clone(),
    ];
    let found = store.get_records(&agency("parks"), &asked).await.unwrap();
    let ids: Vec<_> = found.iter().map(|s| s.record.id.clone()).collect();
    assert_eq!(
        ids,
        [
            ours[2].record.id.clone(),
            ours[0].record.id.clone(),
            ours[1].record.id.clone()
        ]
    );
    assert_eq!(found[1], ours[0], "whole, with its chain head");
    assert!(
        store
            .get_records(&agency("parks"), &[])
            .await
            .unwrap()
            .is_empty()
    );
    let too_many: Vec<_> = (0..=shared::store::MAX_BATCH_READ)
        .map(|_| RecordId::generate(TEST_NOW))
        .collect();
    assert!(
        store
            .get_records(&agency("parks"), &too_many)
            .await
            .is_err()
    );
}

async fn agencies_never_see_each_other<S: Store>(store: S) {
    let stored = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let other = agency("zoning");
    assert_eq!(
        store.get_record(&other, &stored.record.id).await.unwrap(),
        None
    );
    assert!(
        store
            .history(&other, &stored.record.id, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let filter = ListFilter {
        include_confidential: true,
        ..Default::default()
    };
    assert!(
        store
            .list_records(&other, &filter, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let entry = AuditEntry::next(
        &stored.head,
        TEST_NOW,
        "x",
        AuditAction::Delete,
        Default::default(),
    );
    assert_eq!(
        store
            .delete_if_version(&other, &stored.record.id, 1, &entry)
            .await,
        Err(StoreError::ConditionFailed)
    );
}

async fn lists_newest_first_across_pages_without_gaps<S: Store>(store: S) {
    let mut expected = Vec::new();
    for i in 0..7 {
        let classification = if i == 3 { "confidential" } else { "public" };
        let tags = if i % 2 == 0 {
            json!(["even"])
        } else {
            json!([])
        };
        let stored = create(
            &store,
            "parks",
            json!({"title": format!("R{i}"), "classification": classification, "tags": tags}),
            TEST_NOW.plus_millis(i * 1000),
        )
        .await;
        expected.push(stored.record);
    }
    // Two records updated in the same millisecond still have a total order (by id).
    let twin = create(
        &store,
        "parks",
        json!({"title": "twin", "classification": "public"}),
        TEST_NOW.plus_millis(6000),
    )
    .await;
    expected.push(twin.record);
    expected.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));

    let pages = |filter: ListFilter, limit: usize| {
        let store = &store;
        async move {
            let mut seen = Vec::new();
            let mut after: Option<ListPosition> = None;
            loop {
                let page = store
                    .list_records(&agency("parks"), &filter, limit, after.as_ref())
                    .await
                    .unwrap();
                assert!(page.items.len() <= limit);
                seen.extend(page.items.into_iter().map(|r| r.title));
                match page.next {
                    Some(next) => after = Some(next),
                    None => return seen,
                }
            }
        }
    };
    let titles = |filter: &dyn Fn(&shared::model::Record) -> bool| -> Vec<String> {
        expected
            .iter()
            .filter(|r| filter(r))
            .map(|r| r.title.clone())
            .collect()
    };
    let everything = ListFilter {
        include_confidential: true,
        ..Default::default()
    };
    assert_eq!(pages(everything.clone(), 3).await, titles(&|_| true));
    assert_eq!(pages(everything.clone(), 100).await, titles(&|_| true));
    let public_view = ListFilter::default();
    assert_eq!(pages(public_view, 2).await, titles(&|r| r.title != "R3"));
    let even = ListFilter {
        tag: Some("even".into()),
        include_confidential: true,
        ..Default::default()
    };
    assert_eq!(pages(even, 1).await, ["R6", "R4", "R2", "R0"]);
    let drafts = ListFilter {
        status: Some(shared::model::Status::Draft),
        include_confidential: true,
        ..Default::default()
    };
    assert_eq!(pages(drafts, 4).await, titles(&|_| true));
    let published = ListFilter {
        status: Some(shared::model::Status::Published),
        include_confidential: true,
        ..Default::default()
    };
    assert!(pages(published, 4).await.is_empty());
}

async fn a_status_change_moves_the_record_between_status_listings<S: Store>(store: S) {
    let stored = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let mut next = stored.record.clone();
    next.status = shared::model::Status::Published;
    let (published, entry) = stored.revise(next, TEST_NOW.plus_millis(10), "o").unwrap();
    store
        .update_if_version(&published, 1, &entry)
        .await
        .unwrap();
    let with_status = |status| ListFilter {
        status: Some(status),
        ..Default::default()
    };
    let drafts = store
        .list_records(
            &agency("parks"),
            &with_status(shared::model::Status::Draft),
            10,
            None,
        )
        .await
        .unwrap();
    let published = store
        .list_records(
            &agency("parks"),
            &with_status(shared::model::Status::Published),
            10,
            None,
        )
        .await
        .unwrap();
    assert!(drafts.items.is_empty());
    assert_eq!(published.items.len(), 1);
}

async fn history_pages_in_order<S: Store>(store: S) {
    let mut current = create(
        &store,
        "parks",
        json!({"title": "v1", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    for i in 2..=6 {
        let (next, entry) = retitled(&current, &format!("v{i}"), TEST_NOW.plus_millis(i));
        store
            .update_if_version(&next, current.record.version, &entry)
            .await
            .unwrap();
        current = next;
    }
    let id = &current.record.id;
    let first = store.history(&agency("parks"), id, 4, None).await.unwrap();
    assert_eq!(
        first.items.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(first.next, Some(4));
    let rest = store
        .history(&agency("parks"), id, 4, first.next)
        .await
        .unwrap();
    assert_eq!(rest.items.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 6]);
    assert_eq!(rest.next, None);
    let all: Vec<AuditEntry> = first.items.into_iter().chain(rest.items).collect();
    assert_eq!(shared::model::verify_chain(&all), Ok(()));
}

fn kept(key: &str, body: &str, expires_at: Timestamp) -> IdempotentResponse {
    IdempotentResponse {
        agency: agency("parks"),
        key: key.into(),
        request_hash: "h1".into(),
        status: 201,
        headers: vec![("location".into(), "/records/x".into())],
        body: body.into(),
        expires_at,
    }
}

async fn idempotency_keys_are_atomic_with_the_create_and_expire<S: Store>(store: S) {
    let expires = TEST_NOW.plus_millis(86_400_000);
    let (first, first_entry) = new_record(
        "parks",
        json!({"title": "first", "classification": "public"}),
        TEST_NOW,
    );
    store
        .create_record(
            &first,
            &first_entry,
            Some(&kept("k-1", "{\"n\":1}", expires)),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get_idempotent(&agency("parks"), "k-1", TEST_NOW)
            .await
            .unwrap(),
        Some(kept("k-1", "{\"n\":1}", expires))
    );
    assert_eq!(
        store
            .get_idempotent(&agency("zoning"), "k-1", TEST_NOW)
            .await
            .unwrap(),
        None
    );

    // A second create racing on the same key writes nothing at all.
    let (second, second_entry) = new_record(
        "parks",
        json!({"title": "second", "classification": "public"}),
        TEST_NOW,
    );
    let result = store
        .create_record(
            &second,
            &second_entry,
            Some(&kept("k-1", "{\"n\":2}", expires)),
        )
        .await;
    assert_eq!(result, Err(StoreError::IdempotencyKeyTaken));
    assert_eq!(
        store
            .get_record(&agency("parks"), &second.record.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .history(&agency("parks"), &second.record.id, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Once expired (even if not yet swept), the key is gone and may be used again.
    let later = expires.plus_millis(1000);
    assert_eq!(
        store
            .get_idempotent(&agency("parks"), "k-1", later)
            .await
            .unwrap(),
        None
    );
    let (third, third_entry) = new_record(
        "parks",
        json!({"title": "third", "classification": "public"}),
        later,
    );
    store
        .create_record(
            &third,
            &third_entry,
            Some(&kept("k-1", "{\"n\":3}", later.plus_millis(86_400_000))),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get_idempotent(&agency("parks"), "k-1", later)
            .await
            .unwrap()
            .unwrap()
            .body,
        "{\"n\":3}"
    );
}

async fn concurrent_writers_at_one_version_yield_one_winner<S: Store>(store: S) {
    let store = Arc::new(store);
    let stored = create(
        store.as_ref(),
        "parks",
        json!({"title": "v1", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let store = store.clone();
        let (next, entry) = retitled(&stored, &format!("writer {i}"), TEST_NOW.plus_millis(i));
        tasks.spawn(async move { store.update_if_version(&next, 1, &entry).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || *r == Err(StoreError::ConditionFailed)),
        "{results:?}"
    );
    let history = store
        .history(&agency("parks"), &stored.record.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(history.len(), 2, "the chain did not fork");
    let read = store
        .get_record(&agency("parks"), &stored.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.head, history[1].head());
}

/// `document` announced on the record whose current state is `current`: the next state
/// and the entry, as `create-upload` writes them.
fn announced(current: &StoredRecord, document: &Document) -> (StoredRecord, AuditEntry) {
    current.attach(document)
}

fn pdf_document(record: &StoredRecord) -> Document {
    NewDocument {
        filename: "a.pdf".into(),
        content_type: ContentType::Pdf,
        size: 5,
        sha256: sha256_base64(b"%PDF-"),
    }
    .into_document(
        DocumentId::generate(TEST_NOW),
        &record.record.id,
        &record.record.agency,
        "clara",
        TEST_NOW,
    )
}

async fn documents_are_added_listed_and_settled_on_the_chain<S: Store>(store: S) {
    let record = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let (agency, id) = (&record.record.agency, &record.record.id);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let current = store.get_record(agency, id).await.unwrap().unwrap();
        let document = pdf_document(&current);
        let (next, entry) = announced(&current, &document);
        store.add_document(&next, &document, &entry).await.unwrap();
        assert_eq!(
            store.add_document(&next, &document, &entry).await,
            Err(StoreError::ConditionFailed),
            "the same document twice"
        );
        ids.push(document.id);
    }
    let current = store.get_record(agency, id).await.unwrap().unwrap();
    assert_eq!(current.documents, 3);
    assert_eq!(current.head.seq, 4);
    assert_eq!(
        current.record, record.record,
        "content and version unchanged"
    );

    // Ids order by creation time; within one millisecond, by their random part.
    ids.sort();
    let first = store.list_documents(agency, id, 2, None).await.unwrap();
    assert_eq!(
        first.items.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        ids[..2]
    );
    let rest = store
        .list_documents(agency, id, 2, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(
        rest.items.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        ids[2..]
    );
    assert_eq!(rest.next, None);

    let pending = store
        .get_document(agency, id, &ids[1])
        .await
        .unwrap()
        .unwrap();
    let (settled, action) = pending.settled(None, Some("3/L4kqtJl.v1".into()), TEST_NOW);
    assert_eq!(settled.status, DocumentStatus::Available);
    let changes = pending.settlement_changes(&settled);
    let (next, entry) = current.append(TEST_NOW, "ingest", action, changes.clone());
    store
        .settle_document(&next, &settled, &entry)
        .await
        .unwrap();
    assert_eq!(
        store.get_document(agency, id, &ids[1]).await.unwrap(),
        Some(settled.clone())
    );
    // Settling a settled document fails, whatever the chain says.
    let (again_next, again) = next.append(TEST_NOW, "ingest", action, changes);
    assert_eq!(
        store.settle_document(&again_next, &settled, &again).await,
        Err(StoreError::ConditionFailed)
    );
    let history = store.history(agency, id, 20, None).await.unwrap().items;
    assert_eq!(history.len(), 5);
    assert_eq!(shared::model::verify_chain(&history), Ok(()));

    // Another agency sees none of it.
    let water = AgencyId::parse("water").unwrap();
    assert_eq!(store.get_document(&water, id, &ids[0]).await.unwrap(), None);
    assert!(
        store
            .list_documents(&water, id, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn document_changes_and_record_edits_never_fork_the_chain<S: Store>(store: S) {
    let record = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let (agency, id) = (&record.record.agency, &record.record.id);
    // An edit computed from the record as it was before a document was added...
    let (edited, edit_entry) = retitled(&record, "Edited", TEST_NOW);
    let document = pdf_document(&record);
    let (next, entry) = announced(&record, &document);
    store.add_document(&next, &document, &entry).await.unwrap();
    // ...is refused although its version is still current, and changes nothing.
    assert_eq!(
        store.update_if_version(&edited, 1, &edit_entry).await,
        Err(StoreError::ConditionFailed)
    );
    // A document announced on a stale chain is refused too.
    let stale = pdf_document(&record);
    let (stale_next, stale_entry) = announced(&record, &stale);
    assert_eq!(
        store.add_document(&stale_next, &stale, &stale_entry).await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(
        store.get_document(agency, id, &stale.id).await.unwrap(),
        None
    );
    // An edit from the fresh state succeeds and keeps the document count.
    let current = store.get_record(agency, id).await.unwrap().unwrap();
    let (edited, edit_entry) = retitled(&current, "Edited", TEST_NOW);
    store
        .update_if_version(&edited, 1, &edit_entry)
        .await
        .unwrap();
    let after = store.get_record(agency, id).await.unwrap().unwrap();
    assert_eq!(
        (after.record.title.as_str(), after.documents, after.head.seq),
        ("Edited", 1, 3)
    );
    let history = store.history(agency, id, 20, None).await.unwrap().items;
    assert_eq!(shared::model::verify_chain(&history), Ok(()));
}

async fn concurrent_document_adds_from_one_read_yield_one_winner<S: Store>(store: S) {
    let record = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let store = Arc::new(store);
    let attempts = (0..10).map(|_| {
        let (store, record) = (store.clone(), record.clone());
        tokio::spawn(async move {
            let document = pdf_document(&record);
            let (next, entry) = announced(&record, &document);
            store.add_document(&next, &document, &entry).await
        })
    });
    let mut outcomes = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        outcomes.push(attempt.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(()) | Err(StoreError::ConditionFailed)))
    );
    let (agency, id) = (&record.record.agency, &record.record.id);
    assert_eq!(
        store
            .get_record(agency, id)
            .await
            .unwrap()
            .unwrap()
            .documents,
        1
    );
    assert_eq!(
        store
            .list_documents(agency, id, 20, None)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// `entry` as if it followed a link that was never written: the same change, one `seq`
/// further, linked to `entry` itself.
fn past_a_gap(entry: &AuditEntry) -> AuditEntry {
    AuditEntry::next(
        &entry.head(),
        entry.at,
        &entry.actor,
        entry.action,
        entry.changes.clone(),
    )
}

async fn a_chain_link_that_skips_or_repeats_a_seq_is_refused<S: Store>(store: S) {
    // A record whose first entry is not seq 1.
    let (unborn, first) = new_record(
        "parks",
        json!({"title": "T", "classification": "public"}),
        TEST_NOW,
    );
    let second = past_a_gap(&first);
    assert_eq!(
        store
            .create_record(&headed(&unborn, &second), &second, None)
            .await,
        Err(StoreError::ConditionFailed),
        "a first entry at seq 2"
    );
    assert_eq!(
        store
            .get_record(&agency("parks"), &unborn.record.id)
            .await
            .unwrap(),
        None
    );

    let stored = create(
        &store,
        "parks",
        json!({"title": "v1", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let (agency, id) = (&stored.record.agency, &stored.record.id);
    let (v2, entry) = retitled(&stored, "v2", TEST_NOW.plus_millis(1));
    // An update at the right version whose entry skips a seq, or repeats seq 1.
    let skipping = past_a_gap(&entry);
    let repeating = AuditEntry::next(
        &ChainHead::genesis(),
        entry.at,
        &entry.actor,
        entry.action,
        entry.changes.clone(),
    );
    for bad in [&skipping, &repeating] {
        assert_eq!(
            store.update_if_version(&headed(&v2, bad), 1, bad).await,
            Err(StoreError::ConditionFailed),
            "an update at seq {}",
            bad.seq
        );
    }
    // A delete whose entry skips a seq.
    let deleting = past_a_gap(&AuditEntry::next(
        &stored.head,
        TEST_NOW,
        "olga",
        AuditAction::Delete,
        Default::default(),
    ));
    assert_eq!(
        store.delete_if_version(agency, id, 1, &deleting).await,
        Err(StoreError::ConditionFailed)
    );
    // A document whose entry skips a seq.
    let document = pdf_document(&stored);
    let (next, announcing) = announced(&stored, &document);
    let skipping = past_a_gap(&announcing);
    assert_eq!(
        store
            .add_document(&headed(&next, &skipping), &document, &skipping)
            .await,
        Err(StoreError::ConditionFailed)
    );

    // None of it left a trace.
    assert_eq!(
        store.get_record(agency, id).await.unwrap().as_ref(),
        Some(&stored)
    );
    let history = store.history(agency, id, 10, None).await.unwrap().items;
    assert_eq!(history.len(), 1);
    assert_eq!(
        store.get_document(agency, id, &document.id).await.unwrap(),
        None
    );
}

async fn every_live_records_chain_head_is_listed_by_agency<S: Store>(store: S) {
    let mut parks = Vec::new();
    for (i, classification) in ["public", "confidential", "internal"].iter().enumerate() {
        let at = TEST_NOW.plus_millis(i as i64);
        let body = json!({"title": format!("T{i}"), "classification": classification});
        parks.push(create(&store, "parks", body, at).await);
    }
    // One edited (its head moves), one deleted (it has no head left to list).
    let (edited, entry) = retitled(&parks[0], "edited", TEST_NOW.plus_millis(10));
    store.update_if_version(&edited, 1, &entry).await.unwrap();
    parks[0] = headed(&edited, &entry);
    let deleted = parks.remove(2);
    let delete = AuditEntry::next(
        &deleted.head,
        TEST_NOW,
        "olga",
        AuditAction::Delete,
        Default::default(),
    );
    store
        .delete_if_version(&agency("parks"), &deleted.record.id, 1, &delete)
        .await
        .unwrap();
    let zoning = create(
        &store,
        "zoning",
        json!({"title": "Z", "classification": "public"}),
        TEST_NOW,
    )
    .await;

    let heads = store.chain_heads().await.unwrap();
    let mut expected: Vec<RecordHead> = parks.iter().map(RecordHead::of).collect();
    expected.sort_by(|a, b| a.record.as_str().cmp(b.record.as_str()));
    assert_eq!(expected[0].head.seq.max(expected[1].head.seq), 2);
    assert_eq!(
        heads.into_iter().collect::<Vec<_>>(),
        vec![
            (agency("parks"), expected),
            (agency("zoning"), vec![RecordHead::of(&zoning)]),
        ]
    );
}

/// A profile whose request settings are not the defaults, so that each adapter shows it
/// keeps them.
fn profile(name: &str) -> ProfileBody {
    ProfileBody::from_json(&json!({"name": name, "contact_email": "records@parks.example.gov",
                                   "website": "https://parks.example.gov", "timezone": "America/Chicago",
                                   "requests": {"days_to_respond": 10, "counting": "calendar",
                                                "holidays": ["2026-12-25"], "office_closes": "16:30",
                                                "on_clarification": "restart",
                                                "notices": ["acknowledgement"]}}))
    .unwrap()
}

async fn agency_profiles_are_written_at_a_version_on_one_chain<S: Store>(store: S) {
    let parks = agency("parks");
    assert_eq!(store.get_agency(&parks).await.unwrap(), None);
    let (v1, first) =
        StoredAgency::revise(None, &parks, profile("Parks"), TEST_NOW, "olga").unwrap();
    store.put_agency(&v1, None, &first).await.unwrap();
    assert_eq!(store.get_agency(&parks).await.unwrap(), Some(v1.clone()));
    // A second first write (a racing officer) is refused.
    assert_eq!(
        store.put_agency(&v1, None, &first).await,
        Err(StoreError::ConditionFailed)
    );

    let later = TEST_NOW.plus_millis(1);
    let (v2, second) =
        StoredAgency::revise(Some(&v1), &parks, profile("Parks Dept"), later, "olga").unwrap();
    // Stale version, or a link that does not follow the head: refused, nothing changes.
    for (expected, entry) in [(Some(2), &second), (None, &second), (Some(1), &first)] {
        assert_eq!(
            store.put_agency(&v2, expected, entry).await,
            Err(StoreError::ConditionFailed),
            "{expected:?} seq {}",
            entry.seq
        );
    }
    let gap = AuditEntry::next(
        &second.head(),
        later,
        "olga",
        AuditAction::AgencyUpdate,
        Default::default(),
    );
    assert_eq!(
        store.put_agency(&v2, Some(1), &gap).await,
        Err(StoreError::ConditionFailed),
        "a link past the head"
    );
    assert_eq!(store.get_agency(&parks).await.unwrap(), Some(v1.clone()));
    store.put_agency(&v2, Some(1), &second).await.unwrap();
    assert_eq!(store.get_agency(&parks).await.unwrap(), Some(v2));

    let page = store.agency_history(&parks, 1, None).await.unwrap();
    assert_eq!((page.items, page.next), (vec![first.clone()], Some(1)));
    let page = store.agency_history(&parks, 10, Some(1)).await.unwrap();
    assert_eq!(
        (page.items.clone(), page.next),
        (vec![second.clone()], None)
    );
    assert_eq!(verify_chain([&first, &second]), Ok(()));

    // Another agency sees nothing of it, and agencies hold no record chain heads.
    let zoning = agency("zoning");
    assert_eq!(store.get_agency(&zoning).await.unwrap(), None);
    assert!(
        store
            .agency_history(&zoning, 10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.chain_heads().await.unwrap().is_empty());
}

/// `current` changed by `change`, as an officer's PATCH at `at` writes it.
async fn write_change<S: Store>(
    store: &S,
    current: &StoredRecord,
    at: Timestamp,
    change: impl FnOnce(&mut Record),
) -> StoredRecord {
    let mut record = current.record.clone();
    change(&mut record);
    let (next, entry) = current.revise(record, at, "olga").unwrap();
    store
        .update_if_version(&next, current.record.version, &entry)
        .await
        .unwrap();
    next
}

/// A record of `agency` created at `at` and published a millisecond later.
async fn published<S: Store>(
    store: &S,
    agency_name: &str,
    body: serde_json::Value,
    at: Timestamp,
) -> StoredRecord {
    let created = create(store, agency_name, body, at).await;
    write_change(store, &created, at.plus_millis(1), |r| {
        r.status = Status::Published
    })
    .await
}

fn public_ids(page: &Page<Record, ListPosition>) -> Vec<String> {
    page.items.iter().map(|r| r.id.to_string()).collect()
}

async fn the_public_listing_holds_public_records_only_newest_published_first<S: Store>(store: S) {
    let at = |ms: i64| TEST_NOW.plus_millis(ms);
    let public = |title: &str, tags: serde_json::Value| json!({"title": title, "classification": "public", "tags": tags});
    let old = published(&store, "parks", public("old", json!([])), at(0)).await;
    let trees = published(&store, "parks", public("trees", json!(["trees"])), at(10)).await;
    let new = published(&store, "parks", public("new", json!([])), at(20)).await;
    // Archived after publication: still public, still at its publication time.
    let archived = write_change(&store, &old, at(30), |r| r.status = Status::Archived).await;
    // Never public, or no longer.
    create(&store, "parks", public("draft", json!([])), at(40)).await;
    for classification in ["internal", "confidential"] {
        let body = json!({"title": "x", "classification": classification});
        published(&store, "parks", body, at(50)).await;
    }
    let hidden = published(&store, "parks", public("hidden", json!([])), at(60)).await;
    write_change(&store, &hidden, at(61), |r| {
        r.classification = Classification::Internal
    })
    .await;
    let deleted = published(&store, "parks", public("deleted", json!([])), at(70)).await;
    let delete = AuditEntry::next(
        &deleted.head,
        at(71),
        "olga",
        AuditAction::Delete,
        Default::default(),
    );
    store
        .delete_if_version(&agency("parks"), &deleted.record.id, 2, &delete)
        .await
        .unwrap();
    published(&store, "zoning", public("zoning", json!([])), at(80)).await;

    let all = PublicFilter::default();
    let first = store
        .list_public_records(&agency("parks"), &all, 2, None)
        .await
        .unwrap();
    assert_eq!(
        public_ids(&first),
        [new.record.id.to_string(), trees.record.id.to_string()]
    );
    let second = store
        .list_public_records(&agency("parks"), &all, 2, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(public_ids(&second), [archived.record.id.to_string()]);
    assert_eq!(second.next, None);
    assert_eq!(second.items[0].status, Status::Archived);

    let tagged = PublicFilter {
        tag: Some("trees".into()),
        ..PublicFilter::default()
    };
    let page = store
        .list_public_records(&agency("parks"), &tagged, 10, None)
        .await
        .unwrap();
    assert_eq!(public_ids(&page), [trees.record.id.to_string()]);
    // Published from at(12) up to at(22): only `new` (published at 21; `trees` at 11).
    let window = PublicFilter {
        published: Some((at(12), at(22))),
        ..PublicFilter::default()
    };
    let page = store
        .list_public_records(&agency("parks"), &window, 10, None)
        .await
        .unwrap();
    assert_eq!(public_ids(&page), [new.record.id.to_string()]);
    let before = PublicFilter {
        published: Some((at(0), at(21))),
        ..PublicFilter::default()
    };
    let page = store
        .list_public_records(&agency("parks"), &before, 10, None)
        .await
        .unwrap();
    assert_eq!(
        public_ids(&page),
        [trees.record.id.to_string(), archived.record.id.to_string()]
    );
    let page = store
        .list_public_records(&agency("water"), &all, 10, None)
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

async fn agencies_are_listed_by_id_once_they_have_a_profile<S: Store>(store: S) {
    let parks = agency("parks");
    assert!(
        store
            .list_agencies(10, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    for name in ["zoning", "parks", "water"] {
        let (stored, entry) =
            StoredAgency::revise(None, &agency(name), profile(name), TEST_NOW, "olga").unwrap();
        store.put_agency(&stored, None, &entry).await.unwrap();
    }
    create(
        &store,
        "roads",
        json!({"title": "r", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    let first = store.list_agencies(2, None).await.unwrap();
    let names = |page: &Page<AgencyProfile, AgencyId>| {
        page.items
            .iter()
            .map(|p| p.agency.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&first), ["parks", "water"]);
    assert_eq!(first.next, Some(agency("water")));
    let second = store.list_agencies(2, first.next.as_ref()).await.unwrap();
    assert_eq!(
        (names(&second), second.next),
        (vec!["zoning".to_owned()], None)
    );
    // A later write of a profile keeps it listed once, as it now is.
    let current = store.get_agency(&parks).await.unwrap().unwrap();
    let (next, entry) = StoredAgency::revise(
        Some(&current),
        &parks,
        profile("Parks Dept"),
        TEST_NOW,
        "olga",
    )
    .unwrap();
    store.put_agency(&next, Some(1), &entry).await.unwrap();
    let all = store.list_agencies(10, None).await.unwrap();
    assert_eq!(names(&all), ["parks", "water", "zoning"]);
    assert_eq!(all.items[0].name, "Parks Dept");
}

async fn dynamo_store() -> DynamoStore {
    let client = dynamo();
    let table = create_table(&client).await;
    DynamoStore::new(client, table)
}

fn embedded_store() -> EmbeddedStore {
    EmbeddedStore::open(
        &std::env::temp_dir()
            .join(unique_name("dossier-store"))
            .join("dossier.redb"),
    )
    .unwrap()
}

macro_rules! contract {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::MemoryStore::new()).await;
                }
            )*
        }
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::embedded_store()).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::dynamo_store().await).await;
                }
            )*
        }
    };
}

contract!(
    agency_profiles_are_written_at_a_version_on_one_chain,
    agencies_are_listed_by_id_once_they_have_a_profile,
    the_public_listing_holds_public_records_only_newest_published_first,
    create_then_get_round_trips,
    creating_twice_fails_and_changes_nothing,
    updates_only_at_the_expected_version,
    deletes_only_at_the_expected_version_and_keeps_history,
    agencies_never_see_each_other,
    lists_newest_first_across_pages_without_gaps,
    a_status_change_moves_the_record_between_status_listings,
    history_pages_in_order,
    idempotency_keys_are_atomic_with_the_create_and_expire,
    concurrent_writers_at_one_version_yield_one_winner,
    documents_are_added_listed_and_settled_on_the_chain,
    document_changes_and_record_edits_never_fork_the_chain,
    concurrent_document_adds_from_one_read_yield_one_winner,
    a_chain_link_that_skips_or_repeats_a_seq_is_refused,
    every_live_records_chain_head_is_listed_by_agency,
    requests_are_numbered_without_gaps_per_agency_and_year,
    concurrent_request_creations_take_each_number_once,
    requests_change_only_at_their_version_on_their_chain,
    a_request_keeps_its_idempotent_response_in_the_same_write,
    requests_are_listed_newest_first_and_open_ones_due_soonest_first,
    schedules_change_at_their_version_on_their_chain_and_stay_per_agency,
    a_schedule_in_use_can_change_but_never_be_deleted,
    a_hold_covers_records_on_both_chains_and_is_released_covering_none,
    two_placements_from_one_read_of_a_hold_yield_one_winner,
    records_are_listed_once_per_list_and_counted,
    records_are_read_in_a_batch_in_the_order_asked_within_their_agency,
    the_rotation_reads_the_least_recently_checked_first,
    damage_and_restore_are_links_of_the_records_chain,
    an_agencys_latest_fixity_run_is_kept,
    uploads_that_never_came_are_found_oldest_first,
    one_decision_lands_with_its_link_on_the_record_chain,
    a_destruction_leaves_a_tombstone_and_the_chain_at_the_version_approved,
);

/// Request `seq` of `agency_name`'s `year`, received at `at`, and its first entry.
fn received(agency_name: &str, year: i16, seq: u32, at: Timestamp) -> (StoredRequest, AuditEntry) {
    let new = NewRequest::from_json(&json!({
        "description": format!("Every permit issued on Elm Street, request {seq}"),
        "requester": {"name": "Ada", "email": "ada@example.org"},
    }))
    .unwrap();
    let number = RequestNumber::new(year, seq).unwrap();
    let due = "2026-12-28".parse().ok();
    StoredRequest::receive(
        &agency(agency_name),
        number,
        &new,
        &TrackingToken::generate(),
        due,
        at,
    )
}

async fn requests_are_numbered_without_gaps_per_agency_and_year<S: Store>(store: S) {
    let parks = agency("parks");
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(0));
    let (first, entry) = received("parks", 2026, 1, TEST_NOW);
    store.create_request(&first, &entry, None).await.unwrap();
    // The same number again, or one that skips a number: refused, nothing written.
    let (again, again_entry) = received("parks", 2026, 1, TEST_NOW);
    assert_eq!(
        store.create_request(&again, &again_entry, None).await,
        Err(StoreError::ConditionFailed)
    );
    let (skipping, skipping_entry) = received("parks", 2026, 3, TEST_NOW);
    assert_eq!(
        store.create_request(&skipping, &skipping_entry, None).await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(1));
    let number = |seq| RequestNumber::new(2026, seq).unwrap();
    assert_eq!(store.get_request(&parks, number(1)).await, Ok(Some(first)));
    assert_eq!(store.get_request(&parks, number(3)).await, Ok(None));
    let (second, second_entry) = received("parks", 2026, 2, TEST_NOW);
    store
        .create_request(&second, &second_entry, None)
        .await
        .unwrap();
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(2));

    // Another agency, and another year, count on their own.
    let (theirs, theirs_entry) = received("police", 2026, 1, TEST_NOW);
    store
        .create_request(&theirs, &theirs_entry, None)
        .await
        .unwrap();
    let (next_year, next_year_entry) = received("parks", 2027, 1, TEST_NOW);
    store
        .create_request(&next_year, &next_year_entry, None)
        .await
        .unwrap();
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(2));
    assert_eq!(
        store.last_request_number(&agency("police"), 2026).await,
        Ok(1)
    );
    assert_eq!(
        store.get_request(&agency("police"), number(1)).await,
        Ok(Some(theirs))
    );
    assert_eq!(
        store.get_request(&agency("police"), number(2)).await,
        Ok(None)
    );

    let history = store
        .request_history(&parks, number(1), 10, None)
        .await
        .unwrap();
    assert_eq!(history.items, vec![entry]);
    assert!(verify_chain(&history.items).is_ok());
}

async fn concurrent_request_creations_take_each_number_once<S: Store>(store: S) {
    const WRITERS: u32 = 12;
    let store = Arc::new(store);
    let parks = agency("parks");
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (store, parks) = (store.clone(), parks.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 * WRITERS {
                let next = store.last_request_number(&parks, 2026).await.unwrap() + 1;
                let (mut request, entry) = received("parks", 2026, next, TEST_NOW);
                request.request.description = format!("Writer {writer}'s request");
                match store.create_request(&request, &entry, None).await {
                    Ok(()) => return next,
                    Err(StoreError::ConditionFailed) => tokio::task::yield_now().await,
                    Err(error) => panic!("{error}"),
                }
            }
            panic!("writer {writer} never got a number");
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=WRITERS).collect::<Vec<_>>());
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(WRITERS));
    // Each number holds the request of the writer that got it, and only one.
    let mut writers = std::collections::BTreeSet::new();
    for seq in 1..=WRITERS {
        let stored = store
            .get_request(&parks, RequestNumber::new(2026, seq).unwrap())
            .await
            .unwrap()
            .unwrap();
        writers.insert(stored.request.description);
    }
    assert_eq!(writers.len(), WRITERS as usize);
}

async fn a_request_keeps_its_idempotent_response_in_the_same_write<S: Store>(store: S) {
    let parks = agency("parks");
    let expires = TEST_NOW.plus_millis(86_400_000);
    let response = kept("k1", r#"{"number":"2026-0001"}"#, expires);
    let (first, entry) = received("parks", 2026, 1, TEST_NOW);
    store
        .create_request(&first, &entry, Some(&response))
        .await
        .unwrap();
    assert_eq!(
        store.get_idempotent(&parks, "k1", TEST_NOW).await,
        Ok(Some(response.clone()))
    );
    // The key taken: a second submission with it writes nothing, not even the counter.
    let (second, second_entry) = received("parks", 2026, 2, TEST_NOW);
    assert_eq!(
        store
            .create_request(&second, &second_entry, Some(&response))
            .await,
        Err(StoreError::IdempotencyKeyTaken)
    );
    assert_eq!(store.last_request_number(&parks, 2026).await, Ok(1));
    // A lost number race keeps no key either.
    let other = kept("k2", "{}", expires);
    let (again, again_entry) = received("parks", 2026, 1, TEST_NOW);
    assert_eq!(
        store
            .create_request(&again, &again_entry, Some(&other))
            .await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(store.get_idempotent(&parks, "k2", TEST_NOW).await, Ok(None));

    // A change keeps its response too, in its own write: with a taken key, nothing changes.
    let mut assigned = first.request.clone();
    assigned.assignee = Some("olga".into());
    let (next, update) = first.revise(assigned, TEST_NOW, "olga").unwrap();
    assert_eq!(
        store
            .update_request(&next, 1, &update, Some(&response))
            .await,
        Err(StoreError::IdempotencyKeyTaken)
    );
    let number = first.request.number;
    assert_eq!(
        store.get_request(&parks, number).await,
        Ok(Some(first.clone()))
    );
    let change = kept("k3", r#"{"seq":2}"#, expires);
    store
        .update_request(&next, 1, &update, Some(&change))
        .await
        .unwrap();
    assert_eq!(store.get_request(&parks, number).await, Ok(Some(next)));
    assert_eq!(
        store.get_idempotent(&parks, "k3", TEST_NOW).await,
        Ok(Some(change))
    );
}

async fn requests_are_listed_newest_first_and_open_ones_due_soonest_first<S: Store>(store: S) {
    let parks = agency("parks");
    let due = |date: &str| date.parse().ok();
    for (seq, due_date, status) in [
        (1, due("2026-12-28"), RequestStatus::Received),
        (2, due("2026-12-20"), RequestStatus::InProgress),
        (3, None, RequestStatus::AwaitingClarification),
        (4, due("2026-12-20"), RequestStatus::Received),
        (5, due("2026-12-01"), RequestStatus::Closed),
    ] {
        let (mut request, entry) = received("parks", 2026, seq, TEST_NOW);
        request.request.due_date = due_date;
        request.request.status = status;
        store.create_request(&request, &entry, None).await.unwrap();
    }
    let (theirs, theirs_entry) = received("police", 2026, 1, TEST_NOW);
    store
        .create_request(&theirs, &theirs_entry, None)
        .await
        .unwrap();

    // Every page, following each page's position, as (seq, ...) lists.
    async fn pages<S: Store>(
        store: &S,
        agency: &AgencyId,
        listing: RequestListing,
        limit: usize,
    ) -> Vec<Vec<u32>> {
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store
                .list_requests(agency, listing, limit, after.as_deref())
                .await
                .unwrap();
            pages.push(page.items.iter().map(|s| s.request.number.seq()).collect());
            match page.next {
                Some(next) => after = Some(next),
                None => return pages,
            }
        }
    }
    assert_eq!(
        pages(&store, &parks, RequestListing::All, 2).await,
        [vec![5, 4], vec![3, 2], vec![1]]
    );
    // Due soonest first, ties by number; the one whose clock is stopped last; closed out.
    assert_eq!(
        pages(&store, &parks, RequestListing::Open, 3).await,
        [vec![2, 4, 1], vec![3]]
    );
    assert_eq!(
        pages(&store, &agency("police"), RequestListing::All, 10).await,
        [vec![1]]
    );
    assert_eq!(
        pages(&store, &agency("harbour"), RequestListing::Open, 10).await,
        [Vec::<u32>::new()]
    );

    // Closing one takes it out of the open listing, not out of the log.
    let number = RequestNumber::new(2026, 2).unwrap();
    let current = store.get_request(&parks, number).await.unwrap().unwrap();
    let mut closed = current.request.clone();
    closed.status = RequestStatus::Closed;
    let (next, entry) = current.revise(closed, TEST_NOW, "olga").unwrap();
    store.update_request(&next, 1, &entry, None).await.unwrap();
    assert_eq!(
        pages(&store, &parks, RequestListing::Open, 10).await,
        [vec![4, 1, 3]]
    );
    assert_eq!(
        pages(&store, &parks, RequestListing::All, 10).await,
        [vec![5, 4, 3, 2, 1]]
    );
}

async fn requests_change_only_at_their_version_on_their_chain<S: Store>(store: S) {
    let parks = agency("parks");
    let (first, entry) = received("parks", 2026, 1, TEST_NOW);
    store.create_request(&first, &entry, None).await.unwrap();
    let later = Timestamp::from_millis(TEST_NOW.as_millis() + 60_000);
    let mut next = first.clone();
    next.request.status = RequestStatus::InProgress;
    next.request.assignee = Some("olga".into());
    next.request.version = 2;
    next.request.updated_at = later;
    next.request.updated_by = "olga".into();
    let changes = shared::model::Changes::from([(
        "status".to_owned(),
        [json!("received"), json!("in_progress")],
    )]);
    let update = AuditEntry::next(
        &first.head,
        later,
        "olga",
        AuditAction::RequestUpdate,
        changes,
    );
    next.head = update.head();

    // A stale version, or a link that does not follow the chain: refused.
    assert_eq!(
        store.update_request(&next, 2, &update, None).await,
        Err(StoreError::ConditionFailed)
    );
    let skipping = AuditEntry::next(
        &update.head(),
        later,
        "olga",
        AuditAction::RequestUpdate,
        Default::default(),
    );
    assert_eq!(
        store.update_request(&next, 1, &skipping, None).await,
        Err(StoreError::ConditionFailed)
    );
    let number = first.request.number;
    assert_eq!(store.get_request(&parks, number).await, Ok(Some(first)));

    store.update_request(&next, 1, &update, None).await.unwrap();
    assert_eq!(
        store.get_request(&parks, number).await,
        Ok(Some(next.clone()))
    );
    // The same change twice: the second is at a version that is gone.
    assert_eq!(
        store.update_request(&next, 1, &update, None).await,
        Err(StoreError::ConditionFailed)
    );
    let history = store
        .request_history(&parks, number, 1, None)
        .await
        .unwrap();
    assert_eq!(history.items, vec![entry.clone()]);
    let rest = store
        .request_history(&parks, number, 10, history.next)
        .await
        .unwrap();
    assert_eq!(rest.items, vec![update.clone()]);
    assert!(verify_chain(&[entry, update]).is_ok());
    // Another agency cannot reach it.
    assert_eq!(store.get_request(&agency("police"), number).await, Ok(None));
}

/// A new schedule of `agency_name` named `name` (not yet written), and its first entry.
fn new_schedule(agency_name: &str, name: &str, at: Timestamp) -> (StoredSchedule, AuditEntry) {
    let body = ScheduleBody::from_json(&json!({
        "name": name, "keep": {"years": 7}, "from": "archived", "action": "destroy"
    }))
    .unwrap();
    StoredSchedule::create(
        ScheduleId::generate(at),
        agency(agency_name),
        body,
        at,
        "olga",
    )
}

async fn schedules_change_at_their_version_on_their_chain_and_stay_per_agency<S: Store>(store: S) {
    let parks = agency("parks");
    assert_eq!(store.list_schedules(&parks).await, Ok(vec![]));
    let (permits, first) = new_schedule("parks", "Permits", TEST_NOW);
    let later = Timestamp::from_millis(TEST_NOW.as_millis() + 1);
    let (minutes, minutes_entry) = new_schedule("parks", "Minutes", later);
    let (theirs, theirs_entry) = new_schedule("water", "Permits", TEST_NOW);
    store.create_schedule(&permits, &first).await.unwrap();
    store
        .create_schedule(&minutes, &minutes_entry)
        .await
        .unwrap();
    store.create_schedule(&theirs, &theirs_entry).await.unwrap();
    assert_eq!(
        store.create_schedule(&permits, &first).await,
        Err(StoreError::ConditionFailed),
        "created twice"
    );

    let id = &permits.schedule.id;
    assert_eq!(
        store.get_schedule(&parks, id).await,
        Ok(Some(permits.clone()))
    );
    assert_eq!(store.get_schedule(&agency("water"), id).await, Ok(None));
    let listed = store.list_schedules(&parks).await.unwrap();
    assert_eq!(
        listed,
        vec![permits.schedule.clone(), minutes.schedule.clone()],
        "in creation order, this agency's only"
    );

    let patch = SchedulePatch::from_json(&json!({"keep": {"years": 10}})).unwrap();
    let (next, update) = permits.revise(&patch, later, "olga").unwrap();
    assert_eq!(
        store.update_schedule(&next, 2, &update).await,
        Err(StoreError::ConditionFailed),
        "a version that is not there"
    );
    store.update_schedule(&next, 1, &update).await.unwrap();
    assert_eq!(
        store.update_schedule(&next, 1, &update).await,
        Err(StoreError::ConditionFailed),
        "the same change twice"
    );
    assert_eq!(store.get_schedule(&parks, id).await, Ok(Some(next.clone())));

    // An unused schedule can be deleted at its version; its chain stays and verifies.
    let deletion = next.deletion(later, "olga");
    assert_eq!(
        store.delete_schedule(&parks, id, 1, &deletion).await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(
        store
            .delete_schedule(&agency("water"), id, 2, &deletion)
            .await,
        Err(StoreError::ConditionFailed),
        "another agency's id"
    );
    store
        .delete_schedule(&parks, id, 2, &deletion)
        .await
        .unwrap();
    assert_eq!(store.get_schedule(&parks, id).await, Ok(None));
    assert_eq!(
        store.list_schedules(&parks).await,
        Ok(vec![minutes.schedule.clone()])
    );
    let history = store.schedule_history(&parks, id, 2, None).await.unwrap();
    assert_eq!(history.items, vec![first.clone(), update.clone()]);
    let rest = store
        .schedule_history(&parks, id, 10, history.next)
        .await
        .unwrap();
    assert_eq!(rest.items, vec![deletion.clone()]);
    assert!(verify_chain(&[first, update, deletion]).is_ok());
    assert_eq!(
        store.mark_schedule_used(&parks, id).await,
        Err(StoreError::ConditionFailed),
        "a deleted schedule cannot be named"
    );
}

async fn a_schedule_in_use_can_change_but_never_be_deleted<S: Store>(store: S) {
    let parks = agency("parks");
    let (stored, first) = new_schedule("parks", "Permits", TEST_NOW);
    store.create_schedule(&stored, &first).await.unwrap();
    let id = &stored.schedule.id;
    assert_eq!(
        store.mark_schedule_used(&agency("water"), id).await,
        Err(StoreError::ConditionFailed),
        "another agency's schedule is not there to name"
    );

    // A record names it between an officer's read and their write: the write is refused
    // (it would clear the mark), and redone from a fresh read it lands with the mark.
    let later = Timestamp::from_millis(TEST_NOW.as_millis() + 1);
    let patch = SchedulePatch::from_json(&json!({"name": "Building permits"})).unwrap();
    let (stale, update) = stored.revise(&patch, later, "olga").unwrap();
    store.mark_schedule_used(&parks, id).await.unwrap();
    store.mark_schedule_used(&parks, id).await.unwrap();
    assert_eq!(
        store.update_schedule(&stale, 1, &update).await,
        Err(StoreError::ConditionFailed)
    );
    let fresh = store.get_schedule(&parks, id).await.unwrap().unwrap();
    assert!(fresh.schedule.in_use);
    assert_eq!(fresh.schedule.version, 1);
    let (next, update) = fresh.revise(&patch, later, "olga").unwrap();
    store.update_schedule(&next, 1, &update).await.unwrap();
    let now = store.get_schedule(&parks, id).await.unwrap().unwrap();
    assert!(now.schedule.in_use);
    assert_eq!(now.schedule.name, "Building permits");

    let deletion = now.deletion(later, "olga");
    assert_eq!(
        store.delete_schedule(&parks, id, 2, &deletion).await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(store.get_schedule(&parks, id).await, Ok(Some(now)));
    let history = store.schedule_history(&parks, id, 10, None).await.unwrap();
    assert_eq!(history.items.len(), 2, "the refused deletion left no entry");
}

/// A new hold of `agency_name` (not yet written), and its first entry.
fn new_hold(agency_name: &str, at: Timestamp) -> (shared::model::StoredHold, AuditEntry) {
    let body = shared::model::HoldBody::from_json(
        &json!({"name": "Smith v. City", "reason": "Litigation: preserve everything on Elm St."}),
    )
    .unwrap();
    shared::model::StoredHold::create(
        shared::model::HoldId::generate(at),
        agency(agency_name),
        body,
        at,
        "olga",
    )
}

async fn a_hold_covers_records_on_both_chains_and_is_released_covering_none<S: Store>(store: S) {
    use shared::model::{Covering, HoldStatus};
    let parks = agency("parks");
    let (hold, first) = new_hold("parks", TEST_NOW);
    store.create_hold(&hold, &first).await.unwrap();
    assert_eq!(
        store.create_hold(&hold, &first).await,
        Err(StoreError::ConditionFailed)
    );
    let (theirs, theirs_entry) = new_hold("water", TEST_NOW);
    store.create_hold(&theirs, &theirs_entry).await.unwrap();
    assert_eq!(store.list_holds(&parks).await, Ok(vec![hold.hold.clone()]));
    assert_eq!(
        store.get_hold(&agency("water"), &hold.hold.id).await,
        Ok(None)
    );

    let body = json!({"title": "Permit", "classification": "internal"});
    let record = create(&store, "parks", body.clone(), TEST_NOW).await;
    let other = create(&store, "parks", body, TEST_NOW.plus_millis(1)).await;
    let later = TEST_NOW.plus_millis(60_000);
    let placing = Covering::of(&record, &hold, true, later, "olga").unwrap();
    assert!(placing.record.record.legal_hold);
    assert_eq!(placing.record.record.holds, vec![hold.hold.id.clone()]);
    // At a stale record version, or a stale hold version: refused, nothing written.
    assert_eq!(
        store.cover(HoldCover::from(&placing, true, 2, 1)).await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(
        store.cover(HoldCover::from(&placing, true, 1, 2)).await,
        Err(StoreError::ConditionFailed)
    );
    // Under another agency's hold: refused.
    let foreign = Covering::of(&record, &theirs, true, later, "olga").unwrap();
    assert_eq!(
        store.cover(HoldCover::from(&foreign, true, 1, 1)).await,
        Err(StoreError::ConditionFailed)
    );
    store
        .cover(HoldCover::from(&placing, true, 1, 1))
        .await
        .unwrap();
    let held = store
        .get_record(&parks, &record.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held, placing.record);
    assert_eq!(
        store.get_hold(&parks, &hold.hold.id).await,
        Ok(Some(placing.hold.clone()))
    );
    let page = store
        .held_records(&parks, &hold.hold.id, 10, None)
        .await
        .unwrap();
    assert_eq!(page.items, vec![record.record.id.clone()]);

    // Released only once it covers nothing.
    let (released, release) = placing.hold.release(later, "olga");
    assert_eq!(
        store.release_hold(&released, 2, &release).await,
        Err(StoreError::ConditionFailed)
    );
    let lifting = Covering::of(&held, &placing.hold, false, later, "otto").unwrap();
    assert!(!lifting.record.record.legal_hold);
    store
        .cover(HoldCover::from(&lifting, false, 2, 2))
        .await
        .unwrap();
    assert_eq!(
        store.cover(HoldCover::from(&lifting, false, 3, 3)).await,
        Err(StoreError::ConditionFailed),
        "lifted twice"
    );
    assert_eq!(
        store
            .held_records(&parks, &hold.hold.id, 10, None)
            .await
            .unwrap()
            .items,
        Vec::<RecordId>::new()
    );
    let (released, release) = lifting.hold.release(later, "olga");
    store.release_hold(&released, 3, &release).await.unwrap();
    let now = store
        .get_hold(&parks, &hold.hold.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.hold.status, HoldStatus::Released);
    // Nothing is placed under a released hold.
    let again = Covering::of(&other, &now, true, later, "olga").unwrap();
    assert_eq!(
        store.cover(HoldCover::from(&again, true, 1, 4)).await,
        Err(StoreError::ConditionFailed)
    );

    let hold_chain = store
        .hold_history(&parks, &hold.hold.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        hold_chain,
        vec![
            first,
            placing.hold_entry.clone(),
            lifting.hold_entry.clone(),
            release
        ]
    );
    assert!(verify_chain(&hold_chain).is_ok());
    let record_chain = store
        .history(&parks, &record.record.id, 10, None)
        .await
        .unwrap()
        .items;
    assert_eq!(record_chain.len(), 3);
    assert!(record_chain[1].changes.contains_key("holds"));
    assert!(verify_chain(&record_chain).is_ok());
}

async fn two_placements_from_one_read_of_a_hold_yield_one_winner<S: Store>(store: S) {
    use shared::model::Covering;
    let parks = agency("parks");
    let (hold, first) = new_hold("parks", TEST_NOW);
    store.create_hold(&hold, &first).await.unwrap();
    let body = json!({"title": "Permit", "classification": "internal"});
    let a = create(&store, "parks", body.clone(), TEST_NOW).await;
    let b = create(&store, "parks", body, TEST_NOW.plus_millis(1)).await;
    let later = TEST_NOW.plus_millis(60_000);
    let place_a = Covering::of(&a, &hold, true, later, "olga").unwrap();
    let place_b = Covering::of(&b, &hold, true, later, "otto").unwrap();
    let (first_try, second_try) = tokio::join!(
        store.cover(HoldCover::from(&place_a, true, 1, 1)),
        store.cover(HoldCover::from(&place_b, true, 1, 1)),
    );
    assert!(
        first_try.is_ok() != second_try.is_ok(),
        "{first_try:?} {second_try:?}"
    );
    let now = store
        .get_hold(&parks, &hold.hold.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.hold.records, now.hold.version), (1, 2));
    let held = store
        .held_records(&parks, &hold.hold.id, 10, None)
        .await
        .unwrap();
    assert_eq!(held.items.len(), 1);
}
