use super::*;

const ZONE: &str = "America/Chicago";

fn zone() -> TimeZone {
    TimeZone::get(ZONE).unwrap()
}

/// `local` (`2026-11-30T10:00`) on the agency's clock, as a timestamp.
fn at(local: &str) -> Timestamp {
    let time: jiff::civil::DateTime = local.parse().unwrap();
    Timestamp::from_millis(time.to_zoned(zone()).unwrap().timestamp().as_millisecond())
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// Five business days, ten more once, closing at five, two holidays.
fn rules() -> DeadlineRules {
    DeadlineRules {
        days_to_respond: 5,
        counting: DayCount::Business,
        holidays: [day("2026-12-25"), day("2027-01-01")].into(),
        extension_days: 10,
        office_closes: Time::constant(17, 0, 0, 0),
        on_clarification: OnClarification::Pause,
    }
}

struct Case {
    name: &'static str,
    rules: DeadlineRules,
    received: Timestamp,
    waits: Vec<Wait>,
    extended: bool,
    due: Option<&'static str>,
}

fn case(name: &'static str, received: &str, due: &'static str) -> Case {
    Case {
        name,
        rules: rules(),
        received: at(received),
        waits: Vec::new(),
        extended: false,
        due: Some(due),
    }
}

fn wait(asked: &str, answered: Option<&str>) -> Wait {
    Wait {
        asked_at: at(asked),
        answered_at: answered.map(at),
    }
}

#[test]
fn due_dates_follow_the_agency_rules() {
    // 2026-11-30 is a Monday; Chicago is on CST (UTC-6) throughout.
    let calendar = DeadlineRules {
        days_to_respond: 10,
        counting: DayCount::Calendar,
        ..rules()
    };
    let restart = DeadlineRules {
        on_clarification: OnClarification::Restart,
        ..rules()
    };
    let cases = [
        case("a weekday morning", "2026-11-30T10:00", "2026-12-07"),
        case(
            "at closing time: the next day",
            "2026-11-30T17:00",
            "2026-12-08",
        ),
        case("late at night", "2026-11-30T23:59", "2026-12-08"),
        case("on a Saturday: Monday", "2026-12-05T09:00", "2026-12-14"),
        case("on a Sunday after hours", "2026-12-06T20:00", "2026-12-14"),
        case("a holiday is skipped", "2026-12-21T10:00", "2026-12-29"),
        case("received on a holiday", "2026-12-25T10:00", "2027-01-05"),
        case(
            "across the new year's holiday",
            "2026-12-28T10:00",
            "2027-01-05",
        ),
        Case {
            rules: calendar.clone(),
            ..case("calendar days", "2026-11-30T10:00", "2026-12-10")
        },
        Case {
            rules: calendar.clone(),
            ..case(
                "calendar days ending on a Saturday: Monday",
                "2026-12-02T10:00",
                "2026-12-14",
            )
        },
        Case {
            rules: calendar,
            ..case(
                "calendar days ending on a holiday: the next business day",
                "2026-12-15T10:00",
                "2026-12-28",
            )
        },
        Case {
            extended: true,
            ..case(
                "extended by ten business days",
                "2026-11-30T10:00",
                "2026-12-21",
            )
        },
        Case {
            waits: vec![wait("2026-12-02T11:00", Some("2026-12-07T09:00"))],
            ..case(
                "paused for a clarification: the days left go on from the answer",
                "2026-11-30T10:00",
                "2026-12-10",
            )
        },
        Case {
            waits: vec![wait("2026-12-02T11:00", Some("2026-12-07T18:00"))],
            ..case(
                "an answer after hours resumes the next day",
                "2026-11-30T10:00",
                "2026-12-11",
            )
        },
        Case {
            waits: vec![wait("2026-12-02T11:00", Some("2026-12-07T09:00"))],
            extended: true,
            ..case("paused, then extended", "2026-11-30T10:00", "2026-12-24")
        },
        Case {
            waits: vec![
                wait("2026-12-01T10:00", Some("2026-12-02T10:00")),
                wait("2026-12-03T10:00", Some("2026-12-08T10:00")),
            ],
            ..case("two clarifications", "2026-11-30T10:00", "2026-12-11")
        },
        Case {
            rules: restart,
            waits: vec![wait("2026-12-02T11:00", Some("2026-12-07T09:00"))],
            ..case(
                "a clarification restarts the clock where the rules say so",
                "2026-11-30T10:00",
                "2026-12-14",
            )
        },
        Case {
            waits: vec![wait("2026-12-09T10:00", Some("2026-12-10T10:00"))],
            ..case(
                "asked after the deadline: still as late",
                "2026-11-30T10:00",
                "2026-12-07",
            )
        },
        Case {
            waits: vec![wait("2026-12-02T11:00", None)],
            due: None,
            ..case(
                "waiting for the requester: no due date",
                "2026-11-30T10:00",
                "",
            )
        },
    ];
    for case in cases {
        let due = case
            .rules
            .due_date(case.received, &zone(), &case.waits, case.extended);
        assert_eq!(due, case.due.map(day), "{}", case.name);
    }
}

#[test]
fn the_day_received_is_the_agency_s_not_utc_s() {
    let rules = rules();
    // 22:30 UTC is 16:30 in Chicago: before closing, that Monday.
    let before = Timestamp::parse("2026-11-30T22:30:00.000Z").unwrap();
    assert_eq!(rules.received_day(before, &zone()), day("2026-11-30"));
    // 23:30 UTC is 17:30 in Chicago: after closing, Tuesday.
    let after = Timestamp::parse("2026-11-30T23:30:00.000Z").unwrap();
    assert_eq!(rules.received_day(after, &zone()), day("2026-12-01"));
    // 03:00 UTC on Tuesday is Monday 21:00 in Chicago: Tuesday as well.
    let night = Timestamp::parse("2026-12-01T03:00:00.000Z").unwrap();
    assert_eq!(rules.received_day(night, &zone()), day("2026-12-01"));
    // The same instant in Tokyo is already Tuesday noon, before closing.
    let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
    assert_eq!(rules.received_day(night, &tokyo), day("2026-12-01"));
}

#[test]
fn the_rules_read_and_write_as_json() {
    let json = serde_json::json!({
        "days_to_respond": 5,
        "counting": "business",
        "holidays": ["2026-12-25", "2027-01-01"],
        "extension_days": 10,
        "office_closes": "17:00",
        "on_clarification": "pause",
    });
    let parsed: DeadlineRules = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(parsed, rules());
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json);
}
