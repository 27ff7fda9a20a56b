//! What a requester is told, and when: composed from the request before and after a change
//! and the agency's settings. Never given the tracking token, so no notice can hold it.

use super::{Email, request_page};
use crate::model::{AgencyProfile, ClosingReason, Notice, RecordsRequest, RequestStatus};
use crate::requests::AgencyCalendar;

/// The notices the change from `before` (none: just received) to `after` calls for, in
/// the order they are sent. A closing says all there is to say; a clarification asked and
/// the extension granted in one change are two notices.
fn notices_for(before: Option<&RecordsRequest>, after: &RecordsRequest) -> Vec<Notice> {
    let Some(before) = before else {
        return vec![Notice::Acknowledgement];
    };
    let became = |status| after.status == status && before.status != status;
    if became(RequestStatus::Closed) {
        return vec![Notice::Closure];
    }
    let mut notices = Vec::new();
    if became(RequestStatus::AwaitingClarification) {
        notices.push(Notice::Clarification);
    }
    if after.extension.is_some() && before.extension.is_none() {
        notices.push(Notice::Extension);
    }
    notices
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

/// The emails telling `after`'s requester of the change from `before` (none: it was just
/// received): those the change calls for that `agency` sends. `portal_url`, when set, gives
/// a link to the request's public page.
pub fn requester_notices(
    agency: &AgencyProfile,
    before: Option<&RecordsRequest>,
    after: &RecordsRequest,
    portal_url: Option<&str>,
) -> Vec<Email> {
    notices_for(before, after)
        .into_iter()
        .filter(|notice| agency.requests.notices.contains(notice))
        .filter_map(|notice| compose(agency, notice, after, portal_url))
        .collect()
}

fn compose(
    agency: &AgencyProfile,
    notice: Notice,
    after: &RecordsRequest,
    portal_url: Option<&str>,
) -> Option<Email> {
    let number = after.number;
    // The day it arrived on the agency's own calendar, as its staff and the law count.
    let received = AgencyCalendar::of(agency).map_or_else(
        |_| after.received_at.date().to_string(),
        |calendar| calendar.date_of(after.received_at).to_string(),
    );
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
                agency.name, received,
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
