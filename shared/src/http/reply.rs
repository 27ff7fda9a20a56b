//! What a route answers, and how it and every error become an HTTP response.

use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;

use crate::error::ApiError;

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
    /// `status` with `body` (JSON) or no body.
    pub fn new(status: StatusCode, body: Option<Value>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// 200 with a JSON body.
    pub fn ok(body: Value) -> Self {
        Self::new(StatusCode::OK, Some(body))
    }

    /// 201 with a JSON body.
    pub fn created(body: Value) -> Self {
        Self::new(StatusCode::CREATED, Some(body))
    }

    /// A status with no body (204, 304).
    pub fn empty(status: StatusCode) -> Self {
        Self::new(status, None)
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The HTTP response. A header value that is not valid in HTTP is left out.
    pub fn into_response(self) -> Response<Body> {
        let mut headers = HeaderMap::new();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        match self.body {
            Some(body) => json_response(self.status, "application/json", &body, headers),
            None => {
                let mut response = Response::new(Body::Empty);
                *response.status_mut() = self.status;
                *response.headers_mut() = headers;
                response
            }
        }
    }
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
