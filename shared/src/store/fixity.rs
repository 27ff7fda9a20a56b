//! The fixity store's contract: the rotation of documents that fixity checks read, least
//! recently checked first, and each check's outcome written on the document (and, when it
//! damages or restores it, on the record's chain).

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::{Page, StoreError};
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
}
