//! Lambda entry point for `GET /records/{id}/documents`: wiring only. The route itself is
//! in `lib.rs`. It reads metadata only, so it links no S3 client.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::Deps::from_env().await?;
    shared::http::run(&deps, list_documents::handle).await
}
