//! Reads: one `GetItem`, a `BatchGetItem`, and queries page by page. Each call's consumed capacity is counted
//! toward the request ([`crate::store::usage`]), its failure classified, its items decoded.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{ConsumedCapacity, KeysAndAttributes, ReturnConsumedCapacity};

use super::DynamoStore;
use super::error::classify;
use super::item::{Item, decode_audit, s};
use super::keys::{MAX_AUDIT_SEQ, audit_sk};
use crate::model::AuditEntry;
use crate::store::{Page, StoreError, usage};

/// What one query call returned: its items, decoded, and where DynamoDB stopped reading
/// (`LastEvaluatedKey`), if it did before the end.
pub struct QueryOutput<T> {
    /// The items, in key order.
    pub items: Vec<T>,
    /// Where to resume.
    pub last_key: Option<Item>,
}

/// Counts a read toward the request, with the units DynamoDB reported (none on failure).
pub(super) fn count_read(consumed: Option<&ConsumedCapacity>) {
    let units = consumed.and_then(ConsumedCapacity::capacity_units);
    usage::count(units.unwrap_or(0.0), 0.0);
}

/// Counts one single-item write and the capacity it consumed toward the request.
pub(super) fn count_write(consumed: Option<&ConsumedCapacity>) {
    let units = consumed.and_then(ConsumedCapacity::capacity_units);
    usage::count(0.0, units.unwrap_or(0.0));
}

impl DynamoStore {
    /// The item at `key`, read strongly consistent: a client must see its own writes (a
    /// PATCH right after a create, a replay right after the first response).
    pub(super) async fn get_item(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_read(output.as_ref().ok().and_then(|o| o.consumed_capacity()));
        Ok(output.map_err(classify)?.item)
    }

    /// The items at `keys` (at most 100), read strongly consistent, in no particular
    /// order; what DynamoDB leaves unprocessed (throttling) is asked again, a few times.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::with_capacity(keys.len());
        let mut wanted = keys;
        for _ in 0..5 {
            if wanted.is_empty() {
                return Ok(items);
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(wanted))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let output = output.map_err(classify)?;
            // One table: one consumed capacity, counted with the call.
            count_read(output.consumed_capacity().first());
            items.extend(
                output
                    .responses
                    .and_then(|mut by_table| by_table.remove(&self.table))
                    .unwrap_or_default(),
            );
            wanted = output
                .unprocessed_keys
                .and_then(|mut left| left.remove(&self.table))
                .map(|left| left.keys)
                .unwrap_or_default();
        }
        if wanted.is_empty() {
            Ok(items)
        } else {
            Err(StoreError::Unavailable(
                "records left unprocessed by BatchGetItem".into(),
            ))
        }
    }

    /// A query of this store's table, to be given its key condition and options.
    pub(super) fn query(&self) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
    }

    /// Sends `query` once and decodes what it returns.
    pub(super) async fn run_query<T>(
        &self,
        query: QueryFluentBuilder,
        decode: impl Fn(&Item) -> Result<T, StoreError>,
    ) -> Result<QueryOutput<T>, StoreError> {
        let output = query.send().await;
        count_read(output.as_ref().ok().and_then(|o| o.consumed_capacity()));
        let output = output.map_err(classify)?;
        Ok(QueryOutput {
            items: output
                .items()
                .iter()
                .map(decode)
                .collect::<Result<_, _>>()?,
            last_key: output.last_evaluated_key,
        })
    }

    /// Up to `limit` items of `query` in key order (strongly consistent) and, when more
    /// follow, the position of the last one: one call, reading one item more than it
    /// returns to tell.
    pub(super) async fn query_page<T, P>(
        &self,
        query: QueryFluentBuilder,
        limit: usize,
        decode: impl Fn(&Item) -> Result<T, StoreError>,
        position_of: impl FnOnce(&T) -> P,
    ) -> Result<Page<T, P>, StoreError> {
        let query = query
            .consistent_read(true)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        let output = self.run_query(query, decode).await?;
        Ok(Page::from_overfetch(output.items, limit, position_of))
    }

    /// Every item of partition `pk` whose sort key starts with `prefix`, decoded, read
    /// page after page (strongly consistent): for partitions kept small (an agency's
    /// schedules, its holds).
    pub(super) async fn query_all<T>(
        &self,
        pk: String,
        prefix: &str,
        decode: impl Fn(&Item) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        let mut start = None;
        loop {
            let query = self
                .query()
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":prefix", s(prefix))
                .consistent_read(true)
                .set_exclusive_start_key(start);
            let page = self.run_query(query, &decode).await?;
            all.extend(page.items);
            match page.last_key {
                Some(key) => start = Some(key),
                None => return Ok(all),
            }
        }
    }

    /// Up to `limit` entries of the audit chain in partition `pk` (a record's or an
    /// agency's) with `seq` greater than `after_seq`, oldest first.
    pub(super) async fn chain_page(
        &self,
        pk: String,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let query = self
            .query()
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":from", s(audit_sk(after_seq.unwrap_or(0) + 1)))
            .expression_attribute_values(":to", s(audit_sk(MAX_AUDIT_SEQ)));
        self.query_page(query, limit, decode_audit, |entry: &AuditEntry| entry.seq)
            .await
    }
}
