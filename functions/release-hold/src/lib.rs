//! `POST /holds/{id}/release`: an officer releases a hold. It is lifted from each record it
//! covers (each lift one write, on both chains), then released in a write that holds only
//! if it covers nothing: a record placed under it meanwhile is lifted too before it is.
//! At most [`LIFTS_PER_CALL`] records per call: past that the answer is 202 with the hold
//! still active, and the call is repeated. Releasing a released hold changes nothing.

use lambda_http::http::StatusCode;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::{cover_record, find_hold, hold_reply};
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldId, HoldStatus};
use shared::store::{Store, retry};

/// The most records one call lifts (each a transaction), to answer within API Gateway's
/// 30 seconds.
pub const LIFTS_PER_CALL: usize = 200;

/// Answers `POST /holds/{id}/release`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Manage)?;
    let id = request.path("id", HoldId::parse)?;
    let mut lifted = 0;
    for _ in retry::attempts() {
        let hold = find_hold(&deps.store, caller, &id).await?;
        if hold.hold.status == HoldStatus::Released {
            return Ok(hold_reply(StatusCode::OK, &hold.hold));
        }
        loop {
            let page = deps
                .store
                .held_records(&caller.agency, &id, 25, None)
                .await?;
            if page.items.is_empty() {
                break;
            }
            for record in &page.items {
                if lifted == LIFTS_PER_CALL {
                    let now = find_hold(&deps.store, caller, &id).await?;
                    return Ok(hold_reply(StatusCode::ACCEPTED, &now.hold));
                }
                cover_record(&deps.store, caller, &id, record, false, request.now).await?;
                lifted += 1;
            }
        }
        let hold = find_hold(&deps.store, caller, &id).await?;
        let (released, entry) = hold.release(request.now, &caller.sub);
        let written = deps
            .store
            .release_hold(&released, hold.hold.version, &entry)
            .await;
        if let Some(()) = retry::unless_moved(written)? {
            return Ok(hold_reply(StatusCode::OK, &released.hold));
        }
    }
    Err(ApiError::Conflict(
        "Records kept being placed under the hold while it was released; retry.".into(),
    ))
}

#[cfg(test)]
mod tests;
