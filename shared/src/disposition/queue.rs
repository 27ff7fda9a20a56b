//! The destruction queue: an approval sends an order; the destruction worker carries it
//! out. SQS in AWS, an in-process channel locally, a list in tests.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::model::DestructionOrder;

/// Why orders were not queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueError(pub String);

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "queueing destructions: {}", self.0)
    }
}

impl std::error::Error for QueueError {}

/// Where approved destructions go. Sending an order twice is harmless: the worker carries
/// out an order only while its item is approved.
pub trait DestructionQueue: Send + Sync {
    /// Queues every order of `orders`, or fails.
    fn send(
        &self,
        orders: &[DestructionOrder],
    ) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// A queue that keeps what it is sent, for tests; it can be told to fail.
#[derive(Clone, Default)]
pub struct MemoryQueue {
    sent: Arc<Mutex<Vec<DestructionOrder>>>,
    failing: Arc<Mutex<bool>>,
}

impl MemoryQueue {
    /// Every order sent so far, in order.
    pub fn sent(&self) -> Vec<DestructionOrder> {
        self.sent
            .lock()
            .map(|sent| sent.clone())
            .unwrap_or_default()
    }

    /// Makes every later send fail (`true`) or succeed.
    pub fn fail(&self, failing: bool) {
        if let Ok(mut flag) = self.failing.lock() {
            *flag = failing;
        }
    }
}

impl DestructionQueue for MemoryQueue {
    async fn send(&self, orders: &[DestructionOrder]) -> Result<(), QueueError> {
        if self.failing.lock().map(|flag| *flag).unwrap_or(true) {
            return Err(QueueError("the queue is down".into()));
        }
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| QueueError("poisoned".into()))?;
        sent.extend_from_slice(orders);
        Ok(())
    }
}
