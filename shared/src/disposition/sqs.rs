//! The destruction queue on SQS: orders as JSON messages, ten to a `SendMessageBatch`.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use super::queue::{DestructionQueue, QueueError};
use crate::model::DestructionOrder;

/// Most messages in one `SendMessageBatch`.
const BATCH: usize = 10;

/// An SQS queue of destruction orders.
#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    /// The queue at `url`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

impl DestructionQueue for SqsQueue {
    async fn send(&self, orders: &[DestructionOrder]) -> Result<(), QueueError> {
        for chunk in orders.chunks(BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(index, order)| {
                    let body = serde_json::to_string(order)
                        .map_err(|error| QueueError(error.to_string()))?;
                    SendMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|error| QueueError(error.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|error| {
                    QueueError(aws_sdk_sqs::error::DisplayErrorContext(&error).to_string())
                })?;
            if let Some(failed) = output.failed().first() {
                return Err(QueueError(format!(
                    "{} of {} orders refused: {}",
                    output.failed().len(),
                    chunk.len(),
                    failed.message().unwrap_or(failed.code())
                )));
            }
        }
        Ok(())
    }
}
