//! Checking an audit chain, link by link: the one verifier behind the tests, the
//! operator's `dossier-admin verify-chain` and anything else that re-verifies a history.

use std::fmt;

use super::audit::{AuditEntry, ChainHead};

/// The first link of a chain that does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    /// The sequence number where the chain breaks.
    pub seq: u64,
    /// What is wrong there.
    pub problem: Problem,
    /// What the chain requires there.
    pub expected: String,
    /// What is stored there.
    pub found: String,
}

/// Why a link is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The entry's `seq` is not the previous one plus one (an entry is missing or moved).
    Sequence,
    /// The entry's `prev_hash` is not the previous entry's `hash`.
    PrevHash,
    /// The entry's `hash` is not the hash of its content: the entry was altered.
    Hash,
    /// The stored audit item cannot be decoded.
    Corrupt,
    /// The record's stored chain head does not match the entry at its sequence number
    /// (or there is no such entry: the history was truncated).
    Head,
    /// The history goes on past the record's chain head (and no write moved the head
    /// while the history was read): entries were added behind the store's back.
    PastHead,
    /// The record item is gone but its history does not end with `record.delete`.
    RecordMissing,
    /// The history no longer holds the head an anchor signed for this record (the entry at
    /// the anchored sequence number differs, or is gone): it was rewritten since.
    Anchor,
    /// The record is older than the latest anchor but not in it.
    Unanchored,
}

impl Problem {
    /// A short description.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Sequence => "sequence gap",
            Self::PrevHash => "prev_hash does not link to the previous entry",
            Self::Hash => "hash does not match the entry's content",
            Self::Corrupt => "undecodable audit item",
            Self::Head => "record's chain head does not match the history",
            Self::PastHead => "history continues past the record's chain head",
            Self::RecordMissing => "record item missing without a record.delete entry",
            Self::Anchor => "history differs from the head the latest anchor signed",
            Self::Unanchored => "record predates the latest anchor but is not in it",
        }
    }
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at seq {}: {}: expected {}, found {}",
            self.seq,
            self.problem.describe(),
            self.expected,
            self.found
        )
    }
}

/// Checks entries one by one, oldest first, without holding them, and says what was
/// expected where a link breaks.
#[derive(Clone, Debug)]
pub struct ChainChecker {
    head: ChainHead,
    entries: u64,
}

impl Default for ChainChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainChecker {
    /// A checker before the first entry.
    pub fn new() -> Self {
        Self {
            head: ChainHead::genesis(),
            entries: 0,
        }
    }

    /// Checks that `entry` extends the chain so far, and moves past it.
    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), BrokenLink> {
        let next = self.head.seq + 1;
        if entry.seq != next {
            return Err(BrokenLink {
                seq: next,
                problem: Problem::Sequence,
                expected: format!("seq {next}"),
                found: format!("seq {}", entry.seq),
            });
        }
        if entry.prev_hash != self.head.hash {
            return Err(BrokenLink {
                seq: entry.seq,
                problem: Problem::PrevHash,
                expected: self.head.hash.clone(),
                found: entry.prev_hash.clone(),
            });
        }
        let computed = entry.compute_hash();
        if entry.hash != computed {
            return Err(BrokenLink {
                seq: entry.seq,
                problem: Problem::Hash,
                expected: computed,
                found: entry.hash.clone(),
            });
        }
        self.head = entry.head();
        self.entries += 1;
        Ok(())
    }

    /// The head after the entries checked so far.
    pub fn head(&self) -> &ChainHead {
        &self.head
    }

    /// Entries checked so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }
}

/// Checks that `entries` (oldest first, from seq 1) form an unbroken chain.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<(), BrokenLink> {
    let mut checker = ChainChecker::new();
    entries
        .into_iter()
        .try_for_each(|entry| checker.check(entry))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clock::Timestamp;
    use crate::model::{AuditAction, Changes, GENESIS_HASH};

    fn chain(n: u64) -> Vec<AuditEntry> {
        let at = Timestamp::from_millis(1_795_688_498_000);
        let mut head = ChainHead::genesis();
        (0..n)
            .map(|i| {
                let mut changes = Changes::new();
                changes.insert("title".into(), [json!(i), json!(i + 1)]);
                let action = if i == 0 {
                    AuditAction::Create
                } else {
                    AuditAction::Update
                };
                let entry = AuditEntry::next(&head, at.plus_millis(i as i64), "a", action, changes);
                head = entry.head();
                entry
            })
            .collect()
    }

    #[test]
    fn finds_the_first_broken_link_and_what_it_should_be() {
        let good = chain(5);
        assert_eq!(verify_chain(&good), Ok(()));

        let mut altered = good.clone();
        altered[2].actor = "mallory".into();
        let broken = verify_chain(&altered).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.problem, Problem::Hash);
        assert_eq!(broken.expected, altered[2].compute_hash());
        assert_eq!(broken.found, good[2].hash);

        // Rehashing the altered entry moves the break to the next link.
        altered[2].hash = altered[2].compute_hash();
        let broken = verify_chain(&altered).unwrap_err();
        assert_eq!(
            (broken.seq, broken.problem, broken.expected, broken.found),
            (
                4,
                Problem::PrevHash,
                altered[2].hash.clone(),
                good[2].hash.clone()
            )
        );

        let mut gap = good.clone();
        gap.remove(1);
        let broken = verify_chain(&gap).unwrap_err();
        assert_eq!((broken.seq, broken.problem), (2, Problem::Sequence));
        assert_eq!(
            broken.to_string(),
            "at seq 2: sequence gap: expected seq 2, found seq 3"
        );

        let mut first = good[0].clone();
        first.prev_hash = "f".repeat(64);
        let broken = verify_chain([&first]).unwrap_err();
        assert_eq!(broken.expected, GENESIS_HASH);
        assert_eq!(
            verify_chain(&good[1..]).unwrap_err().problem,
            Problem::Sequence
        );
    }
}
