//! `purge-documents`: deletes what a deleted record left in the documents bucket.

use std::io::Write;

use shared::blob::{S3Blobs, purge_record};
use shared::model::{AgencyId, RecordId};
use shared::store::{DynamoStore, RecordStore};

use crate::{Failure, TableArg, load_aws, parse_agency, parse_record_id, write_out};

/// Delete every version of a deleted record's documents (and their quarantined copies).
///
/// The `purge-documents` function does this on the table's stream when a record is
/// deleted; run this once a `documents-locked` alarm's Object Lock retention has ended, or
/// after a `purge-failures` alarm. Refused while the record is still in the table. Prints
/// `{"deleted": N, "locked": [keys]}`; exits 1 while Object Lock still keeps versions.
#[derive(Clone, Debug, clap::Args)]
pub struct PurgeDocuments {
    #[command(flatten)]
    pub table: TableArg,
    /// The record's agency.
    #[arg(long, value_parser = parse_agency)]
    pub agency: AgencyId,
    /// The deleted record.
    #[arg(long, value_parser = parse_record_id)]
    pub record: RecordId,
    /// The documents bucket [default: $BUCKET_NAME]
    #[arg(long, value_name = "BUCKET", env = "BUCKET_NAME", hide_env = true)]
    pub bucket: String,
}

impl PurgeDocuments {
    /// Runs the command, with the operator's AWS credentials.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        let table = self.table.get()?;
        let aws = load_aws().await?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        let (agency, record) = (&self.agency, &self.record);
        let exists = store
            .get_record(agency, record)
            .await
            .map_err(|e| Failure::Aws(format!("reading the record: {e}")))?;
        if exists.is_some() {
            return Err(Failure::Usage(format!(
                "record {record} of {agency} is still in the table: delete it first"
            )));
        }
        let blobs = S3Blobs::new(shared::s3_client(&aws), &self.bucket);
        let purged = purge_record(&blobs, agency, record)
            .await
            .map_err(|e| Failure::Aws(e.to_string()))?;
        let _ = writeln!(
            err,
            "deleted {} object versions of {agency}/{record}",
            purged.deleted
        );
        let summary = serde_json::json!({"deleted": purged.deleted, "locked": purged.locked});
        write_out(out, &format!("{summary}\n"))?;
        Ok(if purged.locked.is_empty() {
            crate::exit::OK
        } else {
            crate::exit::VERIFICATION_FAILED
        })
    }
}
