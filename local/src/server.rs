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
use std::time::Instant;

use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::Body;
use serde_json::{Map, Value, json};
use shared::blob::{BLOB_PATH, Refused};
use shared::error::ApiError;
use shared::http::problem_response;
use shared::model::parse_object_key;
use shared::store::Store;
use tokio::net::TcpListener;

use crate::routes::{LocalDeps, Route};

/// API Gateway's payload limit: larger bodies never reach a function.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// Where the API's contract is served, without auth.
pub const OPENAPI_PATH: &str = "/openapi.yaml";
/// The API's contract (OpenAPI 3.1), as the repository holds it.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

type HttpResponse = hyper::Response<Full<Bytes>>;

/// Serves `deps` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish.
pub async fn serve<S: Store>(
    listener: TcpListener,
    deps: Arc<LocalDeps<S>>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let deps = deps.clone();
                let service = service_fn(move |request| answer(deps.clone(), request));
                let connection = hyper::server::conn::http1::Builder::new()
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

async fn answer<S: Store>(
    deps: Arc<LocalDeps<S>>,
    request: hyper::Request<Incoming>,
) -> Result<HttpResponse, Infallible> {
    let started = Instant::now();
    let request_id = new_request_id();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if let Some(key) = path.strip_prefix(BLOB_PATH) {
        let response = match blob_request(&deps, &parts, key, body).await {
            Ok(response) => response,
            Err(Refused(why)) => text_response(403, &why),
        };
        tracing::info!(target: "access", request_id, method = %parts.method, path, status = response.status().as_u16(),
                       duration_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
        return Ok(response);
    }
    if parts.method == http::Method::GET && path == OPENAPI_PATH {
        tracing::info!(target: "access", request_id, method = %parts.method, path, status = 200,
                       duration_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
        return Ok(openapi_response(&request_id));
    }
    let Some((route, params)) = Route::find(parts.method.as_str(), &path) else {
        let response = problem(&ApiError::NotFound, &path, &request_id);
        tracing::info!(target: "access", request_id, method = %parts.method, path, status = 404,
                       duration_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
        return Ok(response);
    };
    let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(problem(
                &ApiError::PayloadTooLarge(MAX_REQUEST_BYTES),
                &path,
                &request_id,
            ));
        }
    };
    let event = api_gateway_event(route, &parts, &params, &body, &request_id);
    let response = match lambda_http::request::from_str(&event.to_string()) {
        Ok(lambda_request) => route.call(&deps, lambda_request).await,
        Err(error) => problem_response(&ApiError::invalid("request", error.to_string()), &path),
    };
    Ok(to_hyper(response))
}

/// An upload to, or a download from, a presigned blob URL.
async fn blob_request<S: Store>(
    deps: &Arc<LocalDeps<S>>,
    parts: &http::request::Parts,
    key: &str,
    mut body: Incoming,
) -> Result<HttpResponse, Refused> {
    let blobs = &deps.documents.blobs;
    let query = form_pairs(parts.uri.query().unwrap_or_default());
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
            while let Some(frame) = body.frame().await {
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
                Ok(Ok(())) => {
                    let deps = deps.clone();
                    let key = key.to_owned();
                    // As S3 notifies the queue: after the upload, not within it.
                    tokio::spawn(async move {
                        let outcome = ingest_document::ingest_object(
                            &key,
                            &deps.store,
                            &deps.documents.blobs,
                            &deps.clock,
                        )
                        .await;
                        tracing::info!(key, ?outcome, "document ingested");
                    });
                    Ok(text_response(200, ""))
                }
                Ok(Err(Refused(why))) => Ok(text_response(400, &why)),
                Err(error) => Ok(text_response(500, &error.to_string())),
            }
        }
        "GET" => {
            let (content_type, disposition) = blobs.verify_download(key, &query, now)?;
            let bytes = match blobs.path_of(key).map(std::fs::read) {
                Some(Ok(bytes)) => bytes,
                _ => return Ok(text_response(404, "no such object")),
            };
            let mut response = hyper::Response::new(Full::new(Bytes::from(bytes)));
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
    let mut response = hyper::Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// `GET /openapi.yaml`: the contract, as YAML.
fn openapi_response(request_id: &str) -> HttpResponse {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(OPENAPI_YAML.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/yaml"),
    );
    if let Ok(value) = http::HeaderValue::from_str(request_id) {
        headers.insert(shared::http::REQUEST_ID, value);
    }
    response
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn problem(error: &ApiError, path: &str, request_id: &str) -> HttpResponse {
    let mut response = to_hyper(problem_response(error, path));
    if let Ok(value) = http::HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert(shared::http::REQUEST_ID, value);
    }
    response
}

/// The event API Gateway would send for this request.
fn api_gateway_event(
    route: Route,
    parts: &http::request::Parts,
    params: &[(String, String)],
    body: &Bytes,
    request_id: &str,
) -> Value {
    let (method, template) = route.key();
    let route_key = format!("{method} {template}");
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split("; ").map(|c| Value::from(c.to_owned())));
            continue;
        }
        // API Gateway joins repeated headers with commas.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::from(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query = Map::new();
    for (name, value) in form_pairs(raw_query) {
        match query.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query.insert(name, Value::from(value));
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {"method": method, "path": parts.uri.path(), "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": headers.get("user-agent").cloned().unwrap_or_default()},
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": now,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::from(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !params.is_empty() {
        let params: Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        event["pathParameters"] = Value::Object(params);
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = Value::from(text),
            Err(_) => {
                event["body"] = Value::from(base64::engine::general_purpose::STANDARD.encode(body));
                event["isBase64Encoded"] = Value::from(true);
            }
        }
    }
    event
}

/// `a=1&b=x%20y` → pairs, percent- and plus-decoded.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn to_hyper(response: lambda_http::Response<Body>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_contract_as_yaml() {
        let response = openapi_response("r1");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/yaml");
        assert_eq!(response.headers()["x-request-id"], "r1");
        assert!(OPENAPI_YAML.starts_with("openapi: 3.1.0\n"));
    }

    #[test]
    fn decodes_query_strings_like_api_gateway() {
        assert_eq!(
            form_pairs("a=1&b=x%20y+z&c&d=%zz&e=%4"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into()),
                ("e".into(), "%4".into()),
            ]
        );
    }
}
