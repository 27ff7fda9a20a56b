use crate::clock::Timestamp;
use crate::model::{Closing, ClosingReason, Extension, Notice, RecordsRequest, RequestStatus};
use crate::store::MemoryStore;
use crate::testing::TEST_NOW;
use crate::testing::fixtures::{seed_profile, seed_request_with};

use super::requester_notices;
use crate::model::{AgencyProfile, TrackingToken};

const TOKEN: &str = "tracking-token-that-must-never-be-mailed";

async fn received() -> (AgencyProfile, RecordsRequest) {
    let store = MemoryStore::new();
    let agency = seed_profile(&store, "parks", "Parks Department").await;
    let (stored, _) = seed_request_with(
        &store,
        "parks",
        "Every permit on Elm Street",
        TrackingToken::known(TOKEN),
    )
    .await;
    (agency.profile, stored.request)
}

/// The one email of `emails`.
fn one(mut emails: Vec<crate::notices::Email>) -> crate::notices::Email {
    assert_eq!(emails.len(), 1, "{emails:?}");
    emails.remove(0)
}

fn closed(request: &RecordsRequest, reason: ClosingReason, exemptions: &[&str]) -> RecordsRequest {
    let mut next = request.clone();
    next.status = RequestStatus::Closed;
    next.closing = Some(Closing {
        reason,
        exemptions: exemptions.iter().map(|e| e.to_string()).collect(),
        duplicate_of: None,
        at: TEST_NOW,
    });
    next
}

#[tokio::test]
async fn each_change_a_requester_hears_of_has_its_notice() {
    let (agency, request) = received().await;
    let portal = Some("https://records.example.gov/");

    let ack = one(requester_notices(&agency, None, &request, portal));
    assert_eq!(ack.to, ["ada@example.org"]);
    assert_eq!(
        ack.subject,
        format!("Your records request {} was received", request.number)
    );
    let due = request.due_date.unwrap().to_string();
    assert!(ack.text.contains(&due), "{}", ack.text);
    assert!(ack.text.contains(&format!(
        "https://records.example.gov/agencies/parks/requests/{}",
        request.number
    )));
    assert!(ack.text.contains("records@parks.example.gov"));

    let mut asking = request.clone();
    asking.status = RequestStatus::AwaitingClarification;
    let clarify = one(requester_notices(&agency, Some(&request), &asking, None));
    assert!(clarify.subject.ends_with("please clarify"));
    assert!(!clarify.text.contains("https://"), "no portal, no link");

    let mut extended = request.clone();
    extended.extension = Some(Extension {
        reason: "Records are in off-site storage.".into(),
        at: TEST_NOW,
        by: "olga".into(),
    });
    let extension = one(requester_notices(&agency, Some(&request), &extended, None));
    assert!(extension.text.contains("Records are in off-site storage."));

    let denied = closed(&request, ClosingReason::Denied, &["5 U.S.C. 552(b)(6)"]);
    let closure = one(requester_notices(&agency, Some(&request), &denied, None));
    assert!(closure.text.contains("denied"), "{}", closure.text);
    assert!(closure.text.contains("5 U.S.C. 552(b)(6)"));

    for email in [&ack, &clarify, &extension, &closure] {
        assert!(!email.text.contains(TOKEN) && !email.subject.contains(TOKEN));
    }
}

#[tokio::test]
async fn changes_a_requester_need_not_hear_of_send_nothing() {
    let (agency, request) = received().await;
    let mut assigned = request.clone();
    assigned.assignee = Some("carl".into());
    assigned.status = RequestStatus::InProgress;
    assert!(requester_notices(&agency, Some(&request), &assigned, None).is_empty());
    // Still waiting: asking again is not news.
    let mut asking = request.clone();
    asking.status = RequestStatus::AwaitingClarification;
    let mut edited = asking.clone();
    edited.updated_at = Timestamp::from_millis(TEST_NOW.as_millis() + 1);
    assert!(requester_notices(&agency, Some(&asking), &edited, None).is_empty());
}

#[tokio::test]
async fn an_agency_sends_only_the_notices_it_chose() {
    let (mut agency, request) = received().await;
    agency.requests.notices = [Notice::Closure].into();
    assert!(requester_notices(&agency, None, &request, None).is_empty());
    let done = closed(&request, ClosingReason::Fulfilled, &[]);
    assert_eq!(
        requester_notices(&agency, Some(&request), &done, None).len(),
        1
    );
}

#[tokio::test]
async fn a_question_and_an_extension_in_one_change_are_two_notices() {
    let (agency, request) = received().await;
    let mut both = request.clone();
    both.status = RequestStatus::AwaitingClarification;
    both.extension = Some(Extension {
        reason: "Records are in off-site storage.".into(),
        at: TEST_NOW,
        by: "olga".into(),
    });
    let subjects: Vec<String> = requester_notices(&agency, Some(&request), &both, None)
        .into_iter()
        .map(|email| email.subject)
        .collect();
    assert_eq!(
        subjects,
        [
            "Records request 2026-0001: please clarify",
            "Records request 2026-0001: the deadline is extended"
        ]
    );
}

#[tokio::test]
async fn the_day_received_is_the_agencys() {
    let (agency, mut request) = received().await;
    // 23:30 on 30 November in Chicago is 1 December in UTC.
    request.received_at = Timestamp::from_millis(1_796_103_000_000);
    let ack = one(requester_notices(&agency, None, &request, None));
    assert!(ack.text.contains("on 2026-11-30"), "{}", ack.text);
}
