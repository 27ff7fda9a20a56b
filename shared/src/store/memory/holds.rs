//! Named legal holds in memory: the holds, their chains, and which records each covers.

use super::{MemoryStore, append_to, chain_page};
use crate::model::{AgencyId, AuditEntry, Hold, HoldId, HoldStatus, RecordId, StoredHold};
use crate::store::{HoldCover, HoldStore, Page, StoreError};

impl HoldStore for MemoryStore {
    async fn get_hold(
        &self,
        agency: &AgencyId,
        id: &HoldId,
    ) -> Result<Option<StoredHold>, StoreError> {
        let tables = self.lock()?;
        Ok(tables.holds.get(&(agency.clone(), id.clone())).cloned())
    }

    async fn list_holds(&self, agency: &AgencyId) -> Result<Vec<Hold>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .holds
            .iter()
            .filter(|((owner, _), _)| owner == agency)
            .map(|(_, stored)| stored.hold.clone())
            .collect())
    }

    async fn create_hold(&self, first: &StoredHold, entry: &AuditEntry) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (first.hold.agency.clone(), first.hold.id.clone());
        if tables.holds.contains_key(&key) || entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        append_to(tables.hold_history.entry(key.clone()).or_default(), entry)?;
        tables.holds.insert(key, first.clone());
        Ok(())
    }

    async fn cover(&self, change: HoldCover<'_>) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let (record, record_version, record_entry) = change.record;
        let (hold, hold_version, hold_entry) = change.hold;
        let record_key = (record.record.agency.clone(), record.record.id.clone());
        let hold_key = (hold.hold.agency.clone(), hold.hold.id.clone());
        let member = (hold_key.0.clone(), hold_key.1.clone(), record_key.1.clone());
        let record_ok = tables.records.get(&record_key).is_some_and(|current| {
            current.record.version == record_version && current.head.seq + 1 == record_entry.seq
        });
        let hold_ok = tables.holds.get(&hold_key).is_some_and(|current| {
            current.hold.version == hold_version
                && current.head.seq + 1 == hold_entry.seq
                && current.hold.status == HoldStatus::Active
        });
        let member_ok = tables.hold_members.contains(&member) != change.placing;
        if !(record_ok && hold_ok && member_ok) || record_key.0 != hold_key.0 {
            return Err(StoreError::ConditionFailed);
        }
        tables.append(record_key.clone(), record_entry)?;
        append_to(
            tables.hold_history.entry(hold_key.clone()).or_default(),
            hold_entry,
        )?;
        tables.records.insert(record_key, record.clone());
        tables.holds.insert(hold_key, hold.clone());
        if change.placing {
            tables.hold_members.insert(member);
        } else {
            tables.hold_members.remove(&member);
        }
        Ok(())
    }

    async fn held_records(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<RecordId, RecordId>, StoreError> {
        let tables = self.lock()?;
        let items = tables
            .hold_members
            .iter()
            .filter(|(owner, hold, record)| {
                owner == agency && hold == id && after.is_none_or(|after| record > after)
            })
            .map(|(_, _, record)| record.clone())
            .take(limit + 1)
            .collect();
        Ok(Page::from_overfetch(items, limit, RecordId::clone))
    }

    async fn release_hold(
        &self,
        next: &StoredHold,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (next.hold.agency.clone(), next.hold.id.clone());
        let covers_none = !tables
            .hold_members
            .iter()
            .any(|(owner, hold, _)| *owner == key.0 && *hold == key.1);
        let current = tables.holds.get(&key);
        if current.map(|c| c.hold.version) != Some(expected_version)
            || current.map_or(0, |c| c.head.seq) + 1 != entry.seq
            || !covers_none
        {
            return Err(StoreError::ConditionFailed);
        }
        append_to(tables.hold_history.entry(key.clone()).or_default(), entry)?;
        tables.holds.insert(key, next.clone());
        Ok(())
    }

    async fn hold_history(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let tables = self.lock()?;
        Ok(chain_page(
            tables.hold_history.get(&(agency.clone(), id.clone())),
            limit,
            after_seq,
        ))
    }
}
