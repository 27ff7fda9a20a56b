//! `GET /requests`: the staff queue of the caller's agency's records requests, due soonest
//! first (closed ones, asked for with `status=closed`, newest first), filtered by status,
//! assignee, due date and lateness, paged with a signed cursor.

use serde::Deserialize;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::paging::Paging;
use shared::requests::{AgencyCalendar, QueueFilter, list_kept};
use shared::store::{Page, Store};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    status: Option<String>,
    assignee: Option<String>,
    due_before: Option<String>,
    overdue: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Answers `GET /requests`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let query: Query = request.query()?;
    let filter = QueueFilter::from_params(
        query.status.as_deref(),
        query.assignee.as_deref(),
        query.due_before.as_deref(),
        query.overdue.as_deref(),
    )?;
    let scope = format!("requests|{}|{}", caller.agency, filter.scope());
    let paging: Paging<'_, String> = Paging::open(
        &deps.cursors,
        scope,
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )?;
    // An agency without a profile takes no requests: its queue is empty.
    let Some(profile) = deps.store.get_agency(&caller.agency).await? else {
        return Ok(paging.reply(&Page::<(), String> {
            items: Vec::new(),
            next: None,
        }));
    };
    let today = AgencyCalendar::of(&profile.profile)?.date_of(request.now);
    let page = list_kept(
        &deps.store,
        &caller.agency,
        filter.listing(),
        paging.limit,
        paging.after.clone(),
        |r| filter.keeps(r, today),
    )
    .await?;
    let page = Page {
        items: page
            .items
            .into_iter()
            .map(|stored| stored.request)
            .collect::<Vec<_>>(),
        next: page.next,
    };
    Ok(paging.reply(&page))
}

#[cfg(test)]
mod tests;
