//! The daily fixity check: for each agency, re-reads its documents in the rotation's order
//! (least recently checked, or verified, first), streaming and hashing each as ingestion
//! did, until its share of the day's byte budget is spent or the rest were checked within
//! a day. Intact bytes are recorded on the document; changed or missing ones mark it
//! `damaged` (a `document.damage` link of the record's chain, and a `DocumentDamaged` log
//! line, alarmed); a damaged document whose bytes were restored becomes `available` again
//! once a check passes (`document.restore`). Documents left past the period unchecked
//! are counted (`overdue`, logged as `FixityBehind`): the budget is too small. Each
//! agency's run is kept for `GET /fixity`.
//!
//! One agency's failure does not stop the others; the run fails (a Lambda error, alarmed)
//! if any agency was left unchecked. The same run gives up uploads that never came
//! (pending past their URL's life and a day): they stop counting toward the record's
//! documents.

use serde::Serialize;
use shared::blob::{BlobBody, BlobError, BlobStore};
use shared::clock::{Clock, Timestamp};
use shared::config::FixityConfig;
use shared::model::{
    AgencyId, ContentCheck, Document, DocumentStatus, FixityOutcome, document_limits,
};
use shared::run::{RunFailed, finish};
use shared::store::{FixityPosition, FixityRun, Store, StoreError, retry};
use tracing::Instrument;

/// What a failed run's message calls it.
const RUN: &str = "fixity check";
/// The actor of the entries a check writes.
pub const FIXITY_CHECK: &str = "fixity-check";
/// Documents read from the rotation per store call.
const PAGE: usize = 100;
/// A document checked more recently than this is not read again.
const DAY_MS: i64 = 86_400_000;

/// What the handler works with, built once per container.
pub struct Fixity<S, B> {
    /// Records and documents.
    pub store: S,
    /// Document bytes.
    pub blobs: B,
    /// Where "now" comes from.
    pub clock: Clock,
    /// The period and the day's byte budget.
    pub budget: FixityConfig,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Agencies with records.
    pub agencies: usize,
    /// Documents read.
    pub checked: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Found intact.
    pub intact: usize,
    /// Found changed or missing (newly, or still).
    pub damaged: usize,
    /// Found intact again after being damaged.
    pub restored: usize,
    /// Left unchecked for longer than the period (the budget did not reach them).
    pub overdue: usize,
    /// Uploads that never came, given up.
    pub expired: usize,
}

impl Summary {
    fn add(&mut self, other: &Self) {
        self.checked += other.checked;
        self.bytes += other.bytes;
        self.intact += other.intact;
        self.damaged += other.damaged;
        self.restored += other.restored;
        self.overdue += other.overdue;
        self.expired += other.expired;
    }
}

/// A run that left agencies unchecked.
pub type Failed = RunFailed<Summary>;

/// Checks every agency's documents, each agency within an equal share of the budget.
pub async fn check_all<S: Store, B: BlobStore>(fixity: &Fixity<S, B>) -> Result<Summary, Failed> {
    let agencies = fixity
        .store
        .chain_heads()
        .await
        .map_err(|error| Failed::at_start(RUN, format!("reading the agencies: {error}")))?;
    let now = fixity.clock.now();
    let share = fixity.budget.daily_bytes / u64::try_from(agencies.len().max(1)).unwrap_or(1);
    let mut summary = Summary {
        agencies: agencies.len(),
        ..Summary::default()
    };
    let mut failures = Vec::new();
    for agency in agencies.keys() {
        let span = tracing::info_span!("fixity", %agency);
        match checked_and_kept(fixity, agency, now, share)
            .instrument(span)
            .await
        {
            Ok(done) => {
                tracing::info!(%agency, checked = done.checked, bytes = done.bytes, damaged = done.damaged, overdue = done.overdue, "checked");
                if done.overdue > 0 {
                    tracing::warn!(event = "FixityBehind", %agency, overdue = done.overdue, "documents past the fixity period: raise FIXITY_DAILY_BYTES");
                }
                summary.add(&done);
            }
            Err(error) => {
                tracing::error!(%agency, %error, "agency not checked");
                failures.push(format!("{agency}: {error}"));
            }
        }
    }
    finish(RUN, summary, failures)
}

/// Checks `agency`'s documents, then keeps the run for `GET /fixity`.
async fn checked_and_kept<S: Store, B: BlobStore>(
    fixity: &Fixity<S, B>,
    agency: &AgencyId,
    now: Timestamp,
    budget: u64,
) -> Result<Summary, String> {
    let mut done = check_agency(fixity, agency, now, budget).await?;
    done.expired = expire_abandoned(fixity, agency, now).await?;
    let run = FixityRun {
        agency: agency.clone(),
        at: now,
        period_days: fixity.budget.period_days,
        checked: done.checked,
        bytes: done.bytes,
        intact: done.intact,
        damaged: done.damaged,
        restored: done.restored,
        overdue: done.overdue,
    };
    fixity
        .store
        .put_fixity_run(&run)
        .await
        .map_err(|e| format!("keeping the run: {e}"))?;
    Ok(done)
}

/// Gives up `agency`'s documents announced longer ago than their upload URL's life and a
/// day, still pending (`document.expire`): they stop counting toward their record's
/// documents. How many; at most [`PAGE`] a run.
async fn expire_abandoned<S: Store, B: BlobStore>(
    fixity: &Fixity<S, B>,
    agency: &AgencyId,
    now: Timestamp,
) -> Result<usize, String> {
    let margin = i64::try_from(document_limits::UPLOAD_URL_SECONDS).unwrap_or(0) * 1000 + DAY_MS;
    let before = Timestamp::from_millis(now.as_millis() - margin);
    let store = &fixity.store;
    let abandoned = store
        .abandoned_uploads(agency, before, PAGE)
        .await
        .map_err(|e| e.to_string())?;
    let mut expired = 0;
    for document in &abandoned {
        for _ in retry::attempts() {
            let Some(record) = store
                .get_record(agency, &document.record_id)
                .await
                .map_err(|e| e.to_string())?
            else {
                break;
            };
            let (gone, next, entry) = record.expire(document, now, FIXITY_CHECK);
            match store.settle_document(&next, &gone, &entry).await {
                Ok(()) => {
                    tracing::info!(event = "UploadExpired", %agency, record = %document.record_id, document = %document.id);
                    expired += 1;
                    break;
                }
                // Settled meanwhile (the upload came after all), or the chain moved: a
                // fresh read tells which.
                Err(StoreError::ConditionFailed) => {
                    let now_stored = store
                        .get_document(agency, &document.record_id, &document.id)
                        .await
                        .map_err(|e| e.to_string())?;
                    if now_stored.is_none_or(|d| d.status != DocumentStatus::Pending) {
                        break;
                    }
                }
                Err(error) => return Err(error.to_string()),
            }
        }
    }
    Ok(expired)
}

/// Checks `agency`'s documents in the rotation's order within `budget` bytes.
async fn check_agency<S: Store, B: BlobStore>(
    fixity: &Fixity<S, B>,
    agency: &AgencyId,
    now: Timestamp,
    budget: u64,
) -> Result<Summary, String> {
    let recent = now.as_millis() - DAY_MS;
    let overdue_before = now.as_millis() - i64::from(fixity.budget.period_days) * DAY_MS;
    let mut summary = Summary::default();
    let mut spent_all = false;
    let mut after: Option<FixityPosition> = None;
    loop {
        let page = fixity
            .store
            .fixity_rotation(agency, PAGE, after.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        for document in &page.items {
            let last = document.fixity_checked_at().as_millis();
            if last > recent {
                // The rest of the rotation was read within a day.
                return Ok(summary);
            }
            spent_all = spent_all || summary.bytes + document.size > budget;
            if spent_all {
                // Only counting now: what the budget does not reach.
                if last >= overdue_before {
                    return Ok(summary);
                }
                summary.overdue += 1;
                continue;
            }
            summary.bytes += document.size;
            summary.checked += 1;
            match check_document(fixity, document, now).await? {
                Some(FixityOutcome::Intact) if document.status == DocumentStatus::Damaged => {
                    summary.intact += 1;
                    summary.restored += 1;
                }
                Some(FixityOutcome::Intact) => summary.intact += 1,
                Some(_) => summary.damaged += 1,
                None => {}
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(summary),
        }
    }
}

/// Reads and hashes `document`'s bytes and records what was found; `None` if the document
/// changed meanwhile (it is checked another day).
pub async fn check_document<S: Store, B: BlobStore>(
    fixity: &Fixity<S, B>,
    document: &Document,
    now: Timestamp,
) -> Result<Option<FixityOutcome>, String> {
    let outcome = read(&fixity.blobs, document)
        .await
        .map_err(|e| format!("reading {}: {e}", document.object_key()))?;
    let (checked, change) = document.checked(outcome, now);
    let store = &fixity.store;
    for _ in retry::attempts() {
        let chain = match &change {
            None => None,
            Some((action, changes)) => {
                let record = store
                    .get_record(&document.agency, &document.record_id)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("the document's record is gone")?;
                Some(record.append(now, FIXITY_CHECK, *action, changes.clone()))
            }
        };
        let written = store
            .record_fixity(document, &checked, chain.as_ref().map(|(r, e)| (r, e)))
            .await;
        match written {
            Ok(()) => {
                log(document, outcome);
                return Ok(Some(outcome));
            }
            Err(StoreError::ConditionFailed) => {
                let now_stored = store
                    .get_document(&document.agency, &document.record_id, &document.id)
                    .await
                    .map_err(|e| e.to_string())?;
                let unchanged = now_stored.is_some_and(|stored| {
                    stored.status == document.status && stored.fixity == document.fixity
                });
                if !unchanged {
                    return Ok(None);
                }
            }
            Err(error) => return Err(error.to_string()),
        }
    }
    Err("the record kept changing".into())
}

fn log(document: &Document, outcome: FixityOutcome) {
    let (agency, record, id) = (&document.agency, &document.record_id, &document.id);
    match outcome {
        FixityOutcome::Intact => {
            tracing::debug!(%agency, %record, document = %id, "intact");
        }
        _ => tracing::error!(
            event = "DocumentDamaged",
            %agency,
            %record,
            document = %id,
            outcome = outcome.as_str(),
            "a document's bytes changed or vanished"
        ),
    }
}

/// What `document`'s bytes are now, read as a stream in constant memory; an error only
/// for what may succeed another day (the store did not answer).
async fn read<B: BlobStore>(blobs: &B, document: &Document) -> Result<FixityOutcome, BlobError> {
    let Some(blob) = blobs.open(&document.object_key()).await? else {
        return Ok(FixityOutcome::Missing);
    };
    if blob.size != document.size {
        return Ok(FixityOutcome::Mismatch);
    }
    let mut check = ContentCheck::new(document);
    let mut body = blob.body;
    loop {
        match body.next_chunk().await {
            Ok(Some(chunk)) => {
                if check.update(&chunk).is_err() {
                    return Ok(FixityOutcome::Mismatch);
                }
            }
            Ok(None) => break,
            // The store's own checksum failed: the bytes are not what was written.
            Err(BlobError::Corrupt(_)) => return Ok(FixityOutcome::Mismatch),
            Err(error) => return Err(error),
        }
    }
    Ok(match check.finish(&document.sha256) {
        Ok(_) => FixityOutcome::Intact,
        Err(_) => FixityOutcome::Mismatch,
    })
}

#[cfg(test)]
mod tests;
