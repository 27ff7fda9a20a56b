//! `GET /disposition/lists`: the caller's agency's destruction lists, one a month, newest
//! first, each with how many records it listed. Officers and auditors.

use lambda_http::http::StatusCode;
use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::store::DispositionStore;

/// Answers `GET /disposition/lists`.
pub async fn handle<S: DispositionStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    request.caller.require(Permission::ReadHistory)?;
    let lists = deps.store.list_dispositions(&request.caller.agency).await?;
    Ok(Reply::new(StatusCode::OK, Some(json!({"items": lists}))))
}

#[cfg(test)]
mod tests;
