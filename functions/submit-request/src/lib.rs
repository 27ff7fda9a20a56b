//! `POST /public/agencies/{agency}/requests`: anyone asks an agency for records, no token.
//! The answer holds the request's number (the next of the agency's year, taken with the
//! request in one conditional write), its due date under the agency's own rules, and the
//! tracking token, shown this once. With `Idempotency-Key`, a retry replays that answer.
//! The requester is sent an acknowledgement, if the agency sends them.

use lambda_http::http::header::{CACHE_CONTROL, LOCATION};
use serde_json::json;
use shared::NoticeDeps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::idempotency::Idempotency;
use shared::model::{AgencyId, NewRequest, RequestNumber, StoredRequest, TrackingToken};
use shared::notices::Mailer;
use shared::requests::{AgencyCalendar, profile_of};
use shared::store::{Store, StoreError, retry};

/// How many numbers a submission tries before giving up: each try loses only to another
/// submission that took the number, so this many in a row means a flood.
const NUMBER_ATTEMPTS: usize = 64;

/// Answers `POST /public/agencies/{agency}/requests`.
pub async fn handle<S: Store, M: Mailer>(
    request: PublicRequest,
    deps: &NoticeDeps<S, M>,
) -> Result<Reply, ApiError> {
    let now = request.now;
    let agency = request.path("agency", AgencyId::parse)?;
    let body = request.json()?;
    let idempotency = Idempotency::public(&request, &agency, &body)?;
    let new = NewRequest::from_json(&body).map_err(ApiError::invalid_fields)?;
    // An agency without a profile takes no requests: it does not exist publicly.
    let profile = profile_of(&deps.store, &agency).await?;
    let calendar = AgencyCalendar::of(&profile)?;
    if let Some(first) = idempotency.replay(&deps.store, now).await? {
        return Ok(first);
    }

    let (year, due_date) = (calendar.year_of(now), calendar.due_date(now, &[], false));
    let token = TrackingToken::generate();
    for attempt in 0..NUMBER_ATTEMPTS {
        retry::jitter(attempt).await;
        let last = deps.store.last_request_number(&agency, year).await?;
        let number = RequestNumber::new(year, last + 1)
            .ok_or_else(|| ApiError::Internal(format!("no number after {last} in {year}")))?;
        let (stored, entry) = StoredRequest::receive(&agency, number, &new, &token, due_date, now);
        let reply = Reply::created(json!({
            "number": number,
            "status": stored.request.status,
            "received_at": now,
            "due_date": due_date,
            "tracking_token": token.as_str(),
        }))
        .header(
            LOCATION,
            format!("/public/agencies/{agency}/requests/{number}"),
        )
        // The token is a secret: no cache may keep it.
        .header(CACHE_CONTROL, "no-store");
        let kept = idempotency.keep(&reply, now);
        match deps
            .store
            .create_request(&stored, &entry, kept.as_ref())
            .await
        {
            Ok(()) => {
                // The acknowledgement (number and due date; never the token).
                deps.notices
                    .tell_requester(&profile, None, &stored.request)
                    .await;
                return Ok(reply);
            }
            // Another submission took this number: try the next.
            Err(StoreError::ConditionFailed) => continue,
            Err(StoreError::IdempotencyKeyTaken) => {
                return idempotency.replay_winner(&deps.store, now).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Unavailable(format!(
        "no free request number for {agency} after {NUMBER_ATTEMPTS} tries"
    )))
}

#[cfg(test)]
mod tests;
