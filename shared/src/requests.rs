//! What the records-request routes share: the agency's calendar, on which numbers and due
//! dates are worked out; finding a request, reading its chain, knowing its requester;
//! answering with one.

use http::StatusCode;
use http::header::ETAG;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::json;

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::{PublicRequest, Reply};
use crate::model::{
    AgencyId, AgencyProfile, AuditEntry, DeadlineRules, Reader, RecordsRequest, RequestNumber,
    StoredRequest, TrackingToken, Wait,
};
use crate::store::RequestStore;

/// An agency's time zone and deadline rules.
pub struct AgencyCalendar {
    zone: TimeZone,
    rules: DeadlineRules,
}

impl AgencyCalendar {
    /// The calendar `profile` sets. Its zone was checked when the profile was written, so
    /// an unknown one is our fault (a 500), not the caller's.
    pub fn of(profile: &AgencyProfile) -> Result<Self, ApiError> {
        let zone = TimeZone::get(&profile.timezone)
            .map_err(|e| ApiError::Internal(format!("the agency's time zone: {e}")))?;
        Ok(Self {
            zone,
            rules: profile.requests.deadline.clone(),
        })
    }

    /// The agency's year at `at`: the one a request arriving then is numbered in.
    pub fn year_of(&self, at: Timestamp) -> i16 {
        jiff::Timestamp::from_millisecond(at.as_millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .year()
    }

    /// When a request received at `received_at` is due, having waited as `waits` says,
    /// extended or not; `None` while the clock is stopped.
    pub fn due_date(&self, received_at: Timestamp, waits: &[Wait], extended: bool) -> Option<Date> {
        self.rules
            .due_date(received_at, &self.zone, waits, extended)
    }

    /// When `request` is due, as it stands.
    pub fn due_date_of(&self, request: &RecordsRequest) -> Option<Date> {
        self.due_date(
            request.received_at,
            &request.waits,
            request.extension.is_some(),
        )
    }
}

/// Request `number` of `agency`; 404 if there is none (another agency's is none).
pub async fn find_request<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    number: RequestNumber,
) -> Result<StoredRequest, ApiError> {
    store
        .get_request(agency, number)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `request` as staff see it, with `status` and its `ETag`.
pub fn request_reply(status: StatusCode, request: &RecordsRequest) -> Reply {
    Reply::new(status, Some(json!(request))).header(ETAG, request.etag())
}

/// Most chain entries a request page reads: its messages are bounded, and so are the
/// changes staff make in a request's life.
const CHAIN_PAGES: usize = 20;
/// Entries per read of a chain.
const CHAIN_PAGE: usize = 100;

/// The chain of request `number` of `agency`, oldest first (its first
/// [`CHAIN_PAGES`] × [`CHAIN_PAGE`] entries).
pub async fn read_chain<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    number: RequestNumber,
) -> Result<Vec<AuditEntry>, ApiError> {
    let mut entries = Vec::new();
    let mut after = None;
    for _ in 0..CHAIN_PAGES {
        let page = store
            .request_history(agency, number, CHAIN_PAGE, after)
            .await?;
        entries.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(entries)
}

/// Who reads `stored` through public `request`: its requester when the request carries
/// its tracking token, anyone when it carries none. A token that is not this request's
/// is a 401: the requester's link is wrong, and saying so is all it learns.
pub fn reader_of(request: &PublicRequest, stored: &StoredRequest) -> Result<Reader, ApiError> {
    match request.tracking_token()? {
        None => Ok(Reader::Public),
        Some(token) if TrackingToken::matches(token, &stored.tracking_digest) => {
            Ok(Reader::Requester)
        }
        Some(_) => Err(ApiError::Unauthorized(
            "the tracking token is not this request's".into(),
        )),
    }
}
