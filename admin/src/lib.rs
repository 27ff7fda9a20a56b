//! `dossier-admin`: the operator's command-line tool for a Dossier deployment (issue 7).
//!
//! ```sh
//! # One record's audit chain, end to end (and its stored chain head):
//! dossier-admin verify-chain --table dossier-prod --agency parks --record 01J9Z3K4M5N6P7Q8R9S0T1V2W3
//! # Every record of an agency (TABLE_NAME is the default table):
//! TABLE_NAME=dossier-prod dossier-admin verify-chain --agency parks --all
//! # An agency's records, history and document metadata as JSON Lines, to a file or S3:
//! dossier-admin export --agency parks --out parks.jsonl
//! dossier-admin export --agency parks --out s3://dossier-exports/parks/2025-06-01.jsonl
//! # The ingest dead-letter queue back into the ingest queue (count first):
//! dossier-admin redrive --from "$DLQ_URL" --to "$QUEUE_URL" --dry-run
//! dossier-admin redrive --from "$DLQ_URL" --to "$QUEUE_URL" --max 500
//! ```
//!
//! It runs with the operator's AWS credentials from the SDK's default chain
//! (`AWS_PROFILE`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...), so it reads every record,
//! confidential ones included: no user token, no role. `AWS_ENDPOINT_URL` points it at a
//! local emulator. Results go to stdout, progress to stderr; exit codes are in [`exit`].
//!
//! The logic lives here, testable; `main.rs` only hands over the process's arguments,
//! environment and standard streams to [`run`].

pub mod args;
pub mod export;
pub mod redrive;
pub mod sink;
pub mod verify;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sqs::config::ProvideCredentials;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use shared::model::AgencyId;
use shared::store::{DynamoStore, ListFilter, RecordStore};

use args::{Command, Destination, ExportArgs, RedriveArgs, VerifyArgs, VerifyTarget};
use redrive::RedriveOutcome;
use sink::{FileSink, S3Upload, Sink};
use verify::Verdict;

/// The process exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Verification failed: a broken chain, or nothing to verify.
    pub const VERIFICATION_FAILED: u8 = 1;
    /// The command line or the configuration (region, credentials, table) is wrong.
    pub const USAGE: u8 = 2;
    /// An AWS call (or local I/O) failed.
    pub const AWS: u8 = 3;
}

/// Why a command could not run to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A bad command line: exit 2.
    Usage(String),
    /// A missing or bad setting (region, credentials): exit 2.
    Config(String),
    /// An AWS call failed: exit 3.
    Aws(String),
    /// Local I/O failed: exit 3.
    Io(String),
}

impl Failure {
    /// The exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Config(_) => exit::USAGE,
            Self::Aws(_) | Self::Io(_) => exit::AWS,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(why) => write!(f, "{why}"),
            Self::Config(why) => write!(f, "configuration: {why}"),
            Self::Aws(why) => write!(f, "AWS error: {why}"),
            Self::Io(why) => write!(f, "I/O error: {why}"),
        }
    }
}

impl std::error::Error for Failure {}

/// An SDK error, with its whole chain of causes (the service's code and message, or why
/// the request never got an answer).
pub(crate) fn aws_failure<E, R>(context: &str, error: SdkError<E, R>) -> Failure
where
    E: std::error::Error + 'static,
    R: fmt::Debug,
{
    Failure::Aws(format!("{context}: {}", DisplayErrorContext(&error)))
}

/// Runs the command line `args` (without the program name), with `table_env` as the
/// default table (`$TABLE_NAME`), results to `out`, progress and errors to `err`.
/// Returns the exit code.
pub async fn run(
    args: Vec<OsString>,
    table_env: Option<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let command = match args::parse(args, table_env) {
        Ok(command) => command,
        Err(usage) => {
            let _ = writeln!(err, "dossier-admin: {usage}\nTry 'dossier-admin --help'.");
            return exit::USAGE;
        }
    };
    match execute(command, out, err).await {
        Ok(code) => code,
        Err(failure) => {
            let _ = writeln!(err, "dossier-admin: {failure}");
            failure.exit_code()
        }
    }
}

/// Runs a parsed command; `Ok` carries the exit code of a command that ran to the end.
pub async fn execute(
    command: Command,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    match command {
        Command::Help(text) => {
            write_out(out, text)?;
            Ok(exit::OK)
        }
        Command::Version => {
            write_out(
                out,
                &format!("dossier-admin {}\n", env!("CARGO_PKG_VERSION")),
            )?;
            Ok(exit::OK)
        }
        Command::VerifyChain(args) => {
            let aws = load_aws().await?;
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &args.table);
            verify_chain(&store, &args, out, err).await
        }
        Command::Export(args) => {
            let aws = load_aws().await?;
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &args.table);
            export(&store, &shared::s3_client(&aws), &args, out, err).await
        }
        Command::Redrive(args) => {
            let aws = load_aws().await?;
            redrive(&aws_sdk_sqs::Client::new(&aws), &args, out, err).await
        }
    }
}

/// The AWS configuration from the default chain, with a region and credentials checked
/// up front so that their absence is a configuration error (exit 2), not a failed call.
pub async fn load_aws() -> Result<SdkConfig, Failure> {
    let aws = aws_config::load_defaults(BehaviorVersion::latest()).await;
    if aws.region().is_none() {
        return Err(Failure::Config(
            "no AWS region: set AWS_REGION, or AWS_PROFILE to a profile with a region".into(),
        ));
    }
    let provider = aws.credentials_provider().ok_or_else(|| {
        Failure::Config("no AWS credentials provider in the default chain".into())
    })?;
    provider.provide_credentials().await.map_err(|e| {
        Failure::Config(format!(
            "no AWS credentials: {} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            DisplayErrorContext(&e)
        ))
    })?;
    Ok(aws)
}

fn write_out(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("writing to stdout: {e}")))
}

/// `verify-chain` on `store`: one `OK`/`BROKEN`/`NOT FOUND` line per record to `out`
/// (with `--all`, only the broken ones, then a summary line), progress to `err`. Exit
/// code 1 if any chain is broken or the record does not exist.
pub async fn verify_chain<S: RecordStore + shared::store::AuditLog>(
    store: &S,
    args: &VerifyArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let verify_failure =
        |e: shared::store::StoreError| Failure::Aws(format!("verifying a chain: {e}"));
    match &args.target {
        VerifyTarget::Record(id) => {
            let verdict = verify::verify_record(store, &args.agency, id)
                .await
                .map_err(verify_failure)?;
            write_out(out, &verdict_line(&args.agency, id, &verdict))?;
            Ok(match verdict {
                Verdict::Ok { .. } => exit::OK,
                Verdict::Broken(_) | Verdict::NotFound => exit::VERIFICATION_FAILED,
            })
        }
        VerifyTarget::All => {
            let filter = ListFilter {
                include_confidential: true,
                ..ListFilter::default()
            };
            let (mut checked, mut broken, mut entries) = (0u64, 0u64, 0u64);
            let mut after = None;
            loop {
                let page = store
                    .list_records(&args.agency, &filter, export::RECORD_PAGE, after.as_ref())
                    .await
                    .map_err(|e| Failure::Aws(format!("listing records: {e}")))?;
                for record in &page.items {
                    let verdict = verify::verify_record(store, &args.agency, &record.id)
                        .await
                        .map_err(verify_failure)?;
                    checked += 1;
                    match &verdict {
                        Verdict::Ok { entries: n, .. } => entries += n,
                        Verdict::Broken(_) | Verdict::NotFound => {
                            broken += 1;
                            write_out(out, &verdict_line(&args.agency, &record.id, &verdict))?;
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
                    args.agency,
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
pub fn verdict_line(agency: &AgencyId, id: &shared::model::RecordId, verdict: &Verdict) -> String {
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

/// `export` of `store` to a file or, through `s3`, an S3 object. The summary goes to `out`.
/// On failure the temporary file is removed or the upload aborted: no partial export is
/// left at the destination.
pub async fn export(
    store: &DynamoStore,
    s3: &aws_sdk_s3::Client,
    args: &ExportArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let mut sink = match &args.out {
        Destination::File(path) => Sink::File(FileSink::create(path)?),
        Destination::S3 { bucket, key } => {
            Sink::S3(S3Upload::new(s3.clone(), bucket, key, sink::PART_SIZE))
        }
    };
    let summary = match export::export(store, &args.agency, &mut sink, err).await {
        Ok(summary) => summary,
        Err(failure) => {
            sink.abort().await;
            return Err(failure);
        }
    };
    sink.finish().await?;
    write_out(
        out,
        &format!(
            "exported {} records, {} audit entries, {} documents of {} to {}{}\n",
            summary.records,
            summary.audit_entries,
            summary.documents,
            args.agency,
            args.out,
            if summary.vanished > 0 {
                format!(" ({} deleted while exporting, left out)", summary.vanished)
            } else {
                String::new()
            }
        ),
    )?;
    Ok(exit::OK)
}

/// `redrive` through `sqs`. The count goes to `out`.
pub async fn redrive(
    sqs: &aws_sdk_sqs::Client,
    args: &RedriveArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let line = match redrive::redrive(sqs, args, err).await? {
        RedriveOutcome::Moved(moved) => {
            format!("moved {moved} messages from {} to {}\n", args.from, args.to)
        }
        RedriveOutcome::DryRun {
            available,
            in_flight,
            would_move,
        } => format!(
            "dry run: would move {would_move} messages from {} to {} ({available} available, {in_flight} in flight; approximate)\n",
            args.from, args.to
        ),
    };
    write_out(out, &line)?;
    Ok(exit::OK)
}
