use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, ChainHead, Changes, changes_between};
use super::document::Document;
use super::fields::{Fields, check_text, string};
use super::ids::{AgencyId, HoldId, RecordId, ScheduleId};
use crate::clock::{Date, Timestamp};
use crate::error::FieldError;

/// The limits on a record's fields.
pub mod limits {
    /// Most characters in a title.
    pub const TITLE_MAX_CHARS: usize = 200;
    /// Most characters in a description.
    pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
    /// Most tags on a record.
    pub const TAGS_MAX: usize = 20;
    /// Most characters in a tag (`^[a-z0-9-]{1,50}$`).
    pub const TAG_MAX_CHARS: usize = 50;
}

/// Who may see a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    /// Anyone in the agency, and releasable.
    Public,
    /// Anyone in the agency.
    Internal,
    /// Officers and auditors only; invisible (404) to everyone else.
    Confidential,
}

impl Classification {
    /// Every value, in order.
    pub const ALL: [Self; 3] = [Self::Public, Self::Internal, Self::Confidential];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Confidential => "confidential",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Where a record is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written; every record starts here.
    Draft,
    /// Released.
    Published,
    /// Closed; kept for retention.
    Archived,
}

impl Status {
    /// Every value, in order.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Published, Self::Archived];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a record may move from `self` to `next`: draft→published, published→archived,
    /// draft→archived. Staying put is not a move.
    pub fn can_move_to(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::Published)
                | (Self::Published, Self::Archived)
                | (Self::Draft, Self::Archived)
        )
    }
}

/// A record, exactly as the API shows it. (Deserialize is for storage adapters that keep
/// records as JSON; client input goes through [`NewRecord`] and [`RecordPatch`].)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// ULID, assigned on create.
    pub id: RecordId,
    /// The owning agency; never changes.
    pub agency: AgencyId,
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 10,000 characters; empty when not given.
    pub description: String,
    /// Who may see it.
    pub classification: Classification,
    /// Where it is in its life.
    pub status: Status,
    /// At most 20 tags, each `^[a-z0-9-]{1,50}$`, no duplicates.
    pub tags: Vec<String>,
    /// The retention schedule it is kept under, if any.
    #[serde(default)]
    pub schedule: Option<ScheduleId>,
    /// It may not be deleted before this date: computed from its schedule when it has one
    /// (`None` until the schedule's event happens), else set by hand.
    pub retention_until: Option<Date>,
    /// Whether anything holds it: its own hold (`direct_hold`) or a named hold (`holds`).
    /// Nothing can delete or destroy it, or its documents, while this is set.
    pub legal_hold: bool,
    /// Its own, unnamed hold, set with `PATCH` `legal_hold` (`None` in records stored
    /// before named holds: then `legal_hold` was that hold).
    #[serde(default)]
    pub direct_hold: Option<bool>,
    /// The named legal holds covering it, in the order they were placed.
    #[serde(default)]
    pub holds: Vec<HoldId>,
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
    /// When it was first published; kept through archiving. `None` while it never was.
    #[serde(default)]
    pub published_at: Option<Timestamp>,
    /// When it was archived. `None` while it is not.
    #[serde(default)]
    pub archived_at: Option<Timestamp>,
}

impl Record {
    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The value of each field a patch can change, as the API shows it.
    fn patchable_fields(&self) -> [(&'static str, Value); 8] {
        [
            ("title", json!(self.title)),
            ("description", json!(self.description)),
            ("classification", json!(self.classification)),
            ("tags", json!(self.tags)),
            ("schedule", json!(self.schedule)),
            ("retention_until", json!(self.retention_until)),
            ("status", json!(self.status)),
            ("legal_hold", json!(self.legal_hold)),
        ]
    }

    /// `{field: [old, new]}` for every field that differs between `self` and `next`,
    /// `published_at` and `archived_at` (which follow the status) included.
    pub fn changes_to(&self, next: &Record) -> Changes {
        let stamps = |record: &Record| {
            [
                ("published_at", json!(record.published_at)),
                ("archived_at", json!(record.archived_at)),
                ("direct_hold", json!(record.held_directly())),
                ("holds", json!(record.holds)),
            ]
        };
        changes_between(
            self.patchable_fields().into_iter().chain(stamps(self)),
            next.patchable_fields().into_iter().chain(stamps(next)),
        )
    }

    /// Its own, unnamed hold.
    pub fn held_directly(&self) -> bool {
        self.direct_hold.unwrap_or(self.legal_hold)
    }

    /// Sets its own hold and the named holds covering it, and `legal_hold` from both.
    pub fn set_holds(&mut self, direct: bool, holds: Vec<HoldId>) {
        self.legal_hold = direct || !holds.is_empty();
        self.direct_hold = Some(direct);
        self.holds = holds;
    }

    /// Stamps `published_at` or `archived_at` when this record's status moved from `was`
    /// at `at` (a record published before the stamp was kept is not stamped by a later,
    /// unrelated edit). What a schedule counts from is read off these stamps.
    pub fn stamp_move(&mut self, was: Status, at: Timestamp) {
        if self.status == was {
            return;
        }
        match self.status {
            Status::Published if self.published_at.is_none() => self.published_at = Some(at),
            Status::Archived => self.archived_at = Some(at),
            _ => {}
        }
    }

    /// `{field: [null, value]}` for every field of a new record, as its first audit entry.
    pub fn creation_changes(&self) -> Changes {
        let mut changes: Changes = self
            .patchable_fields()
            .into_iter()
            .map(|(field, value)| (field.to_owned(), [Value::Null, value]))
            .collect();
        changes.insert("id".to_owned(), [Value::Null, json!(self.id)]);
        changes
    }
}

/// The actor of the entries ingestion writes (it acts for no user).
pub const INGESTION: &str = "ingest-document";

/// A record as stored: the record plus the head of its audit chain, which the next
/// mutation extends under a condition on that head (so the chain cannot fork), and the
/// number of documents attached (kept here so the per-record limit holds under races).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// The record.
    pub record: Record,
    /// Its audit chain's last entry.
    pub head: ChainHead,
    /// Documents attached to it, pending and quarantined ones included.
    #[serde(default)]
    pub documents: u32,
}

impl StoredRecord {
    /// A new record, and the first entry of its chain: `record.create`, by its creator,
    /// when it was created.
    pub fn create(record: Record) -> (Self, AuditEntry) {
        let entry = AuditEntry::next(
            &ChainHead::genesis(),
            record.created_at,
            &record.created_by,
            AuditAction::Create,
            record.creation_changes(),
        );
        let stored = Self {
            record,
            head: entry.head(),
            documents: 0,
        };
        (stored, entry)
    }

    /// The next entry of this record's chain, and this record with that entry as its head.
    /// Content and document count are as they were: a change to them is set on the result.
    pub fn append(
        &self,
        at: Timestamp,
        actor: &str,
        action: AuditAction,
        changes: Changes,
    ) -> (Self, AuditEntry) {
        let entry = AuditEntry::next(&self.head, at, actor, action, changes);
        let next = Self {
            record: self.record.clone(),
            head: entry.head(),
            documents: self.documents,
        };
        (next, entry)
    }

    /// `record` as this record's next version, by `actor` at `at`: one version more, and
    /// a `record.update` entry listing every changed field. `None` if nothing changed.
    /// A record moving to `published` for the first time is stamped `published_at` (one
    /// published before the stamp was kept is not stamped by a later, unrelated edit), one
    /// moving to `archived` is stamped `archived_at`.
    pub fn revise(
        &self,
        mut record: Record,
        at: Timestamp,
        actor: &str,
    ) -> Option<(Self, AuditEntry)> {
        record.stamp_move(self.record.status, at);
        let changes = self.record.changes_to(&record);
        if changes.is_empty() {
            return None;
        }
        record.version = self.record.version + 1;
        record.updated_at = at;
        actor.clone_into(&mut record.updated_by);
        let (mut next, entry) = self.append(at, actor, AuditAction::Update, changes);
        next.record = record;
        Some((next, entry))
    }

    /// Ingestion's verdict on `pending` (now `settled`, as [`Document::settled`] made it,
    /// recorded as `action`) appended to this record's chain, by [`INGESTION`] when it was
    /// settled. Content and document count are unchanged.
    pub fn append_settlement(
        &self,
        pending: &Document,
        settled: &Document,
        action: AuditAction,
    ) -> (Self, AuditEntry) {
        let at = settled.settled_at.unwrap_or(pending.created_at);
        self.append(at, INGESTION, action, pending.settlement_changes(settled))
    }

    /// Pending `document` given up at `at` by `actor` (`document.expire`): one document
    /// fewer. The expired document, this record's next state and its entry.
    pub fn expire(
        &self,
        document: &Document,
        at: Timestamp,
        actor: &str,
    ) -> (Document, Self, AuditEntry) {
        let (expired, action, changes) = document.expired(at);
        let (mut next, entry) = self.append(at, actor, action, changes);
        next.documents = next.documents.saturating_sub(1);
        (expired, next, entry)
    }

    /// `document` attached to this record: `document.add`, by whoever announced it, when
    /// they did; one more document.
    pub fn attach(&self, document: &Document) -> (Self, AuditEntry) {
        let (mut next, entry) = self.append(
            document.created_at,
            &document.created_by,
            AuditAction::DocumentAdd,
            document.creation_changes(),
        );
        next.documents += 1;
        (next, entry)
    }
}

/// The body of `POST /records`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 10,000 characters.
    pub description: String,
    /// Required.
    pub classification: Classification,
    /// At most 20.
    pub tags: Vec<String>,
    /// Optional retention date, set by hand (not with a schedule).
    pub retention_until: Option<Date>,
    /// Optional retention schedule.
    pub schedule: Option<ScheduleId>,
}

impl NewRecord {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(
            body,
            &[
                "title",
                "description",
                "classification",
                "tags",
                "retention_until",
                "schedule",
            ],
        )?;
        let title = fields.required("title", title);
        let description = fields
            .optional("description", description)
            .flatten()
            .unwrap_or_default();
        let classification = fields.required("classification", classification);
        let tags = fields.optional("tags", tags).flatten().unwrap_or_default();
        let retention_until = fields.optional("retention_until", date).flatten();
        let schedule = fields.optional("schedule", schedule).flatten();
        if retention_until.is_some() && schedule.is_some() {
            fields.refuse(
                "retention_until",
                "cannot be set with a schedule, which computes it",
            );
        }
        fields.finish()?;
        match (title, classification) {
            (Some(title), Some(classification)) => Ok(Self {
                title,
                description,
                classification,
                tags,
                retention_until,
                schedule,
            }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }

    /// The record this creates, at version 1, in draft.
    pub fn into_record(
        self,
        id: RecordId,
        agency: AgencyId,
        actor: &str,
        now: Timestamp,
    ) -> Record {
        Record {
            id,
            agency,
            title: self.title,
            description: self.description,
            classification: self.classification,
            status: Status::Draft,
            tags: self.tags,
            schedule: self.schedule,
            retention_until: self.retention_until,
            legal_hold: false,
            direct_hold: Some(false),
            holds: Vec::new(),
            version: 1,
            created_at: now,
            created_by: actor.to_owned(),
            updated_at: now,
            updated_by: actor.to_owned(),
            published_at: None,
            archived_at: None,
        }
    }
}

/// The body of `PATCH /records/{id}`: a JSON merge patch (RFC 7386), validated.
/// `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordPatch {
    /// New title.
    pub title: Option<String>,
    /// New description (`null` clears it).
    pub description: Option<String>,
    /// New classification.
    pub classification: Option<Classification>,
    /// New tags, replacing all (`null` clears them).
    pub tags: Option<Vec<String>>,
    /// New retention date (`null` clears it); only on a record without a schedule.
    pub retention_until: Option<Option<Date>>,
    /// New retention schedule (`null`: none; the last computed date stays, by hand).
    pub schedule: Option<Option<ScheduleId>>,
    /// New status.
    pub status: Option<Status>,
    /// The record's own legal hold on or off (named holds stay, and keep it held).
    pub legal_hold: Option<bool>,
}

impl RecordPatch {
    /// Validates a merge patch, reporting every bad field at once. Fields that are not
    /// patchable (`id`, `version`, `created_at`, ...) are refused like unknown ones.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(
            body,
            &[
                "title",
                "description",
                "classification",
                "tags",
                "retention_until",
                "schedule",
                "status",
                "legal_hold",
            ],
        )?;
        let patch = Self {
            title: fields.not_null("title", title),
            description: fields
                .optional("description", description)
                .map(Option::unwrap_or_default),
            classification: fields.not_null("classification", classification),
            tags: fields.optional("tags", tags).map(Option::unwrap_or_default),
            retention_until: fields.optional("retention_until", date),
            schedule: fields.optional("schedule", schedule),
            status: fields.not_null("status", status),
            legal_hold: fields.not_null("legal_hold", boolean),
        };
        fields.finish()?;
        Ok(patch)
    }

    /// `record` with this patch applied (version and timestamps untouched).
    pub fn apply_to(&self, record: &Record) -> Record {
        let mut next = record.clone();
        if let Some(title) = &self.title {
            next.title.clone_from(title);
        }
        if let Some(description) = &self.description {
            next.description.clone_from(description);
        }
        if let Some(classification) = self.classification {
            next.classification = classification;
        }
        if let Some(tags) = &self.tags {
            next.tags.clone_from(tags);
        }
        if let Some(retention_until) = self.retention_until {
            next.retention_until = retention_until;
        }
        if let Some(schedule) = &self.schedule {
            next.schedule.clone_from(schedule);
        }
        if let Some(status) = self.status {
            next.status = status;
        }
        if let Some(legal_hold) = self.legal_hold {
            // The record's own hold; the named ones stay, and keep it held.
            let named = next.holds.clone();
            next.set_holds(legal_hold, named);
        }
        next
    }
}

fn schedule(_: &str, value: &Value) -> Result<ScheduleId, String> {
    ScheduleId::parse(string(value)?).ok_or_else(|| "must be a schedule id".to_owned())
}

fn title(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    check_text(text, limits::TITLE_MAX_CHARS, false)?;
    Ok(text.to_owned())
}

fn description(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    check_text(text, limits::DESCRIPTION_MAX_CHARS, true)?;
    Ok(text.to_owned())
}

fn classification(_: &str, value: &Value) -> Result<Classification, String> {
    Classification::parse(string(value)?)
        .ok_or_else(|| "must be one of public, internal, confidential".to_owned())
}

fn status(_: &str, value: &Value) -> Result<Status, String> {
    Status::parse(string(value)?)
        .ok_or_else(|| "must be one of draft, published, archived".to_owned())
}

fn boolean(_: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| "must be true or false".to_owned())
}

fn date(_: &str, value: &Value) -> Result<Date, String> {
    Date::parse(string(value)?).ok_or_else(|| "must be a date YYYY-MM-DD".to_owned())
}

/// Whether `tag` matches `^[a-z0-9-]{1,50}$`.
pub fn is_valid_tag(tag: &str) -> bool {
    (1..=limits::TAG_MAX_CHARS).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn tags(_: &str, value: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = value else {
        return Err("must be an array of strings".to_owned());
    };
    if items.len() > limits::TAGS_MAX {
        return Err(format!("must hold at most {} tags", limits::TAGS_MAX));
    }
    let mut seen = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let tag = item
            .as_str()
            .filter(|tag| is_valid_tag(tag))
            .ok_or_else(|| format!("tag {index} must match ^[a-z0-9-]{{1,50}}$"))?;
        if seen.insert(tag, index).is_some() {
            return Err(format!("tag {index} ({tag}) is a duplicate"));
        }
    }
    Ok(items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn new_record_accepts_a_full_body() {
        let body = json!({"title": "Permit 12", "description": "line\nline", "classification": "internal",
                          "tags": ["permits", "2026"], "retention_until": "2030-01-01"});
        let new = NewRecord::from_json(&body).unwrap();
        assert_eq!(new.tags, ["permits", "2026"]);
        assert_eq!(new.retention_until.unwrap().to_string(), "2030-01-01");
    }

    #[test]
    fn new_record_reports_every_bad_field() {
        let body = json!({"title": "", "classification": "secret", "tags": ["Bad"], "retention_until": "2026-02-30",
                          "status": "published", "id": "x"});
        let errors = NewRecord::from_json(&body).unwrap_err();
        let mut names = fields(&errors);
        names.sort();
        assert_eq!(
            names,
            [
                "classification",
                "id",
                "retention_until",
                "status",
                "tags",
                "title"
            ]
        );
    }

    #[test]
    fn new_record_requires_title_and_classification() {
        let errors = NewRecord::from_json(&json!({})).unwrap_err();
        assert_eq!(fields(&errors), ["title", "classification"]);
        assert_eq!(
            fields(&NewRecord::from_json(&json!([1])).unwrap_err()),
            ["body"]
        );
    }

    #[test]
    fn text_limits_count_characters_and_refuse_controls() {
        let long = "é".repeat(200);
        assert!(NewRecord::from_json(&json!({"title": long, "classification": "public"})).is_ok());
        let too_long = "é".repeat(201);
        assert!(
            NewRecord::from_json(&json!({"title": too_long, "classification": "public"})).is_err()
        );
        for bad in ["a\u{0}b", "a\u{202E}b", "tab\tin title"] {
            assert!(
                NewRecord::from_json(&json!({"title": bad, "classification": "public"})).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tags_are_limited_and_unique() {
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        for bad in [
            json!(many),
            json!(["a", "a"]),
            json!("a"),
            json!([1]),
            json!(["x".repeat(51)]),
        ] {
            let body = json!({"title": "t", "classification": "public", "tags": bad});
            assert!(NewRecord::from_json(&body).is_err(), "{body}");
        }
    }

    #[test]
    fn merge_patch_distinguishes_absent_null_and_value() {
        let patch = RecordPatch::from_json(
            &json!({"description": null, "retention_until": null, "tags": ["a"]}),
        )
        .unwrap();
        assert_eq!(patch.description, Some(String::new()));
        assert_eq!(patch.retention_until, Some(None));
        assert_eq!(patch.title, None);
        let errors =
            RecordPatch::from_json(&json!({"title": null, "version": 3, "legal_hold": "yes"}))
                .unwrap_err();
        let mut names = fields(&errors);
        names.sort();
        assert_eq!(names, ["legal_hold", "title", "version"]);
    }

    fn stored(status: Status) -> StoredRecord {
        let mut record = NewRecord::from_json(&json!({"title": "T", "classification": "public"}))
            .unwrap()
            .into_record(
                RecordId::generate(Timestamp::from_millis(1)),
                AgencyId::parse("parks").unwrap(),
                "alice",
                Timestamp::from_millis(1),
            );
        record.status = status;
        StoredRecord::create(record).0
    }

    #[test]
    fn first_publication_is_stamped_audited_and_kept_through_archiving() {
        let draft = stored(Status::Draft);
        assert_eq!(draft.record.published_at, None);
        let publish = RecordPatch {
            status: Some(Status::Published),
            ..RecordPatch::default()
        };
        let at = Timestamp::from_millis(5_000);
        let (published, entry) = draft
            .revise(publish.apply_to(&draft.record), at, "olga")
            .unwrap();
        assert_eq!(published.record.published_at, Some(at));
        assert_eq!(
            entry.changes["published_at"],
            [Value::Null, json!(at)],
            "the stamp is in the audit entry"
        );
        let archive = RecordPatch {
            status: Some(Status::Archived),
            ..RecordPatch::default()
        };
        let later = Timestamp::from_millis(9_000);
        let (archived, entry) = published
            .revise(archive.apply_to(&published.record), later, "olga")
            .unwrap();
        assert_eq!(archived.record.published_at, Some(at));
        assert!(!entry.changes.contains_key("published_at"));

        let never = stored(Status::Draft);
        let (archived, _) = never
            .revise(archive.apply_to(&never.record), later, "olga")
            .unwrap();
        assert_eq!(archived.record.published_at, None, "archived unpublished");

        // Published before the stamp was kept: a later edit does not stamp it now.
        let legacy = stored(Status::Published);
        let retitle = RecordPatch {
            title: Some("Retitled".into()),
            ..RecordPatch::default()
        };
        let (edited, entry) = legacy
            .revise(retitle.apply_to(&legacy.record), later, "olga")
            .unwrap();
        assert_eq!(edited.record.published_at, None);
        assert!(!entry.changes.contains_key("published_at"));
    }

    #[test]
    fn status_moves_only_forward() {
        use Status::*;
        assert!(
            Draft.can_move_to(Published)
                && Published.can_move_to(Archived)
                && Draft.can_move_to(Archived)
        );
        assert!(
            !Archived.can_move_to(Draft)
                && !Published.can_move_to(Draft)
                && !Archived.can_move_to(Published)
        );
        assert!(!Draft.can_move_to(Draft));
    }
}
