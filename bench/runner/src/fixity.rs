//! Fixity throughput (`BENCH_FIXITY_MB=10,100,500`): `fixity-check` as it ships, under the
//! emulator against moto, reading one available document of each size: how fast it hashes
//! (MB/s over the invocation) and whether its memory stays flat as the size grows.

use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::{Emulator, create_bucket, create_table, dynamo, lambda_environment, s3};
use serde_json::json;
use shared::model::ContentType;
use shared::store::DynamoStore;
use shared::testing::{TEST_NOW, seed_document, seed_record, settle_document};

/// One line of text, repeated to make a document of any size (valid UTF-8, as a
/// `text/plain` document must be).
const LINE: &[u8] = b"Minutes of the board of the Parks Department, 3 March 2026.\n";

/// Measures each size in `sizes_mb`; a markdown table.
pub async fn throughput(bootstrap: &std::path::Path, sizes_mb: &[u64]) -> String {
    let mut table =
        String::from("| document MB | invocation ms | MB/s | peak RSS MiB |\n|---|---|---|---|\n");
    for &mb in sizes_mb {
        let bytes: Vec<u8> = LINE
            .iter()
            .copied()
            .cycle()
            .take(usize::try_from(mb << 20).unwrap_or(usize::MAX))
            .collect();
        let table_name = create_table(&dynamo()).await;
        let store = DynamoStore::new(dynamo(), table_name.clone());
        let bucket = create_bucket(&s3()).await;
        let body = json!({"title": "Large minutes", "classification": "internal"});
        let record = seed_record(&store, "dev", &body, TEST_NOW).await;
        let document = seed_document(&store, &record, ContentType::PlainText, &bytes).await;
        s3().put_object()
            .bucket(&bucket)
            .key(document.object_key())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .expect("uploading the document");
        settle_document(&store, &document, None).await;
        let mut env = lambda_environment(&table_name);
        env.retain(|(name, _)| *name != "BUCKET_NAME");
        env.push(("BUCKET_NAME", bucket));
        let emulator = Emulator::start("fixity-check", bootstrap, &env).await;
        let event = dossier_tests::events::event("fixity-check");
        let invocation = emulator.invoke(&event).await;
        assert_eq!(invocation.response["checked"], 1, "{}", invocation.response);
        assert_eq!(invocation.response["intact"], 1, "{}", invocation.response);
        let ms = invocation.duration_ms.unwrap_or(f64::NAN);
        let rss = emulator.peak_rss_kib().unwrap_or(0) as f64 / 1024.0;
        let rate = mb as f64 / (ms / 1000.0);
        eprintln!("fixity-check: {mb} MB in {ms:.0} ms ({rate:.0} MB/s), peak RSS {rss:.1} MiB");
        table.push_str(&format!("| {mb} | {ms:.0} | {rate:.0} | {rss:.1} |\n"));
    }
    table
}
