//! `seed-events FUNCTION`: writes what `events/FUNCTION.json` acts on into the table
//! `TABLE_NAME`, the bucket `BUCKET_NAME` and the index bucket `INDEX_BUCKET` (at `AWS_ENDPOINT_URL`, if set): the seeding
//! step of `make invoke`. The table must exist and be empty.

use std::process::ExitCode;

use dossier_tests::events::{seed, world_of};
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let function = std::env::args().nth(1).unwrap_or_default();
    let Some(world) = world_of(&function) else {
        eprintln!("seed-events: no event for {function:?} (see events/)");
        return ExitCode::from(2);
    };
    let (Ok(table), Ok(bucket), Ok(index_bucket)) = (
        std::env::var("TABLE_NAME"),
        std::env::var("BUCKET_NAME"),
        std::env::var("INDEX_BUCKET"),
    ) else {
        eprintln!("seed-events: set TABLE_NAME, BUCKET_NAME and INDEX_BUCKET");
        return ExitCode::from(2);
    };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    seed(
        world,
        &store,
        &shared::s3_client(&aws),
        &bucket,
        &index_bucket,
    )
    .await;
    println!("seeded {world:?} for {function}");
    ExitCode::SUCCESS
}
