//! `export`: an agency's records, their history and their documents' metadata as JSON
//! Lines, streamed page by page.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use serde_json::{Map, Value};
use shared::model::{AgencyId, RecordId};
use shared::store::{AuditLog, DocumentStore, DynamoStore, ListFilter, RecordStore, StoreError};

use crate::sink::{FileSink, PART_SIZE, S3Upload, Sink};
use crate::{Failure, TableArg, exit, load_aws, parse_agency, write_out};

/// Dump an agency's records, history and document metadata as JSON Lines.
///
/// Writes one JSON object per line:
///     {"kind":"record", ...the record as the API shows it..., "chain_head":{"seq","hash"}, "document_count":N}
///     {"kind":"audit", "agency":..., "record_id":..., ...the audit entry as the API shows it...}
///     {"kind":"document", ...the document metadata as the API shows it...}
/// each record followed by its history (oldest first) and its documents.
///
/// CONFIDENTIAL RECORDS ARE INCLUDED: this tool reads the table with the operator's AWS
/// credentials, not with a user's token, so no role or classification filter applies.
/// Treat the export as confidential.
///
/// The export streams page by page and is not a point-in-time snapshot: records changed
/// while it runs may appear in their old or new state (or, if updated mid-run, be skipped
/// or repeated). Records already deleted are not exported.
///
/// A file is written under a temporary name next to FILE and renamed when complete. To
/// S3, the export is a multipart upload of 8 MiB parts (a single PutObject when it is
/// smaller), aborted if the export fails, so a partial object is never left behind.
#[derive(Clone, Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Export {
    /// The agency.
    #[arg(long, value_parser = parse_agency)]
    pub agency: AgencyId,
    /// A file path, or s3://BUCKET/KEY.
    #[arg(long, value_name = "FILE|s3://BUCKET/KEY", value_parser = Destination::parse)]
    pub out: Destination,
    #[command(flatten)]
    pub table: TableArg,
}

impl Export {
    /// Runs the command against the table, with the operator's AWS credentials.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        let table = self.table.get()?;
        let aws = load_aws().await?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        export_to(&store, &shared::s3_client(&aws), self, out, err).await
    }
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
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(rest) = text.strip_prefix("s3://") {
            return match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }),
                _ => Err("expected s3://BUCKET/KEY with both parts".into()),
            };
        }
        if text.contains("://") {
            return Err("only local paths and s3://BUCKET/KEY are supported".into());
        }
        if text.is_empty() {
            return Err("empty path".into());
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

/// `export` of `store` to a file or, through `s3`, an S3 object. The summary goes to `out`.
/// On failure the temporary file is removed or the upload aborted: no partial export is
/// left at the destination.
async fn export_to(
    store: &DynamoStore,
    s3: &aws_sdk_s3::Client,
    args: &Export,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let mut sink = match &args.out {
        Destination::File(path) => Sink::File(FileSink::create(path)?),
        Destination::S3 { bucket, key } => {
            Sink::S3(S3Upload::new(s3.clone(), bucket, key, PART_SIZE))
        }
    };
    let summary = match export(store, &args.agency, &mut sink, err).await {
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

/// Records listed per query.
pub const RECORD_PAGE: usize = 100;
/// Audit entries and documents read per query.
const DETAIL_PAGE: usize = 100;
/// Progress goes to stderr every this many records.
const PROGRESS_EVERY: u64 = 100;

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// `record` lines.
    pub records: u64,
    /// `audit` lines.
    pub audit_entries: u64,
    /// `document` lines.
    pub documents: u64,
    /// Records listed but deleted before their turn came (not written).
    pub vanished: u64,
}

/// Writes every record of `agency` (confidential ones included) to `sink`, each followed
/// by its audit entries, oldest first, and its documents' metadata. Holds one page of
/// records and one page of entries at a time. Progress lines go to `progress`.
///
/// The lines (keys after `kind` in serde's order):
/// - `{"kind":"record", <the record as the API shows it>, "chain_head":{"seq","hash"},
///   "document_count":N}`
/// - `{"kind":"audit", "agency", "record_id", <the entry as the API shows it>}`: remove
///   `kind`, `agency`, `record_id` and `hash` and its SHA-256 over JCS is `hash` again.
/// - `{"kind":"document", <the document's metadata as the API shows it>}`
///
/// Does not finish or abort `sink`: the caller does, depending on the outcome.
pub async fn export<S: RecordStore + AuditLog + DocumentStore>(
    store: &S,
    agency: &AgencyId,
    sink: &mut Sink,
    progress: &mut impl Write,
) -> Result<ExportSummary, Failure> {
    let filter = ListFilter {
        include_confidential: true,
        ..ListFilter::default()
    };
    let mut summary = ExportSummary::default();
    let mut after = None;
    loop {
        let page = store
            .list_records(agency, &filter, RECORD_PAGE, after.as_ref())
            .await
            .map_err(|e| store_failure("listing records", e))?;
        for listed in &page.items {
            // The stored record (read strongly consistent) carries the chain head.
            let Some(stored) = store
                .get_record(agency, &listed.id)
                .await
                .map_err(|e| store_failure("reading a record", e))?
            else {
                summary.vanished += 1;
                continue;
            };
            let mut fields = object(&stored.record)?;
            fields.insert("chain_head".into(), to_value(&stored.head)?);
            fields.insert("document_count".into(), Value::from(stored.documents));
            sink.write(line("record", fields).as_bytes()).await?;
            summary.records += 1;
            summary.audit_entries += export_history(store, agency, &listed.id, sink).await?;
            summary.documents += export_documents(store, agency, &listed.id, sink).await?;
            if summary.records.is_multiple_of(PROGRESS_EVERY) {
                let _ = writeln!(
                    progress,
                    "export: {} records, {} audit entries, {} documents",
                    summary.records, summary.audit_entries, summary.documents
                );
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(summary),
        }
    }
}

async fn export_history<S: AuditLog>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
    sink: &mut Sink,
) -> Result<u64, Failure> {
    let mut written = 0;
    let mut after = None;
    loop {
        let page = store
            .history(agency, id, DETAIL_PAGE, after)
            .await
            .map_err(|e| store_failure(&format!("reading the history of {id}"), e))?;
        for entry in &page.items {
            let mut fields = Map::new();
            fields.insert("agency".into(), Value::from(agency.as_str()));
            fields.insert("record_id".into(), Value::from(id.as_str()));
            fields.extend(object(entry)?);
            sink.write(line("audit", fields).as_bytes()).await?;
            written += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(written),
        }
    }
}

async fn export_documents<S: DocumentStore>(
    store: &S,
    agency: &AgencyId,
    id: &RecordId,
    sink: &mut Sink,
) -> Result<u64, Failure> {
    let mut written = 0;
    let mut after = None;
    loop {
        let page = store
            .list_documents(agency, id, DETAIL_PAGE, after.as_ref())
            .await
            .map_err(|e| store_failure(&format!("listing the documents of {id}"), e))?;
        for document in &page.items {
            sink.write(line("document", object(document)?).as_bytes())
                .await?;
            written += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(written),
        }
    }
}

/// `{"kind":KIND, ...fields}` and a newline.
fn line(kind: &str, fields: Map<String, Value>) -> String {
    let mut out = String::from("{\"kind\":");
    out.push_str(&Value::from(kind).to_string());
    for (name, value) in &fields {
        out.push(',');
        out.push_str(&Value::from(name.as_str()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push_str("}\n");
    out
}

fn to_value(value: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::Io(format!("serializing: {e}")))
}

fn object(value: &impl serde::Serialize) -> Result<Map<String, Value>, Failure> {
    match to_value(value)? {
        Value::Object(fields) => Ok(fields),
        other => Err(Failure::Io(format!("expected an object, got {other}"))),
    }
}

fn store_failure(context: &str, error: StoreError) -> Failure {
    Failure::Aws(format!("{context}: {error}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lines_put_kind_first_and_end_with_a_newline() {
        let mut fields = Map::new();
        fields.insert("b".into(), json!([1, "x\ny"]));
        fields.insert("a".into(), json!({"z": null}));
        let text = line("audit", fields);
        assert_eq!(
            text,
            "{\"kind\":\"audit\",\"a\":{\"z\":null},\"b\":[1,\"x\\ny\"]}\n"
        );
        let parsed: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(parsed["kind"], "audit");
        assert_eq!(line("record", Map::new()), "{\"kind\":\"record\"}\n");
    }
}
