//! Logging: one JSON object per line when Lambda's log format is JSON
//! (`AWS_LAMBDA_LOG_FORMAT`), level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init() {
    lambda_http::tracing::init_default_subscriber();
}
