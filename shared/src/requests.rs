//! What the records-request routes share: the agency's calendar, on which numbers and due
//! dates are worked out; finding a request; answering with one.

use http::StatusCode;
use http::header::ETAG;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::json;

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{
    AgencyId, AgencyProfile, DeadlineRules, RecordsRequest, RequestNumber, StoredRequest, Wait,
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
