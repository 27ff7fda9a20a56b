use super::*;

#[test]
fn numbers_read_and_write_one_way() {
    let number = RequestNumber::new(2026, 42).unwrap();
    assert_eq!(number.to_string(), "2026-0042");
    assert_eq!(RequestNumber::parse("2026-0042"), Some(number));
    assert_eq!(RequestNumber::parse("2026-12345").unwrap().seq(), 12345);
    assert_eq!(serde_json::to_value(number).unwrap(), json!("2026-0042"));
    for bad in [
        "2026-42",
        "2026-00042",
        "26-0042",
        "2026-0000",
        "2026--042",
        "2026-+042",
        "2026-00a2",
        "1969-0001",
        "2026-0042 ",
        "",
        "2026",
        "2026-1234567890",
    ] {
        assert_eq!(RequestNumber::parse(bad), None, "{bad}");
    }
    // They sort by year, then place.
    assert!(RequestNumber::new(2026, 9).unwrap() < RequestNumber::new(2026, 10).unwrap());
    assert!(RequestNumber::new(2026, 10).unwrap() < RequestNumber::new(2027, 1).unwrap());
}

#[test]
fn a_new_request_is_checked_field_by_field() {
    let good = json!({
        "description": "  All inspection reports for 12 Elm Street since 2024.  ",
        "requester": {"name": "Ada Lovelace", "email": "ada@example.org"},
    });
    let new = NewRequest::from_json(&good).unwrap();
    assert_eq!(
        new.description,
        "All inspection reports for 12 Elm Street since 2024."
    );
    assert_eq!(new.requester.name.as_deref(), Some("Ada Lovelace"));
    let anonymous =
        json!({"description": "Minutes of the March meeting", "requester": {"email": "a@b.org"}});
    assert_eq!(
        NewRequest::from_json(&anonymous).unwrap().requester.name,
        None
    );

    let fields = |body: Value| -> Vec<String> {
        NewRequest::from_json(&body)
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect()
    };
    assert_eq!(fields(json!({})), ["description", "requester"]);
    assert_eq!(fields(json!("text")), ["body"]);
    assert_eq!(
        fields(json!({"description": "short", "requester": {"email": "a@b.org"}})),
        ["description"]
    );
    let long = "x".repeat(limits::DESCRIPTION_MAX_CHARS + 1);
    assert_eq!(
        fields(json!({"description": long, "requester": {"email": "a@b.org"}})),
        ["description"]
    );
    for requester in [
        json!({"email": "not an address"}),
        json!({"name": "Ada"}),
        json!({"email": "a@b.org", "phone": "555"}),
        json!({"email": "a@b.org", "name": ""}),
        json!({"email": "a@b.org", "name": "Ada\u{202E}"}),
        json!("a@b.org"),
    ] {
        assert_eq!(
            fields(json!({"description": "Minutes of the March meeting", "requester": requester})),
            ["requester"],
            "{requester}"
        );
    }
    assert_eq!(
        fields(
            json!({"description": "Minutes of the March meeting", "requester": {"email": "a@b.org"}, "status": "closed"})
        ),
        ["status"]
    );
}

#[test]
fn tracking_tokens_are_random_and_kept_as_digests() {
    let token = TrackingToken::generate();
    assert_eq!(token.as_str().len(), 43);
    assert_ne!(token, TrackingToken::generate());
    let kept = token.digest();
    assert!(TrackingToken::matches(token.as_str(), &kept));
    assert!(!TrackingToken::matches(
        TrackingToken::generate().as_str(),
        &kept
    ));
    assert!(!TrackingToken::matches("", &kept));
    assert!(!format!("{token:?}").contains(token.as_str()));
}

#[test]
fn a_received_request_starts_its_chain_without_the_email() {
    let agency = AgencyId::parse("parks").unwrap();
    let new = NewRequest::from_json(&json!({
        "description": "Minutes of the March meeting",
        "requester": {"email": "ada@example.org"},
    }))
    .unwrap();
    let token = TrackingToken::generate();
    let number = RequestNumber::new(2026, 1).unwrap();
    let due = "2026-12-28".parse().ok();
    let now = Timestamp::from_millis(1_790_000_000_000);
    let (stored, entry) = StoredRequest::receive(&agency, number, &new, &token, due, now);
    assert_eq!(stored.request.status, RequestStatus::Received);
    assert_eq!(stored.request.version, 1);
    assert_eq!(stored.head, entry.head());
    assert_eq!((entry.seq, entry.action), (1, AuditAction::RequestReceive));
    assert_eq!(entry.hash, entry.compute_hash());
    assert_eq!(entry.changes["number"][1], json!("2026-0001"));
    assert_eq!(entry.changes["due_date"][1], json!("2026-12-28"));
    let text = serde_json::to_string(&entry).unwrap();
    assert!(!text.contains("ada@example.org"), "{text}");
    assert!(
        !serde_json::to_string(&stored)
            .unwrap()
            .contains(token.as_str())
    );
}
