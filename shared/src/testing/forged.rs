//! Forged and broken bearer tokens, shared by the verifier's unit tests and the suites
//! that send them through the local server and the Lambda binaries.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use super::tokens::{TestKeys, hs256, sign_with};

/// Forged and broken bearer tokens, each with what is wrong with it: every one must be
/// refused (401) by a verifier that trusts `keys`' JWKS and HS256 with `hs256_secret`, for
/// the issuer and audience of `claims` (valid claims with `iat`, which sets the clock).
/// Shared by the verifier's unit tests and the suites that send them through the local
/// server and the Lambda binaries.
pub fn forged_tokens(
    keys: &TestKeys,
    other: &TestKeys,
    hs256_secret: &[u8],
    claims: &Value,
) -> Vec<(&'static str, String)> {
    let now = claims["iat"].as_u64().expect("claims with iat");
    let with = |key: &str, value: Value| {
        let mut claims = claims.clone();
        claims[key] = value;
        claims
    };
    let good = keys.rs256("rsa-1", claims);
    let (head, signature) = good.rsplit_once('.').expect("a JWS");
    let (header, _) = head.split_once('.').expect("a JWS");
    let rsa_modulus = keys.jwks()["keys"][0]["n"]
        .as_str()
        .expect("an RSA key")
        .to_owned();
    let hmac = |secret: &[u8], input: &[u8]| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        hmac::sign(&key, input).as_ref().to_vec()
    };
    let without = |key: &str| {
        let mut claims = claims.clone();
        if let Some(object) = claims.as_object_mut() {
            object.remove(key);
        }
        claims
    };
    let forged_payload = B64.encode(with("agency", json!("harbour")).to_string());
    vec![
        ("unsigned", format!("{head}.")),
        (
            "alg none",
            sign_with(&json!({"alg": "none", "typ": "JWT"}), claims, |_| vec![]),
        ),
        (
            "alg none with a signature",
            sign_with(&json!({"alg": "none"}), claims, |_| vec![7; 32]),
        ),
        (
            "expired",
            keys.rs256("rsa-1", &with("exp", json!(now - 61))),
        ),
        (
            "not yet valid",
            keys.rs256("rsa-1", &with("nbf", json!(now + 3600))),
        ),
        (
            "expiry as a string",
            keys.rs256("rsa-1", &with("exp", json!((now + 3600).to_string()))),
        ),
        (
            "null expiry",
            keys.rs256("rsa-1", &with("exp", Value::Null)),
        ),
        (
            "wrong issuer",
            keys.rs256("rsa-1", &with("iss", json!("https://evil.example"))),
        ),
        (
            "wrong audience",
            keys.rs256("rsa-1", &with("aud", json!("another-app"))),
        ),
        ("signed by another key", other.rs256("rsa-1", claims)),
        ("unknown kid", keys.rs256("rotated-away", claims)),
        (
            "no kid",
            sign_with(&json!({"alg": "RS256"}), claims, |_| vec![1; 256]),
        ),
        (
            "HS256 with a wrong secret",
            sign_with(&json!({"alg": "HS256", "typ": "JWT"}), claims, |input| {
                hmac(b"not-the-secret-not-the-secret-not-the", input)
            }),
        ),
        // Alg confusion: HS256 keyed with the RSA public key that the JWKS publishes.
        (
            "HS256 keyed with the RSA public key",
            sign_with(&json!({"alg": "HS256", "kid": "rsa-1"}), claims, |input| {
                hmac(rsa_modulus.as_bytes(), input)
            }),
        ),
        // The JWKS key the kid names is of another type than the token's algorithm.
        ("ES256 on the RSA key's kid", keys.es256("rsa-1", claims)),
        ("RS256 on the EC key's kid", keys.rs256("ec-1", claims)),
        (
            "null agency",
            keys.rs256("rsa-1", &with("agency", Value::Null)),
        ),
        (
            "agency with key characters",
            keys.rs256("rsa-1", &with("agency", json!("parks#R#01"))),
        ),
        (
            "agency with injection",
            keys.rs256("rsa-1", &with("agency", json!("parks\" OR \"1\"=\"1"))),
        ),
        (
            "roles not an array",
            keys.rs256("rsa-1", &with("roles", json!("officer"))),
        ),
        ("null sub", keys.rs256("rsa-1", &with("sub", Value::Null))),
        ("no sub", keys.rs256("rsa-1", &without("sub"))),
        ("no agency", keys.rs256("rsa-1", &without("agency"))),
        ("no expiry", keys.rs256("rsa-1", &without("exp"))),
        ("no issuer", keys.rs256("rsa-1", &without("iss"))),
        ("no audience", keys.rs256("rsa-1", &without("aud"))),
        (
            "claims changed after signing",
            format!("{header}.{forged_payload}.{signature}"),
        ),
        ("truncated signature", good[..good.len() - 12].to_owned()),
        ("not a JWT", "not.a.jwt".to_owned()),
        (
            "oversized",
            format!("{good}{}", "A".repeat(crate::auth::MAX_TOKEN_BYTES)),
        ),
        (
            "HS256 valid but with a wrong audience",
            hs256(hs256_secret, &with("aud", json!("another-app"))),
        ),
    ]
}
