//! Test support (feature `test-support`): token minting with real keys, and claims.
//! Never compiled into a function binary.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::clock::Timestamp;

/// Issuer the tests' tokens carry.
pub const ISSUER: &str = "https://issuer.test";
/// Audience the tests' tokens carry.
pub const AUDIENCE: &str = "dossier";
/// HS256 secret the tests configure.
pub const HS256_SECRET: &[u8] = b"test-only-secret-0123456789abcdef0123456789";

/// Claims for `sub` in `agency` with `roles`, valid for a week from `now` (tests move
/// their clocks by days).
pub fn claims(sub: &str, agency: &str, roles: &[&str], now: Timestamp) -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "agency": agency, "roles": roles,
        "iat": now.as_secs(), "exp": now.as_secs() + 7 * 86_400,
    })
}

/// A compact JWS with the given header and claims, signed by `sign`.
pub fn sign_with(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature))
}

/// An HS256 token.
pub fn hs256(secret: &[u8], claims: &Value) -> String {
    crate::auth::mint_hs256(secret, claims)
}

/// An HS256 token for `sub` in `agency` with `roles`, signed with [`HS256_SECRET`].
pub fn token(sub: &str, agency: &str, roles: &[&str], now: Timestamp) -> String {
    hs256(HS256_SECRET, &claims(sub, agency, roles, now))
}

/// A freshly generated RSA and P-256 key pair, with their JWKS.
pub struct TestKeys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::generate()
    }
}

impl TestKeys {
    /// Generates both key pairs.
    pub fn generate() -> Self {
        Self {
            rsa: RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .expect("RSA key generation"),
            ec: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .expect("EC key generation"),
        }
    }

    /// The JWKS publishing both public keys, as `rsa-1` and `ec-1`.
    pub fn jwks(&self) -> Value {
        let public = self.rsa.public_key();
        let point = self.ec.public_key().as_ref();
        json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
             "e": B64.encode(public.exponent().big_endian_without_leading_zero())},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
             "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])},
        ]})
    }

    /// An RS256 token signed by the RSA key, with `kid` in its header.
    pub fn rs256(&self, kid: &str, claims: &Value) -> String {
        sign_with(
            &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
            claims,
            |input| {
                let mut signature = vec![0; self.rsa.public_modulus_len()];
                self.rsa
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        input,
                        &mut signature,
                    )
                    .expect("RSA signing");
                signature
            },
        )
    }

    /// An ES256 token signed by the P-256 key, with `kid` in its header.
    pub fn es256(&self, kid: &str, claims: &Value) -> String {
        sign_with(
            &json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
            claims,
            |input| {
                self.ec
                    .sign(&SystemRandom::new(), input)
                    .expect("EC signing")
                    .as_ref()
                    .to_vec()
            },
        )
    }
}

/// An API Gateway HTTP API (payload 2.0) event, built up field by field.
#[derive(Clone, Debug)]
pub struct Event {
    method: String,
    route_key: String,
    path: String,
    path_parameters: serde_json::Map<String, Value>,
    query: String,
    headers: serde_json::Map<String, Value>,
    body: Option<(String, bool)>,
}

/// An event for `method route` (e.g. `GET /records/{id}`); path parameters given with
/// [`Event::param`] are substituted into the path.
pub fn event(method: &str, route: &str) -> Event {
    Event {
        method: method.to_owned(),
        route_key: format!("{method} {route}"),
        path: route.to_owned(),
        path_parameters: serde_json::Map::new(),
        query: String::new(),
        headers: serde_json::Map::new(),
        body: None,
    }
}

impl Event {
    /// Sets a path parameter.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.path = self.path.replace(&format!("{{{name}}}"), value);
        self.path_parameters.insert(name.to_owned(), json!(value));
        self
    }

    /// Sets the raw query string (without `?`).
    pub fn query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    /// Sets a header (names are lower-cased, as API Gateway sends them).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_ascii_lowercase(), json!(value));
        self
    }

    /// Sets `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .text(&body.to_string())
    }

    /// A text body as sent (set the content type yourself).
    pub fn text(mut self, body: &str) -> Self {
        self.body = Some((body.to_owned(), false));
        self
    }

    /// Raw bytes, base64-encoded as API Gateway does for binary bodies.
    pub fn bytes(mut self, body: &[u8]) -> Self {
        self.body = Some((base64::engine::general_purpose::STANDARD.encode(body), true));
        self
    }

    /// The event as API Gateway sends it to Lambda.
    pub fn to_json(&self) -> Value {
        let query: serde_json::Map<String, Value> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&self.query)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect();
        let mut event = json!({
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": self.path,
            "rawQueryString": self.query,
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "dossier",
                "domainName": "dossier.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "dossier",
                "http": {"method": self.method, "path": self.path, "protocol": "HTTP/1.1",
                         "sourceIp": "192.0.2.10", "userAgent": "dossier-tests"},
                "requestId": format!("req-{}", crate::model::sha256_hex(format!("{self:?}").as_bytes())[..12].to_owned()),
                "routeKey": self.route_key,
                "stage": "$default",
                "time": "26/Nov/2026:10:21:38 +0000",
                "timeEpoch": 1_795_688_498_000u64,
            },
            "isBase64Encoded": false,
        });
        if !self.path_parameters.is_empty() {
            event["pathParameters"] = json!(self.path_parameters);
        }
        if !query.is_empty() {
            event["queryStringParameters"] = json!(query);
        }
        if let Some((body, encoded)) = &self.body {
            event["body"] = json!(body);
            event["isBase64Encoded"] = json!(encoded);
        }
        event
    }

    /// The event as the `lambda_http` request a function receives.
    pub fn to_request(&self) -> lambda_http::Request {
        lambda_http::request::from_str(&self.to_json().to_string())
            .expect("a valid API Gateway v2 event")
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

/// A fixed instant the tests run at: 2026-11-26T10:21:38Z.
pub const TEST_NOW: Timestamp = Timestamp::from_millis(1_795_688_498_000);

/// Dependencies for tests: `store`, a fixed clock at [`TEST_NOW`], HS256 tokens.
pub fn deps<S>(store: S) -> crate::Deps<S> {
    let config = crate::config::Config::from_lookup(|name| {
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
    crate::Deps::new(&config, store, crate::clock::Clock::fixed(TEST_NOW))
}

/// Calls `route` with `event` the way Lambda would, through [`crate::http::respond`].
pub async fn call<'a, S, D, F, Fut>(
    deps: &'a crate::Deps<S, D>,
    route: F,
    event: &Event,
) -> TestResponse
where
    F: FnOnce(crate::http::ApiRequest, &'a crate::Deps<S, D>) -> Fut,
    Fut: std::future::Future<Output = Result<crate::http::Reply, crate::error::ApiError>> + 'a,
{
    TestResponse::from_response(crate::http::respond(deps, event.to_request(), route).await)
}

/// Writes a record of `agency` through the store, as `POST /records` would, and returns it.
pub async fn seed_record<S: crate::store::RecordStore>(
    store: &S,
    agency: &str,
    body: &Value,
    at: Timestamp,
) -> crate::model::StoredRecord {
    seed_record_as(
        store,
        agency,
        &crate::model::RecordId::generate(at),
        body,
        at,
    )
    .await
}

/// [`seed_record`] with a given id.
pub async fn seed_record_as<S: crate::store::RecordStore>(
    store: &S,
    agency: &str,
    id: &crate::model::RecordId,
    body: &Value,
    at: Timestamp,
) -> crate::model::StoredRecord {
    use crate::model::{AgencyId, AuditAction, AuditEntry, ChainHead, NewRecord, StoredRecord};
    let new = NewRecord::from_json(body).expect("a valid record body");
    let agency = AgencyId::parse(agency).expect("a valid agency");
    let record = new.into_record(id.clone(), agency, "seed", at);
    let entry = AuditEntry::next(
        &ChainHead::genesis(),
        at,
        "seed",
        AuditAction::Create,
        record.creation_changes(),
    );
    let stored = StoredRecord::created(record, &entry);
    store
        .create_record(&stored, &entry, None)
        .await
        .expect("seeding a record");
    stored
}

/// Test dependencies on a fresh in-memory store holding one record of `agency`, titled
/// `T`, with `classification`.
pub async fn deps_with_record(
    agency: &str,
    classification: &str,
) -> (
    crate::Deps<crate::store::MemoryStore>,
    crate::model::StoredRecord,
) {
    let deps = deps(crate::store::MemoryStore::new());
    let body = json!({"title": "T", "classification": classification});
    let stored = seed_record(&deps.store, agency, &body, TEST_NOW).await;
    (deps, stored)
}

/// Test dependencies for the document routes: a fresh in-memory store and a folder of
/// blobs under the system's temporary directory (unique per call), with a 1 MiB limit.
pub fn document_deps()
-> crate::Deps<crate::store::MemoryStore, crate::blob::Documents<crate::blob::FileBlobs>> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("dossier-blobs-{}-{n}", std::process::id()));
    deps(crate::store::MemoryStore::new()).with_blobs(
        crate::blob::FileBlobs::new(root, "http://127.0.0.1:3000", b"test-blob-secret"),
        1024 * 1024,
    )
}

/// Announces a document of `bytes` as `content_type` on `record` through the store, as
/// `POST /records/{id}/documents` would (pending, audited), and returns it.
pub async fn seed_document<S: crate::store::Store>(
    store: &S,
    record: &crate::model::StoredRecord,
    content_type: crate::model::ContentType,
    bytes: &[u8],
) -> crate::model::Document {
    let id = crate::model::DocumentId::generate(TEST_NOW);
    seed_document_as(store, record, &id, content_type, bytes).await
}

/// [`seed_document`] with a given id.
pub async fn seed_document_as<S: crate::store::Store>(
    store: &S,
    record: &crate::model::StoredRecord,
    id: &crate::model::DocumentId,
    content_type: crate::model::ContentType,
    bytes: &[u8],
) -> crate::model::Document {
    use crate::model::{AuditAction, AuditEntry, NewDocument, sha256_base64};
    let current = store
        .get_record(&record.record.agency, &record.record.id)
        .await
        .expect("reading the record")
        .expect("the record exists");
    let document = NewDocument {
        filename: "scan 1.pdf".into(),
        content_type,
        size: bytes.len() as u64,
        sha256: sha256_base64(bytes),
    }
    .into_document(
        id.clone(),
        &current.record.id,
        &current.record.agency,
        "seed",
        TEST_NOW,
    );
    let entry = AuditEntry::next(
        &current.head,
        TEST_NOW,
        "seed",
        AuditAction::DocumentAdd,
        document.creation_changes(),
    );
    store
        .add_document(
            &current.with_entry(&entry, current.documents + 1),
            &document,
            &entry,
        )
        .await
        .expect("seeding a document");
    document
}

/// Writes `bytes` as the object at `key` of a folder blob store, as an upload would.
pub fn put_blob(blobs: &crate::blob::FileBlobs, key: &str, bytes: &[u8]) {
    let path = blobs.path_of(key).expect("a blob key");
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("creating the folder");
    std::fs::write(path, bytes).expect("writing the blob");
}

/// Settles pending `document` as ingestion would (`quarantine_reason` given: quarantined;
/// else available), through the store, and returns it settled.
pub async fn settle_document<S: crate::store::Store>(
    store: &S,
    document: &crate::model::Document,
    quarantine_reason: Option<&str>,
) -> crate::model::Document {
    use crate::model::{AuditAction, AuditEntry, DocumentStatus};
    let current = store
        .get_record(&document.agency, &document.record_id)
        .await
        .expect("reading the record")
        .expect("the record exists");
    let mut settled = document.clone();
    settled.settled_at = Some(TEST_NOW);
    settled.quarantine_reason = quarantine_reason.map(str::to_owned);
    let (status, action) = match quarantine_reason {
        Some(_) => (DocumentStatus::Quarantined, AuditAction::DocumentQuarantine),
        None => (DocumentStatus::Available, AuditAction::DocumentVerify),
    };
    settled.status = status;
    let entry = AuditEntry::next(
        &current.head,
        TEST_NOW,
        "ingest-document",
        action,
        document.settlement_changes(&settled),
    );
    store
        .settle_document(
            &current.with_entry(&entry, current.documents),
            &settled,
            &entry,
        )
        .await
        .expect("settling the document");
    settled
}

/// A store that, on the first record update or delete, first announces a document on
/// that record: the race where a document change lands between a handler's read and its
/// write (the chain moves, the version does not).
pub struct DocumentLandsFirst<S> {
    /// The store everything goes to.
    pub inner: S,
    armed: std::sync::atomic::AtomicBool,
}

impl<S> DocumentLandsFirst<S> {
    /// Wraps `inner`, armed for one race.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            armed: std::sync::atomic::AtomicBool::new(true),
        }
    }
}

impl<S: crate::store::Store> DocumentLandsFirst<S> {
    async fn race(&self, agency: &crate::model::AgencyId, id: &crate::model::RecordId) {
        if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            let record = self
                .inner
                .get_record(agency, id)
                .await
                .expect("reading the record")
                .expect("the record exists");
            seed_document(
                &self.inner,
                &record,
                crate::model::ContentType::Pdf,
                b"%PDF-",
            )
            .await;
        }
    }
}

impl<S: crate::store::Store> crate::store::RecordStore for DocumentLandsFirst<S> {
    async fn get_record(
        &self,
        agency: &crate::model::AgencyId,
        id: &crate::model::RecordId,
    ) -> Result<Option<crate::model::StoredRecord>, crate::store::StoreError> {
        self.inner.get_record(agency, id).await
    }

    async fn create_record(
        &self,
        record: &crate::model::StoredRecord,
        entry: &crate::model::AuditEntry,
        idempotency: Option<&crate::store::IdempotentResponse>,
    ) -> Result<(), crate::store::StoreError> {
        self.inner.create_record(record, entry, idempotency).await
    }

    async fn update_if_version(
        &self,
        next: &crate::model::StoredRecord,
        expected_version: u64,
        entry: &crate::model::AuditEntry,
    ) -> Result<(), crate::store::StoreError> {
        self.race(&next.record.agency, &next.record.id).await;
        self.inner
            .update_if_version(next, expected_version, entry)
            .await
    }

    async fn delete_if_version(
        &self,
        agency: &crate::model::AgencyId,
        id: &crate::model::RecordId,
        expected_version: u64,
        entry: &crate::model::AuditEntry,
    ) -> Result<(), crate::store::StoreError> {
        self.race(agency, id).await;
        self.inner
            .delete_if_version(agency, id, expected_version, entry)
            .await
    }

    async fn list_records(
        &self,
        agency: &crate::model::AgencyId,
        filter: &crate::store::ListFilter,
        limit: usize,
        after: Option<&crate::store::ListPosition>,
    ) -> Result<
        crate::store::Page<crate::model::Record, crate::store::ListPosition>,
        crate::store::StoreError,
    > {
        self.inner.list_records(agency, filter, limit, after).await
    }
}

impl<S: crate::store::Store> crate::store::AuditLog for DocumentLandsFirst<S> {
    async fn history(
        &self,
        agency: &crate::model::AgencyId,
        id: &crate::model::RecordId,
        limit: usize,
        after_seq: Option<u64>,
    ) -> Result<crate::store::Page<crate::model::AuditEntry, u64>, crate::store::StoreError> {
        self.inner.history(agency, id, limit, after_seq).await
    }
}

impl<S: crate::store::Store> crate::store::IdempotencyStore for DocumentLandsFirst<S> {
    async fn get_idempotent(
        &self,
        agency: &crate::model::AgencyId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<crate::store::IdempotentResponse>, crate::store::StoreError> {
        self.inner.get_idempotent(agency, key, now).await
    }
}

impl<S: crate::store::Store> crate::store::DocumentStore for DocumentLandsFirst<S> {
    async fn get_document(
        &self,
        agency: &crate::model::AgencyId,
        record: &crate::model::RecordId,
        id: &crate::model::DocumentId,
    ) -> Result<Option<crate::model::Document>, crate::store::StoreError> {
        self.inner.get_document(agency, record, id).await
    }

    async fn list_documents(
        &self,
        agency: &crate::model::AgencyId,
        record: &crate::model::RecordId,
        limit: usize,
        after: Option<&crate::model::DocumentId>,
    ) -> Result<
        crate::store::Page<crate::model::Document, crate::model::DocumentId>,
        crate::store::StoreError,
    > {
        self.inner
            .list_documents(agency, record, limit, after)
            .await
    }

    async fn add_document(
        &self,
        record: &crate::model::StoredRecord,
        document: &crate::model::Document,
        entry: &crate::model::AuditEntry,
    ) -> Result<(), crate::store::StoreError> {
        self.inner.add_document(record, document, entry).await
    }

    async fn settle_document(
        &self,
        record: &crate::model::StoredRecord,
        settled: &crate::model::Document,
        entry: &crate::model::AuditEntry,
    ) -> Result<(), crate::store::StoreError> {
        self.inner.settle_document(record, settled, entry).await
    }
}

/// Forged and broken bearer tokens, each with what is wrong with it: every one must be
/// refused (401) by a verifier that trusts `keys`' JWKS and HS256 with `hs256_secret`, for
/// the issuer and audience of `claims` (valid claims with `iat`, which sets the clock).
/// Shared by the verifier's unit tests and the suites that send them through the local
/// server and the Lambda binaries.
pub fn forged_tokens(
    keys: &TestKeys,
    other: &TestKeys,
    hs256_secret: &[u8],
    claims: &Value,
) -> Vec<(&'static str, String)> {
    let now = claims["iat"].as_u64().expect("claims with iat");
    let with = |key: &str, value: Value| {
        let mut claims = claims.clone();
        claims[key] = value;
        claims
    };
    let good = keys.rs256("rsa-1", claims);
    let (head, signature) = good.rsplit_once('.').expect("a JWS");
    let (header, _) = head.split_once('.').expect("a JWS");
    let rsa_modulus = keys.jwks()["keys"][0]["n"]
        .as_str()
        .expect("an RSA key")
        .to_owned();
    let hmac = |secret: &[u8], input: &[u8]| {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
        aws_lc_rs::hmac::sign(&key, input).as_ref().to_vec()
    };
    let without = |key: &str| {
        let mut claims = claims.clone();
        if let Some(object) = claims.as_object_mut() {
            object.remove(key);
        }
        claims
    };
    let forged_payload = B64.encode(with("agency", json!("harbour")).to_string());
    vec![
        ("unsigned", format!("{head}.")),
        (
            "alg none",
            sign_with(&json!({"alg": "none", "typ": "JWT"}), claims, |_| vec![]),
        ),
        (
            "alg none with a signature",
            sign_with(&json!({"alg": "none"}), claims, |_| vec![7; 32]),
        ),
        (
            "expired",
            keys.rs256("rsa-1", &with("exp", json!(now - 61))),
        ),
        (
            "not yet valid",
            keys.rs256("rsa-1", &with("nbf", json!(now + 3600))),
        ),
        (
            "expiry as a string",
            keys.rs256("rsa-1", &with("exp", json!((now + 3600).to_string()))),
        ),
        (
            "null expiry",
            keys.rs256("rsa-1", &with("exp", Value::Null)),
        ),
        (
            "wrong issuer",
            keys.rs256("rsa-1", &with("iss", json!("https://evil.example"))),
        ),
        (
            "wrong audience",
            keys.rs256("rsa-1", &with("aud", json!("another-app"))),
        ),
        ("signed by another key", other.rs256("rsa-1", claims)),
        ("unknown kid", keys.rs256("rotated-away", claims)),
        (
            "no kid",
            sign_with(&json!({"alg": "RS256"}), claims, |_| vec![1; 256]),
        ),
        (
            "HS256 with a wrong secret",
            sign_with(&json!({"alg": "HS256", "typ": "JWT"}), claims, |input| {
                hmac(b"not-the-secret-not-the-secret-not-the", input)
            }),
        ),
        // Alg confusion: HS256 keyed with the RSA public key that the JWKS publishes.
        (
            "HS256 keyed with the RSA public key",
            sign_with(&json!({"alg": "HS256", "kid": "rsa-1"}), claims, |input| {
                hmac(rsa_modulus.as_bytes(), input)
            }),
        ),
        // The JWKS key the kid names is of another type than the token's algorithm.
        ("ES256 on the RSA key's kid", keys.es256("rsa-1", claims)),
        ("RS256 on the EC key's kid", keys.rs256("ec-1", claims)),
        (
            "null agency",
            keys.rs256("rsa-1", &with("agency", Value::Null)),
        ),
        (
            "agency with key characters",
            keys.rs256("rsa-1", &with("agency", json!("parks#R#01"))),
        ),
        (
            "agency with injection",
            keys.rs256("rsa-1", &with("agency", json!("parks\" OR \"1\"=\"1"))),
        ),
        (
            "roles not an array",
            keys.rs256("rsa-1", &with("roles", json!("officer"))),
        ),
        ("null sub", keys.rs256("rsa-1", &with("sub", Value::Null))),
        ("no sub", keys.rs256("rsa-1", &without("sub"))),
        ("no agency", keys.rs256("rsa-1", &without("agency"))),
        ("no expiry", keys.rs256("rsa-1", &without("exp"))),
        ("no issuer", keys.rs256("rsa-1", &without("iss"))),
        ("no audience", keys.rs256("rsa-1", &without("aud"))),
        (
            "claims changed after signing",
            format!("{header}.{forged_payload}.{signature}"),
        ),
        ("truncated signature", good[..good.len() - 12].to_owned()),
        ("not a JWT", "not.a.jwt".to_owned()),
        (
            "oversized",
            format!("{good}{}", "A".repeat(crate::auth::MAX_TOKEN_BYTES)),
        ),
        (
            "HS256 valid but with a wrong audience",
            hs256(hs256_secret, &with("aud", json!("another-app"))),
        ),
    ]
}
