//! Who is calling, and what they may do: bearer-token verification and the role model.
//!
//! API Gateway's JWT authorizer checks tokens too; the handlers check them again
//! (defense in depth), so a misconfigured route or a direct invoke cannot skip auth.

mod jwks;

use std::fmt;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

pub use jwks::{KeySet, KeySource};

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::model::{AgencyId, Classification, Record};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 60;
/// Longest token accepted; anything longer is refused before it is parsed.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A role, from the token's `roles` (or Cognito's `cognito:groups`) claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Reads records.
    Reader,
    /// Reads, creates and edits records.
    Clerk,
    /// Everything a clerk does, plus publish, archive, legal hold, delete; sees confidential.
    Officer,
    /// Reads records and history, sees confidential; never writes.
    Auditor,
}

impl Role {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "reader" => Some(Self::Reader),
            "clerk" => Some(Self::Clerk),
            "officer" => Some(Self::Officer),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }

    fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Reader => matches!(permission, Read),
            Self::Clerk => matches!(permission, Read | Edit),
            Self::Officer => true,
            Self::Auditor => matches!(permission, Read | ReadHistory | SeeConfidential),
        }
    }
}

/// Something a caller may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read and list records.
    Read,
    /// Create records and edit their content.
    Edit,
    /// Publish, archive, set legal hold, delete.
    Manage,
    /// Read a record's audit history.
    ReadHistory,
    /// See confidential records.
    SeeConfidential,
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Self::Read => "read records",
            Self::Edit => "create or edit records",
            Self::Manage => "publish, archive, hold or delete records",
            Self::ReadHistory => "read audit history",
            Self::SeeConfidential => "handle confidential records",
        }
    }
}

/// A verified caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`.
    pub sub: String,
    /// The caller's agency; every query is scoped by it.
    pub agency: AgencyId,
    /// Recognised roles (unknown role names are ignored).
    pub roles: Vec<Role>,
}

impl Caller {
    /// Whether any of the caller's roles grants `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.roles.iter().any(|role| role.grants(permission))
    }

    /// `Ok` if the caller may do this, else a 403.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "Your roles do not allow you to {}.",
                permission.describe()
            )))
        }
    }

    /// Whether the caller may know `record` exists: same agency, and not confidential
    /// unless the caller may see confidential records.
    pub fn can_see(&self, record: &Record) -> bool {
        record.agency == self.agency
            && (record.classification != Classification::Confidential
                || self.can(Permission::SeeConfidential))
    }
}

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a well-formed JWT, or larger than [`MAX_TOKEN_BYTES`].
    Malformed(String),
    /// `alg` is not one this deployment accepts (never `none`).
    AlgorithmNotAllowed(String),
    /// No key with the token's `kid` (or the key is for another algorithm).
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not ours.
    WrongIssuer,
    /// `aud` does not contain ours.
    WrongAudience,
    /// A claim is missing or malformed.
    BadClaims(String),
    /// The signing keys could not be fetched: our problem, not the caller's.
    KeysUnavailable(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("no bearer token"),
            Self::Malformed(why) => write!(f, "malformed token: {why}"),
            Self::AlgorithmNotAllowed(alg) => write!(f, "algorithm {alg} not allowed"),
            Self::UnknownKey => f.write_str("no matching signing key"),
            Self::BadSignature => f.write_str("bad signature"),
            Self::Expired => f.write_str("token expired"),
            Self::NotYetValid => f.write_str("token not yet valid"),
            Self::WrongIssuer => f.write_str("wrong issuer"),
            Self::WrongAudience => f.write_str("wrong audience"),
            Self::BadClaims(why) => write!(f, "bad claims: {why}"),
            Self::KeysUnavailable(why) => write!(f, "signing keys unavailable: {why}"),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::KeysUnavailable(_) => ApiError::Internal(error.to_string()),
            other => ApiError::Unauthorized(other.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    nbf: Option<u64>,
    agency: Option<String>,
    roles: Option<Vec<String>>,
    #[serde(rename = "cognito:groups")]
    groups: Option<Vec<String>>,
}

/// Verifies bearer tokens: signature, algorithm, issuer, audience, lifetime, claims.
pub struct Verifier {
    issuer: String,
    audience: String,
    keys: KeySource,
    hs256: Option<DecodingKey>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("hs256", &self.hs256.is_some())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for tokens from `issuer` for `audience`, with RS256/ES256 keys from
    /// `keys` and, for local use only, an HS256 shared secret.
    pub fn new(issuer: &str, audience: &str, keys: KeySource, hs256_secret: Option<&[u8]>) -> Self {
        Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys,
            hs256: hs256_secret.map(DecodingKey::from_secret),
        }
    }

    /// Verifies the value of an `Authorization` header.
    pub async fn verify_header(
        &self,
        header: Option<&str>,
        now: Timestamp,
    ) -> Result<Caller, AuthError> {
        let token = header
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(AuthError::Missing)?;
        self.verify(token, now).await
    }

    /// Verifies a compact JWT.
    pub async fn verify(&self, token: &str, now: Timestamp) -> Result<Caller, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("token too large".into()));
        }
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
        let key = match header.alg {
            Algorithm::HS256 => self
                .hs256
                .clone()
                .ok_or_else(|| AuthError::AlgorithmNotAllowed("HS256".into()))?,
            Algorithm::RS256 | Algorithm::ES256 => {
                let kid = header.kid.as_deref().ok_or(AuthError::UnknownKey)?;
                self.keys.find(kid, header.alg, now).await?
            }
            other => return Err(AuthError::AlgorithmNotAllowed(format!("{other:?}"))),
        };

        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Lifetime is checked below against the injected clock, so tests can fix time.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|error| match error.kind() {
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                ErrorKind::InvalidAudience => AuthError::WrongAudience,
                ErrorKind::MissingRequiredClaim(claim) => {
                    AuthError::BadClaims(format!("{claim} missing"))
                }
                ErrorKind::Json(e) => AuthError::BadClaims(e.to_string()),
                _ => AuthError::Malformed(error.to_string()),
            })?
            .claims;

        let now_secs = u64::try_from(now.as_secs()).unwrap_or(0);
        if claims.exp.saturating_add(LEEWAY_SECS) < now_secs {
            return Err(AuthError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now_secs.saturating_add(LEEWAY_SECS))
        {
            return Err(AuthError::NotYetValid);
        }
        if claims.sub.is_empty()
            || claims.sub.len() > 256
            || claims.sub.chars().any(char::is_control)
        {
            return Err(AuthError::BadClaims("sub".into()));
        }
        let agency = claims
            .agency
            .as_deref()
            .and_then(AgencyId::parse)
            .ok_or_else(|| AuthError::BadClaims("agency missing or malformed".into()))?;
        let roles = claims
            .roles
            .iter()
            .chain(claims.groups.iter())
            .flatten()
            .filter_map(|name| Role::parse(name))
            .collect();
        Ok(Caller {
            sub: claims.sub,
            agency,
            roles,
        })
    }
}

/// An HS256 token for `claims`, signed with `secret`. For local development and tests
/// only: deployed functions never mint tokens, and accept HS256 only when
/// `JWT_HS256_SECRET` is set.
pub fn mint_hs256(secret: &[u8], claims: &serde_json::Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let input = format!(
        "{}.{}",
        B64.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let signature = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", B64.encode(signature.as_ref()))
}

#[cfg(test)]
mod tests;
