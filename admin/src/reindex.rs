//! `reindex`: rebuilds an agency's search indexes from the table.

use std::io::Write;

use shared::blob::S3Blobs;
use shared::model::{AgencyId, RecordId};
use shared::search::indexer::{AgencyChanges, changes_for};
use shared::search::snapshot::SnapshotStore;
use shared::search::{Audience, SearchError};
use shared::store::{ChainHeads, DynamoStore};

use crate::{Failure, TableArg, load_aws, parse_agency, write_out};

/// Rebuild an agency's search indexes (staff and public) from the table.
///
/// Reads every record of --agency with its documents (and the text of its text/plain and
/// text/csv documents from --bucket), writes each index whole as the next generation in
/// --index-bucket, then reads the records again and applies what changed meanwhile, so a
/// write made during the rebuild is not lost (the stream indexer applies later ones). Use
/// it after an indexing failure alarm, or to drop whatever an index holds that the table
/// does not.
#[derive(Clone, Debug, clap::Args)]
pub struct Reindex {
    #[command(flatten)]
    pub table: TableArg,
    /// The agency whose indexes are rebuilt.
    #[arg(long, value_parser = parse_agency)]
    pub agency: AgencyId,
    /// The documents bucket [default: $BUCKET_NAME]
    #[arg(long, value_name = "BUCKET", env = "BUCKET_NAME", hide_env = true)]
    pub bucket: String,
    /// The search index bucket [default: $INDEX_BUCKET]
    #[arg(long, value_name = "BUCKET", env = "INDEX_BUCKET", hide_env = true)]
    pub index_bucket: String,
}

impl Reindex {
    /// Runs the command, with the operator's AWS credentials.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        let table = self.table.get()?;
        let aws = load_aws().await?;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
        let s3 = shared::s3_client(&aws);
        let blobs = S3Blobs::new(s3.clone(), &self.bucket);
        let snapshots = SnapshotStore::new(s3, &self.index_bucket, "index/");
        let folder = std::env::temp_dir().join(format!("dossier-reindex-{}", std::process::id()));
        let agency = &self.agency;
        let failed = |e: SearchError| Failure::Aws(e.to_string());

        let ids = record_ids(&store, agency).await?;
        let _ = writeln!(err, "reindexing {} records of {agency}", ids.len());
        let changes = changes_for(&store, &blobs, agency, &ids)
            .await
            .map_err(failed)?;
        let mut generations = Vec::new();
        for audience in Audience::ALL {
            let written = snapshots
                .replace(
                    &folder.join(audience.as_str()),
                    agency,
                    audience,
                    changes.for_audience(audience),
                )
                .await
                .map_err(failed)?;
            generations.push((audience, written, count(&changes, audience)));
        }
        // What changed while the indexes were rebuilt, read again and applied on top.
        let again = record_ids(&store, agency).await?;
        let since = changes_for(&store, &blobs, agency, &again)
            .await
            .map_err(failed)?;
        for audience in Audience::ALL {
            snapshots
                .apply(
                    &folder.join(audience.as_str()),
                    agency,
                    audience,
                    since.for_audience(audience),
                )
                .await
                .map_err(failed)?;
        }
        let _ = std::fs::remove_dir_all(&folder);
        let summary: Vec<serde_json::Value> = generations
            .iter()
            .map(|(audience, generation, records)| {
                serde_json::json!({"index": audience.as_str(), "generation": generation, "records": records})
            })
            .collect();
        let line = serde_json::json!({"agency": agency, "indexes": summary});
        write_out(out, &format!("{line}\n"))?;
        Ok(crate::exit::OK)
    }
}

/// Every record id of `agency` in the table.
async fn record_ids(store: &DynamoStore, agency: &AgencyId) -> Result<Vec<RecordId>, Failure> {
    let heads = store
        .chain_heads()
        .await
        .map_err(|e| Failure::Aws(format!("reading the table: {e}")))?;
    Ok(heads
        .get(agency)
        .map(|heads| heads.iter().map(|head| head.record.clone()).collect())
        .unwrap_or_default())
}

/// How many records `changes` puts into `audience`'s index.
fn count(changes: &AgencyChanges, audience: Audience) -> usize {
    changes
        .for_audience(audience)
        .iter()
        .filter(|change| matches!(change, shared::search::Change::Put(_)))
        .count()
}
