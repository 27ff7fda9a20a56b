use jiff::tz::TimeZone;

use super::*;
use crate::model::{AgencyId, DeadlineRules, NewRequest, RequestNumber, TrackingToken, Wait};

/// Wednesday 2 December 2026, 09:00 UTC.
const AT: Timestamp = Timestamp::from_millis(1_796_202_000_000);

fn due_of(request: &RecordsRequest) -> Option<Date> {
    DeadlineRules::default().due_date(
        request.received_at,
        &TimeZone::UTC,
        &request.waits,
        request.extension.is_some(),
    )
}

fn received() -> StoredRequest {
    let new = NewRequest::from_json(&json!({
        "description": "Every permit issued on Elm Street",
        "requester": {"email": "ada@example.org"},
    }))
    .unwrap();
    let (stored, _) = StoredRequest::receive(
        &AgencyId::parse("parks").unwrap(),
        RequestNumber::new(2026, 7).unwrap(),
        &new,
        &TrackingToken::generate(),
        DeadlineRules::default().due_date(AT, &TimeZone::UTC, &[], false),
        AT,
    );
    stored
}

fn fields_of(result: Result<NewMessage, Vec<FieldError>>) -> Vec<String> {
    let mut fields: Vec<String> = result.unwrap_err().into_iter().map(|e| e.field).collect();
    fields.sort();
    fields
}

#[test]
fn messages_are_checked_and_the_requester_cannot_choose_who_reads() {
    let staff = NewMessage::from_staff_json(
        &json!({"body": " Please narrow it. ", "visibility": "requester"}),
    );
    assert_eq!(
        staff.unwrap(),
        NewMessage {
            body: "Please narrow it.".into(),
            visibility: Visibility::Requester
        }
    );
    assert_eq!(
        fields_of(NewMessage::from_staff_json(&json!({"body": ""}))),
        ["body", "visibility"]
    );
    assert_eq!(
        fields_of(NewMessage::from_staff_json(
            &json!({"body": "x", "visibility": "everyone"})
        )),
        ["visibility"]
    );
    let too_long = "y".repeat(limits::BODY_MAX_CHARS + 1);
    assert_eq!(
        fields_of(NewMessage::from_requester_json(&json!({"body": too_long}))),
        ["body"]
    );
    assert_eq!(
        fields_of(NewMessage::from_requester_json(
            &json!({"body": "x", "visibility": "public"})
        )),
        ["visibility"]
    );
    let mine = NewMessage::from_requester_json(&json!({"body": "Only 2025, please.\nThanks"}));
    assert_eq!(mine.unwrap().visibility, Visibility::Requester);
}

#[test]
fn the_requesters_answer_to_a_clarification_starts_the_clock_again() {
    let stored = received();
    let mut waiting = stored.clone();
    waiting.request.status = RequestStatus::AwaitingClarification;
    waiting.request.waits = vec![Wait {
        asked_at: AT,
        answered_at: None,
    }];
    waiting.request.due_date = None;
    let answer = NewMessage::from_requester_json(&json!({"body": "Only 2025."})).unwrap();
    let later = AT.plus_millis(86_400_000);
    let (next, entry) = waiting
        .with_message(&answer, later, REQUESTER, due_of)
        .unwrap();
    assert_eq!(next.request.status, RequestStatus::InProgress);
    assert_eq!(next.request.waits[0].answered_at, Some(later));
    assert_eq!(next.request.due_date, due_of(&next.request));
    assert!(next.request.due_date.is_some());
    assert_eq!((next.request.version, next.request.messages), (2, 1));
    assert_eq!(entry.action, AuditAction::RequestMessage);
    assert_eq!(
        entry.changes.keys().collect::<Vec<_>>(),
        ["due_date", "message", "status", "waits"]
    );
    assert_eq!(
        RequestMessage::of(&entry),
        Some(RequestMessage {
            seq: 2,
            at: later,
            from: REQUESTER.into(),
            visibility: Visibility::Requester,
            body: "Only 2025.".into(),
        })
    );

    // Staff writing changes nothing but the count; a plain entry is no message.
    let note = NewMessage::from_staff_json(
        &json!({"body": "Checking the archive.", "visibility": "internal"}),
    )
    .unwrap();
    let (noted, entry) = stored.with_message(&note, AT, "olga", due_of).unwrap();
    assert_eq!(noted.request.status, RequestStatus::Received);
    assert_eq!(entry.changes.keys().collect::<Vec<_>>(), ["message"]);
    assert_eq!(noted.head, entry.head());
}

#[test]
fn a_closed_request_hears_no_more_from_its_requester_and_messages_are_bounded() {
    let mut closed = received();
    closed.request.status = RequestStatus::Closed;
    let answer = NewMessage::from_requester_json(&json!({"body": "Hello?"})).unwrap();
    assert!(closed.with_message(&answer, AT, REQUESTER, due_of).is_err());
    let release_note =
        NewMessage::from_staff_json(&json!({"body": "Released.", "visibility": "public"})).unwrap();
    assert!(
        closed
            .with_message(&release_note, AT, "olga", due_of)
            .is_ok()
    );

    let mut full = received();
    full.request.messages = limits::MESSAGES_MAX;
    assert!(
        full.with_message(&release_note, AT, "olga", due_of)
            .is_err()
    );
}
