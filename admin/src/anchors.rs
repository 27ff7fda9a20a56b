//! The latest anchor of an agency, fetched and checked before any chain is held to it: its
//! signature (with the public key the operator names, never one the anchor names itself),
//! and its heads against its root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use shared::anchor::archive::{AnchorArchive, Archived};
use shared::anchor::signer::{KmsSigner, LocalSigner};
use shared::anchor::{AnchorProblem, merkle};
use shared::clock::Timestamp;
use shared::model::{AgencyId, ChainHead, RecordId};

use crate::Failure;

/// How long a record may predate an anchor and still be missing from it: the heads are read
/// from an index that lags the table by (far less than) this.
pub const ANCHOR_SLACK_MS: i64 = 5 * 60 * 1000;

/// The anchor options of `verify-chain`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AnchorArgs {
    /// Also hold every chain to the agency's latest anchor: each anchored head must still
    /// be in its record's history, and each record older than the anchor in it.
    #[arg(long)]
    pub anchors: bool,
    /// The anchors bucket (the stack's AnchorsBucketName) [default: $ANCHOR_BUCKET]
    #[arg(long, value_name = "BUCKET", env = "ANCHOR_BUCKET", hide_env = true)]
    pub anchor_bucket: Option<String>,
    /// The key anchors must be signed with (the stack's AnchorKeyArn); its public key is
    /// read from KMS [default: $ANCHOR_KEY_ID]
    #[arg(long, value_name = "KEY", env = "ANCHOR_KEY_ID", hide_env = true)]
    pub anchor_key: Option<String>,
    /// A public key file (PEM or DER SubjectPublicKeyInfo) to check signatures with, instead
    /// of asking KMS (or, with --data, the data folder's key).
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
}

/// The latest anchor of an agency, its signature and heads checked.
#[derive(Clone, Debug)]
pub struct Anchored {
    /// The anchor and its heads.
    pub archived: Archived,
    heads: HashMap<RecordId, ChainHead>,
}

impl Anchored {
    /// The head the anchor signed for `record`, if it is in the anchor.
    pub fn head_of(&self, record: &RecordId) -> Option<&ChainHead> {
        self.heads.get(record)
    }

    /// Every anchored record.
    pub fn records(&self) -> impl Iterator<Item = &RecordId> {
        self.heads.keys()
    }

    /// When the anchored heads were read.
    pub fn at(&self) -> Timestamp {
        self.archived.anchor.at
    }

    /// Whether a record created at `created_at` should be in this anchor.
    pub fn should_hold(&self, created_at: Timestamp) -> bool {
        created_at.plus_millis(ANCHOR_SLACK_MS) < self.at()
    }

    /// Checks `record`'s inclusion proof against the signed root (what a third party holding
    /// only the anchor, the record's head and the proof would check).
    pub fn proves(&self, record: &RecordId) -> bool {
        let heads = &self.archived.heads;
        let Some((index, proof)) = heads.proof(record) else {
            return false;
        };
        let Ok(root) = hex::decode(&self.archived.anchor.root) else {
            return false;
        };
        let Ok(root) = <[u8; 32]>::try_from(root) else {
            return false;
        };
        merkle::verify_inclusion(
            &heads.heads[index].leaf(),
            index,
            heads.heads.len(),
            &proof,
            &root,
        )
    }

    /// One line about this anchor.
    pub fn describe(&self) -> String {
        let anchor = &self.archived.anchor;
        format!(
            "latest anchor {} ({} heads, root {}, signed by {})",
            self.archived.location, anchor.heads_count, anchor.root, anchor.key_id
        )
    }
}

/// Why an agency's chains cannot be held to an anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// No anchor is kept for the agency.
    None,
    /// The latest anchor does not hold: a forged, altered or foreign anchor.
    Broken(String),
}

/// `agency`'s latest anchor in `archive`, checked with `public_key`; anchors signed by
/// another key than `expected_key` (when given) are refused.
pub async fn latest<A: AnchorArchive>(
    archive: &A,
    agency: &AgencyId,
    public_key: &[u8],
    expected_key: Option<&str>,
) -> Result<Result<Anchored, Unusable>, Failure> {
    let archived = match archive.latest(agency).await {
        Ok(Some(archived)) => archived,
        Ok(None) => return Ok(Err(Unusable::None)),
        Err(shared::anchor::archive::ArchiveError::Corrupt(why)) => {
            return Ok(Err(Unusable::Broken(why)));
        }
        Err(other) => return Err(Failure::Aws(format!("reading the latest anchor: {other}"))),
    };
    let anchor = &archived.anchor;
    if let Some(expected) = expected_key
        && anchor.key_id != expected
    {
        return Ok(Err(Unusable::Broken(format!(
            "{} is signed by {}, not by {expected}",
            archived.location, anchor.key_id
        ))));
    }
    if let Err(problem) = anchor.verify(&archived.heads, public_key) {
        let why = match problem {
            AnchorProblem::Signature => "its signature does not verify with the public key",
            AnchorProblem::Heads => "its heads do not hash to its signed root",
        };
        return Ok(Err(Unusable::Broken(format!(
            "{}: {why}",
            archived.location
        ))));
    }
    let heads = archived
        .heads
        .heads
        .iter()
        .map(|head| (head.record.clone(), head.head.clone()))
        .collect();
    Ok(Ok(Anchored { archived, heads }))
}

/// A public key file: PEM (`-----BEGIN PUBLIC KEY-----`) or DER.
pub fn read_public_key(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(bytes);
    };
    let Some(body) = text
        .trim()
        .strip_prefix("-----BEGIN PUBLIC KEY-----")
        .and_then(|rest| rest.strip_suffix("-----END PUBLIC KEY-----"))
    else {
        return Err(Failure::Usage(format!(
            "{}: not a PEM public key (-----BEGIN PUBLIC KEY-----) nor DER",
            path.display()
        )));
    };
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| Failure::Usage(format!("{}: bad base64 in the PEM", path.display())))
}

/// The public key of the local key in data folder `data`.
pub fn local_public_key(data: &Path) -> Result<Vec<u8>, Failure> {
    LocalSigner::open(&data.join("anchor-key.p8"))
        .and_then(|signer| signer.public_key())
        .map_err(|e| Failure::Usage(e.to_string()))
}

/// The public key of KMS key `key_id`.
pub async fn kms_public_key(aws: &aws_config::SdkConfig, key_id: &str) -> Result<Vec<u8>, Failure> {
    KmsSigner::public_key(&aws_sdk_kms::Client::new(aws), key_id)
        .await
        .map_err(|e| Failure::Aws(e.to_string()))
}
