//! Retention schedules in the embedded store: the schedules and their chains, in two
//! tables (keys in [`super::keys`]). One writer at a time makes each conditional write a
//! single atomic step.

use redb::{ReadableTable, TableDefinition};

use super::{EmbeddedStore, JsonTable, append_to, get, keys, put, read_range};
use crate::model::{AgencyId, AuditEntry, Schedule, ScheduleId, StoredSchedule, schedule_limits};
use crate::store::{Page, ScheduleStore, StoreError};

/// The schedules.
pub(super) const SCHEDULES: JsonTable = TableDefinition::new("schedules");
/// Their chains.
pub(super) const SCHEDULE_HISTORY: JsonTable = TableDefinition::new("schedule_history");

impl ScheduleStore for EmbeddedStore {
    async fn get_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<Option<StoredSchedule>, StoreError> {
        let key = keys::schedule(agency, id);
        self.read(move |txn| get(&txn.open_table(SCHEDULES)?, &key))
            .await
    }

    async fn list_schedules(&self, agency: &AgencyId) -> Result<Vec<Schedule>, StoreError> {
        let range = keys::schedules_of(agency);
        self.read(move |txn| {
            // Every one an agency may have, and one more if it somehow has more.
            let limit = schedule_limits::SCHEDULES_PER_AGENCY * 2;
            let stored: Vec<StoredSchedule> =
                read_range(&txn.open_table(SCHEDULES)?, range, limit)?;
            Ok(stored.into_iter().map(|s| s.schedule).collect())
        })
        .await
    }

    async fn create_schedule(
        &self,
        first: &StoredSchedule,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (first, entry) = (first.clone(), entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&first.schedule.agency, &first.schedule.id);
            let mut schedules = txn.open_table(SCHEDULES)?;
            let key = keys::schedule(agency, id);
            if schedules.get(key.as_str())?.is_some() || entry.seq != 1 {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(SCHEDULE_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::schedule_history(agency, id, seq)
            })?;
            put(&mut schedules, &key, &first)
        })
        .await
    }

    async fn update_schedule(
        &self,
        next: &StoredSchedule,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (next, entry) = (next.clone(), entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&next.schedule.agency, &next.schedule.id);
            let mut schedules = txn.open_table(SCHEDULES)?;
            let key = keys::schedule(agency, id);
            let current: Option<StoredSchedule> = get(&schedules, &key)?;
            if current.as_ref().map(|c| c.schedule.version) != Some(expected_version)
                || current.as_ref().map_or(0, |c| c.head.seq) + 1 != entry.seq
                || current.as_ref().map(|c| c.schedule.in_use) != Some(next.schedule.in_use)
            {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(SCHEDULE_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::schedule_history(agency, id, seq)
            })?;
            put(&mut schedules, &key, &next)
        })
        .await
    }

    async fn delete_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (agency, id, entry) = (agency.clone(), id.clone(), entry.clone());
        self.write(move |txn| {
            let mut schedules = txn.open_table(SCHEDULES)?;
            let key = keys::schedule(&agency, &id);
            let current: Option<StoredSchedule> = get(&schedules, &key)?;
            let Some(current) = current else {
                return Err(StoreError::ConditionFailed);
            };
            if current.schedule.version != expected_version
                || current.head.seq + 1 != entry.seq
                || current.schedule.in_use
            {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(SCHEDULE_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::schedule_history(&agency, &id, seq)
            })?;
            schedules.remove(key.as_str())?;
            Ok(())
        })
        .await
    }

    async fn mark_schedule_used(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<(), StoreError> {
        let key = keys::schedule(agency, id);
        self.write(move |txn| {
            let mut schedules = txn.open_table(SCHEDULES)?;
            let current: Option<StoredSchedule> = get(&schedules, &key)?;
            let mut stored = current.ok_or(StoreError::ConditionFailed)?;
            if !stored.schedule.in_use {
                stored.schedule.in_use = true;
                put(&mut schedules, &key, &stored)?;
            }
            Ok(())
        })
        .await
    }

    async fn schedule_history(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let range = keys::schedule_history_from(agency, id, after_seq.unwrap_or(0) + 1);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(SCHEDULE_HISTORY)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
        })
        .await
    }
}
