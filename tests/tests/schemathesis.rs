//! The running API keeps its contract: schemathesis generates requests from `openapi.yaml`
//! (examples, boundary values, random valid and invalid data, and chains of calls that
//! follow the contract's links) and checks every answer against it: no 5xx, only
//! documented status codes, content types and headers, bodies that match their schemas.
//!
//! The local server runs in-process on a free port over an embedded store, with
//! `env.json`'s settings; a clerk seeds records and documents (one available, one
//! quarantined, one pending) that path ids then name half of the time, and schemathesis
//! runs once as an officer of the same agency (every operation can succeed) and once as
//! the clerk (the officer's operations are refused).
//!
//! `DOSSIER_FUZZ_EXAMPLES` (examples per operation, default [`DEFAULT_EXAMPLES`]) and
//! `DOSSIER_FUZZ_SEED` (a number, or `random`: one is drawn and printed) make a longer run:
//! `make fuzz-api`.
//! It fails when `.venv/bin/schemathesis` is missing (`make test` installs it).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use dossier_local::server::OPENAPI_YAML;
use dossier_tests::{
    LocalServer, env_json_settings, env_json_token, http_request, unique_name, workspace_root,
};
use serde_json::{Value, json};
use shared::model::sha256_base64;
use shared::store::EmbeddedStore;

/// Examples per operation and phase, unless `DOSSIER_FUZZ_EXAMPLES` says otherwise.
const DEFAULT_EXAMPLES: u32 = 25;
/// The seed, unless `DOSSIER_FUZZ_SEED` says otherwise: a failure is reproducible.
const DEFAULT_SEED: &str = "20261126";
/// What every answer is checked for (schemathesis 4.32's names): no 5xx; only documented
/// statuses, content types and headers; bodies that match their schemas; and every request
/// the contract calls invalid refused with a 4xx (so the contract is no looser than the code).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance,\
                      negative_data_rejection";
const AGENCY: &str = "parks";

/// The local server over an embedded store in `data`, with env.json's settings.
async fn start(data: &Path) -> LocalServer {
    let store = EmbeddedStore::open(&data.join("dossier.redb")).unwrap();
    LocalServer::start(store, &env_json_settings()).await
}

/// `Bearer <token>` for `sub` of the agency with `role`, valid an hour.
fn bearer(sub: &str, role: &str) -> String {
    format!("Bearer {}", env_json_token(sub, AGENCY, &[role]))
}

/// Sends `body` (as JSON unless null) to `path` with `auth`: status and JSON body.
async fn call(
    local: &LocalServer,
    method: &str,
    path: &str,
    auth: &str,
    body: &Value,
) -> (u16, Value) {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let mut headers = vec![("authorization", auth)];
    if !bytes.is_empty() {
        headers.push(("content-type", "application/json"));
    }
    let (status, _, body) = local.send(method, path, &headers, &bytes).await;
    (status, body)
}

fn venv_tool(name: &str) -> PathBuf {
    workspace_root().join(".venv/bin").join(name)
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("dossier-schemathesis"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_server_serves_its_contract_without_auth() {
    let data = temp_dir();
    let local = start(&data).await;
    let (status, headers, body) =
        http_request("GET", &format!("{}/openapi.yaml", local.base), &[], &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/yaml");
    assert!(headers.contains_key("x-request-id"));
    let file = std::fs::read_to_string(workspace_root().join("openapi.yaml")).unwrap();
    assert_eq!(
        body,
        file.as_bytes(),
        "the server embeds openapi.yaml as it is"
    );
    assert_eq!(OPENAPI_YAML, file);
    // Only GET: other methods are not a route.
    let (status, _, _) =
        http_request("POST", &format!("{}/openapi.yaml", local.base), &[], &[]).await;
    assert_eq!(status, 404);
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_its_contract_under_schemathesis() {
    let schemathesis = venv_tool("schemathesis");
    // Like every tool of the suite, it must be there: a skipped contract test passes silently.
    assert!(
        schemathesis.exists(),
        "{} is missing: scripts/setup-venv.sh (run by `make test`) installs it",
        schemathesis.display()
    );
    let examples: u32 = std::env::var("DOSSIER_FUZZ_EXAMPLES")
        .ok()
        .map(|n| n.parse().expect("DOSSIER_FUZZ_EXAMPLES is a number"))
        .unwrap_or(DEFAULT_EXAMPLES);
    let seed = match std::env::var("DOSSIER_FUZZ_SEED").as_deref() {
        Ok("random") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            .to_string(),
        Ok(seed) => seed.to_owned(),
        Err(_) => DEFAULT_SEED.to_owned(),
    };

    let data = temp_dir();
    let local = start(&data).await;
    let spec_url = format!("{}/openapi.yaml", local.base);
    // The validator reads files only: it checks the contract exactly as served.
    let (status, _, served) = http_request("GET", &spec_url, &[], &[]).await;
    assert_eq!(status, 200);
    let served_file = data.join("openapi.yaml");
    std::fs::write(&served_file, &served).unwrap();
    let validator = tokio::process::Command::new(venv_tool("openapi-spec-validator"))
        .arg(&served_file)
        .output()
        .await
        .expect("openapi-spec-validator runs");
    assert!(
        validator.status.success(),
        "openapi.yaml is not valid OpenAPI:\n{}{}",
        String::from_utf8_lossy(&validator.stdout),
        String::from_utf8_lossy(&validator.stderr)
    );

    let clerk = bearer("clara", "clerk");
    let officer = bearer("olga", "officer");
    let (records, documents) = seed_data(&local, &clerk, &officer).await;
    let config = data.join("schemathesis.toml");
    std::fs::write(&config, schemathesis_config(&records, &documents)).unwrap();

    for (role, auth) in [("officer", &officer), ("clerk", &clerk)] {
        let started = Instant::now();
        let mut command = tokio::process::Command::new(&schemathesis);
        command
            .current_dir(&data)
            .env("NO_COLOR", "1")
            .arg("--config-file")
            .arg(&config)
            .args(["run", &spec_url, "--url", &local.base, "--checks", CHECKS])
            .args(["--max-examples", &examples.to_string()])
            .args(["--workers", "1", "--request-timeout", "10"])
            .args([
                "--generation-database",
                "none",
                "--no-color",
                "--seed",
                &seed,
            ])
            .arg("--header")
            .arg(format!("Authorization: {auth}"))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let budget = Duration::from_secs(u64::from(examples).max(15) * 8);
        let output = tokio::time::timeout(budget, command.output())
            .await
            .unwrap_or_else(|_| panic!("schemathesis ({role}) took longer than {budget:?}"))
            .expect("schemathesis runs");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        println!(
            "schemathesis as {role}: {examples} examples per operation, seed {seed}, {:.1} s\n{report}",
            started.elapsed().as_secs_f64()
        );
        assert!(
            output.status.success(),
            "schemathesis as {role} found the API breaking its contract:\n{report}"
        );
    }
    local.stop().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// Records and documents for path ids to name: a public record with documents available,
/// quarantined and pending (the clerk's), and a confidential record (the officer's).
async fn seed_data(local: &LocalServer, clerk: &str, officer: &str) -> (Vec<String>, Vec<String>) {
    let record = json!({"title": "Tree removal permit", "description": "Oak at 12 Elm St.",
                        "classification": "public", "tags": ["trees", "permits"],
                        "retention_until": "2099-12-31"});
    let (status, public) = call(local, "POST", "/records", clerk, &record).await;
    assert_eq!(status, 201, "{public}");
    let id = public["id"].as_str().unwrap().to_owned();
    let confidential = json!({"title": "Personnel file", "classification": "confidential"});
    let (status, secret) = call(local, "POST", "/records", officer, &confidential).await;
    assert_eq!(status, 201, "{secret}");

    let mut documents = Vec::new();
    let files: [(&str, &str, &[u8], bool); 3] = [
        (
            "minutes.txt",
            "text/plain",
            b"Minutes, 3 March: approved.\n",
            true,
        ),
        ("scan.pdf", "application/pdf", b"not a PDF at all", true),
        ("later.csv", "text/csv", b"a,b\n1,2\n", false),
    ];
    for (filename, content_type, bytes, upload) in files {
        let announce = json!({"filename": filename, "content_type": content_type,
                              "size": bytes.len(), "sha256": sha256_base64(bytes)});
        let path = format!("/records/{id}/documents");
        let (status, created) = call(local, "POST", &path, clerk, &announce).await;
        assert_eq!(status, 201, "{created}");
        let doc_id = created["document"]["id"].as_str().unwrap().to_owned();
        if upload {
            let headers: Vec<(String, String)> = created["upload"]["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
                .collect();
            let url = created["upload"]["url"].as_str().unwrap();
            let (status, _, _) = http_request("PUT", url, &headers, bytes).await;
            assert_eq!(status, 200, "upload of {filename}");
            wait_until_settled(local, clerk, &format!("{path}/{doc_id}")).await;
        }
        documents.push(doc_id);
    }
    let records = vec![id, secret["id"].as_str().unwrap().to_owned()];
    (records, documents)
}

async fn wait_until_settled(local: &LocalServer, auth: &str, path: &str) {
    for _ in 0..100 {
        let (_, document) = call(local, "GET", path, auth, &Value::Null).await;
        if document["status"] != "pending" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} was never ingested");
}

/// Path ids name a seeded record or document half of the time, and `If-Match` an early
/// version a third of the time (otherwise nearly every write is a 412).
fn schemathesis_config(records: &[String], documents: &[String]) -> String {
    let list = |ids: &[String]| {
        ids.iter()
            .map(|id| format!("\"{id}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[dictionaries]\n\
         records = {{ values = [{}] }}\n\
         documents = {{ values = [{}] }}\n\
         etags = {{ values = ['\"1\"', '\"2\"', '\"3\"'] }}\n\n\
         [parameters]\n\
         \"path.id\" = {{ dictionary = \"records\", probability = 0.5 }}\n\
         \"path.doc_id\" = {{ dictionary = \"documents\", probability = 0.5 }}\n\
         \"header.If-Match\" = {{ dictionary = \"etags\", probability = 0.3 }}\n",
        list(records),
        list(documents)
    )
}
