//! `GET /schedules`: every retention schedule of the caller's agency, oldest first (an
//! agency has at most a few hundred). Any staff role: clerks file records under them.

use lambda_http::http::StatusCode;
use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::store::ScheduleStore;

/// Answers `GET /schedules`.
pub async fn handle<S: ScheduleStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    request.caller.require(Permission::Read)?;
    let schedules = deps.store.list_schedules(&request.caller.agency).await?;
    Ok(Reply::new(
        StatusCode::OK,
        Some(json!({"items": schedules})),
    ))
}

#[cfg(test)]
mod tests;
