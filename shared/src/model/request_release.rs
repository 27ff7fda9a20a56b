//! Releasing documents to a records request: a document of a public record, once per
//! request, recorded on the request and on its chain.

use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, Changes};
use super::document::Document;
use super::fields::{Fields, string};
use super::ids::{DocumentId, RecordId};
use super::request::{Release, StoredRequest};
use crate::clock::Timestamp;
use crate::error::FieldError;

/// Most documents released to one request.
pub const MAX_RELEASES: usize = 500;

/// The body of `POST /requests/{number}/releases`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRelease {
    /// The record.
    pub record_id: RecordId,
    /// Its document.
    pub document_id: DocumentId,
}

impl NewRelease {
    /// Validates `{record_id, document_id}`.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["record_id", "document_id"])?;
        let record_id = fields.required("record_id", |_, value| {
            RecordId::parse(string(value)?).ok_or_else(|| "must be a record id".to_owned())
        });
        let document_id = fields.required("document_id", |_, value| {
            DocumentId::parse(string(value)?).ok_or_else(|| "must be a document id".to_owned())
        });
        fields.finish()?;
        match (record_id, document_id) {
            (Some(record_id), Some(document_id)) => Ok(Self {
                record_id,
                document_id,
            }),
            _ => Err(Vec::new()),
        }
    }
}

impl StoredRequest {
    /// `document` (which the caller found available, of a publicly visible record)
    /// released to this request at `at` by `actor`: the next version and its
    /// `request.release` entry. Refused (a 409) if it was released to it already, or the
    /// request holds [`MAX_RELEASES`].
    pub fn with_release(
        &self,
        document: &Document,
        at: Timestamp,
        actor: &str,
    ) -> Result<(Self, AuditEntry), String> {
        let was = &self.request;
        if was.releases.iter().any(|r| r.document_id == document.id) {
            return Err("This document was released to the request already.".into());
        }
        if was.releases.len() >= MAX_RELEASES {
            return Err(format!("A request holds at most {MAX_RELEASES} releases."));
        }
        let release = Release {
            record_id: document.record_id.clone(),
            document_id: document.id.clone(),
            filename: document.filename.clone(),
            content_type: document.content_type.as_str().to_owned(),
            size: document.size,
            at,
        };
        let mut next = was.clone();
        next.releases.push(release.clone());
        next.released += 1;
        let changes = Changes::from([
            ("release".to_owned(), [Value::Null, json!(release)]),
            (
                "released".to_owned(),
                [json!(was.released), json!(next.released)],
            ),
        ]);
        Ok(self.advance(next, at, actor, AuditAction::RequestRelease, changes))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{
        AgencyId, ContentType, DocumentStatus, NewRequest, RequestNumber, TrackingToken,
    };

    const AT: Timestamp = Timestamp::from_millis(1_796_202_000_000);

    fn document(id: &str) -> Document {
        Document {
            id: DocumentId::parse(id).unwrap(),
            record_id: RecordId::parse("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").unwrap(),
            agency: AgencyId::parse("parks").unwrap(),
            filename: "permits-2025.pdf".into(),
            content_type: ContentType::Pdf,
            size: 1234,
            sha256: String::new(),
            status: DocumentStatus::Available,
            quarantine_reason: None,
            created_at: AT,
            created_by: "olga".into(),
            settled_at: Some(AT),
            version: None,
            fixity: None,
        }
    }

    #[test]
    fn a_document_is_released_once_and_recorded_on_the_chain() {
        let new = NewRequest::from_json(&json!({"description": "Every permit on Elm Street",
                                                "requester": {"email": "ada@example.org"}}))
        .unwrap();
        let (stored, _) = StoredRequest::receive(
            &AgencyId::parse("parks").unwrap(),
            RequestNumber::new(2026, 1).unwrap(),
            &new,
            &TrackingToken::generate(),
            None,
            AT,
        );
        let permits = document("01KBXQ9D3C4V5B6N7M8K9J0H1G");
        let (next, entry) = stored.with_release(&permits, AT, "olga").unwrap();
        assert_eq!((next.request.released, next.request.version), (1, 2));
        assert_eq!(next.request.releases[0].filename, "permits-2025.pdf");
        assert_eq!(next.request.releases[0].content_type, "application/pdf");
        assert_eq!(entry.action, AuditAction::RequestRelease);
        assert_eq!(
            entry.changes["release"][1]["document_id"],
            json!(permits.id)
        );
        assert!(next.with_release(&permits, AT, "olga").is_err());

        assert_eq!(
            NewRelease::from_json(&json!({"record_id": "x", "document_id": 1}))
                .unwrap_err()
                .len(),
            2
        );
    }
}
