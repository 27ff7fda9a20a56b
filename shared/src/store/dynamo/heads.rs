//! Every record's chain head, for anchoring: a scan of `gsi1`, which holds the record items
//! alone (audit entries and documents carry no `gsi1pk`), reading four attributes of each.

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use super::DynamoStore;
use super::error::classify;
use super::item::decode_head;
use super::keys::Listing;
use super::read::count_read;
use crate::anchor::RecordHead;
use crate::model::AgencyId;
use crate::store::{ChainHeads, StoreError};
use std::collections::BTreeMap;

impl ChainHeads for DynamoStore {
    async fn chain_heads(&self) -> Result<BTreeMap<AgencyId, Vec<RecordHead>>, StoreError> {
        let mut heads = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .index_name(Listing::ALL_INDEX)
                .projection_expression("agency, id, audit_seq, audit_head")
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .set_exclusive_start_key(start.take())
                .send()
                .await;
            count_read(output.as_ref().ok().and_then(|o| o.consumed_capacity()));
            let output = output.map_err(classify)?;
            for item in output.items() {
                heads.push(decode_head(item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(crate::store::by_agency(heads)),
            }
        }
    }
}
