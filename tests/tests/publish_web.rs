//! `scripts/publish-web.py`, as the CI workflow runs it after a deploy, against the moto
//! server: every file of the portal in the bucket with its type and `no-cache`, the
//! development files left out, `sign-in.json` naming the identity provider, and files no
//! longer in `web/` removed.

use std::process::Command;

use dossier_tests::{create_bucket, endpoint, s3, workspace_root};

fn publish(bucket: &str) -> String {
    let root = workspace_root();
    let output = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/publish-web.py"))
        .args(["--bucket", bucket])
        .args([
            "--authorization-url",
            "https://idp.example.gov/oauth2/authorize",
        ])
        .args(["--token-url", "https://idp.example.gov/oauth2/token"])
        .args(["--client-id", "portal-client"])
        .args(["--portal-url", "https://d111.cloudfront.net/"])
        .args(["--allowed-origins", "https://records.example.gov"])
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("running publish-web.py");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    text
}

#[tokio::test]
async fn the_portal_is_published_with_its_types_and_nothing_else() {
    let s3 = s3();
    let bucket = create_bucket(&s3).await;
    s3.put_object()
        .bucket(&bucket)
        .key("old-page.js")
        .body(b"stale".to_vec().into())
        .send()
        .await
        .unwrap();

    let said = publish(&bucket);
    // The portal's origin is not among the allowed ones: uploads would be refused.
    assert!(
        said.contains("::warning::https://d111.cloudfront.net is not in"),
        "{said}"
    );

    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|object| object.key().map(str::to_owned))
        .collect();
    for expected in [
        "index.html",
        "app.js",
        "staff.js",
        "app.css",
        "vendor/noble-hashes/sha2.js",
        "sign-in.json",
    ] {
        assert!(
            keys.iter().any(|key| key == expected),
            "{expected} missing: {keys:?}"
        );
    }
    for left_out in ["old-page.js", "package.json", "package-lock.json"] {
        assert!(
            !keys.iter().any(|key| key == left_out),
            "{left_out} published"
        );
    }
    assert!(!keys.iter().any(|key| key.starts_with("node_modules/")));

    for (key, content_type) in [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("sign-in.json", "application/json"),
    ] {
        let object = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(object.content_type(), Some(content_type), "{key}");
        assert_eq!(object.cache_control(), Some("no-cache"), "{key}");
        if key == "index.html" {
            let bytes = object.body.collect().await.unwrap().into_bytes();
            let ours = std::fs::read(workspace_root().join("web/index.html")).unwrap();
            assert_eq!(bytes.as_ref(), ours.as_slice());
        }
    }
    let settings = s3
        .get_object()
        .bucket(&bucket)
        .key("sign-in.json")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    let settings: serde_json::Value = serde_json::from_slice(&settings).unwrap();
    assert_eq!(
        settings,
        serde_json::json!({
            "authorization_url": "https://idp.example.gov/oauth2/authorize",
            "token_url": "https://idp.example.gov/oauth2/token",
            "client_id": "portal-client",
            "scope": "openid",
        })
    );
}
