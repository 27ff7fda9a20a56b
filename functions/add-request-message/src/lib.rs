//! `POST /requests/{number}/messages`: staff write on a records request, for anyone
//! (`public`), for its requester (`requester`) or for staff (`internal`). The message is
//! the next link of the request's chain, written with the request's next version.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{NewMessage, RequestMessage, RequestNumber};
use shared::requests::{AgencyCalendar, find_request};
use shared::store::{Store, retry};

/// Answers `POST /requests/{number}/messages`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let number = request.path("number", RequestNumber::parse)?;
    let message =
        NewMessage::from_staff_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    // An agency without a profile takes no requests, so has none to write on.
    let profile = deps
        .store
        .get_agency(&caller.agency)
        .await?
        .ok_or(ApiError::NotFound)?;
    let calendar = AgencyCalendar::of(&profile.profile)?;
    // A message does not depend on the version it follows: lost to another change, it is
    // written again after it.
    for _ in retry::attempts() {
        let current = find_request(&deps.store, &caller.agency, number).await?;
        let (next, entry) = current
            .with_message(&message, request.now, &caller.sub, |r| {
                calendar.due_date_of(r)
            })
            .map_err(ApiError::Conflict)?;
        let written = deps
            .store
            .update_request(&next, current.request.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            let written = RequestMessage::of(&entry)
                .ok_or_else(|| ApiError::Internal("a message entry without its message".into()))?;
            return Ok(Reply::new(
                StatusCode::CREATED,
                Some(serde_json::json!(written)),
            ));
        }
    }
    Err(ApiError::Conflict(
        "The request kept changing while the message was written; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
