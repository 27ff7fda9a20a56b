//! Lambda entry point for the destruction queue: wiring only. The handler is in `lib.rs`.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let (store, blobs) = shared::stores_from_env().await?;
    let destroyer = destroy_records::Destroyer {
        store,
        blobs,
        clock: shared::clock::Clock::system(),
    };
    let destroyer = &destroyer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, std::convert::Infallible>(destroy_records::handle(event.payload, destroyer).await)
    }))
    .await
}
