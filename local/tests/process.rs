//! The `dossier-local` process: its command line (a misspelt or unknown flag is an error
//! that names it, never silently ignored: a server started with `--prot 8080` would
//! otherwise listen on the default port), and its access log (every answer, whoever gives
//! it, leaves exactly one line with its request id and status).

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::Value;

fn dossier_local(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dossier-local"))
        .args(args)
        .env_remove("DOSSIER_DATA")
        .env_remove("PORT")
        .output()
        .expect("running dossier-local");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
    (output.status.code().expect("an exit code"), stderr)
}

#[test]
fn unknown_and_misspelt_flags_are_refused_by_name() {
    for (args, named) in [
        (&["serve", "--prot", "8080"][..], "--prot"),
        (&["serve", "--data"], "--data"),
        (
            &[
                "token", "--sub", "a", "--agency", "parks", "--role", "clerk",
            ],
            "--role",
        ),
        (
            &[
                "token", "--sub", "a", "--agency", "Parks", "--roles", "clerk",
            ],
            "Parks",
        ),
        (&["sreve"], "sreve"),
    ] {
        let (code, stderr) = dossier_local(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    let (code, stderr) = dossier_local(&["serve", "--help"]);
    assert_eq!(code, 0, "{stderr}");
}

/// Sends one request; answers its status and `x-request-id`.
async fn send(base: &str, method: &str, path: &str) -> (u16, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let request = hyper::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .body(Full::new(Bytes::new()))
        .expect("a request");
    let response = client.request(request).await.expect("an answer");
    let status = response.status().as_u16();
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("a visible id")
        .to_owned();
    let _ = response.into_body().collect().await;
    (status, id)
}

/// A `POST /records` that announces a body over the 10 MiB limit, and sends none of it:
/// answered from its headers (a client sending the body would race the answer).
async fn over_the_limit(port: u16) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST /records HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        10 * 1024 * 1024 + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
        let mut chunk = [0u8; 1024];
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed before answering");
        answer.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&answer).to_lowercase();
    let status = text[9..12].parse().unwrap();
    let id = text
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap_or_default()
        .trim()
        .to_owned();
    (status, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_leaves_one_access_line() {
    let dir = std::env::temp_dir().join(format!("dossier-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("stdout.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_dossier-local"))
        .args(["serve", "--port", &port.to_string(), "--data"])
        .arg(dir.join("data"))
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env_remove("DOSSIER_DATA")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("http://127.0.0.1:{port}");
    let answers = [
        over_the_limit(port).await,
        send(&base, "GET", "/no/such/route").await,
        send(&base, "GET", "/openapi.yaml").await,
        send(&base, "GET", "/_blobs/documents/a/b/c").await,
        send(&base, "GET", "/records").await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [413, 404, 200, 403, 401]);
    server.kill().await.unwrap();

    let mut lines: HashMap<String, Vec<u64>> = HashMap::new();
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let Ok(line) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let fields = &line["fields"];
        if fields["message"] == "request" {
            let id = fields["request_id"].as_str().unwrap_or_default().to_owned();
            lines
                .entry(id)
                .or_default()
                .push(fields["status"].as_u64().unwrap_or(0));
        }
    }
    for (status, id) in &answers {
        assert_eq!(
            lines.get(id),
            Some(&vec![u64::from(*status)]),
            "{id}: {lines:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Peak resident memory of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// One request with a JSON body and a bearer token; answers status and JSON body.
async fn call(method: &str, url: &str, token: &str, body: &[u8]) -> (u16, Value) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_is_the_owners_alone_and_downloads_stream() {
    use std::os::unix::fs::PermissionsExt;

    let dir = std::env::temp_dir().join(format!("dossier-private-{}", std::process::id()));
    let data = dir.join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_dossier-local"))
        .args(["serve", "--port", &port.to_string(), "--data"])
        .arg(&data)
        .env_remove("DOSSIER_DATA")
        .env_remove("JWT_HS256_SECRET")
        .env_remove("JWT_ISSUER")
        .env_remove("JWT_AUDIENCE")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = server.id().unwrap();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("http://127.0.0.1:{port}");
    let secret = std::fs::read_to_string(data.join("local-secret")).unwrap();
    let now = shared::clock::Clock::system().now().as_secs();
    let claims = serde_json::json!({"iss": dossier_local::settings::LOCAL_ISSUER,
        "aud": dossier_local::settings::LOCAL_AUDIENCE, "sub": "clara", "agency": "parks",
        "roles": ["clerk"], "iat": now, "exp": now + 600});
    let token = shared::auth::mint_hs256(secret.trim().as_bytes(), &claims);

    // A 40 MiB document, announced, uploaded and verified.
    let bytes = vec![b'a'; 40 * 1024 * 1024];
    let record = br#"{"title": "Big", "classification": "internal"}"#;
    let (status, created) = call("POST", &format!("{base}/records"), &token, record).await;
    assert_eq!(status, 201, "{created}");
    let announce = serde_json::json!({"filename": "big.txt", "content_type": "text/plain",
        "size": bytes.len(), "sha256": shared::model::sha256_base64(&bytes)});
    let url = format!(
        "{base}/records/{}/documents",
        created["id"].as_str().unwrap()
    );
    let (status, announced) = call("POST", &url, &token, announce.to_string().as_bytes()).await;
    assert_eq!(status, 201, "{announced}");
    let upload = &announced["upload"];
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let mut put = hyper::Request::put(upload["url"].as_str().unwrap());
    for (name, value) in upload["headers"].as_object().unwrap() {
        put = put.header(name.as_str(), value.as_str().unwrap());
    }
    let response = client
        .request(put.body(Full::new(Bytes::from(bytes.clone()))).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document_url = format!("{url}/{}", announced["document"]["id"].as_str().unwrap());
    let mut download = Value::Null;
    for _ in 0..200 {
        let (_, document) = call("GET", &document_url, &token, b"").await;
        if document["status"] == "available" {
            download = document["download"]["url"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let download = download
        .as_str()
        .expect("the document became available")
        .to_owned();

    // The search indexer re-indexes the record once its document is available (it reads
    // the text's first 256 KiB, in a writer with its own memory): that must be over before
    // the download is measured alone. Its file name is searchable once it is.
    let search = format!("{base}/search?q=txt");
    let mut indexed = false;
    for _ in 0..200 {
        let (_, found) = call("GET", &search, &token, b"").await;
        if found["total"] == 1 {
            indexed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(indexed, "the available document was not indexed");

    // The download streams: the server's peak memory does not grow by the file.
    let before = peak_rss_kib(pid);
    let response = client.get(download.parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut received = 0usize;
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        received += frame.unwrap().data_ref().map_or(0, |data| data.len());
    }
    assert_eq!(received, bytes.len());
    let grown = peak_rss_kib(pid).saturating_sub(before);
    assert!(
        grown < 8 * 1024,
        "peak RSS grew by {grown} KiB serving 40 MiB"
    );

    // Everything under the data folder is the owner's alone.
    let mut folders = vec![data.clone()];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", folder.display());
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
                files += 1;
            }
        }
    }
    assert!(files >= 3, "the database, the secret and the document");
    server.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
