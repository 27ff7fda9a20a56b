//! Named legal holds in the embedded store: the holds, their chains, and which records
//! each covers, in three tables (keys in [`super::keys`]). One writer at a time makes a
//! record's and a hold's change one atomic step.

use redb::{ReadableTable, TableDefinition};

use super::{
    EmbeddedStore, JsonTable, append, append_to, current, get, keys, put, put_record, read_range,
};
use crate::model::{AgencyId, AuditEntry, Hold, HoldId, HoldStatus, RecordId, StoredHold};
use crate::store::{HoldCover, HoldStore, Page, StoreError};

/// The holds.
pub(super) const HOLDS: JsonTable = TableDefinition::new("holds");
/// Their chains.
pub(super) const HOLD_HISTORY: JsonTable = TableDefinition::new("hold_history");
/// Which records each covers.
pub(super) const HOLD_MEMBERS: TableDefinition<&str, ()> = TableDefinition::new("hold_members");

impl HoldStore for EmbeddedStore {
    async fn get_hold(
        &self,
        agency: &AgencyId,
        id: &HoldId,
    ) -> Result<Option<StoredHold>, StoreError> {
        let key = keys::hold(agency, id);
        self.read(move |txn| get(&txn.open_table(HOLDS)?, &key))
            .await
    }

    async fn list_holds(&self, agency: &AgencyId) -> Result<Vec<Hold>, StoreError> {
        let range = keys::holds_of(agency);
        self.read(move |txn| {
            let table = txn.open_table(HOLDS)?;
            let mut holds = Vec::new();
            for entry in table.range(range.start.as_str()..range.end.as_str())? {
                let (_, value) = entry?;
                holds.push(super::decode::<StoredHold>(value.value())?.hold);
            }
            Ok(holds)
        })
        .await
    }

    async fn create_hold(&self, first: &StoredHold, entry: &AuditEntry) -> Result<(), StoreError> {
        let (first, entry) = (first.clone(), entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&first.hold.agency, &first.hold.id);
            let mut holds = txn.open_table(HOLDS)?;
            let key = keys::hold(agency, id);
            if holds.get(key.as_str())?.is_some() || entry.seq != 1 {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(HOLD_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::hold_history(agency, id, seq)
            })?;
            put(&mut holds, &key, &first)
        })
        .await
    }

    async fn cover(&self, change: HoldCover<'_>) -> Result<(), StoreError> {
        let placing = change.placing;
        let (record, record_version, record_entry) = change.record;
        let (hold, hold_version, hold_entry) = change.hold;
        let (record, record_entry) = (record.clone(), record_entry.clone());
        let (hold, hold_entry) = (hold.clone(), hold_entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&record.record.agency, &record.record.id);
            let hold_id = &hold.hold.id;
            if hold.hold.agency != *agency {
                return Err(StoreError::ConditionFailed);
            }
            let was = current(txn, agency, id)?
                .filter(|current| current.record.version == record_version)
                .ok_or(StoreError::ConditionFailed)?;
            let mut holds = txn.open_table(HOLDS)?;
            let hold_key = keys::hold(agency, hold_id);
            let stored: Option<StoredHold> = get(&holds, &hold_key)?;
            let hold_ok = stored.is_some_and(|current| {
                current.hold.version == hold_version
                    && current.head.seq + 1 == hold_entry.seq
                    && current.hold.status == HoldStatus::Active
            });
            let mut members = txn.open_table(HOLD_MEMBERS)?;
            let member = keys::hold_member(agency, hold_id, id);
            let is_member = members.get(member.as_str())?.is_some();
            if !hold_ok || is_member == placing {
                return Err(StoreError::ConditionFailed);
            }
            append(txn, agency, id, &record_entry)?;
            let mut history = txn.open_table(HOLD_HISTORY)?;
            append_to(&mut history, &hold_entry, |seq| {
                keys::hold_history(agency, hold_id, seq)
            })?;
            if placing {
                members.insert(member.as_str(), ())?;
            } else {
                members.remove(member.as_str())?;
            }
            put(&mut holds, &hold_key, &hold)?;
            put_record(txn, &record, Some(&was.record))
        })
        .await
    }

    async fn held_records(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<RecordId, RecordId>, StoreError> {
        let range = keys::hold_members_after(agency, id, after);
        self.read(move |txn| {
            let table = txn.open_table(HOLD_MEMBERS)?;
            let mut items = Vec::new();
            for entry in table
                .range(range.start.as_str()..range.end.as_str())?
                .take(limit + 1)
            {
                let (key, _) = entry?;
                let record = key.value().rsplit('/').next().and_then(RecordId::parse);
                items.push(record.ok_or_else(|| StoreError::Corrupt("hold member key".into()))?);
            }
            Ok(Page::from_overfetch(items, limit, RecordId::clone))
        })
        .await
    }

    async fn release_hold(
        &self,
        next: &StoredHold,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (next, entry) = (next.clone(), entry.clone());
        self.write(move |txn| {
            let (agency, id) = (&next.hold.agency, &next.hold.id);
            let members = txn.open_table(HOLD_MEMBERS)?;
            let range = keys::hold_members_after(agency, id, None);
            let covers_none = members
                .range(range.start.as_str()..range.end.as_str())?
                .next()
                .is_none();
            let mut holds = txn.open_table(HOLDS)?;
            let key = keys::hold(agency, id);
            let current: Option<StoredHold> = get(&holds, &key)?;
            if current.as_ref().map(|c| c.hold.version) != Some(expected_version)
                || current.as_ref().map_or(0, |c| c.head.seq) + 1 != entry.seq
                || !covers_none
            {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(HOLD_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::hold_history(agency, id, seq)
            })?;
            put(&mut holds, &key, &next)
        })
        .await
    }

    async fn hold_history(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let range = keys::hold_history_from(agency, id, after_seq.unwrap_or(0) + 1);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(HOLD_HISTORY)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
        })
        .await
    }
}
