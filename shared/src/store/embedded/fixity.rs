//! Fixity checks in the embedded store: the rotation is read from the agency's documents
//! and sorted (a local store holds few); a check is one write with its chain link.

use redb::TableDefinition;

use super::{DOCUMENTS, EmbeddedStore, JsonTable, advance_head, decode, get, keys, put};
use crate::clock::Timestamp;
use crate::model::{AgencyId, AuditEntry, Document, DocumentStatus, StoredRecord};
use crate::store::{FixityPosition, FixityRun, FixityStore, Page, StoreError};

/// Each agency's latest fixity run, by agency.
pub(super) const FIXITY_RUNS: JsonTable = TableDefinition::new("fixity_runs");

impl FixityStore for EmbeddedStore {
    async fn fixity_rotation(
        &self,
        agency: &AgencyId,
        limit: usize,
        after: Option<&FixityPosition>,
    ) -> Result<Page<Document, FixityPosition>, StoreError> {
        let range = keys::documents_of(agency);
        let after = after.cloned();
        self.read(move |txn| {
            let table = txn.open_table(DOCUMENTS)?;
            let mut due = Vec::new();
            for entry in table.range(range.start.as_str()..range.end.as_str())? {
                let document: Document = decode(entry?.1.value())?;
                let position = FixityPosition::after(&document);
                let later = after
                    .as_ref()
                    .is_none_or(|after| position.key() > after.key());
                if document.in_rotation() && later {
                    due.push((position, document));
                }
            }
            due.sort_by(|(a, _), (b, _)| a.key().cmp(&b.key()));
            let items = due
                .into_iter()
                .take(limit + 1)
                .map(|(_, document)| document)
                .collect();
            Ok(Page::from_overfetch(items, limit, FixityPosition::after))
        })
        .await
    }

    async fn record_fixity(
        &self,
        was: &Document,
        checked: &Document,
        chain: Option<(&StoredRecord, &AuditEntry)>,
    ) -> Result<(), StoreError> {
        let (was, checked) = (was.clone(), checked.clone());
        let chain = chain.map(|(record, entry)| (record.clone(), entry.clone()));
        self.write(move |txn| {
            let key = keys::document(&checked.agency, &checked.record_id, &checked.id);
            let mut documents = txn.open_table(DOCUMENTS)?;
            let stored: Option<Document> = get(&documents, &key)?;
            let unchanged = stored
                .is_some_and(|stored| stored.status == was.status && stored.fixity == was.fixity);
            if !unchanged || was.id != checked.id {
                return Err(StoreError::ConditionFailed);
            }
            put(&mut documents, &key, &checked)?;
            drop(documents);
            if let Some((record, entry)) = chain {
                if record.record.id != checked.record_id {
                    return Err(StoreError::ConditionFailed);
                }
                advance_head(txn, &record, &entry)?;
            }
            Ok(())
        })
        .await
    }

    async fn abandoned_uploads(
        &self,
        agency: &AgencyId,
        announced_before: Timestamp,
        limit: usize,
    ) -> Result<Vec<Document>, StoreError> {
        let range = keys::documents_of(agency);
        self.read(move |txn| {
            let table = txn.open_table(DOCUMENTS)?;
            let mut pending = Vec::new();
            for entry in table.range(range.start.as_str()..range.end.as_str())? {
                let document: Document = decode(entry?.1.value())?;
                if document.status == DocumentStatus::Pending
                    && document.created_at < announced_before
                {
                    pending.push(document);
                }
            }
            pending.sort_by_key(|d| (d.created_at, d.record_id.clone(), d.id.clone()));
            pending.truncate(limit);
            Ok(pending)
        })
        .await
    }

    async fn put_fixity_run(&self, run: &FixityRun) -> Result<(), StoreError> {
        let run = run.clone();
        self.write(move |txn| put(&mut txn.open_table(FIXITY_RUNS)?, run.agency.as_str(), &run))
            .await
    }

    async fn get_fixity_run(&self, agency: &AgencyId) -> Result<Option<FixityRun>, StoreError> {
        let key = agency.to_string();
        self.read(move |txn| get(&txn.open_table(FIXITY_RUNS)?, &key))
            .await
    }
}
