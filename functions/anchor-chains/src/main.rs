//! Lambda entry point for the hourly schedule: wiring only. The handler is in `lib.rs`.

use anchor_chains::{Anchoring, anchor_all};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use shared::anchor::archive::S3Anchors;
use shared::anchor::signer::KmsSigner;
use shared::clock::Clock;
use shared::config::AnchorConfig;
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table = shared::config::table_name_from_env()?;
    let anchors = AnchorConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let anchoring = Anchoring {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table),
        signer: KmsSigner::new(aws_sdk_kms::Client::new(&aws), anchors.key_id),
        archive: S3Anchors::new(shared::s3_client(&aws), anchors.bucket),
        clock: Clock::system(),
    };
    let anchoring = &anchoring;
    // The scheduled event carries nothing the run needs: it anchors whatever is there.
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        anchor_all(anchoring).await.map_err(|failed| Diagnostic {
            error_type: "AnchoringFailed".into(),
            error_message: failed.to_string(),
        })
    }))
    .await
}
