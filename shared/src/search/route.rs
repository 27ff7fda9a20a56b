//! What the two search routes share: their dependencies, their common query parameters,
//! paging by position in the ranking, and the answer `{items, next_cursor, total}`.

use std::ops::Deref;

use serde::Deserialize;
use serde_json::Value;

use super::{Audience, Filters, IndexSource, SearchError, SearchQuery};
use crate::Deps;
use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::optional_param;
use crate::model::{AgencyId, is_valid_tag};
use crate::paging::Paging;
use crate::store::Page;

/// Deepest a result list can be paged: ranking further is work nobody reads.
pub const MAX_RESULTS: usize = 1000;

/// What the search routes get: every route's [`Deps`] (which it derefs to), and where the
/// indexes are.
pub struct SearchDeps<S, X> {
    /// What every route gets.
    pub deps: Deps<S>,
    /// The indexes.
    pub indexes: X,
}

impl<S, X> Deref for SearchDeps<S, X> {
    type Target = Deps<S>;

    fn deref(&self) -> &Deps<S> {
        &self.deps
    }
}

impl<S: Sync, X: Sync> crate::http::RouteDeps for SearchDeps<S, X> {
    fn verifier(&self) -> &crate::auth::Verifier {
        &self.deps.verifier
    }

    fn clock(&self) -> &crate::clock::Clock {
        &self.deps.clock
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

/// The query parameters of the search routes, as sent; `status` and `classification` are
/// the staff route's alone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The query, in the query language.
    pub q: Option<String>,
    /// Only records with this tag.
    pub tag: Option<String>,
    /// Only records dated on or after this day.
    pub from: Option<String>,
    /// Only records dated on or before this day.
    pub to: Option<String>,
    /// Results per page.
    pub limit: Option<String>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
    /// Only records in this status (staff).
    pub status: Option<String>,
    /// Only records of this classification (staff).
    pub classification: Option<String>,
}

impl Params {
    /// A 400 if a staff filter was sent to the public route, as for any parameter a route
    /// does not take.
    pub fn public_only(&self) -> Result<(), ApiError> {
        for (name, value) in [
            ("status", &self.status),
            ("classification", &self.classification),
        ] {
            if value.is_some() {
                return Err(ApiError::invalid(
                    "query",
                    format!("unknown field `{name}`"),
                ));
            }
        }
        Ok(())
    }

    /// `q`, parsed; a query that cannot be read is a 400 naming the position.
    pub fn query(&self) -> Result<SearchQuery, ApiError> {
        SearchQuery::parse(self.q.as_deref().unwrap_or_default())
            .map_err(|error| ApiError::invalid("q", error.to_string()))
    }

    /// `tag`, checked, as the tags a hit must carry.
    pub fn tags(&self) -> Result<Vec<String>, ApiError> {
        let tag = optional_param(self.tag.as_deref(), "tag", |tag| {
            is_valid_tag(tag).then(|| tag.to_owned())
        })?;
        Ok(tag.into_iter().collect())
    }

    /// `from` and `to` as the start of `from`'s day and the end of `to`'s, in `timezone`,
    /// in milliseconds.
    pub fn dates(&self, timezone: &str) -> Result<(Option<i64>, Option<i64>), ApiError> {
        let from = self
            .from
            .as_deref()
            .map(|day| day_start("from", day, timezone, false));
        let to = self
            .to
            .as_deref()
            .map(|day| day_start("to", day, timezone, true));
        Ok((from.transpose()?, to.transpose()?))
    }
}

/// The start of day `date` (`YYYY-MM-DD`) in `timezone`, in milliseconds; a 400 naming
/// `field` otherwise. `next_day` gives the start of the following day (an inclusive end).
fn day_start(field: &str, date: &str, timezone: &str, next_day: bool) -> Result<i64, ApiError> {
    let invalid = || ApiError::invalid(field, "must be a date, YYYY-MM-DD, from 1970 to 2285");
    let day: jiff::civil::Date = date.parse().map_err(|_| invalid())?;
    if !(1970..=2285).contains(&day.year()) || date.len() != 10 {
        return Err(invalid());
    }
    let day = if next_day {
        day.tomorrow().map_err(|_| invalid())?
    } else {
        day
    };
    let zone = jiff::tz::TimeZone::get(timezone)
        .map_err(|e| ApiError::Internal(format!("the agency's time zone: {e}")))?;
    let start = day.to_zoned(zone).map_err(|_| invalid())?;
    Ok(Timestamp::from_millis(start.timestamp().as_millisecond()).as_millis())
}

/// One page of `query` under `filters` on `agency`'s index for `audience`, as `params`
/// page it; the cursors are bound to `route`, the agency, the query and the filters.
pub async fn search_page<S, X: IndexSource>(
    deps: &SearchDeps<S, X>,
    route: &str,
    agency: &AgencyId,
    audience: Audience,
    params: &Params,
    (query, filters): (&SearchQuery, &Filters),
) -> Result<Value, ApiError> {
    let scope = format!("{route}|{agency}|{:?}|{:?}", params.q, filters);
    let paging: Paging<'_, usize> = Paging::open(
        &deps.cursors,
        scope,
        params.limit.as_deref(),
        params.cursor.as_deref(),
    )?;
    answer(&deps.indexes, agency, audience, query, filters, &paging).await
}

/// Runs `query` under `filters` on `agency`'s index for `audience`, one page as `paging`
/// asks: `{items, next_cursor, total}` (an agency with no index yet has no results).
async fn answer<X: IndexSource>(
    indexes: &X,
    agency: &AgencyId,
    audience: Audience,
    query: &SearchQuery,
    filters: &Filters,
    paging: &Paging<'_, usize>,
) -> Result<Value, ApiError> {
    let offset = paging.after.unwrap_or(0);
    if offset >= MAX_RESULTS {
        return Err(ApiError::invalid(
            "cursor",
            format!("results are ranked {MAX_RESULTS} deep at most"),
        ));
    }
    let limit = paging.limit.min(MAX_RESULTS - offset);
    let Some(index) = indexes.index(agency, audience).await? else {
        let empty: Page<Value, usize> = Page {
            items: Vec::new(),
            next: None,
        };
        let mut body = paging.body(&empty);
        body["total"] = Value::from(0);
        return Ok(body);
    };
    let (query, filters) = (query.clone(), filters.clone());
    let results =
        tokio::task::spawn_blocking(move || index.search(&query, &filters, offset, limit))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    let end = offset + results.items.len();
    let next = (end < results.total.min(MAX_RESULTS) && !results.items.is_empty()).then_some(end);
    let total = results.total;
    let mut items = results.items;
    if audience == Audience::Staff {
        for hit in &mut items {
            hit.record = current_shape(std::mem::take(&mut hit.record));
        }
    }
    let mut body = paging.body(&Page { items, next });
    body["total"] = Value::from(total);
    Ok(body)
}

/// A staff hit's record as the API shows records now. An index keeps each record as it was
/// serialized when indexed; read back through [`Record`] (whose later fields default), one
/// indexed before a field was added has every field the contract names.
fn current_shape(record: Value) -> Value {
    match serde_json::from_value::<crate::model::Record>(record.clone()) {
        Ok(parsed) => serde_json::json!(parsed),
        Err(_) => record,
    }
}

#[cfg(feature = "s3")]
impl SearchDeps<crate::store::DynamoStore, super::snapshot::SnapshotIndexes> {
    /// Production dependencies of the search routes: the table, token settings, and the
    /// indexes in `INDEX_BUCKET`, sharing one AWS configuration. Nothing is fetched until
    /// a search needs it.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        use crate::config::{Config, IndexConfig};
        let config = Config::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let index = IndexConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store =
            crate::store::DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name);
        let snapshots =
            super::snapshot::SnapshotStore::new(crate::s3_client(&aws), index.bucket, index.prefix);
        let check = std::time::Duration::from_secs(index.check_seconds);
        Ok(Self {
            deps: Deps::new(&config, store, crate::clock::Clock::system()),
            indexes: super::snapshot::SnapshotIndexes::new(snapshots, index.dir, check),
        })
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn a_record_indexed_before_schedules_and_holds_reads_with_their_fields() {
        let old = serde_json::json!({
            "id": "01KBXQ7R5M3N8P2V6W9Y4Z0A1B", "agency": "parks", "title": "Permit",
            "description": "", "classification": "internal", "status": "draft", "tags": [],
            "retention_until": null, "legal_hold": true, "version": 1,
            "created_at": "2026-11-26T10:21:38.000Z", "created_by": "clara",
            "updated_at": "2026-11-26T10:21:38.000Z", "updated_by": "clara",
            "published_at": null
        });
        let now = current_shape(old);
        assert_eq!(now["schedule"], Value::Null);
        assert_eq!(now["archived_at"], Value::Null);
        assert_eq!(now["holds"], serde_json::json!([]));
        assert_eq!(now["legal_hold"], true);
        let unknown = serde_json::json!({"something": "else"});
        assert_eq!(current_shape(unknown.clone()), unknown);
    }
}
