//! Named legal holds: one item per hold in its agency's holds partition (the hold as JSON
//! beside the attributes its conditions test); its chain, and one item per record it
//! covers, in a partition of its own. Placing a record under a hold, or lifting it, is one
//! transaction of the record, the hold, both entries and the membership.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};

use super::DynamoStore;
use super::item::{Fields, Item, number, record_item, s};
use super::keys::{
    HELD_SK_PREFIX, HOLD_SK_PREFIX, PARTITION_KEY, SORT_KEY, held_sk, hold_pk, hold_sk, holds_pk,
    primary,
};
use crate::model::{AgencyId, AuditEntry, Hold, HoldId, HoldStatus, RecordId, StoredHold};
use crate::store::{HoldCover, HoldStore, Page, StoreError};

fn hold_item(stored: &StoredHold) -> Result<Item, StoreError> {
    let hold = &stored.hold;
    let data = serde_json::to_string(stored).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(Item::from([
        (PARTITION_KEY.into(), s(holds_pk(&hold.agency))),
        (SORT_KEY.into(), s(hold_sk(&hold.id))),
        ("version".into(), number(hold.version)),
        ("audit_seq".into(), number(stored.head.seq)),
        ("records".into(), number(hold.records)),
        (
            "active".into(),
            AttributeValue::Bool(hold.status == HoldStatus::Active),
        ),
        ("data".into(), s(data)),
    ]))
}

fn decode_hold(item: &Item) -> Result<StoredHold, StoreError> {
    serde_json::from_str(Fields(item).str("data")?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode_held(item: &Item) -> Result<RecordId, StoreError> {
    Fields(item)
        .str(SORT_KEY)?
        .strip_prefix(HELD_SK_PREFIX)
        .and_then(RecordId::parse)
        .ok_or_else(|| StoreError::Corrupt("held record key".into()))
}

fn built<T>(built: Result<T, impl std::fmt::Display>) -> Result<T, StoreError> {
    built.map_err(|e| StoreError::Backend(format!("building a transaction: {e}")))
}

impl HoldStore for DynamoStore {
    async fn get_hold(
        &self,
        agency: &AgencyId,
        id: &HoldId,
    ) -> Result<Option<StoredHold>, StoreError> {
        let item = self
            .get_item(primary(holds_pk(agency), hold_sk(id)))
            .await?;
        item.as_ref().map(decode_hold).transpose()
    }

    async fn list_holds(&self, agency: &AgencyId) -> Result<Vec<Hold>, StoreError> {
        let all = self
            .query_all(holds_pk(agency), HOLD_SK_PREFIX, decode_hold)
            .await?;
        Ok(all.into_iter().map(|stored| stored.hold).collect())
    }

    async fn create_hold(&self, first: &StoredHold, entry: &AuditEntry) -> Result<(), StoreError> {
        if entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        let hold = &first.hold;
        let items = vec![
            self.put(hold_item(first)?, "attribute_not_exists(pk)", &[])?,
            self.put_chain_entry(hold_pk(&hold.agency, &hold.id), entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn cover(&self, change: HoldCover<'_>) -> Result<(), StoreError> {
        let (record, record_version, record_entry) = change.record;
        let (hold, hold_version, hold_entry) = change.hold;
        let (agency, id) = (&record.record.agency, &record.record.id);
        if hold.hold.agency != *agency {
            return Err(StoreError::ConditionFailed);
        }
        let pk = hold_pk(agency, &hold.hold.id);
        let membership = if change.placing {
            let item = Item::from([
                (PARTITION_KEY.into(), s(&pk)),
                (SORT_KEY.into(), s(held_sk(id))),
            ]);
            self.put(item, "attribute_not_exists(pk)", &[])?
        } else {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(primary(pk.clone(), held_sk(id))))
                .condition_expression("attribute_exists(pk)")
                .build();
            TransactWriteItem::builder().delete(built(delete)?).build()
        };
        let items = vec![
            self.put(
                record_item(record),
                "version = :expected AND audit_seq = :seq",
                &[
                    (":expected", number(record_version)),
                    (":seq", number(record_entry.seq.saturating_sub(1))),
                ],
            )?,
            self.put_entry(agency, id, record_entry)?,
            self.put(
                hold_item(hold)?,
                "version = :expected AND audit_seq = :seq AND active = :yes",
                &[
                    (":expected", number(hold_version)),
                    (":seq", number(hold_entry.seq.saturating_sub(1))),
                    (":yes", AttributeValue::Bool(true)),
                ],
            )?,
            self.put_chain_entry(pk, hold_entry)?,
            membership,
        ];
        self.transact(items, record_entry, None).await
    }

    async fn held_records(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> Result<Page<RecordId, RecordId>, StoreError> {
        let pk = hold_pk(agency, id);
        let from = match after {
            Some(after) => format!("{}\u{0}", held_sk(after)),
            None => HELD_SK_PREFIX.to_owned(),
        };
        let query = self
            .query()
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(format!("{HELD_SK_PREFIX}~")));
        self.query_page(query, limit, decode_held, RecordId::clone)
            .await
    }

    async fn release_hold(
        &self,
        next: &StoredHold,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let hold = &next.hold;
        let items = vec![
            self.put(
                hold_item(next)?,
                "version = :expected AND audit_seq = :seq AND records = :none",
                &[
                    (":expected", number(expected_version)),
                    (":seq", number(entry.seq.saturating_sub(1))),
                    (":none", number(0)),
                ],
            )?,
            self.put_chain_entry(hold_pk(&hold.agency, &hold.id), entry)?,
        ];
        self.transact(items, entry, None).await
    }

    async fn hold_history(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        self.chain_page(hold_pk(agency, id), limit, after_seq).await
    }
}
