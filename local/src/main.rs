//! `dossier-local`: the whole Dossier API on one local server.
//!
//! ```text
//! dossier-local serve [--port 3000] [--host 127.0.0.1] [--data .dossier] [--aws]
//! dossier-local token --sub alice --agency parks --roles clerk[,officer...] [--hours 12] [--data .dossier]
//! dossier-local anchor [--data .dossier] [--aws]
//! dossier-local review [--data .dossier] [--aws]
//! ```

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use dossier_local::routes::LocalDeps;
use dossier_local::sign_in::SignIn;
use dossier_local::{anchoring, deadlines, disposition, fixity, indexing, settings};
use shared::Deps;
use shared::anchor::signer::AnchorSigner;
use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::config::NoticesConfig;
use shared::disposition::MemoryQueue;
use shared::model::AgencyId;
use shared::search::folder::FolderIndexes;
use shared::store::{DynamoStore, EmbeddedStore, Store};

/// The whole Dossier API on one local server: the Lambda handlers behind a plain HTTP
/// listener, on an embedded store. Every variable the functions read is honoured; local
/// defaults only fill what is unset.
#[derive(Debug, Parser)]
#[command(name = "dossier-local", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve every route of template.yaml on http://HOST:PORT.
    Serve(Serve),
    /// Print a bearer token the server started on the same data folder accepts.
    Token(Token),
    /// Anchor the audit chains once (`serve` does it at start and every --anchor-every
    /// minutes): a signed Merkle root per agency under DATA/anchors/.
    Anchor(Anchor),
    /// Tell staff of the records requests due within two business days and overdue, once
    /// (`serve` does it every --remind-every minutes): emails into DATA/outbox/.
    Remind(Anchor),
    /// Draw up this month's destruction lists once (`serve` does it every --review-every
    /// minutes, and at POST /local/disposition-review). Approved destructions this finds
    /// not yet done wait for `serve`, whose worker carries them out.
    Review(Anchor),
}

/// The data folder: the database, the documents and the local signing secret.
#[derive(Debug, Args)]
struct DataDir {
    /// The data folder.
    #[arg(long = "data", env = "DOSSIER_DATA", default_value = settings::DEFAULT_DATA_DIR)]
    path: PathBuf,
}

#[derive(Debug, Args)]
struct Serve {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The port to listen on.
    #[arg(long, env = "PORT", default_value_t = 3000)]
    port: u16,
    #[command(flatten)]
    data: DataDir,
    /// Serve on the DynamoDB table TABLE_NAME (in AWS, or at AWS_ENDPOINT_URL) instead of
    /// the embedded store.
    #[arg(long)]
    aws: bool,
    /// Minutes between anchorings of the audit chains (0: never).
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    anchor_every: u64,
    /// Minutes between the runs telling staff of requests coming due (0: never; the first
    /// run is one interval after the start).
    #[arg(long, value_name = "MINUTES", default_value_t = 24 * 60)]
    remind_every: u64,
    /// Minutes between the disposition reviews that draw up destruction lists (0: never;
    /// the first run is one interval after the start).
    #[arg(long, value_name = "MINUTES", default_value_t = 24 * 60)]
    review_every: u64,
    /// Minutes between the fixity runs that re-read and hash documents (0: never; the
    /// first run is one interval after the start).
    #[arg(long, value_name = "MINUTES", default_value_t = 24 * 60)]
    fixity_every: u64,
}

#[derive(Debug, Args)]
struct Anchor {
    #[command(flatten)]
    data: DataDir,
    /// Anchor the DynamoDB table TABLE_NAME instead of the embedded store.
    #[arg(long)]
    aws: bool,
}

#[derive(Debug, Args)]
struct Token {
    /// Who the token is for (its `sub`).
    #[arg(long)]
    sub: String,
    /// The caller's agency: 2 to 32 of a-z, 0-9 and -.
    #[arg(long, value_parser = parse_agency)]
    agency: AgencyId,
    /// Roles, comma-separated: reader, clerk, officer, auditor.
    #[arg(long, value_delimiter = ',', required = true)]
    roles: Vec<String>,
    /// Hours until it expires.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(i64).range(1..=24 * 366))]
    hours: i64,
    #[command(flatten)]
    data: DataDir,
}

fn parse_agency(text: &str) -> Result<AgencyId, String> {
    AgencyId::parse(text).ok_or_else(|| "expected 2 to 32 of a-z, 0-9 and -".to_owned())
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve(serve) => run_serve(&serve),
        Command::Token(token) => print_token(&token),
        Command::Anchor(anchor) => anchor_once(&anchor),
        Command::Remind(remind) => remind_once(&remind),
        Command::Review(review) => review_once(&review),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dossier-local: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(args: &Serve) -> Result<(), String> {
    shared::telemetry::init();
    // Whatever the server writes under the data folder is its owner's alone, files written
    // by libraries (the search indexes') included.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let address = SocketAddr::new(args.host, args.port);
    let data = &args.data.path;
    let secret = settings::local_secret(data)
        .map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let config = settings::config(
        |name| std::env::var(name).ok(),
        &settings::local_defaults(&secret),
    )
    .map_err(|e| e.to_string())?;
    let max_document_bytes =
        settings::max_document_bytes(|name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let sign_in = SignIn::from_settings(&config, |name| std::env::var(name).ok())?;
    let notices = settings::notices_config(
        |name| std::env::var(name).ok(),
        &format!("http://{address}"),
    )
    .map_err(|e| e.to_string())?;
    let remind_every = Duration::from_secs(args.remind_every.saturating_mul(60));
    let review_every = Duration::from_secs(args.review_every.saturating_mul(60));
    let fixity_every = Duration::from_secs(args.fixity_every.saturating_mul(60));
    let fixity_budget = shared::config::FixityConfig::from_env().map_err(|e| e.to_string())?;
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
        let tokens = token_hint(data);
        let anchor_every = Duration::from_secs(args.anchor_every.saturating_mul(60));
        if args.aws {
            println!("Dossier API on http://{address} (DynamoDB table {}{})", config.table_name, endpoint_note());
            let store = Deps::with_dynamodb(&config).await.store;
            anchor_in_background(store.clone(), data, anchor_every)?;
            remind_in_background(store.clone(), data, &notices, remind_every);
            // Indexes follow the embedded store's feed; a table's stream is followed by
            // index-records, in AWS. Searches here find what is in the folder (README).
            let indexes = Arc::new(FolderIndexes::new(data.join("index")));
            check_fixity_in_background(store.clone(), blobs.clone(), fixity_budget, fixity_every);
            let deps = LocalDeps::new(&config, store, blobs, max_document_bytes, indexes, deadlines::notices(data, &notices)).signing_in(sign_in);
            review_in_background(&deps, review_every);
            run(listener, deps, &tokens).await;
        } else {
            let file = data.join("dossier.redb");
            let store = EmbeddedStore::open(&file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
            println!("Dossier API on http://{address} (data in {})", file.display());
            anchor_in_background(store.clone(), data, anchor_every)?;
            remind_in_background(store.clone(), data, &notices, remind_every);
            let indexes = Arc::new(FolderIndexes::new(data.join("index")));
            println!("Search indexes in {}, following every write", indexes.root().display());
            let (stop_indexing, stop) = tokio::sync::watch::channel(false);
            let indexing = tokio::spawn(indexing::follow(store.clone(), blobs.clone(), indexes.clone(), stop));
            check_fixity_in_background(store.clone(), blobs.clone(), fixity_budget, fixity_every);
            let deps = LocalDeps::new(&config, store, blobs, max_document_bytes, indexes, deadlines::notices(data, &notices)).signing_in(sign_in);
            review_in_background(&deps, review_every);
            run(listener, deps, &tokens).await;
            let _ = stop_indexing.send(true);
            let _ = indexing.await;
        }
        println!("stopped");
        Ok(())
    })
}

/// Anchors `store`'s chains now and every `every` (never if zero), beside the server.
fn anchor_in_background<S: Store + Send + Sync>(
    store: S,
    data: &std::path::Path,
    every: Duration,
) -> Result<(), String> {
    if every.is_zero() {
        return Ok(());
    }
    let anchoring = anchoring::local(store, data)?;
    println!(
        "Anchoring the audit chains every {} min into {} (key {})",
        every.as_secs() / 60,
        data.join("anchors").display(),
        anchoring.signer.key_id()
    );
    tokio::spawn(anchoring::periodically(anchoring, every));
    Ok(())
}

/// Tells staff of requests coming due every `every` (never if zero), beside the server;
/// notices land in the outbox (and `GET /outbox`): nothing leaves the machine.
fn remind_in_background<S: Store + Send + Sync + 'static>(
    store: S,
    data: &std::path::Path,
    notices: &NoticesConfig,
    every: Duration,
) {
    println!(
        "Notices go to {} (GET /outbox){}",
        data.join(deadlines::OUTBOX_DIR).display(),
        if every.is_zero() {
            String::new()
        } else {
            format!("; deadline reminders every {} min", every.as_secs() / 60)
        }
    );
    if !every.is_zero() {
        tokio::spawn(deadlines::periodically(
            deadlines::local(store, data, notices),
            every,
        ));
    }
}

/// Draws up destruction lists every `every` (never if zero), beside the server, approvals
/// found not yet carried out going to the server's destruction worker.
fn review_in_background<S: Store + Clone + Send + Sync>(deps: &LocalDeps<S>, every: Duration) {
    if every.is_zero() {
        return;
    }
    println!(
        "Destruction lists drawn up every {} min (now: POST {})",
        every.as_secs() / 60,
        disposition::REVIEW_PATH
    );
    let review = disposition::local(
        deps.disposition.store.clone(),
        deps.disposition.queue.clone(),
    );
    tokio::spawn(disposition::periodically(review, every));
}

/// Re-reads and hashes documents every `every` (never if zero), beside the server.
fn check_fixity_in_background<S: Store + Send + Sync>(
    store: S,
    blobs: FileBlobs,
    budget: shared::config::FixityConfig,
    every: Duration,
) {
    if every.is_zero() {
        return;
    }
    println!("Fixity checks every {} min", every.as_secs() / 60);
    tokio::spawn(fixity::periodically(
        fixity::local(store, blobs, budget),
        every,
    ));
}

fn review_once(args: &Anchor) -> Result<(), String> {
    once_on_store(
        args,
        "reviews",
        // No worker runs here: approvals found not yet carried out wait for `serve`'s.
        |table| async move {
            disposition::run_once(&disposition::local(table, MemoryQueue::default())).await
        },
        |folder| async move {
            disposition::run_once(&disposition::local(folder, MemoryQueue::default())).await
        },
    )
}

fn remind_once(args: &Anchor) -> Result<(), String> {
    let data = &args.data.path;
    let notices =
        settings::notices_config(|name| std::env::var(name).ok(), "http://127.0.0.1:3000")
            .map_err(|e| e.to_string())?;
    let notices = &notices;
    once_on_store(
        args,
        "reminds",
        |table| async move { deadlines::run_once(&deadlines::local(table, data, notices)).await },
        |folder| async move { deadlines::run_once(&deadlines::local(folder, data, notices)).await },
    )
}

fn anchor_once(args: &Anchor) -> Result<(), String> {
    let data = &args.data.path;
    once_on_store(
        args,
        "anchors",
        |table| async move { anchoring::run_once(&anchoring::local(table, data)?).await },
        |folder| async move { anchoring::run_once(&anchoring::local(folder, data)?).await },
    )
}

/// One run of a `serve` chore (`does` it by itself) on the store `args` names: the table
/// TABLE_NAME with --aws, else the data folder's; prints the run's one-line summary.
fn once_on_store<T, F>(
    args: &Anchor,
    does: &str,
    on_table: impl FnOnce(DynamoStore) -> T,
    on_folder: impl FnOnce(EmbeddedStore) -> F,
) -> Result<(), String>
where
    T: std::future::Future<Output = Result<String, String>>,
    F: std::future::Future<Output = Result<String, String>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let line = runtime.block_on(async {
        if args.aws {
            let table = shared::config::table_name_from_env().map_err(|e| e.to_string())?;
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            on_table(DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table)).await
        } else {
            let file = args.data.path.join("dossier.redb");
            let store = EmbeddedStore::open(&file).map_err(|e| {
                format!(
                    "cannot open {} (is dossier-local serve running on it? it {does} by itself): {e}",
                    file.display()
                )
            })?;
            on_folder(store).await
        }
    })?;
    println!("{line}");
    Ok(())
}

/// How to get a token this server accepts: one minted with its data folder's secret.
fn token_hint(data: &std::path::Path) -> String {
    let data_arg = match data.to_str() {
        Some(settings::DEFAULT_DATA_DIR) => String::new(),
        _ => format!(" DATA={}", data.display()),
    };
    format!(
        "Get a token: make token ROLE=clerk AGENCY=your-agency SUB=you{data_arg} \
         (signed with {}; a token minted for another data folder is refused)",
        data.join("local-secret").display()
    )
}

fn endpoint_note() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .map(|url| format!(" at {url}"))
        .unwrap_or_default()
}

async fn run<S: Store + Clone>(
    listener: tokio::net::TcpListener,
    deps: LocalDeps<S>,
    tokens: &str,
) {
    println!("{tokens}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down: finishing requests in flight");
    };
    dossier_local::server::serve(listener, Arc::new(deps), shutdown).await;
}

fn print_token(args: &Token) -> Result<(), String> {
    let data = &args.data.path;
    let secret = settings::local_secret(data)
        .map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let secret = env("JWT_HS256_SECRET").unwrap_or(secret);
    let roles: Vec<&str> = args
        .roles
        .iter()
        .map(String::as_str)
        .filter(|role| !role.is_empty())
        .collect();
    let now = Clock::system().now().as_secs();
    let claims = serde_json::json!({
        "iss": env("JWT_ISSUER").as_deref().unwrap_or(settings::LOCAL_ISSUER),
        "aud": env("JWT_AUDIENCE").as_deref().unwrap_or(settings::LOCAL_AUDIENCE),
        "sub": args.sub, "agency": args.agency, "roles": roles, "iat": now,
        "exp": now + args.hours * 3600,
    });
    println!("{}", shared::auth::mint_hs256(secret.as_bytes(), &claims));
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Command, ErrorKind> {
        Cli::try_parse_from(std::iter::once("dossier-local").chain(args.iter().copied()))
            .map(|cli| cli.command)
            .map_err(|error| error.kind())
    }

    #[test]
    fn unknown_or_misspelt_flags_are_refused() {
        assert_eq!(
            parse(&["serve", "--prot", "8080"]).unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&["serve", "8080"]).unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            parse(&["serve", "--port", "http"]).unwrap_err(),
            ErrorKind::ValueValidation
        );
        assert_eq!(parse(&["sreve"]).unwrap_err(), ErrorKind::InvalidSubcommand);
        assert_eq!(
            parse(&[
                "token", "--sub", "a", "--agency", "Parks", "--roles", "clerk"
            ])
            .unwrap_err(),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            parse(&["token", "--sub", "a", "--agency", "parks"]).unwrap_err(),
            ErrorKind::MissingRequiredArgument
        );
        match parse(&[
            "token",
            "--sub",
            "a",
            "--agency",
            "parks",
            "--roles",
            "clerk,officer",
            "--data",
            "/tmp/x",
        ])
        .unwrap()
        {
            Command::Token(token) => {
                assert_eq!(token.roles, ["clerk", "officer"]);
                assert_eq!(token.data.path, PathBuf::from("/tmp/x"));
                assert_eq!(token.hours, 12);
            }
            other => panic!("{other:?}"),
        }
    }
}
