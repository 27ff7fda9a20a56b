//! `verify-chain`: records' audit chains, checked link by link as they are read (with
//! [`ChainChecker`], the one verifier), against the chain head stored on each record, and
//! (`--anchors`) against the head the agency's latest signed anchor holds for it.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use clap::ArgGroup;
use shared::anchor::archive::{FileAnchors, S3Anchors};
use shared::model::{
    AgencyId, AuditAction, BrokenLink, ChainChecker, ChainHead, Problem, RecordId,
};
use shared::store::{AuditLog, DynamoStore, EmbeddedStore, ListFilter, RecordStore, StoreError};

use crate::anchors::{self, AnchorArgs, Anchored, Unusable};
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
/// With --anchors, every chain is also held to the agency's latest anchor (the hourly,
/// signed, write-once Merkle root over every record's chain head), after the anchor's own
/// signature and root are checked with the public key: the entry at each anchored head's
/// sequence number must still be the anchored one, so a history rewritten behind Dossier's
/// back (however consistently) is caught, and so is a record older than the anchor that is
/// not in it. With --all, records deleted since the anchor are checked too.
///
/// Prints `OK ...` or `BROKEN ... at seq N: ...: expected X, found Y` per record (with
/// --all: only broken records, then a summary). Exit code 1 if any chain is broken, or
/// the anchor is missing or does not verify.
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
    /// A local server's data folder instead of a table: its embedded store, its anchors
    /// and its anchor key (--table, --anchor-bucket and --anchor-key do not apply).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub anchors: AnchorArgs,
}

impl VerifyChain {
    /// Runs the command against the table (with the operator's AWS credentials) or the
    /// data folder.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        if let Some(data) = &self.data {
            let file = data.join("dossier.redb");
            let store = EmbeddedStore::open(&file)
                .map_err(|e| Failure::Io(format!("{}: {e}", file.display())))?;
            let anchor = match self.anchors.anchors {
                false => None,
                true => {
                    let key = match &self.anchors.public_key {
                        Some(path) => anchors::read_public_key(path)?,
                        None => anchors::local_public_key(data)?,
                    };
                    let archive = FileAnchors::new(data);
                    Some(anchors::latest(&archive, &self.agency, &key, None).await?)
                }
            };
            return self.check_against(&store, anchor, out, err).await;
        }
        let table = self.table.get()?;
        let aws = load_aws().await?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        let anchor = match self.anchors.anchors {
            false => None,
            true => {
                let bucket = self
                    .anchors
                    .anchor_bucket
                    .as_deref()
                    .filter(|bucket| !bucket.trim().is_empty())
                    .ok_or_else(|| {
                        Failure::Usage(
                            "--anchors needs --anchor-bucket BUCKET or ANCHOR_BUCKET".into(),
                        )
                    })?;
                let expected = self.anchors.anchor_key.as_deref().filter(|k| !k.is_empty());
                let key = match (&self.anchors.public_key, expected) {
                    (Some(path), _) => anchors::read_public_key(path)?,
                    (None, Some(key_id)) => anchors::kms_public_key(&aws, key_id).await?,
                    (None, None) => {
                        return Err(Failure::Usage(
                            "--anchors needs --anchor-key KEY (or ANCHOR_KEY_ID), or --public-key FILE"
                                .into(),
                        ));
                    }
                };
                let archive = S3Anchors::new(shared::s3_client(&aws), bucket);
                Some(anchors::latest(&archive, &self.agency, &key, expected).await?)
            }
        };
        self.check_against(&store, anchor, out, err).await
    }

    /// Reports an anchor that cannot be used (and verifies the chains without it), or
    /// verifies them against it.
    async fn check_against<S: RecordStore + AuditLog>(
        &self,
        store: &S,
        anchor: Option<Result<Anchored, Unusable>>,
        out: &mut impl Write,
        err: &mut impl Write,
    ) -> Result<u8, Failure> {
        let agency = &self.agency;
        let (anchor, unusable) = match anchor {
            None => (None, false),
            Some(Ok(anchored)) => (Some(anchored), false),
            Some(Err(Unusable::None)) => {
                write_out(
                    out,
                    &format!("NO ANCHOR {agency}: no anchor is kept for this agency\n"),
                )?;
                (None, true)
            }
            Some(Err(Unusable::Broken(why))) => {
                write_out(out, &format!("BROKEN ANCHOR {agency}: {why}\n"))?;
                (None, true)
            }
        };
        let code = check(
            store,
            agency,
            self.record.as_ref(),
            anchor.as_ref(),
            out,
            err,
        )
        .await?;
        Ok(if unusable {
            exit::VERIFICATION_FAILED
        } else {
            code
        })
    }
}

/// `verify-chain` on `store`, held to `anchor` if given: one `OK`/`BROKEN`/`NOT FOUND`
/// line per record to `out` (with `--all`, only the broken ones, then a summary line),
/// progress to `err`. Exit code 1 if any chain is broken or the record does not exist.
pub async fn check<S: RecordStore + AuditLog>(
    store: &S,
    agency: &AgencyId,
    record: Option<&RecordId>,
    anchor: Option<&Anchored>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let verify_failure = |e: StoreError| Failure::Aws(format!("verifying a chain: {e}"));
    match record {
        Some(id) => {
            let anchored = anchor.and_then(|anchor| anchor.head_of(id));
            if let (Some(anchor), Some(_)) = (anchor, anchored)
                && !anchor.proves(id)
            {
                // Unreachable for an anchor whose root was checked; kept as the check a
                // third party makes with one record's proof.
                return Err(Failure::Aws(format!("{id}: inclusion proof fails")));
            }
            let mut verdict = verify_record(store, agency, id, anchored)
                .await
                .map_err(verify_failure)?;
            if let (Some(anchor), None) = (anchor, anchored) {
                verdict = unanchored(store, agency, id, anchor, verdict).await?;
            }
            write_out(out, &verdict_line(agency, id, &verdict))?;
            if let (Some(anchor), Verdict::Ok { .. }) = (anchor, &verdict) {
                let held = match anchored {
                    Some(head) => format!("anchored head seq {} proven in the ", head.seq),
                    None => "newer than the ".to_owned(),
                };
                write_out(out, &format!("  {held}{}\n", anchor.describe()))?;
            }
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
            let mut listed = HashSet::new();
            let mut after = None;
            loop {
                let page = store
                    .list_records(agency, &filter, RECORD_PAGE, after.as_ref())
                    .await
                    .map_err(|e| Failure::Aws(format!("listing records: {e}")))?;
                for record in &page.items {
                    let anchored = anchor.and_then(|anchor| anchor.head_of(&record.id));
                    let mut verdict = verify_record(store, agency, &record.id, anchored)
                        .await
                        .map_err(verify_failure)?;
                    if let Some(anchor) = anchor {
                        listed.insert(record.id.clone());
                        if anchored.is_none() && anchor.should_hold(record.created_at) {
                            verdict = Verdict::Broken(not_in_anchor(anchor));
                        }
                    }
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
            // Anchored records no longer listed (deleted since, or behind Dossier's back):
            // their history must still hold the anchored head.
            let mut gone: Vec<&RecordId> = anchor
                .map(|anchor| {
                    anchor
                        .records()
                        .filter(|id| !listed.contains(*id))
                        .collect()
                })
                .unwrap_or_default();
            gone.sort();
            for id in gone {
                let anchored = anchor.and_then(|anchor| anchor.head_of(id));
                let verdict = verify_record(store, agency, id, anchored)
                    .await
                    .map_err(verify_failure)?;
                checked += 1;
                match &verdict {
                    Verdict::Ok { entries: n, .. } => entries += n,
                    Verdict::Broken(_) | Verdict::NotFound => {
                        broken += 1;
                        write_out(out, &verdict_line(agency, id, &verdict))?;
                    }
                }
            }
            let held = anchor.map_or(String::new(), |anchor| {
                format!(", held to the {}", anchor.describe())
            });
            write_out(
                out,
                &format!(
                    "{} {}: {checked} records verified, {} OK ({entries} entries), {broken} broken{held}\n",
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

/// What the anchor says of a record it does not hold but should (it predates the anchor).
fn not_in_anchor(anchor: &Anchored) -> BrokenLink {
    BrokenLink {
        seq: 1,
        problem: Problem::Unanchored,
        expected: format!("in the {}", anchor.describe()),
        found: "not in it".into(),
    }
}

/// `verdict` of record `id`, which `anchor` does not hold: broken if the record predates
/// the anchor (by its creation time, or its first entry's if the item is gone).
async fn unanchored<S: RecordStore + AuditLog>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
    anchor: &Anchored,
    verdict: Verdict,
) -> Result<Verdict, Failure> {
    if !matches!(verdict, Verdict::Ok { .. }) {
        return Ok(verdict);
    }
    let failure = |e: StoreError| Failure::Aws(format!("verifying a chain: {e}"));
    let created = match store.get_record(agency, id).await.map_err(failure)? {
        Some(stored) => Some(stored.record.created_at),
        None => store
            .history(agency, id, 1, None)
            .await
            .map_err(failure)?
            .items
            .first()
            .map(|entry| entry.at),
    };
    Ok(match created {
        Some(created) if anchor.should_hold(created) => Verdict::Broken(not_in_anchor(anchor)),
        _ => verdict,
    })
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
/// entry at the `anchored` head's sequence number (if given) is the anchored one, then that
/// the stored head is the entry at its sequence number. Reading the head first means a write
/// racing with the check only extends the history past the head; when the history does
/// go past it, the record is read again, and the chain is broken unless the head moved
/// at least that far (or the record was deleted, by a `record.delete` entry).
///
/// Store errors other than an undecodable item (which is a broken link) are returned.
pub async fn verify_record<S: RecordStore + AuditLog>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
    anchored: Option<&ChainHead>,
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
    let mut hash_at_anchor: Option<String> = None;
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
            if anchored.is_some_and(|head| head.seq == entry.seq) {
                hash_at_anchor = Some(entry.hash.clone());
            }
            last_action = Some(entry.action);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let entries = checker.entries();
    if let Some(anchored) = anchored
        && hash_at_anchor.as_deref() != Some(anchored.hash.as_str())
    {
        return Ok(Verdict::Broken(BrokenLink {
            seq: anchored.seq,
            problem: Problem::Anchor,
            expected: anchored.hash.clone(),
            found: hash_at_anchor.unwrap_or_else(|| {
                format!("no entry (history ends at seq {})", checker.head().seq)
            }),
        }));
    }
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
