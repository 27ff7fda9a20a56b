//! What the presigned URLs bind, checked by recomputing their SigV4 signature as S3 does
//! (moto accepts any presigned URL, so this is where a loose signature would show).

use aws_lc_rs::{digest, hmac};
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW: Timestamp = Timestamp::from_millis(1_795_688_498_123);
/// SHA-256 of `%PDF-1.7` (not of the empty string, which is what an SDK hashing the empty
/// presign body instead of using the declared checksum would put there).
const SHA: &str = "hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs=";

fn blobs() -> S3Blobs {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDEXAMPLE", SECRET, None, None, "test"))
        .build();
    S3Blobs::new(Client::from_conf(config), "dossier-docs")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
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
    hex(&hmac(&key, &string_to_sign)) == signature && at >= signed_at && at < signed_at + expires
}

/// `url` with the last hex digit of its signature changed.
fn tampered_signature(url: &str) -> String {
    let (kept, last) = url.split_at(url.len() - 1);
    format!("{kept}{}", if last == "0" { "1" } else { "0" })
}

async fn upload() -> Presigned {
    let spec = UploadSpec {
        content_type: "application/pdf",
        size: 1234,
        sha256: SHA,
    };
    blobs()
        .presign_upload("documents/a/b/c", &spec, NOW, Duration::from_secs(900))
        .await
        .unwrap()
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
    };
    let download = blobs()
        .presign_download("documents/a/b/c", &spec, NOW, Duration::from_secs(300))
        .await
        .unwrap();
    let at = NOW.as_secs();
    assert_eq!(download.method, "GET");
    assert!(download.headers.is_empty(), "a plain GET: {download:#?}");
    assert!(
        download
            .url
            .contains("response-content-disposition=attachment")
    );
    assert!(s3_accepts("GET", &download.url, &[], at));
    assert!(!s3_accepts("GET", &download.url, &[], at + 300));
    let other_name = download.url.replace("a.pdf", "b.exe");
    assert!(!s3_accepts("GET", &other_name, &[], at));
}
