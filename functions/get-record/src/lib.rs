//! `GET /records/{id}`: one record, with its ETag; `If-None-Match` gives 304. A destroyed
//! record answers 410 with its tombstone.

use lambda_http::http::StatusCode;
use lambda_http::http::header::ETAG;
use shared::Deps;
use shared::auth::Permission;
use shared::disposition::missing_record;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::RecordId;
use shared::records::{find_visible, record_reply};
use shared::store::Store;

/// Answers `GET /records/{id}`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    request.caller.require(Permission::Read)?;
    let id = request.path("id", RecordId::parse)?;
    let record = match find_visible(&deps.store, &request.caller, &id).await {
        Ok(stored) => stored.record,
        Err(ApiError::NotFound) => {
            return Err(missing_record(&deps.store, &request.caller, &id).await);
        }
        Err(error) => return Err(error),
    };
    if request
        .if_none_match()?
        .is_some_and(|tags| tags.matches_weak(&record.etag()))
    {
        return Ok(Reply::empty(StatusCode::NOT_MODIFIED).header(ETAG, record.etag()));
    }
    Ok(record_reply(StatusCode::OK, &record))
}

#[cfg(test)]
mod tests;
