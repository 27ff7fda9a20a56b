//! The DynamoDB adapter: one table, single-table design.
//!
//! | item | pk | sk | other keys |
//! |---|---|---|---|
//! | record | `A#<agency>#R#<id>` | `RECORD` | `gsi1pk=A#<agency>`, `gsi2pk=A#<agency>#S#<status>`, both `gsi*sk=<updated_at ms, 13 digits>#<id>` |
//! | audit entry | `A#<agency>#R#<id>` | `AUDIT#<seq, 10 digits>` | |
//! | document | `A#<agency>#R#<id>` | `DOC#<document id>` | |
//! | idempotent response | `A#<agency>#IDEM#<key>` | `IDEM` | TTL attribute `expires_at` |
//!
//! The agency is part of every partition key, so no read of one agency can ever return
//! another's item. Every write is a `TransactWriteItems` with a condition on each item.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
    Update,
};

use super::{
    AuditLog, DocumentStore, IdempotencyStore, IdempotentResponse, ListFilter, ListPosition, Page,
    RecordStore, StoreError,
};
use crate::clock::{Date, Timestamp};
use crate::model::{
    AgencyId, AuditAction, AuditEntry, ChainHead, Classification, ContentType, Document,
    DocumentId, DocumentStatus, Record, RecordId, Status, StoredRecord,
};
use crate::telemetry;

type Item = HashMap<String, AttributeValue>;

const RECORD_SK: &str = "RECORD";
const IDEM_SK: &str = "IDEM";
const DOC_SK_PREFIX: &str = "DOC#";
const GSI_ALL: &str = "gsi1";
const GSI_BY_STATUS: &str = "gsi2";
/// Queries one list page may issue before it returns what it has, with a cursor:
/// bounds the cost of a page whose filter matches few records.
const MAX_QUERIES_PER_PAGE: usize = 5;
/// Items read per query when a filter may discard some.
const FILTERED_QUERY_LIMIT: i32 = 100;

/// Records, history and idempotency keys in one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// The adapter for `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs `items` as one transaction. `idempotency_item` is the index of a create's
    /// idempotency item, whose failed condition means the key is taken.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        token: &str,
        idempotency_item: Option<usize>,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // Makes the SDK's own retries of this call idempotent for ten minutes: a
            // retry after a lost response is not mistaken for a concurrent writer.
            .client_request_token(&token[..36.min(token.len())])
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
        telemetry::dynamo_call(0.0, units);
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(context)) => match context.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let codes: Vec<&str> = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|reason| reason.code().unwrap_or("None"))
                        .collect();
                    Err(cancellation_error(&codes, idempotency_item))
                }
                other => Err(classify_code(
                    other.code(),
                    &DisplayErrorContext(other).to_string(),
                )),
            },
            Err(other) => Err(classify(other)),
        }
    }

    /// A transaction item putting `item` if `condition` (with `values`) holds.
    fn put(
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
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

impl DynamoStore {
    /// The item at `pk`/`sk`, read strongly consistent: a client must see its own writes
    /// (a PATCH right after a create, a replay right after the first response).
    async fn get_item(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_read(&output, |o| o.consumed_capacity());
        Ok(output.map_err(classify)?.item)
    }

    /// A transaction item moving the record's chain head (and document count) to
    /// `record`'s, only if the chain is still at `expected_seq`. The record's content and
    /// version are untouched.
    fn advance_head(
        &self,
        record: &StoredRecord,
        expected_seq: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(record_pk(&record.record.agency, &record.record.id)))
            .key("sk", s(RECORD_SK))
            .update_expression("SET audit_seq = :seq, audit_head = :head, document_count = :count")
            .condition_expression("audit_seq = :expected")
            .expression_attribute_values(":seq", number(record.head.seq))
            .expression_attribute_values(":head", s(&record.head.hash))
            .expression_attribute_values(":count", number(record.documents))
            .expression_attribute_values(":expected", number(expected_seq))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// One document change: `document_put` (with its own condition), the audit entry, and
    /// the record's chain head moved from `entry.seq - 1` to `record`'s.
    async fn write_document(
        &self,
        record: &StoredRecord,
        document_put: TransactWriteItem,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (agency, id) = (&record.record.agency, &record.record.id);
        let items = vec![
            self.advance_head(record, entry.seq - 1)?,
            self.put(
                audit_item(agency, id, entry),
                "attribute_not_exists(pk)",
                &[],
            )?,
            document_put,
        ];
        self.transact(items, &entry.hash, None).await
    }
}

/// Counts a read toward the request's DynamoDB usage, with the units DynamoDB reported
/// (none for a failed call).
fn count_read<T, E>(result: &Result<T, E>, consumed: impl Fn(&T) -> Option<&ConsumedCapacity>) {
    let units = result
        .as_ref()
        .ok()
        .and_then(consumed)
        .and_then(ConsumedCapacity::capacity_units);
    telemetry::dynamo_call(units.unwrap_or(0.0), 0.0);
}

/// Maps a cancelled transaction's reasons (one per item, in order) to an error.
fn cancellation_error(codes: &[&str], idempotency_item: Option<usize>) -> StoreError {
    // The key is taken, or a concurrent request with the same key is writing it right now:
    // either way that request wins, and this one replays it (or hears it is in progress).
    let key_code = idempotency_item.and_then(|index| codes.get(index));
    if matches!(
        key_code,
        Some(&("ConditionalCheckFailed" | "TransactionConflict"))
    ) {
        StoreError::IdempotencyKeyTaken
    } else if codes
        .iter()
        .any(|code| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict"))
    {
        // A concurrent transaction on the same record is a concurrent writer too.
        StoreError::ConditionFailed
    } else if codes
        .iter()
        .any(|code| matches!(*code, "ThrottlingError" | "ProvisionedThroughputExceeded"))
    {
        StoreError::Unavailable(format!("transaction throttled: {codes:?}"))
    } else {
        StoreError::Backend(format!("transaction cancelled: {codes:?}"))
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    error: SdkError<E, R>,
) -> StoreError {
    match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            StoreError::Unavailable(DisplayErrorContext(&error).to_string())
        }
        _ => classify_code(error.code(), &DisplayErrorContext(&error).to_string()),
    }
}

fn classify_code(code: Option<&str>, message: &str) -> StoreError {
    match code {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable",
        ) => StoreError::Unavailable(message.to_owned()),
        _ => StoreError::Backend(message.to_owned()),
    }
}

fn record_pk(agency: &AgencyId, id: &RecordId) -> String {
    format!("A#{agency}#R#{id}")
}

fn audit_sk(seq: u64) -> String {
    format!("AUDIT#{seq:010}")
}

fn gsi_sort_key(updated_at: i64, id: &str) -> String {
    format!("{updated_at:013}#{id}")
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn record_item(stored: &StoredRecord) -> Item {
    let record = &stored.record;
    let sort = gsi_sort_key(record.updated_at.as_millis(), record.id.as_str());
    let mut item = Item::from([
        ("pk".into(), s(record_pk(&record.agency, &record.id))),
        ("sk".into(), s(RECORD_SK)),
        ("gsi1pk".into(), s(format!("A#{}", record.agency))),
        ("gsi1sk".into(), s(sort.clone())),
        (
            "gsi2pk".into(),
            s(format!("A#{}#S#{}", record.agency, record.status.as_str())),
        ),
        ("gsi2sk".into(), s(sort)),
        ("id".into(), s(record.id.as_str())),
        ("agency".into(), s(record.agency.as_str())),
        ("title".into(), s(&record.title)),
        ("description".into(), s(&record.description)),
        ("classification".into(), s(record.classification.as_str())),
        ("status".into(), s(record.status.as_str())),
        (
            "tags".into(),
            AttributeValue::L(record.tags.iter().map(s).collect()),
        ),
        ("legal_hold".into(), AttributeValue::Bool(record.legal_hold)),
        ("version".into(), number(record.version)),
        ("created_at".into(), number(record.created_at.as_millis())),
        ("created_by".into(), s(&record.created_by)),
        ("updated_at".into(), number(record.updated_at.as_millis())),
        ("updated_by".into(), s(&record.updated_by)),
        ("audit_seq".into(), number(stored.head.seq)),
        ("audit_head".into(), s(&stored.head.hash)),
        ("document_count".into(), number(stored.documents)),
    ]);
    if let Some(date) = record.retention_until {
        item.insert("retention_until".into(), s(date.to_string()));
    }
    item
}

fn audit_item(agency: &AgencyId, id: &RecordId, entry: &AuditEntry) -> Item {
    Item::from([
        ("pk".into(), s(record_pk(agency, id))),
        ("sk".into(), s(audit_sk(entry.seq))),
        ("seq".into(), number(entry.seq)),
        ("at".into(), number(entry.at.as_millis())),
        ("actor".into(), s(&entry.actor)),
        ("action".into(), s(entry.action.as_str())),
        (
            "changes".into(),
            s(serde_json::to_string(&entry.changes).unwrap_or_default()),
        ),
        ("prev_hash".into(), s(&entry.prev_hash)),
        ("hash".into(), s(&entry.hash)),
    ])
}

fn document_sk(id: &DocumentId) -> String {
    format!("{DOC_SK_PREFIX}{id}")
}

fn document_item(document: &Document) -> Item {
    let mut item = Item::from([
        (
            "pk".into(),
            s(record_pk(&document.agency, &document.record_id)),
        ),
        ("sk".into(), s(document_sk(&document.id))),
        ("id".into(), s(document.id.as_str())),
        ("record_id".into(), s(document.record_id.as_str())),
        ("agency".into(), s(document.agency.as_str())),
        ("filename".into(), s(&document.filename)),
        ("content_type".into(), s(document.content_type.as_str())),
        ("size".into(), number(document.size)),
        ("sha256".into(), s(&document.sha256)),
        ("document_status".into(), s(document.status.as_str())),
        ("created_at".into(), number(document.created_at.as_millis())),
        ("created_by".into(), s(&document.created_by)),
    ]);
    if let Some(reason) = &document.quarantine_reason {
        item.insert("quarantine_reason".into(), s(reason));
    }
    if let Some(at) = document.settled_at {
        item.insert("settled_at".into(), number(at.as_millis()));
    }
    item
}

fn decode_document(item: &Item) -> Result<Document, StoreError> {
    let f = Fields(item);
    Ok(Document {
        id: f.parsed("id", DocumentId::parse)?,
        record_id: f.parsed("record_id", RecordId::parse)?,
        agency: f.parsed("agency", AgencyId::parse)?,
        filename: f.str("filename")?.to_owned(),
        content_type: f.parsed("content_type", ContentType::parse)?,
        size: f.num("size")?,
        sha256: f.str("sha256")?.to_owned(),
        status: f.parsed("document_status", DocumentStatus::parse)?,
        quarantine_reason: match item.get("quarantine_reason") {
            None => None,
            Some(_) => Some(f.str("quarantine_reason")?.to_owned()),
        },
        created_at: Timestamp::from_millis(f.num("created_at")?),
        created_by: f.str("created_by")?.to_owned(),
        settled_at: match item.get("settled_at") {
            None => None,
            Some(_) => Some(Timestamp::from_millis(f.num("settled_at")?)),
        },
    })
}

fn idempotency_pk(agency: &AgencyId, key: &str) -> String {
    format!("A#{agency}#IDEM#{key}")
}

fn idempotency_item(response: &IdempotentResponse) -> Item {
    Item::from([
        (
            "pk".into(),
            s(idempotency_pk(&response.agency, &response.key)),
        ),
        ("sk".into(), s(IDEM_SK)),
        ("request_hash".into(), s(&response.request_hash)),
        ("status".into(), number(response.status)),
        (
            "headers".into(),
            s(serde_json::to_string(&response.headers).unwrap_or_default()),
        ),
        ("body".into(), s(&response.body)),
        // The table's TTL attribute: DynamoDB wants epoch seconds.
        ("expires_at".into(), number(response.expires_at.as_secs())),
    ])
}

/// Reads typed attributes out of an item, naming the one that is missing or malformed.
struct Fields<'a>(&'a Item);

impl Fields<'_> {
    fn str(&self, name: &str) -> Result<&str, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::S(text)) => Ok(text),
            _ => Err(StoreError::Corrupt(format!("attribute {name}"))),
        }
    }

    fn num<T: std::str::FromStr>(&self, name: &str) -> Result<T, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("attribute {name}"))),
            _ => Err(StoreError::Corrupt(format!("attribute {name}"))),
        }
    }

    fn parsed<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        parse(self.str(name)?).ok_or_else(|| StoreError::Corrupt(format!("attribute {name}")))
    }
}

fn decode_record(item: &Item) -> Result<StoredRecord, StoreError> {
    let f = Fields(item);
    let tags = match item.get("tags") {
        Some(AttributeValue::L(values)) => values
            .iter()
            .map(|value| {
                value
                    .as_s()
                    .cloned()
                    .map_err(|_| StoreError::Corrupt("attribute tags".into()))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(StoreError::Corrupt("attribute tags".into())),
    };
    let retention_until = match item.get("retention_until") {
        None => None,
        Some(_) => Some(f.parsed("retention_until", Date::parse)?),
    };
    let record = Record {
        id: f.parsed("id", RecordId::parse)?,
        agency: f.parsed("agency", AgencyId::parse)?,
        title: f.str("title")?.to_owned(),
        description: f.str("description")?.to_owned(),
        classification: f.parsed("classification", Classification::parse)?,
        status: f.parsed("status", Status::parse)?,
        tags,
        retention_until,
        legal_hold: matches!(item.get("legal_hold"), Some(AttributeValue::Bool(true))),
        version: f.num("version")?,
        created_at: Timestamp::from_millis(f.num("created_at")?),
        created_by: f.str("created_by")?.to_owned(),
        updated_at: Timestamp::from_millis(f.num("updated_at")?),
        updated_by: f.str("updated_by")?.to_owned(),
    };
    let head = ChainHead {
        seq: f.num("audit_seq")?,
        hash: f.str("audit_head")?.to_owned(),
    };
    Ok(StoredRecord {
        record,
        head,
        // Absent on records written before documents existed.
        documents: match item.get("document_count") {
            None => 0,
            Some(_) => f.num("document_count")?,
        },
    })
}

fn decode_audit(item: &Item) -> Result<AuditEntry, StoreError> {
    let f = Fields(item);
    Ok(AuditEntry {
        seq: f.num("seq")?,
        at: Timestamp::from_millis(f.num("at")?),
        actor: f.str("actor")?.to_owned(),
        action: f.parsed("action", AuditAction::parse)?,
        changes: serde_json::from_str(f.str("changes")?)
            .map_err(|e| StoreError::Corrupt(format!("changes: {e}")))?,
        prev_hash: f.str("prev_hash")?.to_owned(),
        hash: f.str("hash")?.to_owned(),
    })
}

fn decode_idempotent(
    agency: &AgencyId,
    key: &str,
    item: &Item,
) -> Result<IdempotentResponse, StoreError> {
    let f = Fields(item);
    Ok(IdempotentResponse {
        agency: agency.clone(),
        key: key.to_owned(),
        request_hash: f.str("request_hash")?.to_owned(),
        status: f.num("status")?,
        headers: serde_json::from_str(f.str("headers")?)
            .map_err(|e| StoreError::Corrupt(format!("headers: {e}")))?,
        body: f.str("body")?.to_owned(),
        expires_at: Timestamp::from_millis(f.num::<i64>("expires_at")?.saturating_mul(1000)),
    })
}

impl RecordStore for DynamoStore {
    async fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        self.get_item(record_pk(agency, id), RECORD_SK)
            .await?
            .as_ref()
            .map(decode_record)
            .transpose()
    }

    async fn create_record(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let (agency, id) = (&record.record.agency, &record.record.id);
        let mut items = vec![
            self.put(record_item(record), "attribute_not_exists(pk)", &[])?,
            self.put(
                audit_item(agency, id, entry),
                "attribute_not_exists(pk)",
                &[],
            )?,
        ];
        if let Some(response) = idempotency {
            // An expired key that TTL has not swept yet may be reused.
            items.push(self.put(
                idempotency_item(response),
                "attribute_not_exists(pk) OR expires_at < :now",
                &[(":now", number(record.record.created_at.as_secs()))],
            )?);
        }
        let idempotency_index = idempotency.map(|_| items.len() - 1);
        self.transact(items, &entry.hash, idempotency_index).await
    }

    async fn update_if_version(
        &self,
        next: &StoredRecord,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (agency, id) = (&next.record.agency, &next.record.id);
        let items = vec![
            // The chain head too: a document change advances it without a new version.
            self.put(
                record_item(next),
                "version = :expected AND audit_seq = :seq",
                &[
                    (":expected", number(expected_version)),
                    (":seq", number(entry.seq - 1)),
                ],
            )?,
            self.put(
                audit_item(agency, id, entry),
                "attribute_not_exists(pk)",
                &[],
            )?,
        ];
        self.transact(items, &entry.hash, None).await
    }

    async fn delete_if_version(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key("pk", s(record_pk(agency, id)))
            .key("sk", s(RECORD_SK))
            .condition_expression("version = :expected AND audit_seq = :seq")
            .expression_attribute_values(":expected", number(expected_version))
            .expression_attribute_values(":seq", number(entry.seq - 1))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            self.put(
                audit_item(agency, id, entry),
                "attribute_not_exists(pk)",
                &[],
            )?,
        ];
        self.transact(items, &entry.hash, None).await
    }

    async fn list_records(
        &self,
        agency: &AgencyId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        // A status filter has its own index, so its pages come back full; the other
        // filters are applied by DynamoDB after reading (and so after `Limit`).
        let (index, pk_name, sk_name, pk_value) = match filter.status {
            Some(status) => (
                GSI_BY_STATUS,
                "gsi2pk",
                "gsi2sk",
                format!("A#{agency}#S#{}", status.as_str()),
            ),
            None => (GSI_ALL, "gsi1pk", "gsi1sk", format!("A#{agency}")),
        };
        let mut conditions = Vec::new();
        let mut values = HashMap::from([(":pk".to_owned(), s(&pk_value))]);
        if let Some(classification) = filter.classification {
            conditions.push("classification = :classification");
            values.insert(":classification".into(), s(classification.as_str()));
        }
        if let Some(tag) = &filter.tag {
            conditions.push("contains(tags, :tag)");
            values.insert(":tag".into(), s(tag));
        }
        if !filter.include_confidential {
            conditions.push("classification <> :confidential");
            values.insert(
                ":confidential".into(),
                s(Classification::Confidential.as_str()),
            );
        }
        let filtered = !conditions.is_empty();

        let start_key = |position: &ListPosition| -> Result<Item, StoreError> {
            let id = RecordId::parse(&position.id)
                .ok_or_else(|| StoreError::Corrupt("cursor id".into()))?;
            Ok(Item::from([
                ("pk".into(), s(record_pk(agency, &id))),
                ("sk".into(), s(RECORD_SK)),
                (pk_name.into(), s(&pk_value)),
                (
                    sk_name.into(),
                    s(gsi_sort_key(position.updated_at, &position.id)),
                ),
            ]))
        };
        let mut exclusive_start = after.map(start_key).transpose()?;
        let mut items = Vec::with_capacity(limit);
        for _ in 0..MAX_QUERIES_PER_PAGE {
            let wanted = limit - items.len();
            // Unfiltered: one more than needed tells whether another page exists.
            let query_limit = if filtered {
                FILTERED_QUERY_LIMIT
            } else {
                i32::try_from(wanted + 1).unwrap_or(i32::MAX)
            };
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(format!("{pk_name} = :pk"))
                .set_filter_expression(filtered.then(|| conditions.join(" AND ")))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .limit(query_limit)
                .set_exclusive_start_key(exclusive_start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            count_read(&output, |o| o.consumed_capacity());
            let output = output.map_err(classify)?;
            let mut page = output.items().iter();
            for item in page.by_ref().take(wanted) {
                items.push(decode_record(item)?.record);
            }
            let more_in_this_page = page.next().is_some();
            if items.len() == limit {
                let more = more_in_this_page || output.last_evaluated_key().is_some();
                let next = more
                    .then(|| items.last().map(ListPosition::after))
                    .flatten();
                return Ok(Page { items, next });
            }
            match output.last_evaluated_key() {
                None => return Ok(Page { items, next: None }),
                Some(key) => exclusive_start = Some(key.clone()),
            }
        }
        // Read budget spent with the page short: hand back where reading stopped.
        let next = match &exclusive_start {
            Some(key) => {
                let fields = Fields(key);
                let sort = fields.str(sk_name)?;
                let (updated, id) = sort
                    .split_once('#')
                    .ok_or_else(|| StoreError::Corrupt(sk_name.into()))?;
                Some(ListPosition {
                    updated_at: updated
                        .parse()
                        .map_err(|_| StoreError::Corrupt(sk_name.into()))?,
                    id: id.to_owned(),
                })
            }
            None => None,
        };
        Ok(Page { items, next })
    }
}

impl AuditLog for DynamoStore {
    async fn history(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(record_pk(agency, id)))
            .expression_attribute_values(":from", s(audit_sk(after_seq.unwrap_or(0) + 1)))
            .expression_attribute_values(":to", s(audit_sk(9_999_999_999)))
            .consistent_read(true)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_read(&output, |o| o.consumed_capacity());
        let output = output.map_err(classify)?;
        let items = output
            .items()
            .iter()
            .map(decode_audit)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
            entry.seq
        }))
    }
}

impl IdempotencyStore for DynamoStore {
    async fn get_idempotent(
        &self,
        agency: &AgencyId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let kept = self
            .get_item(idempotency_pk(agency, key), IDEM_SK)
            .await?
            .map(|item| decode_idempotent(agency, key, &item))
            .transpose()?;
        // TTL deletes up to days late: an expired key is treated as gone.
        Ok(kept.filter(|kept| kept.expires_at > now))
    }
}

impl DocumentStore for DynamoStore {
    async fn get_document(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        id: &DocumentId,
    ) -> Result<Option<Document>, StoreError> {
        self.get_item(record_pk(agency, record), &document_sk(id))
            .await?
            .as_ref()
            .map(decode_document)
            .transpose()
    }

    async fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> Result<Page<Document, DocumentId>, StoreError> {
        // Document ids are ULIDs, so key order is creation order.
        let pk = s(record_pk(agency, record));
        let start = after.map(|after| {
            Item::from([
                ("pk".to_owned(), pk.clone()),
                ("sk".to_owned(), s(document_sk(after))),
            ])
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", pk)
            .expression_attribute_values(":prefix", s(DOC_SK_PREFIX))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        count_read(&output, |o| o.consumed_capacity());
        let output = output.map_err(classify)?;
        let items = output
            .items()
            .iter()
            .map(decode_document)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, limit, |document: &Document| {
            document.id.clone()
        }))
    }

    async fn add_document(
        &self,
        record: &StoredRecord,
        document: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let new = self.put(document_item(document), "attribute_not_exists(pk)", &[])?;
        self.write_document(record, new, entry).await
    }

    async fn settle_document(
        &self,
        record: &StoredRecord,
        settled: &Document,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let still_pending = self.put(
            document_item(settled),
            "document_status = :pending",
            &[(":pending", s(DocumentStatus::Pending.as_str()))],
        )?;
        self.write_document(record, still_pending, entry).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reasons_map_to_errors() {
        assert_eq!(
            cancellation_error(&["None", "None", "ConditionalCheckFailed"], Some(2)),
            StoreError::IdempotencyKeyTaken
        );
        assert_eq!(
            cancellation_error(&["ConditionalCheckFailed", "None"], Some(2)),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "None", "ConditionalCheckFailed"], None),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "TransactionConflict"], None),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "None", "TransactionConflict"], Some(2)),
            StoreError::IdempotencyKeyTaken
        );
        assert_eq!(
            cancellation_error(&["None", "TransactionConflict", "None"], Some(2)),
            StoreError::ConditionFailed
        );
        assert!(matches!(
            cancellation_error(&["ThrottlingError", "None"], None),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            cancellation_error(&["ValidationError"], None),
            StoreError::Backend(_)
        ));
    }

    #[test]
    fn sort_keys_order_by_time_then_id() {
        assert!(gsi_sort_key(999, "01B") < gsi_sort_key(1000, "01A"));
        assert!(gsi_sort_key(1000, "01A") < gsi_sort_key(1000, "01B"));
        assert_eq!(audit_sk(7), "AUDIT#0000000007");
    }
}
