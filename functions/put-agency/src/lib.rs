//! `PUT /agency`: writes the caller's agency profile (officers). The first write needs no
//! `If-Match` and answers 201; every later one must name the current version in it. Each
//! write and its entry in the agency's audit chain land in one conditional transaction.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::agencies::profile_reply;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{ProfileBody, StoredAgency};
use shared::store::AgencyStore;

/// Answers `PUT /agency`.
pub async fn handle<S: AgencyStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let body = ProfileBody::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    let current = deps.store.get_agency(&caller.agency).await?;
    let expected_version = match (&current, request.header("if-match")?) {
        (None, None) => None,
        // Nothing is there for a condition to match (RFC 9110, 13.1.1).
        (None, Some(_)) => return Err(ApiError::PreconditionFailed),
        (Some(_), None) => return Err(ApiError::PreconditionRequired),
        (Some(current), Some(_)) => {
            if !request.if_match()?.matches_strong(&current.profile.etag()) {
                return Err(ApiError::PreconditionFailed);
            }
            Some(current.profile.version)
        }
    };
    let revised = StoredAgency::revise(
        current.as_ref(),
        &caller.agency,
        body,
        request.now,
        &caller.sub,
    );
    let Some((next, entry)) = revised else {
        // Unchanged: nothing to write, and `current` is there (a first write changes all).
        let profile = current.map(|c| c.profile).ok_or(ApiError::NotFound)?;
        return Ok(profile_reply(StatusCode::OK, &profile));
    };
    // A concurrent writer moved the version (or wrote the first profile): 412.
    deps.store
        .put_agency(&next, expected_version, &entry)
        .await?;
    let status = match expected_version {
        None => StatusCode::CREATED,
        Some(_) => StatusCode::OK,
    };
    Ok(profile_reply(status, &next.profile))
}

#[cfg(test)]
mod tests;
