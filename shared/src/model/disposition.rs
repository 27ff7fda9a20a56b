//! Disposition: what happens to a record when its retention ends. A monthly review lists,
//! per agency, the archived records whose retention has passed and that nothing holds
//! (a destruction list, one per month); an officer other than the one who last set a
//! record's schedule approves or excludes each; an approved record is destroyed by a
//! queue-driven worker, which leaves a [`Tombstone`] in its place. A list's destroyed
//! records make its certificate of destruction.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, Changes};
use super::fields::{Fields, check_text, string};
use super::ids::{AgencyId, RecordId, ScheduleId};
use super::record::{Classification, Record, Status, StoredRecord};
use super::schedule::DisposalAction;
use crate::clock::{Date, Timestamp};
use crate::error::FieldError;

/// The limits on disposition.
pub mod limits {
    /// Most characters in a decision's reason.
    pub const REASON_MAX_CHARS: usize = 2_000;
}

/// A destruction list's id: the month of the review that opened it, `2026-12`. A second
/// review in the same month adds to that month's list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DispositionListId(String);

impl DispositionListId {
    /// The list of the month `date` falls in.
    pub fn of(date: Date) -> Self {
        Self(date.to_string()[..7].to_owned())
    }

    /// Accepts `YYYY-MM` with a month from 01 to 12.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.split_once('-')?;
        let digits =
            |part: &str, len| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        let month_ok = month.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
        (digits(year, 4) && digits(month, 2) && month_ok).then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DispositionListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DispositionListId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DispositionListId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("malformed list id"))
    }
}

/// A destruction list, as `GET /disposition/lists` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispositionList {
    /// The month, `2026-12`.
    pub id: DispositionListId,
    /// The owning agency.
    pub agency: AgencyId,
    /// When the first review of the month opened it.
    pub opened_at: Timestamp,
    /// How many records were listed on it.
    pub items: u32,
}

/// Where a listed record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    /// Awaiting an officer's decision.
    Pending,
    /// Approved: its destruction is queued (or waits for Object Lock to let go).
    Approved,
    /// Excluded by an officer, with a reason: kept. A later review may list it again.
    Excluded,
    /// Destroyed: a tombstone stands in its place.
    Destroyed,
    /// Approved, but not destroyed: it changed, or a hold covered it, before the worker
    /// came. A later review lists it again if it is still due.
    Stopped,
}

impl ItemState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Excluded => "excluded",
            Self::Destroyed => "destroyed",
            Self::Stopped => "stopped",
        }
    }

    /// Whether a later review may list the record again.
    pub fn is_settled_without_destruction(self) -> bool {
        matches!(self, Self::Excluded | Self::Stopped)
    }
}

/// A record on a destruction list, as `GET /disposition/lists/{id}` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispositionItem {
    /// The list.
    pub list: DispositionListId,
    /// The owning agency.
    pub agency: AgencyId,
    /// The record.
    pub record: RecordId,
    /// Its title when listed (a tombstone keeps no title; the list does, for officers).
    pub title: String,
    /// Its schedule, if any (a record with a typed retention date has none).
    pub schedule: Option<ScheduleId>,
    /// What its schedule says to do (`review` when it has none).
    pub action: DisposalAction,
    /// The retention date that passed.
    pub retention_until: Date,
    /// The record's version when listed: an approval destroys that version only.
    pub record_version: u64,
    /// Who last set the record's schedule (or its retention date), who may not decide.
    pub schedule_set_by: Option<String>,
    /// When it was listed.
    pub listed_at: Timestamp,
    /// Where it stands.
    pub state: ItemState,
    /// Who approved or excluded it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// Why.
    pub reason: Option<String>,
    /// Until when Object Lock keeps its documents: the destruction waits until then.
    pub waiting_until: Option<Timestamp>,
    /// Why an approved destruction did not happen.
    pub stopped_because: Option<String>,
    /// When it was destroyed.
    pub destroyed_at: Option<Timestamp>,
    /// Starts at 1; every change adds one.
    pub version: u64,
}

impl DispositionItem {
    /// `record`, due since `retention_until` and with its schedule last set by
    /// `schedule_set_by`, listed on `list` at `at`.
    pub fn listed(
        list: &DispositionListId,
        record: &Record,
        action: DisposalAction,
        retention_until: Date,
        schedule_set_by: Option<String>,
        at: Timestamp,
    ) -> Self {
        Self {
            list: list.clone(),
            agency: record.agency.clone(),
            record: record.id.clone(),
            title: record.title.clone(),
            schedule: record.schedule.clone(),
            action,
            retention_until,
            record_version: record.version,
            schedule_set_by,
            listed_at: at,
            state: ItemState::Pending,
            decided_by: None,
            decided_at: None,
            reason: None,
            waiting_until: None,
            stopped_because: None,
            destroyed_at: None,
            version: 1,
        }
    }

    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// This item decided by `actor` at `at`, and the entry the record's chain gains, or
    /// why it may not be.
    pub fn decide(
        &self,
        record: &StoredRecord,
        decision: &Decision,
        at: Timestamp,
        actor: &str,
    ) -> Result<(Self, StoredRecord, AuditEntry), Refusal> {
        if self.state != ItemState::Pending {
            return Err(Refusal::AlreadyDecided(self.state));
        }
        if self.schedule_set_by.as_deref() == Some(actor) {
            return Err(Refusal::SameOfficer);
        }
        if record.record.version != self.record_version {
            return Err(Refusal::RecordChanged);
        }
        let mut next = self.clone();
        next.state = if decision.approve {
            ItemState::Approved
        } else {
            ItemState::Excluded
        };
        next.decided_by = Some(actor.to_owned());
        next.decided_at = Some(at);
        next.reason = Some(decision.reason.clone());
        next.version += 1;
        let action = if decision.approve {
            AuditAction::DispositionApprove
        } else {
            AuditAction::DispositionExclude
        };
        let changes = Changes::from([
            (
                "disposition/list".to_owned(),
                [Value::Null, json!(self.list)],
            ),
            (
                "disposition/reason".to_owned(),
                [Value::Null, json!(decision.reason)],
            ),
        ]);
        let (record, entry) = record.append(at, actor, action, changes);
        Ok((next, record, entry))
    }

    /// This approved item, stopped at `at` because of `why`.
    pub fn stop(&self, why: &str) -> Self {
        let mut next = self.clone();
        next.state = ItemState::Stopped;
        next.stopped_because = Some(why.to_owned());
        next.version += 1;
        next
    }

    /// This approved item, waiting for Object Lock to let go at `until`.
    pub fn wait_until(&self, until: Timestamp) -> Self {
        let mut next = self.clone();
        next.waiting_until = Some(until);
        next.version += 1;
        next
    }

    /// What still stands between this approved item's record and its destruction at
    /// `today`, given its retention date now (`None` if the record has none any more).
    pub fn obstacle(
        &self,
        record: &Record,
        retention_now: Option<Date>,
        today: Date,
    ) -> Option<&'static str> {
        if record.version != self.record_version {
            Some("the record changed after it was listed")
        } else if record.legal_hold {
            Some("the record is under legal hold")
        } else if record.status != Status::Archived {
            Some("the record is no longer archived")
        } else if retention_now.is_none_or(|until| until >= today) {
            Some("the record's retention has not passed")
        } else {
            None
        }
    }

    /// `record` destroyed at `at` under this approved item: the item, the record's last
    /// entry (`record.destroy`, by the approving officer, naming the facts of the
    /// certificate), and the tombstone.
    pub fn destroy(&self, record: &StoredRecord, at: Timestamp) -> Destruction {
        let approved_by = self.decided_by.clone().unwrap_or_default();
        let tombstone = Tombstone {
            id: record.record.id.clone(),
            agency: record.record.agency.clone(),
            schedule: record.record.schedule.clone(),
            classification: record.record.classification,
            created_at: record.record.created_at,
            destroyed_at: at,
            approved_by: approved_by.clone(),
            list: self.list.clone(),
            content_hash: record.head.hash.clone(),
        };
        let changes = Changes::from([
            (
                "disposition/list".to_owned(),
                [Value::Null, json!(self.list)],
            ),
            (
                "disposition/approved_by".to_owned(),
                [Value::Null, json!(approved_by)],
            ),
            (
                "disposition/content_hash".to_owned(),
                [Value::Null, json!(tombstone.content_hash)],
            ),
        ]);
        let (_, entry) = record.append(at, &approved_by, AuditAction::Destroy, changes);
        let mut item = self.clone();
        item.state = ItemState::Destroyed;
        item.destroyed_at = Some(at);
        item.waiting_until = None;
        item.version += 1;
        Destruction {
            item,
            entry,
            tombstone,
        }
    }
}

/// An approve or exclude, validated: `{"decision": "approve" | "exclude", "reason": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Approve (`true`) or exclude.
    pub approve: bool,
    /// Why, 1 to 2,000 characters.
    pub reason: String,
}

impl Decision {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["decision", "reason"])?;
        let approve = fields.required("decision", |_, v| match string(v)? {
            "approve" => Ok(true),
            "exclude" => Ok(false),
            _ => Err("must be \"approve\" or \"exclude\"".to_owned()),
        });
        let reason = fields.required("reason", |_, v| {
            let text = string(v)?;
            if text.trim().is_empty() {
                return Err("must not be empty".to_owned());
            }
            check_text(text, limits::REASON_MAX_CHARS, true)?;
            Ok(text.to_owned())
        });
        fields.finish()?;
        match (approve, reason) {
            (Some(approve), Some(reason)) => Ok(Self { approve, reason }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }
}

/// Why a decision is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Someone decided first.
    AlreadyDecided(ItemState),
    /// The officer who last set the record's schedule may not decide its disposal.
    SameOfficer,
    /// The record changed since it was listed: the next review lists it afresh.
    RecordChanged,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyDecided(state) => write!(f, "The item is already {}.", state.as_str()),
            Self::SameOfficer => f.write_str(
                "The officer who last set the record's schedule may not decide its disposal; another officer must.",
            ),
            Self::RecordChanged => f.write_str(
                "The record changed after it was listed; the next review lists it again if it is still due.",
            ),
        }
    }
}

/// A destruction to write: the item, the record's last entry, and its tombstone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destruction {
    /// The item, destroyed.
    pub item: DispositionItem,
    /// The record's `record.destroy` entry.
    pub entry: AuditEntry,
    /// What stays of the record.
    pub tombstone: Tombstone,
}

/// What stays of a destroyed record: enough to prove what was destroyed, when, under what
/// authority, with none of its content. `GET /records/{id}` answers it with 410.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The record's id.
    pub id: RecordId,
    /// Its agency.
    pub agency: AgencyId,
    /// Its schedule, if it had one.
    pub schedule: Option<ScheduleId>,
    /// Its classification: a confidential record's tombstone is shown only to those who
    /// could see the record.
    pub classification: Classification,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was destroyed.
    pub destroyed_at: Timestamp,
    /// The officer who approved the destruction.
    pub approved_by: String,
    /// The destruction list it was on.
    pub list: DispositionListId,
    /// The hash of the record's last audit entry before its destruction: its chain (which
    /// stays) verifies up to it without the content.
    pub content_hash: String,
}

/// A list's certificate of destruction: every record of it destroyed, with the facts each
/// record's chain also holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// The agency.
    pub agency: AgencyId,
    /// The list.
    pub list: DispositionListId,
    /// When this certificate was issued.
    pub issued_at: Timestamp,
    /// Records listed that were not destroyed (pending, excluded, stopped, waiting).
    pub not_destroyed: u32,
    /// The destroyed records, in id order.
    pub destroyed: Vec<CertifiedDestruction>,
}

/// One destroyed record on a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertifiedDestruction {
    /// The record.
    pub id: RecordId,
    /// Its title when listed.
    pub title: String,
    /// Its schedule, if any.
    pub schedule: Option<ScheduleId>,
    /// The retention date that passed.
    pub retention_until: Date,
    /// Who approved, when, and why.
    pub approved_by: Option<String>,
    /// When the approval was given.
    pub approved_at: Option<Timestamp>,
    /// The approval's reason.
    pub reason: Option<String>,
    /// When it was destroyed.
    pub destroyed_at: Option<Timestamp>,
}

impl CertifiedDestruction {
    /// The certificate's line for a destroyed `item`.
    pub fn of(item: &DispositionItem) -> Self {
        Self {
            id: item.record.clone(),
            title: item.title.clone(),
            schedule: item.schedule.clone(),
            retention_until: item.retention_until,
            approved_by: item.decided_by.clone(),
            approved_at: item.decided_at,
            reason: item.reason.clone(),
            destroyed_at: item.destroyed_at,
        }
    }
}

/// One approved destruction to carry out: what the destruction queue holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestructionOrder {
    /// The agency.
    pub agency: AgencyId,
    /// The list.
    pub list: DispositionListId,
    /// The record.
    pub record: RecordId,
}

impl DestructionOrder {
    /// The order that carries out `item`.
    pub fn of(item: &DispositionItem) -> Self {
        Self {
            agency: item.agency.clone(),
            list: item.list.clone(),
            record: item.record.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
