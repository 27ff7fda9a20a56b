//! Who signs anchors: an asymmetric KMS key in AWS ([`KmsSigner`], feature `kms`), a local
//! P-256 key in the data folder otherwise ([`LocalSigner`]). Both sign ECDSA P-256 with
//! SHA-256 and return the DER signature, so one verifier checks either.

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

/// A signature could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignError(pub String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signing an anchor: {}", self.0)
    }
}

impl std::error::Error for SignError {}

/// Signs anchors with ECDSA P-256 / SHA-256.
pub trait AnchorSigner: Send + Sync {
    /// The key's id, as anchors name it.
    fn key_id(&self) -> &str;

    /// The DER signature of `message` (hashed with SHA-256 by the signer).
    fn sign(&self, message: &[u8]) -> impl Future<Output = Result<Vec<u8>, SignError>> + Send;
}

/// A P-256 key held in memory, kept in a PKCS#8 file readable by the owner only.
pub struct LocalSigner {
    key: EcdsaKeyPair,
    key_id: String,
}

impl fmt::Debug for LocalSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl LocalSigner {
    /// A new random key.
    pub fn generate() -> Result<Self, SignError> {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| SignError("cannot generate a P-256 key".into()))?;
        Self::from_key(key)
    }

    /// The key in the PKCS#8 file at `path`.
    pub fn open(path: &Path) -> Result<Self, SignError> {
        let pkcs8 =
            std::fs::read(path).map_err(|e| SignError(format!("{}: {e}", path.display())))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8)
            .map_err(|_| SignError(format!("{}: not a P-256 PKCS#8 key", path.display())))?;
        Self::from_key(key)
    }

    /// The key in the PKCS#8 file at `path`, created (owner-only, exclusively) with a new
    /// key if there is none.
    pub fn open_or_create(path: &Path) -> Result<Self, SignError> {
        let io = |error: std::io::Error| SignError(format!("{}: {error}", path.display()));
        match std::fs::metadata(path) {
            Ok(_) => Self::open(path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let signer = Self::generate()?;
                let pkcs8 = signer
                    .key
                    .to_pkcs8v1()
                    .map_err(|_| SignError("cannot encode the key".into()))?;
                if let Some(folder) = path.parent() {
                    crate::private::create_dir_all(folder).map_err(io)?;
                }
                crate::private::new_file()
                    .open(path)
                    .and_then(|mut file| file.write_all(pkcs8.as_ref()))
                    .map_err(io)?;
                Ok(signer)
            }
            Err(error) => Err(io(error)),
        }
    }

    fn from_key(key: EcdsaKeyPair) -> Result<Self, SignError> {
        let public = public_key_der(&key)?;
        let fingerprint = crate::model::sha256_hex(&public);
        Ok(Self {
            key,
            key_id: format!("local:{}", &fingerprint[..16]),
        })
    }

    /// The public key, as DER `SubjectPublicKeyInfo` (what KMS `GetPublicKey` returns).
    pub fn public_key(&self) -> Result<Vec<u8>, SignError> {
        public_key_der(&self.key)
    }
}

fn public_key_der(key: &EcdsaKeyPair) -> Result<Vec<u8>, SignError> {
    key.public_key()
        .as_der()
        .map(|der| der.as_ref().to_vec())
        .map_err(|_| SignError("cannot encode the public key".into()))
}

impl AnchorSigner for LocalSigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key
            .sign(&SystemRandom::new(), message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| SignError("ECDSA signing failed".into()))
    }
}

#[cfg(feature = "kms")]
pub use kms::KmsSigner;

#[cfg(feature = "kms")]
mod kms {
    use aws_sdk_kms::Client;
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};

    use super::{AnchorSigner, SignError};

    /// An asymmetric `ECC_NIST_P256` KMS key: the private key never leaves KMS, and only
    /// the anchoring function may use it (`kms:Sign`).
    #[derive(Clone, Debug)]
    pub struct KmsSigner {
        client: Client,
        key_id: String,
    }

    impl KmsSigner {
        /// Signs with key `key_id` (its ARN: anchors name the key they were signed with).
        pub fn new(client: Client, key_id: impl Into<String>) -> Self {
            Self {
                client,
                key_id: key_id.into(),
            }
        }

        /// The key's public key, DER `SubjectPublicKeyInfo` (needs `kms:GetPublicKey`).
        pub async fn public_key(client: &Client, key_id: &str) -> Result<Vec<u8>, SignError> {
            let output = client
                .get_public_key()
                .key_id(key_id)
                .send()
                .await
                .map_err(|e| {
                    SignError(format!("GetPublicKey {key_id}: {}", e.into_service_error()))
                })?;
            output
                .public_key
                .map(Blob::into_inner)
                .ok_or_else(|| SignError(format!("GetPublicKey {key_id}: no key returned")))
        }
    }

    impl AnchorSigner for KmsSigner {
        fn key_id(&self) -> &str {
            &self.key_id
        }

        async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
            // RAW: KMS hashes the message itself (it is far under the 4 KiB limit), so the
            // signature is the plain ECDSA-SHA256 one any verifier checks.
            let output = self
                .client
                .sign()
                .key_id(&self.key_id)
                .message(Blob::new(message))
                .message_type(MessageType::Raw)
                .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                .send()
                .await
                .map_err(|e| SignError(format!("KMS Sign: {}", e.into_service_error())))?;
            output
                .signature
                .map(Blob::into_inner)
                .ok_or_else(|| SignError("KMS Sign returned no signature".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_key_is_kept_owner_only_and_reopened_as_the_same_key() {
        let dir = std::env::temp_dir().join(format!("dossier-anchor-key-{}", std::process::id()));
        let path = dir.join("keys/anchor.p8");
        let first = LocalSigner::open_or_create(&path).unwrap();
        let again = LocalSigner::open_or_create(&path).unwrap();
        assert_eq!(first.key_id(), again.key_id());
        assert_eq!(first.public_key().unwrap(), again.public_key().unwrap());
        assert!(first.key_id().starts_with("local:"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let signature = again.sign(b"message").await.unwrap();
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
            first.public_key().unwrap(),
        )
        .verify(b"message", &signature)
        .unwrap();

        std::fs::write(&path, b"not a key").unwrap();
        assert!(LocalSigner::open_or_create(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
