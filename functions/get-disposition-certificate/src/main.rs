//! Lambda entry point for `GET /disposition/lists/{id}/certificate`: wiring only. The
//! route is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::Deps::from_env().await?;
    shared::http::run(&deps, get_disposition_certificate::handle).await
}
