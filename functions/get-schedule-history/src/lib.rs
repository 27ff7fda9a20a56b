//! `GET /schedules/{id}/history`: a retention schedule's chain, oldest first, a deleted
//! schedule's too, re-verifiable from this response alone (auditors and officers).

use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::ScheduleId;
use shared::paging::PageQuery;
use shared::store::ScheduleStore;

/// Answers `GET /schedules/{id}/history`.
pub async fn handle<S: ScheduleStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", ScheduleId::parse)?;
    let query: PageQuery = request.query()?;
    let scope = format!("schedule-history|{}|{id}", caller.agency);
    let paging = query.open::<u64>(&deps.cursors, scope)?;
    let page = deps
        .store
        .schedule_history(&caller.agency, &id, paging.limit, paging.after)
        .await?;
    if page.items.is_empty() && paging.after.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
