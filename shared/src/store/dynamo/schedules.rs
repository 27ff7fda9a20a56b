//! Retention schedules: one item per schedule in its agency's schedules partition (the
//! schedule as JSON beside the attributes its conditions test), its chain in a partition
//! of its own.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnConsumedCapacity, TransactWriteItem};

use super::DynamoStore;
use super::error::classify;
use super::item::{Fields, Item, number, s};
use super::keys::{
    PARTITION_KEY, SCHEDULE_SK_PREFIX, SORT_KEY, primary, schedule_chain_pk, schedule_sk,
    schedules_pk,
};
use super::read::count_write;
use crate::model::{AgencyId, AuditEntry, Schedule, ScheduleId, StoredSchedule};
use crate::store::{Page, ScheduleStore, StoreError};

/// The attribute a record's naming of the schedule sets; authoritative over the JSON.
const IN_USE: &str = "in_use";

fn schedule_item(stored: &StoredSchedule) -> Result<Item, StoreError> {
    let schedule = &stored.schedule;
    let data = serde_json::to_string(stored).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(Item::from([
        (PARTITION_KEY.into(), s(schedules_pk(&schedule.agency))),
        (SORT_KEY.into(), s(schedule_sk(&schedule.id))),
        ("version".into(), number(schedule.version)),
        ("audit_seq".into(), number(stored.head.seq)),
        (IN_USE.into(), AttributeValue::Bool(schedule.in_use)),
        ("data".into(), s(data)),
    ]))
}

fn decode_schedule(item: &Item) -> Result<StoredSchedule, StoreError> {
    let mut stored: StoredSchedule = serde_json::from_str(Fields(item).str("data")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    stored.schedule.in_use = matches!(item.get(IN_USE), Some(AttributeValue::Bool(true)));
    Ok(stored)
}

impl ScheduleStore for DynamoStore {
    async fn get_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<Option<StoredSchedule>, StoreError> {
        let item = self
            .get_item(primary(schedules_pk(agency), schedule_sk(id)))
            .await?;
        item.as_ref().map(decode_schedule).transpose()
    }

    async fn list_schedules(&self, agency: &AgencyId) -> Result<Vec<Schedule>, StoreError> {
        let all = self
            .query_all(schedules_pk(agency), SCHEDULE_SK_PREFIX, decode_schedule)
            .await?;
        Ok(all.into_iter().map(|stored| stored.schedule).collect())
    }

    async fn create_schedule(
        &self,
        first: &StoredSchedule,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        if entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        let schedule = &first.schedule;
        let items = vec![
            self.put(schedule_item(first)?, "attribute_not_exists(pk)", &[])?,
            self.put_chain_entry(schedule_chain_pk(&schedule.agency, &schedule.id), entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn update_schedule(
        &self,
        next: &StoredSchedule,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let schedule = &next.schedule;
        let items = vec![
            self.put(
                schedule_item(next)?,
                "version = :expected AND audit_seq = :seq AND in_use = :in_use",
                &[
                    (":expected", number(expected_version)),
                    (":seq", number(entry.seq.saturating_sub(1))),
                    (":in_use", AttributeValue::Bool(schedule.in_use)),
                ],
            )?,
            self.put_chain_entry(schedule_chain_pk(&schedule.agency, &schedule.id), entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn delete_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(primary(schedules_pk(agency), schedule_sk(id))))
            .condition_expression("version = :expected AND audit_seq = :seq AND in_use = :no")
            .expression_attribute_values(":expected", number(expected_version))
            .expression_attribute_values(":seq", number(entry.seq.saturating_sub(1)))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .build()
            .map_err(|e| StoreError::Backend(format!("building a transaction: {e}")))?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            self.put_chain_entry(schedule_chain_pk(agency, id), entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn mark_schedule_used(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(primary(schedules_pk(agency), schedule_sk(id))))
            .update_expression("SET in_use = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_write(
            result
                .as_ref()
                .ok()
                .and_then(|output| output.consumed_capacity()),
        );
        match result {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::ConditionFailed)
            }
            Err(error) => Err(classify(error)),
        }
    }

    async fn schedule_history(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        self.chain_page(schedule_chain_pk(agency, id), limit, after_seq)
            .await
    }
}
