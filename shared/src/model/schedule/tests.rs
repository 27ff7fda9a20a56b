use serde_json::json;

use super::*;
use crate::model::{Classification, NewRecord, RecordId, Status};

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[test]
fn a_period_is_counted_in_calendar_months_and_a_missing_day_is_the_months_last() {
    let cases = [
        ("2026-03-15", 7, 0, "2033-03-15"),
        ("2026-03-15", 0, 6, "2026-09-15"),
        ("2026-11-30", 0, 3, "2027-02-28"),
        ("2028-02-29", 1, 0, "2029-02-28"),
        ("2028-02-29", 4, 0, "2032-02-29"),
        ("2026-01-31", 0, 1, "2026-02-28"),
        ("2026-08-31", 0, 1, "2026-09-30"),
        ("2026-12-31", 0, 1, "2027-01-31"),
        ("2026-06-01", 0, 0, "2026-06-01"),
        ("2026-12-15", 2, 11, "2029-11-15"),
        ("9990-06-01", 200, 0, "9999-12-31"),
    ];
    for (from, years, months, expected) in cases {
        let keep = Keep { years, months };
        assert_eq!(
            keep.after(date(from)).to_string(),
            expected,
            "{from} + {years}y{months}m"
        );
    }
}

fn schedule(from: RetentionEvent) -> Schedule {
    let body = ScheduleBody::from_json(&json!({
        "name": "Permits", "keep": {"years": 3, "months": 6}, "from": from.as_str(), "action": "destroy"
    }))
    .unwrap();
    let id = ScheduleId::generate(at("2026-01-01T00:00:00.000Z"));
    let agency = AgencyId::parse("parks").unwrap();
    StoredSchedule::create(id, agency, body, at("2026-01-01T00:00:00.000Z"), "officer")
        .0
        .schedule
}

#[test]
fn retention_counts_from_the_schedules_event_and_waits_for_it() {
    let new = NewRecord::from_json(&json!({"title": "T", "classification": "public"})).unwrap();
    let mut record = new.into_record(
        RecordId::generate(at("2026-02-10T23:30:00.000Z")),
        AgencyId::parse("parks").unwrap(),
        "clerk",
        at("2026-02-10T23:30:00.000Z"),
    );
    let created = schedule(RetentionEvent::Created);
    let published = schedule(RetentionEvent::Published);
    let archived = schedule(RetentionEvent::Archived);
    assert_eq!(
        created.retention_of(&record, Timestamp::date),
        Some(date("2029-08-10"))
    );
    assert_eq!(published.retention_of(&record, Timestamp::date), None);
    assert_eq!(archived.retention_of(&record, Timestamp::date), None);

    record.status = Status::Published;
    record.stamp_move(Status::Draft, at("2026-05-31T12:00:00.000Z"));
    assert_eq!(
        published.retention_of(&record, Timestamp::date),
        Some(date("2029-11-30"))
    );
    assert_eq!(archived.retention_of(&record, Timestamp::date), None);

    record.status = Status::Archived;
    record.stamp_move(Status::Published, at("2027-08-31T08:00:00.000Z"));
    assert_eq!(
        archived.retention_of(&record, Timestamp::date),
        Some(date("2031-02-28"))
    );
    assert_eq!(
        published.retention_of(&record, Timestamp::date),
        Some(date("2029-11-30")),
        "archiving keeps the publication date"
    );
    assert_eq!(record.classification, Classification::Public);
}

#[test]
fn a_body_is_checked_field_by_field() {
    let errors = ScheduleBody::from_json(&json!({
        "name": " ", "keep": {"years": 201}, "from": "closed", "action": "burn", "extra": 1
    }))
    .unwrap_err();
    let mut names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["action", "extra", "from", "keep", "name"]);

    for keep in [
        json!({"months": 12}),
        json!({"years": -1}),
        json!({"years": 1.5}),
        json!({"days": 3}),
        json!(7),
    ] {
        let body = json!({"name": "N", "keep": keep, "from": "created", "action": "review"});
        assert!(ScheduleBody::from_json(&body).is_err(), "{keep}");
    }
    let body = ScheduleBody::from_json(&json!({
        "name": "N", "keep": {"months": 11}, "from": "archived", "action": "review"
    }))
    .unwrap();
    assert_eq!(
        body.keep,
        Keep {
            years: 0,
            months: 11
        }
    );

    let missing = ScheduleBody::from_json(&json!({})).unwrap_err();
    assert_eq!(missing.len(), 4);
}

#[test]
fn a_revision_lists_what_changed_and_nothing_is_not_a_revision() {
    let body = ScheduleBody::from_json(&json!({
        "name": "Minutes", "keep": {"years": 10}, "from": "created", "action": "review"
    }))
    .unwrap();
    let t0 = at("2026-01-01T00:00:00.000Z");
    let (stored, first) = StoredSchedule::create(
        ScheduleId::generate(t0),
        AgencyId::parse("parks").unwrap(),
        body,
        t0,
        "officer",
    );
    assert_eq!(first.action, AuditAction::ScheduleCreate);
    assert_eq!(first.seq, 1);
    assert!(first.changes.contains_key("id"));

    let same = SchedulePatch::from_json(&json!({"name": "Minutes"})).unwrap();
    assert!(stored.revise(&same, t0, "officer").is_none());

    let patch =
        SchedulePatch::from_json(&json!({"keep": {"years": 12}, "action": "destroy"})).unwrap();
    let t1 = at("2026-02-01T00:00:00.000Z");
    let (next, entry) = stored.revise(&patch, t1, "officer-2").unwrap();
    assert_eq!(next.schedule.version, 2);
    assert_eq!(next.schedule.updated_by, "officer-2");
    assert_eq!(next.head, entry.head());
    let mut changed: Vec<_> = entry.changes.keys().cloned().collect();
    changed.sort();
    assert_eq!(changed, ["action", "keep"]);
    assert_eq!(entry.changes["keep"][1], json!({"years": 12, "months": 0}));
    assert_eq!(entry.prev_hash, first.hash);

    let deletion = next.deletion(t1, "officer");
    assert_eq!(deletion.action, AuditAction::ScheduleDelete);
    assert_eq!(deletion.seq, 3);

    assert!(SchedulePatch::from_json(&json!({"name": null})).is_err());
    assert!(SchedulePatch::from_json(&json!({"in_use": false})).is_err());
}

#[test]
fn retention_counts_from_the_agencys_day_of_the_event() {
    let new = NewRecord::from_json(&json!({"title": "T", "classification": "public"})).unwrap();
    // 03:00 UTC on 1 December is still 30 November in Chicago.
    let created = at("2026-12-01T03:00:00.000Z");
    let record = new.into_record(
        RecordId::generate(created),
        AgencyId::parse("parks").unwrap(),
        "clerk",
        created,
    );
    let monthly = Schedule {
        keep: Keep {
            years: 0,
            months: 1,
        },
        ..schedule(RetentionEvent::Created)
    };
    let chicago = |_: Timestamp| date("2026-11-30");
    assert_eq!(
        monthly.retention_of(&record, chicago),
        Some(date("2026-12-30"))
    );
    assert_eq!(
        monthly.retention_of(&record, Timestamp::date),
        Some(date("2027-01-01"))
    );
}
