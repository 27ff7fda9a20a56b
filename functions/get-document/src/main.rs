//! Lambda entry point for `GET /records/{id}/documents/{doc_id}`: wiring only. The route
//! itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::DocumentDeps::from_env().await?;
    shared::http::run(&deps, get_document::handle).await
}
