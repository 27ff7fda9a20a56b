//! The fixity store's part of the contract: the rotation, and checks written on the
//! document (and the record's chain when they damage or restore it).

use shared::model::{DocumentStatus, FixityOutcome};
use shared::store::FixityPosition;

use super::*;

fn later(millis: i64) -> Timestamp {
    Timestamp::from_millis(TEST_NOW.as_millis() + millis)
}

/// A document of a new record of `agency_name`, settled (available, or quarantined) at
/// `settled_ms` after [`TEST_NOW`]; as stored.
async fn settled<S: Store>(
    store: &S,
    agency_name: &str,
    settled_ms: i64,
    available: bool,
) -> Document {
    let record = create(
        store,
        agency_name,
        json!({"title": "T", "classification": "internal"}),
        TEST_NOW,
    )
    .await;
    let document = pdf_document(&record);
    let (record, entry) = announced(&record, &document);
    store
        .add_document(&record, &document, &entry)
        .await
        .unwrap();
    let reason = (!available).then(|| "wrong size".to_owned());
    let (done, action) = document.settled(reason, Some("v1".into()), later(settled_ms));
    let (record, entry) = record.append_settlement(&document, &done, action);
    store.settle_document(&record, &done, &entry).await.unwrap();
    done
}

fn ids(page: &Page<Document, FixityPosition>) -> Vec<&str> {
    page.items.iter().map(|d| d.id.as_str()).collect()
}

pub(super) async fn the_rotation_reads_the_least_recently_checked_first<S: Store>(store: S) {
    let parks = agency("parks");
    let newer = settled(&store, "parks", 20, true).await;
    let older = settled(&store, "parks", 10, true).await;
    let quarantined = settled(&store, "parks", 5, false).await;
    let theirs = settled(&store, "roads", 1, true).await;
    let first = store.fixity_rotation(&parks, 1, None).await.unwrap();
    assert_eq!(ids(&first), [older.id.as_str()]);
    let rest = store
        .fixity_rotation(&parks, 5, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(
        ids(&rest),
        [newer.id.as_str()],
        "not the quarantined one, nor another agency's"
    );
    assert_eq!(rest.next, None);
    let _ = (quarantined, theirs);

    // Checked intact now, the older goes to the end of the rotation; nothing on the chain.
    let history = |d: &Document| (d.agency.clone(), d.record_id.clone());
    let (agency_of, record_of) = history(&older);
    let chain_before = store
        .history(&agency_of, &record_of, 20, None)
        .await
        .unwrap()
        .items
        .len();
    let (intact, change) = older.checked(FixityOutcome::Intact, later(30));
    assert!(change.is_none());
    store.record_fixity(&older, &intact, None).await.unwrap();
    let all = store.fixity_rotation(&parks, 5, None).await.unwrap();
    assert_eq!(ids(&all), [newer.id.as_str(), older.id.as_str()]);
    let stored = store
        .get_document(&agency_of, &record_of, &older.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, intact);
    let chain_after = store
        .history(&agency_of, &record_of, 20, None)
        .await
        .unwrap()
        .items
        .len();
    assert_eq!(chain_before, chain_after);

    // A check made from a stale read is refused.
    let (again, _) = older.checked(FixityOutcome::Intact, later(31));
    assert_eq!(
        store.record_fixity(&older, &again, None).await,
        Err(StoreError::ConditionFailed)
    );
}

pub(super) async fn damage_and_restore_are_links_of_the_records_chain<S: Store>(store: S) {
    let document = settled(&store, "parks", 10, true).await;
    let (agency_of, record_of) = (document.agency.clone(), document.record_id.clone());
    let record = store
        .get_record(&agency_of, &record_of)
        .await
        .unwrap()
        .unwrap();
    let (damaged, change) = document.checked(FixityOutcome::Mismatch, later(30));
    let (action, changes) = change.expect("a status change");
    let (next, entry) = record.append(later(30), "fixity-check", action, changes);
    // The chain moved meanwhile: refused, nothing written.
    assert_eq!(
        store
            .record_fixity(&document, &damaged, Some((&next, &past_a_gap(&entry))))
            .await,
        Err(StoreError::ConditionFailed)
    );
    assert_eq!(
        store
            .get_document(&agency_of, &record_of, &document.id)
            .await
            .unwrap(),
        Some(document.clone())
    );
    store
        .record_fixity(&document, &damaged, Some((&next, &entry)))
        .await
        .unwrap();
    let stored = store
        .get_document(&agency_of, &record_of, &document.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, DocumentStatus::Damaged);
    let page = store.fixity_rotation(&agency_of, 5, None).await.unwrap();
    assert_eq!(
        ids(&page),
        [document.id.as_str()],
        "damaged documents are checked again"
    );
    let history = store
        .history(&agency_of, &record_of, 20, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        history.last().map(|e| e.action),
        Some(AuditAction::DocumentDamage)
    );
    assert!(verify_chain(&history).is_ok());

    // Restored bytes pass the next check: available again, on the chain too.
    let record = store
        .get_record(&agency_of, &record_of)
        .await
        .unwrap()
        .unwrap();
    let (restored, change) = stored.checked(FixityOutcome::Intact, later(40));
    let (action, changes) = change.expect("a status change");
    let (next, entry) = record.append(later(40), "fixity-check", action, changes);
    store
        .record_fixity(&stored, &restored, Some((&next, &entry)))
        .await
        .unwrap();
    let history = store
        .history(&agency_of, &record_of, 20, None)
        .await
        .unwrap()
        .items;
    assert_eq!(
        history.last().map(|e| e.action),
        Some(AuditAction::DocumentRestore)
    );
    let now = store
        .get_document(&agency_of, &record_of, &document.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, DocumentStatus::Available);
}

pub(super) async fn an_agencys_latest_fixity_run_is_kept<S: Store>(store: S) {
    use shared::store::FixityRun;
    let parks = agency("parks");
    assert_eq!(store.get_fixity_run(&parks).await.unwrap(), None);
    let run = |at: i64, checked: usize| FixityRun {
        agency: parks.clone(),
        at: later(at),
        period_days: 90,
        checked,
        bytes: 10,
        intact: checked,
        damaged: 0,
        restored: 0,
        overdue: 1,
    };
    store.put_fixity_run(&run(1, 3)).await.unwrap();
    store.put_fixity_run(&run(2, 5)).await.unwrap();
    assert_eq!(store.get_fixity_run(&parks).await.unwrap(), Some(run(2, 5)));
    assert_eq!(store.get_fixity_run(&agency("roads")).await.unwrap(), None);
}

pub(super) async fn uploads_that_never_came_are_found_oldest_first<S: Store>(store: S) {
    let record = create(
        &store,
        "parks",
        json!({"title": "T", "classification": "internal"}),
        TEST_NOW,
    )
    .await;
    let mut current = record;
    let mut announced = Vec::new();
    for at in [30, 10, 20] {
        let document = NewDocument {
            filename: "a.pdf".into(),
            content_type: ContentType::Pdf,
            size: 5,
            sha256: sha256_base64(b"%PDF-"),
        }
        .into_document(
            DocumentId::generate(later(at)),
            &current.record.id,
            &current.record.agency,
            "clara",
            later(at),
        );
        let (next, entry) = announced_doc(&current, &document);
        store.add_document(&next, &document, &entry).await.unwrap();
        current = next;
        announced.push(document);
    }
    let parks = agency("parks");
    let found = store
        .abandoned_uploads(&parks, later(25), 10)
        .await
        .unwrap();
    let ids: Vec<_> = found.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [announced[1].id.as_str(), announced[2].id.as_str()],
        "before the cutoff, oldest first"
    );
    assert_eq!(
        store
            .abandoned_uploads(&parks, later(100), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .abandoned_uploads(&agency("roads"), later(100), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Given up: it is no longer pending, and the record counts one document fewer.
    let (gone, next, entry) = current.expire(&announced[1], later(40), "fixity-check");
    store.settle_document(&next, &gone, &entry).await.unwrap();
    let left = store
        .abandoned_uploads(&parks, later(100), 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 2);
    let record = store
        .get_record(&parks, &current.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.documents, 2);
}

fn announced_doc(current: &StoredRecord, document: &Document) -> (StoredRecord, AuditEntry) {
    current.attach(document)
}
