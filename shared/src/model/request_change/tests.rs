use jiff::tz::TimeZone;

use super::*;
use crate::model::{AgencyId, DeadlineRules, NewRequest, TrackingToken};

/// Wednesday 2 December 2026, 09:00 UTC.
const RECEIVED: Timestamp = Timestamp::from_millis(1_796_202_000_000);
const DAY: i64 = 86_400_000;

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
        DeadlineRules::default().due_date(RECEIVED, &TimeZone::UTC, &[], false),
        RECEIVED,
    );
    stored
}

/// The due date of `request` under the default rules (20 business days), in UTC.
fn due_of(request: &RecordsRequest) -> Option<Date> {
    DeadlineRules::default().due_date(
        request.received_at,
        &TimeZone::UTC,
        &request.waits,
        request.extension.is_some(),
    )
}

fn patch(body: Value) -> RequestPatch {
    RequestPatch::from_json(&body).unwrap()
}

fn bad_fields(body: Value) -> Vec<String> {
    let mut fields: Vec<String> = RequestPatch::from_json(&body)
        .unwrap_err()
        .into_iter()
        .map(|error| error.field)
        .collect();
    fields.sort();
    fields
}

#[test]
fn a_patch_is_checked_field_by_field() {
    let full = patch(
        json!({"assignee": " olga ", "status": "in_progress", "summary": "Elm permits",
                            "extension": {"reason": "Records are offsite"},
                            "closing": {"reason": "denied", "exemptions": ["(b)(6)"]}}),
    );
    assert_eq!(full.assignee, Some(Some("olga".into())));
    assert_eq!(full.status, Some(RequestStatus::InProgress));
    assert_eq!(full.extension.as_deref(), Some("Records are offsite"));
    assert_eq!(full.closing.unwrap().exemptions, ["(b)(6)"]);
    assert_eq!(patch(json!({"assignee": null})).assignee, Some(None));
    assert_eq!(patch(json!({"summary": null})).summary, Some(None));
    assert_eq!(patch(json!({})), RequestPatch::default());

    assert_eq!(bad_fields(json!({"status": "closed"})), ["status"]);
    assert_eq!(bad_fields(json!({"status": "received"})), ["status"]);
    assert_eq!(
        bad_fields(json!({"status": null, "assignee": ""})),
        ["assignee", "status"]
    );
    assert_eq!(bad_fields(json!({"extension": {}})), ["extension"]);
    assert_eq!(
        bad_fields(json!({"extension": {"reason": "x", "days": 90}})),
        ["extension"]
    );
    assert_eq!(bad_fields(json!({"summary": "a\u{202E}b"})), ["summary"]);
    assert_eq!(
        bad_fields(json!({"version": 3, "number": "2026-0001"})),
        ["number", "version"]
    );
    for closing in [
        json!({"reason": "denied"}),
        json!({"reason": "partially_fulfilled", "exemptions": []}),
        json!({"reason": "fulfilled", "exemptions": ["(b)(5)"]}),
        json!({"reason": "duplicate"}),
        json!({"reason": "duplicate", "duplicate_of": "2026-42"}),
        json!({"reason": "withdrawn", "duplicate_of": "2026-0001"}),
        json!({"reason": "lost"}),
        json!({"reason": "denied", "exemptions": vec!["x"; 21]}),
        json!({"reason": "denied", "exemptions": [""]}),
        json!({"reason": "fulfilled", "at": "2026-01-01"}),
    ] {
        assert_eq!(
            bad_fields(json!({"closing": closing})),
            ["closing"],
            "{closing}"
        );
    }
}

#[test]
fn a_clarification_stops_the_clock_and_leaving_it_starts_it_again() {
    let first = received().request;
    assert_eq!(first.due_date, "2026-12-30".parse().ok());
    let asked_at = RECEIVED.plus_millis(2 * DAY);
    let asking = patch(json!({"status": "awaiting_clarification"}));
    let waiting = asking.apply(&first, asked_at, "olga", due_of).unwrap();
    assert_eq!(waiting.due_date, None);
    assert_eq!(
        waiting.waits,
        [super::super::Wait {
            asked_at,
            answered_at: None
        }]
    );

    let answered_at = RECEIVED.plus_millis(9 * DAY);
    let resumed = patch(json!({"status": "in_progress"}))
        .apply(&waiting, answered_at, "olga", due_of)
        .unwrap();
    assert_eq!(resumed.waits[0].answered_at, Some(answered_at));
    // Paused, not restarted: later than first due, by the week it waited.
    assert!(resumed.due_date > first.due_date, "{:?}", resumed.due_date);
    assert_eq!(resumed.due_date, due_of(&resumed));
}

#[test]
fn the_one_extension_moves_the_due_date_and_a_second_is_refused() {
    let first = received().request;
    let extend = patch(json!({"extension": {"reason": "Records are offsite"}}));
    let extended = extend.apply(&first, RECEIVED, "olga", due_of).unwrap();
    // Ten business days more.
    assert_eq!(extended.due_date, "2027-01-13".parse().ok());
    assert_eq!(extended.extension.as_ref().unwrap().by, "olga");
    assert!(extend.apply(&extended, RECEIVED, "olga", due_of).is_err());
}

#[test]
fn closing_is_final_but_for_the_summary_and_keeps_the_due_date() {
    let first = received().request;
    let waiting = patch(json!({"status": "awaiting_clarification"}))
        .apply(&first, RECEIVED, "olga", due_of)
        .unwrap();
    let close = patch(json!({"closing": {"reason": "withdrawn"}}));
    let closed = close
        .apply(&waiting, RECEIVED.plus_millis(DAY), "olga", due_of)
        .unwrap();
    assert_eq!(closed.status, RequestStatus::Closed);
    assert_eq!(
        closed.closing.as_ref().unwrap().reason,
        ClosingReason::Withdrawn
    );
    assert!(closed.waits[0].answered_at.is_some());
    assert_eq!(closed.due_date, waiting.due_date);

    for refused in [
        json!({"status": "in_progress"}),
        json!({"assignee": "olga"}),
        json!({"extension": {"reason": "late"}}),
        json!({"closing": {"reason": "fulfilled"}}),
    ] {
        assert!(
            patch(refused.clone())
                .apply(&closed, RECEIVED, "olga", due_of)
                .is_err(),
            "{refused}"
        );
    }
    let summarized = patch(json!({"summary": "Elm Street permits"}))
        .apply(&closed, RECEIVED, "olga", due_of)
        .unwrap();
    assert_eq!(summarized.summary.as_deref(), Some("Elm Street permits"));

    let itself = patch(json!({"closing": {"reason": "duplicate", "duplicate_of": "2026-0007"}}));
    assert!(itself.apply(&first, RECEIVED, "olga", due_of).is_err());
}

#[test]
fn a_revision_records_what_changed_on_the_next_link() {
    let stored = received();
    assert!(
        stored
            .revise(stored.request.clone(), RECEIVED, "olga")
            .is_none()
    );
    let assigned = patch(json!({"assignee": "olga", "status": "in_progress"}))
        .apply(&stored.request, RECEIVED, "olga", due_of)
        .unwrap();
    let later = RECEIVED.plus_millis(1_000);
    let (next, entry) = stored.revise(assigned, later, "olga").unwrap();
    assert_eq!(next.request.version, 2);
    assert_eq!(
        (next.request.updated_at, next.request.updated_by.as_str()),
        (later, "olga")
    );
    assert_eq!(entry.seq, 2);
    assert_eq!(entry.action, AuditAction::RequestUpdate);
    assert_eq!(
        entry.changes.keys().collect::<Vec<_>>(),
        ["assignee", "status"]
    );
    assert_eq!(
        entry.changes["status"],
        [json!("received"), json!("in_progress")]
    );
    assert_eq!(next.head, entry.head());
    assert_eq!(next.tracking_digest, stored.tracking_digest);
}
