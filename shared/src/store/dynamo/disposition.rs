//! Destruction lists: one item per list in its agency's partition (the count the review
//! keeps), one item per listed record in a partition per list (the item as JSON beside the
//! version its conditions test), and a destroyed record's tombstone in the record's own
//! partition, where its chain stays.

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, TransactWriteItem, Update, WriteRequest,
};

use super::DynamoStore;
use super::item::{Fields, Item, number, s};
use super::keys::{
    DISPOSITION_SK_PREFIX, DOCUMENT_SK_PREFIX, PARTITION_KEY, RECORD_SK, SORT_KEY, TOMBSTONE_SK,
    disposition_item_sk, disposition_items_pk, disposition_sk, dispositions_pk, primary, record_pk,
};
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, AuditEntry, Destruction, DispositionItem, DispositionList, DispositionListId,
    RecordId, StoredRecord, Tombstone,
};
use crate::store::{DispositionStore, Page, StoreError};

/// Most deletes in one `BatchWriteItem`.
const BATCH_DELETES: usize = 25;

fn item_of(item: &DispositionItem) -> Result<Item, StoreError> {
    let data = serde_json::to_string(item).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(Item::from([
        (
            PARTITION_KEY.into(),
            s(disposition_items_pk(&item.agency, &item.list)),
        ),
        (SORT_KEY.into(), s(disposition_item_sk(&item.record))),
        ("version".into(), number(item.version)),
        ("data".into(), s(data)),
    ]))
}

fn decode_item(item: &Item) -> Result<DispositionItem, StoreError> {
    Fields(item).json("data")
}

fn decode_list(item: &Item) -> Result<DispositionList, StoreError> {
    let fields = Fields(item);
    let id = fields
        .str(SORT_KEY)?
        .strip_prefix(DISPOSITION_SK_PREFIX)
        .and_then(DispositionListId::parse)
        .ok_or_else(|| StoreError::Corrupt("destruction list key".into()))?;
    Ok(DispositionList {
        id,
        agency: fields.parsed("agency", AgencyId::parse)?,
        opened_at: Timestamp::from_millis(fields.num("opened_at")?),
        items: fields.num("items")?,
    })
}

fn built<T>(built: Result<T, impl std::fmt::Display>) -> Result<T, StoreError> {
    built.map_err(|e| StoreError::Backend(format!("building a request: {e}")))
}

impl DynamoStore {
    /// A transaction item replacing `item` if the stored one is one version behind.
    fn replace_item(&self, item: &DispositionItem) -> Result<TransactWriteItem, StoreError> {
        self.put(
            item_of(item)?,
            "version = :expected",
            &[(":expected", number(item.version.saturating_sub(1)))],
        )
    }
}

impl DispositionStore for DynamoStore {
    async fn list_dispositions(
        &self,
        agency: &AgencyId,
    ) -> Result<Vec<DispositionList>, StoreError> {
        let mut lists = self
            .query_all(dispositions_pk(agency), DISPOSITION_SK_PREFIX, decode_list)
            .await?;
        lists.reverse();
        Ok(lists)
    }

    async fn get_disposition(
        &self,
        agency: &AgencyId,
        id: &DispositionListId,
    ) -> Result<Option<DispositionList>, StoreError> {
        let item = self
            .get_item(primary(dispositions_pk(agency), disposition_sk(id)))
            .await?;
        item.as_ref().map(decode_list).transpose()
    }

    async fn add_disposition_item(&self, item: &DispositionItem) -> Result<bool, StoreError> {
        if item.version != 1 {
            return Err(StoreError::ConditionFailed);
        }
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(primary(
                dispositions_pk(&item.agency),
                disposition_sk(&item.list),
            )))
            .update_expression(
                "SET agency = :agency, opened_at = if_not_exists(opened_at, :at) ADD #items :one",
            )
            .expression_attribute_names("#items", "items")
            .expression_attribute_values(":agency", s(item.agency.as_str()))
            .expression_attribute_values(":at", number(item.listed_at.as_millis()))
            .expression_attribute_values(":one", number(1))
            .build();
        let items = vec![
            self.put(item_of(item)?, "attribute_not_exists(pk)", &[])?,
            TransactWriteItem::builder().update(built(count)?).build(),
        ];
        // The count has no condition: a failed one is the record already on the list.
        match self.transact_as(items, None, None).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn get_disposition_item(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        record: &RecordId,
    ) -> Result<Option<DispositionItem>, StoreError> {
        let item = self
            .get_item(primary(
                disposition_items_pk(agency, list),
                disposition_item_sk(record),
            ))
            .await?;
        item.as_ref().map(decode_item).transpose()
    }

    async fn disposition_items(
        &self,
        agency: &AgencyId,
        list: &DispositionListId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<DispositionItem, RecordId>, StoreError> {
        let pk = disposition_items_pk(agency, list);
        let start = after.map(|after| primary(pk.clone(), disposition_item_sk(after)));
        let query = self
            .query()
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk))
            .set_exclusive_start_key(start);
        self.query_page(query, limit, decode_item, |item: &DispositionItem| {
            item.record.clone()
        })
        .await
    }

    async fn update_disposition_item(&self, item: &DispositionItem) -> Result<(), StoreError> {
        // No token: two different changes from one version must not look like one retry.
        self.transact_as(vec![self.replace_item(item)?], None, None)
            .await
    }

    async fn decide_disposition(
        &self,
        item: &DispositionItem,
        record: &StoredRecord,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        if record.record.agency != item.agency || record.record.id != item.record {
            return Err(StoreError::ConditionFailed);
        }
        let (agency, id) = (&item.agency, &item.record);
        let items = vec![
            self.replace_item(item)?,
            self.advance_head(record, entry)?,
            self.put_entry(agency, id, entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn destroy_record(
        &self,
        destruction: &Destruction,
        record_version: u64,
    ) -> Result<(), StoreError> {
        let item = &destruction.item;
        let (agency, id, entry) = (&item.agency, &item.record, &destruction.entry);
        let data = serde_json::to_string(&destruction.tombstone)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let tombstone = Item::from([
            (PARTITION_KEY.into(), s(record_pk(agency, id))),
            (SORT_KEY.into(), s(TOMBSTONE_SK)),
            ("data".into(), s(data)),
        ]);
        let items = vec![
            self.delete_record(agency, id, record_version, entry)?,
            self.put_entry(agency, id, entry)?,
            self.put(tombstone, "attribute_not_exists(pk)", &[])?,
            self.replace_item(item)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn get_tombstone(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<Option<Tombstone>, StoreError> {
        let item = self
            .get_item(primary(record_pk(agency, id), TOMBSTONE_SK))
            .await?;
        item.as_ref()
            .map(|item| Fields(item).json("data"))
            .transpose()
    }

    async fn forget_documents(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> Result<usize, StoreError> {
        let pk = record_pk(agency, id);
        if self
            .get_item(primary(pk.clone(), RECORD_SK))
            .await?
            .is_some()
        {
            return Err(StoreError::ConditionFailed);
        }
        let keys = self
            .query_all(pk, DOCUMENT_SK_PREFIX, |item| {
                Ok(Item::from([
                    (PARTITION_KEY.into(), item_value(item, PARTITION_KEY)?),
                    (SORT_KEY.into(), item_value(item, SORT_KEY)?),
                ]))
            })
            .await?;
        for chunk in keys.chunks(BATCH_DELETES) {
            let mut requests = chunk
                .iter()
                .map(|key| {
                    let delete =
                        built(DeleteRequest::builder().set_key(Some(key.clone())).build())?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            // What DynamoDB leaves unprocessed (throttling) is sent again, a few times.
            for _ in 0..5 {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(super::error::classify)?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(
                    "documents left unprocessed by BatchWriteItem".into(),
                ));
            }
        }
        Ok(keys.len())
    }
}

fn item_value(item: &Item, name: &str) -> Result<AttributeValue, StoreError> {
    item.get(name)
        .cloned()
        .ok_or_else(|| StoreError::Corrupt(format!("an item without {name}")))
}
