//! The HTTP edge, written once for every route: request id, token verification, typed
//! path/query/body parsing, error mapping to problem+json, and the access log.
//!
//! A route is a plain `async fn(ApiRequest, &Deps<S>) -> Result<Reply, ApiError>`;
//! [`respond`] wraps it into a `lambda_http` request/response, and [`run`] serves it on
//! Lambda.

use std::future::Future;
use std::time::Instant;

use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Deps;
use crate::auth::Caller;
use crate::clock::Timestamp;
use crate::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Header carrying the request id on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request whose caller has been verified, with typed accessors.
pub struct ApiRequest {
    /// The verified caller.
    pub caller: Caller,
    /// The request id (API Gateway's, echoed as `x-request-id`).
    pub request_id: String,
    /// When the request arrived, from the injected clock.
    pub now: Timestamp,
    inner: Request,
}

impl ApiRequest {
    /// A path parameter parsed by `parse`; a malformed one is a 400 naming it.
    pub fn path<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ApiError> {
        let params = self.inner.path_parameters_ref();
        let raw = params
            .and_then(|params| params.first(name))
            .unwrap_or_default();
        parse(raw).ok_or_else(|| ApiError::invalid(name, "is not a valid identifier"))
    }

    /// The query string, deserialized into `T` (unknown parameters are refused when `T`
    /// says `deny_unknown_fields`).
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_urlencoded::from_str(self.inner.uri().query().unwrap_or_default())
            .map_err(|error| ApiError::invalid("query", error.to_string()))
    }

    /// A header as text; a header that is not visible ASCII is a 400.
    pub fn header(&self, name: &str) -> Result<Option<&str>, ApiError> {
        self.inner
            .headers()
            .get(name)
            .map(|value| {
                value
                    .to_str()
                    .map_err(|_| ApiError::invalid(name, "must be visible ASCII"))
            })
            .transpose()
    }

    /// The JSON body: 415 unless the content type is JSON (`application/json` or any
    /// `+json` type such as `application/merge-patch+json`), 413 past [`MAX_BODY_BYTES`],
    /// 400 if it does not parse.
    pub fn json(&self) -> Result<Value, ApiError> {
        let media_type = self
            .header("content-type")?
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase());
        let is_json = media_type.as_deref().is_some_and(|media| {
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("application/json".into()));
        }
        let bytes: &[u8] = self.inner.body().as_ref();
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid("body", "is required"));
        }
        let parsed: StrictJson = serde_json::from_slice(bytes)
            .map_err(|error| ApiError::invalid("body", format!("is not valid JSON: {error}")))?;
        Ok(parsed.0)
    }

    /// The raw request, for anything the helpers do not cover.
    pub fn raw(&self) -> &Request {
        &self.inner
    }
}

/// A JSON value that refuses duplicate object keys (which serde_json would silently
/// resolve to the last one, so two readers of one body could disagree on what it says).
struct StrictJson(Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictJson(value) = map.next_value()?;
            if object.insert(key.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(Value::Object(object))
    }
}

/// The versions named by `If-Match` or `If-None-Match`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EtagCondition {
    /// `*`: any current version.
    Any,
    /// A list of entity tags, quotes and `W/` kept as sent.
    Tags(Vec<String>),
}

impl EtagCondition {
    /// Parses a header value: `*` or a comma-separated list of entity tags.
    pub fn parse(value: &str) -> Self {
        if value.trim() == "*" {
            return Self::Any;
        }
        Self::Tags(
            value
                .split(',')
                .map(|tag| tag.trim().to_owned())
                .filter(|tag| !tag.is_empty())
                .collect(),
        )
    }

    /// Strong comparison (`If-Match`): a weak tag never matches.
    pub fn matches_strong(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| tag == etag),
        }
    }

    /// Weak comparison (`If-None-Match`): `W/"3"` matches `"3"`.
    pub fn matches_weak(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags
                .iter()
                .any(|tag| tag.strip_prefix("W/").unwrap_or(tag) == etag),
        }
    }

    /// The one strong version number named (`"7"` gives 7), if exactly one is.
    pub fn single_version(&self) -> Option<u64> {
        match self {
            Self::Tags(tags) if tags.len() == 1 => {
                tags[0].strip_prefix('"')?.strip_suffix('"')?.parse().ok()
            }
            _ => None,
        }
    }
}

impl ApiRequest {
    /// `If-Match`, which this route requires: missing is a 428.
    pub fn if_match(&self) -> Result<EtagCondition, ApiError> {
        self.header("if-match")?
            .map(EtagCondition::parse)
            .ok_or(ApiError::PreconditionRequired)
    }

    /// `If-None-Match`, if sent.
    pub fn if_none_match(&self) -> Result<Option<EtagCondition>, ApiError> {
        Ok(self.header("if-none-match")?.map(EtagCondition::parse))
    }
}

/// A successful response, before it becomes HTTP.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Extra headers (`ETag`, `Location`, ...).
    pub headers: Vec<(HeaderName, String)>,
    /// JSON body, if any.
    pub body: Option<Value>,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn ok(body: Value) -> Self {
        Self::with_status(StatusCode::OK, Some(body))
    }

    /// 201 with a JSON body.
    pub fn created(body: Value) -> Self {
        Self::with_status(StatusCode::CREATED, Some(body))
    }

    /// A status with no body (204, 304).
    pub fn empty(status: StatusCode) -> Self {
        Self::with_status(status, None)
    }

    fn with_status(status: StatusCode, body: Option<Value>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Runs `route` on Lambda: one `lambda_http` event loop, `deps` shared by every request.
pub async fn run<'a, S, D, F, Fut>(deps: &'a Deps<S, D>, route: F) -> Result<(), lambda_http::Error>
where
    S: crate::store::Store,
    D: Sync,
    F: Fn(ApiRequest, &'a Deps<S, D>) -> Fut + Copy + Send + 'a,
    Fut: Future<Output = Result<Reply, ApiError>> + Send + 'a,
{
    lambda_http::run(lambda_http::service_fn(
        move |request: Request| async move {
            Ok::<_, std::convert::Infallible>(respond(deps, request, route).await)
        },
    ))
    .await
}

/// Turns a request into a response through `route`: verifies the caller, runs the
/// route, maps any error to problem+json, stamps `x-request-id`, logs one access line.
pub async fn respond<'a, S, D, F, Fut>(
    deps: &'a Deps<S, D>,
    request: Request,
    route: F,
) -> Response<Body>
where
    F: FnOnce(ApiRequest, &'a Deps<S, D>) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>> + 'a,
{
    let started = Instant::now();
    let now = deps.clock.now();
    let (request_id, route_key) = request_identity(&request);
    let method = request.method().clone();
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let verified = deps.verifier.verify_header(authorization, now).await;
    let ((caller, result), dynamo) = crate::telemetry::with_dynamo_usage(async {
        match verified {
            Ok(caller) => {
                let api_request = ApiRequest {
                    caller: caller.clone(),
                    request_id: request_id.clone(),
                    now,
                    inner: request,
                };
                (Some(caller), route(api_request, deps).await)
            }
            Err(error) => (None, Err(ApiError::from(error))),
        }
    })
    .await;

    let mut problem_type = None;
    let mut response = match result {
        Ok(reply) => reply_to_response(reply),
        Err(error) => {
            problem_type = Some(error.kind());
            if error.status() >= 500 {
                tracing::error!(request_id = %request_id, error = %error, "request failed");
            } else {
                tracing::info!(request_id = %request_id, error = %error, "request refused");
            }
            problem_response(&error, &path)
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    crate::telemetry::request(&route_key, status, duration_ms, problem_type, dynamo);
    tracing::info!(
        target: "access",
        request_id = %request_id,
        method = %method,
        path = %path,
        route = %route_key,
        status,
        duration_ms,
        dynamodb_calls = dynamo.calls,
        read_units = dynamo.read_units,
        write_units = dynamo.write_units,
        agency = caller.as_ref().map(|c| c.agency.as_str()).unwrap_or("-"),
        sub = caller.as_ref().map(|c| c.sub.as_str()).unwrap_or("-"),
        "request"
    );
    response
}

/// API Gateway's request id and route key; fallbacks for events that lack them.
fn request_identity(request: &Request) -> (String, String) {
    let fallback_route = format!("{} {}", request.method(), request.raw_http_path());
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => (
            context.request_id.clone().unwrap_or_else(generated_id),
            context.route_key.clone().unwrap_or(fallback_route),
        ),
        _ => (generated_id(), fallback_route),
    }
}

fn generated_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: &Value,
    headers: HeaderMap,
) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn reply_to_response(reply: Reply) -> Response<Body> {
    let mut headers = HeaderMap::new();
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    match reply.body {
        Some(body) => json_response(reply.status, "application/json", &body, headers),
        None => {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = reply.status;
            *response.headers_mut() = headers;
            response
        }
    }
}

/// The problem+json response for `error` at `path`.
pub fn problem_response(error: &ApiError, path: &str) -> Response<Body> {
    let mut headers = HeaderMap::new();
    if matches!(error, ApiError::Unauthorized(_)) {
        headers.insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    if matches!(error, ApiError::Unavailable(_)) {
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(
        status,
        "application/problem+json",
        &error.to_problem(path),
        headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_refuse_duplicate_keys_at_any_depth() {
        let parse = |text: &str| serde_json::from_str::<StrictJson>(text).map(|v| v.0);
        assert_eq!(
            parse(r#"{"a": [1, {"b": null}], "c": 1.5}"#).unwrap(),
            serde_json::json!({"a": [1, {"b": null}], "c": 1.5})
        );
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"x": {"a": 1, "a": 1}}"#,
            r#"[{"a": 1, "a": 2}]"#,
        ] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains("duplicate key"), "{text}: {error}");
        }
        assert!(
            parse(&"[".repeat(10_000)).is_err(),
            "deep nesting is refused, not a stack overflow"
        );
    }

    #[test]
    fn etag_conditions_compare_as_rfc_9110_says() {
        let tags = EtagCondition::parse("\"1\", W/\"2\"");
        assert!(tags.matches_strong("\"1\"") && !tags.matches_strong("\"2\""));
        assert!(tags.matches_weak("\"2\""));
        assert!(EtagCondition::parse("*").matches_strong("\"9\""));
        assert_eq!(EtagCondition::parse("\"7\"").single_version(), Some(7));
        assert_eq!(EtagCondition::parse("7").single_version(), None);
        assert_eq!(EtagCondition::parse("\"1\", \"2\"").single_version(), None);
    }
}
