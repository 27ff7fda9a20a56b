//! `POST /requests/{number}/messages`: staff write on a records request, for anyone
//! (`public`), for its requester (`requester`) or for staff (`internal`). The message is
//! the next link of the request's chain, written with the request's next version; with
//! `Idempotency-Key`, a retry gets the first answer and writes nothing again.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::idempotency::Idempotency;
use shared::model::{NewMessage, RequestMessage, RequestNumber};
use shared::requests::{append_to_request, calendar_of, find_request};
use shared::store::Store;

/// Answers `POST /requests/{number}/messages`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let number = request.path("number", RequestNumber::parse)?;
    let body = request.json()?;
    let idempotency = Idempotency::of(&request, &body)?;
    let message = NewMessage::from_staff_json(&body).map_err(ApiError::invalid_fields)?;
    let calendar = calendar_of(&deps.store, &caller.agency).await?;
    let found = find_request(&deps.store, &caller.agency, number).await?;
    append_to_request(
        &deps.store,
        found,
        (&idempotency, request.now),
        |current| {
            current
                .with_message(&message, request.now, &caller.sub, |r| {
                    calendar.due_date_of(r)
                })
                .map_err(ApiError::Conflict)
        },
        |_, entry| {
            let written = RequestMessage::of(entry)
                .ok_or_else(|| ApiError::Internal("a message entry without its message".into()))?;
            Ok(Reply::new(
                StatusCode::CREATED,
                Some(serde_json::json!(written)),
            ))
        },
    )
    .await
}

#[cfg(test)]
mod tests;
