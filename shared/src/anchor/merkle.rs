//! A Merkle tree over an agency's chain heads, as RFC 6962 (Certificate Transparency)
//! defines it: leaves and nodes hashed with distinct prefixes, the tree split at the
//! largest power of two below its size, and inclusion proofs ("audit paths") any third
//! party can check with SHA-256 alone.

use aws_lc_rs::digest::{Context, SHA256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut context = Context::new(&SHA256);
    for part in parts {
        context.update(part);
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(context.finish().as_ref());
    hash
}

/// The hash of a leaf holding `data`: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    sha256(&[&[0], data])
}

/// The hash of a node over `left` and `right`: `SHA-256(0x01 ‖ left ‖ right)`.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[1], left, right])
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The root over `leaves` (leaf hashes, in order); the hash of nothing for none.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => sha256(&[]),
        [leaf] => *leaf,
        _ => {
            let k = split(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The inclusion proof of leaf `index` in the tree over `leaves`: the sibling hashes from
/// the leaf up to the root. Empty if `index` is out of range.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Vec<Hash> {
    if index >= leaves.len() || leaves.len() < 2 {
        return Vec::new();
    }
    let k = split(leaves.len());
    let (mut path, sibling) = if index < k {
        (inclusion_proof(&leaves[..k], index), root(&leaves[k..]))
    } else {
        (inclusion_proof(&leaves[k..], index - k), root(&leaves[..k]))
    };
    path.push(sibling);
    path
}

/// Whether `proof` shows leaf hash `leaf`, at `index` of a tree of `size` leaves, under
/// `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: usize,
    size: usize,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut hash = *leaf;
    for sibling in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            hash = node_hash(sibling, &hash);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && hash == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_every_size_proves_its_inclusion_and_nothing_else() {
        for n in 1..=17 {
            let leaves = leaves(n);
            let root = root(&leaves);
            for index in 0..n {
                let proof = inclusion_proof(&leaves, index);
                assert!(
                    verify_inclusion(&leaves[index], index, n, &proof, &root),
                    "{n}/{index}"
                );
                let other = leaf_hash(b"another");
                assert!(!verify_inclusion(&other, index, n, &proof, &root));
                if n > 1 {
                    assert!(!verify_inclusion(
                        &leaves[index],
                        (index + 1) % n,
                        n,
                        &proof,
                        &root
                    ));
                    let mut bent = proof.clone();
                    bent[0][0] ^= 1;
                    assert!(!verify_inclusion(&leaves[index], index, n, &bent, &root));
                }
                assert!(!verify_inclusion(
                    &leaves[index],
                    index,
                    index,
                    &proof,
                    &root
                ));
            }
        }
    }

    #[test]
    fn the_root_matches_rfc_6962s_definition() {
        // MTH(D[3]) = H(0x01 ‖ H(0x01 ‖ H(0x00‖d0) ‖ H(0x00‖d1)) ‖ H(0x00‖d2)).
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(root(&l[..1]), l[0]);
        // Leaves and nodes never collide: a node is not the leaf of its two halves.
        let joined = [l[0].as_slice(), l[1].as_slice()].concat();
        assert_ne!(root(&l[..2]), leaf_hash(&joined));
    }
}
