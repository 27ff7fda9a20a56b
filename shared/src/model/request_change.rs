//! What staff change on a records request (`PATCH /requests/{number}`): the body, validated,
//! and the rules that say which changes a request in its state may take. The clock follows:
//! asking for a clarification stops it, leaving that state starts it again, the one
//! extension moves the due date.

use jiff::civil::Date;
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, Changes};
use super::fields::{Fields, check_text, string};
use super::request::{
    Closing, ClosingReason, Extension, RecordsRequest, RequestNumber, RequestStatus, StoredRequest,
};
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on what staff write.
pub mod limits {
    /// Most characters in a public summary or an extension's reason.
    pub const TEXT_MAX_CHARS: usize = 2_000;
    /// Most characters in an assignee (a staff `sub`).
    pub const ASSIGNEE_MAX_CHARS: usize = 200;
    /// Most exemptions one closing cites, and most characters in each.
    pub const EXEMPTIONS_MAX: usize = 20;
    /// Most characters in one exemption (`5 U.S.C. 552(b)(6)`).
    pub const EXEMPTION_MAX_CHARS: usize = 200;
}

/// How a request is to be closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosingBody {
    /// Why.
    pub reason: ClosingReason,
    /// The exemptions cited: at least one for partially fulfilled and denied requests,
    /// none otherwise.
    pub exemptions: Vec<String>,
    /// The request it repeats: for duplicates only, and required for them.
    pub duplicate_of: Option<RequestNumber>,
}

/// A staff change to a request; each field left out stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestPatch {
    /// Who works on it (`null`: nobody).
    pub assignee: Option<Option<String>>,
    /// A move to `in_progress` or `awaiting_clarification` (closing takes `closing`).
    pub status: Option<RequestStatus>,
    /// What the public log shows in place of the description (`null`: the description).
    pub summary: Option<Option<String>>,
    /// The reason for the one extension, which moves the due date.
    pub extension: Option<String>,
    /// Closes it.
    pub closing: Option<ClosingBody>,
}

impl RequestPatch {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(
            body,
            &["assignee", "status", "summary", "extension", "closing"],
        )?;
        let assignee = fields.optional("assignee", |_, value| {
            let text = string(value)?.trim();
            if text.is_empty() {
                return Err("must not be empty (null to unassign)".into());
            }
            check_text(text, limits::ASSIGNEE_MAX_CHARS, false)?;
            Ok(text.to_owned())
        });
        let status = fields.not_null("status", |_, value| {
            match serde_json::from_value(value.clone()) {
                Ok(status @ (RequestStatus::InProgress | RequestStatus::AwaitingClarification)) => {
                    Ok(status)
                }
                _ => {
                    Err("must be in_progress or awaiting_clarification (close with closing)".into())
                }
            }
        });
        let summary = fields.optional("summary", |_, value| text(value));
        let extension = fields.not_null("extension", |_, value| {
            let Value::Object(object) = value else {
                return Err("must be an object with a reason".into());
            };
            if object.keys().any(|key| key != "reason") {
                return Err("takes only a reason".into());
            }
            text(object.get("reason").unwrap_or(&Value::Null)).map_err(|e| format!("reason {e}"))
        });
        let closing = fields.not_null("closing", |_, value| closing(value));
        fields.finish()?;
        Ok(Self {
            assignee,
            status,
            summary: summary.map(|summary| summary.filter(|text| !text.is_empty())),
            extension,
            closing,
        })
    }

    /// `was` with this patch applied at `now` by `actor`, its due date worked out again by
    /// `due_date` (from the received time, the waits, and whether it is extended), or why
    /// the request in its state cannot take it (a 409).
    pub fn apply(
        &self,
        was: &RecordsRequest,
        now: Timestamp,
        actor: &str,
        due_date: impl Fn(&RecordsRequest) -> Option<Date>,
    ) -> Result<RecordsRequest, String> {
        let mut next = was.clone();
        if let Some(summary) = &self.summary {
            next.summary.clone_from(summary);
        }
        let acts = self.assignee.is_some()
            || self.status.is_some()
            || self.extension.is_some()
            || self.closing.is_some();
        if was.status == RequestStatus::Closed {
            if acts {
                return Err("A closed request changes no more, but for its public summary.".into());
            }
            return Ok(next);
        }
        if let Some(assignee) = &self.assignee {
            next.assignee.clone_from(assignee);
        }
        if let Some(status) = self.status
            && status != was.status
        {
            if was.status == RequestStatus::AwaitingClarification {
                answer_wait(&mut next, now);
            }
            if status == RequestStatus::AwaitingClarification {
                next.waits.push(super::deadline::Wait {
                    asked_at: now,
                    answered_at: None,
                });
            }
            next.status = status;
        }
        if let Some(reason) = &self.extension {
            if was.extension.is_some() {
                return Err("The request was extended once already; it may be only once.".into());
            }
            next.extension = Some(Extension {
                reason: reason.clone(),
                at: now,
                by: actor.to_owned(),
            });
        }
        if let Some(closing) = &self.closing {
            if closing.duplicate_of == Some(was.number) {
                return Err("A request cannot be a duplicate of itself.".into());
            }
            if next.status == RequestStatus::AwaitingClarification {
                answer_wait(&mut next, now);
            }
            next.status = RequestStatus::Closed;
            next.closing = Some(Closing {
                reason: closing.reason,
                exemptions: closing.exemptions.clone(),
                duplicate_of: closing.duplicate_of,
                at: now,
            });
        }
        // A closed request keeps the date it was due by: on-time statistics count on it.
        if next.status != RequestStatus::Closed {
            next.due_date = due_date(&next);
        }
        Ok(next)
    }
}

/// The clarification asked last is answered (or given up on, when staff move on) at `now`.
fn answer_wait(request: &mut RecordsRequest, now: Timestamp) {
    if let Some(wait) = request.waits.last_mut()
        && wait.answered_at.is_none()
    {
        wait.answered_at = Some(now);
    }
}

fn text(value: &Value) -> Result<String, String> {
    let text = string(value)?.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    check_text(text, limits::TEXT_MAX_CHARS, true)?;
    Ok(text.to_owned())
}

fn closing(value: &Value) -> Result<ClosingBody, String> {
    let Value::Object(object) = value else {
        return Err("must be an object with a reason".into());
    };
    if let Some(key) = object
        .keys()
        .find(|key| !matches!(key.as_str(), "reason" | "exemptions" | "duplicate_of"))
    {
        return Err(format!(
            "has a field {key:?}; only reason, exemptions and duplicate_of"
        ));
    }
    let reason: ClosingReason = object
        .get("reason")
        .and_then(|reason| serde_json::from_value(reason.clone()).ok())
        .ok_or("reason must be one of fulfilled, partially_fulfilled, no_responsive_records, denied, withdrawn, duplicate")?;
    let exemptions = match object.get("exemptions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.len() <= limits::EXEMPTIONS_MAX => items
            .iter()
            .map(|item| {
                let text = string(item)?.trim();
                if text.is_empty() {
                    return Err("must not be empty".to_owned());
                }
                check_text(text, limits::EXEMPTION_MAX_CHARS, false)?;
                Ok(text.to_owned())
            })
            .collect::<Result<_, String>>()
            .map_err(|e| format!("exemptions: each {e}"))?,
        Some(_) => {
            return Err(format!(
                "exemptions must be a list of at most {} strings",
                limits::EXEMPTIONS_MAX
            ));
        }
    };
    if reason.cites_exemptions() == exemptions.is_empty() {
        return Err(if exemptions.is_empty() {
            "exemptions: a partially fulfilled or denied request cites at least one".into()
        } else {
            "exemptions: only partially fulfilled and denied requests cite them".into()
        });
    }
    let duplicate_of = match object.get("duplicate_of") {
        None | Some(Value::Null) => None,
        Some(Value::String(number)) => Some(
            RequestNumber::parse(number)
                .ok_or("duplicate_of must be a request number like 2026-0042")?,
        ),
        Some(_) => return Err("duplicate_of must be a request number like 2026-0042".into()),
    };
    if (reason == ClosingReason::Duplicate) != duplicate_of.is_some() {
        return Err("duplicate_of: required for a duplicate, and for nothing else".into());
    }
    Ok(ClosingBody {
        reason,
        exemptions,
        duplicate_of,
    })
}

impl RecordsRequest {
    /// What a change of this request records, field by field.
    fn tracked_fields(&self) -> [(&'static str, Value); 8] {
        [
            ("status", json!(self.status)),
            ("assignee", json!(self.assignee)),
            ("summary", json!(self.summary)),
            ("due_date", json!(self.due_date)),
            ("waits", json!(self.waits)),
            ("extension", json!(self.extension)),
            ("closing", json!(self.closing)),
            ("released", json!(self.released)),
        ]
    }

    /// `{field: [old, new]}` for every tracked field that differs in `next`.
    pub fn changes_to(&self, next: &RecordsRequest) -> Changes {
        self.tracked_fields()
            .into_iter()
            .zip(next.tracked_fields())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, old), (_, new))| (field.to_owned(), [old, new]))
            .collect()
    }
}

impl StoredRequest {
    /// `request` as the next version, changed at `at` by `actor`, and the `request.update`
    /// entry listing what changed. `None` if nothing did.
    pub fn revise(
        &self,
        request: RecordsRequest,
        at: Timestamp,
        actor: &str,
    ) -> Option<(Self, AuditEntry)> {
        let changes = self.request.changes_to(&request);
        if changes.is_empty() {
            return None;
        }
        Some(self.advance(request, at, actor, AuditAction::RequestUpdate, changes))
    }
}

#[cfg(test)]
mod tests;
