//! The development sign-in, `POST /_dev/sign-in`: a token for the `sub`, agency and roles
//! the portal's form names, signed with the local HS256 secret, as `dossier-local token`
//! mints. It exists only while that secret is in use: once tokens come from an identity
//! provider (a JWKS), there is no such route and the path is a plain 404.

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
