use serde_json::{Value, json};

use super::*;
use crate::testing::{self, AUDIENCE, HS256_SECRET, ISSUER, TestKeys};

const NOW: Timestamp = Timestamp::from_millis(1_795_688_498_000);

fn verifier(keys: &TestKeys, hs256: bool) -> Verifier {
    let set = KeySet::parse(&keys.jwks().to_string()).unwrap();
    Verifier::new(
        ISSUER,
        AUDIENCE,
        KeySource::Static(set),
        hs256.then_some(HS256_SECRET),
    )
}

fn claims() -> Value {
    testing::claims("alice", "parks", &["clerk", "unknown-role"], NOW)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

async fn check(verifier: &Verifier, token: &str) -> Result<Caller, AuthError> {
    verifier
        .verify_header(Some(&format!("Bearer {token}")), NOW)
        .await
}

#[tokio::test]
async fn accepts_rs256_es256_and_hs256_when_configured() {
    let keys = TestKeys::generate();
    let verifier = verifier(&keys, true);
    for token in [
        keys.rs256("rsa-1", &claims()),
        keys.es256("ec-1", &claims()),
        testing::hs256(HS256_SECRET, &claims()),
    ] {
        let caller = check(&verifier, &token).await.unwrap();
        assert_eq!(caller.sub, "alice");
        assert_eq!(caller.agency.as_str(), "parks");
        assert_eq!(caller.roles, [Role::Clerk]);
    }
}

#[tokio::test]
async fn accepts_cognito_groups_and_an_audience_list() {
    let keys = TestKeys::generate();
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove("roles");
    claims["cognito:groups"] = json!(["auditor"]);
    claims["aud"] = json!(["other", AUDIENCE]);
    let caller = check(&verifier(&keys, false), &keys.rs256("rsa-1", &claims))
        .await
        .unwrap();
    assert_eq!(caller.roles, [Role::Auditor]);
}

#[tokio::test]
async fn refuses_every_broken_token() {
    let keys = TestKeys::generate();
    let other = TestKeys::generate();
    let verifier = verifier(&keys, false);
    let hs_verifier = self::verifier(&keys, true);
    let good = keys.rs256("rsa-1", &claims());
    let (head, _) = good.rsplit_once('.').unwrap();
    let rsa_jwk_n = keys.jwks()["keys"][0]["n"].as_str().unwrap().to_owned();
    let cases: Vec<(&str, &Verifier, String)> = vec![
        ("unsigned", &verifier, format!("{head}.")),
        (
            "alg none",
            &verifier,
            testing::sign_with(&json!({"alg": "none"}), &claims(), |_| vec![]),
        ),
        (
            "expired",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "exp", json!(NOW.as_secs() - 61))),
        ),
        (
            "not yet valid",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "nbf", json!(NOW.as_secs() + 61))),
        ),
        (
            "wrong issuer",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "iss", json!("https://evil"))),
        ),
        (
            "wrong audience",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "aud", json!("other"))),
        ),
        ("wrong key", &verifier, other.rs256("rsa-1", &claims())),
        ("unknown kid", &verifier, keys.rs256("nope", &claims())),
        (
            "no kid",
            &verifier,
            testing::sign_with(&json!({"alg": "RS256"}), &claims(), |_| vec![1; 256]),
        ),
        (
            "HS256 not configured",
            &verifier,
            testing::hs256(HS256_SECRET, &claims()),
        ),
        // Alg confusion: HS256 signed with the RSA public key's bytes as the secret.
        (
            "HS256 with the RSA key",
            &verifier,
            testing::sign_with(
                &json!({"alg": "HS256", "kid": "rsa-1"}),
                &claims(),
                |input| {
                    let key = aws_lc_rs::hmac::Key::new(
                        aws_lc_rs::hmac::HMAC_SHA256,
                        rsa_jwk_n.as_bytes(),
                    );
                    aws_lc_rs::hmac::sign(&key, input).as_ref().to_vec()
                },
            ),
        ),
        (
            "ES256 header on the RSA kid",
            &verifier,
            keys.es256("rsa-1", &claims()),
        ),
        (
            "HS256 wrong secret",
            &hs_verifier,
            testing::hs256(b"another-secret-another-secret-xx", &claims()),
        ),
        (
            "missing agency",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "agency", Value::Null)),
        ),
        (
            "agency with injection",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "agency", json!("parks#REC"))),
        ),
        (
            "roles not an array",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "roles", json!("officer"))),
        ),
        (
            "missing sub",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "sub", Value::Null)),
        ),
        (
            "missing exp",
            &verifier,
            keys.rs256("rsa-1", &with(claims(), "exp", Value::Null)),
        ),
        (
            "truncated signature",
            &verifier,
            good[..good.len() - 10].to_owned(),
        ),
        ("garbage", &verifier, "not.a.jwt".to_owned()),
        (
            "oversized",
            &verifier,
            format!("{good}{}", "A".repeat(MAX_TOKEN_BYTES)),
        ),
    ];
    for (name, verifier, token) in cases {
        let result = check(verifier, &token).await;
        assert!(result.is_err(), "{name} was accepted");
        assert!(
            !matches!(result, Err(AuthError::KeysUnavailable(_))),
            "{name}"
        );
    }
}

#[tokio::test]
async fn refuses_the_shared_forgeries_and_accepts_their_source() {
    let keys = TestKeys::generate();
    let verifier = verifier(&keys, true);
    let claims = claims();
    assert!(
        check(&verifier, &keys.rs256("rsa-1", &claims))
            .await
            .is_ok()
    );
    let forged = testing::forged_tokens(&keys, &TestKeys::generate(), HS256_SECRET, &claims);
    assert!(forged.len() >= 20);
    for (name, token) in forged {
        let result = check(&verifier, &token).await;
        assert!(result.is_err(), "{name} was accepted");
        assert!(
            !matches!(result, Err(AuthError::KeysUnavailable(_))),
            "{name}"
        );
    }
}

#[tokio::test]
async fn leeway_is_sixty_seconds() {
    let keys = TestKeys::generate();
    let verifier = verifier(&keys, false);
    let just_expired = keys.rs256("rsa-1", &with(claims(), "exp", json!(NOW.as_secs() - 59)));
    assert!(check(&verifier, &just_expired).await.is_ok());
}

#[tokio::test]
async fn header_must_be_bearer() {
    let verifier = verifier(&TestKeys::generate(), true);
    let token = testing::hs256(HS256_SECRET, &claims());
    for header in [
        None,
        Some("Basic abc".to_owned()),
        Some("Bearer ".to_owned()),
        Some(token.clone()),
    ] {
        assert_eq!(
            verifier.verify_header(header.as_deref(), NOW).await,
            Err(AuthError::Missing)
        );
    }
    assert!(
        verifier
            .verify_header(Some(&format!("bearer {token}")), NOW)
            .await
            .is_ok()
    );
}

#[test]
fn jwks_skips_unusable_keys() {
    let keys = TestKeys::generate();
    let mut jwks = keys.jwks();
    let n = jwks["keys"][0]["n"].clone();
    jwks["keys"].as_array_mut().unwrap().extend([
        json!({"kty": "oct", "kid": "sym", "k": "c2VjcmV0"}),
        json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"}),
        json!({"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
        json!({"kty": "RSA", "n": n, "e": "AQAB"}),
        json!("not a key"),
    ]);
    assert_eq!(KeySet::parse(&jwks.to_string()).unwrap().len(), 2);
    assert!(KeySet::parse(r#"{"keys": [{"kty": "oct", "kid": "a", "k": "eA"}]}"#).is_err());
    assert!(KeySet::parse("[]").is_err());
}

#[test]
fn roles_grant_what_the_model_says() {
    let caller = |roles: &[Role]| Caller {
        sub: "s".into(),
        agency: AgencyId::parse("parks").unwrap(),
        roles: roles.to_vec(),
    };
    use Permission::*;
    let reader = caller(&[Role::Reader]);
    assert!(
        reader.can(Read)
            && !reader.can(Edit)
            && !reader.can(ReadHistory)
            && !reader.can(SeeConfidential)
    );
    let clerk = caller(&[Role::Clerk]);
    assert!(clerk.can(Edit) && !clerk.can(Manage) && !clerk.can(SeeConfidential));
    let auditor = caller(&[Role::Auditor]);
    assert!(auditor.can(ReadHistory) && auditor.can(SeeConfidential) && !auditor.can(Edit));
    assert!(caller(&[Role::Officer]).can(Manage));
    assert!(caller(&[]).require(Read).is_err());
}

mod remote {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A one-route HTTP server serving `body` as the JWKS, counting fetches.
    async fn serve(body: String) -> (http::Uri, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                counter.fetch_add(1, Ordering::SeqCst);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        (url, fetches)
    }

    #[tokio::test]
    async fn fetches_lazily_caches_and_refetches_at_most_once_a_minute() {
        let keys = TestKeys::generate();
        let (url, fetches) = serve(keys.jwks().to_string()).await;
        let verifier = Verifier::new(ISSUER, AUDIENCE, KeySource::remote(url), None);
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            0,
            "nothing is fetched before the first request"
        );

        let token = keys.rs256("rsa-1", &claims());
        verifier.verify(&token, NOW).await.unwrap();
        verifier.verify(&token, NOW).await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let unknown = keys.rs256("rotated", &claims());
        assert_eq!(
            verifier.verify(&unknown, NOW.plus_millis(30_000)).await,
            Err(AuthError::UnknownKey)
        );
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "no refetch within a minute"
        );
        assert_eq!(
            verifier.verify(&unknown, NOW.plus_millis(61_000)).await,
            Err(AuthError::UnknownKey)
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn unreachable_jwks_is_our_failure_not_the_callers() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        drop(listener);
        let verifier = Verifier::new(ISSUER, AUDIENCE, KeySource::remote(url), None);
        let token = TestKeys::generate().rs256("rsa-1", &claims());
        assert!(matches!(
            verifier.verify(&token, NOW).await,
            Err(AuthError::KeysUnavailable(_))
        ));
    }
}
