//! The table's stream as its consumers read it: tolerantly, only the change's name, its
//! keys and its sequence number (each consumer reads what it needs from the table), and
//! the answer `ReportBatchItemFailures` reads.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A DynamoDB stream event.
#[derive(Debug, Default, Deserialize)]
pub struct StreamEvent {
    /// Its changes, in order.
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

/// One change of the stream.
#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    /// What changed.
    pub dynamodb: Option<Change>,
}

/// The item a change is about.
#[derive(Debug, Deserialize)]
pub struct Change {
    /// Its key attributes, as DynamoDB JSON (`{"pk": {"S": "..."}}`).
    #[serde(rename = "Keys", default)]
    pub keys: HashMap<String, Value>,
    /// Where the change is in its shard: what a batch item failure names.
    #[serde(rename = "SequenceNumber")]
    pub sequence_number: Option<String>,
}

impl Change {
    /// The string key attribute `name`, if the item has one.
    pub fn key(&self, name: &str) -> Option<&str> {
        self.keys.get(name).and_then(|value| value["S"].as_str())
    }
}

/// The answer Lambda reads with `ReportBatchItemFailures`.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct BatchResponse {
    /// The stream records to retry, by sequence number.
    #[serde(rename = "batchItemFailures")]
    pub failures: Vec<Failure>,
}

/// One stream record to retry.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// Its sequence number.
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}
