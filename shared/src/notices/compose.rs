//! What a requester is told, and when: composed from the request before and after a change
//! and the agency's settings. Never given the tracking token, so no notice can hold it.

use super::{Email, request_page};
use crate::model::{AgencyProfile, ClosingReason, Notice, RecordsRequest, RequestStatus};

/// Which notice, if any, the change from `before` to `after` calls for.
fn notice_for(before: Option<&RecordsRequest>, after: &RecordsRequest) -> Option<Notice> {
    let Some(before) = before else {
        return Some(Notice::Acknowledgement);
    };
    let became = |status| after.status == status && before.status != status;
    if became(RequestStatus::Closed) {
        Some(Notice::Closure)
    } else if after.extension.is_some() && before.extension.is_none() {
        Some(Notice::Extension)
    } else if became(RequestStatus::AwaitingClarification) {
        Some(Notice::Clarification)
    } else {
        None
    }
}

fn reason_text(reason: ClosingReason) -> &'static str {
    match reason {
        ClosingReason::Fulfilled => "fulfilled: the records asked for were released",
        ClosingReason::PartiallyFulfilled => {
            "partially fulfilled: some records were released and some withheld"
        }
        ClosingReason::NoResponsiveRecords => "closed: the agency holds no records that answer it",
        ClosingReason::Denied => "denied: the records were withheld",
        ClosingReason::Withdrawn => "withdrawn",
        ClosingReason::Duplicate => "closed as a duplicate of another request",
    }
}

/// The email telling `after`'s requester of the change from `before` (none: it was just
/// received), if the change calls for one and `agency` sends it. `portal_url`, when set,
/// gives a link to the request's public page.
pub fn requester_notice(
    agency: &AgencyProfile,
    before: Option<&RecordsRequest>,
    after: &RecordsRequest,
    portal_url: Option<&str>,
) -> Option<Email> {
    let notice = notice_for(before, after)?;
    if !agency.requests.notices.contains(&notice) {
        return None;
    }
    let number = after.number;
    let due = after.due_date.map_or_else(
        || "not set while the agency waits".to_owned(),
        |d| d.to_string(),
    );
    let (subject, mut text) = match notice {
        Notice::Acknowledgement => (
            format!("Your records request {number} was received"),
            format!(
                "{} received your records request on {}. Its number is {number}; an answer is due by {due}.\n\n\
                 To follow it, read the agency's messages and reply, use the tracking link shown when you \
                 made the request. Keep it private: anyone with it can read your messages.\n",
                agency.name,
                after.received_at.date(),
            ),
        ),
        Notice::Clarification => (
            format!("Records request {number}: please clarify"),
            format!(
                "{} needs you to clarify records request {number} before it can go on. Their \
                 question is on the request's page, which you open with your tracking link; \
                 answer it there. The deadline waits for your answer.\n",
                agency.name
            ),
        ),
        Notice::Extension => (
            format!("Records request {number}: the deadline is extended"),
            format!(
                "{} extended the deadline of records request {number}. The answer is now due by {due}.\n\nWhy: {}\n",
                agency.name,
                after.extension.as_ref().map_or("", |e| e.reason.as_str()),
            ),
        ),
        Notice::Closure => {
            let closing = after.closing.as_ref()?;
            let mut text = format!(
                "{} closed records request {number}: {}.\n",
                agency.name,
                reason_text(closing.reason)
            );
            if !closing.exemptions.is_empty() {
                text += &format!("Exemptions cited: {}.\n", closing.exemptions.join("; "));
            }
            if let Some(original) = closing.duplicate_of {
                text += &format!("It repeats request {original}.\n");
            }
            if after.released > 0 {
                text += &format!(
                    "{} document(s) were released; they are listed on the request's public page.\n",
                    after.released
                );
            }
            (format!("Records request {number} is closed"), text)
        }
    };
    if let Some(portal) = portal_url {
        text += &format!(
            "\nThe request's public page: {}\n",
            request_page(portal, after)
        );
    }
    if !agency.contact_email.is_empty() {
        text += &format!("Questions: {}\n", agency.contact_email);
    }
    Some(Email {
        agency: after.agency.clone(),
        to: vec![after.requester.email.clone()],
        subject,
        text,
    })
}

#[cfg(test)]
mod tests;
