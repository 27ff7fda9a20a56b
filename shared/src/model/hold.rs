//! Named legal holds: a hold (a lawsuit, an audit, a records request under appeal) covers
//! records, and while any hold covers a record nothing can delete or destroy it. A record
//! may be under several. Each hold has its own audit chain; placing a record under it, or
//! lifting it, is a link of both the hold's chain and the record's.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, ChainHead, Changes};
use super::fields::{Fields, check_text, string};
use super::ids::{AgencyId, HoldId, RecordId};
use super::record::StoredRecord;
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on holds.
pub mod limits {
    /// Most characters in a name.
    pub const NAME_MAX_CHARS: usize = 200;
    /// Most characters in a reason.
    pub const REASON_MAX_CHARS: usize = 2_000;
    /// Most named holds on one record.
    pub const HOLDS_PER_RECORD: usize = 20;
    /// Most records under one hold.
    pub const RECORDS_PER_HOLD: u32 = 1_000;
}

/// Whether a hold still holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HoldStatus {
    /// It covers its records.
    Active,
    /// It was released: it covers nothing, and nothing can be placed under it.
    Released,
}

/// A named legal hold, exactly as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// ULID, assigned on create.
    pub id: HoldId,
    /// The owning agency.
    pub agency: AgencyId,
    /// 1 to 200 characters, e.g. "Smith v. City of Springfield".
    pub name: String,
    /// Why, up to 2,000 characters.
    pub reason: String,
    /// Active or released.
    pub status: HoldStatus,
    /// How many records it covers now.
    pub records: u32,
    /// Starts at 1; every change (a record placed or lifted too) adds one.
    pub version: u64,
    /// When it was created.
    pub created_at: Timestamp,
    /// The `sub` of its creator.
    pub created_by: String,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The `sub` of whoever changed it last.
    pub updated_by: String,
}

impl Hold {
    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }
}

/// A hold as stored: the hold and the head of its audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHold {
    /// The hold.
    pub hold: Hold,
    /// Its chain's last entry.
    pub head: ChainHead,
}

impl StoredHold {
    /// A new, active hold from `body`, covering nothing yet, and its first entry.
    pub fn create(
        id: HoldId,
        agency: AgencyId,
        body: HoldBody,
        at: Timestamp,
        actor: &str,
    ) -> (Self, AuditEntry) {
        let hold = Hold {
            id,
            agency,
            name: body.name,
            reason: body.reason,
            status: HoldStatus::Active,
            records: 0,
            version: 1,
            created_at: at,
            created_by: actor.to_owned(),
            updated_at: at,
            updated_by: actor.to_owned(),
        };
        let changes = Changes::from([
            ("id".to_owned(), [Value::Null, json!(hold.id)]),
            ("name".to_owned(), [Value::Null, json!(hold.name)]),
            ("reason".to_owned(), [Value::Null, json!(hold.reason)]),
        ]);
        let entry = AuditEntry::next(
            &ChainHead::genesis(),
            at,
            actor,
            AuditAction::HoldCreate,
            changes,
        );
        let head = entry.head();
        (Self { hold, head }, entry)
    }

    /// This hold with `record` placed under it (`placing`) or lifted from it, by `actor`
    /// at `at`: one version more, its count moved, and a `hold.place` or `hold.lift`
    /// entry naming the record.
    pub fn cover(
        &self,
        record: &RecordId,
        placing: bool,
        at: Timestamp,
        actor: &str,
    ) -> (Self, AuditEntry) {
        let mut hold = self.hold.clone();
        let (action, change) = if placing {
            hold.records += 1;
            (AuditAction::HoldPlace, [Value::Null, json!("held")])
        } else {
            hold.records = hold.records.saturating_sub(1);
            (AuditAction::HoldLift, [json!("held"), Value::Null])
        };
        let changes = Changes::from([(format!("records/{record}"), change)]);
        self.next(hold, at, actor, action, changes)
    }

    /// This hold released, by `actor` at `at` (it must cover nothing by then).
    pub fn release(&self, at: Timestamp, actor: &str) -> (Self, AuditEntry) {
        let mut hold = self.hold.clone();
        hold.status = HoldStatus::Released;
        let changes = Changes::from([(
            "status".to_owned(),
            [json!(HoldStatus::Active), json!(HoldStatus::Released)],
        )]);
        self.next(hold, at, actor, AuditAction::HoldRelease, changes)
    }

    fn next(
        &self,
        mut hold: Hold,
        at: Timestamp,
        actor: &str,
        action: AuditAction,
        changes: Changes,
    ) -> (Self, AuditEntry) {
        hold.version += 1;
        hold.updated_at = at;
        actor.clone_into(&mut hold.updated_by);
        let entry = AuditEntry::next(&self.head, at, actor, action, changes);
        let head = entry.head();
        (Self { hold, head }, entry)
    }
}

/// A record placed under a hold, or lifted from it: the next version of each, and the
/// entry each chain gains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Covering {
    /// The record, its `holds` changed.
    pub record: StoredRecord,
    /// Its `record.update` entry (the change of `holds`, and of `legal_hold` if it moved).
    pub record_entry: AuditEntry,
    /// The hold, its count changed.
    pub hold: StoredHold,
    /// Its `hold.place` or `hold.lift` entry.
    pub hold_entry: AuditEntry,
}

impl Covering {
    /// `record` placed under `hold` (`placing`) or lifted from it, by `actor` at `at`;
    /// `None` if it already is (placing), or is not (lifting), under it.
    pub fn of(
        record: &StoredRecord,
        hold: &StoredHold,
        placing: bool,
        at: Timestamp,
        actor: &str,
    ) -> Option<Self> {
        let was = &record.record;
        let under = was.holds.contains(&hold.hold.id);
        if under == placing {
            return None;
        }
        let mut holds = was.holds.clone();
        if placing {
            holds.push(hold.hold.id.clone());
        } else {
            holds.retain(|id| *id != hold.hold.id);
        }
        let mut next = was.clone();
        next.set_holds(was.held_directly(), holds);
        let (record, record_entry) = record.revise(next, at, actor)?;
        let (hold, hold_entry) = hold.cover(&was.id, placing, at, actor);
        Some(Self {
            record,
            record_entry,
            hold,
            hold_entry,
        })
    }
}

/// The body of `POST /holds`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldBody {
    /// 1 to 200 characters.
    pub name: String,
    /// 1 to 2,000 characters.
    pub reason: String,
}

impl HoldBody {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["name", "reason"])?;
        let name = fields.required("name", |_, v| text(v, limits::NAME_MAX_CHARS, false));
        let reason = fields.required("reason", |_, v| text(v, limits::REASON_MAX_CHARS, true));
        fields.finish()?;
        match (name, reason) {
            (Some(name), Some(reason)) => Ok(Self { name, reason }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }
}

fn text(value: &Value, max: usize, newline_ok: bool) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    check_text(text, max, newline_ok)?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis)
    }

    #[test]
    fn placing_and_lifting_count_records_on_one_chain() {
        let body =
            HoldBody::from_json(&json!({"name": "Smith v. City", "reason": "Litigation"})).unwrap();
        let agency = AgencyId::parse("parks").unwrap();
        let (hold, first) =
            StoredHold::create(HoldId::generate(at(0)), agency, body, at(0), "olga");
        assert_eq!(first.action, AuditAction::HoldCreate);
        let record = RecordId::generate(at(0));
        let (placed, place) = hold.cover(&record, true, at(1), "olga");
        assert_eq!((placed.hold.records, placed.hold.version), (1, 2));
        assert_eq!(place.action, AuditAction::HoldPlace);
        assert_eq!(
            place.changes[&format!("records/{record}")],
            [Value::Null, json!("held")]
        );
        let (lifted, lift) = placed.cover(&record, false, at(2), "otto");
        assert_eq!((lifted.hold.records, lifted.hold.version), (0, 3));
        assert_eq!(lift.action, AuditAction::HoldLift);
        assert_eq!(lifted.hold.updated_by, "otto");
        let (released, release) = lifted.release(at(3), "olga");
        assert_eq!(released.hold.status, HoldStatus::Released);
        assert_eq!(release.seq, 4);
        assert!(crate::model::verify_chain(&[first, place, lift, release]).is_ok());
    }

    #[test]
    fn a_body_needs_a_name_and_a_reason() {
        let errors = HoldBody::from_json(&json!({"name": " ", "why": "x"})).unwrap_err();
        let mut names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["name", "reason", "why"]);
        let long = "x".repeat(limits::REASON_MAX_CHARS + 1);
        assert!(HoldBody::from_json(&json!({"name": "N", "reason": long})).is_err());
        let ok = HoldBody::from_json(&json!({"name": "N", "reason": "Two\nlines"})).unwrap();
        assert_eq!(ok.reason, "Two\nlines");
    }
}
