//! `GET /disposition/lists/{id}/certificate`: the list's certificate of destruction, a JSON
//! download: every record of it destroyed (who approved, when, why, when it was
//! destroyed), and how many listed records were not. Each record's chain holds the same
//! facts, in its last entry. Officers and auditors.

use lambda_http::http::StatusCode;
use lambda_http::http::header::CONTENT_DISPOSITION;
use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::disposition::{all_items, find_list};
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{Certificate, CertifiedDestruction, DispositionListId, ItemState};
use shared::store::DispositionStore;

/// Answers `GET /disposition/lists/{id}/certificate`.
pub async fn handle<S: DispositionStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let caller = &request.caller;
    caller.require(Permission::ReadHistory)?;
    let id = request.path("id", DispositionListId::parse)?;
    find_list(&deps.store, &caller.agency, &id).await?;
    let items = all_items(&deps.store, &caller.agency, &id).await?;
    let (destroyed, kept): (Vec<_>, Vec<_>) = items
        .iter()
        .partition(|item| item.state == ItemState::Destroyed);
    let certificate = Certificate {
        agency: caller.agency.clone(),
        list: id.clone(),
        issued_at: request.now,
        not_destroyed: u32::try_from(kept.len()).unwrap_or(u32::MAX),
        destroyed: destroyed
            .into_iter()
            .map(CertifiedDestruction::of)
            .collect(),
    };
    let filename = format!("destruction-certificate-{}-{id}.json", caller.agency);
    Ok(Reply::new(StatusCode::OK, Some(json!(certificate))).header(
        CONTENT_DISPOSITION,
        format!("attachment; filename=\"{filename}\""),
    ))
}

#[cfg(test)]
mod tests;
