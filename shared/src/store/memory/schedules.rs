//! Retention schedules in memory: the schedules, and their chains.

use super::{MemoryStore, append_to, chain_page};
use crate::model::{AgencyId, AuditEntry, Schedule, ScheduleId, StoredSchedule};
use crate::store::{Page, ScheduleStore, StoreError};

impl ScheduleStore for MemoryStore {
    async fn get_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<Option<StoredSchedule>, StoreError> {
        let tables = self.lock()?;
        Ok(tables.schedules.get(&(agency.clone(), id.clone())).cloned())
    }

    async fn list_schedules(&self, agency: &AgencyId) -> Result<Vec<Schedule>, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .schedules
            .iter()
            .filter(|((owner, _), _)| owner == agency)
            .map(|(_, stored)| stored.schedule.clone())
            .collect())
    }

    async fn create_schedule(
        &self,
        first: &StoredSchedule,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (first.schedule.agency.clone(), first.schedule.id.clone());
        if tables.schedules.contains_key(&key) || entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.schedule_history.entry(key.clone()).or_default(),
            entry,
        )?;
        tables.schedules.insert(key, first.clone());
        Ok(())
    }

    async fn update_schedule(
        &self,
        next: &StoredSchedule,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (next.schedule.agency.clone(), next.schedule.id.clone());
        let current = tables.schedules.get(&key);
        if current.map(|c| c.schedule.version) != Some(expected_version)
            || current.map_or(0, |c| c.head.seq) + 1 != entry.seq
            || current.map(|c| c.schedule.in_use) != Some(next.schedule.in_use)
        {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.schedule_history.entry(key.clone()).or_default(),
            entry,
        )?;
        tables.schedules.insert(key, next.clone());
        Ok(())
    }

    async fn delete_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (agency.clone(), id.clone());
        let current = tables.schedules.get(&key);
        if current.map(|c| c.schedule.version) != Some(expected_version)
            || current.map_or(0, |c| c.head.seq) + 1 != entry.seq
            || current.is_none_or(|c| c.schedule.in_use)
        {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.schedule_history.entry(key.clone()).or_default(),
            entry,
        )?;
        tables.schedules.remove(&key);
        Ok(())
    }

    async fn mark_schedule_used(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let stored = tables
            .schedules
            .get_mut(&(agency.clone(), id.clone()))
            .ok_or(StoreError::ConditionFailed)?;
        stored.schedule.in_use = true;
        Ok(())
    }

    async fn schedule_history(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let tables = self.lock()?;
        Ok(chain_page(
            tables.schedule_history.get(&(agency.clone(), id.clone())),
            limit,
            after_seq,
        ))
    }
}
