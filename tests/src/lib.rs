//! Harness for Dossier's cross-crate tests: the local AWS emulator (moto) that
//! `scripts/test.sh` starts, tables shaped like `template.yaml`'s, and the Lambda Runtime
//! Interface Emulator running the function binaries `sam build` produced, and the world
//! the `events/` files act on ([`events`]).

pub mod events;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::Value;

/// Where the emulator writes each function's log (`target/test-logs`).
pub fn test_logs() -> PathBuf {
    workspace_root().join("target").join("test-logs")
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Every variable `shared::config` reads (and so `template.yaml` declares and `env.json`
/// sets).
pub const CONFIG_VARIABLES: [&str; 18] = [
    "TABLE_NAME",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_JWKS_URL",
    "JWT_JWKS",
    "JWT_HS256_SECRET",
    "CURSOR_SECRET",
    "BUCKET_NAME",
    "MAX_DOCUMENT_BYTES",
    "ANCHOR_BUCKET",
    "ANCHOR_KEY_ID",
    "INDEX_BUCKET",
    "INDEX_CHECK_SECONDS",
    "NOTICE_SENDER",
    "PORTAL_URL",
    "DESTRUCTION_QUEUE_URL",
    "FIXITY_PERIOD_DAYS",
    "FIXITY_DAILY_BYTES",
];

/// The most verbose `LogLevel` the template allows: the token checks run the binaries at it.
pub const MOST_VERBOSE_LOG_LEVEL: &str = "DEBUG";

/// `env.json`'s variables (what `sam local invoke --env-vars env.json` gives functions).
pub fn env_json() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("env.json")).expect("env.json");
    serde_json::from_str::<Value>(&text).expect("env.json is JSON")["Parameters"].take()
}

/// The environment of a function under the emulator: `env.json`, with the table on the
/// local AWS emulator.
pub fn lambda_environment(table: &str) -> Vec<(&'static str, String)> {
    let env = env_json();
    let mut vars: Vec<(&'static str, String)> = CONFIG_VARIABLES
        .into_iter()
        .filter(|name| *name != "TABLE_NAME")
        .map(|name| (name, env[name].as_str().unwrap_or_default().to_owned()))
        .collect();
    vars.push(("TABLE_NAME", table.to_owned()));
    vars.push(("AWS_ENDPOINT_URL", endpoint()));
    vars
}

/// The local AWS emulator's endpoint, which `scripts/test.sh` starts and exports.
pub fn endpoint() -> String {
    std::env::var("DOSSIER_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("DOSSIER_TEST_AWS_ENDPOINT is not set: run the tests with `make test`, which starts the moto server")
    })
}

/// The SDK configuration every emulator client shares: its endpoint, a region and the
/// static credentials moto accepts.
pub fn emulator_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test",
            "test",
            None,
            None,
            "dossier-tests",
        )))
        .build()
}

/// A DynamoDB client for the emulator.
pub fn dynamo() -> Client {
    Client::new(&emulator_config())
}

/// Presigned URLs to `bucket` on the emulator (path-style, as for any endpoint override).
pub fn presigner(bucket: &str) -> shared::blob::S3Presigner {
    shared::blob::S3Presigner::new(
        aws_sdk_s3::config::Credentials::new("test", "test", None, None, "dossier-tests"),
        "us-east-1",
        &shared::blob::S3Endpoint::Custom(endpoint()),
        bucket,
    )
}

/// An S3 client for the emulator (path-style: the emulator serves every bucket on one host).
pub fn s3() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&emulator_config())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// An SQS client for the emulator.
pub fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&emulator_config())
}

/// How many object versions and delete markers `bucket` holds under `prefix` (up to a
/// page, 1,000): what a purge must leave at zero.
pub async fn versions_under(bucket: &str, prefix: &str) -> usize {
    let listed = s3()
        .list_object_versions()
        .bucket(bucket)
        .prefix(prefix)
        .send()
        .await
        .expect("listing object versions");
    listed.versions().len() + listed.delete_markers().len()
}

/// A fresh SQS queue on the emulator (a destruction queue); its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client) -> String {
    sqs.create_queue()
        .queue_name(unique_name("destruction"))
        .send()
        .await
        .expect("creating a queue")
        .queue_url
        .expect("a queue URL")
}

/// Every message waiting in queue `url` (up to ten), their bodies, taken off the queue.
pub async fn received(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let output = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receiving from a queue");
    output
        .messages()
        .iter()
        .filter_map(|message| message.body().map(str::to_owned))
        .collect()
}

/// A KMS client for the emulator.
pub fn kms() -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&emulator_config())
}

/// An SES (v2) client for the emulator.
pub fn sesv2() -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::new(&emulator_config())
}

/// The domain of `env.json`'s `NOTICE_SENDER`, which the emulator's SES must know.
pub const NOTICE_DOMAIN: &str = "dossier.localhost";

/// Verifies `identity` (a domain or address) in the emulator's SES, as a deployment must
/// before notices can go out from it.
pub async fn verify_sender(identity: &str) {
    let created = sesv2()
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await;
    if let Err(error) = created {
        let known = error
            .as_service_error()
            .is_some_and(|e| e.is_already_exists_exception());
        assert!(known, "creating an SES identity on the emulator: {error:?}");
    }
}

/// Every email the emulator's SES accepted so far (moto's own record of them: `source`,
/// `destinations.ToAddresses`, `subject`, `body`), oldest first, from the route
/// `scripts/moto-server.py` adds for it.
pub async fn sent_emails() -> Vec<Value> {
    let url = format!("{}/_dossier/ses/sent", endpoint());
    let (status, _, bytes) = http_request("GET", &url, &[], &[]).await;
    assert_eq!(status, 200, "the emulator's sent emails");
    let sent: Value = serde_json::from_slice(&bytes).expect("the sent emails are JSON");
    sent.as_array().cloned().unwrap_or_default()
}

/// Creates an anchors bucket as `template.yaml`'s: Object Lock in compliance mode (one
/// day, the shortest), and returns its name.
pub async fn create_anchor_bucket(s3: &aws_sdk_s3::Client) -> String {
    use aws_sdk_s3::types::{
        DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
        ObjectLockRule,
    };
    let name = unique_name("anchors");
    s3.create_bucket()
        .bucket(&name)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .expect("creating the anchors bucket");
    let retention = DefaultRetention::builder()
        .mode(ObjectLockRetentionMode::Compliance)
        .days(1)
        .build();
    s3.put_object_lock_configuration()
        .bucket(&name)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(retention)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("locking the anchors bucket");
    name
}

/// Creates an anchor-signing key as `template.yaml`'s (ECC_NIST_P256, SIGN_VERIFY) and
/// returns its ARN.
pub async fn create_anchor_key(kms: &aws_sdk_kms::Client) -> String {
    use aws_sdk_kms::types::{KeySpec, KeyUsageType};
    let key = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("creating the anchor key");
    key.key_metadata
        .and_then(|metadata| metadata.arn)
        .expect("a key ARN")
}

/// Creates a documents bucket, versioned as `template.yaml`'s is, and returns its name.
pub async fn create_bucket(s3: &aws_sdk_s3::Client) -> String {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let name = unique_name("docs");
    s3.create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("creating the test bucket");
    s3.put_bucket_versioning()
        .bucket(&name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning the test bucket");
    name
}

/// Creates a queue that `bucket` notifies of every object created under `documents/`, as
/// `template.yaml` wires them, and returns the queue's URL.
pub async fn notify_queue(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    bucket: &str,
) -> String {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };
    let queue = sqs
        .create_queue()
        .queue_name(unique_name("documents"))
        .send()
        .await
        .expect("creating the test queue");
    let url = queue.queue_url().expect("a queue URL").to_owned();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("the queue's ARN");
    let arn = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("a queue ARN")
        .clone();
    let filter = NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(
                    FilterRule::builder()
                        .name(FilterRuleName::Prefix)
                        .value("documents/")
                        .build(),
                )
                .build(),
        )
        .build();
    let target = QueueConfiguration::builder()
        .queue_arn(arn)
        .events(Event::S3ObjectCreated)
        .filter(filter)
        .build()
        .expect("a queue configuration");
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(target)
                .build(),
        )
        .send()
        .await
        .expect("wiring the bucket to the queue");
    url
}

/// Sends one HTTP/1.1 request (plain HTTP, loopback) and returns the status, headers and
/// body of the answer.
pub async fn http_request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, http::HeaderMap, Bytes) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("a request");
    let response = client.request(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("the body").to_bytes();
    (parts.status.as_u16(), parts.headers, bytes)
}

/// A table name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// Key attributes and indexes of the records table, exactly as in `template.yaml`
/// (`template_matches_the_test_table` checks they agree).
pub const TABLE_KEYS: [&str; 10] = [
    "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk",
];
/// Global secondary indexes: name, partition key, sort key.
pub const TABLE_INDEXES: [(&str, &str, &str); 4] = [
    ("gsi1", "gsi1pk", "gsi1sk"),
    ("gsi2", "gsi2pk", "gsi2sk"),
    ("gsi3", "gsi3pk", "gsi3sk"),
    ("gsi4", "gsi4pk", "gsi4sk"),
];

/// Creates a records table shaped like the template's (its stream included) and returns
/// its name.
pub async fn create_table(client: &Client) -> String {
    let name = unique_name("dossier");
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        );
    for attribute in TABLE_KEYS {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        );
    }
    for (index, pk, sk) in TABLE_INDEXES {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key(pk, KeyType::Hash))
                .key_schema(key(sk, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        );
    }
    request.send().await.expect("creating the test table");
    name
}

/// The Lambda Runtime Interface Emulator (from the `aws-sam-cli` package in `.venv`).
pub fn rie_path() -> PathBuf {
    let venv = workspace_root().join(".venv/lib");
    std::fs::read_dir(&venv)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|python| {
            python
                .path()
                .join("site-packages/samcli/local/rapid/aws-lambda-rie-x86_64")
        })
        .find(|path| path.exists())
        .unwrap_or_else(|| {
            panic!(
                "no aws-lambda-rie-x86_64 under {}: run `make test`",
                venv.display()
            )
        })
}

/// Where `sam build` put a function's `bootstrap`, by its logical id in the template.
pub fn bootstrap(logical_id: &str) -> PathBuf {
    let path = workspace_root()
        .join(".aws-sam/build")
        .join(logical_id)
        .join("bootstrap");
    assert!(
        path.exists(),
        "{} is missing: run `make test`, which runs `sam build` first",
        path.display()
    );
    path
}

/// Two distinct free ports: both are held until both are known, since a port released
/// can be handed out again at once (the emulator then finds its second port taken).
fn free_ports() -> [u16; 2] {
    let bind = || std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let (first, second) = (bind(), bind());
    [first, second].map(|listener| listener.local_addr().expect("a bound port").port())
}

/// A function binary running under the Runtime Interface Emulator, as Lambda runs it.
pub struct Emulator {
    child: tokio::process::Child,
    port: u16,
    log: PathBuf,
}

/// What one invocation returned and reported.
#[derive(Debug)]
pub struct Invocation {
    /// The function's response (for HTTP functions, the API Gateway v2 response).
    pub response: Value,
    /// `Duration` of the invocation's REPORT line, in milliseconds.
    pub duration_ms: Option<f64>,
}

impl Emulator {
    /// Starts `bootstrap` under the emulator with exactly `env` (plus the AWS basics).
    pub async fn start(name: &str, bootstrap: &Path, env: &[(&str, String)]) -> Self {
        // Another process may take a free port between our check and the emulator's bind;
        // the emulator then exits at once, and a second pair of ports is tried.
        for _ in 0..3 {
            if let Some(emulator) = Self::try_start(name, bootstrap, env).await {
                return emulator;
            }
        }
        panic!("the emulator for {name} exited three times at start (see its logs)");
    }

    /// One start, on fresh ports: `None` if the emulator exits before it listens.
    async fn try_start(name: &str, bootstrap: &Path, env: &[(&str, String)]) -> Option<Self> {
        let [port, runtime_port] = free_ports();
        // Under target/, where scripts/test.sh scans every log of the run for tokens.
        let logs = test_logs();
        std::fs::create_dir_all(&logs).expect("the test log folder");
        let log = logs.join(format!("{}.log", unique_name(&format!("rie-{name}"))));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = tokio::process::Command::new(rie_path());
        command
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_port}"))
            .arg(bootstrap)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            // As `sam local invoke` sets it: this is not AWS (HS256 tokens are allowed).
            .env("AWS_SAM_LOCAL", "true")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .expect("starting the Runtime Interface Emulator");
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if child.try_wait().expect("the emulator's status").is_some() {
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "the emulator did not listen on {port} (log: {})",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Some(Self { child, port, log })
    }

    /// Invokes the function with `event`.
    pub async fn invoke(&self, event: &Value) -> Invocation {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let request = hyper::Request::post(format!(
            "http://127.0.0.1:{}/2015-03-31/functions/function/invocations",
            self.port
        ))
        .body(Full::new(Bytes::from(event.to_string())))
        .expect("an invocation request");
        let reports_before = self.reports().len();
        let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
            .await
            .expect("the invocation timed out")
            .expect("the emulator answered");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the response body")
            .to_bytes();
        let response: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
        // The REPORT line may land in the log just after the response.
        let mut duration_ms = None;
        for _ in 0..50 {
            if let Some(report) = self.reports().get(reports_before) {
                duration_ms = Some(*report);
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Invocation {
            response,
            duration_ms,
        }
    }

    /// Everything the emulator and the function logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn reports(&self) -> Vec<f64> {
        self.logs()
            .lines()
            .filter(|line| line.contains("REPORT RequestId"))
            // "\tDuration:", not the "Init Duration:" the first REPORT line also carries.
            .filter_map(|line| number_after(line, "\tDuration: "))
            .collect()
    }

    /// The emulator's real init time (`INIT REPORT ... durationMs`), once the function started.
    pub fn init_ms(&self) -> Option<f64> {
        self.logs()
            .lines()
            .find(|line| line.contains("INIT REPORT"))
            .and_then(|line| number_after(line, "durationMs: "))
    }

    /// Peak resident memory of the function process (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        // The emulator is multi-threaded: the function may be the child of any thread.
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
        let children: String = tasks
            .filter_map(Result::ok)
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .collect::<Vec<_>>()
            .join(" ");
        children.split_whitespace().find_map(|child| {
            let status = std::fs::read_to_string(format!("/proc/{child}/status")).ok()?;
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The log stays: scripts/test.sh checks every log of the run for tokens.
        let _ = self.child.start_kill();
    }
}

fn number_after(line: &str, marker: &str) -> Option<f64> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The local server (`dossier-local`'s `serve`) on a free loopback port, in this process,
/// over `store`, configured by `settings` (name and value, as the functions read them).
pub struct LocalServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The folder its documents live in (a test writes an upload's bytes there).
    pub blobs: shared::blob::FileBlobs,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    /// The search indexer following the store (see [`LocalServer::start_following`]),
    /// and what stops it.
    indexing: Option<(
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl LocalServer {
    /// [`LocalServer::start`] on an embedded store whose writes the search indexer follows,
    /// as in `make serve`.
    pub async fn start_following(
        store: shared::store::EmbeddedStore,
        settings: &[(&str, String)],
    ) -> Self {
        let feed = Some(store.clone());
        Self::start_inner(
            store,
            settings,
            dossier_local::server::Timeouts::default(),
            feed,
        )
        .await
    }

    /// Starts serving; documents live in a fresh folder under `target/tmp`.
    pub async fn start<S: shared::store::Store + Clone>(
        store: S,
        settings: &[(&str, String)],
    ) -> Self {
        Self::start_with(store, settings, dossier_local::server::Timeouts::default()).await
    }

    /// [`LocalServer::start`] with `timeouts`.
    pub async fn start_with<S: shared::store::Store + Clone>(
        store: S,
        settings: &[(&str, String)],
        timeouts: dossier_local::server::Timeouts,
    ) -> Self {
        Self::start_inner(store, settings, timeouts, None).await
    }

    async fn start_inner<S: shared::store::Store + Clone>(
        store: S,
        settings: &[(&str, String)],
        timeouts: dossier_local::server::Timeouts,
        feed: Option<shared::store::EmbeddedStore>,
    ) -> Self {
        let lookup = |name: &str| {
            settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        };
        let config = shared::config::Config::from_lookup(lookup).expect("valid settings");
        let max_bytes =
            dossier_local::settings::max_document_bytes(lookup).expect("a valid document limit");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let blobs = shared::blob::FileBlobs::new(
            workspace_root()
                .join("target/tmp")
                .join(unique_name("blobs")),
            &base,
            b"local-blob-secret",
        );
        let indexes = std::sync::Arc::new(shared::search::folder::FolderIndexes::new(
            workspace_root()
                .join("target/tmp")
                .join(unique_name("index")),
        ));
        let (stop_indexing, stop_signal) = tokio::sync::watch::channel(false);
        let indexing = feed.map(|feed| {
            let follower =
                dossier_local::indexing::follow(feed, blobs.clone(), indexes.clone(), stop_signal);
            (stop_indexing, tokio::spawn(follower))
        });
        let notices = shared::notices::Notices {
            mailer: shared::notices::Outbox::new(
                workspace_root()
                    .join("target/tmp")
                    .join(unique_name("outbox")),
                "records@dossier.localhost",
                shared::clock::Clock::system(),
            ),
            portal_url: Some(base.clone()),
        };
        let deps = std::sync::Arc::new(dossier_local::routes::LocalDeps::new(
            &config,
            store,
            blobs.clone(),
            max_bytes,
            indexes,
            notices,
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(dossier_local::server::serve_with(
            listener,
            deps,
            timeouts,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            base,
            blobs,
            stop: Some(stop),
            done,
            indexing,
        }
    }

    /// Sends a request; answers status, headers and the body as JSON (`Null` if empty or
    /// not JSON).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, http::HeaderMap, Value) {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let (status, headers, bytes) =
            http_request(method, &format!("{}{path}", self.base), &headers, body).await;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// Stops serving, after requests in flight.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.done).await;
        if let Some((stop, follower)) = self.indexing.take() {
            let _ = stop.send(true);
            let _ = follower.await;
        }
    }
}

/// env.json's settings as `LocalServer::start` takes them.
pub fn env_json_settings() -> Vec<(&'static str, String)> {
    let env = env_json();
    CONFIG_VARIABLES
        .into_iter()
        .map(|name| (name, env[name].as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// A token for env.json's issuer, audience and HS256 secret, valid for an hour.
pub fn env_json_token(sub: &str, agency: &str, roles: &[&str]) -> String {
    let env = env_json();
    let now = shared::clock::Clock::system().now().as_secs();
    let claims = serde_json::json!({"iss": env["JWT_ISSUER"], "aud": env["JWT_AUDIENCE"],
        "sub": sub, "agency": agency, "roles": roles, "iat": now, "exp": now + 3600});
    let secret = env["JWT_HS256_SECRET"].as_str().unwrap_or_default();
    shared::auth::mint_hs256(secret.as_bytes(), &claims)
}

/// A request body built to break parsers, and the status it must get.
#[derive(Clone, Debug)]
pub struct HostileBody {
    /// What is hostile about it.
    pub case: &'static str,
    /// `POST` or `PATCH`.
    pub method: &'static str,
    /// The request path.
    pub path: String,
    /// Request headers besides authorization.
    pub headers: Vec<(&'static str, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The 4xx it must be answered with.
    pub status: u16,
}

/// Base64 of the SHA-256 of `hello`, a valid document checksum.
pub const SHA256_OF_HELLO: &str = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";

/// Hostile bodies for the three routes that take one: creating a record, editing `record`
/// (at version 1) and announcing a document on it. None may change anything.
pub fn hostile_bodies(record: &str) -> Vec<HostileBody> {
    use serde_json::json;
    let json = || vec![("content-type", "application/json".to_owned())];
    let patch = || {
        vec![
            ("content-type", "application/merge-patch+json".to_owned()),
            ("if-match", "\"1\"".to_owned()),
        ]
    };
    let create = |case, body: Vec<u8>, status| HostileBody {
        case,
        method: "POST",
        path: "/records".to_owned(),
        headers: json(),
        body,
        status,
    };
    let titled = |title: &str| {
        json!({"title": title, "classification": "public"})
            .to_string()
            .into_bytes()
    };
    let upload = |case, overrides: Value| {
        let mut body = json!({"filename": "a.txt", "content_type": "text/plain", "size": 5, "sha256": SHA256_OF_HELLO});
        for (key, value) in overrides.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        HostileBody {
            case,
            method: "POST",
            path: format!("/records/{record}/documents"),
            headers: json(),
            body: body.to_string().into_bytes(),
            status: 400,
        }
    };
    let edit = |case, headers, body: Vec<u8>, status| HostileBody {
        case,
        method: "PATCH",
        path: format!("/records/{record}"),
        headers,
        body,
        status,
    };
    let deep_array = format!(
        "{{\"title\": {}1{}, \"classification\": \"public\"}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let deep_object = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let too_big =
        json!({"title": "x", "classification": "public", "description": "y".repeat(70_000)});
    vec![
        create("deeply nested array", deep_array.into_bytes(), 400),
        create("deeply nested object", deep_object.into_bytes(), 400),
        create("huge title", titled(&"x".repeat(60_000)), 400),
        create("body over 64 KiB", too_big.to_string().into_bytes(), 413),
        create(
            "invalid UTF-8",
            b"{\"title\": \"\xff\xfe\", \"classification\": \"public\"}".to_vec(),
            400,
        ),
        create(
            "duplicate keys",
            br#"{"title": "a", "title": "b", "classification": "public"}"#.to_vec(),
            400,
        ),
        create(
            "null title",
            br#"{"title": null, "classification": "public"}"#.to_vec(),
            400,
        ),
        create(
            "number title",
            br#"{"title": 1e400, "classification": "public"}"#.to_vec(),
            400,
        ),
        create("RTL override in title", titled("gnp.\u{202E}exe"), 400),
        create("zero-width space in title", titled("Per\u{200B}mit"), 400),
        create("NUL in title", titled("a\u{0000}b"), 400),
        create(
            "lone surrogate escape",
            br#"{"title": "\ud800", "classification": "public"}"#.to_vec(),
            400,
        ),
        create("not an object", b"[]".to_vec(), 400),
        create("empty body", vec![], 400),
        HostileBody {
            headers: vec![("content-type", "text/plain".to_owned())],
            ..create("wrong media type", b"{}".to_vec(), 415)
        },
        edit(
            "patch with huge tags",
            patch(),
            json!({"tags": vec!["t"; 10_000]}).to_string().into_bytes(),
            400,
        ),
        edit(
            "patch version out of range",
            vec![
                ("content-type", "application/merge-patch+json".to_owned()),
                ("if-match", "\"99999999999999999999999\"".to_owned()),
            ],
            br#"{"title": "b"}"#.to_vec(),
            412,
        ),
        edit(
            "patch of a read-only field",
            patch(),
            br#"{"version": 7}"#.to_vec(),
            400,
        ),
        upload(
            "size out of range",
            json!({"size": 18_446_744_073_709_551_616_f64}),
        ),
        upload("negative size", json!({"size": -5})),
        upload("size as a string", json!({"size": "5"})),
        upload("null filename", json!({"filename": null})),
        upload("path in filename", json!({"filename": "../../etc/passwd"})),
        upload(
            "RTL override in filename",
            json!({"filename": "invoice\u{202E}fdp.exe"}),
        ),
        upload(
            "zero-width in filename",
            json!({"filename": "a\u{200B}.txt"}),
        ),
        upload("NUL in filename", json!({"filename": "a\u{0000}.txt"})),
        upload("bad checksum", json!({"sha256": "not base64!"})),
        upload(
            "content type not allowed",
            json!({"content_type": "text/html"}),
        ),
    ]
}

/// Request bodies built to break `POST /public/agencies/{agency}/requests`, each with the
/// status it must get. None of them may file a request.
pub fn hostile_request_bodies(agency: &str) -> Vec<HostileBody> {
    use serde_json::json;
    let submit = |case, body: Vec<u8>, status| HostileBody {
        case,
        method: "POST",
        path: format!("/public/agencies/{agency}/requests"),
        headers: vec![("content-type", "application/json".to_owned())],
        body,
        status,
    };
    let asking = |description: &str, requester: Value| {
        json!({"description": description, "requester": requester})
            .to_string()
            .into_bytes()
    };
    let ada = || json!({"email": "ada@example.org"});
    let fine = "Every permit issued on Elm Street";
    let mut setting = json!({"description": fine, "requester": ada()});
    setting["status"] = json!("closed");
    setting["tracking_token"] = json!("a".repeat(43));
    vec![
        submit("description too short", asking("permits", ada()), 400),
        submit("description over its limit", asking(&"x".repeat(10_001), ada()), 400),
        submit("RTL override in description", asking("Permits for \u{202E}gnp.exe", ada()), 400),
        submit("NUL in description", asking("Permits on Elm\u{0000} Street", ada()), 400),
        submit(
            "header injection in email",
            asking(fine, json!({"email": "ada@example.org\r\nBcc: all@example.org"})),
            400,
        ),
        submit("no email", asking(fine, json!({"name": "Ada"})), 400),
        submit(
            "requester sets a role",
            asking(fine, json!({"email": "ada@example.org", "role": "officer"})),
            400,
        ),
        submit(
            "requester name over its limit",
            asking(fine, json!({"email": "ada@example.org", "name": "n".repeat(201)})),
            400,
        ),
        submit("sets its own status and token", setting.to_string().into_bytes(), 400),
        submit(
            "deeply nested requester",
            format!(
                "{{\"description\": \"{fine}\", \"requester\": {}1{}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )
            .into_bytes(),
            400,
        ),
        submit(
            "body over 64 KiB",
            asking(&"y".repeat(70_000), ada()),
            413,
        ),
        submit(
            "invalid UTF-8",
            b"{\"description\": \"\xff\xfe permits on Elm\", \"requester\": {\"email\": \"a@b.org\"}}"
                .to_vec(),
            400,
        ),
        HostileBody {
            headers: vec![("content-type", "text/plain".to_owned())],
            ..submit("wrong media type", asking(fine, ada()), 415)
        },
        HostileBody {
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("idempotency-key", "guessable".to_owned()),
            ],
            ..submit("short idempotency key", asking(fine, ada()), 400)
        },
    ]
}
