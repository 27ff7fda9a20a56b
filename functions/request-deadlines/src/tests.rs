use serde_json::json;
use shared::clock::{Clock, Timestamp};
use shared::model::{AgencyId, ProfileBody, RequestNumber, StoredAgency};
use shared::notices::{Email, MailError, Mailer, MemoryMailer, Notices};
use shared::store::{AgencyStore, MemoryStore, RequestStore};
use shared::testing::{TEST_NOW, seed_request};

use super::{Deadlines, Summary, remind_all};

/// 10:00 in Chicago (16:00 UTC) on `day`.
fn morning(day: &str) -> Timestamp {
    let millis = match day {
        "2026-12-18" => 1_797_609_600_000,
        "2026-12-22" => 1_797_955_200_000,
        "2026-12-28" => 1_798_473_600_000,
        _ => unreachable!("no test morning {day}"),
    };
    Timestamp::from_millis(millis)
}

/// Parks, with three open requests received on 26 November (due 24 December): 0001
/// assigned to carl, 0002 to nobody, 0003 closed.
async fn parks() -> MemoryStore {
    let store = MemoryStore::new();
    let body = json!({"name": "Parks", "contact_email": "records@parks.example.gov",
                      "timezone": "America/Chicago",
                      "requests": {"staff_emails": {"carl": "carl@parks.example.gov"},
                                   "officer_emails": ["officers@parks.example.gov"]}});
    let parks = AgencyId::parse("parks").unwrap();
    let body = ProfileBody::from_json(&body).unwrap();
    let (profile, entry) = StoredAgency::revise(None, &parks, body, TEST_NOW, "olga").unwrap();
    store.put_agency(&profile, None, &entry).await.unwrap();
    for _ in 0..3 {
        seed_request(&store, "parks", "Every permit on Elm Street").await;
    }
    for (seq, change) in [(1, "assign"), (3, "close")] {
        let number = RequestNumber::new(2026, seq).unwrap();
        let current = store.get_request(&parks, number).await.unwrap().unwrap();
        let mut next = current.request.clone();
        if change == "assign" {
            next.assignee = Some("carl".into());
        } else {
            next.status = shared::model::RequestStatus::Closed;
            next.closing = Some(shared::model::Closing {
                reason: shared::model::ClosingReason::Withdrawn,
                exemptions: Vec::new(),
                duplicate_of: None,
                at: TEST_NOW,
            });
        }
        let (next, entry) = current.revise(next, TEST_NOW, "olga").unwrap();
        store
            .update_request(&next, current.request.version, &entry, None)
            .await
            .unwrap();
    }
    store
}

fn on<M>(store: MemoryStore, day: &str, mailer: M) -> Deadlines<MemoryStore, M> {
    Deadlines {
        store,
        notices: Notices {
            mailer,
            portal_url: Some("https://records.example.gov".into()),
        },
        clock: Clock::fixed(morning(day)),
    }
}

fn inbox(mailer: &MemoryMailer) -> Vec<(String, String)> {
    mailer
        .sent()
        .into_iter()
        .map(|email| (email.to.join(","), email.subject))
        .collect()
}

#[tokio::test]
async fn two_business_days_ahead_the_assignee_and_the_officers_hear() {
    // Tuesday 22 December: due on Thursday the 24th is within two business days.
    let run = on(parks().await, "2026-12-22", MemoryMailer::default());
    let summary = remind_all(&run).await.unwrap();
    assert_eq!(
        summary,
        Summary {
            agencies: 1,
            open: 2,
            sent: 2
        }
    );
    assert_eq!(
        inbox(&run.notices.mailer),
        [
            (
                "carl@parks.example.gov".into(),
                "Parks: 1 records request(s) due soon".into()
            ),
            (
                "officers@parks.example.gov".into(),
                "Parks: 1 records request(s) due soon".into()
            ),
        ]
    );
    let carl = &run.notices.mailer.sent()[0];
    assert!(carl.text.contains("2026-0001"), "{}", carl.text);
    assert!(!carl.text.contains("2026-0002") && !carl.text.contains("2026-0003"));
    assert!(!carl.text.contains("ada@example.org"));
}

#[tokio::test]
async fn overdue_requests_go_to_the_officers_too_and_quiet_days_send_nothing() {
    let late = on(parks().await, "2026-12-28", MemoryMailer::default());
    remind_all(&late).await.unwrap();
    assert_eq!(
        inbox(&late.notices.mailer),
        [
            (
                "carl@parks.example.gov".into(),
                "Parks: 1 records request(s) overdue".into()
            ),
            (
                "officers@parks.example.gov".into(),
                "Parks: 2 records request(s) overdue".into()
            ),
        ]
    );
    // Friday 18 December: the 24th is four business days off.
    let early = on(parks().await, "2026-12-18", MemoryMailer::default());
    assert_eq!(remind_all(&early).await.unwrap().sent, 0);
    assert!(early.notices.mailer.sent().is_empty());
}

struct Refusing;

impl Mailer for Refusing {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        Err(MailError::Rejected(format!("{} bounces", email.to[0])))
    }
}

#[tokio::test]
async fn an_email_that_does_not_go_out_fails_the_run_after_the_others() {
    let run = on(parks().await, "2026-12-28", Refusing);
    let failed = remind_all(&run).await.unwrap_err();
    assert_eq!(failed.summary.open, 2);
    assert_eq!(failed.failures.len(), 2, "{failed}");
    assert!(
        failed
            .to_string()
            .contains("carl@parks.example.gov bounces")
    );
}

#[tokio::test]
async fn nothing_goes_out_on_a_weekend() {
    // Saturday 26 December 2026, two days after the due date.
    let saturday = Deadlines {
        clock: Clock::fixed(Timestamp::from_millis(1_798_300_800_000)),
        ..on(parks().await, "2026-12-28", MemoryMailer::default())
    };
    let summary = remind_all(&saturday).await.unwrap();
    assert_eq!((summary.open, summary.sent), (2, 0));
    assert!(saturday.notices.mailer.sent().is_empty());
}
