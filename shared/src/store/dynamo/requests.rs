//! Records requests: one item per request (the request as JSON beside the attributes its
//! conditions test), its history in the same partition, and one counter item per agency
//! and year that each creation moves by one in the same transaction.

use super::DynamoStore;
use super::item::{Fields, Item, number, s};
use super::keys::{
    COUNTER_SK, PARTITION_KEY, REQUEST_SK, SORT_KEY, primary, request_counter_pk, request_listing,
    request_pk,
};
use crate::model::{AgencyId, AuditEntry, RequestNumber, StoredRequest};
use crate::store::{IdempotentResponse, Page, RequestListing, RequestStore, StoreError};

/// The counter's attribute: the last number given.
const LAST_NUMBER: &str = "last_number";

fn request_item(stored: &StoredRequest) -> Result<Item, StoreError> {
    let request = &stored.request;
    let data = serde_json::to_string(stored).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut item = Item::new();
    // Each listing that holds it indexes it under its sort key (a closed request leaves
    // the open one: its attributes are gone).
    for listing in [RequestListing::All, RequestListing::Open] {
        if listing.holds(request) {
            let (_, pk_name, sk_name, pk) = request_listing(&request.agency, listing);
            item.insert(pk_name.into(), s(pk));
            item.insert(sk_name.into(), s(listing.sort_key(request)));
        }
    }
    item.extend(Item::from([
        (
            PARTITION_KEY.into(),
            s(request_pk(&request.agency, request.number)),
        ),
        (SORT_KEY.into(), s(REQUEST_SK)),
        ("version".into(), number(request.version)),
        ("audit_seq".into(), number(stored.head.seq)),
        ("data".into(), s(data)),
    ]));
    Ok(item)
}

fn decode_request(item: &Item) -> Result<StoredRequest, StoreError> {
    serde_json::from_str(Fields(item).str("data")?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl RequestStore for DynamoStore {
    async fn last_request_number(&self, agency: &AgencyId, year: i16) -> Result<u32, StoreError> {
        let item = self
            .get_item(primary(request_counter_pk(agency, year), COUNTER_SK))
            .await?;
        item.map_or(Ok(0), |item| Fields(&item).num(LAST_NUMBER))
    }

    async fn create_request(
        &self,
        first: &StoredRequest,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let request = &first.request;
        let seq = request.number.seq();
        if entry.seq != 1 {
            return Err(StoreError::ConditionFailed);
        }
        let counter = Item::from([
            (
                PARTITION_KEY.into(),
                s(request_counter_pk(&request.agency, request.number.year())),
            ),
            (SORT_KEY.into(), s(COUNTER_SK)),
            (LAST_NUMBER.into(), number(seq)),
        ]);
        // The counter must be right behind this number: two creations of one number, or
        // one that skips a number, cannot both pass.
        let counter = if seq == 1 {
            self.put(counter, "attribute_not_exists(pk)", &[])?
        } else {
            self.put(
                counter,
                "last_number = :previous",
                &[(":previous", number(seq - 1))],
            )?
        };
        let pk = request_pk(&request.agency, request.number);
        let mut items = vec![
            counter,
            self.put(request_item(first)?, "attribute_not_exists(pk)", &[])?,
            self.put_chain_entry(pk, entry)?,
        ];
        if let Some(response) = idempotency {
            items.push(self.put_idempotent(response, request.received_at)?);
        }
        let idempotency_index = idempotency.map(|_| items.len() - 1);
        self.transact(items, entry, idempotency_index).await
    }

    async fn get_request(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
    ) -> Result<Option<StoredRequest>, StoreError> {
        let item = self
            .get_item(primary(request_pk(agency, number), REQUEST_SK))
            .await?;
        item.as_ref().map(decode_request).transpose()
    }

    async fn update_request(
        &self,
        next: &StoredRequest,
        expected_version: u64,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> Result<(), StoreError> {
        let request = &next.request;
        let mut items = vec![
            self.put(
                request_item(next)?,
                "version = :expected AND audit_seq = :seq",
                &[
                    (":expected", number(expected_version)),
                    (":seq", number(entry.seq.saturating_sub(1))),
                ],
            )?,
            self.put_chain_entry(request_pk(&request.agency, request.number), entry)?,
        ];
        if let Some(response) = idempotency {
            items.push(self.put_idempotent(response, request.updated_at)?);
        }
        let idempotency_index = idempotency.map(|_| items.len() - 1);
        self.transact(items, entry, idempotency_index).await
    }

    async fn request_history(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<Page<AuditEntry, u64>, StoreError> {
        self.chain_page(request_pk(agency, number), limit, after_seq)
            .await
    }

    async fn list_requests(
        &self,
        agency: &AgencyId,
        listing: RequestListing,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<StoredRequest, String>, StoreError> {
        let (index, pk_name, sk_name, pk) = request_listing(agency, listing);
        let mut query = self
            .query()
            .index_name(index)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(!listing.descending())
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        query = match after {
            Some(after) => {
                let past = if listing.descending() { "<" } else { ">" };
                query
                    .key_condition_expression(format!(
                        "{pk_name} = :pk AND {sk_name} {past} :after"
                    ))
                    .expression_attribute_values(":after", s(after))
            }
            None => query.key_condition_expression(format!("{pk_name} = :pk")),
        };
        let items = self.run_query(query, decode_request).await?.items;
        Ok(Page::from_overfetch(
            items,
            limit,
            |stored: &StoredRequest| listing.sort_key(&stored.request),
        ))
    }
}
