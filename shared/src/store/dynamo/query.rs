//! Paging through a listing index, newest first, with or without a filter that DynamoDB
//! applies after reading (and so after `Limit`): the staff listings and the public one.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::DynamoStore;
use super::item::decode_record;
use super::keys::Listing;
use crate::model::{AgencyId, Record};
use crate::store::{ListPosition, Page, StoreError};

/// Queries one list page may issue before it returns what it has, with a cursor:
/// bounds the cost of a page whose filter matches few records.
const MAX_QUERIES_PER_PAGE: usize = 5;
/// Items read per query when a filter may discard some.
const FILTERED_QUERY_LIMIT: i32 = 100;

/// A listing query ready to page through.
pub(super) struct ListingQuery {
    /// The listing (index and keys) it reads.
    pub listing: Listing,
    /// Its key condition, filter and values, newest first.
    pub query: QueryFluentBuilder,
    /// Whether a filter expression may discard items read.
    pub filtered: bool,
    /// The position just after a record, in this listing's order.
    pub position_of: fn(&Record) -> ListPosition,
}

impl DynamoStore {
    /// Up to `limit` records of `page`'s listing of `agency` after `after`: full pages
    /// when unfiltered (one more item read tells whether another page follows); with a
    /// filter, at most [`MAX_QUERIES_PER_PAGE`] queries, then a short page with a cursor
    /// where reading stopped.
    pub(super) async fn list_page(
        &self,
        agency: &AgencyId,
        page: ListingQuery,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> Result<Page<Record, ListPosition>, StoreError> {
        let ListingQuery {
            listing,
            query,
            filtered,
            position_of,
        } = page;
        let mut start = after
            .map(|position| listing.start_after(agency, position))
            .transpose()?;
        let mut items = Vec::with_capacity(limit);
        for _ in 0..MAX_QUERIES_PER_PAGE {
            let wanted = limit - items.len();
            let query_limit = if filtered {
                FILTERED_QUERY_LIMIT
            } else {
                i32::try_from(wanted + 1).unwrap_or(i32::MAX)
            };
            let query = query
                .clone()
                .limit(query_limit)
                .set_exclusive_start_key(start.take());
            let output = self.run_query(query, decode_record).await?;
            let mut read = output.items.into_iter();
            items.extend(read.by_ref().take(wanted).map(|stored| stored.record));
            if items.len() == limit {
                let more = read.next().is_some() || output.last_key.is_some();
                let next = more.then(|| items.last().map(position_of)).flatten();
                return Ok(Page { items, next });
            }
            match output.last_key {
                None => return Ok(Page { items, next: None }),
                Some(key) => start = Some(key),
            }
        }
        // Read budget spent with the page short: hand back where reading stopped.
        let next = start.map(|key| listing.position_of(&key)).transpose()?;
        Ok(Page { items, next })
    }
}
