//! Anchors: a signed, write-once commitment to every chain head of an agency, kept where
//! no writer of the table (nor an operator) can rewrite it. Whoever can write the table
//! can rewrite a record and recompute its whole chain consistently; they cannot make the
//! history agree with an anchor signed before.
//!
//! An anchor is `{agency, at, root, heads_count, signature, key_id}`:
//! - the heads are each record's `(id, seq, hash)` at `at`, sorted by record id; the leaf
//!   of a head is `SHA-256(0x00 ‖ "<id>\n<seq>\n<hash>")` and `root` the hex RFC 6962
//!   Merkle root over the leaves ([`merkle`]); the heads themselves are kept beside the
//!   anchor ([`AnchoredHeads`]) so that any record's inclusion can be proven;
//! - `signature` is base64 of an ECDSA P-256 / SHA-256 signature (DER) by key `key_id` over
//!   [`Anchor::signed_message`]: the RFC 8785 (JCS) form of the anchor without
//!   `signature`.
//!
//! [`archive`] keeps anchors (write-once: S3 Object Lock in compliance mode, or a folder);
//! [`signer`] signs them (KMS, or a local key).

pub mod archive;
pub mod merkle;
pub mod signer;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::Timestamp;
use crate::model::{AgencyId, ChainHead, RecordId, StoredRecord, canonical_json};
use merkle::Hash;

/// One record's chain head, as anchored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordHead {
    /// The record.
    pub record: RecordId,
    /// Its chain's last entry: `seq` and `hash`.
    #[serde(flatten)]
    pub head: ChainHead,
}

impl RecordHead {
    /// The head of `stored`.
    pub fn of(stored: &StoredRecord) -> Self {
        Self {
            record: stored.record.id.clone(),
            head: stored.head.clone(),
        }
    }

    /// The Merkle leaf of this head.
    pub fn leaf(&self) -> Hash {
        merkle::leaf_hash(
            format!("{}\n{}\n{}", self.record, self.head.seq, self.head.hash).as_bytes(),
        )
    }
}

/// The heads an anchor commits to, kept beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchoredHeads {
    /// The agency.
    pub agency: AgencyId,
    /// When they were read.
    pub at: Timestamp,
    /// Every record's head, sorted by record id.
    pub heads: Vec<RecordHead>,
}

impl AnchoredHeads {
    /// `heads` of `agency` read at `at`, sorted by record id.
    pub fn new(agency: AgencyId, at: Timestamp, mut heads: Vec<RecordHead>) -> Self {
        heads.sort_by(|a, b| a.record.as_str().cmp(b.record.as_str()));
        Self { agency, at, heads }
    }

    fn leaves(&self) -> Vec<Hash> {
        self.heads.iter().map(RecordHead::leaf).collect()
    }

    /// The hex Merkle root over the heads.
    pub fn root(&self) -> String {
        hex::encode(merkle::root(&self.leaves()))
    }

    /// The inclusion proof of record `record`'s head: its index and the sibling hashes.
    pub fn proof(&self, record: &RecordId) -> Option<(usize, Vec<Hash>)> {
        let index = self
            .heads
            .binary_search_by(|head| head.record.as_str().cmp(record.as_str()))
            .ok()?;
        Some((index, merkle::inclusion_proof(&self.leaves(), index)))
    }
}

/// An anchor, as it is stored and published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The agency.
    pub agency: AgencyId,
    /// When its heads were read.
    pub at: Timestamp,
    /// Hex Merkle root over the heads.
    pub root: String,
    /// How many heads.
    pub heads_count: u64,
    /// Base64 DER ECDSA P-256 SHA-256 signature over [`Anchor::signed_message`].
    pub signature: String,
    /// The signing key (a KMS key ARN, or `local:<fingerprint>`).
    pub key_id: String,
}

/// Why an anchor, or a record against it, does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorProblem {
    /// The signature does not verify with the public key.
    Signature,
    /// The heads kept beside the anchor do not hash to its root (or are not its agency's).
    Heads,
}

impl Anchor {
    /// The bytes the signature covers: the JCS form of every field but `signature`.
    pub fn signed_message(
        agency: &AgencyId,
        at: Timestamp,
        root: &str,
        heads_count: u64,
        key_id: &str,
    ) -> String {
        canonical_json(&json!({
            "agency": agency, "at": at, "root": root, "heads_count": heads_count, "key_id": key_id,
        }))
    }

    /// This anchor's signed message.
    pub fn message(&self) -> String {
        Self::signed_message(
            &self.agency,
            self.at,
            &self.root,
            self.heads_count,
            &self.key_id,
        )
    }

    /// Checks the signature against `public_key` (DER `SubjectPublicKeyInfo`, or a SEC1
    /// point) and that `heads` are the ones this anchor commits to.
    pub fn verify(&self, heads: &AnchoredHeads, public_key: &[u8]) -> Result<(), AnchorProblem> {
        let signature = BASE64
            .decode(&self.signature)
            .map_err(|_| AnchorProblem::Signature)?;
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
            public_key,
        )
        .verify(self.message().as_bytes(), &signature)
        .map_err(|_| AnchorProblem::Signature)?;
        let same = heads.agency == self.agency
            && heads.at == self.at
            && heads.heads.len() as u64 == self.heads_count
            && heads.root() == self.root;
        if same {
            Ok(())
        } else {
            Err(AnchorProblem::Heads)
        }
    }
}

/// `heads` anchored: signed by `signer`, ready to archive.
pub async fn sign<G: signer::AnchorSigner>(
    heads: &AnchoredHeads,
    signer: &G,
) -> Result<Anchor, signer::SignError> {
    let root = heads.root();
    let count = heads.heads.len() as u64;
    let key_id = signer.key_id().to_owned();
    let message = Anchor::signed_message(&heads.agency, heads.at, &root, count, &key_id);
    let signature = signer.sign(message.as_bytes()).await?;
    Ok(Anchor {
        agency: heads.agency.clone(),
        at: heads.at,
        root,
        heads_count: count,
        signature: BASE64.encode(signature),
        key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TEST_NOW;

    fn heads(n: u64) -> AnchoredHeads {
        let agency = AgencyId::parse("parks").unwrap();
        let heads = (0..n)
            .map(|i| RecordHead {
                record: RecordId::generate(TEST_NOW.plus_millis(i as i64)),
                head: ChainHead {
                    seq: i + 1,
                    hash: format!("{i:064x}"),
                },
            })
            .rev()
            .collect();
        AnchoredHeads::new(agency, TEST_NOW, heads)
    }

    #[tokio::test]
    async fn an_anchor_verifies_with_its_key_and_heads_and_nothing_else() {
        let signer = signer::LocalSigner::generate().unwrap();
        let heads = heads(5);
        let anchor = sign(&heads, &signer).await.unwrap();
        assert_eq!(anchor.heads_count, 5);
        let public = signer.public_key().unwrap();
        assert_eq!(anchor.verify(&heads, &public), Ok(()));

        let other = signer::LocalSigner::generate()
            .unwrap()
            .public_key()
            .unwrap();
        assert_eq!(anchor.verify(&heads, &other), Err(AnchorProblem::Signature));
        let mut moved = anchor.clone();
        moved.at = moved.at.plus_millis(1);
        assert_eq!(moved.verify(&heads, &public), Err(AnchorProblem::Signature));
        let mut rewritten = heads.clone();
        rewritten.heads[2].head.hash = format!("{:064x}", 99);
        assert_eq!(
            anchor.verify(&rewritten, &public),
            Err(AnchorProblem::Heads)
        );
    }

    #[test]
    fn every_record_proves_its_head_against_the_root() {
        let heads = heads(7);
        let root: Hash = hex::decode(heads.root()).unwrap().try_into().unwrap();
        for head in &heads.heads {
            let (index, proof) = heads.proof(&head.record).unwrap();
            assert!(merkle::verify_inclusion(
                &head.leaf(),
                index,
                7,
                &proof,
                &root
            ));
            let mut changed = head.clone();
            changed.head.seq += 1;
            assert!(!merkle::verify_inclusion(
                &changed.leaf(),
                index,
                7,
                &proof,
                &root
            ));
        }
        assert!(
            heads
                .heads
                .windows(2)
                .all(|w| w[0].record.as_str() < w[1].record.as_str())
        );
        assert_eq!(
            heads.proof(&RecordId::generate(TEST_NOW.plus_millis(100))),
            None
        );
    }
}
