//! The portal (`web/`), built into the binary and served beside the API on one origin, with
//! the security headers CloudFront adds in AWS. Every page is `index.html`; the script
//! renders what its path names from the public API.

use std::sync::LazyLock;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use hyper::body::Bytes;

/// The portal's Content-Security-Policy: its own script and stylesheet, calls to its own
/// origin, nothing inline, never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

/// The portal's policy when it also calls `token_url` (an identity provider's token
/// endpoint, for staff sign-in).
pub fn content_security_policy(token_url: Option<&str>) -> String {
    match token_url {
        Some(url) => CONTENT_SECURITY_POLICY
            .replace("connect-src 'self'", &format!("connect-src 'self' {url}")),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    }
}

/// One file of the portal.
struct Asset {
    content_type: &'static str,
    bytes: &'static [u8],
    /// A strong validator: the SHA-256 of the bytes, in hex.
    etag: LazyLock<String>,
}

macro_rules! asset {
    ($file:literal, $content_type:literal) => {{
        const BYTES: &[u8] = include_bytes!(concat!("../../web/", $file));
        Asset {
            content_type: $content_type,
            bytes: BYTES,
            etag: LazyLock::new(|| etag_of(BYTES)),
        }
    }};
}

/// A strong validator for `bytes`: a quoted, shortened SHA-256.
fn etag_of(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    format!("\"{}\"", hex::encode(&digest.as_ref()[..16]))
}

static PAGE: Asset = asset!("index.html", "text/html; charset=utf-8");

/// The portal's files other than the page, by path.
static FILES: [(&str, Asset); 16] = [
    (
        "/app.js",
        asset!("app.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/lib.js",
        asset!("lib.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/staff.js",
        asset!("staff.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/documents.js",
        asset!("documents.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/history.js",
        asset!("history.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/schedules.js",
        asset!("schedules.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/holds.js",
        asset!("holds.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/disposition.js",
        asset!("disposition.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/fixity.js",
        asset!("fixity.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/requests.js",
        asset!("requests.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/staff-requests.js",
        asset!("staff-requests.js", "text/javascript; charset=utf-8"),
    ),
    (
        "/vendor/noble-hashes/sha2.js",
        asset!(
            "vendor/noble-hashes/sha2.js",
            "text/javascript; charset=utf-8"
        ),
    ),
    (
        "/vendor/noble-hashes/_md.js",
        asset!(
            "vendor/noble-hashes/_md.js",
            "text/javascript; charset=utf-8"
        ),
    ),
    (
        "/vendor/noble-hashes/_u64.js",
        asset!(
            "vendor/noble-hashes/_u64.js",
            "text/javascript; charset=utf-8"
        ),
    ),
    (
        "/vendor/noble-hashes/utils.js",
        asset!(
            "vendor/noble-hashes/utils.js",
            "text/javascript; charset=utf-8"
        ),
    ),
    ("/app.css", asset!("app.css", "text/css; charset=utf-8")),
];

/// The file `GET path` names, if the path is the portal's: a page (public ones under
/// `/agencies/`, staff ones under `/staff`) or one of its files.
fn asset(path: &str) -> Option<&'static Asset> {
    if path == "/"
        || path == "/staff"
        || path.starts_with("/agencies/")
        || path.starts_with("/staff/")
    {
        return Some(&PAGE);
    }
    FILES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, asset)| asset)
}

/// The portal's answer to `GET path` with `headers`, if the path is the portal's: the file,
/// or 304 when the client's copy is current, sent under `policy` (its
/// Content-Security-Policy). Revalidated on every use (`no-cache`), so a new build is seen
/// at once.
pub fn response(path: &str, headers: &HeaderMap, policy: &str) -> Option<Response<Bytes>> {
    let asset = asset(path)?;
    let etag = asset.etag.as_str();
    let current = headers
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let (status, body) = if current {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        (StatusCode::OK, Bytes::from_static(asset.bytes))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, etag);
    }
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(policy) = HeaderValue::from_str(policy) {
        headers.insert("content-security-policy", policy);
    }
    Some(response)
}

/// What every portal response carries.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_files_are_served_and_nothing_else() {
        let page = response(
            "/agencies/parks/records/01J",
            &HeaderMap::new(),
            CONTENT_SECURITY_POLICY,
        )
        .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            page.headers()["content-security-policy"],
            CONTENT_SECURITY_POLICY
        );
        assert!(page.body().starts_with(b"<!doctype html>"));
        let script = response("/app.js", &HeaderMap::new(), CONTENT_SECURITY_POLICY).unwrap();
        assert_eq!(
            script.headers()[CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        for api in [
            "/records",
            "/public/agencies",
            "/agency",
            "/search",
            "/app.json",
        ] {
            assert!(
                response(api, &HeaderMap::new(), CONTENT_SECURITY_POLICY).is_none(),
                "{api}"
            );
        }
    }

    #[test]
    fn the_policy_allows_the_token_endpoint_and_nothing_else_off_site() {
        let policy = content_security_policy(Some("https://idp.example.gov/oauth2/token"));
        assert!(policy.contains("connect-src 'self' https://idp.example.gov/oauth2/token;"));
        let page = response("/staff/sign-in", &HeaderMap::new(), &policy).unwrap();
        assert_eq!(page.headers()["content-security-policy"], policy.as_str());
        assert_eq!(content_security_policy(None), CONTENT_SECURITY_POLICY);
    }

    #[test]
    fn a_current_copy_is_not_sent_again() {
        let first = response("/app.css", &HeaderMap::new(), CONTENT_SECURITY_POLICY).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, first.headers()[ETAG].clone());
        let again = response("/app.css", &headers, CONTENT_SECURITY_POLICY).unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.body().is_empty());
        headers.insert(IF_NONE_MATCH, HeaderValue::from_static("\"stale\""));
        assert_eq!(
            response("/app.css", &headers, CONTENT_SECURITY_POLICY)
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }

    #[test]
    fn the_page_loads_nothing_inline() {
        let page = std::str::from_utf8(PAGE.bytes).unwrap();
        assert!(
            !page.contains("<script>") && !page.contains("style="),
            "{page}"
        );
        assert!(page.contains(r#"<script type="module" src="/app.js">"#));
    }
}
