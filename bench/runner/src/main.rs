//! `make bench`: every function as it ships (`cargo lambda build --release`) and the two
//! floors, side by side under the Lambda Runtime Interface Emulator against moto.
//!
//! Per function: init time (the emulator's `INIT REPORT`) and first-invoke duration over
//! `COLD_STARTS` fresh emulators; warm p50/p99 over `WARM_INVOCATIONS`; peak RSS of the
//! bootstrap (`VmHWM`); stripped and zipped binary size; each as a ratio to its floor.
//!
//! Cold starts take turns: one of each function, then the next round. A few milliseconds
//! of init drift with the machine's state over a run (by 30% between runs here), so
//! functions measured one after another would compare different moments; interleaved,
//! every function and its floor see the same ones.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::events::{self, DOCUMENT, World};
use dossier_tests::{
    Emulator, NOTICE_DOMAIN, create_anchor_bucket, create_anchor_key, create_bucket, create_queue,
    create_table, dynamo, kms, lambda_environment, s3, sqs, verify_sender, workspace_root,
};
use serde_json::{Value, json};
use shared::model::HoldId;
use shared::model::{ContentType, RecordId, StoredRecord, document_limits};
use shared::store::DynamoStore;
use shared::store::HoldStore;
use shared::testing::{seed_document, seed_placement, seed_record_as, seed_request, seed_schedule};

mod fixity;

const COLD_STARTS: usize = 30;
const WARM_INVOCATIONS: usize = 200;

/// How each invocation's event is derived from the function's `events/` file, so that every
/// warm invocation does the route's real work (a create creates, a delete deletes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    AsIs,
    FreshCreate,
    AnyVersionUpdate,
    DeleteNext,
    /// Each upload announced on the next record of the pool (a record takes 100).
    UploadToNext,
    /// Each notification for the next pending upload of the pool.
    IngestNext,
    /// Each a new name for the agency's profile, over whatever version it is at.
    AnyVersionProfile,
    /// Each a new assignee for the records request, over whatever version it is at.
    AnyVersionAssign,
    /// Each a new message, on the next request with room for it (a request holds 200).
    MessageOnNextRequest,
    /// Each a new name for the events' schedule, over whatever version it is at.
    AnyVersionRename,
    /// Each deletes the next unused schedule of the pool.
    DeleteNextSchedule,
    /// Each places the next record of the pool under the events' hold.
    PlaceNext,
    /// Each lifts the events' hold from the next record of the pool (all under it).
    LiftNext,
}

/// Messages written on one request before the next takes them (under its 200).
const MESSAGES_PER_REQUEST: usize = 150;

struct Subject {
    name: &'static str,
    event_file: &'static str,
    shape: Shape,
    floor: &'static str,
}

const SUBJECTS: [Subject; 53] = [
    Subject {
        name: "floor-echo",
        event_file: "get-record",
        shape: Shape::AsIs,
        floor: "floor-echo",
    },
    Subject {
        name: "floor-getitem",
        event_file: "get-record",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-record",
        event_file: "get-record",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-records",
        event_file: "list-records",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-history",
        event_file: "get-history",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "create-record",
        event_file: "create-record",
        shape: Shape::FreshCreate,
        floor: "floor-getitem",
    },
    Subject {
        name: "update-record",
        event_file: "update-record",
        shape: Shape::AnyVersionUpdate,
        floor: "floor-getitem",
    },
    Subject {
        name: "delete-record",
        event_file: "delete-record",
        shape: Shape::DeleteNext,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-documents",
        event_file: "list-documents",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-document",
        event_file: "get-document",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "create-upload",
        event_file: "create-upload",
        shape: Shape::UploadToNext,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-agency",
        event_file: "get-agency",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "put-agency",
        event_file: "put-agency",
        shape: Shape::AnyVersionProfile,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-list-agencies",
        event_file: "public-list-agencies",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-get-agency",
        event_file: "public-get-agency",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-list-records",
        event_file: "public-list-records",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-get-record",
        event_file: "public-get-record",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-get-document",
        event_file: "public-get-document",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // Each a new request (no idempotency key): the profile, the counter, one transaction.
    Subject {
        name: "submit-request",
        event_file: "submit-request",
        shape: Shape::FreshCreate,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-request",
        event_file: "get-request",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "update-request",
        event_file: "update-request",
        shape: Shape::AnyVersionAssign,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-request-history",
        event_file: "get-request-history",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-request-messages",
        event_file: "get-request-messages",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-get-request",
        event_file: "public-get-request",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // Each a new message on the request: the profile, the request, one transaction.
    Subject {
        name: "add-request-message",
        event_file: "add-request-message",
        shape: Shape::MessageOnNextRequest,
        floor: "floor-getitem",
    },
    // The first invocation releases the document; every later one is refused (409) after
    // the same reads, which is what the route costs before its one write.
    Subject {
        name: "add-request-release",
        event_file: "add-request-release",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-requests",
        event_file: "list-requests",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-list-requests",
        event_file: "public-list-requests",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "public-request-stats",
        event_file: "public-request-stats",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "ingest-document",
        event_file: "ingest-document",
        shape: Shape::IngestNext,
        floor: "floor-getitem",
    },
    // The hourly run: the first invocation anchors the seeded agency, every later one finds
    // its heads unchanged (a scan, the latest anchor read back, nothing written).
    Subject {
        name: "anchor-chains",
        event_file: "anchor-chains",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The daily run: the agencies listed, the seeded agency's open request read, nobody
    // to tell (it is weeks from due).
    Subject {
        name: "request-deadlines",
        event_file: "request-deadlines",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-schedules",
        event_file: "list-schedules",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // Each a new schedule (230 in all, under the 500 an agency may have).
    Subject {
        name: "create-schedule",
        event_file: "create-schedule",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "update-schedule",
        event_file: "update-schedule",
        shape: Shape::AnyVersionRename,
        floor: "floor-getitem",
    },
    Subject {
        name: "delete-schedule",
        event_file: "delete-schedule",
        shape: Shape::DeleteNextSchedule,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-holds",
        event_file: "list-holds",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "create-hold",
        event_file: "create-hold",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-hold-records",
        event_file: "list-hold-records",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // moto deep-copies a table once per item of a transaction: these five-item writes on a
    // table of 231 seeded records measure moto more than the route (DynamoDB does not).
    // Run alone (`BENCH_ONLY=place-hold`), or late in a full run they may time out.
    Subject {
        name: "place-hold",
        event_file: "place-hold",
        shape: Shape::PlaceNext,
        floor: "floor-getitem",
    },
    Subject {
        name: "lift-hold",
        event_file: "lift-hold",
        shape: Shape::LiftNext,
        floor: "floor-getitem",
    },
    // The first invocation lifts the hold from its record and releases it; every later one
    // finds it released (one read) and answers the same.
    Subject {
        name: "release-hold",
        event_file: "release-hold",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-schedule-history",
        event_file: "get-schedule-history",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-hold-history",
        event_file: "get-hold-history",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The first invocation deletes the document's object; every later one lists the
    // record's two prefixes, finds nothing, and deletes nothing.
    Subject {
        name: "purge-documents",
        event_file: "purge-documents",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "list-disposition-lists",
        event_file: "list-disposition-lists",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-disposition-list",
        event_file: "get-disposition-list",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-disposition-certificate",
        event_file: "get-disposition-certificate",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The first invocation approves and queues; every later one is the same approval sent
    // again (a read, and the order queued again).
    Subject {
        name: "decide-disposition",
        event_file: "decide-disposition",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The first run lists the record; every later one finds it listed already.
    Subject {
        name: "disposition-review",
        event_file: "disposition-review",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The first invocation destroys the record; every later one finds the item destroyed
    // (and forgets its documents again, idempotently).
    Subject {
        name: "destroy-records",
        event_file: "destroy-records",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    // The first run reads the document; every later one finds it checked today.
    Subject {
        name: "fixity-check",
        event_file: "fixity-check",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
    Subject {
        name: "get-fixity",
        event_file: "get-fixity",
        shape: Shape::AsIs,
        floor: "floor-getitem",
    },
];

struct Measured {
    /// DynamoDB calls and capacity units of each warm request, from its access line.
    dynamo: Vec<(f64, f64, f64)>,
    init_ms: Vec<f64>,
    first_ms: Vec<f64>,
    warm_ms: Vec<f64>,
    peak_rss_kib: u64,
    binary_bytes: u64,
    zipped_bytes: u64,
}

fn bootstrap(name: &str) -> PathBuf {
    let path = workspace_root()
        .join("target/lambda")
        .join(name)
        .join("bootstrap");
    assert!(
        path.exists(),
        "{} is missing: run `make bench`",
        path.display()
    );
    path
}

fn zipped_size(path: &Path) -> u64 {
    let out = std::env::temp_dir().join(format!("bench-{}.zip", std::process::id()));
    let script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z: z.write(sys.argv[1], 'bootstrap')";
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .arg(&out)
        .status();
    let size = status
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&out).ok())
        .map_or(0, |m| m.len());
    let _ = std::fs::remove_file(&out);
    size
}

/// Pending uploads seeded per record (a record takes at most 100 documents).
const UPLOADS_PER_RECORD: usize = 90;
const _: () = assert!(UPLOADS_PER_RECORD < document_limits::DOCUMENTS_PER_RECORD as usize);

/// What invocations consume, one each: record ids (deletes, uploads) or object keys
/// (ingestion).
struct Pool {
    ids: Vec<String>,
}

/// Seeds the record (and document) the `events/` files name (for the public routes: public
/// and published), the agency's profile, and `count` more of what `shape` consumes.
async fn seed(store: &DynamoStore, bucket: &str, subject: &Subject, count: usize) -> Pool {
    let now = shared::testing::TEST_NOW;
    let shape = subject.shape;
    let body = json!({"title": "Bench record", "classification": "internal", "tags": ["permits"]});
    // Notices go out by the emulator's SES, from the sender env.json names.
    verify_sender(NOTICE_DOMAIN).await;
    if subject.event_file.starts_with("public-") && !subject.event_file.contains("request") {
        events::seed(World::Public, store, &s3(), bucket, bucket).await;
    } else if subject.event_file.contains("schedule") {
        events::seed(World::Schedule, store, &s3(), bucket, bucket).await;
    } else if subject.event_file.contains("hold") {
        let world = match shape {
            Shape::AsIs if subject.event_file != "list-holds" => World::HeldRecord,
            _ => World::Hold,
        };
        events::seed(world, store, &s3(), bucket, bucket).await;
    } else if subject.event_file.contains("disposition") || subject.name == "destroy-records" {
        let world = match subject.name {
            "disposition-review" => World::Due,
            "destroy-records" => World::Approved,
            _ => World::Listed,
        };
        events::seed(world, store, &s3(), bucket, bucket).await;
    } else if subject.event_file.contains("request") {
        // The records request (and the profile, whose calendar its due dates follow).
        events::seed(World::Request, store, &s3(), bucket, bucket).await;
    } else {
        events::seed(World::AvailableDocument, store, &s3(), bucket, bucket).await;
        events::seed(World::Agency, store, &s3(), bucket, bucket).await;
    }

    if shape == Shape::MessageOnNextRequest {
        // The events' request is the first; enough more for every invocation's message.
        for _ in 0..(COLD_STARTS + WARM_INVOCATIONS) / MESSAGES_PER_REQUEST {
            seed_request(store, "dev", "More permits on Elm Street").await;
        }
    }
    let mut ids = Vec::with_capacity(count);
    let mut owner: Option<StoredRecord> = None;
    for i in 1..=count {
        let id = RecordId::generate(now.plus_millis(i as i64));
        match shape {
            Shape::LiftNext => {
                let record = seed_record_as(store, "dev", &id, &body, now).await;
                let hold_id = HoldId::parse(events::HOLD_ID).expect("a hold id");
                let dev = shared::model::AgencyId::parse("dev").expect("an agency");
                let hold = store
                    .get_hold(&dev, &hold_id)
                    .await
                    .unwrap()
                    .expect("the hold");
                seed_placement(store, &record, &hold).await;
                ids.push(id.to_string());
            }
            Shape::DeleteNextSchedule => {
                let body = json!({"name": format!("Bench schedule {i}"), "keep": {"years": 1},
                                  "from": "created", "action": "review"});
                let stored = seed_schedule(store, "dev", &body).await;
                ids.push(stored.schedule.id.to_string());
            }
            Shape::IngestNext => {
                if i % UPLOADS_PER_RECORD == 1 {
                    owner = Some(seed_record_as(store, "dev", &id, &body, now).await);
                }
                let owner = owner.as_ref().expect("an owner record");
                let pending = seed_document(store, owner, ContentType::PlainText, DOCUMENT).await;
                put_object(bucket, &pending.object_key(), DOCUMENT).await;
                ids.push(pending.object_key());
            }
            _ => {
                seed_record_as(store, "dev", &id, &body, now).await;
                ids.push(id.to_string());
            }
        }
    }
    Pool { ids }
}

async fn put_object(bucket: &str, key: &str, bytes: &'static [u8]) {
    s3().put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(bytes))
        .send()
        .await
        .expect("uploading a seed object");
}

fn shaped(event: &Value, shape: Shape, invocation: usize, pool: &mut Pool) -> Value {
    let mut event = event.clone();
    match shape {
        Shape::AsIs => {}
        Shape::FreshCreate => {
            event["headers"]
                .as_object_mut()
                .unwrap()
                .remove("idempotency-key");
        }
        Shape::AnyVersionUpdate => {
            event["headers"]["if-match"] = json!("*");
            event["body"] =
                json!(json!({"title": format!("Bench update {invocation}")}).to_string());
        }
        Shape::AnyVersionProfile => {
            event["headers"]["if-match"] = json!("*");
            let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
            body["name"] = json!(format!("Bench agency {invocation}"));
            event["body"] = json!(body.to_string());
        }
        Shape::AnyVersionAssign => {
            event["headers"]["if-match"] = json!("*");
            event["body"] = json!(json!({"assignee": format!("bench-{invocation}")}).to_string());
        }
        Shape::AnyVersionRename => {
            event["headers"]["if-match"] = json!("*");
            event["body"] =
                json!(json!({"name": format!("Bench schedule {invocation}")}).to_string());
        }
        Shape::PlaceNext => {
            let id = pool.ids.pop().expect("enough seeded records");
            event["body"] = json!(json!({"record_id": id}).to_string());
        }
        Shape::LiftNext => {
            let id = pool.ids.pop().expect("enough held records");
            event["pathParameters"]["record_id"] = json!(id);
            event["rawPath"] = json!(format!("/holds/{}/records/{id}", events::HOLD_ID));
        }
        Shape::DeleteNextSchedule => {
            let id = pool.ids.pop().expect("enough seeded schedules");
            event["pathParameters"]["id"] = json!(id);
            event["rawPath"] = json!(format!("/schedules/{id}"));
            event["headers"]["if-match"] = json!("\"1\"");
        }
        Shape::MessageOnNextRequest => {
            let seq = 1 + invocation / MESSAGES_PER_REQUEST;
            let number = format!("2026-{seq:04}");
            event["pathParameters"]["number"] = json!(number);
            event["rawPath"] = json!(format!("/requests/{number}/messages"));
        }
        Shape::DeleteNext => {
            let id = pool.ids.pop().expect("enough seeded records");
            event["pathParameters"]["id"] = json!(id);
            event["rawPath"] = json!(format!("/records/{id}"));
            event["headers"]["if-match"] = json!("\"1\"");
        }
        Shape::UploadToNext => {
            let id = pool.ids.pop().expect("enough seeded records");
            event["pathParameters"]["id"] = json!(id);
            event["rawPath"] = json!(format!("/records/{id}/documents"));
        }
        Shape::IngestNext => {
            let key = pool.ids.pop().expect("enough seeded uploads");
            let message = &mut event["Records"][0];
            let mut notification: Value =
                serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
            notification["Records"][0]["s3"]["object"]["key"] = json!(key);
            message["body"] = json!(notification.to_string());
        }
    }
    event
}

/// One function under measurement: what it runs with, and what was measured so far.
struct Bench {
    subject: &'static Subject,
    path: PathBuf,
    event: Value,
    env: Vec<(&'static str, String)>,
    pool: Pool,
    measured: Measured,
}

impl Bench {
    /// A fresh table and bucket for `subject`, seeded with what its invocations consume.
    async fn prepare(subject: &'static Subject) -> Self {
        // A fresh table per function: moto copies a whole table on every transaction, so
        // a table grown by earlier functions would slow the later ones down.
        let client = dynamo();
        let table = create_table(&client).await;
        let bucket = create_bucket(&s3()).await;
        let consumed = match subject.shape {
            Shape::DeleteNext
            | Shape::DeleteNextSchedule
            | Shape::PlaceNext
            | Shape::LiftNext
            | Shape::UploadToNext
            | Shape::IngestNext => COLD_STARTS + WARM_INVOCATIONS + 1,
            _ => 0,
        };
        let store = DynamoStore::new(client, table.clone());
        let pool = seed(&store, &bucket, subject, consumed).await;
        let mut env = lambda_environment(&table);
        let fresh = [
            ("BUCKET_NAME", bucket),
            ("ANCHOR_BUCKET", create_anchor_bucket(&s3()).await),
            ("ANCHOR_KEY_ID", create_anchor_key(&kms()).await),
            ("DESTRUCTION_QUEUE_URL", create_queue(&sqs()).await),
        ];
        env.retain(|(name, _)| !fresh.iter().any(|(fresh, _)| fresh == name));
        env.extend(fresh);
        let path = bootstrap(subject.name);
        let event_file = workspace_root()
            .join("events")
            .join(format!("{}.json", subject.event_file));
        let event = serde_json::from_str(&std::fs::read_to_string(event_file).unwrap()).unwrap();
        Self {
            measured: Measured {
                dynamo: Vec::new(),
                init_ms: Vec::new(),
                first_ms: Vec::new(),
                warm_ms: Vec::new(),
                peak_rss_kib: 0,
                binary_bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
                zipped_bytes: zipped_size(&path),
            },
            subject,
            path,
            event,
            env,
            pool,
        }
    }

    async fn emulator(&self) -> Emulator {
        Emulator::start(self.subject.name, &self.path, &self.env).await
    }

    /// The `invocation`th event, shaped to do the route's real work.
    fn event(&mut self, invocation: usize) -> Value {
        shaped(&self.event, self.subject.shape, invocation, &mut self.pool)
    }

    /// Cold start `round`: a fresh emulator, one invocation.
    async fn cold_start(&mut self, round: usize) {
        let emulator = self.emulator().await;
        let event = self.event(round);
        let invocation = emulator.invoke(&event).await;
        check(self.subject, &invocation.response, &emulator);
        self.measured.init_ms.extend(emulator.init_ms());
        self.measured.first_ms.extend(invocation.duration_ms);
    }

    /// Warm invocations on one emulator, its peak RSS, and the DynamoDB usage they logged.
    async fn warm(&mut self) {
        let emulator = self.emulator().await;
        let event = self.event(0);
        emulator.invoke(&event).await;
        for warm in 0..WARM_INVOCATIONS {
            let event = self.event(warm + 1);
            let invocation = emulator.invoke(&event).await;
            check(self.subject, &invocation.response, &emulator);
            self.measured.warm_ms.extend(invocation.duration_ms);
        }
        self.measured.dynamo = dynamo_usage(&emulator.logs());
        self.measured.peak_rss_kib = emulator.peak_rss_kib().unwrap_or(0);
    }
}

/// `(calls, read units, write units)` of every access line in `logs`.
fn dynamo_usage(logs: &str) -> Vec<(f64, f64, f64)> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request")
        .map(|line| {
            let field = |name: &str| line["fields"][name].as_f64().unwrap_or(f64::NAN);
            (
                field("store_calls"),
                field("read_units"),
                field("write_units"),
            )
        })
        .collect()
}

/// A benchmark of failing requests would measure the wrong thing: every answer must be a success.
fn check(subject: &Subject, response: &Value, emulator: &Emulator) {
    if subject.name == "floor-echo" {
        return;
    }
    if matches!(
        subject.name,
        "ingest-document"
            | "anchor-chains"
            | "request-deadlines"
            | "purge-documents"
            | "destroy-records"
            | "fixity-check"
    ) {
        // Every notification verified, none handed back to the queue; the agency anchored.
        assert!(
            events::event_answer_holds(subject.name, response),
            "{}: {response}\n{}",
            subject.name,
            emulator.logs()
        );
        return;
    }
    if subject.name == "disposition-review" {
        // Its one agency reviewed; the record listed by the first run only.
        assert_eq!(response["agencies"], 1, "{response}\n{}", emulator.logs());
        return;
    }
    let status = response["statusCode"].as_u64().unwrap_or(0);
    // The public download answers with a redirect to the presigned URL; a document is
    // released once, and every later release of it is the route's reads and a 409.
    let redirect = subject.name == "public-get-document" && status == 302;
    let released_already = subject.name == "add-request-release" && status == 409;
    assert!(
        (200..300).contains(&status) || redirect || released_already,
        "{}: {response}\n{}",
        subject.name,
        emulator.logs()
    );
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn spread(values: &[f64]) -> String {
    format!(
        "{:.2} [{:.2}–{:.2}]",
        percentile(values, 0.5),
        percentile(values, 0.0),
        percentile(values, 1.0)
    )
}

#[tokio::main]
async fn main() {
    // `BENCH_FIXITY_MB=10,100` measures the fixity run's throughput only.
    if let Ok(sizes) = std::env::var("BENCH_FIXITY_MB") {
        let sizes: Vec<u64> = sizes
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        println!(
            "{}",
            fixity::throughput(&bootstrap("fixity-check"), &sizes).await
        );
        return;
    }
    // `BENCH_ONLY=a,b` measures those functions (and the floors) only: for a quick look at
    // one change. The results file is written from full runs only.
    let only: Option<Vec<String>> = std::env::var("BENCH_ONLY")
        .ok()
        .map(|names| names.split(',').map(str::to_owned).collect());
    let measured = |subject: &Subject| {
        subject.name.starts_with("floor-")
            || only
                .as_ref()
                .is_none_or(|names| names.iter().any(|n| n == subject.name))
    };
    let mut benches = Vec::new();
    for subject in SUBJECTS.iter().filter(|s| measured(s)) {
        benches.push(Bench::prepare(subject).await);
    }
    eprintln!("{COLD_STARTS} rounds of cold starts ...");
    for round in 0..COLD_STARTS {
        for bench in &mut benches {
            bench.cold_start(round).await;
        }
    }
    for bench in &mut benches {
        eprintln!("warm invocations of {} ...", bench.subject.name);
        bench.warm().await;
    }
    let results: Vec<(&Subject, Measured)> = benches
        .into_iter()
        .map(|bench| (bench.subject, bench.measured))
        .collect();
    let floor = |name: &str| {
        results
            .iter()
            .find(|(s, _)| s.name == name)
            .map(|(_, m)| m)
            .unwrap()
    };

    let mut table = String::new();
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let _ = writeln!(
        table,
        "Measured on {machine}, {} cores, x86_64, `cargo lambda build --release`; {COLD_STARTS} cold starts (taking turns across functions) and {WARM_INVOCATIONS} warm invocations per function under the Lambda Runtime Interface Emulator against moto (single-threaded). Milliseconds as median [min–max]; ratios to the floor in the same run.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = writeln!(
        table,
        "| function | init ms | init ×floor | first invoke ms | warm p50 ms | warm p99 ms | peak RSS MiB | RSS ×floor | binary MiB | binary ×floor | zip MiB |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|---|---|");
    for (subject, m) in &results {
        let f = floor(subject.floor);
        let mib = |bytes: u64| bytes as f64 / 1_048_576.0;
        let _ = writeln!(
            table,
            "| {} | {} | {:.2} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.2} | {:.1} |",
            subject.name,
            spread(&m.init_ms),
            percentile(&m.init_ms, 0.5) / percentile(&f.init_ms, 0.5),
            spread(&m.first_ms),
            percentile(&m.warm_ms, 0.5),
            percentile(&m.warm_ms, 0.99),
            m.peak_rss_kib as f64 / 1024.0,
            m.peak_rss_kib as f64 / f.peak_rss_kib.max(1) as f64,
            mib(m.binary_bytes),
            m.binary_bytes as f64 / f.binary_bytes.max(1) as f64,
            mib(m.zipped_bytes),
        );
    }
    let _ = writeln!(
        table,
        "\nDynamoDB per request (medians over the warm requests, from each access line). Calls are exact; the units are what moto reports, which are placeholders (it returns fixed values, and none for transactions): on AWS the same fields and the `ReadCapacityUnits`/`WriteCapacityUnits` metrics carry the real ones.\n"
    );
    let _ = writeln!(
        table,
        "| route | calls | read units (moto) | write units (moto) |"
    );
    let _ = writeln!(table, "|---|---|---|---|");
    for (subject, m) in &results {
        if m.dynamo.is_empty() {
            continue;
        }
        let column = |pick: fn(&(f64, f64, f64)) -> f64| {
            percentile(&m.dynamo.iter().map(pick).collect::<Vec<_>>(), 0.5)
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} |",
            subject.name,
            column(|u| u.0),
            column(|u| u.1),
            column(|u| u.2),
        );
    }
    print!("{table}");
    if only.is_none() {
        let out = workspace_root().join("bench/results.md");
        std::fs::write(&out, &table).expect("writing bench/results.md");
        eprintln!("written to {}", out.display());
    }
}
