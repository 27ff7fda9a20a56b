//! `GET /requests/{number}`: one records request of the caller's agency, as staff see it
//! (the requester's email included), with its ETag; `If-None-Match` gives 304.

use lambda_http::http::StatusCode;
use lambda_http::http::header::ETAG;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::RequestNumber;
use shared::requests::{find_request, request_reply};
use shared::store::Store;

/// Answers `GET /requests/{number}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    request.caller.require(Permission::Read)?;
    let number = request.path("number", RequestNumber::parse)?;
    let found = find_request(&deps.store, &request.caller.agency, number)
        .await?
        .request;
    if request
        .if_none_match()?
        .is_some_and(|tags| tags.matches_weak(&found.etag()))
    {
        return Ok(Reply::empty(StatusCode::NOT_MODIFIED).header(ETAG, found.etag()));
    }
    Ok(request_reply(StatusCode::OK, &found))
}

#[cfg(test)]
mod tests;
