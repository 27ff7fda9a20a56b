//! Lambda entry point for `GET /schedules/{id}/history`: wiring only. The route itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::Deps::from_env().await?;
    shared::http::run(&deps, get_schedule_history::handle).await
}
