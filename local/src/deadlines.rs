//! The daily deadline run locally, as `request-deadlines` runs it in AWS: the same handler,
//! its emails into the outbox under the data folder. `serve` runs it every
//! `--remind-every` minutes (first after one interval, so a restart sends nothing twice);
//! `dossier-local remind` runs it once.

use std::path::Path;
use std::time::Duration;

use request_deadlines::{Deadlines, remind_all};
use shared::clock::Clock;
use shared::config::NoticesConfig;
use shared::notices::{Notices, Outbox};
use shared::store::{PublicIndex, RequestStore};

/// The outbox's folder, under the data folder.
pub const OUTBOX_DIR: &str = "outbox";

/// Local notices as `config` says: into the data folder's outbox.
pub fn notices(data: &Path, config: &NoticesConfig) -> Notices<Outbox> {
    Notices {
        mailer: Outbox::new(data.join(OUTBOX_DIR), &config.sender, Clock::system()),
        portal_url: config.portal_url.clone(),
    }
}

/// The deadline run on `store`, its emails into `data`'s outbox.
pub fn local<S>(store: S, data: &Path, config: &NoticesConfig) -> Deadlines<S, Outbox> {
    Deadlines {
        store,
        notices: notices(data, config),
        clock: Clock::system(),
    }
}

/// One run, summarised in a line.
pub async fn run_once<S: PublicIndex + RequestStore>(
    deadlines: &Deadlines<S, Outbox>,
) -> Result<String, String> {
    remind_all(deadlines)
        .await
        .map(|summary| {
            format!(
                "{} deadline email(s) for {} open request(s) of {} agencies",
                summary.sent, summary.open, summary.agencies
            )
        })
        .map_err(|failed| failed.to_string())
}

/// Runs every `every`, for as long as the server runs, starting one interval from now. A
/// failed run is logged and the next one tries again.
pub async fn periodically<S: PublicIndex + RequestStore>(
    deadlines: Deadlines<S, Outbox>,
    every: Duration,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match run_once(&deadlines).await {
            Ok(line) => tracing::info!("{line}"),
            Err(error) => tracing::error!(%error, "the deadline run failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::clock::Timestamp;
    use shared::model::{AgencyId, ProfileBody, StoredAgency};
    use shared::store::{AgencyStore, MemoryStore};
    use shared::testing::{TEST_NOW, seed_request};

    use super::*;

    #[tokio::test]
    async fn an_overdue_request_lands_in_the_outbox() {
        let store = MemoryStore::new();
        let parks = AgencyId::parse("parks").unwrap();
        let body = json!({"name": "Parks", "contact_email": "records@parks.example.gov",
                          "timezone": "America/Chicago",
                          "requests": {"officer_emails": ["officers@parks.example.gov"]}});
        let body = ProfileBody::from_json(&body).unwrap();
        let (profile, entry) = StoredAgency::revise(None, &parks, body, TEST_NOW, "olga").unwrap();
        store.put_agency(&profile, None, &entry).await.unwrap();
        seed_request(&store, "parks", "Every permit on Elm Street").await;

        let data = std::env::temp_dir().join(format!("dossier-remind-{}", std::process::id()));
        let config = NoticesConfig {
            sender: "records@dossier.localhost".into(),
            portal_url: None,
        };
        let mut deadlines = local(store, &data, &config);
        // Monday 28 December: the request was due on the 24th.
        deadlines.clock = Clock::fixed(Timestamp::from_millis(1_798_473_600_000));
        let line = run_once(&deadlines).await.unwrap();
        assert_eq!(
            line,
            "1 deadline email(s) for 1 open request(s) of 1 agencies"
        );
        let sent = deadlines.notices.mailer.list().await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].email.to, ["officers@parks.example.gov"]);
        assert_eq!(sent[0].email.subject, "Parks: 1 records request(s) overdue");
        let _ = std::fs::remove_dir_all(data);
    }
}
