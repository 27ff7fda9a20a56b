//! `GET /requests/{number}/messages`: every message on a records request, as staff read
//! them (internal notes, what the requester wrote, what was published), oldest first.
//! Any staff role; another agency's request is 404.

use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{RequestMessage, RequestNumber};
use shared::requests::{find_request, read_chain};
use shared::store::Store;

/// Answers `GET /requests/{number}/messages`.
pub async fn handle<S: Store>(request: ApiRequest, deps: &Deps<S>) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::Read)?;
    let number = request.path("number", RequestNumber::parse)?;
    // The request first: a number the agency never gave is 404, not an empty list.
    find_request(&deps.store, &caller.agency, number).await?;
    let chain = read_chain(&deps.store, &caller.agency, number).await?;
    let messages: Vec<RequestMessage> = chain.iter().filter_map(RequestMessage::of).collect();
    Ok(Reply::ok(json!({ "items": messages })))
}

#[cfg(test)]
mod tests;
