use serde_json::json;

use super::*;
use crate::model::{NewRecord, verify_chain};

fn at(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
}

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// An archived record due since 2026-01-31, its schedule set by `olga`.
fn due() -> (StoredRecord, AuditEntry, DispositionItem) {
    let new =
        NewRecord::from_json(&json!({"title": "Permit 7", "classification": "internal"})).unwrap();
    let mut record = new.into_record(
        RecordId::generate(at(1)),
        AgencyId::parse("parks").unwrap(),
        "clara",
        at(1),
    );
    record.status = Status::Archived;
    let (stored, first) = StoredRecord::create(record);
    let list = DispositionListId::of(date("2026-12-01"));
    let item = DispositionItem::listed(
        &list,
        &stored.record,
        DisposalAction::Destroy,
        date("2026-01-31"),
        Some("olga".into()),
        at(10),
    );
    (stored, first, item)
}

fn approve() -> Decision {
    Decision::from_json(&json!({"decision": "approve", "reason": "Schedule GS-7 met"})).unwrap()
}

#[test]
fn list_ids_are_months() {
    assert_eq!(
        DispositionListId::of(date("2026-02-28")).as_str(),
        "2026-02"
    );
    for good in ["2026-01", "1999-12"] {
        assert!(DispositionListId::parse(good).is_some(), "{good}");
    }
    for bad in [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-01",
        "2026-01-01",
        "abcd-01",
        "",
    ] {
        assert!(DispositionListId::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn another_officer_decides_once_on_the_record_as_listed() {
    let (record, _, item) = due();
    assert_eq!(
        item.decide(&record, &approve(), at(20), "olga")
            .unwrap_err(),
        Refusal::SameOfficer
    );
    let (approved, next, entry) = item.decide(&record, &approve(), at(20), "otto").unwrap();
    assert_eq!(approved.state, ItemState::Approved);
    assert_eq!(
        (approved.version, approved.decided_by.as_deref()),
        (2, Some("otto"))
    );
    assert_eq!(entry.action, AuditAction::DispositionApprove);
    assert_eq!(next.record, record.record, "a decision changes no content");
    assert_eq!(
        approved
            .decide(&next, &approve(), at(21), "otto")
            .unwrap_err(),
        Refusal::AlreadyDecided(ItemState::Approved)
    );
    let mut changed = record.clone();
    changed.record.version += 1;
    assert_eq!(
        item.decide(&changed, &approve(), at(20), "otto")
            .unwrap_err(),
        Refusal::RecordChanged
    );
}

#[test]
fn a_destruction_ends_the_chain_with_the_certificate_facts() {
    let (record, first, item) = due();
    let (approved, record, decided) = item.decide(&record, &approve(), at(20), "otto").unwrap();
    let destruction = approved.destroy(&record, at(30));
    let tombstone = &destruction.tombstone;
    assert_eq!(
        tombstone.content_hash, decided.hash,
        "the hash of the last entry before"
    );
    assert_eq!(
        (tombstone.approved_by.as_str(), tombstone.destroyed_at),
        ("otto", at(30))
    );
    assert_eq!(destruction.entry.action, AuditAction::Destroy);
    assert_eq!(destruction.entry.actor, "otto");
    assert_eq!(
        destruction.entry.changes["disposition/content_hash"][1],
        json!(decided.hash)
    );
    assert!(verify_chain(&[first, decided, destruction.entry.clone()]).is_ok());
    assert_eq!(destruction.item.state, ItemState::Destroyed);
    let line = CertifiedDestruction::of(&destruction.item);
    assert_eq!(
        (line.approved_by.as_deref(), line.destroyed_at),
        (Some("otto"), Some(at(30)))
    );
}

#[test]
fn what_stops_an_approved_destruction() {
    let (record, _, item) = due();
    let today = date("2026-12-01");
    let passed = Some(date("2026-01-31"));
    assert_eq!(item.obstacle(&record.record, passed, today), None);
    let mut held = record.record.clone();
    held.legal_hold = true;
    assert!(
        item.obstacle(&held, passed, today)
            .unwrap()
            .contains("hold")
    );
    assert!(
        item.obstacle(&record.record, Some(today), today)
            .unwrap()
            .contains("retention")
    );
    assert!(item.obstacle(&record.record, None, today).is_some());
    let mut moved = record.record.clone();
    moved.version += 1;
    assert!(
        item.obstacle(&moved, passed, today)
            .unwrap()
            .contains("changed")
    );
}

#[test]
fn a_decision_needs_a_verdict_and_a_reason() {
    let errors = Decision::from_json(&json!({"decision": "maybe", "why": 1})).unwrap_err();
    let mut names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["decision", "reason", "why"]);
    let exclude = Decision::from_json(&json!({"decision": "exclude", "reason": "Audit"})).unwrap();
    assert!(!exclude.approve);
}
