//! The local server end to end, over real HTTP: the README's session, concurrency, restart
//! persistence, and malformed requests answered exactly as the Lambda binaries answer them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dossier_local::routes::LocalDeps;
use dossier_local::server::serve;
use dossier_local::{indexing, settings};
use dossier_tests::{
    Emulator, bootstrap, create_table, dynamo, env_json, http_request, lambda_environment,
    unique_name,
};
use serde_json::{Value, json};
use shared::auth::mint_hs256;
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::model::AuditEntry;
use shared::search::folder::FolderIndexes;
use shared::store::{DynamoStore, EmbeddedStore, MemoryStore, Store};
use tokio::sync::oneshot;

/// A local server on a free port over an embedded store in `data`, with env.json's settings.
struct Local {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    secret: String,
    /// The search indexer following the store, and what stops it.
    indexing: Option<(
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl Local {
    async fn start(data: &Path) -> Self {
        let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
        Self::start_following(store.clone(), Some(store)).await
    }

    async fn start_on<S: Store + Clone>(store: S) -> Self {
        Self::start_following(store, None).await
    }

    /// Serves `store`; with `feed`, search indexes follow its writes as in `make serve`.
    async fn start_following<S: Store + Clone>(store: S, feed: Option<EmbeddedStore>) -> Self {
        let env = env_json();
        let config = settings::config(
            |name| env[name].as_str().map(str::to_owned),
            &settings::local_defaults("unused-unused-unused-unused-unused"),
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let blobs = FileBlobs::new(temp_data().join("blobs"), &base, b"local-blob-secret");
        let indexes = Arc::new(FolderIndexes::new(temp_data().join("index")));
        let (stop_indexing, stop) = tokio::sync::watch::channel(false);
        let indexing = feed
            .map(|feed| tokio::spawn(indexing::follow(feed, blobs.clone(), indexes.clone(), stop)));
        let notices = shared::notices::Notices {
            mailer: shared::notices::Outbox::new(
                temp_data().join("outbox"),
                "records@dossier.localhost",
                shared::clock::Clock::system(),
            ),
            portal_url: Some(base.clone()),
        };
        let deps = Arc::new(LocalDeps::new(
            &config,
            store,
            blobs,
            1024 * 1024,
            indexes,
            notices,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(serve(listener, deps, async move {
            let _ = stopped.await;
        }));
        let secret = env["JWT_HS256_SECRET"].as_str().unwrap().to_owned();
        Self {
            base,
            stop: Some(stop),
            done,
            secret,
            indexing: indexing.map(|task| (stop_indexing, task)),
        }
    }

    fn token(&self, sub: &str, agency: &str, roles: &[&str]) -> String {
        let env = env_json();
        let now = Clock::system().now().as_secs();
        let claims = json!({"iss": env["JWT_ISSUER"], "aud": env["JWT_AUDIENCE"],
                            "sub": sub, "agency": agency, "roles": roles, "exp": now + 3600});
        mint_hs256(self.secret.as_bytes(), &claims)
    }

    /// Parks' first profile, written by an officer.
    async fn parks_profile(&self) {
        let officer = format!("Bearer {}", self.token("olga", "parks", &["officer"]));
        let profile = json!({"name": "Parks", "contact_email": "records@parks.example.gov",
                             "timezone": "UTC"});
        let put = send(
            "PUT",
            &format!("{}/agency", self.base),
            &[
                ("authorization", &officer),
                ("content-type", "application/json"),
            ],
            Some(profile.to_string().as_bytes()),
        )
        .await;
        assert_eq!(put.status, 201, "{}", put.body);
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.done).await.unwrap();
        if let Some((stop, task)) = self.indexing.take() {
            let _ = stop.send(true);
            task.await.unwrap();
        }
    }
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let (status, headers, bytes) =
        http_request(method, url, &headers, body.unwrap_or_default()).await;
    Reply {
        status,
        headers,
        body: if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON body")
        },
    }
}

/// Request headers, as name and value.
type Headers<'a> = Vec<(&'a str, &'a str)>;

fn temp_data() -> PathBuf {
    std::env::temp_dir().join(unique_name("dossier-local"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_session_works_and_survives_a_restart() {
    let data = temp_data();
    let local = Local::start(&data).await;
    let location = readme_session(&local).await;
    local.stop().await;
    let restarted = Local::start(&data).await;
    let clerk = format!("Bearer {}", restarted.token("clara", "parks", &["clerk"]));
    let read = send(
        "GET",
        &format!("{}{location}", restarted.base),
        &[("authorization", &clerk)],
        None,
    )
    .await;
    assert_eq!(
        (read.status, read.body["description"].as_str()),
        (200, Some("Oak at 12 Elm St."))
    );
    restarted.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// `--aws` mode: the same server on the DynamoDB adapter (here on moto).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_session_works_on_dynamodb() {
    let client = dynamo();
    let table = create_table(&client).await;
    let local = Local::start_on(DynamoStore::new(client, table)).await;
    readme_session(&local).await;
    local.stop().await;
}

/// The README's copy-paste session; returns the record's location.
async fn readme_session(local: &Local) -> String {
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let auditor = format!("Bearer {}", local.token("aude", "parks", &["auditor"]));

    let created = send(
        "POST",
        &format!("{}/records", local.base),
        &[
            ("authorization", &clerk),
            ("content-type", "application/json"),
        ],
        Some(br#"{"title": "Tree removal permit", "classification": "public", "tags": ["trees"]}"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    assert!(created.headers.contains_key("x-request-id"));

    let listed = send(
        "GET",
        &format!("{}/records?tag=trees", local.base),
        &[("authorization", &clerk)],
        None,
    )
    .await;
    assert_eq!(listed.body["items"][0]["title"], "Tree removal permit");

    let patched = send(
        "PATCH",
        &format!("{}{location}", local.base),
        &[
            ("authorization", &clerk),
            ("content-type", "application/merge-patch+json"),
            ("if-match", "\"1\""),
        ],
        Some(br#"{"description": "Oak at 12 Elm St."}"#),
    )
    .await;
    assert_eq!(
        (patched.status, patched.headers["etag"].to_str().unwrap()),
        (200, "\"2\"")
    );

    let history = send(
        "GET",
        &format!("{}{location}/history", local.base),
        &[("authorization", &auditor)],
        None,
    )
    .await;
    let entries: Vec<AuditEntry> = serde_json::from_value(history.body["items"].clone()).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(shared::model::verify_chain(&entries), Ok(()));

    let officer = format!("Bearer {}", local.token("olga", "parks", &["officer"]));
    let profile = br#"{"name": "Parks Department", "contact_email": "records@parks.example.gov", "timezone": "America/Chicago"}"#;
    let written = send(
        "PUT",
        &format!("{}/agency", local.base),
        &[
            ("authorization", &officer),
            ("content-type", "application/json"),
        ],
        Some(profile),
    )
    .await;
    assert_eq!(written.status, 201, "{}", written.body);
    let read = send(
        "GET",
        &format!("{}/agency", local.base),
        &[("authorization", &clerk)],
        None,
    )
    .await;
    assert_eq!(
        (read.status, read.body["timezone"].as_str()),
        (200, Some("America/Chicago"))
    );

    // Published, the record is public: anyone reads it, without a token.
    let published = send(
        "PATCH",
        &format!("{}{location}", local.base),
        &[
            ("authorization", &officer),
            ("content-type", "application/merge-patch+json"),
            ("if-match", "\"2\""),
        ],
        Some(br#"{"status": "published"}"#),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let public = send(
        "GET",
        &format!("{}/public/agencies/parks{}", local.base, location),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (public.status, public.body["description"].as_str()),
        (200, Some("Oak at 12 Elm St."))
    );
    assert!(public.body.get("created_by").is_none());
    let listed = send(
        "GET",
        &format!("{}/public/agencies/parks/records?tag=trees", local.base),
        &[],
        None,
    )
    .await;
    assert_eq!(listed.body["items"][0]["id"], public.body["id"]);
    let agencies = send("GET", &format!("{}/public/agencies", local.base), &[], None).await;
    assert_eq!(agencies.body["items"][0]["name"], "Parks Department");

    let missing = send("GET", &format!("{}/nowhere", local.base), &[], None).await;
    assert_eq!(
        (
            missing.status,
            missing.headers["content-type"].to_str().unwrap()
        ),
        (404, "application/problem+json")
    );

    location
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_patches_with_one_etag_give_one_winner() {
    let data = temp_data();
    let local = Local::start(&data).await;
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let created = send(
        "POST",
        &format!("{}/records", local.base),
        &[
            ("authorization", &clerk),
            ("content-type", "application/json"),
        ],
        Some(br#"{"title": "v1", "classification": "public"}"#),
    )
    .await;
    let url = format!(
        "{}{}",
        local.base,
        created.headers["location"].to_str().unwrap()
    );
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..50 {
        let (url, clerk) = (url.clone(), clerk.clone());
        tasks.spawn(async move {
            let body = format!("{{\"title\": \"writer {writer}\"}}");
            send(
                "PATCH",
                &url,
                &[
                    ("authorization", &clerk),
                    ("content-type", "application/json"),
                    ("if-match", "\"1\""),
                ],
                Some(body.as_bytes()),
            )
            .await
            .status
        });
    }
    let mut statuses = tasks.join_all().await;
    statuses.sort();
    assert_eq!(statuses, [[200].as_slice(), &[412; 49]].concat());
    let auditor = format!("Bearer {}", local.token("aude", "parks", &["auditor"]));
    let history = send(
        "GET",
        &format!("{url}/history"),
        &[("authorization", &auditor)],
        None,
    )
    .await;
    assert_eq!(
        history.body["items"].as_array().unwrap().len(),
        2,
        "exactly one new audit entry"
    );
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_the_same_answers_as_from_the_lambda_binary() {
    let data = temp_data();
    let local = Local::start(&data).await;
    let table = create_table(&dynamo()).await;
    let vars = lambda_environment(&table);
    let lambda = Emulator::start("create-record", &bootstrap("CreateRecordFunction"), &vars).await;
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let reader = format!("Bearer {}", local.token("rita", "parks", &["reader"]));
    let long_key = "k".repeat(300);

    let cases: Vec<(&str, Headers, &[u8])> = vec![
        (
            "no token",
            vec![("content-type", "application/json")],
            b"{}",
        ),
        (
            "reader",
            vec![
                ("authorization", &reader),
                ("content-type", "application/json"),
            ],
            br#"{"title": "t", "classification": "public"}"#,
        ),
        (
            "broken JSON",
            vec![
                ("authorization", &clerk),
                ("content-type", "application/json"),
            ],
            b"{\"title\": ",
        ),
        (
            "not JSON",
            vec![("authorization", &clerk), ("content-type", "text/csv")],
            b"a,b",
        ),
        (
            "bad fields",
            vec![
                ("authorization", &clerk),
                ("content-type", "application/json"),
            ],
            br#"{"title": "", "classification": "secret", "status": "draft"}"#,
        ),
        (
            "invalid UTF-8",
            vec![
                ("authorization", &clerk),
                ("content-type", "application/json"),
            ],
            b"{\"title\": \"\xff\"}",
        ),
        (
            "bad key",
            vec![
                ("authorization", &clerk),
                ("content-type", "application/json"),
                ("idempotency-key", &long_key),
            ],
            br#"{"title": "t", "classification": "public"}"#,
        ),
    ];
    for (case, headers, body) in cases {
        let local_reply = send(
            "POST",
            &format!("{}/records", local.base),
            &headers,
            Some(body),
        )
        .await;
        let mut event = shared::testing::event("POST", "/records");
        for (name, value) in &headers {
            event = event.header(name, value);
        }
        event = match std::str::from_utf8(body) {
            Ok(text) => event.text(text),
            Err(_) => event.bytes(body),
        };
        let lambda_reply = lambda.invoke(&event.to_json()).await.response;
        let lambda_body: Value =
            serde_json::from_str(lambda_reply["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            local_reply.status,
            lambda_reply["statusCode"].as_u64().unwrap() as u16,
            "{case}"
        );
        assert!(local_reply.status >= 400, "{case}");
        assert_eq!(local_reply.body, lambda_body, "{case}");
        assert_eq!(
            local_reply.headers["content-type"],
            lambda_reply["headers"]["content-type"].as_str().unwrap(),
            "{case}"
        );
    }
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// Announces `bytes` as `content_type` on the record at `location`; the upload URL and
/// the headers it binds, and the document's URL.
async fn announce(
    local: &Local,
    location: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<(String, String)>, String) {
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let extension =
        shared::model::ContentType::parse(content_type).map_or("txt", |t| t.extensions()[0]);
    let body = json!({"filename": format!("Notes 1.{extension}"), "content_type": content_type, "size": bytes.len(),
                      "sha256": shared::model::sha256_base64(bytes)});
    let created = send(
        "POST",
        &format!("{}{location}/documents", local.base),
        &[
            ("authorization", &clerk),
            ("content-type", "application/json"),
        ],
        Some(body.to_string().as_bytes()),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let upload = &created.body["upload"];
    let headers = serde_json::from_value::<std::collections::BTreeMap<String, String>>(
        upload["headers"].clone(),
    )
    .unwrap()
    .into_iter()
    .collect();
    let document = created.headers["location"].to_str().unwrap().to_owned();
    (
        upload["url"].as_str().unwrap().to_owned(),
        headers,
        document,
    )
}

/// The document at `document` as a reader sees it.
async fn document_now(local: &Local, document: &str) -> Value {
    let reader = format!("Bearer {}", local.token("rita", "parks", &["reader"]));
    let got = send(
        "GET",
        &format!("{}{document}", local.base),
        &[("authorization", &reader)],
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.body
}

/// Polls the document until ingestion has settled it.
async fn settled(local: &Local, document: &str) -> Value {
    for _ in 0..100 {
        let now = document_now(local, document).await;
        if now["status"] != "pending" {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{document} stayed pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_upload_ingest_and_download_through_the_local_server() {
    let data = temp_data();
    let local = Local::start(&data).await;
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let created = send(
        "POST",
        &format!("{}/records", local.base),
        &[
            ("authorization", &clerk),
            ("content-type", "application/json"),
        ],
        Some(br#"{"title": "Council minutes", "classification": "public"}"#),
    )
    .await;
    let location = created.headers["location"].to_str().unwrap().to_owned();

    let text = b"Minutes, 3 March: approved.\n";
    let (url, headers, document) = announce(&local, &location, "text/plain", text).await;
    // The server refuses what the URL does not allow, as S3 would.
    let other_type: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == "content-type" {
                    "text/html".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    assert_eq!(http_request("PUT", &url, &other_type, text).await.0, 403);
    // The signature's last hex digit, changed.
    let (kept, last) = url.split_at(url.len() - 1);
    let forged = format!("{kept}{}", if last == "0" { "1" } else { "0" });
    assert_eq!(http_request("PUT", &forged, &headers, text).await.0, 403);
    let same_length_other_bytes = b"Minutes, 3 March: rejected.\n";
    assert_eq!(
        http_request("PUT", &url, &headers, same_length_other_bytes)
            .await
            .0,
        400
    );
    assert_eq!(document_now(&local, &document).await["status"], "pending");

    let (status, _, reply) = http_request("PUT", &url, &headers, text).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let available = settled(&local, &document).await;
    assert_eq!(available["status"], "available", "{available}");
    let download = available["download"]["url"].as_str().unwrap();
    let (status, headers_back, bytes) = http_request("GET", download, &[], b"").await;
    assert_eq!((status, bytes.as_ref()), (200, text.as_slice()));
    assert_eq!(
        headers_back["content-disposition"],
        "attachment; filename=\"Notes 1.txt\"; filename*=UTF-8''Notes%201.txt"
    );
    let tampered = download.replace("Notes", "Other");
    assert_eq!(http_request("GET", &tampered, &[], b"").await.0, 403);

    // Bytes that are not what they claim are quarantined and never served.
    let (url, headers, document) = announce(&local, &location, "application/pdf", text).await;
    assert_eq!(http_request("PUT", &url, &headers, text).await.0, 200);
    let quarantined = settled(&local, &document).await;
    assert_eq!(quarantined["status"], "quarantined");
    assert_eq!(
        quarantined["quarantine_reason"],
        "content is not application/pdf"
    );
    assert!(quarantined.get("download").is_none());

    let auditor = format!("Bearer {}", local.token("aude", "parks", &["auditor"]));
    let history = send(
        "GET",
        &format!("{}{location}/history", local.base),
        &[("authorization", &auditor)],
        None,
    )
    .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "record.create",
            "document.add",
            "document.verify",
            "document.add",
            "document.quarantine"
        ]
    );
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// Reads from `stream` until it closes or `within` passes; what arrived.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    within: std::time::Duration,
) -> String {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&answer).into_owned(),
            Ok(Ok(read)) => answer.extend_from_slice(&chunk[..read]),
            Err(_) => panic!(
                "still open after {within:?}: {}",
                String::from_utf8_lossy(&answer)
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let timeouts = dossier_local::server::Timeouts {
        headers: std::time::Duration::from_millis(300),
        body_idle: std::time::Duration::from_millis(300),
    };
    let local = dossier_tests::LocalServer::start_with(
        shared::store::MemoryStore::new(),
        &dossier_tests::env_json_settings(),
        timeouts,
    )
    .await;
    let address = local.base.trim_start_matches("http://").to_owned();

    // Headers that never end: the connection is closed.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /records HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, std::time::Duration::from_secs(5)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    // A body that stops halfway: a clear 400, and the connection is not held.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /records HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"title\"")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, std::time::Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    local.stop().await;
}

/// Search on the local server: a write is found by the staff search and, once published,
/// by the public search, through the in-process indexer that follows the store's feed; a
/// record made confidential leaves what a clerk finds, and unpublished leaves the public.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_become_searchable_in_moments() {
    let data = temp_data();
    let local = Local::start(&data).await;
    let officer = format!("Bearer {}", local.token("olga", "parks", &["officer"]));
    let clerk = format!("Bearer {}", local.token("clara", "parks", &["clerk"]));
    let json = ("content-type", "application/json");
    local.parks_profile().await;
    let body = json!({"title": "Riverside footbridge repair", "classification": "public", "tags": ["bridges"]});
    let created = send(
        "POST",
        &format!("{}/records", local.base),
        &[("authorization", &officer), json],
        Some(body.to_string().as_bytes()),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let written = std::time::Instant::now();

    // Found by staff as soon as the follower has indexed it.
    let staff = format!("{}/search?q=footbrige", local.base);
    let found = eventually(&staff, &clerk, 1).await;
    println!(
        "staff search found the new record {:?} after its write",
        written.elapsed()
    );
    assert_eq!(found["items"][0]["record"]["id"], id.as_str());
    assert_eq!(
        found["items"][0]["highlights"]["title"][0]["matches"],
        json!([[10, 20]])
    );
    let public = format!("{}/public/agencies/parks/search?q=footbridge", local.base);
    assert_eq!(
        eventually(&public, "", 0).await["total"],
        0,
        "a draft is not public"
    );

    let publish = json!({"status": "published"});
    let patched = send(
        "PATCH",
        &format!("{}/records/{id}", local.base),
        &[("authorization", &officer), json, ("if-match", "\"1\"")],
        Some(publish.to_string().as_bytes()),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let found = eventually(&public, "", 1).await;
    assert_eq!(found["items"][0]["record"]["id"], id.as_str());
    assert!(found["items"][0]["record"].get("created_by").is_none());

    let hide = json!({"classification": "confidential"});
    let patched = send(
        "PATCH",
        &format!("{}/records/{id}", local.base),
        &[("authorization", &officer), json, ("if-match", "\"2\"")],
        Some(hide.to_string().as_bytes()),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(eventually(&public, "", 0).await["total"], 0);
    assert_eq!(eventually(&staff, &clerk, 0).await["total"], 0);
    let as_officer = eventually(&staff, &officer, 1).await;
    assert_eq!(
        as_officer["items"][0]["record"]["classification"],
        "confidential"
    );

    let bad = send(
        "GET",
        &format!("{}/search?q=%22open", local.base),
        &[("authorization", &clerk)],
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.headers["content-type"], "application/problem+json");
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// The answer of `url` once its `total` is `total` (within 5 s: the indexer runs beside
/// the requests, so a search may come before it).
async fn eventually(url: &str, authorization: &str, total: u64) -> Value {
    let headers: Headers<'_> = match authorization {
        "" => vec![],
        token => vec![("authorization", token)],
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let reply = send("GET", url, &headers, None).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.body);
        if reply.body["total"] == total || std::time::Instant::now() > deadline {
            assert_eq!(reply.body["total"], total, "{url}: {}", reply.body);
            return reply.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The shared test server follows its store too (benches measure freshness with it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_test_server_indexes_what_it_is_given() {
    let data = temp_data();
    let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
    let server =
        dossier_tests::LocalServer::start_following(store, &dossier_tests::env_json_settings())
            .await;
    let token = format!(
        "Bearer {}",
        dossier_tests::env_json_token("bench", "parks", &["officer"])
    );
    let body = json!({"title": "Record fresh0word", "classification": "internal"});
    let (status, _, created) = server
        .send(
            "POST",
            "/records",
            &[
                ("authorization", &token),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let url = format!("{}/search?q=fresh0word", server.base);
    assert_eq!(
        eventually(&url, &token, 1).await["items"][0]["record"]["id"],
        created["id"]
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_land_in_the_outbox_for_the_agency_alone() {
    let local = Local::start_on(MemoryStore::new()).await;
    let officer = format!("Bearer {}", local.token("olga", "parks", &["officer"]));
    let json = ("content-type", "application/json");
    local.parks_profile().await;
    let asking = json!({"description": "Every permit on Elm Street",
                        "requester": {"email": "ada@example.org"}});
    let filed = send(
        "POST",
        &format!("{}/public/agencies/parks/requests", local.base),
        &[json],
        Some(asking.to_string().as_bytes()),
    )
    .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let token = filed.body["tracking_token"].as_str().unwrap();
    let number = filed.body["number"].as_str().unwrap();

    let outbox = format!("{}/outbox", local.base);
    let read = send("GET", &outbox, &[("authorization", &officer)], None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let items = read.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", read.body);
    assert_eq!(items[0]["to"], json!(["ada@example.org"]));
    assert_eq!(items[0]["from"], "records@dossier.localhost");
    let text = items[0]["text"].as_str().unwrap();
    assert!(text.contains(number) && !text.contains(token), "{text}");
    assert!(text.contains(&format!("{}/agencies/parks/requests/{number}", local.base)));

    let other = format!("Bearer {}", local.token("otto", "roads", &["officer"]));
    let theirs = send("GET", &outbox, &[("authorization", &other)], None).await;
    assert_eq!(theirs.body["items"], json!([]));
    let anonymous = send("GET", &outbox, &[], None).await;
    assert_eq!(anonymous.status, 401);
    local.stop().await;
}
