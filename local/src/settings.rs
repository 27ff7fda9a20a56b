//! Local configuration. Every variable the functions read is honoured as it is; local
//! defaults only fill what is unset: a development issuer and audience, and HS256 and
//! cursor secrets generated on first start and kept in the data folder.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use shared::config::{Config, ConfigError, NoticesConfig};

/// Issuer of locally minted tokens (unless `JWT_ISSUER` says otherwise).
pub const LOCAL_ISSUER: &str = "https://dossier.local";
/// Audience of locally minted tokens (unless `JWT_AUDIENCE` says otherwise).
pub const LOCAL_AUDIENCE: &str = "dossier";
/// Default data folder (`--data`, `DOSSIER_DATA`).
pub const DEFAULT_DATA_DIR: &str = ".dossier";

/// The local secret under `data`, created (readable by the owner only) on first use.
pub fn local_secret(data: &Path) -> std::io::Result<String> {
    let path = data.join("local-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 32 => return Ok(secret.trim().to_owned()),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    shared::private::create_dir_all(data)?;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| std::io::Error::other("no randomness"))?;
    let secret = hex::encode(bytes);
    // A secret too short to use is replaced: removed first, as the new one is created
    // exclusively (never through whatever the path holds).
    let _ = std::fs::remove_file(&path);
    shared::private::new_file()
        .open(&path)?
        .write_all(secret.as_bytes())?;
    Ok(secret)
}

/// The defaults the local server fills in for unset variables.
pub fn local_defaults(secret: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("TABLE_NAME", "dossier-local".to_owned()),
        ("JWT_ISSUER", LOCAL_ISSUER.to_owned()),
        ("JWT_AUDIENCE", LOCAL_AUDIENCE.to_owned()),
        ("JWT_HS256_SECRET", secret.to_owned()),
        (
            "CURSOR_SECRET",
            shared::model::sha256_hex(format!("cursor:{secret}").as_bytes()),
        ),
    ])
}

/// The configuration: `lookup` (the environment) first, `defaults` for what it lacks.
pub fn config(
    lookup: impl Fn(&str) -> Option<String>,
    defaults: &HashMap<&'static str, String>,
) -> Result<Config, ConfigError> {
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
    // Tokens from an identity provider (its keys are set): the local secret would be a
    // second way in, which the configuration rightly refuses, so it is not filled in.
    let provider = set("JWT_JWKS_URL").is_some() || set("JWT_JWKS").is_some();
    Config::from_lookup(|name| {
        set(name).or_else(|| {
            (!(provider && name == "JWT_HS256_SECRET"))
                .then(|| defaults.get(name).cloned())
                .flatten()
        })
    })
}

/// The notices' settings from `lookup`; unset, they come from a local sender and link to
/// the portal at `portal` (this server).
pub fn notices_config(
    lookup: impl Fn(&str) -> Option<String>,
    portal: &str,
) -> Result<NoticesConfig, ConfigError> {
    NoticesConfig::from_lookup(|name| {
        lookup(name)
            .filter(|v| !v.is_empty())
            .or_else(|| match name {
                "NOTICE_SENDER" => Some(LOCAL_SENDER.to_owned()),
                "PORTAL_URL" => Some(portal.to_owned()),
                _ => None,
            })
    })
}

/// Who local notices are from, unless `NOTICE_SENDER` says.
pub const LOCAL_SENDER: &str = "records@dossier.localhost";

/// `MAX_DOCUMENT_BYTES` from `lookup`, or the functions' default. (`BUCKET_NAME` has no
/// local meaning: documents live in the data folder.)
pub fn max_document_bytes(lookup: impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
    shared::config::DocumentsConfig::from_lookup(|name| match name {
        "BUCKET_NAME" => Some("local".to_owned()),
        other => lookup(other),
    })
    .map(|documents| documents.max_document_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_and_defaults_fill_the_rest() {
        let defaults = local_defaults("0123456789abcdef0123456789abcdef");
        let env = HashMap::from([("JWT_ISSUER", "https://idp.example"), ("TABLE_NAME", "")]);
        let config = config(|name| env.get(name).map(|v| v.to_string()), &defaults).unwrap();
        assert_eq!(config.jwt_issuer, "https://idp.example");
        assert_eq!(config.jwt_audience, LOCAL_AUDIENCE);
        assert_eq!(config.table_name, "dossier-local");
        assert_eq!(
            config.jwt_hs256_secret.as_deref(),
            Some(b"0123456789abcdef0123456789abcdef".as_slice())
        );
    }

    #[test]
    fn with_a_provider_s_keys_the_local_secret_is_not_filled_in() {
        let defaults = local_defaults("secret");
        let env = HashMap::from([("JWT_JWKS_URL", "https://idp.example.gov/jwks.json")]);
        let config = config(|name| env.get(name).map(|v| v.to_string()), &defaults).unwrap();
        assert!(config.jwt_hs256_secret.is_none());
        assert!(matches!(config.jwt_keys, shared::config::JwtKeys::Url(_)));
    }

    #[test]
    fn the_secret_is_created_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("dossier-secret-{}", std::process::id()));
        let first = local_secret(&dir).unwrap();
        assert_eq!(local_secret(&dir).unwrap(), first);
        assert_eq!(first.len(), 64);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
