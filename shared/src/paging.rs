//! Paged listings, the same way on every route: `limit` (1 to [`MAX_PAGE_SIZE`], default
//! [`DEFAULT_PAGE_SIZE`]) and an opaque `cursor` in, `{items, next_cursor}` out. A cursor
//! is signed for a scope that names the agency and everything else that shapes the
//! result, so it cannot be replayed against another agency or with other filters.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::cursor::CursorKey;
use crate::error::ApiError;
use crate::http::Reply;
use crate::store::Page;

/// Page size when `limit` is not given.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Largest `limit` accepted.
pub const MAX_PAGE_SIZE: usize = 100;

/// The query of a plain paginated route: `?limit=&cursor=`, nothing else.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size.
    pub limit: Option<String>,
    /// Where to continue.
    pub cursor: Option<String>,
}

/// One page asked for: how many items, and after which position `P`.
#[derive(Debug)]
pub struct Paging<'a, P> {
    /// Items wanted, 1 to [`MAX_PAGE_SIZE`].
    pub limit: usize,
    /// Where the page starts; `None` for the first page.
    pub after: Option<P>,
    cursors: &'a CursorKey,
    scope: String,
}

impl<'a, P: Serialize + DeserializeOwned> Paging<'a, P> {
    /// The page `limit` and `cursor` ask for, in `scope` (a cursor issued for another
    /// scope, or forged, is a 400).
    pub fn open(
        cursors: &'a CursorKey,
        scope: String,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                    )
                })?,
        };
        let after = cursor
            .map(|cursor| {
                cursors
                    .open(&scope, cursor)
                    .map_err(|_| ApiError::invalid("cursor", "is not a cursor this query issued"))
            })
            .transpose()?;
        Ok(Self {
            limit,
            after,
            cursors,
            scope,
        })
    }

    /// `{items, next_cursor}` for `page`, its next position sealed in this scope.
    pub fn reply<T: Serialize>(&self, page: &Page<T, P>) -> Reply {
        Reply::ok(self.body(page))
    }

    /// The body of [`Self::reply`].
    pub fn body<T: Serialize>(&self, page: &Page<T, P>) -> Value {
        let next_cursor = page
            .next
            .as_ref()
            .map(|position| self.cursors.seal(&self.scope, position));
        json!({
            "items": page.items,
            "next_cursor": next_cursor.map_or(Value::Null, Value::from),
        })
    }
}

impl PageQuery {
    /// [`Paging::open`] with this query's `limit` and `cursor`.
    pub fn open<'a, P: Serialize + DeserializeOwned>(
        &self,
        cursors: &'a CursorKey,
        scope: String,
    ) -> Result<Paging<'a, P>, ApiError> {
        Paging::open(
            cursors,
            scope,
            self.limit.as_deref(),
            self.cursor.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_checked_and_scoped() {
        let key = CursorKey::new(b"test-only-cursor-secret-0123456789abcdef");
        let first: Paging<'_, u64> = Paging::open(&key, "a".into(), None, None).unwrap();
        assert_eq!((first.limit, first.after), (DEFAULT_PAGE_SIZE, None));
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(
                Paging::<u64>::open(&key, "a".into(), Some(bad), None).is_err(),
                "{bad}"
            );
        }
        let reply = first.reply(&Page {
            items: vec!["x"],
            next: Some(7u64),
        });
        let cursor = reply.body.unwrap()["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let next: Paging<'_, u64> =
            Paging::open(&key, "a".into(), Some("1"), Some(&cursor)).unwrap();
        assert_eq!((next.limit, next.after), (1, Some(7)));
        assert!(Paging::<u64>::open(&key, "b".into(), None, Some(&cursor)).is_err());
    }
}
