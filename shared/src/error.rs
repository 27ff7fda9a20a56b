//! The API's error type and its one mapping to HTTP: RFC 9457 `application/problem+json`.
//!
//! Every layer has its own error enum ([`crate::store::StoreError`], [`crate::auth::AuthError`],
//! [`crate::config::ConfigError`]); they become an [`ApiError`] at the handler's edge, and
//! [`ApiError::to_problem`] is the only place an error turns into a status code and a body.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

/// Base of every problem `type` URI; the last segment is [`ApiError::kind`] and is stable.
pub const PROBLEM_TYPE_BASE: &str = "https://dossier.dev/problems/";

/// One invalid input field, named as a JSON pointer-free path (`title`, `tags[2]`, `If-Match`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field (or header, or query parameter) that is wrong.
    pub field: String,
    /// What is wrong with it, for a human.
    pub detail: String,
}

impl FieldError {
    /// A field error for `field`.
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// Everything a request can fail with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the input is malformed or breaks a rule; lists each bad field.
    Validation {
        /// One line for the whole problem.
        detail: String,
        /// Each bad field.
        errors: Vec<FieldError>,
    },
    /// 401: no valid bearer token. The reason is logged, never returned.
    Unauthorized(String),
    /// 403: authenticated, but the caller's roles do not allow this.
    Forbidden(String),
    /// 404: no such resource, or one the caller may not know exists.
    NotFound,
    /// 409: the request conflicts with the resource's state.
    Conflict(String),
    /// 410: the resource was destroyed; `tombstone` says what stays of it.
    Gone {
        /// One line: what was destroyed, when.
        detail: String,
        /// What stays (a destroyed record's tombstone), as the `tombstone` member.
        tombstone: Value,
    },
    /// 412: `If-Match` names a version that is no longer current.
    PreconditionFailed,
    /// 428: the request must carry `If-Match`.
    PreconditionRequired,
    /// 422: an `Idempotency-Key` was reused with a different request.
    IdempotencyKeyReused,
    /// 413: the body is larger than the limit, in bytes.
    PayloadTooLarge(usize),
    /// 415: the body is not JSON.
    UnsupportedMediaType(String),
    /// 500: something failed on our side. The cause is logged, never returned.
    Internal(String),
    /// 503: a backend is throttling or timing out. Retrying is safe: writes are conditional
    /// (a retried edit whose first try landed gets 412) and creates take an Idempotency-Key.
    /// The cause is logged, never returned.
    Unavailable(String),
}

impl ApiError {
    /// A 400 for one bad field.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let error = FieldError::new(field, detail);
        Self::Validation {
            detail: format!("{}: {}", error.field, error.detail),
            errors: vec![error],
        }
    }

    /// A 400 for several bad fields (at least one).
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.detail),
            many => format!("{} fields are invalid", many.len()),
        };
        Self::Validation { detail, errors }
    }

    /// The stable last segment of the problem `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not-found",
            Self::Conflict(_) => "conflict",
            Self::Gone { .. } => "gone",
            Self::PreconditionFailed => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Internal(_) => "internal",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::Gone { .. } => 410,
            Self::PreconditionFailed => 412,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::IdempotencyKeyReused => 422,
            Self::PreconditionRequired => 428,
            Self::Internal(_) => 500,
            Self::Unavailable(_) => 503,
        }
    }

    /// The problem+json body. `instance` is the request path.
    pub fn to_problem(&self, instance: &str) -> Value {
        let (title, detail) = match self {
            Self::Validation { detail, .. } => ("The request is invalid", detail.clone()),
            Self::Unauthorized(_) => (
                "Authentication required",
                "A valid bearer token is required.".to_owned(),
            ),
            Self::Forbidden(detail) => ("Forbidden", detail.clone()),
            Self::NotFound => ("Not found", "No such resource.".to_owned()),
            Self::Conflict(detail) => ("Conflict", detail.clone()),
            Self::Gone { detail, .. } => ("Gone", detail.clone()),
            Self::PreconditionFailed => (
                "Precondition failed",
                "The resource has changed since the version named in If-Match.".to_owned(),
            ),
            Self::PreconditionRequired => (
                "Precondition required",
                "This request must carry If-Match with the resource's current ETag.".to_owned(),
            ),
            Self::IdempotencyKeyReused => (
                "Idempotency key reused",
                "This Idempotency-Key was already used with a different request.".to_owned(),
            ),
            Self::PayloadTooLarge(limit) => (
                "Payload too large",
                format!("The body must be at most {limit} bytes."),
            ),
            Self::UnsupportedMediaType(expected) => (
                "Unsupported media type",
                format!("The body must be sent as {expected}."),
            ),
            Self::Internal(_) => (
                "Internal error",
                "Something went wrong on our side; it has been logged.".to_owned(),
            ),
            Self::Unavailable(_) => (
                "Service unavailable",
                "The service is busy; retry after a moment.".to_owned(),
            ),
        };
        let mut problem = json!({
            "type": format!("{PROBLEM_TYPE_BASE}{}", self.kind()),
            "title": title,
            "status": self.status(),
            "detail": detail,
            "instance": instance,
        });
        match self {
            Self::Validation { errors, .. } => problem["errors"] = json!(errors),
            Self::Gone { tombstone, .. } => problem["tombstone"] = tombstone.clone(),
            _ => {}
        }
        problem
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation { detail, .. } => write!(f, "validation: {detail}"),
            Self::Unauthorized(reason) => write!(f, "unauthorized: {reason}"),
            Self::Forbidden(reason) => write!(f, "forbidden: {reason}"),
            Self::Conflict(reason) => write!(f, "conflict: {reason}"),
            Self::Internal(cause) => write!(f, "internal: {cause}"),
            Self::Unavailable(cause) => write!(f, "unavailable: {cause}"),
            other => f.write_str(other.kind()),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_stable_type_and_matching_status() {
        let all = [
            ApiError::invalid("title", "too long"),
            ApiError::Unauthorized("expired".into()),
            ApiError::Forbidden("no role".into()),
            ApiError::NotFound,
            ApiError::Conflict("legal hold".into()),
            ApiError::Gone {
                detail: "destroyed".into(),
                tombstone: json!({"id": "r"}),
            },
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::IdempotencyKeyReused,
            ApiError::PayloadTooLarge(65_536),
            ApiError::UnsupportedMediaType("application/json".into()),
            ApiError::Internal("boom".into()),
            ApiError::Unavailable("throttled".into()),
        ];
        for error in all {
            let problem = error.to_problem("/records");
            assert_eq!(
                problem["type"],
                format!("{PROBLEM_TYPE_BASE}{}", error.kind())
            );
            assert_eq!(problem["status"], error.status());
            assert_eq!(problem["instance"], "/records");
        }
    }

    #[test]
    fn internal_and_unauthorized_details_never_leak() {
        let problem = ApiError::Internal("dynamodb: secret table arn".into()).to_problem("/");
        assert!(!problem.to_string().contains("secret table"));
        let problem = ApiError::Unauthorized("kid abc unknown".into()).to_problem("/");
        assert!(!problem.to_string().contains("abc"));
    }

    #[test]
    fn validation_lists_each_field() {
        let error = ApiError::invalid_fields(vec![
            FieldError::new("title", "required"),
            FieldError::new("tags[0]", "bad"),
        ]);
        let problem = error.to_problem("/records");
        assert_eq!(problem["errors"][1]["field"], "tags[0]");
        assert_eq!(problem["detail"], "2 fields are invalid");
    }
}
