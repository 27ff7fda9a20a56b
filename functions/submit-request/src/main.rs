//! Lambda entry point for `POST /public/agencies/{agency}/requests`: wiring only. The route itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::NoticeDeps::from_env().await?;
    shared::http::run_public(&deps, submit_request::handle).await
}
