//! The monthly disposition review: for each agency, lists on this month's destruction list
//! (`2026-12`, in the agency's own calendar) every archived record whose retention has
//! passed (its schedule's rule read afresh, or its typed date) and that nothing holds,
//! unless it is already pending or approved on a list. Each item names who last set the
//! record's schedule, who may not decide it. The run also queues again every approved
//! destruction not yet done (a send that failed, or Object Lock that has let go since).
//!
//! One agency's failure does not stop the others; the run fails (a Lambda error, so the
//! alarm fires and EventBridge retries) if any agency was left unreviewed. Running it
//! twice in a month is harmless: a record is on a list once.

use serde::Serialize;
use shared::clock::{Clock, Timestamp};
use shared::disposition::{DestructionQueue, open_items, schedule_set_by};
use shared::model::{
    AgencyId, DestructionOrder, DisposalAction, DispositionItem, DispositionListId, ItemState,
    Record, RecordId, Status,
};
use shared::run::{RunFailed, finish};
use shared::schedules::AgencyDays;
use shared::store::{ListFilter, ListPosition, Store};
use std::collections::{HashMap, HashSet};
use tracing::Instrument;

/// What a failed run's message calls it.
const RUN: &str = "disposition review";

/// Records read per store call.
const RECORDS_PER_READ: usize = 100;

/// What the handler works with, built once per container.
pub struct Review<S, Q> {
    /// Records, schedules and lists.
    pub store: S,
    /// Where approved destructions go.
    pub queue: Q,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Agencies with records.
    pub agencies: usize,
    /// Records newly listed.
    pub listed: usize,
    /// Approved destructions queued again.
    pub requeued: usize,
}

/// A run that left agencies unreviewed.
pub type Failed = RunFailed<Summary>;

/// Reviews every agency that has records.
pub async fn review_all<S: Store, Q: DestructionQueue>(
    review: &Review<S, Q>,
) -> Result<Summary, Failed> {
    let mut summary = Summary::default();
    let agencies = review
        .store
        .chain_heads()
        .await
        .map_err(|error| Failed::at_start(RUN, format!("reading the agencies: {error}")))?;
    let now = review.clock.now();
    let mut failures = Vec::new();
    for agency in agencies.keys() {
        summary.agencies += 1;
        let span = tracing::info_span!("review", %agency);
        match review_agency(review, agency, now).instrument(span).await {
            Ok((listed, requeued)) => {
                tracing::info!(%agency, listed, requeued, "reviewed");
                summary.listed += listed;
                summary.requeued += requeued;
            }
            Err(error) => {
                tracing::error!(%agency, %error, "agency not reviewed");
                failures.push(format!("{agency}: {error}"));
            }
        }
    }
    finish(RUN, summary, failures)
}

/// Lists `agency`'s due records and queues its approved destructions again: how many of
/// each.
async fn review_agency<S: Store, Q: DestructionQueue>(
    review: &Review<S, Q>,
    agency: &AgencyId,
    now: Timestamp,
) -> Result<(usize, usize), String> {
    let store = &review.store;
    let days = AgencyDays::of(store, agency)
        .await
        .map_err(|e| e.to_string())?;
    let today = days.date_of(now);
    let open = open_items(store, agency).await.map_err(|e| e.to_string())?;
    let orders: Vec<DestructionOrder> = open
        .iter()
        .filter(|item| item.state == ItemState::Approved)
        .filter(|item| item.waiting_until.is_none_or(|until| until <= now))
        .map(DestructionOrder::of)
        .collect();
    if !orders.is_empty() {
        review
            .queue
            .send(&orders)
            .await
            .map_err(|e| e.to_string())?;
    }
    let on_lists: HashSet<&RecordId> = open.iter().map(|item| &item.record).collect();
    let schedules: HashMap<_, _> = store
        .list_schedules(agency)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|schedule| (schedule.id.clone(), schedule))
        .collect();
    let list = DispositionListId::of(today);
    let archived = ListFilter {
        status: Some(Status::Archived),
        include_confidential: true,
        ..ListFilter::default()
    };
    let mut listed = 0;
    let mut after: Option<ListPosition> = None;
    loop {
        let page = store
            .list_records(agency, &archived, RECORDS_PER_READ, after.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        for record in page
            .items
            .iter()
            .filter(|r| !r.legal_hold && !on_lists.contains(&r.id))
        {
            let (retention, action) = match &record.schedule {
                Some(id) => {
                    let schedule = schedules
                        .get(id)
                        .ok_or_else(|| format!("record {} names no schedule {id}", record.id))?;
                    (days.retention(schedule, record), schedule.action)
                }
                // A typed date says how long, not what then: an officer reviews it.
                None => (record.retention_until, DisposalAction::Review),
            };
            let Some(until) = retention.filter(|until| *until < today) else {
                continue;
            };
            if list_record(store, &list, record, action, until, now).await? {
                listed += 1;
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok((listed, orders.len())),
        }
    }
}

/// Puts `record` on `list`; `false` if it is there already.
async fn list_record<S: Store>(
    store: &S,
    list: &DispositionListId,
    record: &Record,
    action: DisposalAction,
    until: shared::clock::Date,
    now: Timestamp,
) -> Result<bool, String> {
    let set_by = schedule_set_by(store, record)
        .await
        .map_err(|e| e.to_string())?;
    let item = DispositionItem::listed(list, record, action, until, set_by, now);
    store
        .add_disposition_item(&item)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
