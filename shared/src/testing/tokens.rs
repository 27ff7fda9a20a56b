//! Tokens for tests: claims, HS256 with the tests' secret, RS256 and ES256 with freshly
//! generated keys and their JWKS.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::clock::Timestamp;

/// Issuer the tests' tokens carry.
pub const ISSUER: &str = "https://issuer.test";
/// Audience the tests' tokens carry.
pub const AUDIENCE: &str = "dossier";
/// HS256 secret the tests configure.
pub const HS256_SECRET: &[u8] = b"test-only-secret-0123456789abcdef0123456789";

/// Claims for `sub` in `agency` with `roles`, valid for a week from `now` (tests move
/// their clocks by days).
pub fn claims(sub: &str, agency: &str, roles: &[&str], now: Timestamp) -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "agency": agency, "roles": roles,
        "iat": now.as_secs(), "exp": now.as_secs() + 7 * 86_400,
    })
}

/// A compact JWS with the given header and claims, signed by `sign`.
pub fn sign_with(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature))
}

/// An HS256 token.
pub fn hs256(secret: &[u8], claims: &Value) -> String {
    crate::auth::mint_hs256(secret, claims)
}

/// An HS256 token for `sub` in `agency` with `roles`, signed with [`HS256_SECRET`].
pub fn token(sub: &str, agency: &str, roles: &[&str], now: Timestamp) -> String {
    hs256(HS256_SECRET, &claims(sub, agency, roles, now))
}

/// A freshly generated RSA and P-256 key pair, with their JWKS.
pub struct TestKeys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::generate()
    }
}

impl TestKeys {
    /// Generates both key pairs.
    pub fn generate() -> Self {
        Self {
            rsa: RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .expect("RSA key generation"),
            ec: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .expect("EC key generation"),
        }
    }

    /// The JWKS publishing both public keys, as `rsa-1` and `ec-1`.
    pub fn jwks(&self) -> Value {
        let public = self.rsa.public_key();
        let point = self.ec.public_key().as_ref();
        json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
             "e": B64.encode(public.exponent().big_endian_without_leading_zero())},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
             "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])},
        ]})
    }

    /// An RS256 token signed by the RSA key, with `kid` in its header.
    pub fn rs256(&self, kid: &str, claims: &Value) -> String {
        sign_with(
            &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
            claims,
            |input| {
                let mut signature = vec![0; self.rsa.public_modulus_len()];
                self.rsa
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        input,
                        &mut signature,
                    )
                    .expect("RSA signing");
                signature
            },
        )
    }

    /// An ES256 token signed by the P-256 key, with `kid` in its header.
    pub fn es256(&self, kid: &str, claims: &Value) -> String {
        sign_with(
            &json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
            claims,
            |input| {
                self.ec
                    .sign(&SystemRandom::new(), input)
                    .expect("EC signing")
                    .as_ref()
                    .to_vec()
            },
        )
    }
}
