//! Disposition locally, as in AWS: approvals go to an in-process destruction queue whose
//! worker runs `destroy-records`' very code, and the review runs `disposition-review`'s
//! every `--review-every` minutes, or on demand at [`REVIEW_PATH`] (local only: in AWS a
//! monthly schedule runs it).

use std::time::Duration;

use destroy_records::{Destroyer, Outcome, carry_out};
use disposition_review::{Review, review_all};
use shared::blob::BlobStore;
use shared::clock::Clock;
use shared::disposition::{DestructionQueue, QueueError};
use shared::model::DestructionOrder;
use shared::store::Store;
use tokio::sync::mpsc;

/// Where an officer runs the review now (local only).
pub const REVIEW_PATH: &str = "/local/disposition-review";

/// Deliveries of an order before it is dropped (SQS's `maxReceiveCount`); a dropped order's
/// item stays approved, and the next review queues it again.
const DELIVERIES: u32 = 5;

/// The local destruction queue: a channel to the worker [`LocalQueue::start`] spawned.
#[derive(Clone, Debug)]
pub struct LocalQueue(mpsc::UnboundedSender<DestructionOrder>);

impl LocalQueue {
    /// A queue whose orders `store`'s records are destroyed by, with `blobs` read for
    /// Object Lock (a folder has none). Needs a Tokio runtime.
    pub fn start<S, B>(store: S, blobs: B) -> Self
    where
        S: Store + Send + Sync,
        B: BlobStore,
    {
        let (sender, mut orders) = mpsc::unbounded_channel::<DestructionOrder>();
        let destroyer = Destroyer {
            store,
            blobs,
            clock: Clock::system(),
        };
        tokio::spawn(async move {
            while let Some(order) = orders.recv().await {
                deliver(&order, &destroyer).await;
            }
        });
        Self(sender)
    }
}

/// Carries out `order`, delivering it again after a transient failure as SQS would.
async fn deliver<S: Store, B: BlobStore>(order: &DestructionOrder, destroyer: &Destroyer<S, B>) {
    for delivery in 1..=DELIVERIES {
        match carry_out(order, destroyer).await {
            Ok(outcome) => {
                log(order, &outcome);
                return;
            }
            Err(error) => {
                tracing::warn!(record = %order.record, delivery, error = %error.0, "destruction will be retried");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(delivery))).await;
            }
        }
    }
    tracing::error!(record = %order.record, "destruction dropped after {DELIVERIES} deliveries");
}

fn log(order: &DestructionOrder, outcome: &Outcome) {
    tracing::info!(
        event = "Destruction",
        agency = %order.agency,
        record = %order.record,
        list = %order.list,
        outcome = ?outcome
    );
}

impl DestructionQueue for LocalQueue {
    async fn send(&self, orders: &[DestructionOrder]) -> Result<(), QueueError> {
        for order in orders {
            self.0
                .send(order.clone())
                .map_err(|_| QueueError("the local destruction worker stopped".into()))?;
        }
        Ok(())
    }
}

/// The review on `store`, the approvals it finds not yet carried out into `queue`.
pub fn local<S: Store, Q: DestructionQueue>(store: S, queue: Q) -> Review<S, Q> {
    Review {
        store,
        queue,
        clock: Clock::system(),
    }
}

/// One review, summarised in a line.
pub async fn run_once<S: Store, Q: DestructionQueue>(
    review: &Review<S, Q>,
) -> Result<String, String> {
    review_all(review)
        .await
        .map(|summary| {
            format!(
                "{} record(s) listed for disposition, {} approved destruction(s) queued again, {} agencies",
                summary.listed, summary.requeued, summary.agencies
            )
        })
        .map_err(|failed| failed.to_string())
}

/// Runs every `every`, for as long as the server runs, starting one interval from now.
pub async fn periodically<S: Store>(review: Review<S, LocalQueue>, every: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match run_once(&review).await {
            Ok(line) => println!("{line}"),
            Err(error) => eprintln!("disposition review failed: {error}"),
        }
    }
}
