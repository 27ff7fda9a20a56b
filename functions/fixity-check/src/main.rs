//! Lambda entry point for the daily schedule: wiring only. The handler is in `lib.rs`.

use fixity_check::{Fixity, check_all};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use shared::clock::Clock;
use shared::config::FixityConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let budget = FixityConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let (store, blobs) = shared::stores_from_env().await?;
    let fixity = Fixity {
        store,
        blobs,
        clock: Clock::system(),
        budget,
    };
    let fixity = &fixity;
    // The scheduled event carries nothing the run needs.
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        check_all(fixity).await.map_err(|failed| Diagnostic {
            error_type: "FixityCheckFailed".into(),
            error_message: failed.to_string(),
        })
    }))
    .await
}
