//! What the public routes share: finding what anyone may read, and answering with it so
//! that caches may keep it.
//!
//! Everything a public route cannot show answers as [`ApiError::NotFound`], the same
//! problem whatever the reason: no such agency or agency without a profile, no such record,
//! a record that is not publicly visible, a document that is not available.

use http::StatusCode;
use http::header::{CACHE_CONTROL, ETAG};
use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::{PublicRequest, Reply};
use crate::model::{
    AgencyId, Document, DocumentId, PublicAgency, PublicDocument, PublicRecord, Record, RecordId,
    is_publicly_visible, sha256_hex,
};
use crate::store::{AgencyStore, DocumentStore, RecordStore};

/// How long a shared cache may keep a public answer.
pub const CACHE_CONTROL_OK: &str = "public, max-age=60";

/// The public profile of `agency`; 404 while it has none (an agency appears publicly only
/// once it has a profile).
pub async fn find_agency<S: AgencyStore>(
    store: &S,
    agency: &AgencyId,
) -> Result<PublicAgency, ApiError> {
    let stored = store.get_agency(agency).await?.ok_or(ApiError::NotFound)?;
    Ok(PublicAgency::from(&stored.profile))
}

/// Record `id` of `agency` if anyone may read it; 404 otherwise.
pub async fn find_record<S: AgencyStore + RecordStore>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<Record, ApiError> {
    find_agency(store, agency).await?;
    store
        .get_record(agency, id)
        .await?
        .map(|stored| stored.record)
        .filter(is_publicly_visible)
        .ok_or(ApiError::NotFound)
}

/// The public view of record `id` of `agency`, with its available documents; 404 unless
/// anyone may read it.
pub async fn record_view<S: AgencyStore + RecordStore + DocumentStore>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<PublicRecord, ApiError> {
    let record = find_record(store, agency, id).await?;
    let documents = crate::store::all_documents(store, agency, id).await?;
    PublicRecord::of(&record, &documents).ok_or(ApiError::NotFound)
}

/// Document `id` of record `record` of `agency`, if it is available and the record
/// publicly visible; 404 otherwise.
pub async fn find_document<S: AgencyStore + RecordStore + DocumentStore>(
    store: &S,
    agency: &AgencyId,
    record: &RecordId,
    id: &DocumentId,
) -> Result<Document, ApiError> {
    find_record(store, agency, record).await?;
    store
        .get_document(agency, record, id)
        .await?
        .filter(|document| PublicDocument::of(document).is_some())
        .ok_or(ApiError::NotFound)
}

/// The instants of `year` in `timezone` (an IANA name): from its first midnight, to the
/// next year's. A zone the profile names always exists (it was checked when written).
pub fn year_window(year: i16, timezone: &str) -> Result<(Timestamp, Timestamp), ApiError> {
    let zone = jiff::tz::TimeZone::get(timezone)
        .map_err(|e| ApiError::Internal(format!("the agency's time zone: {e}")))?;
    let start_of = |year: i16| {
        jiff::civil::date(year, 1, 1)
            .to_zoned(zone.clone())
            .map(|zoned| Timestamp::from_millis(zoned.timestamp().as_millisecond()))
            .map_err(|e| ApiError::Internal(format!("the start of {year}: {e}")))
    };
    Ok((start_of(year)?, start_of(year + 1)?))
}

/// `body` as a public answer: 200 with a strong `ETag` over its bytes (so a document that
/// became available changes it, though the record's version did not), or 304 when
/// `If-None-Match` names it; cacheable by anyone for a minute either way.
pub fn cacheable(request: &PublicRequest, body: &impl Serialize) -> Result<Reply, ApiError> {
    let value = serde_json::to_value(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let etag = etag_of(value.to_string().as_bytes());
    let reply = if request
        .if_none_match()?
        .is_some_and(|tags| tags.matches_weak(&etag))
    {
        Reply::empty(StatusCode::NOT_MODIFIED)
    } else {
        Reply::ok(value)
    };
    Ok(reply
        .header(ETAG, etag)
        .header(CACHE_CONTROL, CACHE_CONTROL_OK))
}

/// A strong entity tag for `bytes`: the first 128 bits of their SHA-256, in hex.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = sha256_hex(bytes);
    format!("\"{}\"", digest.get(..32).unwrap_or(&digest))
}
