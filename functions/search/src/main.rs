//! Lambda entry point for `GET /search`: wiring only. The route itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::search::route::SearchDeps::from_env().await?;
    shared::http::run(&deps, search::handle).await
}
