use serde_json::json;
use shared::blob::FileBlobs;
use shared::clock::{Clock, Timestamp};
use shared::config::FixityConfig;
use shared::model::{AuditAction, ContentType, Document, DocumentStatus, FixityOutcome};
use shared::store::{AuditLog, DocumentStore, FixityStore, MemoryStore};
use shared::testing::{TEST_NOW, put_blob, seed_document, seed_record, settle_document};

use super::*;

const MINUTES: &[u8] = b"Minutes of the board, 3 March 2026.\n";

fn days_later(days: i64) -> Timestamp {
    Timestamp::from_millis(TEST_NOW.as_millis() + days * DAY_MS)
}

fn fixity(at: Timestamp, daily_bytes: u64) -> Fixity<MemoryStore, FileBlobs> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("dossier-fixity-{}-{n}", std::process::id()));
    Fixity {
        store: MemoryStore::new(),
        blobs: FileBlobs::new(root, "http://127.0.0.1:3000", b"test-blob-secret"),
        clock: Clock::fixed(at),
        budget: FixityConfig {
            period_days: 90,
            daily_bytes,
        },
    }
}

/// An available document of parks, its bytes in the folder.
async fn available(fixity: &Fixity<MemoryStore, FileBlobs>) -> Document {
    let body = json!({"title": "Minutes", "classification": "internal"});
    let record = seed_record(&fixity.store, "parks", &body, TEST_NOW).await;
    let pending = seed_document(&fixity.store, &record, ContentType::PlainText, MINUTES).await;
    put_blob(&fixity.blobs, &pending.object_key(), MINUTES);
    settle_document(&fixity.store, &pending, None).await
}

async fn stored(fixity: &Fixity<MemoryStore, FileBlobs>, document: &Document) -> Document {
    fixity
        .store
        .get_document(&document.agency, &document.record_id, &document.id)
        .await
        .unwrap()
        .unwrap()
}

async fn last_action(fixity: &Fixity<MemoryStore, FileBlobs>, document: &Document) -> AuditAction {
    let chain = fixity
        .store
        .history(&document.agency, &document.record_id, 20, None)
        .await
        .unwrap()
        .items;
    assert!(shared::model::verify_chain(&chain).is_ok());
    chain.last().unwrap().action
}

#[tokio::test]
async fn intact_documents_are_recorded_and_not_read_again_the_same_day() {
    let fixity = fixity(days_later(2), 1 << 30);
    let first = available(&fixity).await;
    let second = available(&fixity).await;
    let summary = check_all(&fixity).await.unwrap();
    assert_eq!(
        (summary.checked, summary.intact, summary.damaged),
        (2, 2, 0)
    );
    assert_eq!(summary.bytes, 2 * MINUTES.len() as u64);
    for document in [&first, &second] {
        let now = stored(&fixity, document).await;
        assert_eq!(now.status, DocumentStatus::Available);
        assert_eq!(
            now.fixity.map(|c| (c.at, c.outcome)),
            Some((days_later(2), FixityOutcome::Intact))
        );
        assert_eq!(
            last_action(&fixity, document).await,
            AuditAction::DocumentVerify,
            "a pass writes no entry"
        );
    }
    let run = fixity
        .store
        .get_fixity_run(&first.agency)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (run.at, run.checked, run.intact, run.period_days),
        (days_later(2), 2, 2, 90)
    );
    assert_eq!(
        check_all(&fixity).await.unwrap().checked,
        0,
        "checked within a day"
    );
}

#[tokio::test]
async fn bytes_changed_behind_dossiers_back_are_found_damaged_and_restored_bytes_pass() {
    let fixity = fixity(days_later(2), 1 << 30);
    let document = available(&fixity).await;
    put_blob(
        &fixity.blobs,
        &document.object_key(),
        b"Minutes of the board, 3 March 2O26.\n",
    );
    let summary = check_all(&fixity).await.unwrap();
    assert_eq!((summary.checked, summary.damaged), (1, 1));
    let damaged = stored(&fixity, &document).await;
    assert_eq!(damaged.status, DocumentStatus::Damaged);
    assert_eq!(
        damaged.fixity.map(|c| c.outcome),
        Some(FixityOutcome::Mismatch)
    );
    assert_eq!(
        last_action(&fixity, &document).await,
        AuditAction::DocumentDamage
    );

    // Restored from a backup; the next day's check finds it intact.
    put_blob(&fixity.blobs, &document.object_key(), MINUTES);
    let next_day = Fixity {
        clock: Clock::fixed(days_later(4)),
        ..fixity
    };
    let summary = check_all(&next_day).await.unwrap();
    assert_eq!((summary.restored, summary.intact), (1, 1));
    assert_eq!(
        stored(&next_day, &document).await.status,
        DocumentStatus::Available
    );
    assert_eq!(
        last_action(&next_day, &document).await,
        AuditAction::DocumentRestore
    );
}

#[tokio::test]
async fn a_missing_object_is_damage_too() {
    let fixity = fixity(days_later(2), 1 << 30);
    let document = available(&fixity).await;
    std::fs::remove_file(fixity.blobs.path_of(&document.object_key()).unwrap()).unwrap();
    check_all(&fixity).await.unwrap();
    let now = stored(&fixity, &document).await;
    assert_eq!(
        (now.status, now.fixity.map(|c| c.outcome)),
        (DocumentStatus::Damaged, Some(FixityOutcome::Missing))
    );
}

#[tokio::test]
async fn the_budget_bounds_a_run_and_what_it_leaves_past_the_period_is_counted() {
    // Verified 100 days before the run: all past the 90-day period.
    let fixity = fixity(days_later(100), MINUTES.len() as u64);
    for _ in 0..3 {
        available(&fixity).await;
    }
    let summary = check_all(&fixity).await.unwrap();
    assert_eq!((summary.checked, summary.overdue), (1, 2), "{summary:?}");
    let summary = check_all(&Fixity {
        clock: Clock::fixed(days_later(101)),
        ..fixity
    })
    .await
    .unwrap();
    assert_eq!(
        (summary.checked, summary.overdue),
        (1, 1),
        "the rotation goes on: {summary:?}"
    );
}

#[tokio::test]
async fn uploads_that_never_came_are_given_up_and_stop_counting() {
    let fixity = fixity(days_later(2), 1 << 30);
    let body = json!({"title": "Minutes", "classification": "internal"});
    let record = seed_record(&fixity.store, "parks", &body, TEST_NOW).await;
    let abandoned = seed_document(&fixity.store, &record, ContentType::PlainText, MINUTES).await;
    let summary = check_all(&fixity).await.unwrap();
    assert_eq!(summary.expired, 1);
    let now = stored(&fixity, &abandoned).await;
    assert_eq!(now.status, DocumentStatus::Expired);
    assert_eq!(
        last_action(&fixity, &abandoned).await,
        AuditAction::DocumentExpire
    );
    let record = shared::store::RecordStore::get_record(
        &fixity.store,
        &record.record.agency,
        &record.record.id,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(record.documents, 0, "it no longer counts");
    // One announced an hour before the run is still within its time.
    let recent = Fixity {
        clock: Clock::fixed(Timestamp::from_millis(TEST_NOW.as_millis() + 3_600_000)),
        ..fixity
    };
    let other = seed_document(&recent.store, &record, ContentType::PlainText, MINUTES).await;
    assert_eq!(check_all(&recent).await.unwrap().expired, 0);
    assert_eq!(
        stored(&recent, &other).await.status,
        DocumentStatus::Pending
    );
}
