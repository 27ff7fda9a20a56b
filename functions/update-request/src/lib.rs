//! `PATCH /requests/{number}`: staff act on a records request (assign it, ask for a
//! clarification, extend it once, summarize it, close it), only if `If-Match` names its
//! current version; the new version and the next link of its chain land in one write.
//! The requester is told of a clarification asked, the extension and the closing.

use lambda_http::http::StatusCode;
use shared::NoticeDeps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{RequestNumber, RequestPatch};
use shared::notices::Mailer;
use shared::requests::{AgencyCalendar, find_request, profile_of, request_reply};
use shared::store::{Store, retry};

/// Answers `PATCH /requests/{number}`.
pub async fn handle<S: Store, M: Mailer>(
    request: ApiRequest,
    deps: &NoticeDeps<S, M>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Edit)?;
    let number = request.path("number", RequestNumber::parse)?;
    let condition = request.if_match()?;
    let patch = RequestPatch::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    if let Some(original) = patch.closing.as_ref().and_then(|c| c.duplicate_of) {
        // A duplicate names a request of the same agency that exists.
        if deps
            .store
            .get_request(&caller.agency, original)
            .await?
            .is_none()
        {
            return Err(ApiError::invalid(
                "closing",
                format!("duplicate_of: there is no request {original}"),
            ));
        }
    }
    let profile = profile_of(&deps.store, &caller.agency).await?;
    let calendar = AgencyCalendar::of(&profile)?;

    // Another change landing first fails the write: read again, and go on only if
    // `If-Match` still holds (it does for `*`; a named version is then gone: 412).
    for _ in retry::attempts() {
        let current = find_request(&deps.store, &caller.agency, number).await?;
        if !condition.matches_strong(&current.request.etag()) {
            return Err(ApiError::PreconditionFailed);
        }
        let next = patch
            .apply(&current.request, request.now, &caller.sub, |r| {
                calendar.due_date_of(r)
            })
            .map_err(ApiError::Conflict)?;
        let Some((next, entry)) = current.revise(next, request.now, &caller.sub) else {
            return Ok(request_reply(StatusCode::OK, &current.request));
        };
        let written = deps
            .store
            .update_request(&next, current.request.version, &entry, None)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            deps.notices
                .tell_requester(&profile, Some(&current.request), &next.request)
                .await;
            return Ok(request_reply(StatusCode::OK, &next.request));
        }
    }
    Err(ApiError::Conflict(
        "The request kept changing while it was updated; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
