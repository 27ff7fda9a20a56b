//! Test support (feature `test-support`), never compiled into a function binary:
//! - [`tokens`]: claims and tokens signed with the tests' secret or fresh keys,
//! - [`disposition`]: destruction lists, items and decisions,
//! - [`forged`]: tokens every verifier must refuse,
//! - [`fixtures`]: records and documents written through the store the way the routes
//!   write them, and races staged with [`MemoryStore::before_next_write`],
//! - here: the dependencies a handler test runs with, events, and calling a route.
//!
//! [`MemoryStore::before_next_write`]: crate::store::MemoryStore::before_next_write

pub mod disposition;
pub mod fixtures;
pub mod forged;
pub mod holds;
pub mod tokens;

pub use disposition::{seed_decision, seed_due_item, seed_due_record_as, seed_listing, test_list};
pub use fixtures::{
    deps_with_record, document_lands_before_next_write, pdf_saying, put_blob, seed_document,
    seed_document_as, seed_plain_record, seed_profile, seed_published, seed_record, seed_record_as,
    seed_request, seed_request_with, seed_schedule, seed_schedule_as, seed_update, settle_document,
};
pub use forged::forged_tokens;
pub use holds::{seed_hold, seed_hold_as, seed_placement};
pub use tokens::{AUDIENCE, HS256_SECRET, ISSUER, TestKeys, claims, hs256, sign_with, token};

use serde_json::Value;

use crate::blob::FileBlobs;
use crate::clock::{Clock, Timestamp};
use crate::config::Config;
use crate::http::{GatewayEvent, PublicRoute, Route, RouteDeps, respond, respond_public};
use crate::store::MemoryStore;
use crate::{Deps, DocumentDeps};

/// A fixed instant the tests run at: 2026-11-26T10:21:38Z.
pub const TEST_NOW: Timestamp = Timestamp::from_millis(1_795_688_498_000);

/// An event for `method route` (e.g. `GET /records/{id}`), arriving at [`TEST_NOW`];
/// path parameters given with [`GatewayEvent::param`] are substituted into the path.
pub fn event(method: &str, route: &str) -> GatewayEvent {
    GatewayEvent::new(method, route)
        .source_ip("192.0.2.10")
        .at(TEST_NOW.as_millis().unsigned_abs())
}

/// Dependencies for tests: `store`, a fixed clock at [`TEST_NOW`], HS256 tokens.
pub fn deps<S>(store: S) -> Deps<S> {
    let config = Config::from_lookup(|name| {
        Some(match name {
            "TABLE_NAME" => "unused".to_owned(),
            "JWT_ISSUER" => ISSUER.to_owned(),
            "JWT_AUDIENCE" => AUDIENCE.to_owned(),
            "JWT_HS256_SECRET" => String::from_utf8_lossy(HS256_SECRET).into_owned(),
            "CURSOR_SECRET" => "test-only-cursor-secret-0123456789abcdef".to_owned(),
            _ => return None,
        })
    })
    .expect("test configuration");
    Deps::new(&config, store, Clock::fixed(TEST_NOW))
}

/// Test dependencies for the routes that send notices: [`deps`] on `store`, emails kept
/// in memory, the portal at `https://records.example.gov`.
pub fn notice_deps<S>(store: S) -> crate::NoticeDeps<S, crate::notices::MemoryMailer> {
    crate::NoticeDeps {
        deps: deps(store),
        notices: crate::notices::Notices {
            mailer: crate::notices::MemoryMailer::default(),
            portal_url: Some("https://records.example.gov".to_owned()),
        },
    }
}

/// Test dependencies for the document routes: a fresh in-memory store and a folder of
/// blobs under the system's temporary directory (unique per call), with a 1 MiB limit.
pub fn document_deps() -> DocumentDeps<MemoryStore, FileBlobs> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("dossier-blobs-{}-{n}", std::process::id()));
    deps(MemoryStore::new()).with_blobs(
        FileBlobs::new(root, "http://127.0.0.1:3000", b"test-blob-secret"),
        1024 * 1024,
    )
}

/// Test dependencies for the search routes: a fresh in-memory store, indexes in a fresh
/// folder, and the folder of blobs documents are read from when indexed.
#[cfg(feature = "search")]
pub fn search_deps() -> (
    crate::search::route::SearchDeps<MemoryStore, crate::search::folder::FolderIndexes>,
    FileBlobs,
) {
    let documents = document_deps();
    let root = documents.blobs.root().with_extension("index");
    let search = crate::search::route::SearchDeps {
        deps: documents.deps,
        indexes: crate::search::folder::FolderIndexes::new(root),
    };
    (search, documents.blobs)
}

/// Indexes every record of `search`'s store, as an indexer would after their writes.
#[cfg(feature = "search")]
pub async fn index_everything(
    search: &crate::search::route::SearchDeps<MemoryStore, crate::search::folder::FolderIndexes>,
    blobs: &FileBlobs,
) {
    use crate::search::indexer;
    for (agency, changes) in indexer::everything(&search.store, blobs)
        .await
        .expect("records to index")
    {
        indexer::write_to_folder(&search.indexes, &agency, &changes).expect("indexes written");
    }
}

/// A response, read back for assertions.
#[derive(Debug)]
pub struct TestResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// The JSON body, or `Null` when empty.
    pub body: Value,
}

impl TestResponse {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The last segment of a problem's `type`.
    pub fn problem_kind(&self) -> &str {
        self.body["type"]
            .as_str()
            .and_then(|t| t.rsplit('/').next())
            .unwrap_or("")
    }

    /// Reads a `lambda_http` response.
    pub fn from_response(response: lambda_http::Response<lambda_http::Body>) -> Self {
        let (parts, body) = response.into_parts();
        let bytes: &[u8] = body.as_ref();
        Self {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(bytes).expect("a JSON body")
            },
        }
    }
}

/// Calls `route` with `event` the way Lambda would, through [`respond`].
pub async fn call<'a, D: RouteDeps>(
    deps: &'a D,
    route: impl Route<'a, D>,
    event: &GatewayEvent,
) -> TestResponse {
    let request = event.to_request().expect("a valid API Gateway v2 event");
    TestResponse::from_response(respond(deps, request, route).await)
}

/// Calls public `route` with `event` the way Lambda would, through [`respond_public`].
pub async fn call_public<'a, D: RouteDeps>(
    deps: &'a D,
    route: impl PublicRoute<'a, D>,
    event: &GatewayEvent,
) -> TestResponse {
    let request = event.to_request().expect("a valid API Gateway v2 event");
    TestResponse::from_response(respond_public(deps, request, route).await)
}
