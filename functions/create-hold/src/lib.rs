//! `POST /holds`: an officer opens a named legal hold (`{name, reason}`), covering no
//! record yet, with the first entry of its own audit chain.

use lambda_http::http::StatusCode;
use lambda_http::http::header::LOCATION;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::holds::hold_reply;
use shared::http::{ApiRequest, Reply};
use shared::model::{HoldBody, HoldId, StoredHold};
use shared::store::{HoldStore, StoreError};

/// Answers `POST /holds`.
pub async fn handle<S: HoldStore>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let (caller, now) = (&request.caller, request.now);
    caller.require(Permission::Manage)?;
    let body = HoldBody::from_json(&request.json()?).map_err(ApiError::invalid_fields)?;
    let id = HoldId::generate(now);
    let (stored, entry) = StoredHold::create(id, caller.agency.clone(), body, now, &caller.sub);
    match deps.store.create_hold(&stored, &entry).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => {
            return Err(ApiError::Internal("hold id collision".into()));
        }
        Err(error) => return Err(error.into()),
    }
    let hold = &stored.hold;
    Ok(hold_reply(StatusCode::CREATED, hold).header(LOCATION, format!("/holds/{}", hold.id)))
}

#[cfg(test)]
mod tests;
