//! Lambda entry point for the monthly schedule: wiring only. The handler is in `lib.rs`.

use disposition_review::{Review, review_all};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use shared::clock::Clock;
use shared::disposition::SqsQueue;
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table = shared::config::table_name_from_env()?;
    let queue = shared::config::destruction_queue_url_from_env()
        .inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let review = Review {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table),
        queue: SqsQueue::new(aws_sdk_sqs::Client::new(&aws), queue),
        clock: Clock::system(),
    };
    let review = &review;
    // The scheduled event carries nothing the run needs: "today" is each agency's own.
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        review_all(review).await.map_err(|failed| Diagnostic {
            error_type: "DispositionReviewFailed".into(),
            error_message: failed.to_string(),
        })
    }))
    .await
}
