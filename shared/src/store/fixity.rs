//! The fixity store's contract: the rotation of documents that fixity checks read, least
//! recently checked first, and each check's outcome written on the document (and, when it
//! damages or restores it, on the record's chain).

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::{Page, StoreError};
use crate::clock::Timestamp;
use crate::model::{AgencyId, AuditEntry, Document, DocumentId, RecordId, StoredRecord};

/// Where a page of the fixity rotation continues: just after this document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixityPosition {
    /// When it was last checked (or verified), in milliseconds.
    #[serde(rename = "t")]
    pub at: i64,
    /// Its record.
    #[serde(rename = "r")]
    pub record: RecordId,
    /// The document.
    #[serde(rename = "d")]
    pub id: DocumentId,
}

impl FixityPosition {
    /// The position just after `document` in the rotation.
    pub fn after(document: &Document) -> Self {
        Self {
            at: document.fixity_checked_at().as_millis(),
            record: document.record_id.clone(),
            id: document.id.clone(),
        }
    }

    /// The rotation's order: by last check, then record, then document.
    pub fn key(&self) -> (i64, &str, &str) {
        (self.at, self.record.as_str(), self.id.as_str())
    }
}

/// What an agency's latest fixity run did, as `GET /fixity` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixityRun {
    /// The agency.
    pub agency: AgencyId,
    /// When it ran.
    pub at: Timestamp,
    /// The period it held documents to, in days.
    pub period_days: u32,
    /// Documents read.
    pub checked: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Found intact.
    pub intact: usize,
    /// Found changed or missing.
    pub damaged: usize,
    /// Found intact again after being damaged.
    pub restored: usize,
    /// Left unchecked past the period (the budget did not reach them).
    pub overdue: usize,
}

/// Fixity checks of documents' bytes.
pub trait FixityStore: Send + Sync {
    /// Up to `limit` documents of `agency` that fixity checks read (available or damaged:
    /// [`Document::in_rotation`]), least recently checked (or verified) first, after
    /// `after`.
    fn fixity_rotation(
        &self,
        agency: &AgencyId,
        limit: usize,
        after: Option<&FixityPosition>,
    ) -> impl Future<Output = Result<Page<Document, FixityPosition>, StoreError>> + Send;

    /// Writes `checked` (what [`Document::checked`] made of `was`), only if the stored
    /// document is still `was` (its status and last check); with, when the check moved its
    /// status, `entry` appended to the record's chain and its head moved to `record`'s
    /// (only if the chain is still one entry behind). Else [`StoreError::ConditionFailed`]
    /// and nothing changes.
    fn record_fixity(
        &self,
        was: &Document,
        checked: &Document,
        chain: Option<(&StoredRecord, &AuditEntry)>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` of `agency`'s documents still pending that were announced before
    /// `announced_before`, oldest first: uploads that never came. (Giving one up is
    /// [`crate::store::DocumentStore::settle_document`] with it expired.)
    fn abandoned_uploads(
        &self,
        agency: &AgencyId,
        announced_before: Timestamp,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Document>, StoreError>> + Send;

    /// Keeps `run` as its agency's latest fixity run (replacing the one before).
    fn put_fixity_run(
        &self,
        run: &FixityRun,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// `agency`'s latest fixity run, if one ran.
    fn get_fixity_run(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Option<FixityRun>, StoreError>> + Send;
}
