//! The HTTP edge, written once for every route.
//!
//! A route is a plain `async fn(ApiRequest, &Deps) -> Result<Reply, ApiError>`:
//! - `request`: what it reads ([`ApiRequest`]: the verified caller, typed path, query,
//!   headers and JSON body, `If-Match`),
//! - `reply`: what it answers ([`Reply`]), and every error as problem+json,
//! - `edge`: [`run`] serves it on Lambda and [`respond`] answers one request through it:
//!   request id, token verification, error mapping, access log and metrics; a public
//!   route (`async fn(PublicRequest, &Deps)`, no token) goes through [`run_public`] and
//!   [`respond_public`] instead,
//! - `event`: the API Gateway event a request arrives as ([`GatewayEvent`]), for the
//!   local server and the tests.

mod edge;
mod event;
mod json;
mod reply;
mod request;

pub use edge::{
    Exchange, Handling, PublicRoute, REQUEST_ID, Route, RouteDeps, TRACKING_SCHEME, new_request_id,
    respond, respond_public, run, run_public,
};
pub use event::GatewayEvent;
pub use reply::{Reply, problem_response};
pub use request::{ApiRequest, EtagCondition, MAX_BODY_BYTES, PublicRequest, optional_param};
