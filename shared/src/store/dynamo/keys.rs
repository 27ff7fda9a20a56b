//! Every key of the table, written once.
//!
//! | item | pk | sk | other keys |
//! |---|---|---|---|
//! | record | `A#<agency>#R#<id>` | `RECORD` | `gsi1pk=A#<agency>`, `gsi2pk=A#<agency>#S#<status>`, both `gsi*sk=<updated_at ms, 13 digits>#<id>`; while publicly visible, `gsi3pk=A#<agency>#PUBLIC`, `gsi3sk=<publication ms, 13 digits>#<id>` |
//! | audit entry | `A#<agency>#R#<id>` | `AUDIT#<seq, 10 digits>` | |
//! | document | `A#<agency>#R#<id>` | `DOC#<document id>` | while available or damaged, `gsi4pk=A#<agency>#FIXITY`, `gsi4sk=<last checked ms, 13 digits>#<record id>#<document id>`; while pending, `gsi4pk=A#<agency>#PENDING`, `gsi4sk=<announced ms, 13 digits>#<record id>#<document id>` |
//! | idempotent response | `A#<agency>#IDEM#<key>` | `IDEM` | TTL attribute `expires_at` |
//! | agency profile | `A#<agency>#AGENCY` | `PROFILE` | `gsi3pk=AGENCIES`, `gsi3sk=<agency>` |
//! | agency audit entry | `A#<agency>#AGENCY` | `AUDIT#<seq, 10 digits>` | |
//! | records request | `A#<agency>#Q#<number>` | `REQUEST` | `gsi2pk=A#<agency>#Q`, `gsi2sk=`[`RequestListing::All`]'s sort key; while open, `gsi3pk=A#<agency>#QOPEN`, `gsi3sk=`[`RequestListing::Open`]'s |
//! | request audit entry | `A#<agency>#Q#<number>` | `AUDIT#<seq, 10 digits>` | |
//! | request counter | `A#<agency>#QSEQ#<year>` | `COUNTER` | |
//! | retention schedule | `A#<agency>#SCHEDULES` | `SCHEDULE#<id>` | |
//! | schedule audit entry | `A#<agency>#SCHED#<id>` | `AUDIT#<seq, 10 digits>` | |
//! | legal hold | `A#<agency>#HOLDS` | `HOLD#<id>` | |
//! | hold audit entry | `A#<agency>#HOLD#<id>` | `AUDIT#<seq, 10 digits>` | |
//! | record under a hold | `A#<agency>#HOLD#<id>` | `R#<record id>` | |
//! | destruction list | `A#<agency>#DISPOSITION` | `LIST#<YYYY-MM>` | |
//! | record on a destruction list | `A#<agency>#DLIST#<YYYY-MM>` | `R#<record id>` | |
//! | tombstone of a destroyed record | `A#<agency>#R#<id>` | `TOMBSTONE` | |
//! | an agency's latest fixity run | `A#<agency>#FIXITY` | `RUN` | |
//!
//! `gsi4` is the fixity rotation: an agency's documents, least recently checked first.
//! `gsi1` holds record items alone (anchoring scans it); requests use `gsi2` and `gsi3`
//! under partitions of their own. An agency's schedules share one partition, so its whole
//! list is one strongly consistent query.
//!
//! [`RequestListing::All`]: crate::store::RequestListing::All
//! [`RequestListing::Open`]: crate::store::RequestListing::Open
//!
//! The agency is part of every partition key, so no read of one agency can ever return
//! another's item.

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{Fields, Item, s};
use crate::clock::Timestamp;
use crate::model::{
    AgencyId, DispositionListId, Document, DocumentId, HoldId, Record, RecordId, RequestNumber,
    ScheduleId, Status, is_publicly_visible, publication_time,
};
use crate::store::{ListPosition, RequestListing, StoreError};

/// Sort key of a record item.
pub const RECORD_SK: &str = "RECORD";
/// Sort key of an agency profile.
pub const PROFILE_SK: &str = "PROFILE";
/// Sort key of an idempotent response.
pub const IDEMPOTENCY_SK: &str = "IDEM";
/// Sort-key prefix of a record's documents.
pub const DOCUMENT_SK_PREFIX: &str = "DOC#";
/// Largest audit `seq` a key can hold (10 digits).
pub const MAX_AUDIT_SEQ: u64 = 9_999_999_999;

/// The table's partition key attribute (what a stream record's `Keys` name it by).
pub const PARTITION_KEY: &str = "pk";
/// The table's sort key attribute.
pub const SORT_KEY: &str = "sk";

/// Partition key of a record, its history and its documents.
pub fn record_pk(agency: &AgencyId, id: &RecordId) -> String {
    format!("A#{agency}#R#{id}")
}

/// The record whose partition key is `pk` (its item, its history, its documents); `None`
/// for any other partition.
pub fn record_of_pk(pk: &str) -> Option<(AgencyId, RecordId)> {
    let (agency, id) = pk.strip_prefix("A#")?.split_once("#R#")?;
    Some((AgencyId::parse(agency)?, RecordId::parse(id)?))
}

/// Sort key of a records request.
pub const REQUEST_SK: &str = "REQUEST";
/// Sort key of an agency's request counter for a year.
pub const COUNTER_SK: &str = "COUNTER";

/// Partition key of records request `number` and its history.
pub fn request_pk(agency: &AgencyId, number: RequestNumber) -> String {
    format!("A#{agency}#Q#{number}")
}

/// Partition key of `agency`'s request counter for `year`.
pub fn request_counter_pk(agency: &AgencyId, year: i16) -> String {
    format!("A#{agency}#QSEQ#{year}")
}

/// The index, and its key names, that holds `listing` of an agency's requests, and the
/// partition it is under.
pub fn request_listing(
    agency: &AgencyId,
    listing: RequestListing,
) -> (&'static str, &'static str, &'static str, String) {
    match listing {
        RequestListing::All => ("gsi2", "gsi2pk", "gsi2sk", format!("A#{agency}#Q")),
        RequestListing::Open => ("gsi3", "gsi3pk", "gsi3sk", format!("A#{agency}#QOPEN")),
    }
}

/// Partition key of every retention schedule of `agency`.
pub fn schedules_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#SCHEDULES")
}

/// Sort-key prefix of a schedule in its agency's partition.
pub const SCHEDULE_SK_PREFIX: &str = "SCHEDULE#";

/// Sort key of schedule `id`.
pub fn schedule_sk(id: &ScheduleId) -> String {
    format!("{SCHEDULE_SK_PREFIX}{id}")
}

/// Partition key of schedule `id`'s chain.
pub fn schedule_chain_pk(agency: &AgencyId, id: &ScheduleId) -> String {
    format!("A#{agency}#SCHED#{id}")
}

/// Partition key of every legal hold of `agency`.
pub fn holds_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#HOLDS")
}

/// Sort-key prefix of a hold in its agency's partition.
pub const HOLD_SK_PREFIX: &str = "HOLD#";

/// Sort key of hold `id`.
pub fn hold_sk(id: &HoldId) -> String {
    format!("{HOLD_SK_PREFIX}{id}")
}

/// Partition key of hold `id`'s chain and of the records it covers.
pub fn hold_pk(agency: &AgencyId, id: &HoldId) -> String {
    format!("A#{agency}#HOLD#{id}")
}

/// Sort-key prefix of the records a hold covers.
pub const HELD_SK_PREFIX: &str = "R#";

/// Sort key of record `id` under a hold.
pub fn held_sk(id: &RecordId) -> String {
    format!("{HELD_SK_PREFIX}{id}")
}

/// The `gsi4` partition of `agency`'s documents that fixity checks read.
pub fn fixity_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#FIXITY")
}

/// The `gsi4` partition of `agency`'s pending documents, by announcement: the uploads
/// a fixity run gives up when they never came.
pub fn pending_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#PENDING")
}

/// Pending `document`'s place in its agency's pending partition: when it was announced.
pub fn pending_sk(document: &Document) -> String {
    fixity_sk_at(
        document.created_at.as_millis(),
        &document.record_id,
        &document.id,
    )
}

/// The `gsi4` sort keys of pending documents announced before `at` are those below this.
pub fn pending_sk_before(at: Timestamp) -> String {
    format!("{:013}", at.as_millis())
}

/// Sort key of an agency's latest fixity run, in its `A#<agency>#FIXITY` partition (the
/// same text as the rotation's `gsi4pk`, in the table's own key).
pub const FIXITY_RUN_SK: &str = "RUN";

/// `document`'s place in its agency's fixity rotation: when it was last checked (or
/// verified), then which it is.
pub fn fixity_sk(document: &Document) -> String {
    fixity_sk_at(
        document.fixity_checked_at().as_millis(),
        &document.record_id,
        &document.id,
    )
}

/// The fixity rotation's sort key of document `id` of `record` last checked at `millis`.
pub fn fixity_sk_at(millis: i64, record: &RecordId, id: &DocumentId) -> String {
    format!("{millis:013}#{record}#{id}")
}

/// Partition key of every destruction list of `agency`.
pub fn dispositions_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#DISPOSITION")
}

/// Sort-key prefix of a destruction list in its agency's partition.
pub const DISPOSITION_SK_PREFIX: &str = "LIST#";

/// Sort key of destruction list `id`.
pub fn disposition_sk(id: &DispositionListId) -> String {
    format!("{DISPOSITION_SK_PREFIX}{id}")
}

/// Partition key of the records on destruction list `id`.
pub fn disposition_items_pk(agency: &AgencyId, id: &DispositionListId) -> String {
    format!("A#{agency}#DLIST#{id}")
}

/// Sort key of record `id` on a destruction list.
pub fn disposition_item_sk(id: &RecordId) -> String {
    format!("{HELD_SK_PREFIX}{id}")
}

/// Sort key of a destroyed record's tombstone, in the record's partition.
pub const TOMBSTONE_SK: &str = "TOMBSTONE";

/// The `gsi3` partition listing every agency profile, by agency id.
pub const AGENCIES_GSI3PK: &str = "AGENCIES";

/// Partition key of an agency's profile and its history.
pub fn agency_pk(agency: &AgencyId) -> String {
    format!("A#{agency}#AGENCY")
}

/// Sort key of audit entry `seq`: zero-padded, so keys sort as numbers.
pub fn audit_sk(seq: u64) -> String {
    format!("AUDIT#{seq:010}")
}

/// Sort key of document `id` (a ULID: key order is creation order).
pub fn document_sk(id: &DocumentId) -> String {
    format!("{DOCUMENT_SK_PREFIX}{id}")
}

/// Partition key of the response kept for idempotency key `key`.
pub fn idempotency_pk(agency: &AgencyId, key: &str) -> String {
    format!("A#{agency}#IDEM#{key}")
}

/// The key of `pk`/`sk` as a `GetItem` or `ExclusiveStartKey` takes it.
pub fn primary(pk: String, sk: impl Into<String>) -> Item {
    Item::from([(PARTITION_KEY.into(), s(pk)), (SORT_KEY.into(), s(sk))])
}

/// One of the listings of an agency's records, newest first: gsi1 holds them all and gsi2
/// one status each (so a status filter reads only what it returns), by last update; gsi3
/// the publicly visible ones only, by publication (a sparse index: a record leaves it
/// with the write that makes it not public).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The index.
    pub index: &'static str,
    /// Its partition-key attribute.
    pub pk_name: &'static str,
    /// Its sort-key attribute.
    pub sk_name: &'static str,
    /// The partition listed.
    pub pk: String,
}

impl Listing {
    /// The index of [`Listing::all`]: it holds every record item, and nothing else.
    pub const ALL_INDEX: &'static str = "gsi1";

    /// Every record of `agency`.
    pub fn all(agency: &AgencyId) -> Self {
        Self {
            index: Self::ALL_INDEX,
            pk_name: "gsi1pk",
            sk_name: "gsi1sk",
            pk: format!("A#{agency}"),
        }
    }

    /// The records of `agency` in `status`.
    pub fn by_status(agency: &AgencyId, status: Status) -> Self {
        Self {
            index: "gsi2",
            pk_name: "gsi2pk",
            sk_name: "gsi2sk",
            pk: format!("A#{agency}#S#{}", status.as_str()),
        }
    }

    /// The index of [`Listing::public`] (and of the agency profiles).
    pub const PUBLIC_INDEX: &'static str = "gsi3";

    /// The publicly visible records of `agency`.
    pub fn public(agency: &AgencyId) -> Self {
        Self {
            index: Self::PUBLIC_INDEX,
            pk_name: "gsi3pk",
            sk_name: "gsi3sk",
            pk: format!("A#{agency}#PUBLIC"),
        }
    }

    /// The listing that serves a query for `status` (any status: all records).
    pub fn of(agency: &AgencyId, status: Option<Status>) -> Self {
        match status {
            Some(status) => Self::by_status(agency, status),
            None => Self::all(agency),
        }
    }

    /// The index attributes `record`'s item carries: both staff listings', and the public
    /// listing's while it is publicly visible.
    pub fn attributes_of(record: &Record) -> Vec<(String, AttributeValue)> {
        let sort = sort_key(record.updated_at.as_millis(), record.id.as_str());
        let [all, by_status] = [
            Self::all(&record.agency),
            Self::by_status(&record.agency, record.status),
        ];
        let mut attributes = vec![
            (all.pk_name.into(), s(all.pk)),
            (all.sk_name.into(), s(sort.clone())),
            (by_status.pk_name.into(), s(by_status.pk)),
            (by_status.sk_name.into(), s(sort)),
        ];
        if is_publicly_visible(record) {
            let public = Self::public(&record.agency);
            let published = sort_key(publication_time(record).as_millis(), record.id.as_str());
            attributes.push((public.pk_name.into(), s(public.pk)));
            attributes.push((public.sk_name.into(), s(published)));
        }
        attributes
    }

    /// The sort keys of this listing from `from` up to (not including) `to`, as a
    /// `BETWEEN` takes them.
    /// Times before 1970 have no key (sort keys are unsigned text): the range starts at 0.
    pub fn sort_range(from: Timestamp, to: Timestamp) -> (String, String) {
        // `~` sorts after every id character: the last key of the last millisecond.
        let last = to.as_millis().saturating_sub(1).max(0);
        let first = from.as_millis().clamp(0, last);
        (format!("{first:013}"), format!("{last:013}#~"))
    }

    /// The `ExclusiveStartKey` that resumes this listing after `position`.
    pub fn start_after(
        &self,
        agency: &AgencyId,
        position: &ListPosition,
    ) -> Result<Item, StoreError> {
        let id =
            RecordId::parse(&position.id).ok_or_else(|| StoreError::Corrupt("cursor id".into()))?;
        let mut key = primary(record_pk(agency, &id), RECORD_SK);
        key.insert(self.pk_name.into(), s(&self.pk));
        key.insert(self.sk_name.into(), s(sort_key(position.at, &position.id)));
        Ok(key)
    }

    /// The position a `LastEvaluatedKey` of this listing stands for.
    pub fn position_of(&self, key: &Item) -> Result<ListPosition, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("attribute {}", self.sk_name));
        let fields = Fields(key);
        let (updated, id) = fields
            .str(self.sk_name)?
            .split_once('#')
            .ok_or_else(corrupt)?;
        Ok(ListPosition {
            at: updated.parse().map_err(|_| corrupt())?,
            id: id.to_owned(),
        })
    }
}

/// A listing's sort key: `updated_at` in milliseconds, zero-padded, then the id.
fn sort_key(updated_at: i64, id: &str) -> String {
    format!("{updated_at:013}#{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_by_time_then_id() {
        assert!(sort_key(999, "01B") < sort_key(1000, "01A"));
        assert!(sort_key(1000, "01A") < sort_key(1000, "01B"));
        assert_eq!(audit_sk(7), "AUDIT#0000000007");
        assert_eq!(audit_sk(MAX_AUDIT_SEQ).len(), audit_sk(1).len());
    }

    #[test]
    fn a_sort_range_never_starts_before_1970_nor_after_its_end() {
        let (from, to) =
            Listing::sort_range(Timestamp::from_millis(-5_000), Timestamp::from_millis(3));
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("0000000000000", "0000000000002#~")
        );
        let (from, to) =
            Listing::sort_range(Timestamp::from_millis(-5_000), Timestamp::from_millis(-1));
        assert!(from <= to, "{from} > {to}: DynamoDB refuses such a BETWEEN");
        let (from, to) =
            Listing::sort_range(Timestamp::from_millis(1_000), Timestamp::from_millis(2_000));
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("0000000001000", "0000000001999#~")
        );
    }

    #[test]
    fn a_listing_position_survives_its_start_key() {
        let agency = AgencyId::parse("parks").unwrap();
        let position = ListPosition {
            at: 1_795_688_498_000,
            id: "01KBXQ7R5M3N8P2V6W9Y4Z0A1B".into(),
        };
        for listing in [
            Listing::all(&agency),
            Listing::by_status(&agency, Status::Published),
            Listing::public(&agency),
        ] {
            let key = listing.start_after(&agency, &position).unwrap();
            assert_eq!(listing.position_of(&key).unwrap(), position);
        }
    }
}
