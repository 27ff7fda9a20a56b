//! The edge every request crosses, written once: request id, token verification, the
//! route, error mapping, and one access line with its metrics. The Lambda functions
//! ([`run`]) and the local server ([`respond`], and [`Exchange`] for what it answers
//! itself) go through the same code.

use std::future::Future;
use std::time::Instant;

use http::header::HeaderName;
use http::{HeaderValue, Method};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use super::reply::{Reply, problem_response};
use super::request::{ApiRequest, PublicRequest};
use crate::auth::{Caller, Verifier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::store::usage::{self, StoreUsage};

/// Header carrying the request id on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the edge needs of a route's dependencies: how to verify callers, and the time.
pub trait RouteDeps: Sync {
    /// Verifies bearer tokens.
    fn verifier(&self) -> &Verifier;
    /// Where "now" comes from.
    fn clock(&self) -> &Clock;
}

/// A route: `async fn(ApiRequest, &D) -> Result<Reply, ApiError>` over its dependencies
/// `D`, whatever they are. Every function given to [`run`] or [`respond`] is one.
pub trait Route<'a, D: 'a>: Fn(ApiRequest, &'a D) -> Self::Answer {
    /// The route's future.
    type Answer: Future<Output = Result<Reply, ApiError>> + Send + 'a;
}

impl<'a, D: 'a, F, A> Route<'a, D> for F
where
    F: Fn(ApiRequest, &'a D) -> A,
    A: Future<Output = Result<Reply, ApiError>> + Send + 'a,
{
    type Answer = A;
}

/// A public route: `async fn(PublicRequest, &D) -> Result<Reply, ApiError>`, given to
/// [`run_public`] or [`respond_public`]. It has no caller to scope by: what it may answer
/// is in its types ([`crate::public`]).
pub trait PublicRoute<'a, D: 'a>: Fn(PublicRequest, &'a D) -> Self::Answer {
    /// The route's future.
    type Answer: Future<Output = Result<Reply, ApiError>> + Send + 'a;
}

impl<'a, D: 'a, F, A> PublicRoute<'a, D> for F
where
    F: Fn(PublicRequest, &'a D) -> A,
    A: Future<Output = Result<Reply, ApiError>> + Send + 'a,
{
    type Answer = A;
}

/// Runs `route` on Lambda: one `lambda_http` event loop, `deps` shared by every request.
pub async fn run<'a, D: RouteDeps>(
    deps: &'a D,
    route: impl Route<'a, D> + Copy + Send + Sync + 'a,
) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(
        move |request: Request| async move {
            Ok::<_, std::convert::Infallible>(respond(deps, request, route).await)
        },
    ))
    .await
}

/// Runs public `route` on Lambda, like [`run`].
pub async fn run_public<'a, D: RouteDeps>(
    deps: &'a D,
    route: impl PublicRoute<'a, D> + Copy + Send + Sync + 'a,
) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(
        move |request: Request| async move {
            Ok::<_, std::convert::Infallible>(respond_public(deps, request, route).await)
        },
    ))
    .await
}

/// Turns a request into a response through `route`: verifies the caller, runs the
/// route, maps any error to problem+json, stamps `x-request-id`, logs one access line.
pub async fn respond<'a, D: RouteDeps>(
    deps: &'a D,
    request: Request,
    route: impl Route<'a, D>,
) -> Response<Body> {
    let (exchange, route_key) = arrival(&request);
    let request = PublicRequest::new(deps.clock().now(), request);
    let authorization = request.header("authorization").ok().flatten();
    let verified = deps
        .verifier()
        .verify_header(authorization, request.now)
        .await;
    let ((caller, result), store) = usage::measure(async {
        match verified {
            Ok(caller) => {
                let answer = route(ApiRequest::new(caller.clone(), request), deps).await;
                (Some(caller), answer)
            }
            Err(error) => (None, Err(ApiError::from(error))),
        }
    })
    .await;
    let handling = Handling {
        route: &route_key,
        caller: caller.as_ref(),
        problem: None,
        store,
    };
    match result {
        Ok(reply) => exchange.finish(reply.into_response(), handling),
        Err(error) => exchange.fail(&error, handling),
    }
}

/// Turns a request into a response through public `route`: like [`respond`], without a
/// caller. An `Authorization` header is dropped unread, but for a records requester's
/// `Tracking` token, which the route checks itself; an error is cacheable only when it is
/// a 404 (`public, max-age=10`: what is missing now may be published soon).
pub async fn respond_public<'a, D: RouteDeps>(
    deps: &'a D,
    mut request: Request,
    route: impl PublicRoute<'a, D>,
) -> Response<Body> {
    let (exchange, route_key) = arrival(&request);
    let tracking = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes().starts_with(TRACKING_SCHEME.as_bytes()));
    if !tracking {
        request.headers_mut().remove(http::header::AUTHORIZATION);
    }
    let request = PublicRequest::new(deps.clock().now(), request);
    let (result, store) = usage::measure(route(request, deps)).await;
    let handling = Handling {
        route: &route_key,
        caller: None,
        problem: None,
        store,
    };
    match result {
        Ok(reply) => exchange.finish(reply.into_response(), handling),
        Err(error) => {
            let cache = match error {
                ApiError::NotFound => "public, max-age=10",
                _ => "no-store",
            };
            let mut response = exchange.fail(&error, handling);
            let headers = response.headers_mut();
            headers.insert(http::header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The only credential a public route takes is a requester's tracking token.
            if headers.contains_key(http::header::WWW_AUTHENTICATE) {
                headers.insert(
                    http::header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Tracking realm=\"records-request\""),
                );
            }
            response
        }
    }
}

/// The `Authorization` scheme of a records requester's tracking token (with its space).
pub const TRACKING_SCHEME: &str = "Tracking ";

/// The exchange a request begins, and its route key.
fn arrival(request: &Request) -> (Exchange, String) {
    let (request_id, route_key) = request_identity(request);
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    (
        Exchange::begin(request_id, request.method(), &path),
        route_key,
    )
}

/// How the edge handled a request, beyond its status: what its access line and metrics
/// report.
#[derive(Clone, Copy, Debug, Default)]
pub struct Handling<'a> {
    /// The route key (`GET /records/{id}`), or what was served instead.
    pub route: &'a str,
    /// Who called, once verified.
    pub caller: Option<&'a Caller>,
    /// The problem type it was refused with.
    pub problem: Option<&'static str>,
    /// What it did in storage.
    pub store: StoreUsage,
}

/// One request through the edge, from its arrival to its access line.
#[derive(Debug)]
pub struct Exchange {
    request_id: String,
    method: Method,
    path: String,
    started: Instant,
}

impl Exchange {
    /// A request with id `request_id` arrives.
    pub fn begin(request_id: impl Into<String>, method: &Method, path: &str) -> Self {
        Self {
            request_id: request_id.into(),
            method: method.clone(),
            path: path.to_owned(),
            started: Instant::now(),
        }
    }

    /// Its id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Answers with the problem for `error`, logged as a refusal (4xx) or a failure (5xx).
    pub fn fail(self, error: &ApiError, handling: Handling<'_>) -> Response<Body> {
        if error.status() >= 500 {
            tracing::error!(request_id = %self.request_id, error = %error, "request failed");
        } else {
            tracing::info!(request_id = %self.request_id, error = %error, "request refused");
        }
        let response = problem_response(error, &self.path);
        self.finish(
            response,
            Handling {
                problem: Some(error.kind()),
                ..handling
            },
        )
    }

    /// Stamps `x-request-id` on `response`, records its metrics and logs its access line.
    pub fn finish<B>(
        self,
        mut response: http::Response<B>,
        handling: Handling<'_>,
    ) -> http::Response<B> {
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        let status = response.status().as_u16();
        let duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let store = handling.store;
        crate::telemetry::request(handling.route, status, duration_ms, handling.problem, store);
        tracing::info!(
            target: "access",
            request_id = %self.request_id,
            method = %self.method,
            path = %self.path,
            route = %handling.route,
            status,
            duration_ms,
            store_calls = store.calls,
            read_units = store.read_units,
            write_units = store.write_units,
            agency = handling.caller.map_or("-", |c| c.agency.as_str()),
            sub = handling.caller.map_or("-", |c| c.sub.as_str()),
            "request"
        );
        response
    }
}

/// API Gateway's request id and route key; fallbacks for events that lack them.
fn request_identity(request: &Request) -> (String, String) {
    let fallback_route = format!("{} {}", request.method(), request.raw_http_path());
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => (
            context.request_id.clone().unwrap_or_else(new_request_id),
            context.route_key.clone().unwrap_or(fallback_route),
        ),
        _ => (new_request_id(), fallback_route),
    }
}

/// A fresh request id: 128 random bits, in hex.
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the id is all zeros: still an answer, only less traceable.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    hex::encode(bytes)
}
