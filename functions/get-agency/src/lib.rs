//! `GET /agency`: the caller's agency profile, with its ETag; `If-None-Match` gives 304.
//! 404 while the agency has none.

use lambda_http::http::StatusCode;
use lambda_http::http::header::ETAG;
use shared::Deps;
use shared::agencies::profile_reply;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::store::AgencyStore;

/// Answers `GET /agency`.
pub async fn handle<S: AgencyStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    request.caller.require(Permission::Read)?;
    let profile = deps
        .store
        .get_agency(&request.caller.agency)
        .await?
        .ok_or(ApiError::NotFound)?
        .profile;
    if request
        .if_none_match()?
        .is_some_and(|tags| tags.matches_weak(&profile.etag()))
    {
        return Ok(Reply::empty(StatusCode::NOT_MODIFIED).header(ETAG, profile.etag()));
    }
    Ok(profile_reply(StatusCode::OK, &profile))
}

#[cfg(test)]
mod tests;
