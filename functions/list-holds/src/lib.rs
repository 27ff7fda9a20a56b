//! `GET /holds`: every named legal hold of the caller's agency, released ones too, oldest
//! first. Officers and auditors: a hold names litigation the agency may not announce.

use lambda_http::http::StatusCode;
use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::store::HoldStore;

/// Answers `GET /holds`.
pub async fn handle<S: HoldStore>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    request.caller.require(Permission::ReadHistory)?;
    let holds = deps.store.list_holds(&request.caller.agency).await?;
    Ok(Reply::new(StatusCode::OK, Some(json!({"items": holds}))))
}

#[cfg(test)]
mod tests;
