//! `export`: an agency's records, their history and their documents' metadata as JSON
//! Lines, streamed page by page.

use std::io::Write;

use serde_json::{Map, Value};
use shared::model::{AgencyId, RecordId};
use shared::store::{AuditLog, DocumentStore, ListFilter, RecordStore, StoreError};

use crate::Failure;
use crate::sink::Sink;

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
