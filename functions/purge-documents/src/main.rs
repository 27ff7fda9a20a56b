//! Lambda entry point for the table's stream (record removals only, by the event source's
//! filter): wiring only. The handler is in `lib.rs`.

use lambda_runtime::{LambdaEvent, service_fn};
use shared::stream::StreamEvent;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let blobs = shared::blobs_from_env().await?;
    let blobs = &blobs;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            Ok::<_, std::convert::Infallible>(purge_documents::handle(event.payload, blobs).await)
        },
    ))
    .await
}
