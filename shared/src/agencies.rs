//! What the agency routes share: answering with a profile.

use http::StatusCode;
use http::header::ETAG;
use serde_json::json;

use crate::http::Reply;
use crate::model::AgencyProfile;

/// `profile` as the body, with `status` and its `ETag`.
pub fn profile_reply(status: StatusCode, profile: &AgencyProfile) -> Reply {
    Reply::new(status, Some(json!(profile))).header(ETAG, profile.etag())
}
