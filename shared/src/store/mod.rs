//! Persistence, as traits per concern, with three adapters: [`DynamoStore`] (production),
//! `EmbeddedStore` (feature `embedded`: a crash-safe file for the local server) and
//! [`MemoryStore`] (for handler tests). The contract tests in
//! `tests/tests/store_contract.rs` hold all three to the same behaviour.
//!
//! Every adapter counts its calls in [`usage`]; [`retry`] is how a route redoes a
//! conditional write that lost a race.

mod disposition;
mod dynamo;
#[cfg(feature = "embedded")]
mod embedded;
mod fixity;
mod memory;
pub mod retry;
pub mod usage;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

use serde::{Deserialize, Serialize};

pub use disposition::DispositionStore;
pub use dynamo::{DynamoStore, PARTITION_KEY, RECORD_SK, SORT_KEY, record_of_pk};
#[cfg(feature = "embedded")]
pub use embedded::{Changed, EmbeddedStore};
pub use fixity::{FixityPosition, FixityRun, FixityStore};
pub use memory::{MemoryStore, WriteHook};

use crate::anchor::RecordHead;
use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::model::{
    AgencyId, AgencyProfile, AuditEntry, Classification, Document, DocumentId, Hold, HoldId,
    Record, RecordId, RecordsRequest, RequestNumber, RequestStatus, Schedule, ScheduleId, Status,
    StoredAgency, StoredHold, StoredRecord, StoredRequest, StoredSchedule, is_publicly_visible,
    publication_time,
};

/// A store failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// A write's condition failed: the record changed, vanished, or already exists.
    ConditionFailed,
    /// A create raced with another create under the same idempotency key.
    IdempotencyKeyTaken,
    /// The backend is throttling or unreachable; the request may be retried.
    Unavailable(String),
    /// An item could not be decoded.
    Corrupt(String),
    /// Any other backend error.
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConditionFailed => f.write_str("condition failed"),
            Self::IdempotencyKeyTaken => f.write_str("idempotency key taken"),
            Self::Unavailable(why) => write!(f, "store unavailable: {why}"),
            Self::Corrupt(why) => write!(f, "corrupt item: {why}"),
            Self::Backend(why) => write!(f, "store error: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed => ApiError::PreconditionFailed,
            StoreError::IdempotencyKeyTaken => ApiError::Conflict(
                "A request with this Idempotency-Key is in progress; retry it.".into(),
            ),
            StoreError::Unavailable(why) => ApiError::Unavailable(why),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// What a list query selects, besides the agency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this classification.
    pub classification: Option<Classification>,
    /// Only records carrying this tag.
    pub tag: Option<String>,
    /// Whether confidential records may appear (the caller may see them).
    pub include_confidential: bool,
}

impl ListFilter {
    /// Whether `record` passes this filter.
    pub fn matches(&self, record: &Record) -> bool {
        self.status.is_none_or(|s| record.status == s)
            && self
                .classification
                .is_none_or(|c| record.classification == c)
            && self.tag.as_ref().is_none_or(|t| record.tags.contains(t))
            && (self.include_confidential || record.classification != Classification::Confidential)
    }
}

/// Where a records listing (newest first) continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    /// The sort time of the last record returned, in milliseconds: its `updated_at` in
    /// the staff listing, its [`publication_time`] in the public one.
    #[serde(rename = "u")]
    pub at: i64,
    /// Its id.
    #[serde(rename = "i")]
    pub id: String,
}

impl ListPosition {
    /// The position just after `record` in the staff listing (by last update).
    pub fn after(record: &Record) -> Self {
        Self {
            at: record.updated_at.as_millis(),
            id: record.id.to_string(),
        }
    }

    /// The position just after `record` in the public listing (by publication).
    pub fn published_after(record: &Record) -> Self {
        Self {
            at: publication_time(record).as_millis(),
            id: record.id.to_string(),
        }
    }
}

/// What the public listing of an agency's records selects, besides being public.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicFilter {
    /// Only records carrying this tag.
    pub tag: Option<String>,
    /// Only records published from the first instant up to (not including) the second.
    pub published: Option<(Timestamp, Timestamp)>,
}

impl PublicFilter {
    /// Whether `record` is publicly visible and passes this filter.
    pub fn matches(&self, record: &Record) -> bool {
        let at = publication_time(record);
        is_publicly_visible(record)
            && self.tag.as_ref().is_none_or(|t| record.tags.contains(t))
            && self
                .published
                .is_none_or(|(from, to)| from <= at && at < to)
    }
}

/// One page of results and, when there may be more, where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T, P> {
    /// The items, in order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<P>,
}

impl<T, P> Page<T, P> {
    /// A page from up to `limit + 1` items read in order: the extra one, if there, only
    /// tells that another page exists, which starts after the last item kept.
    pub fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        position_of: impl FnOnce(&T) -> P,
    ) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more {
            items.last().map(position_of)
        } else {
            None
        };
        Self { items, next }
    }
}

/// A response kept for an `Idempotency-Key`, replayed on a retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentResponse {
    /// The agency the key belongs to (keys are scoped by agency).
    pub agency: AgencyId,
    /// The key.
    pub key: String,
    /// SHA-256 of the canonical request, to tell a retry from a reuse.
    pub request_hash: String,
    /// Status code of the first response.
    pub status: u16,
    /// Headers of the first response that a replay repeats (`Location`, `ETag`).
    pub headers: Vec<(String, String)>,
    /// Body of the first response.
    pub body: String,
    /// When the key may be forgotten.
    pub expires_at: Timestamp,
}

/// Most records [`RecordStore::get_records`] reads at once (DynamoDB's `BatchGetItem`).
pub const MAX_BATCH_READ: usize = 100;

/// Records, and every write to them with its audit entry, atomically.
///
/// Every write appends exactly the next link of the record's chain: an entry whose `seq`
/// is not the chain head's plus one (1 for a new record) is refused with
/// [`StoreError::ConditionFailed`], and nothing changes. The contract suite holds all
/// three adapters to it.
pub trait RecordStore: Send + Sync {
    /// The record `id` of `agency`, or `None` (also for another agency's record).
    fn get_record(
        &self,
        agency: &AgencyId,
        id: &RecordId,
    ) -> impl Future<Output = Result<Option<StoredRecord>, StoreError>> + Send;

    /// The records of `agency` among `ids` (at most [`MAX_BATCH_READ`]), in the order
    /// asked; ids with no record (another agency's among them) are left out. One read.
    fn get_records(
        &self,
        agency: &AgencyId,
        ids: &[RecordId],
    ) -> impl Future<Output = Result<Vec<StoredRecord>, StoreError>> + Send;

    /// Writes a new record, its first audit entry (seq 1) and (if given) the idempotent
    /// response, all or nothing. [`StoreError::IdempotencyKeyTaken`] if an unexpired
    /// response for the same key exists; [`StoreError::ConditionFailed`] if the record, or
    /// a history under its id, exists.
    fn create_record(
        &self,
        record: &StoredRecord,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the record with `next` and appends `entry`, only if the stored version is
    /// still `expected_version` and its chain is still one entry behind `entry` (a
    /// document change moves the chain, not the version); else
    /// [`StoreError::ConditionFailed`] and nothing changes.
    fn update_if_version(
        &self,
        next: &StoredRecord,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the record and appends `entry` (its history stays), only if the stored
    /// version is still `expected_version` and its chain one entry behind `entry`; else
    /// [`StoreError::ConditionFailed`] and nothing changes.
    fn delete_if_version(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` of the agency's records matching `filter`, most recently updated
    /// first, starting after `after`. A page may hold fewer than `limit` items and still
    /// have a `next` when filtering skipped many records (reads are bounded per page).
    fn list_records(
        &self,
        agency: &AgencyId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> impl Future<Output = Result<Page<Record, ListPosition>, StoreError>> + Send;
}

/// The audit history of records, oldest first. It outlives the record.
pub trait AuditLog: Send + Sync {
    /// Up to `limit` entries of record `id` of `agency` with `seq` greater than `after_seq`.
    fn history(
        &self,
        agency: &AgencyId,
        id: &RecordId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> impl Future<Output = Result<Page<AuditEntry, u64>, StoreError>> + Send;
}

/// Which of an agency's records requests a listing holds, and in which order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestListing {
    /// Every request, the newest number first: the public log.
    All,
    /// The requests not closed, due soonest first (those whose clock waits for a
    /// clarification, with no due date, last): the staff queue.
    Open,
}

impl RequestListing {
    /// Whether `request` is in this listing.
    pub fn holds(self, request: &RecordsRequest) -> bool {
        match self {
            Self::All => true,
            Self::Open => request.status != RequestStatus::Closed,
        }
    }

    /// Where `request` sorts in this listing: keys compare as text, ascending for
    /// [`RequestListing::Open`], descending for [`RequestListing::All`]. Every adapter
    /// orders by this, and DynamoDB keeps it in the index.
    pub fn sort_key(self, request: &RecordsRequest) -> String {
        let number = format!("{:04}-{:09}", request.number.year(), request.number.seq());
        match self {
            Self::All => number,
            Self::Open => {
                let due = request
                    .due_date
                    .map_or_else(|| "9999-99-99".to_owned(), |date| date.to_string());
                format!("{due}#{number}")
            }
        }
    }

    /// In [`RequestListing::All`]: the position after which year `year`'s requests come
    /// first (theirs and earlier years' keys sort below it), and the prefix of their keys.
    pub fn year_of_all(year: i16) -> (String, String) {
        (format!("{:04}", i32::from(year) + 1), format!("{year:04}-"))
    }

    /// The page of this listing that `requests` (an agency's, in any order) make after
    /// key `after`: for the adapters that order in memory.
    pub fn page_of(
        self,
        requests: impl IntoIterator<Item = StoredRequest>,
        limit: usize,
        after: Option<&str>,
    ) -> Page<StoredRequest, String> {
        let mut found: Vec<(String, StoredRequest)> = requests
            .into_iter()
            .filter(|stored| self.holds(&stored.request))
            .map(|stored| (self.sort_key(&stored.request), stored))
            .filter(|(key, _)| after.is_none_or(|after| self.comes_after(key, after)))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        if self.descending() {
            found.reverse();
        }
        let items = found.into_iter().take(limit + 1).map(|(_, s)| s).collect();
        Page::from_overfetch(items, limit, |stored: &StoredRequest| {
            self.sort_key(&stored.request)
        })
    }

    /// Whether the listing reads its keys from the highest.
    pub fn descending(self) -> bool {
        self == Self::All
    }

    /// Whether key `key` comes after key `after` in this listing's order.
    pub fn comes_after(self, key: &str, after: &str) -> bool {
        if self.descending() {
            key < after
        } else {
            key > after
        }
    }
}

/// Responses kept for idempotent retries.
pub trait IdempotencyStore: Send + Sync {
    /// The response kept for `key` in `agency`, unless none or expired by `now`.
    fn get_idempotent(
        &self,
        agency: &AgencyId,
        key: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<IdempotentResponse>, StoreError>> + Send;
}

/// Documents attached to records. Every change to a document is written together with
/// its audit entry and the record's new chain head, all or nothing, and only if the
/// record's chain is still where the caller read it (at `entry.seq - 1`).
pub trait DocumentStore: Send + Sync {
    /// Document `id` of record `record` of `agency`, or `None`.
    fn get_document(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        id: &DocumentId,
    ) -> impl Future<Output = Result<Option<Document>, StoreError>> + Send;

    /// Up to `limit` documents of the record in id order (creation time; ids made in the
    /// same millisecond in random order), after `after`.
    fn list_documents(
        &self,
        agency: &AgencyId,
        record: &RecordId,
        limit: usize,
        after: Option<&DocumentId>,
    ) -> impl Future<Output = Result<Page<Document, DocumentId>, StoreError>> + Send;

    /// Writes the new `document`, appends `entry` and sets the record's chain head and
    /// document count to `record`'s. [`StoreError::ConditionFailed`] if the chain moved.
    fn add_document(
        &self,
        record: &StoredRecord,
        document: &Document,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces a pending document with `settled` (available or quarantined), appends
    /// `entry` and sets the record's chain head to `record`'s.
    /// [`StoreError::ConditionFailed`] if the document is no longer pending or the chain
    /// moved.
    fn settle_document(
        &self,
        record: &StoredRecord,
        settled: &Document,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Agency profiles, each write with the next link of the agency's own audit chain.
pub trait AgencyStore: Send + Sync {
    /// The profile of `agency`, or `None` while it has none.
    fn get_agency(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Option<StoredAgency>, StoreError>> + Send;

    /// Writes `next` and appends `entry` to the agency's chain, only if the stored profile
    /// is still at `expected_version` (`None`: there is none yet) and its chain one entry
    /// behind `entry`; else [`StoreError::ConditionFailed`] and nothing changes.
    fn put_agency(
        &self,
        next: &StoredAgency,
        expected_version: Option<u64>,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` entries of the agency's chain with `seq` greater than `after_seq`.
    fn agency_history(
        &self,
        agency: &AgencyId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> impl Future<Output = Result<Page<AuditEntry, u64>, StoreError>> + Send;
}

/// Records requests. Each agency's are numbered per year 1, 2, 3… with no gap and no
/// duplicate: a request is written together with its agency's counter for the year, only
/// if the counter is right behind its number. Every change comes with the next link of
/// the request's own audit chain.
pub trait RequestStore: Send + Sync {
    /// The highest number given to a request of `agency` in `year` (0 before the first).
    fn last_request_number(
        &self,
        agency: &AgencyId,
        year: i16,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Writes `first` (its chain's first link, `entry`) and moves its agency's counter for
    /// its year to its number, only if the counter is one behind that number; else
    /// [`StoreError::ConditionFailed`] and nothing changes (another request took it: read
    /// the counter and try the next). With `idempotency`, also keeps that response under its
    /// key, only if the key is free or expired; else [`StoreError::IdempotencyKeyTaken`].
    fn create_request(
        &self,
        first: &StoredRequest,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Request `number` of `agency`, or `None`.
    fn get_request(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
    ) -> impl Future<Output = Result<Option<StoredRequest>, StoreError>> + Send;

    /// Writes `next` and appends `entry` to its chain, only if the stored request is still
    /// at `expected_version` and its chain one entry behind `entry`; else
    /// [`StoreError::ConditionFailed`] and nothing changes. With `idempotency`, also keeps
    /// that response under its key, only if the key is free or expired; else
    /// [`StoreError::IdempotencyKeyTaken`] and nothing changes.
    fn update_request(
        &self,
        next: &StoredRequest,
        expected_version: u64,
        entry: &AuditEntry,
        idempotency: Option<&IdempotentResponse>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` entries of request `number`'s chain with `seq` greater than
    /// `after_seq`.
    fn request_history(
        &self,
        agency: &AgencyId,
        number: RequestNumber,
        limit: usize,
        after_seq: Option<u64>,
    ) -> impl Future<Output = Result<Page<AuditEntry, u64>, StoreError>> + Send;

    /// Up to `limit` requests of `agency` in `listing`, in its order, after the one whose
    /// [`RequestListing::sort_key`] is `after`; the page's position is the last one's key.
    fn list_requests(
        &self,
        agency: &AgencyId,
        listing: RequestListing,
        limit: usize,
        after: Option<&str>,
    ) -> impl Future<Output = Result<Page<StoredRequest, String>, StoreError>> + Send;
}

/// Retention schedules, each write with the next link of the schedule's own chain.
///
/// A schedule some record has named is `in_use` for good (it is that record's provenance):
/// it can still change, never be deleted. The mark is set on its own, before the record
/// write that names the schedule, so a deletion either comes first (and the record write
/// is refused for naming no schedule) or fails.
pub trait ScheduleStore: Send + Sync {
    /// Schedule `id` of `agency`, or `None` (also for another agency's, or a deleted one).
    fn get_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> impl Future<Output = Result<Option<StoredSchedule>, StoreError>> + Send;

    /// Every schedule of `agency` (at most a few hundred), in id (creation) order.
    fn list_schedules(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Vec<Schedule>, StoreError>> + Send;

    /// Writes a new schedule and its first entry (seq 1); [`StoreError::ConditionFailed`]
    /// if it, or a chain under its id, exists.
    fn create_schedule(
        &self,
        first: &StoredSchedule,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the schedule with `next` and appends `entry`, only if the stored one is
    /// still at `expected_version`, its chain one entry behind `entry`, and its `in_use`
    /// still `next`'s (a record named it meanwhile: read again); else
    /// [`StoreError::ConditionFailed`] and nothing changes.
    fn update_schedule(
        &self,
        next: &StoredSchedule,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the schedule and appends `entry` (its chain stays), only if it is still at
    /// `expected_version`, its chain one entry behind `entry`, and not in use; else
    /// [`StoreError::ConditionFailed`] and nothing changes.
    fn delete_schedule(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the schedule in use (a no-op if it is); [`StoreError::ConditionFailed`] if
    /// there is no such schedule.
    fn mark_schedule_used(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` entries of schedule `id`'s chain with `seq` greater than `after_seq`
    /// (a deleted schedule's too).
    fn schedule_history(
        &self,
        agency: &AgencyId,
        id: &ScheduleId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> impl Future<Output = Result<Page<AuditEntry, u64>, StoreError>> + Send;
}

/// One change of what a hold covers: a record placed under it or lifted from it, written
/// as the record's next version and the hold's, each with the next link of its own chain.
#[derive(Clone, Copy, Debug)]
pub struct HoldCover<'a> {
    /// Placed (`true`) or lifted.
    pub placing: bool,
    /// The record as it will be, the version it must still be at, and its entry.
    pub record: (&'a StoredRecord, u64, &'a AuditEntry),
    /// The hold as it will be, the version it must still be at, and its entry.
    pub hold: (&'a StoredHold, u64, &'a AuditEntry),
}

impl<'a> HoldCover<'a> {
    /// `covering`, made from a record read at `record_version` and a hold read at
    /// `hold_version`.
    pub fn from(
        covering: &'a crate::model::Covering,
        placing: bool,
        record_version: u64,
        hold_version: u64,
    ) -> Self {
        Self {
            placing,
            record: (&covering.record, record_version, &covering.record_entry),
            hold: (&covering.hold, hold_version, &covering.hold_entry),
        }
    }
}

/// Named legal holds, and which records each covers.
pub trait HoldStore: Send + Sync {
    /// Hold `id` of `agency`, or `None` (also for another agency's).
    fn get_hold(
        &self,
        agency: &AgencyId,
        id: &HoldId,
    ) -> impl Future<Output = Result<Option<StoredHold>, StoreError>> + Send;

    /// Every hold of `agency`, released ones too, in id (creation) order.
    fn list_holds(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Vec<Hold>, StoreError>> + Send;

    /// Writes a new hold and its first entry; [`StoreError::ConditionFailed`] if it, or a
    /// chain under its id, exists.
    fn create_hold(
        &self,
        first: &StoredHold,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes `change` all or nothing: the record and the hold at their next versions,
    /// both entries, and the record's membership of the hold added (placing) or removed.
    /// [`StoreError::ConditionFailed`] and nothing changes unless the record and the hold
    /// are still at the versions named and their chains one entry behind, the hold is
    /// active, and the record is not yet (placing) or still (lifting) under it.
    fn cover(&self, change: HoldCover<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` of the records hold `id` covers, in id order, after `after`.
    fn held_records(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after: Option<&RecordId>,
    ) -> impl Future<Output = Result<Page<RecordId, RecordId>, StoreError>> + Send;

    /// Writes the released hold `next` and its entry, only if the stored one is still at
    /// `expected_version`, its chain one entry behind, and it covers no record; else
    /// [`StoreError::ConditionFailed`].
    fn release_hold(
        &self,
        next: &StoredHold,
        expected_version: u64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` entries of hold `id`'s chain with `seq` greater than `after_seq`.
    fn hold_history(
        &self,
        agency: &AgencyId,
        id: &HoldId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> impl Future<Output = Result<Page<AuditEntry, u64>, StoreError>> + Send;
}

/// What the public lists: the agencies that have a profile, and each agency's publicly
/// visible records ([`is_publicly_visible`]), kept in step with every write. Nothing else
/// is ever in these listings, so no filter in a public route can let it out.
pub trait PublicIndex: Send + Sync {
    /// Up to `limit` agency profiles in agency id order, after `after`.
    fn list_agencies(
        &self,
        limit: usize,
        after: Option<&AgencyId>,
    ) -> impl Future<Output = Result<Page<AgencyProfile, AgencyId>, StoreError>> + Send;

    /// Up to `limit` publicly visible records of `agency` that `filter` selects, most
    /// recently published first ([`publication_time`], then id), after `after`. Like
    /// [`RecordStore::list_records`], a page a filter thins may come back short, with a
    /// cursor.
    fn list_public_records(
        &self,
        agency: &AgencyId,
        filter: &PublicFilter,
        limit: usize,
        after: Option<&ListPosition>,
    ) -> impl Future<Output = Result<Page<Record, ListPosition>, StoreError>> + Send;
}

/// Every record's chain head, across agencies: what the anchors commit to.
pub trait ChainHeads: Send + Sync {
    /// The chain head of every record in the store, by agency, each agency's sorted by
    /// record id. Deleted records have none (their history keeps their last head). Read
    /// while writes go on, so a record written meanwhile may show its head from before.
    fn chain_heads(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<AgencyId, Vec<RecordHead>>, StoreError>> + Send;
}

/// Everything the functions need from storage.
pub trait Store:
    RecordStore
    + AuditLog
    + IdempotencyStore
    + DocumentStore
    + ChainHeads
    + AgencyStore
    + PublicIndex
    + RequestStore
    + ScheduleStore
    + HoldStore
    + DispositionStore
    + FixityStore
    + 'static
{
}

impl<T> Store for T where
    T: RecordStore
        + AuditLog
        + IdempotencyStore
        + DocumentStore
        + ChainHeads
        + AgencyStore
        + PublicIndex
        + RequestStore
        + ScheduleStore
        + HoldStore
        + DispositionStore
        + FixityStore
        + 'static
{
}

/// `heads` grouped by agency, each agency's sorted by record id.
fn by_agency(
    heads: impl IntoIterator<Item = (AgencyId, RecordHead)>,
) -> BTreeMap<AgencyId, Vec<RecordHead>> {
    let mut grouped: BTreeMap<AgencyId, Vec<RecordHead>> = BTreeMap::new();
    for (agency, head) in heads {
        grouped.entry(agency).or_default().push(head);
    }
    for heads in grouped.values_mut() {
        heads.sort_by(|a, b| a.record.as_str().cmp(b.record.as_str()));
    }
    grouped
}

/// Every document of record `id` of `agency` (at most
/// [`DOCUMENTS_PER_RECORD`](crate::model::document_limits::DOCUMENTS_PER_RECORD), so one
/// page in practice), in id order.
pub async fn all_documents<S: DocumentStore>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<Vec<Document>, StoreError> {
    let page_size = crate::model::document_limits::DOCUMENTS_PER_RECORD as usize;
    let mut documents = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_documents(agency, id, page_size, after.as_ref())
            .await?;
        documents.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(documents),
        }
    }
}
