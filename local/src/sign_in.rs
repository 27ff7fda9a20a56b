//! How staff sign in to the portal this server serves, as `GET /sign-in.json` tells it:
//! - a development form, `POST /_dev/sign-in`: a token for the `sub`, agency and roles the
//!   form names, signed with the local HS256 secret, as `dossier-local token` mints. It
//!   exists only while that secret is in use: once tokens come from an identity provider
//!   (a JWKS), there is no such route and the path is a plain 404;
//! - or an identity provider's authorization code flow with PKCE (`OIDC_AUTHORIZATION_URL`
//!   and `OIDC_TOKEN_URL`, the client id being `JWT_AUDIENCE`), as the portal does in AWS.

use serde::Deserialize;
use serde_json::{Value, json};
use shared::config::{Config, JwtKeys};
use shared::error::ApiError;
use shared::model::AgencyId;

/// Where the portal's development sign-in form posts.
pub const SIGN_IN_PATH: &str = "/_dev/sign-in";
/// How long a development session lasts.
const SESSION_SECONDS: i64 = 8 * 3600;
/// The roles a token may carry.
const ROLES: [&str; 4] = ["reader", "clerk", "officer", "auditor"];

/// Where the portal reads how to sign in.
pub const SETTINGS_PATH: &str = "/sign-in.json";

/// How staff sign in.
pub enum SignIn {
    /// The development form, while the local secret signs tokens.
    Development(DevSignIn),
    /// An identity provider, by authorization code with PKCE.
    Provider(Provider),
    /// Neither: tokens come from elsewhere (`dossier-local token`, the provider's tools).
    Unavailable,
}

/// An identity provider's endpoints, and the portal's client id there.
pub struct Provider {
    authorization_url: String,
    token_url: String,
    client_id: String,
}

impl SignIn {
    /// The sign-in of a server configured by `config` and the variables `lookup` gives.
    pub fn from_settings(
        config: &Config,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let read = |name: &str| lookup(name).filter(|value| !value.is_empty());
        match (read("OIDC_AUTHORIZATION_URL"), read("OIDC_TOKEN_URL")) {
            (None, None) => {
                Ok(DevSignIn::from_config(config).map_or(Self::Unavailable, Self::Development))
            }
            (Some(authorization_url), Some(token_url)) => {
                if matches!(config.jwt_keys, JwtKeys::None) {
                    return Err("OIDC_AUTHORIZATION_URL needs JWT_JWKS_URL or JWT_JWKS: \
                        the provider's tokens are checked with its keys"
                        .into());
                }
                for (name, url) in [
                    ("OIDC_AUTHORIZATION_URL", &authorization_url),
                    ("OIDC_TOKEN_URL", &token_url),
                ] {
                    check_url(url).map_err(|why| format!("{name}: {why}"))?;
                }
                Ok(Self::Provider(Provider {
                    authorization_url,
                    token_url,
                    client_id: config.jwt_audience.clone(),
                }))
            }
            _ => Err("OIDC_AUTHORIZATION_URL and OIDC_TOKEN_URL go together".into()),
        }
    }

    /// What `GET /sign-in.json` tells the portal (in AWS, `scripts/publish-web.py` writes
    /// the same file).
    pub fn portal_settings(&self) -> Value {
        match self {
            Self::Development(_) => json!({"development": true}),
            Self::Provider(provider) => json!({
                "authorization_url": provider.authorization_url,
                "token_url": provider.token_url,
                "client_id": provider.client_id,
                "scope": "openid",
            }),
            Self::Unavailable => json!({}),
        }
    }

    /// The development sign-in, if that is how staff sign in.
    pub fn development(&self) -> Option<&DevSignIn> {
        match self {
            Self::Development(form) => Some(form),
            _ => None,
        }
    }

    /// The token endpoint the portal calls, which its Content-Security-Policy must allow.
    pub fn token_url(&self) -> Option<&str> {
        match self {
            Self::Provider(provider) => Some(&provider.token_url),
            _ => None,
        }
    }
}

/// An endpoint the browser is sent to or calls: HTTPS (plain HTTP on loopback only, for
/// tests), and nothing that could end a Content-Security-Policy source (`;`, `,`, spaces,
/// quotes).
fn check_url(url: &str) -> Result<(), &'static str> {
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
    if !url.starts_with("https://") && !loopback.iter().any(|start| url.starts_with(start)) {
        return Err("must be an https:// URL (http:// on loopback only)");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?=&%[]".contains(c);
    if !url.chars().all(allowed) {
        return Err("has characters no endpoint URL needs");
    }
    Ok(())
}

/// What a development token is signed and addressed with.
pub struct DevSignIn {
    secret: Vec<u8>,
    issuer: String,
    audience: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    sub: String,
    agency: String,
    roles: Vec<String>,
}

impl DevSignIn {
    /// The sign-in of a server configured by `config`: only with the local secret alone.
    pub fn from_config(config: &Config) -> Option<Self> {
        let secret = config.jwt_hs256_secret.clone()?;
        matches!(config.jwt_keys, JwtKeys::None).then(|| Self {
            secret,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        })
    }

    /// `{token, expires_at}` for the form in `body`, at `now` (seconds); a 400 naming what
    /// is wrong with it otherwise.
    pub fn answer(&self, body: &[u8], now: i64) -> Result<Value, ApiError> {
        let form: Form = serde_json::from_slice(body)
            .map_err(|error| ApiError::invalid("body", error.to_string()))?;
        let sub_ok = |c: char| c.is_ascii_alphanumeric() || "-_.@".contains(c);
        if form.sub.is_empty() || form.sub.len() > 64 || !form.sub.chars().all(sub_ok) {
            return Err(ApiError::invalid(
                "sub",
                "must be 1 to 64 letters, digits, '-', '_', '.' or '@'",
            ));
        }
        let agency = AgencyId::parse(&form.agency)
            .ok_or_else(|| ApiError::invalid("agency", "is not an agency id"))?;
        if form.roles.is_empty() || !form.roles.iter().all(|r| ROLES.contains(&r.as_str())) {
            return Err(ApiError::invalid(
                "roles",
                format!("must name one or more of {}", ROLES.join(", ")),
            ));
        }
        let expires_at = now + SESSION_SECONDS;
        let claims = json!({"iss": self.issuer, "aud": self.audience, "sub": form.sub,
            "agency": agency.as_str(), "roles": form.roles, "iat": now, "exp": expires_at});
        let token = shared::auth::mint_hs256(&self.secret, &claims);
        Ok(json!({"token": token, "expires_at": expires_at}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(settings: &[(&str, &str)]) -> Config {
        Config::from_lookup(|name| {
            settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .unwrap()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BASE: [(&str, &str); 4] = [
        ("TABLE_NAME", "t"),
        ("JWT_ISSUER", "https://dossier.local"),
        ("JWT_AUDIENCE", "dossier"),
        ("CURSOR_SECRET", SECRET),
    ];

    #[test]
    fn exists_only_with_the_local_secret() {
        let mut local = BASE.to_vec();
        local.push(("JWT_HS256_SECRET", SECRET));
        assert!(DevSignIn::from_config(&config(&local)).is_some());
        let mut provider = BASE.to_vec();
        provider.push((
            "JWT_JWKS_URL",
            "https://idp.example.gov/.well-known/jwks.json",
        ));
        assert!(DevSignIn::from_config(&config(&provider)).is_none());
    }

    #[test]
    fn a_provider_needs_both_endpoints_safe_urls_and_its_keys() {
        let mut with_keys = BASE.to_vec();
        with_keys.push((
            "JWT_JWKS_URL",
            "https://idp.example.gov/.well-known/jwks.json",
        ));
        const PROVIDER: [(&str, &str); 2] = [
            (
                "OIDC_AUTHORIZATION_URL",
                "https://idp.example.gov/authorize",
            ),
            ("OIDC_TOKEN_URL", "https://idp.example.gov/token"),
        ];
        let lookup = |pairs: &[(&'static str, &'static str)]| {
            let pairs = pairs.to_vec();
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let sign_in = SignIn::from_settings(&config(&with_keys), lookup(&PROVIDER)).unwrap();
        assert_eq!(sign_in.token_url(), Some("https://idp.example.gov/token"));
        assert_eq!(sign_in.portal_settings()["client_id"], "dossier");
        assert!(sign_in.development().is_none());

        let mut local = BASE.to_vec();
        local.push(("JWT_HS256_SECRET", SECRET));
        // The local secret alone: the form, and no provider without the provider's keys.
        let form = SignIn::from_settings(&config(&local), lookup(&[])).unwrap();
        assert_eq!(form.portal_settings(), json!({"development": true}));
        assert!(SignIn::from_settings(&config(&local), lookup(&PROVIDER)).is_err());
        for bad in [
            &[(
                "OIDC_AUTHORIZATION_URL",
                "https://idp.example.gov/authorize",
            )][..],
            &[
                ("OIDC_AUTHORIZATION_URL", "http://idp.example.gov/authorize"),
                ("OIDC_TOKEN_URL", "https://idp.example.gov/token"),
            ],
            &[
                (
                    "OIDC_AUTHORIZATION_URL",
                    "https://idp.example.gov/authorize",
                ),
                (
                    "OIDC_TOKEN_URL",
                    "https://idp.example.gov/token; script-src *",
                ),
            ],
        ] {
            assert!(
                SignIn::from_settings(&config(&with_keys), lookup(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn signs_what_the_verifier_accepts_and_refuses_the_rest() {
        let mut local = BASE.to_vec();
        local.push(("JWT_HS256_SECRET", SECRET));
        let config = config(&local);
        let sign_in = DevSignIn::from_config(&config).unwrap();
        let now = shared::clock::Clock::system().now();
        let body = br#"{"sub": "olga", "agency": "parks", "roles": ["officer"]}"#;
        let answer = sign_in.answer(body, now.as_secs()).unwrap();
        let token = answer["token"].as_str().unwrap();
        let deps = shared::Deps::new(&config, (), shared::clock::Clock::system());
        let caller = deps.verifier.verify(token, now).await.unwrap();
        assert_eq!(
            (caller.sub.as_str(), caller.agency.as_str()),
            ("olga", "parks")
        );
        for bad in [
            r#"{"sub": "", "agency": "parks", "roles": ["clerk"]}"#,
            r#"{"sub": "a b", "agency": "parks", "roles": ["clerk"]}"#,
            r#"{"sub": "a", "agency": "Parks!", "roles": ["clerk"]}"#,
            r#"{"sub": "a", "agency": "parks", "roles": []}"#,
            r#"{"sub": "a", "agency": "parks", "roles": ["admin"]}"#,
            r#"{"sub": "a", "agency": "parks", "roles": ["clerk"], "exp": 1}"#,
            "not json",
        ] {
            assert!(sign_in.answer(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }
}
