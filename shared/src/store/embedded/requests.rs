//! Records requests in the embedded store: each agency's counter per year, the requests,
//! and their chains, in three tables (keys in [`super::keys`]). One writer at a time makes
//! "the counter is one behind" and the write a single atomic step.

use redb::{ReadableTable, TableDefinition};

use super::{EmbeddedStore, JsonTable, append_to, get, keep_idempotent, keys, put, read_range};
use crate::model::{AgencyId, AuditEntry, RequestNumber, StoredRequest};
use crate::store::{IdempotentResponse, Page, RequestListing, RequestStore, StoreError};

/// The last number given per agency and year.
pub(super) const REQUEST_COUNTERS: TableDefinition<&str, u32> =
    TableDefinition::new("request_counters");
/// The requests.
pub(super) const REQUESTS: JsonTable = TableDefinition::new("requests");
/// Their chains.
pub(super) const REQUEST_HISTORY: JsonTable = TableDefinition::new("request_history");

impl RequestStore for EmbeddedStore {
    async fn last_request_number(&self, agency: &AgencyId, year: i16) -> Result<u32, StoreError> {
        let key = keys::request_counter(agency, year);
        self.read(move |txn| {
            let counters = txn.open_table(REQUEST_COUNTERS)?;
            Ok(counters.get(key.as_str())?.map_or(0, |last| last.value()))
        })
        .await
    }

    async fn create_request(
        &self,
        first: &StoredRequest,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let (first, entry, idempotency) = (first.clone(), entry.clone(), idempotency.cloned());
        self.write(move |txn| {
            keep_idempotent(txn, idempotency.as_ref(), first.request.received_at)?;
            let (agency, number) = (&first.request.agency, first.request.number);
            let mut counters = txn.open_table(REQUEST_COUNTERS)?;
            let counter = keys::request_counter(agency, number.year());
            let last = counters
                .get(counter.as_str())?
                .map_or(0, |last| last.value());
            let mut requests = txn.open_table(REQUESTS)?;
            let key = keys::request(agency, number);
            if last + 1 != number.seq() || requests.get(key.as_str())?.is_some() || entry.seq != 1 {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(REQUEST_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::request_history(agency, number, seq)
            })?;
            counters.insert(counter.as_str(), number.seq())?;
            put(&mut requests, &key, &first)
        })
        .await
    }

    async fn get_request(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
    ) -> Result<Option<StoredRequest>, StoreError> {
        let key = keys::request(agency, number);
        self.read(move |txn| get(&txn.open_table(REQUESTS)?, &key))
            .await
    }

    async fn update_request(
        &self,
        next: &StoredRequest,
        expected_version: u64,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let (next, entry, idempotency) = (next.clone(), entry.clone(), idempotency.cloned());
        self.write(move |txn| {
            keep_idempotent(txn, idempotency.as_ref(), next.request.updated_at)?;
            let (agency, number) = (&next.request.agency, next.request.number);
            let mut requests = txn.open_table(REQUESTS)?;
            let key = keys::request(agency, number);
            let current: Option<StoredRequest> = get(&requests, &key)?;
            if current.as_ref().map(|c| c.request.version) != Some(expected_version)
                || current.as_ref().map_or(0, |c| c.head.seq) + 1 != entry.seq
            {
                return Err(StoreError::ConditionFailed);
            }
            let mut history = txn.open_table(REQUEST_HISTORY)?;
            append_to(&mut history, &entry, |seq| {
                keys::request_history(agency, number, seq)
            })?;
            put(&mut requests, &key, &next)
        })
        .await
    }

    async fn request_history(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        let range = keys::request_history_from(agency, number, after_seq.unwrap_or(0) + 1);
        self.read(move |txn| {
            let items = read_range(&txn.open_table(REQUEST_HISTORY)?, range, limit)?;
            Ok(Page::from_overfetch(items, limit, |entry: &AuditEntry| {
                entry.seq
            }))
        })
        .await
    }

    async fn list_requests(
        &self,
        agency: &AgencyId,
        listing: RequestListing,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<StoredRequest, String>, StoreError> {
        // An agency's requests are few enough (thousands a year) to read and order here.
        let range = keys::requests_of(agency);
        let after = after.map(str::to_owned);
        self.read(move |txn| {
            let table = txn.open_table(REQUESTS)?;
            let mut theirs = Vec::new();
            for entry in table.range(range.start.as_str()..range.end.as_str())? {
                let (_, value) = entry?;
                theirs.push(super::decode::<StoredRequest>(value.value())?);
            }
            Ok(listing.page_of(theirs, limit, after.as_deref()))
        })
        .await
    }
}
