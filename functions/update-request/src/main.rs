//! Lambda entry point for `PATCH /requests/{number}`: wiring only. The route itself is in `lib.rs`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let deps = shared::NoticeDeps::from_env().await?;
    shared::http::run(&deps, update_request::handle).await
}
