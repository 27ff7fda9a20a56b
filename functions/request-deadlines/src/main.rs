//! Lambda entry point for the daily schedule: wiring only. The handler is in `lib.rs`.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use request_deadlines::{Deadlines, remind_all};
use serde_json::Value;
use shared::clock::Clock;
use shared::config::NoticesConfig;
use shared::notices::{Notices, SesMailer};
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table = shared::config::table_name_from_env()?;
    let notices = NoticesConfig::from_env().inspect_err(|error| tracing::error!("{error}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let deadlines = Deadlines {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table),
        notices: Notices {
            mailer: SesMailer::new(aws_sdk_sesv2::Client::new(&aws), notices.sender),
            portal_url: notices.portal_url,
        },
        clock: Clock::system(),
    };
    let deadlines = &deadlines;
    // The scheduled event carries nothing the run needs: "today" is each agency's own.
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        remind_all(deadlines).await.map_err(|failed| Diagnostic {
            error_type: "DeadlineNoticesFailed".into(),
            error_message: failed.to_string(),
        })
    }))
    .await
}
