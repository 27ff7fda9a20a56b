//! Lambda entry point for `POST /records/{id}/documents`: wiring only. The route itself is
//! in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::DocumentDeps::from_env().await?;
    shared::http::run(&deps, create_upload::handle).await
}
