//! Fixity checks on DynamoDB: the rotation is the sparse index `gsi4`, an agency's
//! available and damaged documents by last check; a check rewrites the document item
//! (which moves it in the index) under a condition on what was read, with its chain link
//! when it damages or restores the document.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::DynamoStore;
use super::item::{Fields, decode_document, document_item, number, s};
use super::keys::{
    FIXITY_RUN_SK, document_sk, fixity_pk, fixity_sk_at, pending_pk, pending_sk_before, primary,
    record_pk,
};
use crate::clock::Timestamp;
use crate::model::{AgencyId, AuditEntry, Document, StoredRecord};
use crate::store::{FixityPosition, FixityRun, FixityStore, Page, StoreError};

impl DynamoStore {
    /// A transaction item replacing `checked` if the stored document is still `was`.
    fn put_checked(
        &self,
        was: &Document,
        checked: &Document,
    ) -> Result<TransactWriteItem, StoreError> {
        let status = (":was", s(was.status.as_str()));
        match was.fixity {
            Some(check) => self.put(
                document_item(checked),
                "document_status = :was AND fixity_at = :at",
                &[status, (":at", number(check.at.as_millis()))],
            ),
            None => self.put(
                document_item(checked),
                "document_status = :was AND attribute_not_exists(fixity_at)",
                &[status],
            ),
        }
    }
}

impl FixityStore for DynamoStore {
    async fn fixity_rotation(
        &self,
        agency: &AgencyId,
        limit: usize,
        after: Option<&FixityPosition>,
    ) -> Result<Page<Document, FixityPosition>, StoreError> {
        let pk = fixity_pk(agency);
        let start = after.map(|after| {
            let mut key = primary(record_pk(agency, &after.record), document_sk(&after.id));
            key.insert("gsi4pk".into(), s(&pk));
            key.insert(
                "gsi4sk".into(),
                s(fixity_sk_at(after.at, &after.record, &after.id)),
            );
            key
        });
        // An index is read eventually consistent: a check written a moment ago may not
        // have moved its document yet, which the next run's condition catches.
        let query = self
            .query()
            .index_name("gsi4")
            .key_condition_expression("gsi4pk = :pk")
            .expression_attribute_values(":pk", s(pk))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        let output = self.run_query(query, decode_document).await?;
        Ok(Page::from_overfetch(
            output.items,
            limit,
            FixityPosition::after,
        ))
    }

    async fn record_fixity(
        &self,
        was: &Document,
        checked: &Document,
        chain: Option<(&StoredRecord, &AuditEntry)>,
    ) -> Result<(), StoreError> {
        if was.id != checked.id || was.record_id != checked.record_id {
            return Err(StoreError::ConditionFailed);
        }
        let document = self.put_checked(was, checked)?;
        match chain {
            None => self.transact_as(vec![document], None, None).await,
            Some((record, entry)) => {
                if record.record.id != checked.record_id {
                    return Err(StoreError::ConditionFailed);
                }
                self.write_document(record, document, entry).await
            }
        }
    }

    async fn abandoned_uploads(
        &self,
        agency: &AgencyId,
        announced_before: Timestamp,
        limit: usize,
    ) -> Result<Vec<Document>, StoreError> {
        let query = self
            .query()
            .index_name("gsi4")
            .key_condition_expression("gsi4pk = :pk AND gsi4sk < :before")
            .expression_attribute_values(":pk", s(pending_pk(agency)))
            .expression_attribute_values(":before", s(pending_sk_before(announced_before)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        Ok(self.run_query(query, decode_document).await?.items)
    }

    async fn put_fixity_run(&self, run: &FixityRun) -> Result<(), StoreError> {
        let data = serde_json::to_string(run).map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut item = primary(fixity_pk(&run.agency), FIXITY_RUN_SK);
        item.insert("data".into(), s(data));
        self.put_item(item).await
    }

    async fn get_fixity_run(&self, agency: &AgencyId) -> Result<Option<FixityRun>, StoreError> {
        let item = self
            .get_item(primary(fixity_pk(agency), FIXITY_RUN_SK))
            .await?;
        item.as_ref()
            .map(|item| Fields(item).json("data"))
            .transpose()
    }
}
