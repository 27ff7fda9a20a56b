//! `POST /requests/{number}/releases`: staff release a document to a records request. Only
//! what anyone may already download is released (an available document of a published,
//! public record of the agency), so the request's public page links to it for everyone.
//! With `Idempotency-Key`, a retry gets the first answer.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::idempotency::Idempotency;
use shared::model::{NewRelease, RequestNumber};
use shared::public;
use shared::requests::{append_to_request, find_request};
use shared::store::Store;

/// Answers `POST /requests/{number}/releases`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let number = request.path("number", RequestNumber::parse)?;
    let body = request.json()?;
    let idempotency = Idempotency::of(&request, &body)?;
    let new = NewRelease::from_json(&body).map_err(ApiError::invalid_fields)?;
    // The request first: another agency's, or none, is 404 whatever the document.
    let found = find_request(&deps.store, &caller.agency, number).await?;
    let document = public::find_document(
        &deps.store,
        &caller.agency,
        &new.record_id,
        &new.document_id,
    )
    .await
    .map_err(|error| match error {
        ApiError::NotFound => ApiError::invalid(
            "document_id",
            "is not an available document of a published public record of the agency",
        ),
        other => other,
    })?;
    append_to_request(
        &deps.store,
        found,
        (&idempotency, request.now),
        |current| {
            current
                .with_release(&document, request.now, &caller.sub)
                .map_err(ApiError::Conflict)
        },
        |next, _| {
            let release = next.request.releases.last();
            Ok(Reply::new(
                StatusCode::CREATED,
                Some(serde_json::json!(release)),
            ))
        },
    )
    .await
}

#[cfg(test)]
mod tests;
