//! Forged and broken bearer tokens (`shared::testing::forged_tokens`) sent to every route,
//! through the local server over HTTP and through every HTTP function binary under the
//! Lambda Runtime Interface Emulator: each one is a 401 problem, none a 500, and no token
//! ever reaches a log.

use dossier_tests::{
    Emulator, LocalServer, MOST_VERBOSE_LOG_LEVEL, bootstrap, create_table, dynamo, env_json,
    lambda_environment, workspace_root,
};
use serde_json::{Value, json};
use shared::clock::Clock;
use shared::store::MemoryStore;
use shared::testing::{TestKeys, forged_tokens};

/// The HTTP functions: logical id, binary, and a concrete path for the local server.
const ROUTES: [(&str, &str, &str, &str); 11] = [
    ("CreateRecordFunction", "create-record", "POST", "/records"),
    (
        "GetRecordFunction",
        "get-record",
        "GET",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B",
    ),
    ("ListRecordsFunction", "list-records", "GET", "/records"),
    (
        "UpdateRecordFunction",
        "update-record",
        "PATCH",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B",
    ),
    (
        "DeleteRecordFunction",
        "delete-record",
        "DELETE",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B",
    ),
    (
        "GetHistoryFunction",
        "get-history",
        "GET",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/history",
    ),
    (
        "CreateUploadFunction",
        "create-upload",
        "POST",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/documents",
    ),
    (
        "ListDocumentsFunction",
        "list-documents",
        "GET",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/documents",
    ),
    (
        "GetDocumentFunction",
        "get-document",
        "GET",
        "/records/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/documents/01KBXQ9D3C4V5B6N7M8K9J0H1G",
    ),
    ("GetAgencyFunction", "get-agency", "GET", "/agency"),
    ("PutAgencyFunction", "put-agency", "PUT", "/agency"),
];

/// env.json's settings, with `keys` published as the inline JWKS (and so no HS256
/// secret: the two are never configured together).
fn settings(keys: &TestKeys) -> Vec<(&'static str, String)> {
    let table = env_json()["TABLE_NAME"].as_str().unwrap().to_owned();
    let mut env: Vec<(&'static str, String)> = lambda_environment(&table)
        .into_iter()
        .filter(|(name, _)| !matches!(*name, "JWT_JWKS" | "JWT_HS256_SECRET"))
        .collect();
    env.push(("JWT_JWKS", keys.jwks().to_string()));
    env
}

/// Valid claims for env.json's issuer and audience.
fn claims() -> Value {
    let env = env_json();
    let now = Clock::system().now().as_secs();
    json!({"iss": env["JWT_ISSUER"], "aud": env["JWT_AUDIENCE"], "sub": "mallory",
           "agency": "parks", "roles": ["officer"], "iat": now, "exp": now + 3600})
}

fn assert_refused(case: &str, route: &str, status: u16, content_type: Option<&str>, body: &Value) {
    assert_eq!(status, 401, "{case} on {route}: {body}");
    assert_eq!(
        content_type,
        Some("application/problem+json"),
        "{case} on {route}"
    );
    assert!(
        body["type"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/unauthorized"),
        "{case} on {route}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_server_refuses_every_forged_token_on_every_route() {
    let keys = TestKeys::generate();
    let local = LocalServer::start(MemoryStore::new(), &settings(&keys)).await;
    let claims = claims();
    let secret = env_json()["JWT_HS256_SECRET"].as_str().unwrap().to_owned();
    let forged = forged_tokens(&keys, &TestKeys::generate(), secret.as_bytes(), &claims);
    assert!(forged.len() >= 20, "{} cases", forged.len());
    let body = br#"{"title": "x", "classification": "public"}"#;
    let json = ("content-type", "application/json");
    for (_, _, method, path) in ROUTES {
        // The real key is accepted: the refusals below are about the tokens, not the setup.
        let valid = format!("Bearer {}", keys.rs256("rsa-1", &claims));
        let (status, _, _) = local
            .send(method, path, &[("authorization", &valid), json], body)
            .await;
        assert_ne!(status, 401, "the genuine token on {method} {path}");
        for (case, token) in &forged {
            let bearer = format!("Bearer {token}");
            let (status, headers, problem) = local
                .send(method, path, &[("authorization", &bearer), json], body)
                .await;
            let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
            assert_refused(
                case,
                &format!("{method} {path}"),
                status,
                content_type,
                &problem,
            );
            assert!(headers.contains_key("www-authenticate"), "{case}");
        }
    }
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_binary_refuses_every_forged_token_and_logs_none() {
    let keys = TestKeys::generate();
    let table = create_table(&dynamo()).await;
    let mut env = settings(&keys);
    env.retain(|(name, _)| *name != "TABLE_NAME");
    env.push(("TABLE_NAME", table));
    // The most verbose level a deployment can set: nothing it logs may hold a token.
    env.push(("AWS_LAMBDA_LOG_LEVEL", MOST_VERBOSE_LOG_LEVEL.to_owned()));
    let claims = claims();
    let secret = env_json()["JWT_HS256_SECRET"].as_str().unwrap().to_owned();
    let forged = forged_tokens(&keys, &TestKeys::generate(), secret.as_bytes(), &claims);
    let genuine = keys.rs256("rsa-1", &claims);
    for (logical_id, name, _, _) in ROUTES {
        let emulator = Emulator::start(name, &bootstrap(logical_id), &env).await;
        let path = workspace_root().join("events").join(format!("{name}.json"));
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut valid = event.clone();
        valid["headers"]["authorization"] = json!(format!("Bearer {genuine}"));
        let response = emulator.invoke(&valid).await.response;
        assert_ne!(
            response["statusCode"], 401,
            "the genuine token on {name}: {response}"
        );
        for (case, token) in &forged {
            let mut event = event.clone();
            event["headers"]["authorization"] = json!(format!("Bearer {token}"));
            let response = emulator.invoke(&event).await.response;
            let body: Value = response["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(Value::Null);
            let status = response["statusCode"].as_u64().unwrap_or(0) as u16;
            assert_refused(
                case,
                name,
                status,
                response["headers"]["content-type"].as_str(),
                &body,
            );
        }
        let logs = emulator.logs();
        assert!(!logs.contains("panicked"), "{name}:\n{logs}");
        // Refusals are logged (one access line each) but never with the token: not whole,
        // not its signature, not its claims.
        assert!(
            logs.matches("\"status\":401").count() >= forged.len(),
            "{name}:\n{logs}"
        );
        for (case, token) in forged.iter().chain([&("genuine", genuine.clone())]) {
            for part in token.split('.').filter(|part| part.len() >= 16) {
                assert!(
                    !logs.contains(part),
                    "{name} logged part of the {case} token"
                );
            }
        }
    }
}
