//! Crash safety of the local server: the real `dossier-local` process is killed (SIGKILL)
//! while it is taking writes; its database must reopen with every acknowledged record and
//! no torn record or chain.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use shared::auth::mint_hs256;
use shared::clock::Clock;
use shared::model::AuditEntry;
use shared::store::EmbeddedStore;

/// Kills the real `dossier-local` process (SIGKILL) while it is taking writes, then opens
/// its database: every acknowledged record is there, and no record or chain is torn.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_mid_write_leaves_a_consistent_database() {
    use shared::model::AgencyId;
    use shared::store::{AuditLog, ListFilter, RecordStore};

    let data = std::env::temp_dir().join(format!("dossier-crash-{}", std::process::id()));
    let binary = env!("CARGO_BIN_EXE_dossier-local");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = json!({"JWT_HS256_SECRET": "crash-test-secret-0123456789abcdef0123",
                     "JWT_ISSUER": "https://crash.test", "JWT_AUDIENCE": "dossier"});
    let mut server = tokio::process::Command::new(binary)
        .args(["serve", "--port", &port.to_string(), "--data"])
        .arg(&data)
        .env(
            "JWT_HS256_SECRET",
            env["JWT_HS256_SECRET"].as_str().unwrap(),
        )
        .env("JWT_ISSUER", env["JWT_ISSUER"].as_str().unwrap())
        .env("JWT_AUDIENCE", env["JWT_AUDIENCE"].as_str().unwrap())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let secret = env["JWT_HS256_SECRET"].as_str().unwrap().to_owned();
    let now = Clock::system().now().as_secs();
    let claims = json!({"iss": env["JWT_ISSUER"], "aud": env["JWT_AUDIENCE"], "sub": "w", "agency": "crash",
                        "roles": ["clerk"], "exp": now + 3600});
    let auth = format!("Bearer {}", mint_hs256(secret.as_bytes(), &claims));

    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..16 {
        let (base, auth) = (base.clone(), auth.clone());
        writers.spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..1000 {
                let body =
                    format!("{{\"title\": \"w{writer} r{i}\", \"classification\": \"public\"}}");
                let client = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http();
                let request = hyper::Request::post(format!("{base}/records"))
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .unwrap();
                match client.request(request).await {
                    Ok(response) if response.status() == 201 => {
                        let bytes = response.into_body().collect().await.map(|b| b.to_bytes());
                        if let Ok(bytes) = bytes {
                            let created: Value = serde_json::from_slice(&bytes).unwrap();
                            acknowledged.push(created["id"].as_str().unwrap().to_owned());
                        }
                    }
                    _ => break,
                }
            }
            acknowledged
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    let acknowledged: Vec<String> = writers.join_all().await.into_iter().flatten().collect();
    assert!(
        !acknowledged.is_empty(),
        "the server took no writes before it was killed"
    );

    let store =
        EmbeddedStore::open(&data.join("dossier.redb")).expect("the database opens after a crash");
    let agency = AgencyId::parse("crash").unwrap();
    let filter = ListFilter {
        include_confidential: true,
        ..Default::default()
    };
    let mut found = std::collections::BTreeSet::new();
    let mut after = None;
    loop {
        let page = store
            .list_records(&agency, &filter, 100, after.as_ref())
            .await
            .unwrap();
        for record in &page.items {
            let stored = store
                .get_record(&agency, &record.id)
                .await
                .unwrap()
                .expect("listed records exist");
            let history = store
                .history(&agency, &record.id, 100, None)
                .await
                .unwrap()
                .items;
            assert_eq!(shared::model::verify_chain(&history), Ok(()));
            assert_eq!(
                history.last().map(AuditEntry::head),
                Some(stored.head.clone()),
                "record and chain agree"
            );
            found.insert(record.id.to_string());
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    for id in &acknowledged {
        assert!(found.contains(id), "acknowledged record {id} was lost");
    }
    eprintln!(
        "killed after {} acknowledged creates; {} records on disk, all consistent",
        acknowledged.len(),
        found.len()
    );
    let _ = std::fs::remove_dir_all(&data);
}
