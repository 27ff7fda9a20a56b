//! The local server's mailer: each email a JSON file in a folder (`<data>/outbox/`), so
//! people and tests read what would have been sent (`GET /outbox` lists them).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::{Email, MailError, Mailer};
use crate::clock::{Clock, Timestamp};

/// One email as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// When it was sent.
    pub sent_at: Timestamp,
    /// The sender it would have gone out as.
    pub from: String,
    /// The email.
    #[serde(flatten)]
    pub email: Email,
}

/// A folder of sent emails, one file each, named so that a listing sorts them in order.
pub struct Outbox {
    dir: PathBuf,
    from: String,
    clock: Clock,
}

/// Emails this process wrote to any outbox: with the process id, no two files of one
/// folder share a name, whichever outboxes (and processes) write to it.
static SENT: AtomicU64 = AtomicU64::new(0);

impl Outbox {
    /// The outbox in `dir` (created on first send), sending as `from`.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>, clock: Clock) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
            clock,
        }
    }

    /// Every email in the outbox, oldest first (an unreadable file is skipped).
    pub async fn list(&self) -> Result<Vec<Sent>, std::io::Error> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                names.push(name);
            }
        }
        names.sort();
        let mut sent = Vec::with_capacity(names.len());
        for name in names {
            let bytes = tokio::fs::read(self.dir.join(&name)).await?;
            match serde_json::from_slice(&bytes) {
                Ok(email) => sent.push(email),
                Err(error) => tracing::warn!(%name, %error, "an outbox file is not an email"),
            }
        }
        Ok(sent)
    }
}

impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let unavailable = |e: std::io::Error| MailError::Unavailable(e.to_string());
        let sent = Sent {
            sent_at: self.clock.now(),
            from: self.from.clone(),
            email: email.clone(),
        };
        let bytes =
            serde_json::to_vec_pretty(&sent).map_err(|e| MailError::Unavailable(e.to_string()))?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(unavailable)?;
        let name = format!(
            "{:013}-{}-{:06}",
            sent.sent_at.as_millis(),
            std::process::id(),
            SENT.fetch_add(1, Ordering::Relaxed)
        );
        // Written aside and renamed: a reader never sees half an email.
        let partial = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&partial, bytes)
            .await
            .map_err(unavailable)?;
        tokio::fs::rename(&partial, self.dir.join(format!("{name}.json")))
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_is_sent_is_listed_in_order() {
        let dir = std::env::temp_dir().join(format!("dossier-outbox-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let outbox = Outbox::new(
            &dir,
            "records@parks.example",
            Clock::fixed(Timestamp::from_millis(1_700_000_000_000)),
        );
        assert!(outbox.list().await.unwrap().is_empty());
        for subject in ["first", "second"] {
            let email = Email {
                agency: crate::model::AgencyId::parse("parks").unwrap(),
                to: vec!["ada@example.org".into()],
                subject: subject.into(),
                text: "Hello.".into(),
            };
            outbox.send(&email).await.unwrap();
        }
        let listed = outbox.list().await.unwrap();
        let subjects: Vec<&str> = listed.iter().map(|s| s.email.subject.as_str()).collect();
        assert_eq!(subjects, ["first", "second"]);
        assert_eq!(listed[0].from, "records@parks.example");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
