//! Lambda entry point for the table's stream: wiring only. The handler is in `lib.rs`.

use index_records::{Indexing, StreamEvent};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let (store, blobs, snapshots, dir) = shared::search::snapshot::indexing_from_env().await?;
    let indexing = Indexing {
        store,
        blobs,
        snapshots,
        dir,
    };
    let indexing = &indexing;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            Ok::<_, std::convert::Infallible>(index_records::handle(event.payload, indexing).await)
        },
    ))
    .await
}
