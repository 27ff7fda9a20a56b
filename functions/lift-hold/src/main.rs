//! Lambda entry point for `DELETE /holds/{id}/records/{record_id}`: wiring only. The route itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::Deps::from_env().await?;
    shared::http::run(&deps, lift_hold::handle).await
}
