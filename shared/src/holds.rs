//! What the hold routes share: finding a hold, answering with one, and placing a record
//! under a hold or lifting it, redone from fresh reads when either moved meanwhile.

use http::StatusCode;
use http::header::ETAG;
use serde_json::json;

use crate::auth::Caller;
use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{Covering, Hold, HoldId, HoldStatus, RecordId, StoredHold, hold_limits};
use crate::records::find_visible;
use crate::store::{HoldCover, HoldStore, RecordStore, retry};

/// Hold `id` of the caller's agency; 404 if there is none (another agency's is none).
pub async fn find_hold<S: HoldStore>(
    store: &S,
    caller: &Caller,
    id: &HoldId,
) -> Result<StoredHold, ApiError> {
    store
        .get_hold(&caller.agency, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `hold` as the body, with `status` and its `ETag`.
pub fn hold_reply(status: StatusCode, hold: &Hold) -> Reply {
    Reply::new(status, Some(json!(hold))).header(ETAG, hold.etag())
}

/// Places record `record` under hold `id` (`placing`) or lifts it, as `caller` at `now`:
/// the record must be one the caller may see (404), the hold active (409). Both are read
/// again, and the change redone, when either moved between the reads and the write.
/// Returns the hold as it now is, and whether this changed it: not if the record already
/// was (placing), or was not (lifting), under it.
pub async fn cover_record<S: HoldStore + RecordStore>(
    store: &S,
    caller: &Caller,
    id: &HoldId,
    record: &RecordId,
    placing: bool,
    now: Timestamp,
) -> Result<(StoredHold, bool), ApiError> {
    for attempt in retry::attempts() {
        retry::jitter(attempt).await;
        let hold = find_hold(store, caller, id).await?;
        let current = find_visible(store, caller, record).await?;
        // Nothing to do is answered first: a released hold covers nothing to lift.
        let Some(covering) = Covering::of(&current, &hold, placing, now, &caller.sub) else {
            return Ok((hold, false));
        };
        if hold.hold.status == HoldStatus::Released {
            return Err(ApiError::Conflict("The hold has been released.".into()));
        }
        if placing {
            within_limits(&current.record.holds, hold.hold.records)?;
        }
        let change = HoldCover::from(
            &covering,
            placing,
            current.record.version,
            hold.hold.version,
        );
        if let Some(()) = retry::unless_moved(store.cover(change).await)? {
            return Ok((covering.hold, true));
        }
    }
    Err(ApiError::Conflict(
        "The hold or the record kept changing; retry.".into(),
    ))
}

fn within_limits(holds_on_record: &[HoldId], records_under_hold: u32) -> Result<(), ApiError> {
    if holds_on_record.len() >= hold_limits::HOLDS_PER_RECORD {
        return Err(ApiError::Conflict(format!(
            "A record can be under at most {} holds.",
            hold_limits::HOLDS_PER_RECORD
        )));
    }
    if records_under_hold >= hold_limits::RECORDS_PER_HOLD {
        return Err(ApiError::Conflict(format!(
            "A hold can cover at most {} records.",
            hold_limits::RECORDS_PER_HOLD
        )));
    }
    Ok(())
}
