//! Every function binary, built by `sam build` as it ships, run under the Lambda Runtime
//! Interface Emulator against DynamoDB and S3 on moto, answering its `events/` file.

use aws_sdk_s3::primitives::ByteStream;
use dossier_tests::events::{self, DOCUMENT_ID, FUNCTIONS, RECORD_ID, World};
use dossier_tests::{
    Emulator, NOTICE_DOMAIN, bootstrap, create_anchor_bucket, create_anchor_key, create_bucket,
    create_queue, create_table, dynamo, kms, lambda_environment, received, s3, sent_emails, sqs,
    unique_name, verify_sender, workspace_root,
};
use serde_json::{Value, json};
use shared::anchor::RecordHead;
use shared::anchor::archive::{AnchorArchive, S3Anchors};
use shared::anchor::signer::KmsSigner;
use shared::model::{AgencyId, ContentType, DocumentId, DocumentStatus, RecordId};
use shared::search::snapshot::{SnapshotIndexes, SnapshotStore};
use shared::search::{Audience, IndexSource};
use shared::store::{
    AgencyStore, AuditLog, DispositionStore, DocumentStore, DynamoStore, RecordStore, RequestStore,
};

fn event(name: &str) -> Value {
    events::event(name)
}

/// A fresh table, documents bucket, anchors bucket and anchor key, holding `world`, and the
/// environment of a function on them.
async fn world(world: World) -> (DynamoStore, Vec<(&'static str, String)>) {
    let client = dynamo();
    let table = create_table(&client).await;
    let store = DynamoStore::new(client, table.clone());
    let bucket = create_bucket(&s3()).await;
    let index_bucket = create_bucket(&s3()).await;
    events::seed(world, &store, &s3(), &bucket, &index_bucket).await;
    verify_sender(NOTICE_DOMAIN).await;
    let mut env = lambda_environment(&table);
    let fresh = [
        ("BUCKET_NAME", bucket),
        ("INDEX_BUCKET", index_bucket),
        ("ANCHOR_BUCKET", create_anchor_bucket(&s3()).await),
        ("ANCHOR_KEY_ID", create_anchor_key(&kms()).await),
        ("DESTRUCTION_QUEUE_URL", create_queue(&sqs()).await),
    ];
    env.retain(|(name, _)| !fresh.iter().any(|(fresh, _)| fresh == name));
    env.extend(fresh);
    (store, env)
}

/// The value of `name` in `env`.
fn setting(env: &[(&str, String)], name: &str) -> String {
    env.iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// The template's logical id of `function`: `get-record` is `GetRecordFunction`.
fn logical_id(function: &str) -> String {
    let pascal: String = function
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{pascal}Function")
}

fn body(response: &Value) -> Value {
    match response["body"].as_str() {
        Some(text) if !text.is_empty() => serde_json::from_str(text).expect("a JSON body"),
        _ => Value::Null,
    }
}

fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response["headers"][name].as_str()
}

struct Measured {
    function: &'static str,
    binary_bytes: u64,
    init_ms: Option<f64>,
    first_ms: Option<f64>,
    warm_ms: Option<f64>,
    peak_rss_kib: Option<u64>,
    /// DynamoDB calls of the first (cold) request, from its access line.
    store_calls: Option<u64>,
}

/// The `store_calls` of the first access line in `logs`.
fn first_request_calls(logs: &str) -> Option<u64> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["fields"]["message"] == "request")
        .and_then(|line| line["fields"]["store_calls"].as_u64())
}

/// Runs `function` on its event twice (cold, then warm). `expected` is the HTTP status of
/// the first answer (`None` for the event functions, which answer no HTTP response).
async fn run(
    function: &'static str,
    logical_id: &str,
    env: &[(&str, String)],
    expected: Option<u16>,
    check: impl Fn(&Value),
) -> Measured {
    let path = bootstrap(logical_id);
    let emulator = Emulator::start(function, &path, env).await;
    let first = emulator.invoke(&event(function)).await;
    let store_calls = first_request_calls(&emulator.logs());
    let response = &first.response;
    if let Some(expected) = expected {
        assert_eq!(
            response["statusCode"],
            expected,
            "{function}: {response}\n{}",
            emulator.logs()
        );
        assert!(
            header(response, "x-request-id").is_some(),
            "{function}: no x-request-id"
        );
    }
    check(response);
    // A second call runs warm; for mutations it is answered by the same binary too
    // (a replay, a 412, a 404, or a duplicate notification), never a 500.
    let warm = emulator.invoke(&event(function)).await;
    match expected {
        Some(_) => {
            let status = warm.response["statusCode"].as_u64().unwrap_or(0);
            assert!(
                (200..500).contains(&status),
                "{function} warm: {}",
                warm.response
            );
        }
        None => assert!(
            events::event_answer_holds(function, &warm.response),
            "{function} warm: {}",
            warm.response
        ),
    }
    let logs = emulator.logs();
    assert!(!logs.contains("panicked"), "{function} panicked:\n{logs}");
    Measured {
        function,
        binary_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        init_ms: emulator.init_ms(),
        first_ms: first.duration_ms,
        warm_ms: warm.duration_ms,
        peak_rss_kib: emulator.peak_rss_kib(),
        store_calls,
    }
}

/// What `function`'s answer to its event must say, beyond its status.
fn check_answer(function: &str, r: &Value, bucket: &str) {
    match function {
        "get-record" => {
            assert_eq!(body(r)["id"], RECORD_ID);
            assert_eq!(header(r, "etag"), Some("\"1\""));
        }
        "list-records" => assert_eq!(body(r)["items"][0]["id"], RECORD_ID),
        "update-record" => {
            assert_eq!(header(r, "etag"), Some("\"2\""));
            assert_eq!(body(r)["title"], "Building permit 2026-114 (amended)");
        }
        "get-history" => {
            let items = body(r)["items"].as_array().cloned().unwrap_or_default();
            assert_eq!(items.len(), 1, "{r}");
            assert_eq!(items[0]["prev_hash"], "0".repeat(64));
        }
        "ingest-document" | "index-records" | "purge-documents" | "destroy-records" => {
            assert_eq!(r, &json!({"batchItemFailures": []}))
        }
        "disposition-review" => {
            assert_eq!(r, &json!({"agencies": 1, "listed": 1, "requeued": 0}))
        }
        "get-fixity" => {
            assert_eq!(body(r)["documents"]["unchecked"], 1, "{r}");
            assert!(body(r)["last_run"].is_null());
        }
        "fixity-check" => {
            assert_eq!(
                (&r["checked"], &r["intact"], &r["damaged"]),
                (&json!(1), &json!(1), &json!(0)),
                "{r}"
            );
            assert_eq!(r["bytes"], events::DOCUMENT.len());
        }
        "list-disposition-lists" => {
            assert_eq!(body(r)["items"][0]["id"], events::LIST_ID);
            assert_eq!(body(r)["items"][0]["items"], 1);
        }
        "get-disposition-list" => {
            assert_eq!(body(r)["list"]["id"], events::LIST_ID);
            assert_eq!(body(r)["items"][0]["record"], RECORD_ID);
            assert_eq!(body(r)["items"][0]["state"], "pending");
        }
        "get-disposition-certificate" => {
            assert_eq!(body(r)["list"], events::LIST_ID);
            assert_eq!(body(r)["not_destroyed"], 1);
            assert!(header(r, "content-disposition").is_some_and(|h| h.starts_with("attachment")));
        }
        "decide-disposition" => {
            assert_eq!(body(r)["state"], "approved");
            assert_eq!(body(r)["decided_by"], "dev-officer");
        }
        "search" => {
            assert_eq!(body(r)["total"], 1, "{r}");
            assert_eq!(body(r)["items"][0]["record"]["id"], RECORD_ID);
            assert_eq!(body(r)["items"][0]["record"]["created_by"], "seed");
        }
        "public-search" => {
            assert_eq!(body(r)["total"], 1, "{r}");
            let hit = &body(r)["items"][0];
            assert_eq!(hit["record"]["documents"][0]["id"], DOCUMENT_ID);
            assert!(hit["record"].get("created_by").is_none(), "{hit}");
            assert_eq!(hit["highlights"]["title"][0]["matches"], json!([[9, 15]]));
            assert_eq!(header(r, "cache-control"), Some("public, max-age=60"));
        }
        "anchor-chains" => assert_eq!(r, &json!({"agencies": 1, "anchored": 1, "unchanged": 0})),
        "request-deadlines" => assert!(events::event_answer_holds(function, r), "{r}"),
        "get-document" => {
            assert_eq!(body(r)["status"], "available");
            let url = body(r)["download"]["url"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                url.contains(bucket) && url.contains("X-Amz-Signature="),
                "{url}"
            );
        }
        "list-documents" => assert_eq!(body(r)["items"][0]["id"], DOCUMENT_ID),
        "create-upload" => {
            assert_eq!(body(r)["document"]["status"], "pending");
            assert_eq!(body(r)["upload"]["method"], "PUT");
        }
        "create-record" => {
            assert!(header(r, "location").is_some_and(|l| l.starts_with("/records/")));
            assert_eq!(body(r)["status"], "draft");
        }
        "delete-record" => assert_eq!(body(r), Value::Null),
        "get-agency" => {
            assert_eq!(body(r)["agency"], events::AGENCY);
            assert_eq!(header(r, "etag"), Some("\"1\""));
        }
        "public-list-agencies" => assert_eq!(body(r)["items"][0]["agency"], events::AGENCY),
        "public-get-agency" => assert_eq!(body(r)["agency"], events::AGENCY),
        "public-list-records" => assert_eq!(body(r)["items"][0]["id"], RECORD_ID),
        "public-get-record" => {
            assert_eq!(body(r)["id"], RECORD_ID);
            assert_eq!(body(r)["documents"][0]["id"], DOCUMENT_ID);
            assert_eq!(header(r, "cache-control"), Some("public, max-age=60"));
        }
        "public-get-document" => {
            let url = header(r, "location").unwrap_or_default();
            assert!(
                url.contains(bucket) && url.contains("X-Amz-Signature="),
                "{url}"
            );
        }
        "submit-request" => {
            let number = body(r)["number"].as_str().unwrap_or_default().to_owned();
            assert!(number.ends_with("-0001"), "{number}");
            assert_eq!(
                header(r, "location"),
                Some(format!("/public/agencies/{}/requests/{number}", events::AGENCY).as_str())
            );
            assert_eq!(body(r)["tracking_token"].as_str().map(str::len), Some(43));
            assert_eq!(header(r, "cache-control"), Some("no-store"));
        }
        "get-request" => {
            assert_eq!(body(r)["number"], events::REQUEST_NUMBER);
            assert_eq!(header(r, "etag"), Some("\"1\""));
        }
        "update-request" => {
            assert_eq!(body(r)["assignee"], "dev-clerk");
            assert_eq!(header(r, "etag"), Some("\"2\""));
        }
        "get-request-history" => {
            assert_eq!(body(r)["items"][0]["action"], "request.receive");
        }
        "get-request-messages" => assert!(body(r)["items"].is_array(), "{r}"),
        "public-get-request" => {
            assert_eq!(body(r)["number"], events::REQUEST_NUMBER);
            assert!(body(r).get("description").is_none());
        }
        "add-request-message" => assert_eq!(body(r)["visibility"], "requester"),
        "add-request-release" => assert_eq!(body(r)["document_id"], DOCUMENT_ID),
        "public-request-stats" => {
            assert_eq!(
                (body(r)["year"].as_i64(), body(r)["received"].as_i64()),
                (Some(2026), Some(1))
            );
        }
        "list-requests" | "public-list-requests" => {
            assert_eq!(body(r)["items"][0]["number"], events::REQUEST_NUMBER);
        }
        "public-add-request-message" => {
            assert_eq!(body(r)["from"], "requester");
            assert_eq!(header(r, "cache-control"), Some("private, no-store"));
        }
        "put-agency" => {
            assert_eq!(body(r)["timezone"], "America/Chicago");
            assert_eq!(header(r, "etag"), Some("\"1\""));
        }
        "list-schedules" => assert_eq!(body(r)["items"][0]["id"], events::SCHEDULE_ID),
        "create-schedule" => {
            assert_eq!(header(r, "etag"), Some("\"1\""));
            assert!(
                header(r, "location").is_some_and(|l| l.starts_with("/schedules/")),
                "{r}"
            );
        }
        "update-schedule" => {
            assert_eq!(header(r, "etag"), Some("\"2\""));
            assert_eq!(body(r)["keep"]["months"], 6);
        }
        "delete-schedule" | "lift-hold" => {}
        "list-holds" => assert_eq!(body(r)["items"][0]["id"], events::HOLD_ID),
        "get-schedule-history" => assert_eq!(body(r)["items"][0]["action"], "schedule.create"),
        "get-hold-history" => assert_eq!(body(r)["items"][1]["action"], "hold.place"),
        "create-hold" => assert_eq!(body(r)["status"], "active"),
        "list-hold-records" => {
            assert_eq!(body(r)["items"][0]["id"], RECORD_ID);
            assert_eq!(body(r)["items"][0]["legal_hold"], true);
        }
        "place-hold" => {
            assert_eq!(body(r)["records"], 1);
            assert_eq!(header(r, "etag"), Some("\"2\""));
        }
        "release-hold" => {
            assert_eq!(body(r)["status"], "released");
            assert_eq!(body(r)["records"], 0);
        }
        other => panic!("no check for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_answers_its_event_under_the_emulator() {
    let (dev, record_id) = (
        AgencyId::parse(events::AGENCY).unwrap(),
        RecordId::parse(RECORD_ID).unwrap(),
    );
    let document_id = DocumentId::parse(DOCUMENT_ID).unwrap();
    let mut measured = Vec::new();
    for (function, expected, seeded) in FUNCTIONS {
        let (store, env) = world(seeded).await;
        let bucket = setting(&env, "BUCKET_NAME");
        let logical_id = logical_id(function);
        measured.push(
            run(function, &logical_id, &env, expected, |r| {
                check_answer(function, r, &bucket)
            })
            .await,
        );
        match function {
            "ingest-document" => {
                let ingested = store.get_document(&dev, &record_id, &document_id).await;
                assert_eq!(ingested.unwrap().unwrap().status, DocumentStatus::Available);
            }
            "delete-record" => {
                assert_eq!(store.get_record(&dev, &record_id).await.unwrap(), None);
            }
            "decide-disposition" => {
                // The approval's order is on the destruction queue, for the worker.
                let orders = received(&sqs(), &setting(&env, "DESTRUCTION_QUEUE_URL")).await;
                let order: Value = serde_json::from_str(&orders[0]).unwrap();
                assert_eq!(
                    order,
                    json!({"agency": "dev", "list": events::LIST_ID, "record": RECORD_ID})
                );
            }
            "destroy-records" => {
                // Gone, its tombstone in its place, its chain ending with the destruction.
                assert_eq!(store.get_record(&dev, &record_id).await.unwrap(), None);
                let tombstone = store.get_tombstone(&dev, &record_id).await.unwrap();
                assert_eq!(tombstone.expect("a tombstone").approved_by, "otto");
                let chain = store.history(&dev, &record_id, 10, None).await.unwrap();
                assert_eq!(
                    chain.items.last().unwrap().action.as_str(),
                    "record.destroy"
                );
            }
            "fixity-check" => {
                // Read on S3, found intact, recorded on the document.
                let checked = store.get_document(&dev, &record_id, &document_id).await;
                let fixity = checked.unwrap().unwrap().fixity.expect("a check");
                assert_eq!(fixity.outcome.as_str(), "intact");
            }
            "disposition-review" => {
                let lists = store.list_dispositions(&dev).await.unwrap();
                assert_eq!((lists.len(), lists[0].items), (1, 1));
            }
            "purge-documents" => {
                // Every version of the record's document is gone from the bucket.
                let prefix = format!("documents/{dev}/{record_id}/");
                let listed = s3()
                    .list_object_versions()
                    .bucket(&bucket)
                    .prefix(&prefix)
                    .send()
                    .await
                    .unwrap();
                assert!(listed.versions().is_empty(), "{listed:?}");
            }
            "submit-request" => {
                // The acknowledgement went out by SES, from the stack's sender.
                let requester = body(&event(function))["requester"]["email"].clone();
                let sent = sent_emails().await;
                let acknowledged = sent.iter().find(|email| {
                    email["destinations"]["ToAddresses"][0] == requester
                        && email["subject"]
                            .as_str()
                            .is_some_and(|s| s.ends_with("was received"))
                });
                let acknowledged = acknowledged.unwrap_or_else(|| panic!("{sent:?}"));
                assert_eq!(acknowledged["source"], setting(&env, "NOTICE_SENDER"));
            }
            "put-agency" => {
                let written = store.get_agency(&dev).await.unwrap().expect("a profile");
                assert_eq!(written.profile.name, "Development Agency");
                let history = store.agency_history(&dev, 10, None).await.unwrap();
                assert_eq!(history.items.len(), 1);
            }
            "index-records" => {
                // Both of the agency's indexes hold the record, each in its own view.
                let snapshots = SnapshotStore::new(s3(), setting(&env, "INDEX_BUCKET"), "index/");
                let folder = workspace_root()
                    .join("target/tmp")
                    .join(unique_name("rie-index"));
                let indexes = SnapshotIndexes::new(snapshots, folder, std::time::Duration::ZERO);
                for audience in Audience::ALL {
                    let index = indexes
                        .index(&dev, audience)
                        .await
                        .unwrap()
                        .expect("an index");
                    assert_eq!(index.ids().unwrap(), [RECORD_ID], "{audience:?}");
                }
            }
            "anchor-chains" => {
                // Signed by the KMS key, over the record's head, checked with its public key.
                let archive = S3Anchors::new(s3(), setting(&env, "ANCHOR_BUCKET"));
                let kept = archive.latest(&dev).await.unwrap().expect("an anchor");
                let key = setting(&env, "ANCHOR_KEY_ID");
                assert_eq!(kept.anchor.key_id, key);
                let public = KmsSigner::public_key(&kms(), &key).await.unwrap();
                assert_eq!(kept.anchor.verify(&kept.heads, &public), Ok(()));
                let stored = store.get_record(&dev, &record_id).await.unwrap().unwrap();
                assert_eq!(kept.heads.heads, [RecordHead::of(&stored)]);
            }
            _ => {}
        }
    }

    // Each route makes only the store calls it needs, counted by the binary itself: a
    // record read is one GetItem, a listing or a history page one Query, a document read
    // the record's GetItem then the document's, a write one GetItem (the record, or the
    // idempotency key) then one transaction.
    let calls: Vec<(&str, Option<u64>)> = measured
        .iter()
        .map(|m| (m.function, m.store_calls))
        .collect();
    assert_eq!(
        calls,
        [
            ("create-record", Some(2)),
            ("get-record", Some(1)),
            ("list-records", Some(1)),
            ("update-record", Some(2)),
            ("delete-record", Some(2)),
            ("get-history", Some(1)),
            ("create-upload", Some(2)),
            ("list-documents", Some(2)),
            ("get-document", Some(2)),
            ("get-agency", Some(1)),
            ("put-agency", Some(2)),
            ("public-list-agencies", Some(1)),
            ("public-get-agency", Some(1)),
            ("public-list-records", Some(2)),
            ("public-get-record", Some(3)),
            ("public-get-document", Some(3)),
            ("submit-request", Some(4)),
            ("get-request", Some(1)),
            ("update-request", Some(3)),
            ("get-request-history", Some(1)),
            ("get-request-messages", Some(2)),
            ("public-get-request", Some(3)),
            ("add-request-message", Some(3)),
            ("public-add-request-message", Some(3)),
            ("add-request-release", Some(5)),
            ("list-requests", Some(2)),
            ("public-list-requests", Some(2)),
            ("public-request-stats", Some(2)),
            ("search", Some(0)),
            ("public-search", Some(1)),
            ("ingest-document", None),
            ("anchor-chains", None),
            ("index-records", None),
            ("request-deadlines", None),
            ("list-schedules", Some(1)),
            ("create-schedule", Some(2)),
            ("update-schedule", Some(2)),
            ("delete-schedule", Some(2)),
            ("list-holds", Some(1)),
            ("create-hold", Some(1)),
            ("list-hold-records", Some(3)),
            ("place-hold", Some(3)),
            ("lift-hold", Some(3)),
            ("release-hold", Some(8)),
            ("get-schedule-history", Some(1)),
            ("get-hold-history", Some(1)),
            ("purge-documents", None),
            ("list-disposition-lists", Some(1)),
            ("get-disposition-list", Some(2)),
            ("get-disposition-certificate", Some(2)),
            ("decide-disposition", Some(3)),
            ("disposition-review", None),
            ("destroy-records", None),
            ("fixity-check", None),
            ("get-fixity", Some(2)),
        ]
    );

    eprintln!(
        "\n| function | stripped binary | init (INIT REPORT) | first invoke | warm invoke | peak RSS |"
    );
    eprintln!("|---|---|---|---|---|---|");
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1} ms"));
    for m in &measured {
        eprintln!(
            "| {} | {:.1} MiB | {} | {} | {} | {} |",
            m.function,
            m.binary_bytes as f64 / 1_048_576.0,
            ms(m.init_ms),
            ms(m.first_ms),
            ms(m.warm_ms),
            m.peak_rss_kib
                .map_or("-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_same_problems_through_the_binary() {
    let table = create_table(&dynamo()).await;
    let emulator = Emulator::start(
        "create-record",
        &bootstrap("CreateRecordFunction"),
        &lambda_environment(&table),
    )
    .await;
    let mut no_token = event("create-record");
    no_token["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    let mut not_json = event("create-record");
    not_json["body"] = json!("{\"title\": ");
    let mut wrong_type = event("create-record");
    wrong_type["headers"]["content-type"] = json!("text/plain");
    let mut invalid = event("create-record");
    invalid["body"] = json!("{\"title\": \"\", \"classification\": \"secret\", \"id\": \"x\"}");
    let mut binary = event("create-record");
    binary["body"] = json!("e/9+fQ==");
    binary["isBase64Encoded"] = json!(true);
    for (case, request, status, kind) in [
        ("no token", no_token, 401, "unauthorized"),
        ("malformed JSON", not_json, 400, "validation"),
        ("not JSON", wrong_type, 415, "unsupported-media-type"),
        ("invalid fields", invalid, 400, "validation"),
        ("invalid UTF-8", binary, 400, "validation"),
    ] {
        let response = emulator.invoke(&request).await.response;
        assert_eq!(response["statusCode"], status, "{case}: {response}");
        assert_eq!(
            header(&response, "content-type"),
            Some("application/problem+json"),
            "{case}"
        );
        let problem = body(&response);
        assert!(
            problem["type"].as_str().unwrap().ends_with(kind),
            "{case}: {problem}"
        );
        if case == "invalid fields" {
            assert_eq!(problem["errors"].as_array().unwrap().len(), 3, "{problem}");
        }
    }
    let logs = emulator.logs();
    assert!(!logs.contains("panicked"));
    // Each refusal is also a CloudWatch EMF metric line: Requests by route, Errors by type.
    let metrics: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!(metrics.len(), 5, "{logs}");
    for line in &metrics {
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Dossier");
        assert_eq!(line["Route"], "POST /records");
        assert_eq!(line["Requests"], 1);
        assert_eq!(line["Errors"], 1);
    }
    let types: Vec<&str> = metrics
        .iter()
        .filter_map(|l| l["ProblemType"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "unauthorized",
            "validation",
            "unsupported-media-type",
            "validation",
            "validation"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_setting_fails_the_cold_start_naming_it() {
    let env: Vec<(&str, String)> = lambda_environment("unused")
        .into_iter()
        .filter(|(name, _)| *name != "TABLE_NAME")
        .collect();
    let emulator = Emulator::start("get-record", &bootstrap("GetRecordFunction"), &env).await;
    let response = emulator.invoke(&event("get-record")).await.response;
    assert!(
        response.get("statusCode").is_none(),
        "the function must not serve: {response}"
    );
    let logs = emulator.logs();
    let line = logs
        .lines()
        .find(|line| line.contains("TABLE_NAME"))
        .unwrap_or_else(|| panic!("no line names TABLE_NAME:\n{logs}"));
    assert!(line.contains("invalid configuration"), "{line}");
}

/// The ingest event for `key` (the `events/` file with another object).
fn ingest_event(key: &str) -> Value {
    let mut event = event("ingest-document");
    let mut notification: Value =
        serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    notification["Records"][0]["s3"]["object"]["key"] = json!(key);
    event["Records"][0]["body"] = json!(notification.to_string());
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_memory_stays_flat_whatever_the_file_size() {
    let client = dynamo();
    let table = create_table(&client).await;
    let store = DynamoStore::new(client, table.clone());
    let bucket = create_bucket(&s3()).await;
    let mut env = lambda_environment(&table);
    env.push(("BUCKET_NAME", bucket.clone()));
    let body = json!({"title": "Scans", "classification": "internal"});
    let record =
        shared::testing::seed_record(&store, "dev", &body, shared::testing::TEST_NOW).await;

    let mut peaks = Vec::new();
    for size in [1024, 50 * 1024 * 1024] {
        let mut bytes = vec![b'%'; size];
        bytes[..8].copy_from_slice(b"%PDF-1.7");
        let document =
            shared::testing::seed_document(&store, &record, ContentType::Pdf, &bytes).await;
        s3().put_object()
            .bucket(&bucket)
            .key(document.object_key())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .unwrap();
        let emulator = Emulator::start(
            "ingest-document",
            &bootstrap("IngestDocumentFunction"),
            &env,
        )
        .await;
        let invocation = emulator.invoke(&ingest_event(&document.object_key())).await;
        assert_eq!(
            invocation.response,
            json!({"batchItemFailures": []}),
            "{}",
            emulator.logs()
        );
        let settled = store
            .get_document(&document.agency, &document.record_id, &document.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(settled.status, DocumentStatus::Available, "{size} bytes");
        let peak = emulator.peak_rss_kib().expect("the function's VmHWM");
        eprintln!(
            "ingest-document, {size} byte file: peak RSS {:.1} MiB, duration {:?} ms",
            peak as f64 / 1024.0,
            invocation.duration_ms
        );
        peaks.push(peak);
    }
    // Streaming: a file 51,200 times larger may cost a few buffers more, never the file.
    assert!(
        peaks[1] < peaks[0] + 8 * 1024,
        "peak RSS grew from {} KiB to {} KiB",
        peaks[0],
        peaks[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_get_the_same_problems_through_the_binaries() {
    let (store, env) = world(World::Record).await;
    let binaries = [
        ("POST", "/records", "create-record", "CreateRecordFunction"),
        (
            "PATCH",
            "/records/{id}",
            "update-record",
            "UpdateRecordFunction",
        ),
        (
            "POST",
            "/records/{id}/documents",
            "create-upload",
            "CreateUploadFunction",
        ),
    ];
    let cases = dossier_tests::hostile_bodies(RECORD_ID);
    for (method, route, function, logical_id) in binaries {
        let emulator = Emulator::start(function, &bootstrap(logical_id), &env).await;
        let path = route.replace("{id}", RECORD_ID);
        let mine: Vec<_> = cases
            .iter()
            .filter(|c| c.method == method && c.path == path)
            .collect();
        assert!(mine.len() >= 3, "{function}: {} cases", mine.len());
        for case in mine {
            let mut request = event(function);
            for (name, value) in &case.headers {
                request["headers"][*name] = json!(value);
            }
            match std::str::from_utf8(&case.body) {
                Ok(text) => {
                    request["body"] = json!(text);
                    request["isBase64Encoded"] = json!(false);
                }
                Err(_) => {
                    use base64::Engine;
                    let encoded = base64::engine::general_purpose::STANDARD.encode(&case.body);
                    request["body"] = json!(encoded);
                    request["isBase64Encoded"] = json!(true);
                }
            }
            let response = emulator.invoke(&request).await.response;
            let name = case.case;
            assert_eq!(
                response["statusCode"], case.status,
                "{function}: {name}: {response}"
            );
            assert_eq!(
                header(&response, "content-type"),
                Some("application/problem+json"),
                "{function}: {name}"
            );
        }
        let logs = emulator.logs();
        assert!(!logs.contains("panicked"), "{function}:\n{logs}");
    }
    // Still version 1, no document: none of it was half-written.
    let agency = AgencyId::parse("dev").unwrap();
    let id = RecordId::parse(RECORD_ID).unwrap();
    let stored = store.get_record(&agency, &id).await.unwrap().unwrap();
    assert_eq!(stored.record.version, 1);
    let page = store.list_documents(&agency, &id, 10, None).await.unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_records_requests_get_problems_through_the_binary() {
    let (store, env) = world(World::Agency).await;
    let emulator =
        Emulator::start("submit-request", &bootstrap("SubmitRequestFunction"), &env).await;
    for case in dossier_tests::hostile_request_bodies(events::AGENCY) {
        let mut request = event("submit-request");
        request["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
        for (name, value) in &case.headers {
            request["headers"][*name] = json!(value);
        }
        use base64::Engine;
        request["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&case.body));
        request["isBase64Encoded"] = json!(true);
        let response = emulator.invoke(&request).await.response;
        let name = case.case;
        assert_eq!(response["statusCode"], case.status, "{name}: {response}");
        assert_eq!(
            header(&response, "content-type"),
            Some("application/problem+json"),
            "{name}"
        );
    }
    let logs = emulator.logs();
    assert!(!logs.contains("panicked"), "{logs}");
    // Not one number was taken.
    let agency = AgencyId::parse(events::AGENCY).unwrap();
    for year in 2026..=2027 {
        assert_eq!(store.last_request_number(&agency, year).await, Ok(0));
    }
}
