//! Search as deployed, end to end: writes to DynamoDB on moto flow through the table's
//! stream, which this test pumps into the `index-records` binary under the Lambda emulator
//! as the event-source mapping would (shard by shard, in small batches, retrying from the
//! first record a batch reports as failed). The `search` and `public-search` binaries under
//! the emulator then answer exactly what the local server answers for the same writes,
//! before and after a second round of edits, unpublishings and a deletion.

use std::time::{Duration, Instant};

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record as StreamRecord, ShardIteratorType};
use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::events::event;
use dossier_tests::{
    Emulator, LocalServer, bootstrap, create_bucket, create_table, dynamo, emulator_config,
    env_json_settings, env_json_token, lambda_environment, s3, unique_name, workspace_root,
};
use serde_json::{Map, Value, json};
use shared::blob::FileBlobs;
use shared::model::{
    AuditAction, AuditEntry, Classification, ContentType, DocumentId, RecordId, Status,
    StoredRecord,
};
use shared::store::{DynamoStore, EmbeddedStore, Store};
use shared::testing::{
    TEST_NOW, pdf_saying, put_blob, seed_document_as, seed_profile, seed_record_as, seed_update,
    settle_document,
};

const AGENCY: &str = "dev";
const OTHER_AGENCY: &str = "zoning";
/// Records per `GetRecords` call and so per invocation: small, so a run takes many batches.
const BATCH: i32 = 7;

/// Where an upload's bytes land: moto's bucket, or the local server's folder.
enum Uploads<'a> {
    S3(&'a str),
    Folder(&'a FileBlobs),
}

impl Uploads<'_> {
    async fn put(&self, key: &str, bytes: &[u8]) {
        match self {
            Self::S3(bucket) => {
                s3().put_object()
                    .bucket(*bucket)
                    .key(key)
                    .body(ByteStream::from(bytes.to_vec()))
                    .send()
                    .await
                    .expect("uploading a document");
            }
            Self::Folder(blobs) => put_blob(blobs, key, bytes),
        }
    }
}

/// The same writes, made twice (once to each system): fixed ids and times, so both hold
/// exactly the same records.
struct History {
    records: Vec<RecordId>,
    documents: Vec<DocumentId>,
}

impl History {
    fn new() -> Self {
        let at = |n: i64| TEST_NOW.plus_millis(n);
        Self {
            records: (0..9).map(|n| RecordId::generate(at(n))).collect(),
            documents: (0..4).map(|n| DocumentId::generate(at(100 + n))).collect(),
        }
    }

    /// Profiles and records of every kind: published, archived, internal, confidential,
    /// draft, another agency's; documents available, quarantined and pending.
    async fn first<S: Store>(&self, store: &S, uploads: &Uploads<'_>) -> Vec<StoredRecord> {
        seed_profile(store, AGENCY, "Development Agency").await;
        seed_profile(store, OTHER_AGENCY, "Zoning Board").await;
        let plan = [
            (
                AGENCY,
                "Building permit for Elm Street",
                "New porch and steps",
                "public",
                &["permits"][..],
                Status::Published,
            ),
            (
                AGENCY,
                "Minutes of the parks board",
                "Permit fees were discussed",
                "public",
                &[],
                Status::Archived,
            ),
            (
                AGENCY,
                "Permit appeal hearing",
                "The appeal of permit 2026-77",
                "internal",
                &["permits"],
                Status::Published,
            ),
            (
                AGENCY,
                "Permit investigation",
                "Complaint about a contractor on Elm Street",
                "confidential",
                &[],
                Status::Published,
            ),
            (
                AGENCY,
                "Permit draft for Maple Avenue",
                "Not yet decided",
                "public",
                &[],
                Status::Draft,
            ),
            (
                AGENCY,
                "Sidewalk permit renewal",
                "Elm Street sidewalk",
                "public",
                &["permits"],
                Status::Published,
            ),
            (
                AGENCY,
                "Fence permit",
                "A fence on Oak Lane",
                "public",
                &[],
                Status::Published,
            ),
            (
                AGENCY,
                "Demolition permit",
                "The old mill",
                "public",
                &["permits"],
                Status::Published,
            ),
            (
                OTHER_AGENCY,
                "Permit for a zoning variance",
                "Elm Street lot",
                "public",
                &["permits"],
                Status::Published,
            ),
        ];
        let mut records = Vec::new();
        for (n, (agency, title, description, classification, tags, status)) in
            plan.into_iter().enumerate()
        {
            let at = TEST_NOW.plus_millis(1000 * n as i64);
            let body = json!({"title": title, "description": description,
                              "classification": classification, "tags": tags});
            let mut record = seed_record_as(store, agency, &self.records[n], &body, at).await;
            if status != Status::Draft {
                record = seed_update(store, &record, "olga", at.plus_millis(1), |r| {
                    r.status = Status::Published;
                })
                .await;
            }
            if status == Status::Archived {
                record = seed_update(store, &record, "olga", at.plus_millis(2), |r| {
                    r.status = Status::Archived;
                })
                .await;
            }
            records.push(record);
        }
        let text = b"The oak trees on Elm Street will be trimmed before the permit work starts.";
        self.document(
            store,
            uploads,
            &records[0],
            0,
            ContentType::PlainText,
            text,
            None,
        )
        .await;
        let pdf = pdf_saying("Asbestos survey of the old mill");
        let quarantined = Some("the checksum does not match");
        self.document(
            store,
            uploads,
            &records[7],
            1,
            ContentType::Pdf,
            &pdf,
            quarantined,
        )
        .await;
        // Announced, never uploaded: pending, so not searchable.
        let id = &self.documents[2];
        seed_document_as(store, &records[7], id, ContentType::PlainText, b"hydrant").await;
        reread(store, records).await
    }

    /// Edits, a publication, an unpublishing (made confidential), a deletion, a document.
    async fn second<S: Store>(
        &self,
        store: &S,
        uploads: &Uploads<'_>,
        records: Vec<StoredRecord>,
    ) -> Vec<StoredRecord> {
        let at = TEST_NOW.plus_millis(60_000);
        seed_update(store, &records[0], "clara", at, |r| {
            r.title = "Building permit for Elm Street (amended)".into();
            r.tags.push("trees".into());
        })
        .await;
        seed_update(store, &records[4], "olga", at, |r| {
            r.status = Status::Published;
        })
        .await;
        seed_update(store, &records[5], "olga", at, |r| {
            r.classification = Classification::Confidential;
        })
        .await;
        let fence = &records[6];
        let entry = AuditEntry::next(
            &fence.head,
            at,
            "olga",
            AuditAction::Delete,
            Default::default(),
        );
        let (agency, id) = (&fence.record.agency, &fence.record.id);
        store
            .delete_if_version(agency, id, fence.record.version, &entry)
            .await
            .expect("deleting a record");
        let csv = b"street,oak trees\nElm Street,12\nOak Lane,4\n";
        self.document(store, uploads, &records[2], 3, ContentType::Csv, csv, None)
            .await;
        reread(store, records).await
    }

    /// Announces document `n` on `record`, uploads its bytes and settles it.
    #[allow(clippy::too_many_arguments)] // one call per kind of document, all named above
    async fn document<S: Store>(
        &self,
        store: &S,
        uploads: &Uploads<'_>,
        record: &StoredRecord,
        n: usize,
        content_type: ContentType,
        bytes: &[u8],
        quarantine_reason: Option<&str>,
    ) {
        let id = &self.documents[n];
        let document = seed_document_as(store, record, id, content_type, bytes).await;
        uploads.put(&document.object_key(), bytes).await;
        settle_document(store, &document, quarantine_reason).await;
    }
}

/// The records as stored now (a document moves a record's chain), deleted ones dropped.
async fn reread<S: Store>(store: &S, records: Vec<StoredRecord>) -> Vec<StoredRecord> {
    let mut current = Vec::new();
    for record in records {
        let (agency, id) = (&record.record.agency, &record.record.id);
        if let Some(stored) = store.get_record(agency, id).await.expect("reading") {
            current.push(stored);
        }
    }
    current
}

/// Who asks, and where: `None` is the public.
const READERS: [Option<&str>; 3] = [None, Some("clerk"), Some("officer")];

/// Queries of every kind the language has, with filters and a page size.
const QUERIES: [&str; 12] = [
    "q=permit",
    "q=permit&limit=2",
    "q=%22Elm%20Street%22",
    "q=perm*",
    "q=permitt",
    "q=oak%20trees",
    "q=tag%3Apermits",
    "q=permit%20-minutes",
    "q=asbestos",
    "q=hydrant",
    "q=street&tag=permits",
    "q=variance",
];

fn path_of(reader: Option<&str>) -> String {
    match reader {
        None => format!("/public/agencies/{AGENCY}/search"),
        Some(_) => "/search".to_owned(),
    }
}

fn token_of(reader: Option<&str>) -> Option<String> {
    reader.map(|role| env_json_token(&format!("dev-{role}"), AGENCY, &[role]))
}

/// An HTTP API event for `reader`'s search with `query`, from the function's event file.
fn search_event(reader: Option<&str>, query: &str) -> Value {
    let mut event = event(if reader.is_some() {
        "search"
    } else {
        "public-search"
    });
    let path = path_of(reader);
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["rawQueryString"] = json!(query);
    let parameters: Map<String, Value> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), json!(percent_decoded(value))))
        .collect();
    event["queryStringParameters"] = Value::Object(parameters);
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.remove("authorization");
    if let Some(token) = token_of(reader) {
        headers.insert("authorization".into(), json!(format!("Bearer {token}")));
    }
    event
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// What the `search` or `public-search` binary answers: status and JSON body.
async fn lambda_answer(
    search: &Emulator,
    public: &Emulator,
    reader: Option<&str>,
    query: &str,
) -> (u16, Value) {
    let emulator = if reader.is_some() { search } else { public };
    let response = emulator.invoke(&search_event(reader, query)).await.response;
    let status = response["statusCode"].as_u64().unwrap_or_default() as u16;
    let body = response["body"].as_str().unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

async fn local_answer(server: &LocalServer, reader: Option<&str>, query: &str) -> (u16, Value) {
    let token = token_of(reader).map(|token| format!("Bearer {token}"));
    let headers: Vec<(&str, &str)> = token
        .iter()
        .map(|t| ("authorization", t.as_str()))
        .collect();
    let path = format!("{}?{query}", path_of(reader));
    let (status, _, body) = server.send("GET", &path, &headers, b"").await;
    (status, body)
}

/// Both systems' answers to every reader's every query are the same, to the scores; the
/// local server's follower may lag its writes by a moment, so it is given up to ten
/// seconds to agree.
async fn agree(
    search: &Emulator,
    public: &Emulator,
    server: &LocalServer,
    round: &str,
) -> Vec<Value> {
    let mut lambda = Vec::new();
    for reader in READERS {
        for query in QUERIES {
            let (status, body) = lambda_answer(search, public, reader, query).await;
            assert_eq!(status, 200, "{round}: {reader:?} {query}: {body}");
            lambda.push(((reader, query), body));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut disagreements = Vec::new();
        for ((reader, query), expected) in &lambda {
            let (status, body) = local_answer(server, *reader, query).await;
            if status != 200 || body != *expected {
                disagreements.push(format!(
                    "{reader:?} {query}:\n  lambda {expected}\n  local  {status} {body}"
                ));
            }
        }
        if disagreements.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{round}: the local server and the functions disagree:\n{}",
            disagreements.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    lambda.into_iter().map(|(_, body)| body).collect()
}

/// The ids a search answer found, best first.
fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|hit| hit["record"]["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the table's stream and hands it to `index-records` as Lambda would.
struct Pump {
    client: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    /// Where each shard was left: shard id and its next iterator.
    positions: Vec<(String, Option<String>)>,
}

impl Pump {
    async fn new(table: &str) -> Self {
        let description = dynamo()
            .describe_table()
            .table_name(table)
            .send()
            .await
            .expect("describing the table");
        let stream_arn = description
            .table()
            .and_then(|t| t.latest_stream_arn())
            .expect("the table has a stream")
            .to_owned();
        Self {
            client: aws_sdk_dynamodbstreams::Client::new(&emulator_config()),
            stream_arn,
            positions: Vec::new(),
        }
    }

    /// Delivers everything written since the last run, batch by batch; answers how many
    /// stream records it delivered.
    async fn run(&mut self, indexer: &Emulator) -> usize {
        let stream = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .expect("describing the stream");
        let shards = stream
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        let mut delivered = 0;
        for shard in shards {
            let shard_id = shard.shard_id().unwrap_or_default().to_owned();
            let known = self.positions.iter().position(|(id, _)| *id == shard_id);
            let mut iterator = match known {
                Some(n) => self.positions[n].1.clone(),
                None => self
                    .client
                    .get_shard_iterator()
                    .stream_arn(&self.stream_arn)
                    .shard_id(&shard_id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await
                    .expect("a shard iterator")
                    .shard_iterator()
                    .map(str::to_owned),
            };
            while let Some(current) = iterator.take() {
                let page = self
                    .client
                    .get_records()
                    .shard_iterator(&current)
                    .limit(BATCH)
                    .send()
                    .await
                    .expect("reading the stream");
                let records = page.records();
                if !records.is_empty() {
                    self.deliver(indexer, records).await;
                    delivered += records.len();
                }
                match page.next_shard_iterator() {
                    // Caught up: keep where the shard was left for the next run.
                    Some(next) if records.is_empty() => {
                        iterator = Some(next.to_owned());
                        break;
                    }
                    next => iterator = next.map(str::to_owned),
                }
            }
            match known {
                Some(n) => self.positions[n].1 = iterator,
                None => self.positions.push((shard_id, iterator)),
            }
        }
        delivered
    }

    /// One batch to `index-records`; what it reports failed is delivered again, from the
    /// first failure on, as the event-source mapping does (at most three tries).
    async fn deliver(&self, indexer: &Emulator, records: &[StreamRecord]) {
        let mut batch: Vec<Value> = records
            .iter()
            .map(|r| lambda_record(r, &self.stream_arn))
            .collect();
        for attempt in 1..=3 {
            let answer = indexer.invoke(&json!({"Records": batch})).await.response;
            let failed: Vec<&str> = answer["batchItemFailures"]
                .as_array()
                .unwrap_or_else(|| panic!("a batch response: {answer}"))
                .iter()
                .filter_map(|failure| failure["itemIdentifier"].as_str())
                .collect();
            let Some(first) = failed.first() else {
                return;
            };
            assert!(attempt < 3, "index-records failed {failed:?} three times");
            let from = batch
                .iter()
                .position(|r| r["dynamodb"]["SequenceNumber"] == *first)
                .expect("a failure names a record of the batch");
            batch.drain(..from);
        }
    }
}

/// A stream record as Lambda's event-source mapping hands it over.
fn lambda_record(record: &StreamRecord, stream_arn: &str) -> Value {
    let change = record.dynamodb().expect("a stream record holds a change");
    let image = |attributes: Option<&std::collections::HashMap<String, AttributeValue>>| {
        attributes
            .map(|map| Value::Object(map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect()))
    };
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change.approximate_creation_date_time().map(|t| t.secs()),
        "Keys": image(change.keys()),
        "SequenceNumber": change.sequence_number(),
        "SizeBytes": change.size_bytes(),
        "StreamViewType": change.stream_view_type().map(|v| v.as_str()),
    });
    for (name, attributes) in [
        ("NewImage", change.new_image()),
        ("OldImage", change.old_image()),
    ] {
        if let Some(image) = image(attributes) {
            dynamodb[name] = image;
        }
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": record.event_version(),
        "eventSource": record.event_source(),
        "awsRegion": record.aws_region(),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

/// An attribute value in DynamoDB's JSON, as stream events carry it.
fn attribute(value: &AttributeValue) -> Value {
    use base64::Engine as _;
    let b64 = |blob: &aws_sdk_dynamodbstreams::primitives::Blob| {
        json!(base64::engine::general_purpose::STANDARD.encode(blob.as_ref()))
    };
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::B(blob) => json!({"B": b64(blob)}),
        AttributeValue::Ss(set) => json!({"SS": set}),
        AttributeValue::Ns(set) => json!({"NS": set}),
        AttributeValue::Bs(set) => json!({"BS": set.iter().map(b64).collect::<Vec<_>>()}),
        AttributeValue::L(list) => json!({"L": list.iter().map(attribute).collect::<Vec<_>>()}),
        AttributeValue::M(map) => {
            let map: Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect();
            json!({"M": map})
        }
        other => panic!("an attribute type this test does not know: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_pumped_through_the_functions_finds_what_the_local_server_finds() {
    // AWS: the table on moto, its stream pumped into index-records, search binaries.
    let table = create_table(&dynamo()).await;
    let dynamo_store = DynamoStore::new(dynamo(), &table);
    let (bucket, index_bucket) = (create_bucket(&s3()).await, create_bucket(&s3()).await);
    let mut env = lambda_environment(&table);
    let fresh = [
        ("BUCKET_NAME", bucket.clone()),
        ("INDEX_BUCKET", index_bucket),
        // Every search checks for a newer generation, so the second round is seen at once.
        ("INDEX_CHECK_SECONDS", "0".to_owned()),
    ];
    env.retain(|(name, _)| !fresh.iter().any(|(fresh, _)| fresh == name));
    env.extend(fresh);
    let indexer = Emulator::start("index-records", &bootstrap("IndexRecordsFunction"), &env).await;
    let search = Emulator::start("search", &bootstrap("SearchFunction"), &env).await;
    let public = Emulator::start("public-search", &bootstrap("PublicSearchFunction"), &env).await;
    let mut pump = Pump::new(&table).await;

    // Locally: the embedded store, followed by the local server's indexer.
    let data = workspace_root()
        .join("target/tmp")
        .join(unique_name("pump-local"));
    std::fs::create_dir_all(&data).unwrap();
    let embedded = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
    let server = LocalServer::start_following(embedded.clone(), &env_json_settings()).await;

    let history = History::new();
    let on_aws = history.first(&dynamo_store, &Uploads::S3(&bucket)).await;
    let locally = history
        .first(&embedded, &Uploads::Folder(&server.blobs))
        .await;
    assert!(
        pump.run(&indexer).await > 0,
        "the first writes reached the stream"
    );
    let first = agree(&search, &public, &server, "first round").await;

    // What the answers say, so agreement is not agreement on nothing.
    let answer = |reader: usize, query: usize| &first[reader * QUERIES.len() + query];
    let id = |n: usize| history.records[n].to_string();
    let (public_permit, clerk_permit, officer_permit) = (answer(0, 0), answer(1, 0), answer(2, 0));
    let mut expected_public = vec![id(0), id(1), id(5), id(6), id(7)];
    expected_public.sort();
    let mut found = ids(public_permit);
    found.sort();
    assert_eq!(
        found, expected_public,
        "public: published and archived, public only"
    );
    assert_eq!(
        clerk_permit["total"], 7,
        "clerk: every record but the confidential one: {clerk_permit}"
    );
    assert_eq!(
        officer_permit["total"], 8,
        "officer: every record of the agency: {officer_permit}"
    );
    assert_eq!(answer(0, 1)["items"].as_array().map(Vec::len), Some(2));
    assert!(answer(0, 1)["next_cursor"].is_string(), "a second page");
    assert_eq!(
        ids(answer(0, 5)),
        [id(0)],
        "the text of an available document"
    );
    assert_eq!(
        ids(answer(2, 8)),
        Vec::<String>::new(),
        "a quarantined PDF's text"
    );
    assert_eq!(
        ids(answer(2, 9)),
        Vec::<String>::new(),
        "a pending document's text"
    );
    assert_eq!(
        ids(answer(0, 11)),
        Vec::<String>::new(),
        "another agency's record"
    );
    assert_eq!(
        ids(answer(2, 11)),
        Vec::<String>::new(),
        "another agency's record"
    );

    history
        .second(&dynamo_store, &Uploads::S3(&bucket), on_aws)
        .await;
    history
        .second(&embedded, &Uploads::Folder(&server.blobs), locally)
        .await;
    let delivered = pump.run(&indexer).await;
    assert!(delivered > 0, "the second writes reached the stream");
    let second = agree(&search, &public, &server, "second round").await;

    let answer = |reader: usize, query: usize| &second[reader * QUERIES.len() + query];
    let mut expected_public = vec![id(0), id(1), id(4), id(7)];
    expected_public.sort();
    let mut found = ids(answer(0, 0));
    found.sort();
    assert_eq!(
        found, expected_public,
        "made confidential and deleted: gone; published: found"
    );
    assert_eq!(answer(1, 0)["total"], 5, "clerk: {}", answer(1, 0));
    assert_eq!(answer(2, 0)["total"], 7, "officer: {}", answer(2, 0));
    let oak: Vec<String> = ids(answer(1, 5));
    assert!(
        oak.contains(&id(0)) && oak.contains(&id(2)),
        "a CSV's text: {oak:?}"
    );
    assert_eq!(
        answer(0, 2)["items"][0]["highlights"]["title"][0]["text"],
        "Building permit for Elm Street (amended)"
    );

    server.stop().await;
}
