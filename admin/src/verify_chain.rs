//! `verify-chain`: records' audit chains, checked link by link as they are read (with
//! [`ChainChecker`], the one verifier), and against the chain head stored on each record.

use std::io::Write;

use clap::ArgGroup;
use shared::model::{AgencyId, AuditAction, BrokenLink, ChainChecker, Problem, RecordId};
use shared::store::{AuditLog, DynamoStore, ListFilter, RecordStore, StoreError};

use crate::{Failure, TableArg, exit, load_aws, parse_agency, parse_record_id, write_out};

/// Audit entries read per history query.
pub const HISTORY_PAGE: usize = 100;
/// Records listed per query with `--all`.
pub const RECORD_PAGE: usize = 100;

/// Check records' tamper-evident audit chains end to end.
///
/// Reads each record's history oldest first and checks every link: sequence numbers
/// without gaps, each prev_hash equal to the previous entry's hash, each hash equal to the
/// SHA-256 of the entry's canonical JSON. Then checks that the chain head stored on the
/// record item is the entry at that sequence and that no entry follows it (so truncated or
/// appended history is caught), or, for a deleted record, that the history ends with
/// record.delete.
///
/// --all verifies every record currently in the agency, confidential ones included
/// (deleted records are not listed; verify them one by one with --record).
///
/// Prints `OK ...` or `BROKEN ... at seq N: ...: expected X, found Y` per record (with
/// --all: only broken records, then a summary). Exit code 1 if any chain is broken.
#[derive(Clone, Debug, clap::Args)]
#[command(group(ArgGroup::new("target").required(true).args(["record", "all"])))]
pub struct VerifyChain {
    /// The agency.
    #[arg(long, value_parser = parse_agency)]
    pub agency: AgencyId,
    /// One record (its history is checked even if it was deleted).
    #[arg(long, value_name = "ID", value_parser = parse_record_id)]
    pub record: Option<RecordId>,
    /// Every record of the agency.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub table: TableArg,
}

impl VerifyChain {
    /// Runs the command against the table, with the operator's AWS credentials.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        let table = self.table.get()?;
        let aws = load_aws().await?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        check(&store, &self.agency, self.record.as_ref(), out, err).await
    }
}

/// `verify-chain` on `store`: one `OK`/`BROKEN`/`NOT FOUND` line per record to `out`
/// (with `--all`, only the broken ones, then a summary line), progress to `err`. Exit
/// code 1 if any chain is broken or the record does not exist.
pub async fn check<S: RecordStore + AuditLog>(
    store: &S,
    agency: &AgencyId,
    record: Option<&RecordId>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let verify_failure = |e: StoreError| Failure::Aws(format!("verifying a chain: {e}"));
    match record {
        Some(id) => {
            let verdict = verify_record(store, agency, id)
                .await
                .map_err(verify_failure)?;
            write_out(out, &verdict_line(agency, id, &verdict))?;
            Ok(match verdict {
                Verdict::Ok { .. } => exit::OK,
                Verdict::Broken(_) | Verdict::NotFound => exit::VERIFICATION_FAILED,
            })
        }
        None => {
            let filter = ListFilter {
                include_confidential: true,
                ..ListFilter::default()
            };
            let (mut checked, mut broken, mut entries) = (0u64, 0u64, 0u64);
            let mut after = None;
            loop {
                let page = store
                    .list_records(agency, &filter, RECORD_PAGE, after.as_ref())
                    .await
                    .map_err(|e| Failure::Aws(format!("listing records: {e}")))?;
                for record in &page.items {
                    let verdict = verify_record(store, agency, &record.id)
                        .await
                        .map_err(verify_failure)?;
                    checked += 1;
                    match &verdict {
                        Verdict::Ok { entries: n, .. } => entries += n,
                        Verdict::Broken(_) | Verdict::NotFound => {
                            broken += 1;
                            write_out(out, &verdict_line(agency, &record.id, &verdict))?;
                        }
                    }
                    if checked.is_multiple_of(100) {
                        let _ = writeln!(
                            err,
                            "verify-chain: {checked} records checked, {broken} broken"
                        );
                    }
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            write_out(
                out,
                &format!(
                    "{} {}: {checked} records verified, {} OK ({entries} entries), {broken} broken\n",
                    if broken == 0 { "OK" } else { "BROKEN" },
                    agency,
                    checked - broken
                ),
            )?;
            Ok(if broken == 0 {
                exit::OK
            } else {
                exit::VERIFICATION_FAILED
            })
        }
    }
}

/// The result line for one record.
pub fn verdict_line(agency: &AgencyId, id: &RecordId, verdict: &Verdict) -> String {
    match verdict {
        Verdict::Ok {
            entries,
            deleted: false,
        } => format!(
            "OK {agency}/{id}: {entries} entries, chain intact, record's chain head matches\n"
        ),
        Verdict::Ok {
            entries,
            deleted: true,
        } => format!(
            "OK {agency}/{id}: {entries} entries, chain intact, record deleted (history ends with record.delete)\n"
        ),
        Verdict::Broken(link) => format!("BROKEN {agency}/{id} {link}\n"),
        Verdict::NotFound => {
            format!("NOT FOUND {agency}/{id}: no record item and no audit history\n")
        }
    }
}

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
