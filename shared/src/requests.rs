//! What the records-request routes share: the agency's calendar, on which numbers and due
//! dates are worked out; finding a request, reading its chain, knowing its requester;
//! answering with one.

use http::StatusCode;
use http::header::ETAG;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::http::{PublicRequest, Reply, optional_param};
use crate::idempotency::Idempotency;
use crate::model::{
    AgencyId, AgencyProfile, AuditEntry, DeadlineRules, Reader, RecordsRequest, RequestNumber,
    RequestStatus, StoredRequest, TrackingToken, Wait,
};
use crate::store::{
    AgencyStore, IdempotencyStore, Page, RequestListing, RequestStore, StoreError, retry,
};

/// An agency's time zone and deadline rules.
pub struct AgencyCalendar {
    zone: TimeZone,
    rules: DeadlineRules,
}

impl AgencyCalendar {
    /// The calendar `profile` sets. Its zone was checked when the profile was written, so
    /// an unknown one is our fault (a 500), not the caller's.
    pub fn of(profile: &AgencyProfile) -> Result<Self, ApiError> {
        let zone = TimeZone::get(&profile.timezone)
            .map_err(|e| ApiError::Internal(format!("the agency's time zone: {e}")))?;
        Ok(Self {
            zone,
            rules: profile.requests.deadline.clone(),
        })
    }

    /// The agency's date at `at`: what "overdue" is measured against.
    pub fn date_of(&self, at: Timestamp) -> Date {
        jiff::Timestamp::from_millisecond(at.as_millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .date()
    }

    /// Whether the agency's office is open on `day`.
    pub fn is_business_day(&self, day: Date) -> bool {
        self.rules.is_business_day(day)
    }

    /// The last day a request can be due on and still be "due soon" on `today`: two
    /// business days on.
    pub fn due_soon_until(&self, today: Date) -> Date {
        self.rules.business_days_after(today, 2)
    }

    /// The agency's year at `at`: the one a request arriving then is numbered in.
    pub fn year_of(&self, at: Timestamp) -> i16 {
        self.date_of(at).year()
    }

    /// When a request received at `received_at` is due, having waited as `waits` says,
    /// extended or not; `None` while the clock is stopped.
    pub fn due_date(&self, received_at: Timestamp, waits: &[Wait], extended: bool) -> Option<Date> {
        self.rules
            .due_date(received_at, &self.zone, waits, extended)
    }

    /// When `request` is due, as it stands.
    pub fn due_date_of(&self, request: &RecordsRequest) -> Option<Date> {
        self.due_date(
            request.received_at,
            &request.waits,
            request.extension.is_some(),
        )
    }
}

/// Request `number` of `agency`; 404 if there is none (another agency's is none).
pub async fn find_request<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    number: RequestNumber,
) -> Result<StoredRequest, ApiError> {
    store
        .get_request(agency, number)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `request` as staff see it, with `status` and its `ETag`.
pub fn request_reply(status: StatusCode, request: &RecordsRequest) -> Reply {
    Reply::new(status, Some(json!(request))).header(ETAG, request.etag())
}

/// Most chain entries a request page reads: its messages are bounded, and so are the
/// changes staff make in a request's life.
const CHAIN_PAGES: usize = 20;
/// Entries per read of a chain.
const CHAIN_PAGE: usize = 100;

/// The chain of request `number` of `agency`, oldest first (its first
/// [`CHAIN_PAGES`] × [`CHAIN_PAGE`] entries).
pub async fn read_chain<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    number: RequestNumber,
) -> Result<Vec<AuditEntry>, ApiError> {
    let mut entries = Vec::new();
    let mut after = None;
    for _ in 0..CHAIN_PAGES {
        let page = store
            .request_history(agency, number, CHAIN_PAGE, after)
            .await?;
        entries.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(entries)
}

/// Who reads `stored` through public `request`: its requester when the request carries
/// its tracking token, anyone when it carries none. A token that is not this request's
/// is a 401: the requester's link is wrong, and saying so is all it learns.
pub fn reader_of(request: &PublicRequest, stored: &StoredRequest) -> Result<Reader, ApiError> {
    match request.tracking_token()? {
        None => Ok(Reader::Public),
        Some(token) if TrackingToken::matches(token, &stored.tracking_digest) => {
            Ok(Reader::Requester)
        }
        Some(_) => Err(ApiError::Unauthorized(
            "the tracking token is not this request's".into(),
        )),
    }
}

/// Store reads one filtered listing page may take before it answers with what it has.
const LIST_READS: usize = 5;

/// Up to `limit` requests of `agency` in `listing`, after the one whose sort key is
/// `after`, that `keep` keeps: store pages are read (at most [`LIST_READS`]) until the
/// page is full; a short page still carries where reading stopped.
pub async fn list_kept<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    listing: RequestListing,
    limit: usize,
    after: Option<String>,
    keep: impl Fn(&RecordsRequest) -> bool,
) -> Result<Page<StoredRequest, String>, ApiError> {
    let mut kept = Vec::with_capacity(limit);
    let mut position = after;
    for _ in 0..LIST_READS {
        let page = store
            .list_requests(agency, listing, limit, position.as_deref())
            .await?;
        let last_page = page.next.is_none();
        let count = page.items.len();
        for (read, stored) in page.items.into_iter().enumerate() {
            position = Some(listing.sort_key(&stored.request));
            if keep(&stored.request) {
                kept.push(stored);
                if kept.len() == limit {
                    let more = !(last_page && read + 1 == count);
                    let next = if more { position } else { None };
                    return Ok(Page { items: kept, next });
                }
            }
        }
        if last_page {
            return Ok(Page {
                items: kept,
                next: None,
            });
        }
    }
    Ok(Page {
        items: kept,
        next: position,
    })
}

/// What the staff queue (`GET /requests`) is filtered by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// One status only.
    pub status: Option<RequestStatus>,
    /// One assignee only.
    pub assignee: Option<String>,
    /// Only requests due on or before this day.
    pub due_before: Option<Date>,
    /// Only requests past (or, `false`, not past) their due date.
    pub overdue: Option<bool>,
}

impl QueueFilter {
    /// The filter the query parameters ask for; a malformed one is a 400 naming it.
    pub fn from_params(
        status: Option<&str>,
        assignee: Option<&str>,
        due_before: Option<&str>,
        overdue: Option<&str>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            status: optional_param(status, "status", |text| {
                serde_json::from_value(Value::from(text)).ok()
            })?,
            assignee: optional_param(assignee, "assignee", |text| {
                (!text.is_empty() && text.chars().count() <= 200).then(|| text.to_owned())
            })?,
            due_before: optional_param(due_before, "due_before", |text| text.parse().ok())?,
            overdue: optional_param(overdue, "overdue", |text| match text {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            })?,
        })
    }

    /// The listing to read: closed requests from the log (newest first), the others from
    /// the queue (due soonest first).
    pub fn listing(&self) -> RequestListing {
        match self.status {
            Some(RequestStatus::Closed) => RequestListing::All,
            _ => RequestListing::Open,
        }
    }

    /// Whether `request` passes, `today` being the agency's date.
    pub fn keeps(&self, request: &RecordsRequest, today: Date) -> bool {
        let overdue = request.status != RequestStatus::Closed
            && request.due_date.is_some_and(|due| due < today);
        self.status.is_none_or(|status| request.status == status)
            && self
                .assignee
                .as_deref()
                .is_none_or(|assignee| request.assignee.as_deref() == Some(assignee))
            && self
                .due_before
                .is_none_or(|day| request.due_date.is_some_and(|due| due <= day))
            && self.overdue.is_none_or(|wanted| overdue == wanted)
    }

    /// The filter as text, for binding a cursor to it.
    pub fn scope(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.status.map_or(String::new(), |s| json!(s).to_string()),
            self.assignee.as_deref().unwrap_or(""),
            self.due_before.map_or(String::new(), |d| d.to_string()),
            self.overdue.map_or("", |o| if o { "1" } else { "0" }),
        )
    }
}

/// Most pages of a hundred requests a year's statistics read.
const YEAR_PAGES: usize = 100;

/// Every request `agency` numbered in `year` (up to [`YEAR_PAGES`] hundred).
pub async fn requests_of_year<S: RequestStore>(
    store: &S,
    agency: &AgencyId,
    year: i16,
) -> Result<Vec<RecordsRequest>, ApiError> {
    let listing = RequestListing::All;
    let (start, prefix) = RequestListing::year_of_all(year);
    let mut after = start;
    let mut found = Vec::new();
    for _ in 0..YEAR_PAGES {
        let page = store
            .list_requests(agency, listing, 100, Some(&after))
            .await?;
        for stored in page.items {
            if !listing.sort_key(&stored.request).starts_with(&prefix) {
                return Ok(found);
            }
            found.push(stored.request);
        }
        match page.next {
            Some(next) => after = next,
            None => return Ok(found),
        }
    }
    Ok(found)
}

/// The calendar of `agency`; 404 while it has no profile (it takes no requests, so has
/// none to act on).
pub async fn calendar_of<S: AgencyStore>(
    store: &S,
    agency: &AgencyId,
) -> Result<AgencyCalendar, ApiError> {
    AgencyCalendar::of(&profile_of(store, agency).await?)
}

/// The profile of `agency`, which takes requests; 404 without one.
pub async fn profile_of<S: AgencyStore>(
    store: &S,
    agency: &AgencyId,
) -> Result<AgencyProfile, ApiError> {
    let stored = store.get_agency(agency).await?.ok_or(ApiError::NotFound)?;
    Ok(stored.profile)
}

/// Writes what a route adds to `found` (a message, a release) and answers for it, once per
/// `Idempotency-Key`: a retry with the key gets the first answer back, and the answer is
/// kept in the same write as the change. `change` gives the next version and its chain
/// entry (or why not), `answer` the reply for them. When another change landed first, it
/// goes again from a fresh read, since what it adds follows any version. The caller reads
/// `found` itself ([`find_request`]), so that a request that is not there is a 404 before
/// anything else.
pub async fn append_to_request<S: RequestStore + IdempotencyStore>(
    store: &S,
    found: StoredRequest,
    (idempotency, now): (&Idempotency, Timestamp),
    change: impl Fn(&StoredRequest) -> Result<(StoredRequest, AuditEntry), ApiError>,
    answer: impl Fn(&StoredRequest, &AuditEntry) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    if let Some(first) = idempotency.replay(store, now).await? {
        return Ok(first);
    }
    let (agency, number) = (found.request.agency.clone(), found.request.number);
    let mut current = found;
    for attempt in retry::attempts() {
        if attempt > 0 {
            current = find_request(store, &agency, number).await?;
        }
        let (next, entry) = change(&current)?;
        let reply = answer(&next, &entry)?;
        let kept = idempotency.keep(&reply, now);
        let written = store
            .update_request(&next, current.request.version, &entry, kept.as_ref())
            .await;
        match written {
            Ok(()) => return Ok(reply),
            Err(StoreError::ConditionFailed) => continue,
            // The same key, at the same moment: the other request's answer.
            Err(StoreError::IdempotencyKeyTaken) => {
                return idempotency.replay_winner(store, now).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Conflict(
        "The request kept changing while this was written; retry.".into(),
    ))
}
