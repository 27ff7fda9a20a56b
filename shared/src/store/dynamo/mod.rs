//! The DynamoDB adapter: one table, single-table design ([`keys`] has every key); agency
//! profiles are in [`agencies`].
//!
//! Every write is a `TransactWriteItems` with a condition on each item ([`write`]); every
//! read a strongly consistent `GetItem` or `Query` ([`read`]). Items are encoded and decoded
//! in [`item`], failures classified in [`error`].

mod agencies;
mod disposition;
mod error;
mod fixity;
mod heads;
mod holds;
mod item;
mod keys;
mod public;
mod query;
mod read;
mod requests;
mod schedules;
mod write;

pub use keys::{PARTITION_KEY, RECORD_SK, SORT_KEY, record_of_pk};

use aws_sdk_dynamodb::Client;

use super::{
    AuditLog, DocumentStore, IdempotencyStore, IdempotentResponse, ListFilter, ListPosition, Page,
    RecordStore, StoreError,
};
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, AuditEntry, Classification, Document, DocumentId, DocumentStatus, Record, RecordId,
    StoredRecord,
};
use item::{
    decode_document, decode_idempotent, decode_record, document_item, number, record_item, s,
};
use keys::{
    DOCUMENT_SK_PREFIX, IDEMPOTENCY_SK, Listing, document_sk, idempotency_pk, primary, record_pk,
};
use query::ListingQuery;

/// Records, history, documents and idempotency keys in one DynamoDB table.
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
}

impl RecordStore for DynamoStore {
    async fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<StoredRecord>, StoreError> {
        let item = self
            .get_item(primary(record_pk(agency, id), RECORD_SK))
            .await?;
        item.as_ref().map(decode_record).transpose()
    }

    async fn get_records(
        &self,
        agency: &AgencyId,
        ids: &[RecordId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if ids.len() > super::MAX_BATCH_READ {
            return Err(StoreError::Backend("too many records at once".into()));
        }
        let keys = ids
            .iter()
            .map(|id| primary(record_pk(agency, id), RECORD_SK))
            .collect();
        let items = self.batch_get(keys).await?;
        // BatchGetItem answers in no particular order: put them back in the order asked.
        let mut found: Vec<StoredRecord> =
            items.iter().map(decode_record).collect::<Result<_, _>>()?;
        found.sort_by_key(|stored| ids.iter().position(|id| *id == stored.record.id));
        Ok(found)
    }

    async fn create_record(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        if entry.seq != 1 {
            // A chain starts at 1; the conditions below only check that nothing is there.
            return Err(StoreError::ConditionFailed);
        }
        let (agency, id) = (&record.record.agency, &record.record.id);
        let mut items = vec![
            self.put(record_item(record), "attribute_not_exists(pk)", &[])?,
            self.put_entry(agency, id, entry)?,
        ];
        if let Some(response) = idempotency {
            items.push(self.put_idempotent(response, record.record.created_at)?);
        }
        let idempotency_index = idempotency.map(|_| items.len() - 1);
        self.transact(items, entry, idempotency_index).await
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
                    (":seq", number(entry.seq.saturating_sub(1))),
                ],
            )?,
            self.put_entry(agency, id, entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn delete_if_version(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let items = vec![
            self.delete_record(agency, id, expected_version, entry)?,
            self.put_entry(agency, id, entry)?,
        ];
        self.transact(items, entry, None).await
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
        let listing = Listing::of(agency, filter.status);
        let mut conditions = Vec::new();
        let mut query = self
            .query()
            .index_name(listing.index)
            .key_condition_expression(format!("{} = :pk", listing.pk_name))
            .expression_attribute_values(":pk", s(&listing.pk))
            .scan_index_forward(false);
        if let Some(classification) = filter.classification {
            conditions.push("classification = :classification");
            query =
                query.expression_attribute_values(":classification", s(classification.as_str()));
        }
        if let Some(tag) = &filter.tag {
            conditions.push("contains(tags, :tag)");
            query = query.expression_attribute_values(":tag", s(tag));
        }
        if !filter.include_confidential {
            conditions.push("classification <> :confidential");
            query = query.expression_attribute_values(
                ":confidential",
                s(Classification::Confidential.as_str()),
            );
        }
        let filtered = !conditions.is_empty();
        let query = query.set_filter_expression(filtered.then(|| conditions.join(" AND ")));
        let page = ListingQuery {
            listing,
            query,
            filtered,
            position_of: ListPosition::after,
        };
        self.list_page(agency, page, limit, after).await
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
        self.chain_page(record_pk(agency, id), limit, after_seq)
            .await
    }
}

impl IdempotencyStore for DynamoStore {
    async fn get_idempotent(
        &self,
        agency: &AgencyId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotentResponse>, StoreError> {
        let item = self
            .get_item(primary(idempotency_pk(agency, key), IDEMPOTENCY_SK))
            .await?;
        let kept = item
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
        let item = self
            .get_item(primary(record_pk(agency, record), document_sk(id)))
            .await?;
        item.as_ref().map(decode_document).transpose()
    }

    async fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> Result<Page<Document, DocumentId>, StoreError> {
        let pk = record_pk(agency, record);
        let start = after.map(|after| primary(pk.clone(), document_sk(after)));
        let query = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(DOCUMENT_SK_PREFIX))
            .set_exclusive_start_key(start);
        self.query_page(query, limit, decode_document, |document: &Document| {
            document.id.clone()
        })
        .await
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
