//! Messages on a records request. Each is an entry of the request's own chain, so it is as
//! tamper-evident as the request's changes and needs no table of its own. Who may read one
//! is its visibility: anyone, the requester (holding the tracking token), or staff only.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry};
use super::fields::{Fields, check_text, string};
use super::request::{REQUESTER, RecordsRequest, RequestStatus, StoredRequest};
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on messages.
pub mod limits {
    /// Most characters in one message.
    pub const BODY_MAX_CHARS: usize = 5_000;
    /// Most messages on one request: its public page reads them all.
    pub const MESSAGES_MAX: u32 = 200;
}

/// Who may read a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Anyone, on the request's public page.
    Public,
    /// The requester (with the tracking token), and staff.
    Requester,
    /// Staff only.
    Internal,
}

/// A message to write, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Plain text, never rendered as HTML.
    pub body: String,
    /// Who may read it.
    pub visibility: Visibility,
}

impl NewMessage {
    /// A staff message: `{body, visibility}`.
    pub fn from_staff_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["body", "visibility"])?;
        let text = fields.required("body", |_, value| message_body(value));
        let visibility = fields.required("visibility", |_, value| {
            serde_json::from_value(value.clone())
                .map_err(|_| "must be public, requester or internal".to_owned())
        });
        fields.finish()?;
        match (text, visibility) {
            (Some(body), Some(visibility)) => Ok(Self { body, visibility }),
            _ => Err(Vec::new()),
        }
    }

    /// The requester's message, `{body}`: seen by them and by staff.
    pub fn from_requester_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(body, &["body"])?;
        let text = fields.required("body", |_, value| message_body(value));
        fields.finish()?;
        text.map(|body| Self {
            body,
            visibility: Visibility::Requester,
        })
        .ok_or_else(Vec::new)
    }
}

fn message_body(value: &Value) -> Result<String, String> {
    let text = string(value)?.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    check_text(text, limits::BODY_MAX_CHARS, true)?;
    Ok(text.to_owned())
}

/// A message as its entry holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestMessage {
    /// Its entry's place in the chain.
    pub seq: u64,
    /// When it was written.
    pub at: Timestamp,
    /// Who wrote it: a staff `sub`, or `requester`.
    pub from: String,
    /// Who may read it.
    pub visibility: Visibility,
    /// What it says.
    pub body: String,
}

impl RequestMessage {
    /// The message `entry` holds, if it is a message entry.
    pub fn of(entry: &AuditEntry) -> Option<Self> {
        if entry.action != AuditAction::RequestMessage {
            return None;
        }
        let [_, message] = entry.changes.get("message")?;
        Some(Self {
            seq: entry.seq,
            at: entry.at,
            from: entry.actor.clone(),
            visibility: serde_json::from_value(message.get("visibility")?.clone()).ok()?,
            body: message.get("body")?.as_str()?.to_owned(),
        })
    }
}

impl StoredRequest {
    /// `message` written on this request at `at` by `actor` (a staff `sub`, or
    /// [`REQUESTER`]): the next version and the `request.message` entry holding it. The
    /// requester's message answers a clarification asked for: the request is in progress
    /// again and its due date, worked out by `due_date`, runs again. Refused (a 409) once
    /// the request holds [`limits::MESSAGES_MAX`] messages, and for the requester once it
    /// is closed.
    pub fn with_message(
        &self,
        message: &NewMessage,
        at: Timestamp,
        actor: &str,
        due_date: impl Fn(&RecordsRequest) -> Option<Date>,
    ) -> Result<(Self, AuditEntry), String> {
        let was = &self.request;
        if was.messages >= limits::MESSAGES_MAX {
            return Err(format!(
                "A request holds at most {} messages.",
                limits::MESSAGES_MAX
            ));
        }
        let mut next = was.clone();
        if actor == REQUESTER {
            match was.status {
                RequestStatus::Closed => {
                    return Err("The request is closed: it takes no more messages.".into());
                }
                RequestStatus::AwaitingClarification => {
                    if let Some(wait) = next.waits.last_mut() {
                        wait.answered_at.get_or_insert(at);
                    }
                    next.status = RequestStatus::InProgress;
                    next.due_date = due_date(&next);
                }
                RequestStatus::Received | RequestStatus::InProgress => {}
            }
        }
        let mut changes = was.changes_to(&next);
        changes.insert(
            "message".to_owned(),
            [
                Value::Null,
                json!({"visibility": message.visibility, "body": message.body}),
            ],
        );
        next.messages += 1;
        Ok(self.advance(next, at, actor, AuditAction::RequestMessage, changes))
    }
}

#[cfg(test)]
mod tests;
