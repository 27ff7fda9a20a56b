//! `dossier-local`: the whole Dossier API on one local server.
//!
//! ```text
//! dossier-local serve [--port 3000] [--host 127.0.0.1] [--data .dossier] [--aws]
//! dossier-local token --sub alice --agency parks --roles clerk[,officer...] [--hours 12]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use dossier_local::routes::LocalDeps;
use dossier_local::settings;
use shared::Deps;
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::store::{EmbeddedStore, Store};

const USAGE: &str = "usage:
  dossier-local serve [--port 3000] [--host 127.0.0.1] [--data .dossier] [--aws]
  dossier-local token --sub SUB --agency AGENCY --roles ROLE[,ROLE...] [--hours 12] [--data .dossier]";

/// `--name value` flags and bare `--switch`es.
struct Args(Vec<String>);

impl Args {
    fn value(&self, name: &str) -> Option<&str> {
        let position = self.0.iter().position(|arg| arg == name)?;
        self.0.get(position + 1).map(String::as_str)
    }

    fn switch(&self, name: &str) -> bool {
        self.0.iter().any(|arg| arg == name)
    }
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let command = argv.next();
    let args = Args(argv.collect());
    let result = match command.as_deref() {
        Some("serve") => serve(&args),
        Some("token") => token(&args),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dossier-local: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> Result<(), String> {
    shared::telemetry::init();
    let host = args.value("--host").unwrap_or("127.0.0.1");
    let port = args
        .value("--port")
        .or(std::env::var("PORT").ok().as_deref())
        .unwrap_or("3000")
        .to_owned();
    let address: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("not an address: {host}:{port}"))?;
    let data = settings::data_dir(args.value("--data"));
    let secret = settings::local_secret(&data)
        .map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let config = settings::config(
        |name| std::env::var(name).ok(),
        &settings::local_defaults(&secret),
    )
    .map_err(|e| e.to_string())?;
    let max_document_bytes =
        settings::max_document_bytes(|name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    // Documents live under the data folder, behind URLs this server signs and serves.
    let blobs = FileBlobs::new(
        data.join("blobs"),
        format!("http://{address}"),
        format!("blobs:{secret}").as_bytes(),
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|error| match error.kind() {
            std::io::ErrorKind::AddrInUse => {
                format!("{address} is already in use (another dossier-local?); pick another with --port")
            }
            _ => format!("cannot listen on {address}: {error}"),
        })?;
        if args.switch("--aws") {
            println!("Dossier API on http://{address} (DynamoDB table {}{})", config.table_name, endpoint_note());
            let deps = Deps::with_dynamodb(&config).await.with_blobs(blobs, max_document_bytes);
            run(listener, deps).await;
        } else {
            let file = data.join("dossier.redb");
            let store = EmbeddedStore::open(&file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            println!("Dossier API on http://{address} (data in {})", file.display());
            let deps = Deps::new(&config, store, Clock::system()).with_blobs(blobs, max_document_bytes);
            run(listener, deps).await;
        }
        println!("stopped");
        Ok(())
    })
}

fn endpoint_note() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .map(|url| format!(" at {url}"))
        .unwrap_or_default()
}

async fn run<S: Store>(listener: tokio::net::TcpListener, deps: LocalDeps<S>) {
    println!(
        "Get a token: dossier-local token --sub you --agency your-agency --roles clerk (or `make token`)"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down: finishing requests in flight");
    };
    dossier_local::server::serve(listener, Arc::new(deps), shutdown).await;
}

fn token(args: &Args) -> Result<(), String> {
    let sub = args.value("--sub").ok_or(USAGE)?;
    let agency = args.value("--agency").ok_or(USAGE)?;
    if shared::model::AgencyId::parse(agency).is_none() {
        return Err(format!("agency {agency:?} must match ^[a-z0-9-]{{2,32}}$"));
    }
    let roles: Vec<&str> = args
        .value("--roles")
        .ok_or(USAGE)?
        .split(',')
        .filter(|r| !r.is_empty())
        .collect();
    let hours: i64 = args
        .value("--hours")
        .unwrap_or("12")
        .parse()
        .map_err(|_| "--hours takes a number".to_owned())?;
    let data = settings::data_dir(args.value("--data"));
    let secret = settings::local_secret(&data)
        .map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let secret = env("JWT_HS256_SECRET").unwrap_or(secret);
    let now = Clock::system().now().as_secs();
    let claims = serde_json::json!({
        "iss": env("JWT_ISSUER").as_deref().unwrap_or(settings::LOCAL_ISSUER),
        "aud": env("JWT_AUDIENCE").as_deref().unwrap_or(settings::LOCAL_AUDIENCE),
        "sub": sub, "agency": agency, "roles": roles, "iat": now, "exp": now + hours * 3600,
    });
    println!("{}", shared::auth::mint_hs256(secret.as_bytes(), &claims));
    Ok(())
}
