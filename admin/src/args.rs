//! Command-line parsing, by hand: three subcommands with a handful of flags each do not
//! need a parser crate. `--flag value` and `--flag=value` are both accepted.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use shared::model::{AgencyId, RecordId};

/// Top-level help: `dossier-admin --help`.
pub const HELP: &str = "\
dossier-admin: operator tool for a Dossier deployment

USAGE:
    dossier-admin verify-chain --agency AGENCY (--record ID | --all) [--table TABLE]
    dossier-admin export --agency AGENCY --out FILE|s3://BUCKET/KEY [--table TABLE]
    dossier-admin redrive --from QUEUE_URL --to QUEUE_URL [--max N] [--dry-run]
    dossier-admin COMMAND --help

Runs with the operator's own AWS credentials through the SDK's default chain
(AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, ...; AWS_ENDPOINT_URL points it at a
local emulator). --table defaults to $TABLE_NAME.

Results go to stdout, progress to stderr.

EXIT CODES:
    0  success
    1  verification failed (a broken audit chain, or no such record)
    2  usage or configuration error
    3  AWS or I/O error
";

/// `dossier-admin verify-chain --help`.
pub const VERIFY_HELP: &str = "\
dossier-admin verify-chain: check records' tamper-evident audit chains end to end

USAGE:
    dossier-admin verify-chain --agency AGENCY --record ID [--table TABLE]
    dossier-admin verify-chain --agency AGENCY --all [--table TABLE]

Reads each record's history oldest first and checks every link: sequence numbers
without gaps, each prev_hash equal to the previous entry's hash, each hash equal to
the SHA-256 of the entry's canonical JSON. Then checks that the chain head stored on
the record item is the entry at that sequence and that no entry follows it (so truncated or appended
history is caught), or, for a deleted record, that the history ends with
record.delete.

--all verifies every record currently in the agency, confidential ones included
(deleted records are not listed; verify them one by one with --record).

Prints `OK ...` or `BROKEN ... at seq N: ...: expected X, found Y` per record
(with --all: only broken records, then a summary). Exit code 1 if any chain is broken.

OPTIONS:
    --agency AGENCY   the agency (required)
    --record ID       one record (its history is checked even if it was deleted)
    --all             every record of the agency
    --table TABLE     the DynamoDB table [default: $TABLE_NAME]
";

/// `dossier-admin export --help`.
pub const EXPORT_HELP: &str = "\
dossier-admin export: dump an agency's records, history and document metadata as JSON Lines

USAGE:
    dossier-admin export --agency AGENCY --out FILE [--table TABLE]
    dossier-admin export --agency AGENCY --out s3://BUCKET/KEY [--table TABLE]

Writes one JSON object per line:
    {\"kind\":\"record\", ...the record as the API shows it..., \"chain_head\":{\"seq\",\"hash\"}, \"document_count\":N}
    {\"kind\":\"audit\", \"agency\":..., \"record_id\":..., ...the audit entry as the API shows it...}
    {\"kind\":\"document\", ...the document metadata as the API shows it...}
each record followed by its history (oldest first) and its documents.

CONFIDENTIAL RECORDS ARE INCLUDED: this tool reads the table with the operator's AWS
credentials, not with a user's token, so no role or classification filter applies.
Treat the export as confidential.

The export streams page by page and is not a point-in-time snapshot: records changed
while it runs may appear in their old or new state (or, if updated mid-run, be skipped
or repeated). Records already deleted are not exported.

A file is written under a temporary name next to FILE and renamed when complete.
To S3, the export is a multipart upload of 8 MiB parts (a single PutObject when it
is smaller), aborted if the export fails, so a partial object is never left behind.

OPTIONS:
    --agency AGENCY   the agency (required)
    --out DEST        a file path, or s3://BUCKET/KEY (required)
    --table TABLE     the DynamoDB table [default: $TABLE_NAME]
";

/// `dossier-admin redrive --help`.
pub const REDRIVE_HELP: &str = "\
dossier-admin redrive: move messages from the ingest dead-letter queue back to the queue

USAGE:
    dossier-admin redrive --from DLQ_URL --to QUEUE_URL [--max N] [--dry-run]

Receives up to 10 messages at a time (1 s long poll), sends each body with its message
attributes to --to, and deletes it from --from only after that send succeeded. Stops
when --from is empty or N messages were moved. A message whose send fails stays in
--from (it reappears after 60 s) and the run stops with exit code 3.

--dry-run receives nothing: it reports --from's approximate message count (SQS
ApproximateNumberOfMessages) and checks that --to exists.

OPTIONS:
    --from URL    the queue to drain (the dead-letter queue) (required)
    --to URL      the queue to send to (required; not the same as --from)
    --max N       move at most N messages
    --dry-run     count, move nothing
";

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Print this help text and exit 0.
    Help(&'static str),
    /// Print the version and exit 0.
    Version,
    /// `verify-chain`.
    VerifyChain(VerifyArgs),
    /// `export`.
    Export(ExportArgs),
    /// `redrive`.
    Redrive(RedriveArgs),
}

/// What `verify-chain` checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyArgs {
    /// The DynamoDB table.
    pub table: String,
    /// The agency.
    pub agency: AgencyId,
    /// One record, or all of them.
    pub target: VerifyTarget,
}

/// One record or every record of the agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyTarget {
    /// `--record ID`.
    Record(RecordId),
    /// `--all`.
    All,
}

/// What `export` writes, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportArgs {
    /// The DynamoDB table.
    pub table: String,
    /// The agency.
    pub agency: AgencyId,
    /// Where the JSON Lines go.
    pub out: Destination,
}

/// Where an export goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A local file.
    File(PathBuf),
    /// An S3 object.
    S3 {
        /// The bucket.
        bucket: String,
        /// The object key.
        key: String,
    },
}

impl Destination {
    /// `s3://bucket/key` or a file path; any other `scheme://` is refused.
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        if let Some(rest) = text.strip_prefix("s3://") {
            return match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }),
                _ => Err(UsageError(format!(
                    "--out {text}: expected s3://BUCKET/KEY with both parts"
                ))),
            };
        }
        if text.contains("://") {
            return Err(UsageError(format!(
                "--out {text}: only local paths and s3://BUCKET/KEY are supported"
            )));
        }
        if text.is_empty() {
            return Err(UsageError("--out: empty path".into()));
        }
        Ok(Self::File(PathBuf::from(text)))
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// What `redrive` moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedriveArgs {
    /// The queue drained (the dead-letter queue).
    pub from: String,
    /// The queue sent to.
    pub to: String,
    /// At most this many messages.
    pub max: Option<u64>,
    /// Count only.
    pub dry_run: bool,
}

/// A command line that cannot be run: exit code 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments after the program name. `table_env` is `$TABLE_NAME`, the
/// default of `--table`.
pub fn parse(args: Vec<OsString>, table_env: Option<String>) -> Result<Command, UsageError> {
    let args = args
        .into_iter()
        .map(|arg| {
            arg.into_string()
                .map_err(|bad| UsageError(format!("argument is not UTF-8: {bad:?}")))
        })
        .collect::<Result<Vec<String>, _>>()?;
    let Some((command, rest)) = args.split_first() else {
        return Err(UsageError(
            "no command given (verify-chain, export or redrive)".into(),
        ));
    };
    let (help, parse_rest): (&'static str, fn(Flags, Option<String>) -> _) = match command.as_str()
    {
        "-h" | "--help" | "help" => return Ok(Command::Help(HELP)),
        "-V" | "--version" => return Ok(Command::Version),
        "verify-chain" => (VERIFY_HELP, verify),
        "export" => (EXPORT_HELP, export),
        "redrive" => (REDRIVE_HELP, redrive),
        other => {
            return Err(UsageError(format!(
                "unknown command {other:?} (verify-chain, export or redrive)"
            )));
        }
    };
    if rest.iter().any(|arg| arg == "-h" || arg == "--help") {
        return Ok(Command::Help(help));
    }
    let flags = Flags::parse(rest)?;
    parse_rest(flags, table_env)
}

fn verify(mut flags: Flags, table_env: Option<String>) -> Result<Command, UsageError> {
    let table = table(&mut flags, table_env)?;
    let agency = agency(&mut flags)?;
    let record = flags.value("--record");
    let all = flags.switch("--all");
    flags.finish()?;
    let target = match (record, all) {
        (Some(_), true) => return Err(UsageError("give --record ID or --all, not both".into())),
        (None, false) => return Err(UsageError("give --record ID or --all".into())),
        (None, true) => VerifyTarget::All,
        (Some(id), false) => VerifyTarget::Record(
            RecordId::parse(&id)
                .ok_or_else(|| UsageError(format!("--record {id:?} is not a record id (ULID)")))?,
        ),
    };
    Ok(Command::VerifyChain(VerifyArgs {
        table,
        agency,
        target,
    }))
}

fn export(mut flags: Flags, table_env: Option<String>) -> Result<Command, UsageError> {
    let table = table(&mut flags, table_env)?;
    let agency = agency(&mut flags)?;
    let out = flags
        .value("--out")
        .ok_or_else(|| UsageError("--out FILE|s3://BUCKET/KEY is required".into()))?;
    flags.finish()?;
    Ok(Command::Export(ExportArgs {
        table,
        agency,
        out: Destination::parse(&out)?,
    }))
}

fn redrive(mut flags: Flags, _table_env: Option<String>) -> Result<Command, UsageError> {
    let from = flags
        .value("--from")
        .ok_or_else(|| UsageError("--from QUEUE_URL is required".into()))?;
    let to = flags
        .value("--to")
        .ok_or_else(|| UsageError("--to QUEUE_URL is required".into()))?;
    let max = flags
        .value("--max")
        .map(|text| match text.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(UsageError(format!(
                "--max {text:?}: expected a whole number of at least 1"
            ))),
        })
        .transpose()?;
    let dry_run = flags.switch("--dry-run");
    flags.finish()?;
    if from == to {
        return Err(UsageError("--from and --to are the same queue".into()));
    }
    for (flag, url) in [("--from", &from), ("--to", &to)] {
        if url.ends_with(".fifo") {
            return Err(UsageError(format!(
                "{flag} {url}: FIFO queues are not supported (Dossier's queues are standard)"
            )));
        }
        if !url.contains("://") {
            return Err(UsageError(format!(
                "{flag} {url:?}: expected a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
            )));
        }
    }
    Ok(Command::Redrive(RedriveArgs {
        from,
        to,
        max,
        dry_run,
    }))
}

fn table(flags: &mut Flags, table_env: Option<String>) -> Result<String, UsageError> {
    flags
        .value("--table")
        .or(table_env)
        .filter(|table| !table.trim().is_empty())
        .ok_or_else(|| UsageError("no table: give --table TABLE or set TABLE_NAME".into()))
}

fn agency(flags: &mut Flags) -> Result<AgencyId, UsageError> {
    let text = flags
        .value("--agency")
        .ok_or_else(|| UsageError("--agency AGENCY is required".into()))?;
    AgencyId::parse(&text).ok_or_else(|| {
        UsageError(format!(
            "--agency {text:?}: expected 2 to 32 of a-z, 0-9 and -"
        ))
    })
}

/// Flags in the order given: `(name, value)`, `value` `None` for a bare switch.
struct Flags(Vec<(String, Option<String>)>);

/// Flags that take a value (any other `--name` is a switch).
const VALUED: [&str; 7] = [
    "--agency", "--record", "--table", "--out", "--from", "--to", "--max",
];

impl Flags {
    fn parse(args: &[String]) -> Result<Self, UsageError> {
        let mut flags = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if !arg.starts_with("--") {
                return Err(UsageError(format!("unexpected argument {arg:?}")));
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let value = if VALUED.contains(&name.as_str()) {
                match inline {
                    Some(value) => Some(value),
                    None => Some(
                        args.next()
                            .filter(|value| !value.starts_with("--"))
                            .ok_or_else(|| UsageError(format!("{name} needs a value")))?
                            .clone(),
                    ),
                }
            } else if inline.is_some() {
                return Err(UsageError(format!("{name} takes no value")));
            } else {
                None
            };
            if flags.iter().any(|(seen, _)| *seen == name) {
                return Err(UsageError(format!("{name} given twice")));
            }
            flags.push((name, value));
        }
        Ok(Self(flags))
    }

    /// Takes the value of `name`.
    fn value(&mut self, name: &str) -> Option<String> {
        let index = self
            .0
            .iter()
            .position(|(flag, value)| flag == name && value.is_some())?;
        self.0.remove(index).1
    }

    /// Takes the switch `name`.
    fn switch(&mut self, name: &str) -> bool {
        match self
            .0
            .iter()
            .position(|(flag, value)| flag == name && value.is_none())
        {
            Some(index) => {
                self.0.remove(index);
                true
            }
            None => false,
        }
    }

    /// Fails on any flag not taken.
    fn finish(self) -> Result<(), UsageError> {
        match self.0.first() {
            None => Ok(()),
            Some((name, _)) => Err(UsageError(format!(
                "unknown option {name} for this command"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "01HZY5K3M9Q8R7T6V5W4X3Y2Z1";

    fn parse_str(args: &[&str], table: Option<&str>) -> Result<Command, UsageError> {
        parse(
            args.iter().map(OsString::from).collect(),
            table.map(str::to_owned),
        )
    }

    #[test]
    fn verify_chain_takes_a_record_or_all() {
        let command = parse_str(
            &["verify-chain", "--agency", "parks", "--record", ID],
            Some("t"),
        )
        .unwrap();
        assert_eq!(
            command,
            Command::VerifyChain(VerifyArgs {
                table: "t".into(),
                agency: AgencyId::parse("parks").unwrap(),
                target: VerifyTarget::Record(RecordId::parse(ID).unwrap()),
            })
        );
        let all = parse_str(
            &["verify-chain", "--agency=parks", "--all", "--table=x"],
            Some("t"),
        )
        .unwrap();
        assert!(matches!(
            all,
            Command::VerifyChain(VerifyArgs { ref table, target: VerifyTarget::All, .. }) if table == "x"
        ));
        for bad in [
            &["verify-chain", "--agency", "parks"][..],
            &["verify-chain", "--agency", "parks", "--all", "--record", ID],
            &["verify-chain", "--agency", "Parks!", "--all"],
            &["verify-chain", "--agency", "parks", "--record", "nope"],
            &["verify-chain", "--agency", "parks", "--all", "--bogus"],
            &["verify-chain", "--agency", "parks", "--all", "--all"],
            &["verify-chain", "--agency", "--all"],
        ] {
            assert!(parse_str(bad, Some("t")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_table_comes_from_the_flag_or_the_environment() {
        assert_eq!(
            parse_str(&["verify-chain", "--agency", "parks", "--all"], None),
            Err(UsageError(
                "no table: give --table TABLE or set TABLE_NAME".into()
            ))
        );
        assert!(parse_str(&["verify-chain", "--agency", "parks", "--all"], Some(" ")).is_err());
    }

    #[test]
    fn export_destinations() {
        assert_eq!(
            Destination::parse("s3://bucket/a/b.jsonl"),
            Ok(Destination::S3 {
                bucket: "bucket".into(),
                key: "a/b.jsonl".into()
            })
        );
        assert_eq!(
            Destination::parse("out.jsonl"),
            Ok(Destination::File("out.jsonl".into()))
        );
        for bad in [
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "https://x/y",
            "",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
        assert!(parse_str(&["export", "--agency", "parks"], Some("t")).is_err());
    }

    #[test]
    fn redrive_flags() {
        let command = parse_str(
            &[
                "redrive",
                "--from",
                "http://q/dlq",
                "--to",
                "http://q/main",
                "--max",
                "5",
                "--dry-run",
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            command,
            Command::Redrive(RedriveArgs {
                from: "http://q/dlq".into(),
                to: "http://q/main".into(),
                max: Some(5),
                dry_run: true,
            })
        );
        for bad in [
            &["redrive", "--from", "http://q/a"][..],
            &["redrive", "--from", "http://q/a", "--to", "http://q/a"],
            &[
                "redrive",
                "--from",
                "http://q/a",
                "--to",
                "http://q/b",
                "--max",
                "0",
            ],
            &[
                "redrive",
                "--from",
                "http://q/a",
                "--to",
                "http://q/b",
                "--max",
                "-1",
            ],
            &["redrive", "--from", "http://q/a.fifo", "--to", "http://q/b"],
            &["redrive", "--from", "a", "--to", "b"],
            &[
                "redrive",
                "--from",
                "http://q/a",
                "--to",
                "http://q/b",
                "--dry-run=yes",
            ],
        ] {
            assert!(parse_str(bad, None).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn help_and_unknown_commands() {
        assert_eq!(parse_str(&["--help"], None), Ok(Command::Help(HELP)));
        assert_eq!(
            parse_str(&["export", "--help"], None),
            Ok(Command::Help(EXPORT_HELP))
        );
        assert!(EXPORT_HELP.contains("CONFIDENTIAL RECORDS ARE INCLUDED"));
        assert!(parse_str(&[], None).is_err());
        assert!(parse_str(&["frobnicate"], None).is_err());
    }
}
