//! Retention schedules: how long an agency keeps a kind of record, counted from which
//! event of the record's life, and what is done once that time has passed. A record names
//! its schedule and its retention date is computed from it. Each schedule has its own
//! audit chain, like a record.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, ChainHead, Changes, changes_between};
use super::fields::{Fields, check_text, string};
use super::ids::{AgencyId, ScheduleId};
use super::record::Record;
use crate::clock::{Date, Timestamp};
use crate::error::FieldError;

/// The limits on a schedule.
pub mod limits {
    /// Most characters in a name.
    pub const NAME_MAX_CHARS: usize = 200;
    /// Most years a schedule keeps a record (a permanent record has no schedule).
    pub const KEEP_MAX_YEARS: u32 = 200;
    /// Most schedules an agency has (its list is read whole).
    pub const SCHEDULES_PER_AGENCY: usize = 500;
}

/// How long a schedule keeps a record: years and months after its event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keep {
    /// 0 to 200.
    pub years: u32,
    /// 0 to 11.
    pub months: u32,
}

impl Keep {
    /// The last day `date`'s record must be kept: `date` plus this period, a missing day
    /// of the month becoming the month's last.
    pub fn after(self, date: Date) -> Date {
        date.plus_months(self.years * 12 + self.months)
    }
}

/// The event of a record's life a schedule counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionEvent {
    /// When the record was created.
    Created,
    /// When it was first published.
    Published,
    /// When it was archived.
    Archived,
}

impl RetentionEvent {
    /// Every value, in order.
    pub const ALL: [Self; 3] = [Self::Created, Self::Published, Self::Archived];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// When this event happened to `record`, if it has.
    pub fn time_of(self, record: &Record) -> Option<Timestamp> {
        match self {
            Self::Created => Some(record.created_at),
            Self::Published => record.published_at,
            Self::Archived => record.archived_at,
        }
    }
}

/// What is done with a record once its retention has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisposalAction {
    /// It goes on a destruction list for approval.
    Destroy,
    /// An officer reviews it (keep longer, transfer, or destroy).
    Review,
}

impl DisposalAction {
    /// Every value, in order.
    pub const ALL: [Self; 2] = [Self::Destroy, Self::Review];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Destroy => "destroy",
            Self::Review => "review",
        }
    }
}

/// A retention schedule, exactly as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// ULID, assigned on create.
    pub id: ScheduleId,
    /// The owning agency.
    pub agency: AgencyId,
    /// 1 to 200 characters, e.g. "Building permits (GS 4.2)".
    pub name: String,
    /// How long.
    pub keep: Keep,
    /// Counted from which event.
    pub from: RetentionEvent,
    /// And then.
    pub action: DisposalAction,
    /// Whether a record has ever named it: such a schedule is part of that record's
    /// provenance (and of its tombstone), so it can be changed but never deleted.
    pub in_use: bool,
    /// Starts at 1; every change adds one. The ETag is this number, quoted.
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

impl Schedule {
    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The last day `record` must be kept under this schedule, counted from the day of its
    /// event as `day_of` tells it (the agency's calendar day); `None` while the event has
    /// not happened.
    pub fn retention_of(
        &self,
        record: &Record,
        day_of: impl Fn(Timestamp) -> Date,
    ) -> Option<Date> {
        let at = self.from.time_of(record)?;
        Some(self.keep.after(day_of(at)))
    }

    fn fields(&self) -> [(&'static str, Value); 4] {
        [
            ("name", json!(self.name)),
            ("keep", json!(self.keep)),
            ("from", json!(self.from)),
            ("action", json!(self.action)),
        ]
    }
}

/// A schedule as stored: the schedule and the head of its audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSchedule {
    /// The schedule.
    pub schedule: Schedule,
    /// Its chain's last entry.
    pub head: ChainHead,
}

impl StoredSchedule {
    /// A new schedule from `body`, and the first entry of its chain (`schedule.create`).
    pub fn create(
        id: ScheduleId,
        agency: AgencyId,
        body: ScheduleBody,
        at: Timestamp,
        actor: &str,
    ) -> (Self, AuditEntry) {
        let schedule = Schedule {
            id,
            agency,
            name: body.name,
            keep: body.keep,
            from: body.from,
            action: body.action,
            in_use: false,
            version: 1,
            created_at: at,
            created_by: actor.to_owned(),
            updated_at: at,
            updated_by: actor.to_owned(),
        };
        let mut changes: Changes = schedule
            .fields()
            .into_iter()
            .map(|(field, new)| (field.to_owned(), [Value::Null, new]))
            .collect();
        changes.insert("id".into(), [Value::Null, json!(schedule.id)]);
        let entry = AuditEntry::next(
            &ChainHead::genesis(),
            at,
            actor,
            AuditAction::ScheduleCreate,
            changes,
        );
        let head = entry.head();
        (Self { schedule, head }, entry)
    }

    /// This schedule with `patch` applied, by `actor` at `at`: one version more and a
    /// `schedule.update` entry listing every changed field. `None` if nothing changed.
    pub fn revise(
        &self,
        patch: &SchedulePatch,
        at: Timestamp,
        actor: &str,
    ) -> Option<(Self, AuditEntry)> {
        let mut next = self.schedule.clone();
        if let Some(name) = &patch.name {
            next.name.clone_from(name);
        }
        next.keep = patch.keep.unwrap_or(next.keep);
        next.from = patch.from.unwrap_or(next.from);
        next.action = patch.action.unwrap_or(next.action);
        let changes = changes_between(self.schedule.fields(), next.fields());
        if changes.is_empty() {
            return None;
        }
        next.version += 1;
        next.updated_at = at;
        actor.clone_into(&mut next.updated_by);
        let entry = AuditEntry::next(&self.head, at, actor, AuditAction::ScheduleUpdate, changes);
        let head = entry.head();
        Some((
            Self {
                schedule: next,
                head,
            },
            entry,
        ))
    }

    /// The last entry of this schedule's chain: `schedule.delete`, by `actor` at `at`.
    pub fn deletion(&self, at: Timestamp, actor: &str) -> AuditEntry {
        let changes = Changes::from([("id".to_owned(), [json!(self.schedule.id), Value::Null])]);
        AuditEntry::next(&self.head, at, actor, AuditAction::ScheduleDelete, changes)
    }
}

/// The body of `POST /schedules`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleBody {
    /// 1 to 200 characters.
    pub name: String,
    /// How long.
    pub keep: Keep,
    /// From which event.
    pub from: RetentionEvent,
    /// And then.
    pub action: DisposalAction,
}

const FIELDS: [&str; 4] = ["name", "keep", "from", "action"];

impl ScheduleBody {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &FIELDS)?;
        let name = fields.required("name", name);
        let keep = fields.required("keep", keep);
        let from = fields.required("from", event);
        let action = fields.required("action", action);
        fields.finish()?;
        match (name, keep, from, action) {
            (Some(name), Some(keep), Some(from), Some(action)) => Ok(Self {
                name,
                keep,
                from,
                action,
            }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }
}

/// The body of `PATCH /schedules/{id}`: a JSON merge patch, validated. `None` leaves a
/// field as it is; no field can be cleared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchedulePatch {
    /// New name.
    pub name: Option<String>,
    /// New period.
    pub keep: Option<Keep>,
    /// New event.
    pub from: Option<RetentionEvent>,
    /// New action.
    pub action: Option<DisposalAction>,
}

impl SchedulePatch {
    /// Validates a merge patch, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &FIELDS)?;
        let patch = Self {
            name: fields.not_null("name", name),
            keep: fields.not_null("keep", keep),
            from: fields.not_null("from", event),
            action: fields.not_null("action", action),
        };
        fields.finish()?;
        Ok(patch)
    }
}

fn name(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    check_text(text, limits::NAME_MAX_CHARS, false)?;
    Ok(text.to_owned())
}

fn keep(_: &str, value: &Value) -> Result<Keep, String> {
    const SHAPE: &str = "must be {\"years\": 0-200, \"months\": 0-11}";
    let Value::Object(object) = value else {
        return Err(SHAPE.to_owned());
    };
    let part = |name: &str, max: u32| -> Result<u32, String> {
        match object.get(name) {
            None => Ok(0),
            Some(value) => value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n <= max)
                .ok_or_else(|| SHAPE.to_owned()),
        }
    };
    if object.keys().any(|key| key != "years" && key != "months") {
        return Err(SHAPE.to_owned());
    }
    Ok(Keep {
        years: part("years", limits::KEEP_MAX_YEARS)?,
        months: part("months", 11)?,
    })
}

fn event(_: &str, value: &Value) -> Result<RetentionEvent, String> {
    let text = string(value)?;
    RetentionEvent::ALL
        .into_iter()
        .find(|e| e.as_str() == text)
        .ok_or_else(|| "must be one of created, published, archived".to_owned())
}

fn action(_: &str, value: &Value) -> Result<DisposalAction, String> {
    let text = string(value)?;
    DisposalAction::ALL
        .into_iter()
        .find(|a| a.as_str() == text)
        .ok_or_else(|| "must be destroy or review".to_owned())
}

#[cfg(test)]
mod tests;
