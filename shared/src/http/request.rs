//! The request a route sees: its time, typed access to its path, query, headers and body
//! (each refusing bad input with a 4xx problem) and, on a route that takes a token, its
//! verified caller.

use std::ops::Deref;

use http::HeaderMap;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::json::StrictJson;
use crate::auth::Caller;
use crate::clock::Timestamp;
use crate::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request whose caller has been verified. Everything else it offers is its
/// [`PublicRequest`]'s, which it derefs to.
pub struct ApiRequest {
    /// The verified caller.
    pub caller: Caller,
    request: PublicRequest,
}

impl ApiRequest {
    /// `request`, from `caller`.
    pub(super) fn new(caller: Caller, request: PublicRequest) -> Self {
        Self { caller, request }
    }
}

impl Deref for ApiRequest {
    type Target = PublicRequest;

    fn deref(&self) -> &PublicRequest {
        &self.request
    }
}

/// A request as it arrived, with typed accessors and no caller: all a public route gets
/// (whose edge drops any `Authorization` header before the route runs).
pub struct PublicRequest {
    /// When the request arrived, from the injected clock.
    pub now: Timestamp,
    inner: Request,
}

impl PublicRequest {
    /// `inner`, arrived at `now`.
    pub(super) fn new(now: Timestamp, inner: Request) -> Self {
        Self { now, inner }
    }

    fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The route it arrived on, as API Gateway names it (`POST /records`).
    pub fn route(&self) -> String {
        match self.inner.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context.route_key.clone(),
            _ => None,
        }
        .unwrap_or_else(|| format!("{} {}", self.inner.method(), self.inner.uri().path()))
    }

    /// The path it was sent to (`/requests/2026-0042/messages`): the route's parameters
    /// filled in.
    pub fn target_path(&self) -> &str {
        self.inner.uri().path()
    }

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
        self.headers()
            .get(name)
            .map(|value| {
                value
                    .to_str()
                    .map_err(|_| ApiError::invalid(name, "must be visible ASCII"))
            })
            .transpose()
    }

    /// The tracking token of `Authorization: Tracking <token>`, if the request carries one
    /// (the public edge keeps no other `Authorization`). Checking it is the route's job.
    pub fn tracking_token(&self) -> Result<Option<&str>, ApiError> {
        Ok(self
            .header("authorization")?
            .and_then(|value| value.strip_prefix(super::edge::TRACKING_SCHEME))
            .map(str::trim))
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
}

impl PublicRequest {
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

/// Query parameter `name` read by `parse` when given: a value it refuses is a 400 naming
/// the parameter.
pub fn optional_param<T>(
    raw: Option<&str>,
    name: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    raw.map(|text| {
        parse(text).ok_or_else(|| ApiError::invalid(name, format!("{text:?} is not a valid value")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_conditions_compare_as_rfc_9110_says() {
        let tags = EtagCondition::parse("\"1\", W/\"2\"");
        assert!(tags.matches_strong("\"1\"") && !tags.matches_strong("\"2\""));
        assert!(tags.matches_weak("\"2\""));
        assert!(EtagCondition::parse("*").matches_strong("\"9\""));
        assert!(!EtagCondition::parse("7").matches_strong("\"7\""));
    }
}
