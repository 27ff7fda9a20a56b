//! A records request as the public, and its requester, see it. Built only here, from the
//! request and its chain: never the requester's email or name, never a staff member's
//! identity, never an internal message, and the requester's own messages only for the
//! holder of the tracking token.

use jiff::civil::Date;
use serde::Serialize;

use super::audit::AuditEntry;
use super::ids::{DocumentId, RecordId};
use super::request::{ClosingReason, REQUESTER, RecordsRequest, RequestNumber, RequestStatus};
use super::request_message::{RequestMessage, Visibility};
use crate::clock::Timestamp;

/// Who reads the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Anyone.
    Public,
    /// The requester, who showed the tracking token.
    Requester,
}

/// A message as the public page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicMessage {
    /// When it was written.
    pub at: Timestamp,
    /// `agency` (staff are not named) or `requester`.
    pub from: &'static str,
    /// `public`, or `requester` (shown to the requester only).
    pub visibility: Visibility,
    /// What it says: plain text.
    pub body: String,
}

/// A document released to the request, with the public route that downloads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicRelease {
    /// The record.
    pub record_id: RecordId,
    /// The document.
    pub document_id: DocumentId,
    /// Its file name.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was released.
    pub at: Timestamp,
    /// Where anyone downloads it (while its record stays public).
    pub download: String,
}

/// The one extension, as the public sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicExtension {
    /// Why.
    pub reason: String,
    /// When it was granted.
    pub at: Timestamp,
}

/// How the request ended, as the public sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicClosing {
    /// Why.
    pub reason: ClosingReason,
    /// The exemptions cited.
    pub exemptions: Vec<String>,
    /// The request it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<RequestNumber>,
    /// When.
    pub at: Timestamp,
}

/// A request as the public log lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicRequestSummary {
    /// Its number.
    pub number: RequestNumber,
    /// The summary staff wrote, or the description.
    pub summary: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it arrived.
    pub received_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// How many documents were released to it.
    pub released: u32,
}

impl PublicRequestSummary {
    /// `request` in the public log.
    pub fn of(request: &RecordsRequest) -> Self {
        Self {
            number: request.number,
            summary: public_summary(request),
            status: request.status,
            received_at: request.received_at,
            closed_at: request.closing.as_ref().map(|closing| closing.at),
            released: request.released,
        }
    }
}

/// What the public reads of what was asked: staff's summary, or the description.
fn public_summary(request: &RecordsRequest) -> String {
    request
        .summary
        .clone()
        .unwrap_or_else(|| request.description.clone())
}

/// A request's public page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicRequestPage {
    /// Its number.
    pub number: RequestNumber,
    /// What the public log shows: the summary staff wrote, or the description.
    pub summary: String,
    /// The description as the requester wrote it: for the requester only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it arrived.
    pub received_at: Timestamp,
    /// When it is due (none while the agency waits for a clarification).
    pub due_date: Option<Date>,
    /// Its extension.
    pub extension: Option<PublicExtension>,
    /// How it ended.
    pub closing: Option<PublicClosing>,
    /// How many documents were released to it.
    pub released: u32,
    /// The documents released to it, oldest first.
    pub releases: Vec<PublicRelease>,
    /// The messages this reader may see, oldest first.
    pub messages: Vec<PublicMessage>,
}

impl PublicRequestPage {
    /// The page `reader` sees of `request`, whose chain is `entries` (oldest first).
    pub fn of(request: &RecordsRequest, entries: &[AuditEntry], reader: Reader) -> Self {
        let may_read = |visibility: Visibility| match visibility {
            Visibility::Public => true,
            Visibility::Requester => reader == Reader::Requester,
            Visibility::Internal => false,
        };
        let messages = entries
            .iter()
            .filter_map(RequestMessage::of)
            .filter(|message| may_read(message.visibility))
            .map(|message| PublicMessage {
                at: message.at,
                from: if message.from == REQUESTER {
                    REQUESTER
                } else {
                    "agency"
                },
                visibility: message.visibility,
                body: message.body,
            })
            .collect();
        Self {
            number: request.number,
            summary: public_summary(request),
            description: (reader == Reader::Requester).then(|| request.description.clone()),
            status: request.status,
            received_at: request.received_at,
            due_date: request.due_date,
            extension: request.extension.as_ref().map(|e| PublicExtension {
                reason: e.reason.clone(),
                at: e.at,
            }),
            closing: request.closing.as_ref().map(|c| PublicClosing {
                reason: c.reason,
                exemptions: c.exemptions.clone(),
                duplicate_of: c.duplicate_of,
                at: c.at,
            }),
            released: request.released,
            releases: request
                .releases
                .iter()
                .map(|release| PublicRelease {
                    record_id: release.record_id.clone(),
                    document_id: release.document_id.clone(),
                    filename: release.filename.clone(),
                    content_type: release.content_type.clone(),
                    size: release.size,
                    at: release.at,
                    download: format!(
                        "/public/agencies/{}/records/{}/documents/{}",
                        request.agency, release.record_id, release.document_id
                    ),
                })
                .collect(),
            messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{AgencyId, NewMessage, NewRequest, StoredRequest, TrackingToken};

    const AT: Timestamp = Timestamp::from_millis(1_796_202_000_000);

    #[test]
    fn the_public_sees_public_messages_and_the_requester_their_own_never_staff_notes() {
        let new = NewRequest::from_json(&json!({
            "description": "Every permit issued to 12 Elm Street",
            "requester": {"name": "Ada Lovelace", "email": "ada@example.org"},
        }))
        .unwrap();
        let (mut stored, first) = StoredRequest::receive(
            &AgencyId::parse("parks").unwrap(),
            RequestNumber::new(2026, 7).unwrap(),
            &new,
            &TrackingToken::generate(),
            None,
            AT,
        );
        let mut entries = vec![first];
        for (body, visibility, actor) in [
            ("We are looking.", "public", "olga"),
            ("Which years?", "requester", "olga"),
            ("Ada is a neighbour of the inspector.", "internal", "olga"),
        ] {
            let message =
                NewMessage::from_staff_json(&json!({"body": body, "visibility": visibility}))
                    .unwrap();
            let (next, entry) = stored.with_message(&message, AT, actor, |_| None).unwrap();
            stored = next;
            entries.push(entry);
        }
        let answer = NewMessage::from_requester_json(&json!({"body": "2025 only."})).unwrap();
        let (stored, entry) = stored
            .with_message(&answer, AT, REQUESTER, |_| None)
            .unwrap();
        entries.push(entry);

        let public = PublicRequestPage::of(&stored.request, &entries, Reader::Public);
        let bodies = |page: &PublicRequestPage| -> Vec<String> {
            page.messages.iter().map(|m| m.body.clone()).collect()
        };
        assert_eq!(bodies(&public), ["We are looking."]);
        assert_eq!(public.messages[0].from, "agency");
        assert_eq!(public.summary, "Every permit issued to 12 Elm Street");
        let text = serde_json::to_string(&public).unwrap();
        for secret in [
            "ada@example.org",
            "Ada Lovelace",
            "olga",
            "neighbour",
            "2025 only",
            "Which years",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(public.description.is_none());

        let theirs = PublicRequestPage::of(&stored.request, &entries, Reader::Requester);
        assert_eq!(
            bodies(&theirs),
            ["We are looking.", "Which years?", "2025 only."]
        );
        assert_eq!(theirs.messages[2].from, "requester");
        let text = serde_json::to_string(&theirs).unwrap();
        assert!(!text.contains("neighbour") && !text.contains("ada@example.org"));

        let mut released = stored.request.clone();
        released.releases.push(crate::model::Release {
            record_id: RecordId::parse("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").unwrap(),
            document_id: DocumentId::parse("01KBXQ9D3C4V5B6N7M8K9J0H1G").unwrap(),
            filename: "permits.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            at: AT,
        });
        let page = PublicRequestPage::of(&released, &entries, Reader::Public);
        assert_eq!(
            page.releases[0].download,
            "/public/agencies/parks/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/documents/01KBXQ9D3C4V5B6N7M8K9J0H1G"
        );

        let mut summarized = stored.request.clone();
        summarized.summary = Some("Permits for one address".into());
        let page = PublicRequestPage::of(&summarized, &entries, Reader::Public);
        assert_eq!(page.summary, "Permits for one address");
    }
}
