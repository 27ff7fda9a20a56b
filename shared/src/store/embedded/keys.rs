//! Every key of the embedded store, written once. Keys are text, and a record's keys (and
//! an agency's) share a prefix ending in `/`: since `0` sorts right after `/`, everything
//! under a prefix `p/` lies in the key range `p/..p0`.
//!
//! | table | key | value |
//! |---|---|---|
//! | `records` | `<agency>/<id>` | record and chain head (JSON) |
//! | `history` | `<agency>/<id>/<seq, 10 digits>` | audit entry (JSON) |
//! | `listing` | `<agency>/<updated_at ms, 13 digits>/<id>` | nothing: the newest-first index |
//! | `documents` | `<agency>/<record id>/<document id>` | document (JSON) |
//! | `idempotency` | `<agency>/<key>` | kept response (JSON) |
//! | `public_listing` | `<agency>/<publication time ms, 13 digits>/<id>` | nothing: publicly visible records, newest first |
//! | `agencies` | `<agency>` | profile and chain head (JSON) |
//! | `agency_history` | `<agency>/<seq, 10 digits>` | audit entry (JSON) |
//! | `request_counters` | `<agency>/<year>` | the year's last request number (`u32`) |
//! | `requests` | `<agency>/<number>` | request, token digest and chain head (JSON) |
//! | `request_history` | `<agency>/<number>/<seq, 10 digits>` | audit entry (JSON) |
//! | `schedules` | `<agency>/<id>` | schedule and chain head (JSON) |
//! | `schedule_history` | `<agency>/<id>/<seq, 10 digits>` | audit entry (JSON) |
//! | `holds` | `<agency>/<id>` | hold and chain head (JSON) |
//! | `hold_history` | `<agency>/<id>/<seq, 10 digits>` | audit entry (JSON) |
//! | `hold_members` | `<agency>/<hold id>/<record id>` | nothing: the records a hold covers |
//! | `dispositions` | `<agency>/<list id>` | destruction list (JSON) |
//! | `disposition_items` | `<agency>/<list id>/<record id>` | a record on the list (JSON) |
//! | `tombstones` | `<agency>/<record id>` | what stays of a destroyed record (JSON) |
//! | `fixity_runs` | `<agency>` | the agency's latest fixity run (JSON) |

use std::ops::Range;

use crate::clock::Timestamp;
use crate::model::{
    AgencyId, DispositionListId, DocumentId, HoldId, Record, RecordId, RequestNumber, ScheduleId,
    publication_time,
};
use crate::store::ListPosition;

/// Key of record `id` in `records`.
pub fn record(agency: &AgencyId, id: &RecordId) -> String {
    format!("{agency}/{id}")
}

/// Key of audit entry `seq` of record `id` in `history`.
pub fn history(agency: &AgencyId, id: &RecordId, seq: u64) -> String {
    format!("{agency}/{id}/{seq:010}")
}

/// The keys of record `id`'s history from `seq` on.
pub fn history_from(agency: &AgencyId, id: &RecordId, seq: u64) -> Range<String> {
    history(agency, id, seq)..format!("{agency}/{id}0")
}

/// Key of `record`'s place in `listing`.
pub fn listing(record: &Record) -> String {
    listing_at(
        &record.agency,
        record.updated_at.as_millis(),
        record.id.as_str(),
    )
}

fn listing_at(agency: &AgencyId, updated_at: i64, id: &str) -> String {
    format!("{agency}/{updated_at:013}/{id}")
}

/// The listing keys of `agency` before `after` (all of them without it): read backwards,
/// the newest first.
pub fn listing_before(agency: &AgencyId, after: Option<&ListPosition>) -> Range<String> {
    let end = match after {
        Some(position) => listing_at(agency, position.at, &position.id),
        None => format!("{agency}0"),
    };
    format!("{agency}/")..end
}

/// Key of `record`'s place in `public_listing` (only a publicly visible record has one).
pub fn public_listing(record: &Record) -> String {
    listing_at(
        &record.agency,
        publication_time(record).as_millis(),
        record.id.as_str(),
    )
}

/// The `public_listing` keys of `agency` published in `window` (all without it) and before
/// `after` (all without it): read backwards, the most recently published first.
pub fn public_listing_before(
    agency: &AgencyId,
    window: Option<(Timestamp, Timestamp)>,
    after: Option<&ListPosition>,
) -> Range<String> {
    let start = match window {
        Some((from, _)) => format!("{agency}/{:013}", from.as_millis()),
        None => format!("{agency}/"),
    };
    let mut end = match window {
        Some((_, to)) => format!("{agency}/{:013}", to.as_millis()),
        None => format!("{agency}0"),
    };
    if let Some(position) = after {
        end = end.min(listing_at(agency, position.at, &position.id));
    }
    start..end
}

/// The record id a listing key ends with.
pub fn listed_id(listing_key: &str) -> Option<RecordId> {
    RecordId::parse(listing_key.rsplit('/').next()?)
}

/// Key of document `id` of record `record` in `documents`.
pub fn document(agency: &AgencyId, record: &RecordId, id: &DocumentId) -> String {
    format!("{agency}/{record}/{id}")
}

/// The keys of record `record`'s documents after `after` (all of them without it).
pub fn documents_after(
    agency: &AgencyId,
    record: &RecordId,
    after: Option<&DocumentId>,
) -> Range<String> {
    let start = match after {
        // The first key after `after`'s.
        Some(after) => format!("{}\u{0}", document(agency, record, after)),
        None => format!("{agency}/{record}/"),
    };
    start..format!("{agency}/{record}0")
}

/// The keys of every document of `agency`, all its records', in `documents`.
pub fn documents_of(agency: &AgencyId) -> Range<String> {
    format!("{agency}/")..format!("{agency}0")
}

/// Key of the response kept for idempotency key `key` in `idempotency`.
pub fn idempotency(agency: &AgencyId, key: &str) -> String {
    format!("{agency}/{key}")
}

/// Key of the profile of `agency` in `agencies`.
pub fn agency(agency: &AgencyId) -> String {
    agency.to_string()
}

/// Key of audit entry `seq` of `agency`'s chain in `agency_history`.
pub fn agency_history(agency: &AgencyId, seq: u64) -> String {
    format!("{agency}/{seq:010}")
}

/// The keys of `agency`'s chain from `seq` on.
pub fn agency_history_from(agency: &AgencyId, seq: u64) -> Range<String> {
    agency_history(agency, seq)..format!("{agency}0")
}

/// Key of `agency`'s counter for `year` in `request_counters`.
pub fn request_counter(agency: &AgencyId, year: i16) -> String {
    format!("{agency}/{year}")
}

/// Key of request `number` in `requests`.
pub fn request(agency: &AgencyId, number: RequestNumber) -> String {
    format!("{agency}/{number}")
}

/// The keys of every request of `agency` in `requests` (`/` is followed by `0`).
pub fn requests_of(agency: &AgencyId) -> std::ops::Range<String> {
    format!("{agency}/")..format!("{agency}0")
}

/// Key of audit entry `seq` of request `number` in `request_history`.
pub fn request_history(agency: &AgencyId, number: RequestNumber, seq: u64) -> String {
    format!("{agency}/{number}/{seq:010}")
}

/// The keys of request `number`'s chain from `seq` on.
pub fn request_history_from(agency: &AgencyId, number: RequestNumber, seq: u64) -> Range<String> {
    request_history(agency, number, seq)..format!("{agency}/{number}0")
}

/// Key of schedule `id` in `schedules`.
pub fn schedule(agency: &AgencyId, id: &ScheduleId) -> String {
    format!("{agency}/{id}")
}

/// The keys of every schedule of `agency` in `schedules`.
pub fn schedules_of(agency: &AgencyId) -> Range<String> {
    format!("{agency}/")..format!("{agency}0")
}

/// Key of audit entry `seq` of schedule `id` in `schedule_history`.
pub fn schedule_history(agency: &AgencyId, id: &ScheduleId, seq: u64) -> String {
    format!("{agency}/{id}/{seq:010}")
}

/// The keys of schedule `id`'s chain from `seq` on.
pub fn schedule_history_from(agency: &AgencyId, id: &ScheduleId, seq: u64) -> Range<String> {
    schedule_history(agency, id, seq)..format!("{agency}/{id}0")
}

/// Key of hold `id` in `holds`.
pub fn hold(agency: &AgencyId, id: &HoldId) -> String {
    format!("{agency}/{id}")
}

/// The keys of every hold of `agency` in `holds`.
pub fn holds_of(agency: &AgencyId) -> Range<String> {
    format!("{agency}/")..format!("{agency}0")
}

/// Key of audit entry `seq` of hold `id` in `hold_history`.
pub fn hold_history(agency: &AgencyId, id: &HoldId, seq: u64) -> String {
    format!("{agency}/{id}/{seq:010}")
}

/// The keys of hold `id`'s chain from `seq` on.
pub fn hold_history_from(agency: &AgencyId, id: &HoldId, seq: u64) -> Range<String> {
    hold_history(agency, id, seq)..format!("{agency}/{id}0")
}

/// Key of record `record`'s membership of hold `id` in `hold_members`.
pub fn hold_member(agency: &AgencyId, id: &HoldId, record: &RecordId) -> String {
    format!("{agency}/{id}/{record}")
}

/// The `hold_members` keys of hold `id` after record `after` (all without it).
pub fn hold_members_after(
    agency: &AgencyId,
    id: &HoldId,
    after: Option<&RecordId>,
) -> Range<String> {
    let start = match after {
        Some(after) => format!("{}\u{0}", hold_member(agency, id, after)),
        None => format!("{agency}/{id}/"),
    };
    start..format!("{agency}/{id}0")
}

/// Key of destruction list `id` in `dispositions`.
pub fn disposition(agency: &AgencyId, id: &DispositionListId) -> String {
    format!("{agency}/{id}")
}

/// The keys of every destruction list of `agency` in `dispositions`.
pub fn dispositions_of(agency: &AgencyId) -> Range<String> {
    format!("{agency}/")..format!("{agency}0")
}

/// Key of record `record` on list `list` in `disposition_items`.
pub fn disposition_item(agency: &AgencyId, list: &DispositionListId, record: &RecordId) -> String {
    format!("{agency}/{list}/{record}")
}

/// The `disposition_items` keys of list `list` after record `after` (all without it).
pub fn disposition_items_after(
    agency: &AgencyId,
    list: &DispositionListId,
    after: Option<&RecordId>,
) -> Range<String> {
    let start = match after {
        Some(after) => format!("{}\u{0}", disposition_item(agency, list, after)),
        None => format!("{agency}/{list}/"),
    };
    start..format!("{agency}/{list}0")
}

/// Key of record `id`'s tombstone in `tombstones`.
pub fn tombstone(agency: &AgencyId, id: &RecordId) -> String {
    format!("{agency}/{id}")
}
