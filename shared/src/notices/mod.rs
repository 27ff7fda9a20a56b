//! Notices: the emails a records request sends. Requesters hear that their request
//! arrived, that a clarification is asked, that the deadline moved, that it closed; staff
//! hear of requests coming due and overdue. What a notice says is composed here, from the
//! request alone; how it goes out is a [`Mailer`]: SES in AWS, a folder locally, a list in
//! tests. No notice ever holds a token of any kind: composers are never given one.

mod compose;
mod deadlines;
mod memory;
mod outbox;
#[cfg(feature = "ses")]
mod ses;

use std::future::Future;

use serde::{Deserialize, Serialize};

pub use compose::requester_notices;
pub use deadlines::{DeadlineDigest, deadline_digests};
pub use memory::MemoryMailer;
pub use outbox::Outbox;
#[cfg(feature = "ses")]
pub use ses::SesMailer;

use crate::model::{AgencyId, AgencyProfile, RecordsRequest};

/// One plain-text email. Nothing in a notice is ever sent or shown as HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The agency it is sent for.
    pub agency: AgencyId,
    /// Who it goes to.
    pub to: Vec<String>,
    /// Its subject line.
    pub subject: String,
    /// Its body, plain text.
    pub text: String,
}

/// Why an email did not go out.
#[derive(Debug)]
pub enum MailError {
    /// The mail service refused it (a bad address, an unverified sender): retrying the same
    /// email will not help.
    Rejected(String),
    /// The mail service or the outbox could not be reached or written: a retry may work.
    Unavailable(String),
}

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected(why) => write!(f, "the email was refused: {why}"),
            Self::Unavailable(why) => write!(f, "the email could not be sent: {why}"),
        }
    }
}

impl std::error::Error for MailError {}

/// Sends emails: [`SesMailer`], [`Outbox`] or [`MemoryMailer`].
pub trait Mailer: Sync {
    /// Sends `email`.
    fn send(&self, email: &Email) -> impl Future<Output = Result<(), MailError>> + Send;
}

/// What the routes that change requests need to tell requesters: a mailer and where the
/// portal is (for the link to the request's public page).
pub struct Notices<M> {
    /// How emails go out.
    pub mailer: M,
    /// The portal's address (`https://records.example.gov`), if notices should link to it.
    pub portal_url: Option<String>,
}

impl<M: Mailer> Notices<M> {
    /// Tells the requester what changed from `before` (none: the request was just received)
    /// to `after`, if `agency` sends that notice. The change is already written: a notice
    /// that cannot go out is logged (and counted by the `NoticeFailed` metric filter), never
    /// turned into a failed answer.
    pub async fn tell_requester(
        &self,
        agency: &AgencyProfile,
        before: Option<&RecordsRequest>,
        after: &RecordsRequest,
    ) {
        for email in requester_notices(agency, before, after, self.portal_url.as_deref()) {
            if let Err(error) = self.mailer.send(&email).await {
                tracing::error!(
                    event = "NoticeFailed",
                    agency = %after.agency,
                    number = %after.number,
                    subject = %email.subject,
                    %error,
                    "a requester notice did not go out"
                );
            }
        }
    }
}

/// The public page of request `number` of `agency` under `portal_url`.
pub fn request_page(portal_url: &str, after: &RecordsRequest) -> String {
    format!(
        "{}/agencies/{}/requests/{}",
        portal_url.trim_end_matches('/'),
        after.agency,
        after.number
    )
}
