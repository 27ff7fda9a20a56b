//! What the presigned URLs bind, checked by recomputing their SigV4 signature as S3 does
//! (moto accepts any presigned URL, so this is where a loose signature would show).

use aws_lc_rs::{digest, hmac};
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::ChecksumAlgorithm;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW: Timestamp = Timestamp::from_millis(1_795_688_498_123);
/// SHA-256 of `%PDF-1.7` (not of the empty string, which is what an SDK hashing the empty
/// presign body instead of using the declared checksum would put there).
const SHA: &str = "hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs=";
/// The upload every test presigns: a 1234-byte PDF with that hash.
const SPEC: UploadSpec<'static> = UploadSpec {
    content_type: "application/pdf",
    size: 1234,
    sha256: SHA,
};

const AWS: S3Endpoint = S3Endpoint::Aws {
    fips: false,
    dual_stack: false,
};

fn credentials(token: Option<&str>, expiry: Option<SystemTime>) -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        SECRET,
        token.map(str::to_owned),
        expiry,
        "test",
    )
}

/// A presigner for `dossier-docs` in us-east-1 signing with `credentials`.
fn presigner_with(credentials: impl ProvideCredentials + 'static) -> S3Presigner {
    S3Presigner::new(credentials, "us-east-1", &AWS, "dossier-docs")
}

fn blobs() -> S3Presigner {
    presigner_with(credentials(None, None))
}

/// When [`NOW`] is, as the signer sees it (whole seconds).
fn signed_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW.as_secs() as u64)
}

/// [`NOW`] plus `seconds`.
fn at(seconds: i64) -> Timestamp {
    NOW.plus_millis(seconds * 1000)
}

/// `presigner`'s upload URL for [`SPEC`] at [`NOW`], valid `ttl` seconds.
async fn upload_with(presigner: &S3Presigner, ttl: u64) -> Result<Presigned, BlobError> {
    presigner
        .presign_upload("documents/a/b/c", &SPEC, NOW, Duration::from_secs(ttl))
        .await
}

/// Our download URL for `spec` at [`NOW`], valid 5 minutes.
async fn download(spec: &DownloadSpec<'_>) -> Presigned {
    blobs()
        .presign_download("documents/a/b/c", spec, NOW, Duration::from_secs(300))
        .await
        .unwrap()
}

/// The S3 SDK's own presigner, which this adapter replaces.
fn sdk(credentials: Credentials) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn sdk_presigning(ttl: Duration) -> PresigningConfig {
    PresigningConfig::builder()
        .start_time(signed_at())
        .expires_in(ttl)
        .build()
        .unwrap()
}

/// `url`'s query parameters, sorted (the order carries no meaning).
fn sorted_query(url: &str) -> (String, Vec<String>) {
    let (path, query) = url.split_once('?').unwrap();
    let mut pairs: Vec<String> = query.split('&').map(str::to_owned).collect();
    pairs.sort();
    (path.to_owned(), pairs)
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
        .as_ref()
        .to_vec()
}

/// Whether S3 would accept `method url` sent with `headers` at `at` (seconds): the
/// SigV4 query-string signature recomputed from what is sent, and the expiry window.
fn s3_accepts(method: &str, url: &str, headers: &[(String, String)], at: i64) -> bool {
    let (origin_path, query) = url.split_once('?').unwrap();
    let (host, path) = origin_path
        .trim_start_matches("https://")
        .split_once('/')
        .unwrap();
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    let signature = pairs
        .iter()
        .find(|(k, _)| *k == "X-Amz-Signature")
        .unwrap()
        .1
        .to_owned();
    pairs.retain(|(k, _)| *k != "X-Amz-Signature");
    pairs.sort_unstable();
    let param = |name: &str| pairs.iter().find(|(k, _)| *k == name).unwrap().1;
    let amz_date = param("X-Amz-Date");
    let date = &amz_date[..8];
    let signed: Vec<&str> = param("X-Amz-SignedHeaders").split("%3B").collect();
    let mut sent: Vec<(String, String)> = headers.to_vec();
    sent.push(("host".into(), host.into()));
    let mut canonical_headers = String::new();
    for name in &signed {
        let Some((_, value)) = sent.iter().find(|(n, _)| n == name) else {
            return false;
        };
        canonical_headers.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let canonical_query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_request = format!(
        "{method}\n/{path}\n{}\n{canonical_headers}\n{}\nUNSIGNED-PAYLOAD",
        canonical_query.join("&"),
        signed.join(";")
    );
    let scope = format!("{date}/us-east-1/s3/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(digest::digest(
            &digest::SHA256,
            canonical_request.as_bytes()
        ))
    );
    let key = ["us-east-1", "s3", "aws4_request"].iter().fold(
        hmac(format!("AWS4{SECRET}").as_bytes(), date),
        |key, part| hmac(&key, part),
    );
    let signed_at = Timestamp::parse(&format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        &amz_date[..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    ))
    .unwrap()
    .as_secs();
    let expires: i64 = param("X-Amz-Expires").parse().unwrap();
    hex::encode(hmac(&key, &string_to_sign)) == signature
        && at >= signed_at
        && at < signed_at + expires
}

/// `url` with the last hex digit of its signature changed.
fn tampered_signature(url: &str) -> String {
    let (kept, last) = url.split_at(url.len() - 1);
    format!("{kept}{}", if last == "0" { "1" } else { "0" })
}

async fn upload() -> Presigned {
    upload_with(&blobs(), 900).await.unwrap()
}

#[tokio::test]
async fn the_upload_url_binds_method_key_type_length_checksum_and_expiry() {
    let upload = upload().await;
    let at = NOW.as_secs();
    assert_eq!(SHA, crate::model::sha256_base64(b"%PDF-1.7"));
    assert!(
        upload
            .headers
            .contains(&("x-amz-checksum-sha256".to_owned(), SHA.to_owned())),
        "the declared checksum, not one the SDK computed: {upload:#?}"
    );
    assert_eq!(upload.method, "PUT");
    assert_eq!(upload.expires_at.as_secs(), at + 900);
    assert!(upload.url.contains("X-Amz-Expires=900&"));
    assert!(
        s3_accepts("PUT", &upload.url, &upload.headers, at),
        "the exact request is accepted: {upload:#?}"
    );
    let signed = upload.url.split("X-Amz-SignedHeaders=").nth(1).unwrap();
    for header in [
        "content-length",
        "content-type",
        "if-none-match",
        "x-amz-checksum-sha256",
        "x-amz-tagging",
    ] {
        assert!(signed.contains(header), "{header} is signed: {signed}");
    }

    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        upload
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), if n == name { value.into() } else { v.clone() }))
            .collect()
    };
    let refused = [
        (
            "another method",
            "GET",
            upload.url.clone(),
            upload.headers.clone(),
            at,
        ),
        (
            "another key",
            "PUT",
            upload.url.replace("/a/b/c?", "/a/b/d?"),
            upload.headers.clone(),
            at,
        ),
        (
            "another type",
            "PUT",
            upload.url.clone(),
            with("content-type", "text/html"),
            at,
        ),
        (
            "another length",
            "PUT",
            upload.url.clone(),
            with("content-length", "1235"),
            at,
        ),
        (
            "another checksum",
            "PUT",
            upload.url.clone(),
            with(
                "x-amz-checksum-sha256",
                &crate::model::sha256_base64(b"%PDF-1.8"),
            ),
            at,
        ),
        (
            "no tagging",
            "PUT",
            upload.url.clone(),
            with("x-amz-tagging", "state=verified"),
            at,
        ),
        (
            "over an existing object",
            "PUT",
            upload.url.clone(),
            with("if-none-match", "\"etag\""),
            at,
        ),
        (
            "a longer expiry",
            "PUT",
            upload
                .url
                .replace("X-Amz-Expires=900", "X-Amz-Expires=9000"),
            upload.headers.clone(),
            at,
        ),
        (
            "a tampered signature",
            "PUT",
            tampered_signature(&upload.url),
            upload.headers.clone(),
            at,
        ),
        (
            "after expiry",
            "PUT",
            upload.url.clone(),
            upload.headers.clone(),
            at + 900,
        ),
        (
            "before signing",
            "PUT",
            upload.url.clone(),
            upload.headers.clone(),
            at - 1,
        ),
    ];
    for (what, method, url, headers, when) in refused {
        assert!(
            !s3_accepts(method, &url, &headers, when),
            "{what} is refused"
        );
    }
}

#[tokio::test]
async fn the_download_url_binds_key_disposition_and_a_short_expiry() {
    let spec = DownloadSpec {
        content_type: "application/pdf",
        content_disposition: "attachment; filename=\"a.pdf\"; filename*=UTF-8''a.pdf",
        version: Some("v1.verified"),
    };
    let download = download(&spec).await;
    let at = NOW.as_secs();
    assert_eq!(download.method, "GET");
    assert!(download.headers.is_empty(), "a plain GET: {download:#?}");
    for bound in [
        "response-content-disposition=attachment",
        "response-content-encoding=identity",
        "versionId=v1.verified",
    ] {
        assert!(download.url.contains(bound), "{bound}: {}", download.url);
    }
    assert!(s3_accepts("GET", &download.url, &[], at));
    assert!(!s3_accepts("GET", &download.url, &[], at + 300));
    for (what, url) in [
        ("another name", download.url.replace("a.pdf", "b.exe")),
        (
            "another version",
            download
                .url
                .replace("versionId=v1.verified", "versionId=v2"),
        ),
        (
            "an encoding",
            download.url.replace(
                "response-content-encoding=identity",
                "response-content-encoding=gzip",
            ),
        ),
    ] {
        assert!(!s3_accepts("GET", &url, &[], at), "{what} is refused");
    }
}

#[tokio::test]
async fn upload_urls_are_the_ones_the_s3_sdk_presigns() {
    for token in [None, Some("IQoJb3JpZ2luX2VjEJr//session+token/=")] {
        let ours = upload_with(&presigner_with(credentials(token, None)), 900)
            .await
            .unwrap();
        let theirs = sdk(credentials(token, None))
            .put_object()
            .bucket("dossier-docs")
            .key("documents/a/b/c")
            .content_type(SPEC.content_type)
            .content_length(1234)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(SPEC.sha256)
            .tagging(format!("{STATE_TAG}={PENDING}"))
            .if_none_match("*")
            .presigned(sdk_presigning(Duration::from_secs(900)))
            .await
            .unwrap();
        assert_eq!(
            sorted_query(&ours.url),
            sorted_query(theirs.uri()),
            "{token:?}"
        );
        let mut sdk_headers: Vec<(String, String)> = theirs
            .headers()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
            .collect();
        sdk_headers.sort();
        let mut our_headers = ours.headers.clone();
        our_headers.sort();
        assert_eq!(our_headers, sdk_headers);
        assert_eq!(ours.method, theirs.method());
    }
}

#[tokio::test]
async fn download_urls_are_the_ones_the_s3_sdk_presigns() {
    let spec = DownloadSpec {
        content_type: "text/plain; charset=utf-8",
        content_disposition: "attachment; filename=\"r\u{e9}sum\u{e9}_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20(1).txt",
        version: Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"),
    };
    let ours = download(&spec).await;
    let theirs = sdk(credentials(None, None))
        .get_object()
        .bucket("dossier-docs")
        .key("documents/a/b/c")
        .response_content_type(spec.content_type)
        .response_content_disposition(spec.content_disposition)
        .response_content_encoding("identity")
        .version_id(spec.version.unwrap())
        .presigned(sdk_presigning(Duration::from_secs(300)))
        .await
        .unwrap();
    assert_eq!(sorted_query(&ours.url), sorted_query(theirs.uri()));
    assert_eq!(theirs.headers().count(), 0);
    assert!(ours.headers.is_empty());
}

#[tokio::test]
async fn a_session_token_is_sent_and_signed() {
    let presigner = presigner_with(credentials(Some("token/with+symbols="), None));
    let upload = upload_with(&presigner, 900).await.unwrap();
    assert!(
        upload
            .url
            .contains("X-Amz-Security-Token=token%2Fwith%2Bsymbols%3D"),
        "{}",
        upload.url
    );
    assert!(s3_accepts(
        "PUT",
        &upload.url,
        &upload.headers,
        NOW.as_secs()
    ));
    let other = upload.url.replace("symbols", "symbolz");
    assert!(!s3_accepts("PUT", &other, &upload.headers, NOW.as_secs()));
}

#[tokio::test]
async fn a_url_expires_no_later_than_its_credentials() {
    let expiring = signed_at() + Duration::from_secs(600);
    let presigner = presigner_with(credentials(Some("t"), Some(expiring)));
    let upload = upload_with(&presigner, 900).await.unwrap();
    assert!(upload.url.contains("X-Amz-Expires=600&"), "{}", upload.url);
    assert_eq!(upload.expires_at.as_secs(), NOW.as_secs() + 600);

    // Credentials with less than a minute left sign nothing: such a URL would die in the
    // client's hands.
    for dead in [
        signed_at() - Duration::from_secs(1),
        signed_at(),
        signed_at() + Duration::from_millis(999),
        signed_at() + Duration::from_secs(60),
    ] {
        let expired = presigner_with(credentials(Some("t"), Some(dead)));
        assert!(
            matches!(
                upload_with(&expired, 900).await,
                Err(BlobError::Unavailable(_))
            ),
            "credentials expiring at {dead:?}"
        );
    }
    // ...unless the URL asked for is shorter still.
    let short = presigner_with(credentials(
        Some("t"),
        Some(signed_at() + Duration::from_secs(45)),
    ));
    let upload = upload_with(&short, 30).await.unwrap();
    assert_eq!(upload.expires_at.as_secs(), NOW.as_secs() + 30);
    // A validity under a second is a caller's bug, not an outage.
    let sub_second = blobs()
        .presign_upload("k", &SPEC, NOW, Duration::from_millis(500))
        .await;
    assert!(matches!(sub_second, Err(BlobError::Backend(_))));
}

/// A credentials provider that answers from a script, counting its calls.
#[derive(Debug)]
struct Scripted {
    calls: Arc<AtomicUsize>,
    /// Each call's expiry (seconds after [`signed_at`]), or `None` for a failure; the
    /// last entry repeats.
    script: Vec<Option<u64>>,
}

impl Scripted {
    fn new(script: Vec<Option<u64>>) -> (Self, Arc<AtomicUsize>) {
        let calls = Arc::default();
        let provider = Self {
            calls: Arc::clone(&calls),
            script,
        };
        (provider, calls)
    }
}

impl ProvideCredentials for Scripted {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        use aws_credential_types::provider::{error::CredentialsError, future};
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.script[call.min(self.script.len() - 1)];
        future::ProvideCredentials::ready(match answer {
            Some(seconds) => Ok(credentials(
                Some("t"),
                Some(signed_at() + Duration::from_secs(seconds)),
            )),
            None => Err(CredentialsError::not_loaded("scripted failure")),
        })
    }
}

#[tokio::test]
async fn credentials_are_reused_while_they_outlive_the_url() {
    let (provider, calls) = Scripted::new(vec![Some(3600), Some(7200)]);
    let presigner = presigner_with(provider);
    for _ in 0..3 {
        presigner
            .presign_upload("k", &SPEC, NOW, Duration::from_secs(900))
            .await
            .unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "fetched once, then cached");
    // 900 s URLs an hour before expiry still fit, with the margin...
    presigner
        .presign_upload("k", &SPEC, at(2600), Duration::from_secs(900))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // ...but not later: a URL signed then would be cut short, so they are fetched again,
    // and the new ones sign the whole 900 s.
    let upload = presigner
        .presign_upload("k", &SPEC, at(2700), Duration::from_secs(900))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(upload.expires_at.as_secs(), NOW.as_secs() + 2700 + 900);
}

#[tokio::test]
async fn cached_credentials_sign_while_the_provider_fails_until_they_expire() {
    let (provider, _) = Scripted::new(vec![Some(600), None]);
    let presigner = presigner_with(provider);
    let ttl = Duration::from_secs(900);
    presigner
        .presign_upload("k", &SPEC, NOW, ttl)
        .await
        .unwrap();
    let cut = presigner
        .presign_upload("k", &SPEC, at(500), ttl)
        .await
        .unwrap();
    assert_eq!(cut.expires_at.as_secs(), NOW.as_secs() + 600);
    assert!(cut.url.contains("X-Amz-Expires=100&"), "{}", cut.url);
    assert!(matches!(
        presigner.presign_upload("k", &SPEC, at(600), ttl).await,
        Err(BlobError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_provider_giving_back_expiring_credentials_is_asked_once_a_minute() {
    let (provider, calls) = Scripted::new(vec![Some(600)]);
    let presigner = presigner_with(provider);
    let ttl = Duration::from_secs(900);
    let mut expiries = Vec::new();
    for (seconds, expected_calls) in [(0, 1), (100, 2), (130, 2), (159, 2), (170, 3)] {
        let upload = presigner
            .presign_upload("k", &SPEC, at(seconds), ttl)
            .await
            .unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            expected_calls,
            "at {seconds} s"
        );
        expiries.push(upload.expires_at.as_secs() - NOW.as_secs());
    }
    assert_eq!(
        expiries, [600; 5],
        "every URL cut to the credentials' expiry"
    );
    let too_late = presigner.presign_upload("k", &SPEC, at(545), ttl).await;
    assert!(matches!(too_late, Err(BlobError::Unavailable(_))));
}

#[tokio::test]
async fn older_credentials_from_the_provider_do_not_replace_newer_ones() {
    let (provider, calls) = Scripted::new(vec![Some(3600), Some(100)]);
    let presigner = presigner_with(provider);
    let ttl = Duration::from_secs(900);
    presigner
        .presign_upload("k", &SPEC, NOW, ttl)
        .await
        .unwrap();
    let later = at(2700);
    let upload = presigner
        .presign_upload("k", &SPEC, later, ttl)
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(upload.expires_at.as_secs(), NOW.as_secs() + 3600);
}

/// The origin and bucket path of the S3 SDK's URL for `key` in `bucket`, with `endpoint`.
async fn sdk_base_url(region: &str, endpoint: &S3Endpoint, bucket: &str) -> String {
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials(None, None));
    match endpoint {
        S3Endpoint::Aws { fips, dual_stack } => {
            config = config.use_fips(*fips).use_dual_stack(*dual_stack);
        }
        S3Endpoint::Custom(url) => config = config.endpoint_url(url).force_path_style(true),
    }
    let presigned = aws_sdk_s3::Client::from_conf(config.build())
        .get_object()
        .bucket(bucket)
        .key("k")
        .presigned(sdk_presigning(Duration::from_secs(60)))
        .await
        .unwrap();
    let (path, _) = presigned.uri().split_once('?').unwrap();
    path.strip_suffix("/k").unwrap().to_owned()
}

#[tokio::test]
async fn endpoints_are_the_ones_the_s3_sdk_resolves() {
    let both = S3Endpoint::Aws {
        fips: true,
        dual_stack: true,
    };
    let fips = S3Endpoint::Aws {
        fips: true,
        dual_stack: false,
    };
    let emulator = S3Endpoint::Custom("http://127.0.0.1:5000".into());
    let cases = [
        ("eu-west-3", &AWS, "docs"),
        ("eu-west-3", &AWS, "docs.example.org"),
        ("cn-north-1", &AWS, "docs"),
        ("us-gov-west-1", &both, "docs"),
        ("us-east-1", &fips, "docs"),
        ("us-iso-east-1", &AWS, "docs"),
        ("us-isob-east-1", &AWS, "docs"),
        ("us-isof-south-1", &AWS, "docs"),
        ("eu-isoe-west-1", &AWS, "docs"),
        ("eusc-de-east-1", &AWS, "docs"),
        ("us-east-1", &emulator, "docs"),
    ];
    for (region, endpoint, bucket) in cases {
        let ours = S3Presigner::new(credentials(None, None), region, endpoint, bucket).base_url;
        assert_eq!(
            ours,
            sdk_base_url(region, endpoint, bucket).await,
            "{region} {endpoint:?} {bucket}"
        );
    }
    // A trailing slash on an override is not doubled.
    let slash = S3Endpoint::Custom("http://127.0.0.1:5000/".into());
    let ours = S3Presigner::new(credentials(None, None), "us-east-1", &slash, "docs");
    assert_eq!(ours.base_url, "http://127.0.0.1:5000/docs");
}

#[test]
fn the_s3_endpoint_override_wins_over_the_shared_one() {
    /// What `AWS_ENDPOINT_URL_S3` looks like once the config loader has read it.
    #[derive(Debug)]
    struct S3Override;
    impl aws_types::service_config::LoadServiceConfig for S3Override {
        fn load_config(
            &self,
            key: aws_types::service_config::ServiceConfigKey<'_>,
        ) -> Option<String> {
            (key.service_id() == "S3" && key.env() == "AWS_ENDPOINT_URL")
                .then(|| "http://s3.internal:9000".to_owned())
        }
    }
    let base = || {
        aws_config::SdkConfig::builder()
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(credentials(None, None)))
    };
    let shared = base().endpoint_url("http://shared:4566").build();
    assert_eq!(
        S3Presigner::from_config(&shared, "docs").unwrap().base_url,
        "http://shared:4566/docs"
    );
    let both = base()
        .endpoint_url("http://shared:4566")
        .service_config(S3Override)
        .build();
    assert_eq!(
        S3Presigner::from_config(&both, "docs").unwrap().base_url,
        "http://s3.internal:9000/docs"
    );
    let none = base().build();
    assert_eq!(
        S3Presigner::from_config(&none, "docs").unwrap().base_url,
        "https://docs.s3.us-east-1.amazonaws.com"
    );
}

#[tokio::test]
async fn keys_are_escaped_once_in_the_path() {
    let upload = blobs()
        .presign_upload("documents/a b/ü", &SPEC, NOW, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        upload
            .url
            .starts_with("https://dossier-docs.s3.us-east-1.amazonaws.com/documents/a%20b/%C3%BC?"),
        "{}",
        upload.url
    );
}
