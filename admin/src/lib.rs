//! `dossier-admin`: the operator's command-line tool for a Dossier deployment.
//!
//! ```sh
//! # One record's audit chain, end to end (and its stored chain head):
//! dossier-admin verify-chain --table dossier-prod --agency parks --record 01J9Z3K4M5N6P7Q8R9S0T1V2W3
//! # Every record of an agency (TABLE_NAME is the default table):
//! TABLE_NAME=dossier-prod dossier-admin verify-chain --agency parks --all
//! # ... and against the latest signed anchor (the stack's AnchorsBucketName, AnchorKeyArn):
//! dossier-admin verify-chain --agency parks --all --anchors --anchor-bucket "$BUCKET" --anchor-key "$KEY"
//! # A local server's data folder, against its anchors:
//! dossier-admin verify-chain --data .dossier --agency parks --all --anchors
//! # An agency's records, history and document metadata as JSON Lines, to a file or S3:
//! dossier-admin export --agency parks --out parks.jsonl
//! dossier-admin export --agency parks --out s3://dossier-exports/parks/2025-06-01.jsonl
//! # The ingest dead-letter queue back into the ingest queue (count first):
//! dossier-admin redrive --from "$DLQ_URL" --to "$QUEUE_URL" --dry-run
//! dossier-admin redrive --from "$DLQ_URL" --to "$QUEUE_URL" --max 500
//! # An agency's search indexes, rebuilt from the table (BUCKET_NAME, INDEX_BUCKET):
//! dossier-admin reindex --agency parks --bucket "$DOCUMENTS" --index-bucket "$INDEX"
//! # What a deleted record left in the documents bucket (after Object Lock let go):
//! dossier-admin purge-documents --agency parks --record 01J9Z3K4M5N6P7Q8R9S0T1V2W3 --bucket "$DOCUMENTS"
//! ```
//!
//! It runs with the operator's AWS credentials from the SDK's default chain
//! (`AWS_PROFILE`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...), so it reads every record,
//! confidential ones included: no user token, no role. `AWS_ENDPOINT_URL` points it at a
//! local emulator. Results go to stdout, progress to stderr; exit codes are in [`exit`].
//!
//! Each command is a module owning its arguments and its run: [`verify_chain`],
//! [`export`], [`redrive`], [`reindex`], [`purge`]. `main.rs` only hands the process's arguments and standard
//! streams to [`run`].

pub mod anchors;
pub mod export;
pub mod purge;
pub mod redrive;
pub mod reindex;
pub mod sink;
pub mod verify_chain;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sqs::config::ProvideCredentials;
use aws_sdk_sqs::error::{DisplayErrorContext, SdkError};
use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use shared::model::{AgencyId, RecordId};

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

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "dossier-admin",
    version,
    about = "Operator tool for a Dossier deployment",
    long_about = "Operator tool for a Dossier deployment.\n\n\
        Runs with the operator's own AWS credentials through the SDK's default chain \
        (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, ...; AWS_ENDPOINT_URL points it at a \
        local emulator). Results go to stdout, progress to stderr.",
    after_help = "Exit codes: 0 success, 1 verification failed, 2 usage or configuration error, \
        3 AWS or I/O error."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands. Each one's help is its arguments' doc comment (no comment here: clap
/// would show it instead).
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(alias = "verify")]
    VerifyChain(verify_chain::VerifyChain),
    Export(export::Export),
    Redrive(redrive::Redrive),
    Reindex(reindex::Reindex),
    PurgeDocuments(purge::PurgeDocuments),
}

/// `--table`, for the commands that read the records table.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TableArg {
    /// The DynamoDB table [default: $TABLE_NAME]
    #[arg(
        long = "table",
        value_name = "TABLE",
        env = "TABLE_NAME",
        hide_env = true
    )]
    pub name: Option<String>,
}

impl TableArg {
    /// The table named by `--table` or `$TABLE_NAME`.
    pub fn get(&self) -> Result<&str, Failure> {
        self.name
            .as_deref()
            .filter(|table| !table.trim().is_empty())
            .ok_or_else(|| Failure::Usage("no table: give --table TABLE or set TABLE_NAME".into()))
    }
}

/// `--agency`: 2 to 32 of a-z, 0-9 and `-`.
pub fn parse_agency(text: &str) -> Result<AgencyId, String> {
    AgencyId::parse(text).ok_or_else(|| "expected 2 to 32 of a-z, 0-9 and -".to_owned())
}

/// `--record`: a record id (ULID).
pub fn parse_record_id(text: &str) -> Result<RecordId, String> {
    RecordId::parse(text).ok_or_else(|| "not a record id (ULID)".to_owned())
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

/// Runs the command line `args` (without the program name), results to `out`, progress
/// and errors to `err`. Returns the exit code.
pub async fn run(args: Vec<OsString>, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let argv = std::iter::once(OsString::from("dossier-admin")).chain(args);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{text}");
                    exit::OK
                }
                _ => {
                    let text = text.strip_prefix("error: ").unwrap_or(&text);
                    let _ = write!(err, "dossier-admin: {text}");
                    exit::USAGE
                }
            };
        }
    };
    let ran = match &cli.command {
        Command::VerifyChain(command) => command.run(out, err).await,
        Command::Export(command) => command.run(out, err).await,
        Command::Redrive(command) => command.run(out, err).await,
        Command::Reindex(command) => command.run(out, err).await,
        Command::PurgeDocuments(command) => command.run(out, err).await,
    };
    ran.unwrap_or_else(|failure| {
        let _ = writeln!(err, "dossier-admin: {failure}");
        failure.exit_code()
    })
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

/// Writes a result to stdout.
pub(crate) fn write_out(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("writing to stdout: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, ErrorKind> {
        Cli::try_parse_from(std::iter::once("dossier-admin").chain(args.iter().copied()))
            .map(|cli| cli.command)
            .map_err(|error| error.kind())
    }

    #[test]
    fn unknown_commands_and_flags_are_refused() {
        assert_eq!(
            parse(&["nonsense"]).unwrap_err(),
            ErrorKind::InvalidSubcommand
        );
        assert_eq!(
            parse(&["export", "--agency", "parks", "--out", "x", "--tabel", "t"]).unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&[
                "redrive",
                "--from",
                "https://q/a",
                "--to",
                "https://q/b",
                "extra"
            ])
            .unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&[]).unwrap_err(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        assert_eq!(parse(&["--help"]).unwrap_err(), ErrorKind::DisplayHelp);
        assert_eq!(
            parse(&["export", "--help"]).unwrap_err(),
            ErrorKind::DisplayHelp
        );
        assert_eq!(
            parse(&["--version"]).unwrap_err(),
            ErrorKind::DisplayVersion
        );
    }

    #[test]
    fn the_table_comes_from_the_flag() {
        let table = |args: &[&str]| match parse(args).unwrap() {
            Command::Export(export) => export.table.name,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            table(&["export", "--agency", "parks", "--out", "x", "--table", "t"]).as_deref(),
            Some("t")
        );
        assert_eq!(
            TableArg {
                name: Some(" ".into())
            }
            .get(),
            Err(Failure::Usage(
                "no table: give --table TABLE or set TABLE_NAME".into()
            ))
        );
    }
}
