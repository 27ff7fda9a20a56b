//! `verify-chain`: a record's audit chain, checked link by link as it is read.

use std::fmt;

use shared::model::{AgencyId, AuditAction, AuditEntry, ChainHead, RecordId};
use shared::store::{AuditLog, RecordStore, StoreError};

/// Audit entries read per history query.
pub const HISTORY_PAGE: usize = 100;

/// What a verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds and the record's stored head (if the record still exists) is the
    /// entry at its sequence number.
    Ok {
        /// Entries checked.
        entries: u64,
        /// Whether the record item is gone (its history ends with `record.delete`).
        deleted: bool,
    },
    /// The first link that does not hold.
    Broken(BrokenLink),
    /// No record item and no history: nothing to verify.
    NotFound,
}

/// The first broken link of a chain.
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

/// Checks entries one by one, oldest first, without holding them: the streaming form of
/// [`AuditEntry::verify_chain`], which also says what was expected.
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

/// Verifies record `id` of `agency`: reads the record item first (its stored chain head),
/// then the whole history page by page, checking each link as it arrives, then that the
/// stored head is the entry at its sequence number. Reading the head first means a write
/// racing with the check only extends the history past the head; when the history does
/// go past it, the record is read again, and the chain is broken unless the head moved
/// at least that far (or the record was deleted, by a `record.delete` entry).
///
/// Store errors other than an undecodable item (which is a broken link) are returned.
pub async fn verify_record<S: RecordStore + AuditLog>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
) -> Result<Verdict, StoreError> {
    let stored = match store.get_record(agency, id).await {
        Ok(stored) => stored,
        Err(StoreError::Corrupt(why)) => {
            return Ok(Verdict::Broken(BrokenLink {
                seq: 0,
                problem: Problem::Corrupt,
                expected: "a decodable record item".into(),
                found: why,
            }));
        }
        Err(other) => return Err(other),
    };
    let stored_head = stored.as_ref().map(|stored| &stored.head);
    let mut checker = ChainChecker::new();
    let mut hash_at_head: Option<String> = None;
    let mut hash_after_head: Option<String> = None;
    let mut last_action: Option<AuditAction> = None;
    let mut after = None;
    loop {
        let page = match store.history(agency, id, HISTORY_PAGE, after).await {
            Ok(page) => page,
            Err(StoreError::Corrupt(why)) => {
                return Ok(Verdict::Broken(BrokenLink {
                    seq: checker.head().seq + 1,
                    problem: Problem::Corrupt,
                    expected: "a decodable audit item".into(),
                    found: why,
                }));
            }
            Err(other) => return Err(other),
        };
        for entry in &page.items {
            if let Err(broken) = checker.check(entry) {
                return Ok(Verdict::Broken(broken));
            }
            if stored_head.is_some_and(|head| head.seq == entry.seq) {
                hash_at_head = Some(entry.hash.clone());
            }
            if stored_head.is_some_and(|head| head.seq + 1 == entry.seq) {
                hash_after_head = Some(entry.hash.clone());
            }
            last_action = Some(entry.action);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let entries = checker.entries();
    let Some(head) = stored_head else {
        return Ok(match last_action {
            None => Verdict::NotFound,
            Some(AuditAction::Delete) => Verdict::Ok {
                entries,
                deleted: true,
            },
            Some(other) => Verdict::Broken(BrokenLink {
                seq: checker.head().seq,
                problem: Problem::RecordMissing,
                expected: AuditAction::Delete.as_str().into(),
                found: other.as_str().into(),
            }),
        });
    };
    match hash_at_head {
        Some(hash) if hash == head.hash => {
            let last = checker.head().seq;
            if last == head.seq {
                return Ok(Verdict::Ok {
                    entries,
                    deleted: false,
                });
            }
            // Entries past the head: a write during the check, or a forgery.
            let now = store.get_record(agency, id).await?;
            let moved = match &now {
                Some(now) => now.head.seq >= last,
                None => last_action == Some(AuditAction::Delete),
            };
            if moved {
                Ok(Verdict::Ok {
                    entries,
                    deleted: now.is_none(),
                })
            } else {
                Ok(Verdict::Broken(BrokenLink {
                    seq: head.seq + 1,
                    problem: Problem::PastHead,
                    expected: format!("no entry (the record's chain head is seq {})", head.seq),
                    found: hash_after_head.unwrap_or_default(),
                }))
            }
        }
        Some(hash) => Ok(Verdict::Broken(BrokenLink {
            seq: head.seq,
            problem: Problem::Head,
            expected: head.hash.clone(),
            found: hash,
        })),
        None => Ok(Verdict::Broken(BrokenLink {
            seq: head.seq,
            problem: Problem::Head,
            expected: head.hash.clone(),
            found: format!("no entry (history ends at seq {})", checker.head().seq),
        })),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::clock::Timestamp;
    use shared::model::{Changes, GENESIS_HASH};

    use super::*;

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

    fn check_all(entries: &[AuditEntry]) -> Result<(), BrokenLink> {
        let mut checker = ChainChecker::new();
        entries.iter().try_for_each(|entry| checker.check(entry))
    }

    #[test]
    fn agrees_with_verify_chain() {
        let good = chain(5);
        assert_eq!(check_all(&good), Ok(()));
        assert_eq!(AuditEntry::verify_chain(&good), Ok(()));

        let mut altered = good.clone();
        altered[2].actor = "mallory".into();
        let broken = check_all(&altered).unwrap_err();
        assert_eq!(AuditEntry::verify_chain(&altered), Err(3));
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.problem, Problem::Hash);
        assert_eq!(broken.expected, altered[2].compute_hash());
        assert_eq!(broken.found, good[2].hash);

        // Rehashing the altered entry moves the break to the next link.
        altered[2].hash = altered[2].compute_hash();
        let broken = check_all(&altered).unwrap_err();
        assert_eq!(AuditEntry::verify_chain(&altered), Err(4));
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
        let broken = check_all(&gap).unwrap_err();
        assert_eq!(AuditEntry::verify_chain(&gap), Err(3));
        assert_eq!((broken.seq, broken.problem), (2, Problem::Sequence));
        assert_eq!(
            broken.to_string(),
            "at seq 2: sequence gap: expected seq 2, found seq 3"
        );

        let mut first = good[0].clone();
        first.prev_hash = "f".repeat(64);
        let broken = check_all(&[first]).unwrap_err();
        assert_eq!(broken.expected, GENESIS_HASH);
    }
}
