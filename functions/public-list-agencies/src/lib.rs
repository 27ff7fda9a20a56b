//! `GET /public/agencies`: the agencies that have a profile, by id, paged; no token.

use shared::Deps;
use shared::error::ApiError;
use shared::http::{PublicRequest, Reply};
use shared::model::{AgencyId, PublicAgencySummary};
use shared::paging::{PageQuery, Paging};
use shared::public;
use shared::store::{Page, Store};

/// Answers `GET /public/agencies`.
pub async fn handle<S: Store>(request: PublicRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let query: PageQuery = request.query()?;
    let paging: Paging<'_, AgencyId> = query.open(&deps.cursors, "public-agencies".into())?;
    let page = deps
        .store
        .list_agencies(paging.limit, paging.after.as_ref())
        .await?;
    let page = Page {
        items: page.items.iter().map(PublicAgencySummary::from).collect(),
        next: page.next,
    };
    public::cacheable(&request, &paging.body(&page))
}

#[cfg(test)]
mod tests;
