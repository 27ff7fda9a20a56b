//! A records request (FOIA, or a state's equivalent): what the public asked for, its
//! number, where it stands, and when it is due. Numbered per agency and year without gaps
//! (the store allocates the number), and changed, like a record, only with the next link
//! of its own audit chain.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, ChainHead, Changes, sha256_hex};
use super::deadline::Wait;
use super::fields::{Fields, check_text, email, string};
use super::ids::{AgencyId, DocumentId, RecordId};
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on what a requester writes.
pub mod limits {
    /// Most characters in a request's description.
    pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
    /// Fewest characters in a description: enough to say what is asked for.
    pub const DESCRIPTION_MIN_CHARS: usize = 10;
    /// Most characters in a requester's name.
    pub const NAME_MAX_CHARS: usize = 200;
}

/// A request's number: the year it was received and its place in that year, `2026-0042`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestNumber {
    year: i16,
    seq: u32,
}

impl RequestNumber {
    /// The `seq`th request of `year` (both from 1).
    pub fn new(year: i16, seq: u32) -> Option<Self> {
        ((1970..=9999).contains(&year) && seq >= 1).then_some(Self { year, seq })
    }

    /// The year.
    pub fn year(self) -> i16 {
        self.year
    }

    /// Its place in the year, from 1.
    pub fn seq(self) -> u32 {
        self.seq
    }

    /// Parses `2026-0042` (four digits at least after the dash, no sign, no leading `+`).
    pub fn parse(text: &str) -> Option<Self> {
        let (year, seq) = text.split_once('-')?;
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || seq.len() < 4 || seq.len() > 9 || !digits(year) || !digits(seq) {
            return None;
        }
        // One spelling per number: `2026-00042` is not `2026-0042`.
        if seq.len() > 4 && seq.starts_with('0') {
            return None;
        }
        Self::new(year.parse().ok()?, seq.parse().ok()?)
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}", self.year, self.seq)
    }
}

impl Serialize for RequestNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RequestNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not a request number"))
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Received, not yet worked on.
    Received,
    /// Staff are working on it.
    InProgress,
    /// Staff asked the requester to clarify; the clock waits for the answer.
    AwaitingClarification,
    /// Answered and closed, for a [`ClosingReason`].
    Closed,
}

/// Why a request was closed: the fixed list the public statistics count by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingReason {
    /// Everything asked for was released.
    Fulfilled,
    /// Released in part; the rest withheld under the exemptions cited.
    PartiallyFulfilled,
    /// The agency holds no records that answer it.
    NoResponsiveRecords,
    /// Refused under the exemptions cited.
    Denied,
    /// The requester withdrew it.
    Withdrawn,
    /// It repeats another request.
    Duplicate,
}

impl ClosingReason {
    /// Whether closing for this reason must cite exemptions.
    pub fn cites_exemptions(self) -> bool {
        matches!(self, Self::PartiallyFulfilled | Self::Denied)
    }
}

/// Who asked. The email address is shown to staff only, never to the public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Their name, if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where notices go.
    pub email: String,
}

/// The body of `POST /public/agencies/{agency}/requests`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    /// What is asked for: 10 to 10,000 characters of plain text.
    pub description: String,
    /// Who asks.
    pub requester: Requester,
}

impl NewRequest {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["description", "requester"])?;
        let description = fields.required("description", description);
        let requester = fields.required("requester", |_, value| {
            let Value::Object(object) = value else {
                return Err("must be an object with an email and, if you like, a name".into());
            };
            if let Some(key) = object
                .keys()
                .find(|key| !matches!(key.as_str(), "name" | "email"))
            {
                return Err(format!(
                    "has a field {key:?}; only name and email can be set"
                ));
            }
            let name = match object.get("name") {
                None | Some(Value::Null) => None,
                Some(value) => Some(requester_name(value).map_err(|e| format!("name {e}"))?),
            };
            let address = match object.get("email") {
                None | Some(Value::Null) => return Err("email is required".into()),
                Some(value) => email("email", value).map_err(|e| format!("email {e}"))?,
            };
            Ok(Requester {
                name,
                email: address,
            })
        });
        fields.finish()?;
        match (description, requester) {
            (Some(description), Some(requester)) => Ok(Self {
                description,
                requester,
            }),
            _ => Err(Vec::new()),
        }
    }
}

fn description(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?.trim();
    check_text(text, limits::DESCRIPTION_MAX_CHARS, true)?;
    if text.chars().count() < limits::DESCRIPTION_MIN_CHARS {
        return Err(format!(
            "must say what is asked for in at least {} characters",
            limits::DESCRIPTION_MIN_CHARS
        ));
    }
    Ok(text.to_owned())
}

fn requester_name(value: &Value) -> Result<String, String> {
    let text = string(value)?.trim();
    if text.is_empty() {
        return Err("must not be empty (leave it out instead)".into());
    }
    check_text(text, limits::NAME_MAX_CHARS, false)?;
    Ok(text.to_owned())
}

/// The secret that lets a requester follow their request: shown once, at submission, and
/// kept only as its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct TrackingToken(String);

impl fmt::Debug for TrackingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrackingToken(…)")
    }
}

impl TrackingToken {
    /// A new token: 256 random bits, base64url.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        // aws-lc's generator only fails when the system has no randomness at all, in
        // which case Lambda could not have started either.
        let _ = aws_lc_rs::rand::fill(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token known in advance, for fixtures (the `events/` files carry one).
    #[cfg(any(test, feature = "test-support"))]
    pub fn known(token: &str) -> Self {
        Self(token.to_owned())
    }

    /// The token as given to the requester.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is kept: the hex SHA-256 of the token.
    pub fn digest(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }

    /// Whether `presented` is the token whose digest is `kept`. (A digest of 256 random
    /// bits: comparing digests leaks nothing usable about the token.)
    pub fn matches(presented: &str, kept: &str) -> bool {
        presented.len() == 43 && sha256_hex(presented.as_bytes()) == kept
    }
}

/// A document released to a request: a document of a public record, which anyone may
/// download for as long as the record stays public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
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
}

/// The one extension a request may get.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Why more time is needed (shown to the requester).
    pub reason: String,
    /// When it was granted.
    pub at: Timestamp,
    /// Who granted it.
    pub by: String,
}

/// How a closed request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// Why.
    pub reason: ClosingReason,
    /// The exemptions cited (partially fulfilled and denied requests cite at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<String>,
    /// The request this one repeats (duplicates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<RequestNumber>,
    /// When it was closed.
    pub at: Timestamp,
}

/// A request, exactly as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsRequest {
    /// The agency asked.
    pub agency: AgencyId,
    /// Its number within the agency.
    pub number: RequestNumber,
    /// What was asked for, as written.
    pub description: String,
    /// What the public log shows instead of the description, when staff wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Who asked.
    pub requester: Requester,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it arrived.
    pub received_at: Timestamp,
    /// When it must be answered (none while the clock waits for a clarification).
    pub due_date: Option<Date>,
    /// The times the agency waited for the requester, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<Wait>,
    /// Its one extension, once granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// The staff member working on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// How it ended, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<Closing>,
    /// How many documents were released to it.
    pub released: u32,
    /// The documents released to it, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<Release>,
    /// How many messages were written on it.
    #[serde(default)]
    pub messages: u32,
    /// Starts at 1; every change adds one. The ETag is this number, quoted.
    pub version: u64,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Who changed it last (a staff `sub`, or `requester`).
    pub updated_by: String,
}

impl RecordsRequest {
    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }
}

/// The actor name of changes the requester makes (staff are named by their `sub`).
pub const REQUESTER: &str = "requester";

/// A request as stored: the request, the digest of its tracking token, and the head of its
/// audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRequest {
    /// The request.
    pub request: RecordsRequest,
    /// [`TrackingToken::digest`] of the requester's token.
    pub tracking_digest: String,
    /// The chain's last entry.
    pub head: ChainHead,
}

impl StoredRequest {
    /// Request `number` of `agency`, asked by `new` at `now` with `token`, due on `due_date`:
    /// and the first entry of its chain, which records every field but the requester's
    /// email (an audit trail auditors read need not hold it).
    pub fn receive(
        agency: &AgencyId,
        number: RequestNumber,
        new: &NewRequest,
        token: &TrackingToken,
        due_date: Option<Date>,
        now: Timestamp,
    ) -> (Self, AuditEntry) {
        let request = RecordsRequest {
            agency: agency.clone(),
            number,
            description: new.description.clone(),
            summary: None,
            requester: new.requester.clone(),
            status: RequestStatus::Received,
            received_at: now,
            due_date,
            waits: Vec::new(),
            extension: None,
            assignee: None,
            closing: None,
            released: 0,
            releases: Vec::new(),
            messages: 0,
            version: 1,
            updated_at: now,
            updated_by: REQUESTER.to_owned(),
        };
        let changes = Changes::from([
            ("number".to_owned(), [Value::Null, json!(number)]),
            (
                "description".to_owned(),
                [Value::Null, json!(new.description)],
            ),
            (
                "status".to_owned(),
                [Value::Null, json!(RequestStatus::Received)],
            ),
            ("due_date".to_owned(), [Value::Null, json!(due_date)]),
        ]);
        let entry = AuditEntry::next(
            &ChainHead::genesis(),
            now,
            REQUESTER,
            AuditAction::RequestReceive,
            changes,
        );
        let stored = Self {
            request,
            tracking_digest: token.digest(),
            head: entry.head(),
        };
        (stored, entry)
    }
}

impl StoredRequest {
    /// `request` as the next version, changed at `at` by `actor`, and the entry recording
    /// `changes` as `action` on the next link of the chain: every change of a request goes
    /// through here.
    pub fn advance(
        &self,
        mut request: RecordsRequest,
        at: Timestamp,
        actor: &str,
        action: AuditAction,
        changes: Changes,
    ) -> (Self, AuditEntry) {
        request.version = self.request.version + 1;
        request.updated_at = at;
        actor.clone_into(&mut request.updated_by);
        let entry = AuditEntry::next(&self.head, at, actor, action, changes);
        let next = Self {
            request,
            tracking_digest: self.tracking_digest.clone(),
            head: entry.head(),
        };
        (next, entry)
    }
}

#[cfg(test)]
mod tests;
