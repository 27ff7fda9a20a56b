//! Lambda entry point for `POST /disposition/lists/{id}/items/{record_id}`: wiring only.
//! The route is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::disposition::QueueDeps::from_env().await?;
    shared::http::run(&deps, decide_disposition::handle).await
}
