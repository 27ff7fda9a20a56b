//! Fixity checks in memory: the rotation is the documents in rotation, sorted.

use super::{MemoryStore, document_key};
use crate::clock::Timestamp;
use crate::model::{AgencyId, AuditEntry, Document, DocumentStatus, StoredRecord};
use crate::store::{FixityPosition, FixityRun, FixityStore, Page, StoreError};

/// Whether `stored` is still the document `was` a check was made of.
fn unchanged(stored: Option<&Document>, was: &Document) -> bool {
    stored.is_some_and(|stored| stored.status == was.status && stored.fixity == was.fixity)
}

impl FixityStore for MemoryStore {
    async fn fixity_rotation(
        &self,
        agency: &AgencyId,
        limit: usize,
        after: Option<&FixityPosition>,
    ) -> Result<Page<Document, FixityPosition>, StoreError> {
        let tables = self.lock()?;
        let mut due: Vec<(FixityPosition, &Document)> = tables
            .documents
            .values()
            .filter(|document| document.agency == *agency && document.in_rotation())
            .map(|document| (FixityPosition::after(document), document))
            .filter(|(position, _)| after.is_none_or(|after| position.key() > after.key()))
            .collect();
        due.sort_by(|(a, _), (b, _)| a.key().cmp(&b.key()));
        let items = due
            .into_iter()
            .take(limit + 1)
            .map(|(_, document)| document.clone())
            .collect();
        Ok(Page::from_overfetch(items, limit, FixityPosition::after))
    }

    async fn record_fixity(
        &self,
        was: &Document,
        checked: &Document,
        chain: Option<(&StoredRecord, &AuditEntry)>,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = document_key(checked);
        if document_key(was) != key || !unchanged(tables.documents.get(&key), was) {
            return Err(StoreError::ConditionFailed);
        }
        if let Some((record, entry)) = chain {
            if record.record.id != checked.record_id || record.record.agency != checked.agency {
                return Err(StoreError::ConditionFailed);
            }
            tables.advance_head(record, entry)?;
        }
        tables.documents.insert(key, checked.clone());
        Ok(())
    }

    async fn abandoned_uploads(
        &self,
        agency: &AgencyId,
        announced_before: Timestamp,
        limit: usize,
    ) -> Result<Vec<Document>, StoreError> {
        let tables = self.lock()?;
        let mut pending: Vec<&Document> = tables
            .documents
            .values()
            .filter(|d| {
                d.agency == *agency
                    && d.status == DocumentStatus::Pending
                    && d.created_at < announced_before
            })
            .collect();
        pending.sort_by_key(|d| (d.created_at, d.record_id.clone(), d.id.clone()));
        Ok(pending.into_iter().take(limit).cloned().collect())
    }

    async fn put_fixity_run(&self, run: &FixityRun) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        tables.fixity_runs.insert(run.agency.clone(), run.clone());
        Ok(())
    }

    async fn get_fixity_run(&self, agency: &AgencyId) -> Result<Option<FixityRun>, StoreError> {
        Ok(self.lock()?.fixity_runs.get(agency).cloned())
    }
}
