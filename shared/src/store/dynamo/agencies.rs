//! Agency profiles: one item per agency, its history in the same partition.

use super::DynamoStore;
use super::item::{agency_item, decode_agency, number};
use super::keys::{PROFILE_SK, agency_pk, primary};
use crate::model::{AgencyId, AuditEntry, StoredAgency};
use crate::store::{AgencyStore, Page, StoreError};

impl AgencyStore for DynamoStore {
    async fn get_agency(&self, agency: &AgencyId) -> Result<Option<StoredAgency>, StoreError> {
        let item = self
            .get_item(primary(agency_pk(agency), PROFILE_SK))
            .await?;
        item.as_ref().map(decode_agency).transpose()
    }

    async fn put_agency(
        &self,
        next: &StoredAgency,
        expected_version: Option<u64>,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let pk = agency_pk(&next.profile.agency);
        let profile = match expected_version {
            // The first profile starts the chain; the entry's own condition refuses a
            // second seq 1.
            None if entry.seq == 1 => {
                self.put(agency_item(next), "attribute_not_exists(pk)", &[])?
            }
            None => return Err(StoreError::ConditionFailed),
            Some(expected) => self.put(
                agency_item(next),
                "version = :expected AND audit_seq = :seq",
                &[
                    (":expected", number(expected)),
                    (":seq", number(entry.seq.saturating_sub(1))),
                ],
            )?,
        };
        let items = vec![profile, self.put_chain_entry(pk, entry)?];
        self.transact(items, entry, None).await
    }

    async fn agency_history(
        &self,
        agency: &AgencyId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        self.chain_page(agency_pk(agency), limit, after_seq).await
    }
}
