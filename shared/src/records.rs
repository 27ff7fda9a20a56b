//! What the record routes share: finding a record the caller may see, answering with a
//! record, and paging.

use http::StatusCode;
use http::header::ETAG;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::cursor::CursorKey;
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{Record, RecordId, StoredRecord};
use crate::store::RecordStore;

/// Page size when `limit` is not given.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Largest `limit` accepted.
pub const MAX_PAGE_SIZE: usize = 100;

/// The record `id` if the caller may know it exists; 404 otherwise, whether it is
/// missing, another agency's, or confidential to this caller.
pub async fn find_visible<S: RecordStore>(
    store: &S,
    caller: &Caller,
    id: &RecordId,
) -> Result<StoredRecord, ApiError> {
    store
        .get_record(&caller.agency, id)
        .await?
        .filter(|stored| caller.can_see(&stored.record))
        .ok_or(ApiError::NotFound)
}

/// `record` as the body, with its `ETag`.
pub fn record_reply(status: StatusCode, record: &Record) -> Reply {
    let body = json!(record);
    let reply = match status {
        StatusCode::CREATED => Reply::created(body),
        _ => Reply::ok(body),
    };
    reply.header(ETAG, record.etag())
}

/// The query of a plain paginated route: `?limit=&cursor=`, nothing else.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, checked by [`page_limit`].
    pub limit: Option<String>,
    /// Where to continue, checked by [`open_cursor`].
    pub cursor: Option<String>,
}

/// `limit`: 1 to [`MAX_PAGE_SIZE`], default [`DEFAULT_PAGE_SIZE`].
pub fn page_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )
            }),
    }
}

/// The position in `cursor` (if given), which must have been issued for `scope`.
pub fn open_cursor<T: DeserializeOwned>(
    key: &CursorKey,
    scope: &str,
    cursor: Option<&str>,
) -> Result<Option<T>, ApiError> {
    cursor
        .map(|cursor| {
            key.open(scope, cursor)
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this query issued"))
        })
        .transpose()
}

/// `{items, next_cursor}`, sealing `next` for `scope`.
pub fn page_reply<T: Serialize, P: Serialize>(
    key: &CursorKey,
    scope: &str,
    items: &[T],
    next: Option<&P>,
) -> Reply {
    let next_cursor = next.map(|position| key.seal(scope, position));
    Reply::ok(json!({"items": items, "next_cursor": next_cursor.map_or(Value::Null, Value::from)}))
}
