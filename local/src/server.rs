//! The HTTP listener. Each request is turned into the API Gateway HTTP API (payload 2.0)
//! event Lambda would receive, parsed by `lambda_http` exactly as in Lambda, and answered
//! by the route's handler; what is tested locally is what runs in AWS.
//!
//! It also stands in for S3 under `/_blobs/`: it accepts the uploads and serves the
//! downloads its presigned URLs allow (checking signature, expiry, length and checksum as
//! S3 does), and after each upload runs the ingest handler in-process, as the S3 → SQS →
//! `ingest-document` chain would.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Frame;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::Body;
use shared::blob::{BLOB_PATH, Received, Refused};
use shared::error::ApiError;
use shared::http::{Exchange, GatewayEvent, Handling, new_request_id};
use shared::model::parse_object_key;
use shared::store::Store;
use tokio::net::TcpListener;

use crate::routes::{LocalDeps, Route};
use crate::sign_in::{SETTINGS_PATH, SIGN_IN_PATH};

/// API Gateway's payload limit: larger bodies never reach a function.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// Where the API's contract is served, without auth.
pub const OPENAPI_PATH: &str = "/openapi.yaml";
/// The local outbox: the notices that would have been emailed (staff token; the caller's
/// agency's only). Local only: in AWS they go out by SES.
pub const OUTBOX_PATH: &str = "/outbox";
/// The API's contract (OpenAPI 3.1), as the repository holds it.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// How long a client may take: to send a request's headers, and between two chunks of a
/// body (per chunk, so a large upload on a slow line is fine; a stalled one is not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For the request line and headers.
    pub headers: Duration,
    /// Between two chunks of a body.
    pub body_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            headers: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
        }
    }
}

/// A response body: bytes at hand, or a file streamed from disk.
type ResponseBody = BoxBody<Bytes, std::io::Error>;
type HttpResponse = hyper::Response<ResponseBody>;

fn full(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Serves `deps` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish.
pub async fn serve<S: Store + Clone>(
    listener: TcpListener,
    deps: Arc<LocalDeps<S>>,
    shutdown: impl Future<Output = ()>,
) {
    serve_with(listener, deps, Timeouts::default(), shutdown).await;
}

/// [`serve`], with `timeouts`.
pub async fn serve_with<S: Store + Clone>(
    listener: TcpListener,
    deps: Arc<LocalDeps<S>>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let deps = deps.clone();
                let service = service_fn(move |request| answer(deps.clone(), timeouts, request));
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(timeouts.headers)
                    .serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "connection closed with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    graceful.shutdown().await;
}

/// One request: a blob upload or download, the contract, or a route, each answered
/// through the same edge (request id, access line) as in Lambda.
async fn answer<S: Store + Clone>(
    deps: Arc<LocalDeps<S>>,
    timeouts: Timeouts,
    request: hyper::Request<Incoming>,
) -> Result<HttpResponse, Infallible> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let exchange = Exchange::begin(new_request_id(), &parts.method, &path);
    if let Some(key) = path.strip_prefix(BLOB_PATH) {
        let route = format!("{} {BLOB_PATH}{{key}}", parts.method);
        let response = match blob_request(&deps, &parts, key, body, timeouts).await {
            Ok(response) => response,
            Err(Refused(why)) => text_response(403, &why),
        };
        return Ok(exchange.finish(response, served(&route)));
    }
    if parts.method == http::Method::GET && path == OPENAPI_PATH {
        let route = format!("GET {OPENAPI_PATH}");
        return Ok(exchange.finish(openapi_response(), served(&route)));
    }
    if parts.method == http::Method::GET && path == OUTBOX_PATH {
        let route = format!("GET {OUTBOX_PATH}");
        return Ok(match outbox(&deps, &parts).await {
            Ok(listed) => exchange.finish(json_response(&listed), served(&route)),
            Err(error) => to_hyper(exchange.fail(&error, served(&route))),
        });
    }
    if parts.method == http::Method::POST && path == crate::disposition::REVIEW_PATH {
        let route = format!("POST {}", crate::disposition::REVIEW_PATH);
        return Ok(match review_now(&deps, &parts).await {
            Ok(summary) => exchange.finish(json_response(&summary), served(&route)),
            Err(error) => to_hyper(exchange.fail(&error, served(&route))),
        });
    }
    if parts.method == http::Method::GET && path == SETTINGS_PATH {
        let route = format!("GET {SETTINGS_PATH}");
        let settings = deps.sign_in.portal_settings();
        return Ok(exchange.finish(json_response(&settings), served(&route)));
    }
    if parts.method == http::Method::POST
        && path == SIGN_IN_PATH
        && let Some(sign_in) = deps.sign_in.development()
    {
        let route = format!("POST {SIGN_IN_PATH}");
        let now = deps.clock.now().as_secs();
        let answered = match read_body(body, timeouts.body_idle).await {
            Ok(body) => sign_in.answer(&body, now),
            Err(refusal) => Err(refusal),
        };
        return Ok(match answered {
            Ok(session) => exchange.finish(json_response(&session), served(&route)),
            Err(error) => to_hyper(exchange.fail(&error, served(&route))),
        });
    }
    if parts.method == http::Method::GET
        && let Some(page) = crate::web::response(&path, &parts.headers, &deps.portal_policy)
    {
        return Ok(exchange.finish(page.map(full), served("GET /{portal}")));
    }
    let Some((route, params)) = Route::find(parts.method.as_str(), &path) else {
        return Ok(to_hyper(exchange.fail(&ApiError::NotFound, served("-"))));
    };
    let (method, template) = route.key();
    let route_key = format!("{method} {template}");
    // Refused on its declared length before a byte is read, as API Gateway does, or once
    // reading passes the limit.
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    let within_limit = declared.is_none_or(|length| length <= MAX_REQUEST_BYTES as u64);
    if !within_limit {
        let too_large = ApiError::PayloadTooLarge(MAX_REQUEST_BYTES);
        return Ok(to_hyper(exchange.fail(&too_large, served(&route_key))));
    }
    let body = match read_body(body, timeouts.body_idle).await {
        Ok(body) => body,
        Err(refusal) => return Ok(to_hyper(exchange.fail(&refusal, served(&route_key)))),
    };
    let event = gateway_event(route, &parts, &params, &body, exchange.request_id());
    let response = match event.to_request() {
        // The handler's edge logs this request, under the same id.
        Ok(request) => route.call(&deps, request).await,
        Err(error) => {
            let unreadable = ApiError::invalid("request", error.to_string());
            exchange.fail(&unreadable, served(&route_key))
        }
    };
    Ok(to_hyper(response))
}

/// The staff caller of a local-only route, from its bearer token.
async fn caller_of<S>(
    deps: &LocalDeps<S>,
    parts: &http::request::Parts,
) -> Result<shared::auth::Caller, ApiError> {
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    Ok(deps
        .verifier
        .verify_header(authorization, deps.clock.now())
        .await?)
}

/// The emails in the outbox for the caller's agency, oldest first.
async fn outbox<S>(
    deps: &LocalDeps<S>,
    parts: &http::request::Parts,
) -> Result<serde_json::Value, ApiError> {
    let caller = caller_of(deps, parts).await?;
    let sent = deps
        .requests
        .notices
        .mailer
        .list()
        .await
        .map_err(|e| ApiError::Internal(format!("reading the outbox: {e}")))?;
    let mine: Vec<_> = sent
        .into_iter()
        .filter(|sent| sent.email.agency == caller.agency)
        .collect();
    Ok(serde_json::json!({ "items": mine }))
}

/// Runs the disposition review now, for an officer (every agency's, as the monthly
/// schedule does in AWS).
async fn review_now<S: Store + Clone>(
    deps: &LocalDeps<S>,
    parts: &http::request::Parts,
) -> Result<serde_json::Value, ApiError> {
    let caller = caller_of(deps, parts).await?;
    let disposition = &deps.disposition;
    caller.require(shared::auth::Permission::Manage)?;
    let review = disposition_review::Review {
        store: disposition.store.clone(),
        queue: disposition.queue.clone(),
        clock: disposition.clock.clone(),
    };
    match disposition_review::review_all(&review).await {
        Ok(summary) => Ok(serde_json::json!(summary)),
        Err(failed) => Err(ApiError::Internal(failed.to_string())),
    }
}

/// An API request's body, up to [`MAX_REQUEST_BYTES`], each chunk within `idle`.
async fn read_body(body: Incoming, idle: Duration) -> Result<Bytes, ApiError> {
    let mut body = Limited::new(body, MAX_REQUEST_BYTES);
    let mut bytes = Vec::new();
    loop {
        let frame = tokio::time::timeout(idle, body.frame())
            .await
            .map_err(|_| ApiError::invalid("body", "did not arrive in time"))?;
        match frame {
            None => return Ok(Bytes::from(bytes)),
            Some(Ok(frame)) => {
                if let Some(chunk) = frame.data_ref() {
                    bytes.extend_from_slice(chunk);
                }
            }
            Some(Err(_)) => return Err(ApiError::PayloadTooLarge(MAX_REQUEST_BYTES)),
        }
    }
}

/// What the access line says of a request answered here, not by a route's handler.
fn served(route: &str) -> Handling<'_> {
    Handling {
        route,
        ..Handling::default()
    }
}

/// An upload to, or a download from, a presigned blob URL.
async fn blob_request<S: Store>(
    deps: &Arc<LocalDeps<S>>,
    parts: &http::request::Parts,
    key: &str,
    mut body: Incoming,
    timeouts: Timeouts,
) -> Result<HttpResponse, Refused> {
    let blobs = &deps.blobs;
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let now = deps.clock.now();
    match parts.method.as_str() {
        "PUT" if parse_object_key(key).is_some() => {
            let header = |name: &str| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let grant = blobs.verify_upload(key, &query, header, now)?;
            let Ok(mut receiving) = blobs.receive(key).await else {
                return Ok(text_response(500, "cannot store the upload"));
            };
            let mut written = 0u64;
            loop {
                let Ok(frame) = tokio::time::timeout(timeouts.body_idle, body.frame()).await else {
                    receiving.abandon().await;
                    return Ok(text_response(408, "the upload stalled"));
                };
                let Some(frame) = frame else { break };
                let Ok(frame) = frame else {
                    receiving.abandon().await;
                    return Ok(text_response(400, "the upload was interrupted"));
                };
                let Some(chunk) = frame.data_ref() else {
                    continue;
                };
                written += chunk.len() as u64;
                if written > grant.size || receiving.write(chunk).await.is_err() {
                    receiving.abandon().await;
                    return Ok(text_response(400, "the body is longer than Content-Length"));
                }
            }
            match receiving.finish(&grant).await {
                Ok(Received::Stored) => {
                    let deps = deps.clone();
                    let key = key.to_owned();
                    // As S3 notifies the queue: after the upload, not within it.
                    tokio::spawn(async move {
                        let outcome = ingest_document::ingest_object(
                            &key,
                            &deps.store,
                            &deps.blobs,
                            &deps.clock,
                        )
                        .await;
                        tracing::info!(key, ?outcome, "document ingested");
                    });
                    Ok(text_response(200, ""))
                }
                Ok(Received::NotAsAnnounced(why)) => Ok(text_response(400, &why)),
                Ok(Received::AlreadyThere) => Ok(text_response(
                    412,
                    "an object is already at this key (If-None-Match: *)",
                )),
                Err(error) => Ok(text_response(500, &error.to_string())),
            }
        }
        "GET" => {
            let (content_type, disposition) = blobs.verify_download(key, &query, now)?;
            let file = match blobs.path_of(key) {
                Some(path) => tokio::fs::File::open(path).await.ok(),
                None => None,
            };
            let Some(file) = file else {
                return Ok(text_response(404, "no such object"));
            };
            let length = file.metadata().await.map(|meta| meta.len()).ok();
            // Streamed: memory stays flat whatever the document's size.
            let chunks = futures_util::TryStreamExt::map_ok(
                tokio_util::io::ReaderStream::new(file),
                Frame::data,
            );
            let mut response = hyper::Response::new(BodyExt::boxed(StreamBody::new(chunks)));
            if let Some(length) = length {
                response.headers_mut().insert(
                    http::header::CONTENT_LENGTH,
                    http::HeaderValue::from(length),
                );
            }
            for (name, value) in [
                (http::header::CONTENT_TYPE, content_type),
                (http::header::CONTENT_DISPOSITION, disposition),
            ] {
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            Ok(response)
        }
        _ => Err(Refused("this URL allows no such request".into())),
    }
}

fn text_response(status: u16, text: &str) -> HttpResponse {
    let mut response = hyper::Response::new(full(text.to_owned()));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// A 200 with `value` as JSON, never cached (it holds a session).
fn json_response(value: &serde_json::Value) -> HttpResponse {
    let mut response = hyper::Response::new(full(value.to_string()));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /openapi.yaml`: the contract, as YAML.
fn openapi_response() -> HttpResponse {
    let mut response = hyper::Response::new(full(Bytes::from_static(OPENAPI_YAML.as_bytes())));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/yaml"),
    );
    response
}

/// The event API Gateway would send for this request to `route`.
fn gateway_event(
    route: Route,
    parts: &http::request::Parts,
    params: &[(String, String)],
    body: &Bytes,
    request_id: &str,
) -> GatewayEvent {
    let (method, template) = route.key();
    let arrived = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut event = GatewayEvent::new(method, template)
        .path(parts.uri.path())
        .query(parts.uri.query().unwrap_or_default())
        .body(body)
        .request_id(request_id)
        .at(u64::try_from(arrived.as_millis()).unwrap_or(u64::MAX));
    for (name, value) in params {
        event = event.param(name, value);
    }
    for (name, value) in &parts.headers {
        event = event.header(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
    }
    event
}

fn to_hyper(response: lambda_http::Response<Body>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, full(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_contract_as_yaml() {
        let response = openapi_response();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/yaml");
        assert!(OPENAPI_YAML.starts_with("openapi: 3.1.0\n"));
    }
}
