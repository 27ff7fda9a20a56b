//! `GET /fixity`: the agency's fixity report, for auditors and officers: its latest
//! nightly run (when, what it read, what it found, what it left past the period), and its
//! documents by last outcome (intact, mismatch, missing, not checked yet) with how many are
//! due (last checked, or verified, longer ago than the period). The counts are read from
//! the rotation, at most [`MAX_READS`] pages: past that, `complete` is false.

use serde_json::json;
use shared::Deps;
use shared::auth::Permission;
use shared::error::ApiError;
use shared::http::{ApiRequest, Reply};
use shared::model::{DocumentStatus, FixityOutcome};
use shared::store::{FixityPosition, FixityStore};

/// Pages of the rotation one report reads (100 documents each).
pub const MAX_READS: usize = 100;
/// The period assumed before any run has said which it holds to.
const DEFAULT_PERIOD_DAYS: u32 = 90;
const DAY_MS: i64 = 86_400_000;

/// Answers `GET /fixity`.
pub async fn handle<S: FixityStore>(
    request: ApiRequest,
    deps: &Deps<S>,
) -> Result<Reply, ApiError> {
    let agency = &request.caller.agency;
    request.caller.require(Permission::ReadHistory)?;
    let run = deps.store.get_fixity_run(agency).await?;
    let period_days = run
        .as_ref()
        .map_or(DEFAULT_PERIOD_DAYS, |run| run.period_days);
    let due_before = request.now.as_millis() - i64::from(period_days) * DAY_MS;
    let (mut intact, mut mismatch, mut missing, mut unchecked, mut damaged, mut due) =
        (0, 0, 0, 0, 0, 0);
    let mut after: Option<FixityPosition> = None;
    let mut complete = false;
    for _ in 0..MAX_READS {
        let page = deps
            .store
            .fixity_rotation(agency, 100, after.as_ref())
            .await?;
        for document in &page.items {
            match document.fixity.map(|check| check.outcome) {
                Some(FixityOutcome::Intact) => intact += 1,
                Some(FixityOutcome::Mismatch) => mismatch += 1,
                Some(FixityOutcome::Missing) => missing += 1,
                None => unchecked += 1,
            }
            damaged += usize::from(document.status == DocumentStatus::Damaged);
            due += usize::from(document.fixity_checked_at().as_millis() < due_before);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => {
                complete = true;
                break;
            }
        }
    }
    Ok(Reply::ok(json!({
        "last_run": run,
        "period_days": period_days,
        "documents": {"intact": intact, "mismatch": mismatch, "missing": missing, "unchecked": unchecked},
        "damaged": damaged,
        "due": due,
        "complete": complete,
    })))
}

#[cfg(test)]
mod tests;
