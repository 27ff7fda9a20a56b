//! The nightly fixity run locally, as `fixity-check` runs it in AWS: the same handler, on
//! the data folder's documents, with the budget `FIXITY_PERIOD_DAYS` and
//! `FIXITY_DAILY_BYTES` set (defaults otherwise). `serve` runs it every `--fixity-every`
//! minutes, the first one interval after the start.

use std::time::Duration;

use fixity_check::{Fixity, check_all};
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::config::FixityConfig;
use shared::store::Store;

/// The fixity run on `store` and the documents in `blobs`.
pub fn local<S: Store>(store: S, blobs: FileBlobs, budget: FixityConfig) -> Fixity<S, FileBlobs> {
    Fixity {
        store,
        blobs,
        clock: Clock::system(),
        budget,
    }
}

/// Runs every `every`, for as long as the server runs, starting one interval from now. A
/// failed run is logged and the next one tries again.
pub async fn periodically<S: Store>(fixity: Fixity<S, FileBlobs>, every: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match check_all(&fixity).await {
            Ok(summary) => println!(
                "fixity: {} document(s) read ({} bytes), {} damaged, {} overdue",
                summary.checked, summary.bytes, summary.damaged, summary.overdue
            ),
            Err(failed) => eprintln!("{failed}"),
        }
    }
}
