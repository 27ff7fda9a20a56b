//! What the public sees: views built only from what is publicly visible, holding only the
//! fields the public may read. Their constructors are the one place visibility is decided,
//! so a public route cannot answer with a draft, a confidential record, a pending or
//! quarantined document, or a staff identity: it has no type to put them in.

use serde::Serialize;

use super::agency::AgencyProfile;
use super::document::{ContentType, Document, DocumentStatus};
use super::ids::{AgencyId, DocumentId, RecordId};
use super::record::{Classification, Record, Status};
use crate::clock::Timestamp;

/// Whether anyone may read `record`: classified `public`, and published or archived.
pub fn is_publicly_visible(record: &Record) -> bool {
    record.classification == Classification::Public
        && matches!(record.status, Status::Published | Status::Archived)
}

/// When `record` counts as published, for ordering and for the year filter: its
/// `published_at`, or (published before that was kept) its last change.
pub fn publication_time(record: &Record) -> Timestamp {
    record.published_at.unwrap_or(record.updated_at)
}

/// A record as the public lists it: never who wrote it, its legal hold, retention or
/// version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicSummary {
    /// Its id.
    pub id: RecordId,
    /// Its agency.
    pub agency: AgencyId,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// `published` or `archived`.
    pub status: Status,
    /// When it was first published (`None` for a record published before this was kept).
    pub published_at: Option<Timestamp>,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl PublicSummary {
    /// The public summary of `record`, or `None` unless it is publicly visible.
    pub fn of(record: &Record) -> Option<Self> {
        is_publicly_visible(record).then(|| Self {
            id: record.id.clone(),
            agency: record.agency.clone(),
            title: record.title.clone(),
            description: record.description.clone(),
            tags: record.tags.clone(),
            status: record.status,
            published_at: record.published_at,
            updated_at: record.updated_at,
        })
    }
}

/// A record as the public reads it: its summary and its available documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicRecord {
    /// Everything but the documents.
    #[serde(flatten)]
    pub summary: PublicSummary,
    /// Its available documents.
    pub documents: Vec<PublicDocument>,
}

impl PublicRecord {
    /// The public view of `record` with the available ones of `documents` (another
    /// record's are left out), or `None` unless `record` is publicly visible.
    pub fn of<'a>(
        record: &Record,
        documents: impl IntoIterator<Item = &'a Document>,
    ) -> Option<Self> {
        let summary = PublicSummary::of(record)?;
        let documents = documents
            .into_iter()
            .filter(|document| document.agency == record.agency && document.record_id == record.id)
            .filter_map(PublicDocument::of)
            .collect();
        Some(Self { summary, documents })
    }
}

/// A document as the public reads it: only an available one, without who uploaded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicDocument {
    /// Its id.
    pub id: DocumentId,
    /// Its filename.
    pub filename: String,
    /// Its verified type.
    pub content_type: ContentType,
    /// Its verified size in bytes.
    pub size: u64,
    /// Base64 of its verified SHA-256.
    pub sha256: String,
}

impl PublicDocument {
    /// The public view of `document`, or `None` unless it is available (verified).
    pub fn of(document: &Document) -> Option<Self> {
        (document.status == DocumentStatus::Available).then(|| Self {
            id: document.id.clone(),
            filename: document.filename.clone(),
            content_type: document.content_type,
            size: document.size,
            sha256: document.sha256.clone(),
        })
    }
}

/// An agency as the public reads it: its profile without who edited it or its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicAgency {
    /// The agency.
    pub agency: AgencyId,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Where the public writes to.
    pub contact_email: String,
    /// Its website, if any.
    pub website: Option<String>,
    /// Its IANA time zone.
    pub timezone: String,
}

/// An agency as the public list of agencies shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicAgencySummary {
    /// The agency.
    pub agency: AgencyId,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its website, if any.
    pub website: Option<String>,
}

impl From<&AgencyProfile> for PublicAgencySummary {
    fn from(profile: &AgencyProfile) -> Self {
        Self {
            agency: profile.agency.clone(),
            name: profile.name.clone(),
            description: profile.description.clone(),
            website: profile.website.clone(),
        }
    }
}

impl From<&AgencyProfile> for PublicAgency {
    fn from(profile: &AgencyProfile) -> Self {
        Self {
            agency: profile.agency.clone(),
            name: profile.name.clone(),
            description: profile.description.clone(),
            contact_email: profile.contact_email.clone(),
            website: profile.website.clone(),
            timezone: profile.timezone.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::NewRecord;

    fn record(classification: &str, status: Status) -> Record {
        let mut record = NewRecord::from_json(
            &json!({"title": "T", "classification": classification, "tags": ["a"]}),
        )
        .unwrap()
        .into_record(
            RecordId::generate(Timestamp::from_millis(1)),
            AgencyId::parse("parks").unwrap(),
            "clara",
            Timestamp::from_millis(1),
        );
        record.status = status;
        record.published_at = Some(Timestamp::from_millis(2));
        record
    }

    #[test]
    fn only_public_published_or_archived_records_have_a_public_view() {
        for classification in ["public", "internal", "confidential"] {
            for status in Status::ALL {
                let visible = classification == "public" && status != Status::Draft;
                let view = PublicRecord::of(&record(classification, status), []);
                assert_eq!(view.is_some(), visible, "{classification} {status:?}");
            }
        }
    }

    #[test]
    fn the_view_holds_no_staff_fields_and_only_available_documents() {
        let record = record("public", Status::Published);
        let mut documents = Vec::new();
        for (i, status) in [
            DocumentStatus::Available,
            DocumentStatus::Pending,
            DocumentStatus::Quarantined,
            DocumentStatus::Damaged,
        ]
        .into_iter()
        .enumerate()
        {
            documents.push(Document {
                id: DocumentId::generate(Timestamp::from_millis(i as i64)),
                record_id: record.id.clone(),
                agency: record.agency.clone(),
                filename: format!("f{i}.txt"),
                content_type: ContentType::PlainText,
                size: 3,
                sha256: "x".into(),
                status,
                quarantine_reason: None,
                created_at: Timestamp::from_millis(1),
                created_by: "clara".into(),
                settled_at: None,
                version: Some("v1".into()),
                fixity: None,
            });
        }
        let mut elsewhere = documents[0].clone();
        elsewhere.record_id = RecordId::generate(Timestamp::from_millis(9));
        documents.push(elsewhere);
        let view = PublicRecord::of(&record, &documents).unwrap();
        let body = serde_json::to_value(&view).unwrap();
        let mut fields: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "agency",
                "description",
                "documents",
                "id",
                "published_at",
                "status",
                "tags",
                "title",
                "updated_at"
            ]
        );
        assert_eq!(
            body["documents"],
            json!([{"id": documents[0].id, "filename": "f0.txt", "content_type": "text/plain",
                    "size": 3, "sha256": "x"}])
        );
    }
}
