//! A mailer that keeps what it is given, for tests.

use std::sync::Mutex;

use super::{Email, MailError, Mailer};

/// Keeps every email sent, in order.
#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Email>>,
}

impl MemoryMailer {
    /// The emails sent so far, oldest first.
    pub fn sent(&self) -> Vec<Email> {
        self.sent
            .lock()
            .map(|sent| sent.clone())
            .unwrap_or_default()
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.sent
            .lock()
            .map_err(|_| MailError::Unavailable("a writer panicked".into()))?
            .push(email.clone());
        Ok(())
    }
}
