//! Notices through SES (v2) on the emulator: what the functions send arrives as sent, from
//! the stack's sender; a sender SES does not know is refused, not retried.

use dossier_tests::{NOTICE_DOMAIN, sent_emails, sesv2, unique_name, verify_sender};
use shared::model::AgencyId;
use shared::notices::{Email, MailError, Mailer, SesMailer};

fn email(to: &str) -> Email {
    Email {
        agency: AgencyId::parse("parks").unwrap(),
        to: vec![to.to_owned()],
        subject: "Your records request 2026-0001 was received".to_owned(),
        text: "Parks received your records request.\n".to_owned(),
    }
}

#[tokio::test]
async fn ses_sends_from_a_verified_sender_and_refuses_another() {
    verify_sender(NOTICE_DOMAIN).await;
    let to = format!("{}@example.org", unique_name("ada"));
    let mailer = SesMailer::new(sesv2(), format!("records@{NOTICE_DOMAIN}"));
    mailer.send(&email(&to)).await.unwrap();
    let sent = sent_emails().await;
    let arrived = sent
        .iter()
        .find(|sent| sent["destinations"]["ToAddresses"][0] == to.as_str())
        .unwrap_or_else(|| panic!("{sent:?}"));
    assert_eq!(arrived["source"], format!("records@{NOTICE_DOMAIN}"));
    assert_eq!(
        arrived["subject"],
        "Your records request 2026-0001 was received"
    );
    assert_eq!(arrived["body"], "Parks received your records request.\n");

    let stranger = SesMailer::new(sesv2(), "records@unverified.example");
    match stranger.send(&email(&to)).await {
        Err(MailError::Rejected(why)) => assert!(why.contains("MessageRejected"), "{why}"),
        other => panic!("{other:?}"),
    }
}
