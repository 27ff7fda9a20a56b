//! Presigned S3 URLs with SigV4 alone (feature `presign`).
//!
//! Presigning is local computation: a canonical request, an HMAC chain, no call to S3.
//! The S3 SDK would bring its whole client (endpoint rules, every operation's plumbing) into
//! the two routes that only presign, which made them the largest binaries and the largest
//! resident sets by about 1.8 MiB. This adapter signs with `aws-sigv4`, which every binary
//! already links to sign its DynamoDB calls. Tests hold its URLs and endpoints equal to the SDK's.

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use percent_encoding::{AsciiSet, utf8_percent_encode};

use super::{
    BlobError, BlobPresigner, DownloadSpec, PENDING, Presigned, QUERY, STATE_TAG, UploadSpec,
};
use crate::clock::Timestamp;
use crate::config::ConfigError;

/// [`QUERY`] for a key in a path, whose slashes separate segments.
const PATH: &AsciiSet = &QUERY.remove(b'/');
/// Cached credentials are fetched again unless they outlive the URL being signed by this
/// much, so a URL signed from the cache is not cut short by their expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// After a fetch, usable cached credentials sign for this long without another, even when
/// they would cut URLs short: a provider handing back the same expiring credentials (or
/// failing) is not asked again on every request.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// The least validity worth signing a URL for (or the whole requested one, if shorter).
const MIN_VALIDITY: Duration = Duration::from_secs(60);
/// The longest validity SigV4 allows a presigned URL.
const MAX_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Presigns URLs to objects of one S3 bucket.
#[derive(Debug)]
pub struct S3Presigner {
    region: String,
    /// Where objects are addressed, bucket included, without the trailing slash.
    base_url: String,
    provider: SharedCredentialsProvider,
    /// The last credentials the provider gave, reused until they near expiry (Lambda's
    /// come from the environment, but a container or SSO provider makes a call).
    cached: Mutex<Option<Cached>>,
}

/// Credentials, and when they were last fetched.
#[derive(Clone, Debug)]
struct Cached {
    credentials: Credentials,
    fetched_at: SystemTime,
}

/// Where the bucket's objects are addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum S3Endpoint {
    /// AWS itself: the bucket as a virtual host of the regional endpoint.
    Aws {
        /// FIPS endpoints (`AWS_USE_FIPS_ENDPOINT`).
        fips: bool,
        /// Dual-stack (IPv4 and IPv6) endpoints (`AWS_USE_DUALSTACK_ENDPOINT`).
        dual_stack: bool,
    },
    /// An endpoint override (`AWS_ENDPOINT_URL`, an emulator): the bucket in the path,
    /// since an emulator serves every bucket on one host.
    Custom(String),
}

impl S3Presigner {
    /// The presigner for `bucket` with `aws`'s region, credentials and endpoint settings.
    pub fn from_config(
        aws: &aws_config::SdkConfig,
        bucket: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let missing = |variable, problem: &str| ConfigError {
            variable,
            problem: problem.to_owned(),
        };
        let region = aws
            .region()
            .ok_or_else(|| missing("AWS_REGION", "is not set"))?;
        let provider = aws.credentials_provider().ok_or_else(|| {
            missing(
                "AWS_ACCESS_KEY_ID",
                "is not set and no credentials provider is configured",
            )
        })?;
        let endpoint = match crate::config::s3_endpoint_url(aws) {
            Some(url) => S3Endpoint::Custom(url),
            None => S3Endpoint::Aws {
                fips: aws.use_fips().unwrap_or(false),
                dual_stack: aws.use_dual_stack().unwrap_or(false),
            },
        };
        Ok(Self::new(
            provider.clone(),
            region.as_ref(),
            &endpoint,
            bucket,
        ))
    }

    /// The presigner for `bucket` in `region` at `endpoint`.
    pub fn new(
        provider: impl ProvideCredentials + 'static,
        region: &str,
        endpoint: &S3Endpoint,
        bucket: impl Into<String>,
    ) -> Self {
        let bucket = bucket.into();
        let base_url = match endpoint {
            S3Endpoint::Custom(url) => format!("{}/{bucket}", url.trim_end_matches('/')),
            S3Endpoint::Aws { fips, dual_stack } => {
                let service = if *fips { "s3-fips" } else { "s3" };
                let stack = if *dual_stack { ".dualstack" } else { "" };
                let suffix = dns_suffix(region);
                // A bucket name with dots would not match the wildcard certificate of a
                // virtual host, so such names go in the path.
                if bucket.contains('.') {
                    format!("https://{service}{stack}.{region}.{suffix}/{bucket}")
                } else {
                    format!("https://{bucket}.{service}{stack}.{region}.{suffix}")
                }
            }
        };
        Self {
            region: region.to_owned(),
            base_url,
            provider: SharedCredentialsProvider::new(provider),
            cached: Mutex::new(None),
        }
    }

    /// Credentials to sign a URL valid from `now` for `ttl`: the cached ones while they
    /// outlive it, else the provider's, else (when it fails or gives worse) cached ones
    /// still valid for [`MIN_VALIDITY`], the URL then cut to their expiry.
    async fn credentials(&self, now: SystemTime, ttl: Duration) -> Result<Credentials, BlobError> {
        let outlives = |credentials: &Credentials, until: SystemTime| {
            credentials.expiry().is_none_or(|expiry| expiry > until)
        };
        let usable = |credentials: &Credentials| outlives(credentials, now + ttl.min(MIN_VALIDITY));
        let cached = self.lock().clone();
        if let Some(Cached {
            credentials,
            fetched_at,
        }) = &cached
            && (outlives(credentials, now + ttl + REFRESH_MARGIN)
                || (usable(credentials) && now < *fetched_at + REFETCH_AFTER))
        {
            return Ok(credentials.clone());
        }
        let cached = cached.map(|cached| cached.credentials);
        let fetched = self.provider.provide_credentials().await;
        // Whichever credentials last longer are kept: a provider may hand back older ones.
        let best = match (&fetched, cached) {
            (Ok(fresh), Some(old)) if expires_sooner(fresh, &old) => old,
            (Ok(fresh), _) => fresh.clone(),
            (Err(_), Some(old)) => old,
            (Err(error), None) => {
                return Err(BlobError::Unavailable(format!("AWS credentials: {error}")));
            }
        };
        *self.lock() = Some(Cached {
            credentials: best.clone(),
            fetched_at: now,
        });
        if let Err(error) = &fetched {
            tracing::warn!(%error, "AWS credentials not refreshed; signing with the cached ones");
        }
        if usable(&best) {
            Ok(best)
        } else {
            Err(BlobError::Unavailable(
                "the AWS credentials have expired".to_owned(),
            ))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // The cache holds a plain value, always whole: a panic elsewhere cannot leave it
        // half-written, so a poisoned lock is still good to use.
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signs `method` on `key` with `query` (already in canonical form) and `headers`,
    /// valid from `now` for `ttl` or until the credentials expire, whichever is first.
    async fn presign(
        &self,
        method: &str,
        key: &str,
        query: &str,
        headers: Vec<(String, String)>,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Presigned, BlobError> {
        let signed_at = UNIX_EPOCH + Duration::from_secs(u64::try_from(now.as_secs()).unwrap_or(0));
        if ttl < Duration::from_secs(1) || ttl > MAX_VALIDITY {
            return Err(BlobError::Backend(format!(
                "a presigned URL cannot be valid for {ttl:?}"
            )));
        }
        let credentials = self.credentials(signed_at, ttl).await?;
        let until_expiry = credentials
            .expiry()
            .map(|expiry| expiry.duration_since(signed_at).unwrap_or(Duration::ZERO));
        let valid = until_expiry.map_or(ttl, |left| ttl.min(left));
        // X-Amz-Expires counts whole seconds (never zero here: the credentials are usable).
        let valid = Duration::from_secs(valid.as_secs());
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(valid);
        // S3 signs the path as sent: escaped once, never normalized.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(signed_at)
            .settings(settings)
            .build()
            .map_err(|e| BlobError::Backend(e.to_string()))?
            .into();
        let url = format!(
            "{}/{}?{query}",
            self.base_url,
            utf8_percent_encode(key, PATH)
        );
        let request = SignableRequest::new(
            method,
            Cow::Borrowed(url.as_str()),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::UnsignedPayload,
        )
        .map_err(|e| BlobError::Backend(e.to_string()))?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| BlobError::Backend(e.to_string()))?
            .into_parts();
        let mut url = url;
        for (name, value) in instructions.params() {
            url.push('&');
            url.push_str(name);
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY));
        }
        Ok(Presigned {
            method: method.to_owned(),
            url,
            headers,
            expires_at: super::expiry(now, valid),
        })
    }
}

/// Whether `a` expires before `b` (credentials without an expiry never do).
fn expires_sooner(a: &Credentials, b: &Credentials) -> bool {
    matches!((a.expiry(), b.expiry()), (Some(a), Some(b)) if a < b)
}

/// The DNS suffix of `region`'s partition (the S3 SDK's endpoint rules hold the same).
fn dns_suffix(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "amazonaws.com.cn"),
        ("us-iso-", "c2s.ic.gov"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
        ("eusc-", "amazonaws.eu"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("amazonaws.com", |(_, suffix)| suffix)
}

fn query_value(value: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(value, QUERY)
}

impl BlobPresigner for S3Presigner {
    async fn presign_upload(
        &self,
        key: &str,
        spec: &UploadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Presigned, BlobError> {
        // Every header is signed, so S3 refuses any other type, length or checksum; the
        // checksum is the client's declared one, which S3 verifies against the bytes.
        let headers = vec![
            ("content-length".to_owned(), spec.size.to_string()),
            ("content-type".to_owned(), spec.content_type.to_owned()),
            ("x-amz-checksum-sha256".to_owned(), spec.sha256.to_owned()),
            (
                "x-amz-sdk-checksum-algorithm".to_owned(),
                "SHA256".to_owned(),
            ),
            // Until ingestion verifies it, the object is "pending", which the bucket's
            // lifecycle rule expires: abandoned or bad uploads do not pile up.
            ("x-amz-tagging".to_owned(), format!("{STATE_TAG}={PENDING}")),
            // The URL writes the object once: replayed, even within its 15 minutes, it
            // cannot put other bytes (or unsigned headers) over the verified ones.
            ("if-none-match".to_owned(), "*".to_owned()),
        ];
        self.presign("PUT", key, "x-id=PutObject", headers, now, ttl)
            .await
    }

    async fn presign_download(
        &self,
        key: &str,
        spec: &DownloadSpec<'_>,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Presigned, BlobError> {
        // The verified version only, served as stored: `identity` overrides any
        // `Content-Encoding` an upload slipped in, so no browser decodes the bytes into
        // others than the audited ones.
        let version = spec
            .version
            .map(|version| format!("&versionId={}", query_value(version)))
            .unwrap_or_default();
        let query = format!(
            "response-content-disposition={}&response-content-encoding=identity&response-content-type={}{version}&x-id=GetObject",
            query_value(spec.content_disposition),
            query_value(spec.content_type),
        );
        self.presign("GET", key, &query, Vec::new(), now, ttl).await
    }
}

#[cfg(test)]
mod tests;
