//! `POST /public/agencies/{agency}/requests/{number}/messages`: the requester, holding the
//! tracking token, writes to the agency; an answer to a clarification starts the clock
//! again. Without the token (or with another request's) nothing is written. With
//! `Idempotency-Key` (16+ characters), a retry gets the first answer and writes nothing.

use lambda_http::http::StatusCode;
use lambda_http::http::header::CACHE_CONTROL;
use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::idempotency::Idempotency;
use shared::model::{AgencyId, NewMessage, PublicMessage, REQUESTER, Reader, RequestNumber};
use shared::requests::{append_to_request, calendar_of, find_request, reader_of};
use shared::store::Store;

/// Answers `POST /public/agencies/{agency}/requests/{number}/messages`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let agency = request.path("agency", AgencyId::parse)?;
    let number = request.path("number", RequestNumber::parse)?;
    if request.tracking_token()?.is_none() {
        return Err(ApiError::Unauthorized("no tracking token".into()));
    }
    let body = request.json()?;
    let idempotency = Idempotency::public(&request, &agency, &body)?;
    let message = NewMessage::from_requester_json(&body).map_err(ApiError::invalid_fields)?;
    let calendar = calendar_of(&deps.store, &agency).await?;
    let found = find_request(&deps.store, &agency, number).await?;
    // The token before anything else about the request, a replay included.
    if reader_of(&request, &found)? != Reader::Requester {
        return Err(ApiError::Unauthorized("no tracking token".into()));
    }
    append_to_request(
        &deps.store,
        found,
        (&idempotency, request.now),
        |current| {
            current
                .with_message(&message, request.now, REQUESTER, |r| {
                    calendar.due_date_of(r)
                })
                .map_err(ApiError::Conflict)
        },
        |_, _| {
            let written = PublicMessage {
                at: request.now,
                from: REQUESTER,
                visibility: message.visibility,
                body: message.body.clone(),
            };
            Ok(
                Reply::new(StatusCode::CREATED, Some(serde_json::json!(written)))
                    .header(CACHE_CONTROL, "private, no-store"),
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests;
