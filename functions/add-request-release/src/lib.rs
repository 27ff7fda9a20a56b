//! `POST /requests/{number}/releases`: staff release a document to a records request. Only
//! what anyone may already download is released (an available document of a published,
//! public record of the agency), so the request's public page links to it for everyone.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{NewRelease, RequestNumber};
use shared::public;
use shared::requests::find_request;
use shared::store::{Store, retry};

/// Answers `POST /requests/{number}/releases`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let number = request.path("number", RequestNumber::parse)?;
    let new = NewRelease::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
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
    // A release does not depend on the version it follows: lost to another change, it is
    // written again after it.
    for _ in retry::attempts() {
        let current = find_request(&deps.store, &caller.agency, number).await?;
        let (next, entry) = current
            .with_release(&document, request.now, &caller.sub)
            .map_err(ApiError::Conflict)?;
        let written = deps
            .store
            .update_request(&next, current.request.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            let release = next.request.releases.last();
            return Ok(Reply::new(
                StatusCode::CREATED,
                Some(serde_json::json!(release)),
            ));
        }
    }
    Err(ApiError::Conflict(
        "The request kept changing while the document was released; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
