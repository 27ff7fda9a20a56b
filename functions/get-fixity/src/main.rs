//! Lambda entry point for `GET /fixity`: wiring only. The route is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::Deps::from_env().await?;
    shared::http::run(&deps, get_fixity::handle).await
}
