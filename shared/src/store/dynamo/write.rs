//! Writes: every mutation is one `TransactWriteItems`, each item under its own condition,
//! so a change and its audit entry land together or not at all.

use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
    Update,
};

use super::DynamoStore;
use super::error::classify_transaction;
use super::item::{Item, audit_item, idempotency_item, number, s};
use super::keys::{RECORD_SK, primary, record_pk};
use super::read::count_write;
use crate::clock::Timestamp;
use crate::model::{AgencyId, AuditEntry, RecordId, StoredRecord};
use crate::store::{IdempotentResponse, StoreError, usage};

fn built<T>(built: Result<T, impl std::fmt::Display>) -> Result<T, StoreError> {
    built.map_err(|e| StoreError::Backend(format!("building a transaction: {e}")))
}

impl DynamoStore {
    /// Runs `items` as one transaction. `idempotency_item` is the index of a create's
    /// idempotency item, whose failed condition means the key is taken.
    pub(super) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        entry: &AuditEntry,
        idempotency_item: Option<usize>,
    ) -> Result<(), StoreError> {
        // Makes the SDK's own retries of this call idempotent for ten minutes: a retry
        // after a lost response is not mistaken for a concurrent writer. The entry's hash
        // names this exact change.
        let token = entry.hash.get(..36).unwrap_or(&entry.hash);
        self.transact_as(items, Some(token), idempotency_item).await
    }

    /// Runs `items` as one transaction under `token` (if any; see [`Self::transact`]).
    pub(super) async fn transact_as(
        &self,
        items: Vec<TransactWriteItem>,
        token: Option<&str>,
        idempotency_item: Option<usize>,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token.map(str::to_owned))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        let units: f64 = result.as_ref().map_or(0.0, |output| {
            output
                .consumed_capacity()
                .iter()
                .filter_map(ConsumedCapacity::capacity_units)
                .sum()
        });
        usage::count(0.0, units);
        result
            .map(|_| ())
            .map_err(|error| classify_transaction(error, idempotency_item))
    }

    /// Writes `item` over whatever is at its key: for items nothing else writes (an
    /// agency's latest run of a scheduled check).
    pub(super) async fn put_item(&self, item: Item) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_write(
            result
                .as_ref()
                .ok()
                .and_then(|output| output.consumed_capacity()),
        );
        result.map(|_| ()).map_err(super::error::classify)
    }

    /// A transaction item putting `item` if `condition` (with `values`) holds.
    pub(super) fn put(
        &self,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<TransactWriteItem, StoreError> {
        let put = values
            .iter()
            .fold(Put::builder(), |put, (name, value)| {
                put.expression_attribute_values(*name, value.clone())
            })
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .build();
        Ok(TransactWriteItem::builder().put(built(put)?).build())
    }

    /// A transaction item appending `entry` to the chain of record `id`: it must be new.
    pub(super) fn put_entry(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        entry: &AuditEntry,
    ) -> Result<TransactWriteItem, StoreError> {
        self.put_chain_entry(record_pk(agency, id), entry)
    }

    /// A transaction item keeping `response` under its idempotency key, created at `at`:
    /// the key must be free, or expired (TTL may not have swept it yet).
    pub(super) fn put_idempotent(
        &self,
        response: &IdempotentResponse,
        at: Timestamp,
    ) -> Result<TransactWriteItem, StoreError> {
        self.put(
            idempotency_item(response)?,
            "attribute_not_exists(pk) OR expires_at < :now",
            &[(":now", number(at.as_secs()))],
        )
    }

    /// A transaction item appending `entry` to the chain in partition `pk`: it must be new.
    pub(super) fn put_chain_entry(
        &self,
        pk: String,
        entry: &AuditEntry,
    ) -> Result<TransactWriteItem, StoreError> {
        self.put(audit_item(pk, entry)?, "attribute_not_exists(pk)", &[])
    }

    /// A transaction item deleting record `id` if it is still at `expected_version` and
    /// its chain one entry behind `entry`.
    pub(super) fn delete_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(primary(record_pk(agency, id), RECORD_SK)))
            .condition_expression("version = :expected AND audit_seq = :seq")
            .expression_attribute_values(":expected", number(expected_version))
            .expression_attribute_values(":seq", number(entry.seq.saturating_sub(1)))
            .build();
        Ok(TransactWriteItem::builder().delete(built(delete)?).build())
    }

    /// A transaction item moving the record's chain head (and document count) to
    /// `record`'s, only if the chain is still one entry behind `entry`. The record's
    /// content and version are untouched.
    pub(super) fn advance_head(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(primary(
                record_pk(&record.record.agency, &record.record.id),
                RECORD_SK,
            )))
            .update_expression("SET audit_seq = :seq, audit_head = :head, document_count = :count")
            .condition_expression("audit_seq = :expected")
            .expression_attribute_values(":seq", number(record.head.seq))
            .expression_attribute_values(":head", s(&record.head.hash))
            .expression_attribute_values(":count", number(record.documents))
            .expression_attribute_values(":expected", number(entry.seq.saturating_sub(1)))
            .build();
        Ok(TransactWriteItem::builder().update(built(update)?).build())
    }

    /// One document change: `document_put` (with its own condition), the audit entry, and
    /// the record's chain head moved from `entry.seq - 1` to `record`'s.
    pub(super) async fn write_document(
        &self,
        record: &StoredRecord,
        document_put: TransactWriteItem,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (agency, id) = (&record.record.agency, &record.record.id);
        let items = vec![
            self.advance_head(record, entry)?,
            self.put_entry(agency, id, entry)?,
            document_put,
        ];
        self.transact(items, entry, None).await
    }
}
