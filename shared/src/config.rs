//! Configuration, from the environment only. Every variable any function reads is
//! parsed here, once, so a missing or invalid one fails the cold start with one clear
//! line naming it instead of failing some later request.

use std::fmt;

use crate::auth::{KeySet, KeySource, Verifier};

/// Shortest secret accepted for HS256 and cursor signing: 256 bits.
const MIN_SECRET_BYTES: usize = 32;

/// The settings every HTTP function shares.
pub struct Config {
    /// `TABLE_NAME`: the DynamoDB table.
    pub table_name: String,
    /// `JWT_ISSUER`: the only accepted `iss`.
    pub jwt_issuer: String,
    /// `JWT_AUDIENCE`: the audience `aud` must contain.
    pub jwt_audience: String,
    /// `JWT_JWKS_URL` or `JWT_JWKS`: where RS256/ES256 keys come from.
    pub jwt_keys: JwtKeys,
    /// `JWT_HS256_SECRET`: a shared secret for local development only.
    pub jwt_hs256_secret: Option<Vec<u8>>,
    /// `CURSOR_SECRET`: signs pagination cursors so they cannot be forged.
    pub cursor_secret: Vec<u8>,
}

/// Where asymmetric JWT keys come from.
pub enum JwtKeys {
    /// None: HS256 only (local development).
    None,
    /// Fetched from a URL on first use.
    Url(http::Uri),
    /// Given inline.
    Inline(KeySet),
}

/// A missing or invalid setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid configuration: {} {}",
            self.variable, self.problem
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |variable: &'static str| -> Result<Option<String>, ConfigError> {
            Ok(lookup(variable).filter(|value| !value.trim().is_empty()))
        };
        let require = |variable: &'static str| -> Result<String, ConfigError> {
            get(variable)?.ok_or_else(|| error(variable, "is not set"))
        };
        let secret = |variable: &'static str| -> Result<Option<Vec<u8>>, ConfigError> {
            match get(variable)? {
                Some(value) if value.len() < MIN_SECRET_BYTES => Err(error(
                    variable,
                    format!("must be at least {MIN_SECRET_BYTES} bytes"),
                )),
                other => Ok(other.map(String::into_bytes)),
            }
        };

        let table_name = require("TABLE_NAME")?;
        let jwt_issuer = require("JWT_ISSUER")?;
        let jwt_audience = require("JWT_AUDIENCE")?;
        let jwt_hs256_secret = secret("JWT_HS256_SECRET")?;
        let jwt_keys = match (get("JWT_JWKS_URL")?, get("JWT_JWKS")?) {
            (Some(_), Some(_)) => {
                return Err(error("JWT_JWKS_URL", "and JWT_JWKS are both set; set one"));
            }
            (Some(url), None) => JwtKeys::Url(parse_jwks_url(&url)?),
            (None, Some(json)) => {
                JwtKeys::Inline(KeySet::parse(&json).map_err(|why| error("JWT_JWKS", why))?)
            }
            (None, None) if jwt_hs256_secret.is_some() => JwtKeys::None,
            (None, None) => {
                return Err(error(
                    "JWT_JWKS_URL",
                    "is not set (nor JWT_JWKS, nor JWT_HS256_SECRET for local use)",
                ));
            }
        };
        if jwt_hs256_secret.is_some() {
            // A shared secret signs tokens anyone holding it can mint: for a developer's
            // machine, never beside an identity provider's keys, never in Lambda.
            if !matches!(jwt_keys, JwtKeys::None) {
                return Err(error(
                    "JWT_HS256_SECRET",
                    "is set beside a JWKS: it is for local development only, without one",
                ));
            }
            if runs_in_lambda(&lookup) {
                return Err(error(
                    "JWT_HS256_SECRET",
                    "is set in Lambda: it is for local development only (sam local sets AWS_SAM_LOCAL)",
                ));
            }
        }
        let cursor_secret =
            secret("CURSOR_SECRET")?.ok_or_else(|| error("CURSOR_SECRET", "is not set"))?;
        Ok(Self {
            table_name,
            jwt_issuer,
            jwt_audience,
            jwt_keys,
            jwt_hs256_secret,
            cursor_secret,
        })
    }

    /// The token verifier these settings describe. Builds no connection: remote keys
    /// are fetched on the first request that needs them.
    pub fn verifier(&self) -> Verifier {
        let keys = match &self.jwt_keys {
            JwtKeys::None => KeySource::None,
            JwtKeys::Url(url) => KeySource::remote(url.clone()),
            JwtKeys::Inline(set) => KeySource::Static(set.clone()),
        };
        Verifier::new(
            &self.jwt_issuer,
            &self.jwt_audience,
            keys,
            self.jwt_hs256_secret.as_deref(),
        )
    }
}

/// The settings of the document functions, on top of [`Config`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentsConfig {
    /// `BUCKET_NAME`: the documents bucket.
    pub bucket_name: String,
    /// `MAX_DOCUMENT_BYTES`: the largest document accepted (default 50 MiB).
    pub max_document_bytes: u64,
}

impl DocumentsConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |variable: &str| lookup(variable).filter(|value| !value.trim().is_empty());
        let bucket_name = get("BUCKET_NAME").ok_or_else(|| error("BUCKET_NAME", "is not set"))?;
        let max_document_bytes = match get("MAX_DOCUMENT_BYTES") {
            None => crate::model::document_limits::DEFAULT_MAX_DOCUMENT_BYTES,
            // S3 takes at most 5 GiB in one PUT.
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|bytes| (1..=5 << 30).contains(bytes))
                .ok_or_else(|| {
                    error(
                        "MAX_DOCUMENT_BYTES",
                        "must be a number of bytes from 1 to 5 GiB",
                    )
                })?,
        };
        Ok(Self {
            bucket_name,
            max_document_bytes,
        })
    }
}

/// The settings of the anchoring function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorConfig {
    /// `ANCHOR_BUCKET`: the Object Lock bucket anchors are kept in.
    pub bucket: String,
    /// `ANCHOR_KEY_ID`: the ARN of the asymmetric KMS key that signs them.
    pub key_id: String,
}

impl AnchorConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let require = |variable: &'static str| {
            lookup(variable)
                .filter(|value| !value.trim().is_empty())
                .ok_or_else(|| error(variable, "is not set"))
        };
        Ok(Self {
            bucket: require("ANCHOR_BUCKET")?,
            key_id: require("ANCHOR_KEY_ID")?,
        })
    }
}

/// Where the search indexes are kept (the search and indexing functions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexConfig {
    /// `INDEX_BUCKET`: the bucket the indexes are kept in.
    pub bucket: String,
    /// The key prefix of every index (the functions' policies name it).
    pub prefix: String,
    /// The local folder indexes are used from: under the temporary folder (Lambda's only
    /// writable one).
    pub dir: std::path::PathBuf,
    /// `INDEX_CHECK_SECONDS`: how often a search checks for a newer generation (default 5).
    pub check_seconds: u64,
}

impl IndexConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |variable: &str| lookup(variable).filter(|value| !value.trim().is_empty());
        let check_seconds = match get("INDEX_CHECK_SECONDS") {
            None => 5,
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|seconds| *seconds <= 3600)
                .ok_or_else(|| error("INDEX_CHECK_SECONDS", "must be 0 to 3600 seconds"))?,
        };
        Ok(Self {
            bucket: get("INDEX_BUCKET").ok_or_else(|| error("INDEX_BUCKET", "is not set"))?,
            prefix: "index/".to_owned(),
            dir: std::env::temp_dir().join("dossier-index"),
            check_seconds,
        })
    }
}

/// Where notices come from and link to (the request functions that send them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticesConfig {
    /// `NOTICE_SENDER`: the address notices are sent from (an SES identity the stack
    /// names; the functions may send from no other).
    pub sender: String,
    /// `PORTAL_URL`: the portal's address, for links to a request's public page; none when
    /// unset (notices then carry no link).
    pub portal_url: Option<String>,
}

impl NoticesConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |variable: &str| lookup(variable).filter(|value| !value.trim().is_empty());
        let sender = get("NOTICE_SENDER").ok_or_else(|| error("NOTICE_SENDER", "is not set"))?;
        if !sender.contains('@') || sender.contains(char::is_whitespace) {
            return Err(error("NOTICE_SENDER", "must be an email address"));
        }
        let portal_url = match get("PORTAL_URL") {
            None => None,
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(_) => return Err(error("PORTAL_URL", "must be an http(s):// URL")),
        };
        Ok(Self { sender, portal_url })
    }
}

/// How much the daily fixity run reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixityConfig {
    /// `FIXITY_PERIOD_DAYS` (default 90): every document is to be checked at least this
    /// often; one checked more recently than a day ago is not read again.
    pub period_days: u32,
    /// `FIXITY_DAILY_BYTES` (default 50 GiB): the most a run reads, shared by the agencies.
    pub daily_bytes: u64,
}

impl FixityConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`; defaults fill what is unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |variable: &str| lookup(variable).filter(|value| !value.trim().is_empty());
        let period_days = match get("FIXITY_PERIOD_DAYS") {
            None => 90,
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|days| (1..=3650).contains(days))
                .ok_or_else(|| {
                    error("FIXITY_PERIOD_DAYS", "must be a number of days, 1 to 3650")
                })?,
        };
        let daily_bytes = match get("FIXITY_DAILY_BYTES") {
            None => 50 << 30,
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|bytes| *bytes > 0)
                .ok_or_else(|| error("FIXITY_DAILY_BYTES", "must be a positive number of bytes"))?,
        };
        Ok(Self {
            period_days,
            daily_bytes,
        })
    }
}

/// `DESTRUCTION_QUEUE_URL`: the SQS queue approved destructions go to.
pub fn destruction_queue_url_from_env() -> Result<String, ConfigError> {
    std::env::var("DESTRUCTION_QUEUE_URL")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| error("DESTRUCTION_QUEUE_URL", "is not set"))
}

/// `TABLE_NAME` alone, for functions that need no token settings (event functions).
pub fn table_name_from_env() -> Result<String, ConfigError> {
    std::env::var("TABLE_NAME")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| error("TABLE_NAME", "is not set"))
}

/// Whether this runs in AWS Lambda: a Lambda environment that is not `sam local`'s (which,
/// like the test harness and `make invoke`, sets `AWS_SAM_LOCAL=true`).
fn runs_in_lambda(lookup: impl Fn(&str) -> Option<String>) -> bool {
    lookup("AWS_LAMBDA_FUNCTION_NAME").is_some()
        && lookup("AWS_SAM_LOCAL").is_none_or(|local| local != "true")
}

fn error(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// HTTPS only, except plain HTTP to a loopback host (local identity providers).
fn parse_jwks_url(text: &str) -> Result<http::Uri, ConfigError> {
    let url: http::Uri = text
        .parse()
        .map_err(|_| error("JWT_JWKS_URL", "is not a URL"))?;
    let loopback = matches!(url.host(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme_str() {
        Some("https") => Ok(url),
        Some("http") if loopback => Ok(url),
        _ => Err(error("JWT_JWKS_URL", "must be an https:// URL")),
    }
}

/// The endpoint URL for S3: `AWS_ENDPOINT_URL_S3` (or the profile's `s3` section), else
/// the shared `AWS_ENDPOINT_URL`, exactly as the S3 SDK resolves it from a shared config
/// (only an endpoint marked as set on the client itself skips the service's own).
#[cfg(any(feature = "presign", feature = "s3"))]
pub fn s3_endpoint_url(aws: &aws_config::SdkConfig) -> Option<String> {
    use aws_types::service_config::ServiceConfigKey;
    let service_specific = || {
        let key = ServiceConfigKey::builder()
            .service_id("S3")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        aws.service_config()?.load_config(key)
    };
    if aws.get_origin("endpoint_url").is_client_config() {
        return aws.endpoint_url().map(str::to_owned);
    }
    service_specific().or_else(|| aws.endpoint_url().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BASE: [(&str, &str); 4] = [
        ("TABLE_NAME", "dossier"),
        ("JWT_ISSUER", "https://issuer"),
        ("JWT_AUDIENCE", "dossier"),
        ("CURSOR_SECRET", SECRET),
    ];

    #[test]
    fn each_missing_variable_is_named() {
        for skip in ["TABLE_NAME", "JWT_ISSUER", "JWT_AUDIENCE", "CURSOR_SECRET"] {
            let mut pairs: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != skip).collect();
            pairs.push(("JWT_HS256_SECRET", SECRET));
            let error = config(&pairs).err().expect(skip);
            assert_eq!(error.variable, skip);
            assert!(error.to_string().contains(skip));
        }
        assert_eq!(config(&BASE).err().unwrap().variable, "JWT_JWKS_URL");
    }

    #[test]
    fn hs256_is_refused_beside_a_jwks_and_in_lambda() {
        let jwks = crate::testing::TestKeys::generate().jwks().to_string();
        let jwks: &str = &jwks;
        let with = |extra: &[(&str, &str)]| {
            let mut pairs = BASE.to_vec();
            pairs.push(("JWT_HS256_SECRET", SECRET));
            pairs.extend_from_slice(extra);
            config(&pairs).err().map(|e| e.variable)
        };
        assert_eq!(with(&[]), None, "alone, on a developer's machine");
        assert_eq!(
            with(&[("AWS_LAMBDA_FUNCTION_NAME", "f"), ("AWS_SAM_LOCAL", "true")]),
            None
        );
        assert_eq!(with(&[("JWT_JWKS", jwks)]), Some("JWT_HS256_SECRET"));
        assert_eq!(
            with(&[("JWT_JWKS_URL", "https://idp.example/jwks.json")]),
            Some("JWT_HS256_SECRET")
        );
        assert_eq!(
            with(&[("AWS_LAMBDA_FUNCTION_NAME", "f")]),
            Some("JWT_HS256_SECRET")
        );
        assert_eq!(
            with(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "f"),
                ("AWS_SAM_LOCAL", "false")
            ]),
            Some("JWT_HS256_SECRET")
        );
    }

    #[test]
    fn invalid_values_are_named() {
        let with = |extra: (&'static str, &'static str)| {
            let mut pairs = BASE.to_vec();
            pairs.push(extra);
            config(&pairs).err().map(|e| e.variable)
        };
        assert_eq!(
            with(("JWT_HS256_SECRET", "short")),
            Some("JWT_HS256_SECRET")
        );
        assert_eq!(
            with(("JWT_JWKS_URL", "http://idp.example/jwks")),
            Some("JWT_JWKS_URL")
        );
        assert_eq!(with(("JWT_JWKS", "{\"keys\": []}")), Some("JWT_JWKS"));
        assert_eq!(
            with(("JWT_JWKS_URL", "https://idp.example/.well-known/jwks.json")),
            None
        );
        assert_eq!(with(("JWT_JWKS_URL", "http://127.0.0.1:9000/jwks")), None);
        assert_eq!(with(("JWT_HS256_SECRET", SECRET)), None);
    }
}
