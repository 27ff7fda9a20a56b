//! Records requests in memory: each agency's counters per year, requests and their chains.

use super::{MemoryStore, append_to, chain_page};
use crate::model::{AgencyId, AuditEntry, RequestNumber, StoredRequest};
use crate::store::{IdempotentResponse, Page, RequestListing, RequestStore, StoreError};

impl RequestStore for MemoryStore {
    async fn last_request_number(&self, agency: &AgencyId, year: i16) -> Result<u32, StoreError> {
        let tables = self.lock()?;
        Ok(tables
            .request_counters
            .get(&(agency.clone(), year))
            .copied()
            .unwrap_or(0))
    }

    async fn create_request(
        &self,
        first: &StoredRequest,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let number = first.request.number;
        let key = (first.request.agency.clone(), number);
        let counter = (key.0.clone(), number.year());
        tables.idempotency_key_free(idempotency, first.request.received_at)?;
        let last = tables.request_counters.get(&counter).copied().unwrap_or(0);
        if last + 1 != number.seq() || tables.requests.contains_key(&key) || entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.request_history.entry(key.clone()).or_default(),
            entry,
        )?;
        tables.request_counters.insert(counter, number.seq());
        tables.requests.insert(key, first.clone());
        tables.keep_idempotent(idempotency);
        Ok(())
    }

    async fn get_request(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
    ) -> Result<Option<StoredRequest>, StoreError> {
        let tables = self.lock()?;
        Ok(tables.requests.get(&(agency.clone(), number)).cloned())
    }

    async fn update_request(
        &self,
        next: &StoredRequest,
        expected_version: u64,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        self.writing().await;
        let mut tables = self.lock()?;
        let key = (next.request.agency.clone(), next.request.number);
        tables.idempotency_key_free(idempotency, next.request.updated_at)?;
        let current = tables.requests.get(&key);
        if current.map(|c| c.request.version) != Some(expected_version)
            || current.map_or(0, |c| c.head.seq) + 1 != entry.seq
        {
            return Err(StoreError::ConditionFailed);
        }
        append_to(
            tables.request_history.entry(key.clone()).or_default(),
            entry,
        )?;
        tables.requests.insert(key, next.clone());
        tables.keep_idempotent(idempotency);
        Ok(())
    }

    async fn request_history(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let tables = self.lock()?;
        Ok(chain_page(
            tables.request_history.get(&(agency.clone(), number)),
            limit,
            after_seq,
        ))
    }

    async fn list_requests(
        &self,
        agency: &AgencyId,
        listing: RequestListing,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<StoredRequest, String>, StoreError> {
        let tables = self.lock()?;
        let theirs = tables
            .requests
            .iter()
            .filter(|((owner, _), _)| owner == agency)
            .map(|(_, stored)| stored.clone());
        Ok(listing.page_of(theirs, limit, after))
    }
}
