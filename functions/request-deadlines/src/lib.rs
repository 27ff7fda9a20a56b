//! The daily deadline run: for every agency, its open records requests due within two
//! business days or overdue (on its own calendar), told to their assignees, and to its
//! officers when overdue or unassigned: one email per person per agency
//! ([`shared::notices::deadline_digests`]), on the agency's business days only.
//!
//! One agency's failure does not stop the others; the run fails (a Lambda error, so the
//! alarm fires) if any email did not go out. It is not retried: a retry would send the
//! others twice, and tomorrow's run tells them again anyway.

use serde::Serialize;
use shared::clock::Clock;
use shared::model::{AgencyId, AgencyProfile, RecordsRequest};
use shared::notices::{Mailer, Notices, deadline_digests};
use shared::requests::AgencyCalendar;
use shared::run::{RunFailed, finish};
use shared::store::{PublicIndex, RequestListing, RequestStore, StoreError};
use tracing::Instrument;

/// Requests read per store call.
const PAGE: usize = 100;
/// Most open requests one agency's run reads: past this, the digest says what it has.
const MAX_OPEN: usize = 10_000;

/// What a failed run's message calls it.
const RUN: &str = "deadline notices";

/// What the handler works with, built once per container.
pub struct Deadlines<S, M> {
    /// Where agencies and requests are read.
    pub store: S,
    /// How emails go out, and where they link to.
    pub notices: Notices<M>,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Agencies looked at.
    pub agencies: usize,
    /// Open requests read.
    pub open: usize,
    /// Emails sent.
    pub sent: usize,
}

/// A run that left emails unsent (or could not read an agency at all).
pub type Failed = RunFailed<Summary>;

/// Tells every agency's staff of their requests coming due and overdue.
pub async fn remind_all<S, M>(deadlines: &Deadlines<S, M>) -> Result<Summary, Failed>
where
    S: PublicIndex + RequestStore,
    M: Mailer,
{
    let mut summary = Summary::default();
    let mut failures = Vec::new();
    let mut after: Option<AgencyId> = None;
    loop {
        let page = deadlines
            .store
            .list_agencies(PAGE, after.as_ref())
            .await
            .map_err(|error| Failed {
                run: RUN,
                summary: summary.clone(),
                failures: vec![format!("listing agencies: {error}")],
            })?;
        for agency in &page.items {
            summary.agencies += 1;
            let span = tracing::info_span!("agency", agency = %agency.agency);
            match remind(deadlines, agency).instrument(span).await {
                Ok((open, sent, unsent)) => {
                    summary.open += open;
                    summary.sent += sent;
                    failures.extend(unsent);
                }
                Err(error) => failures.push(format!("{}: {error}", agency.agency)),
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    tracing::info!(
        agencies = summary.agencies,
        open = summary.open,
        sent = summary.sent,
        failed = failures.len(),
        "deadline notices"
    );
    finish(RUN, summary, failures)
}

/// One agency: its open requests read, its digests sent. Answers how many requests were
/// read, how many emails went out, and a line per email that did not.
async fn remind<S: RequestStore, M: Mailer>(
    deadlines: &Deadlines<S, M>,
    agency: &AgencyProfile,
) -> Result<(usize, usize, Vec<String>), StoreError> {
    let open = open_requests(&deadlines.store, &agency.agency).await?;
    let calendar = match AgencyCalendar::of(agency) {
        Ok(calendar) => calendar,
        Err(error) => return Ok((open.len(), 0, vec![format!("{}: {error:?}", agency.agency)])),
    };
    let today = calendar.date_of(deadlines.clock.now());
    // Nobody reads them on a weekend or a holiday; the next business day's run tells all.
    if !calendar.is_business_day(today) {
        return Ok((open.len(), 0, Vec::new()));
    }
    let until = calendar.due_soon_until(today);
    let portal = deadlines.notices.portal_url.as_deref();
    let (mut sent, mut unsent) = (0, Vec::new());
    for digest in deadline_digests(agency, &open, today, until, portal) {
        match deadlines.notices.mailer.send(&digest.email).await {
            Ok(()) => sent += 1,
            Err(error) => {
                tracing::error!(event = "NoticeFailed", %error, "a deadline notice did not go out");
                unsent.push(format!("{}: {error}", agency.agency));
            }
        }
    }
    Ok((open.len(), sent, unsent))
}

/// The open requests of `agency`, up to [`MAX_OPEN`].
async fn open_requests<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
) -> Result<Vec<RecordsRequest>, StoreError> {
    let mut open = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_requests(agency, RequestListing::Open, PAGE, after.as_deref())
            .await?;
        open.extend(page.items.into_iter().map(|stored| stored.request));
        match page.next {
            Some(next) if open.len() < MAX_OPEN => after = Some(next),
            Some(_) => {
                tracing::warn!(%agency, "more than {MAX_OPEN} open requests; the rest wait for tomorrow");
                break;
            }
            None => break,
        }
    }
    Ok(open)
}

#[cfg(test)]
mod tests;
