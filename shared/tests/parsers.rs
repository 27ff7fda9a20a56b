//! Property-based fuzzing of the parsers that take untrusted input: pagination cursors,
//! merge patches and new-record bodies, bearer tokens, and document object keys. Whatever
//! they are fed they answer (never panic), and what they accept is exactly what we made.
//! A fixed number of cases per property keeps the suite's time bounded; set
//! `PROPTEST_CASES` for a longer run.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use proptest::prelude::*;
use serde_json::{Value, json};
use shared::auth::{KeySet, KeySource, Verifier, mint_hs256};
use shared::clock::Timestamp;
use shared::cursor::{CursorKey, MAX_CURSOR_CHARS};
use shared::model::{
    AgencyId, DocumentId, NewDocument, NewRecord, RecordId, RecordPatch, object_key,
    parse_object_key,
};

const NOW: Timestamp = Timestamp::from_millis(1_795_688_498_000);
const SECRET: &[u8] = b"proptest-secret-proptest-secret-proptest";

/// Any JSON value, nested a few levels, with the odd strings that break parsers.
fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_without_floats(),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
    ]
}

/// Any JSON value without floating-point numbers (which JSON does not round-trip exactly;
/// cursors only ever hold strings and integers).
fn json_without_floats() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "\u{0}",
            "\u{202E}",
            "\u{200B}",
            "2026-02-30",
            "9999-12-31",
            "draft",
            "public",
            "confidential",
            "../..",
            "A#parks#R#1",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Mostly the fields the bodies know, sometimes anything.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "title",
            "description",
            "classification",
            "tags",
            "retention_until",
            "status",
            "legal_hold",
            "id",
            "version",
            "filename",
            "content_type",
            "size",
            "sha256",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

fn verifier() -> Verifier {
    // An RSA key nobody holds the private half of: only HS256 with SECRET can verify.
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k", "alg": "RS256", "use": "sig",
        "n": B64.encode([0xC3u8; 256]), "e": "AQAB"}]});
    let keys = KeySet::parse(&jwks.to_string()).expect("a JWKS");
    Verifier::new(
        "https://issuer.test",
        "dossier",
        KeySource::Static(keys),
        Some(SECRET),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Failures print their minimal input; nothing is written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cursors_open_only_as_sealed(
        scope in "[a-z#0-9]{1,40}",
        position in json_without_floats(),
        junk in any::<String>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let key = CursorKey::new(SECRET);
        let cursor = key.seal(&scope, &position);
        // Cursors longer than the limit are refused before any work (ours stay far below).
        let fits = cursor.len() <= MAX_CURSOR_CHARS;
        let opened = key.open::<Value>(&scope, &cursor).ok();
        prop_assert_eq!(opened, fits.then(|| position.clone()));
        // Another scope, another key, or any changed character: refused.
        let other_scope = format!("{}x", scope);
        prop_assert!(key.open::<Value>(&other_scope, &cursor).is_err());
        prop_assert!(CursorKey::new(b"another-secret-another-secret-another").open::<Value>(&scope, &cursor).is_err());
        let mut bytes = cursor.clone().into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).expect("ASCII");
        if tampered != cursor {
            prop_assert!(key.open::<Value>(&scope, &tampered).is_err());
        }
        // Arbitrary text never panics and never opens.
        prop_assert!(key.open::<Value>(&scope, &junk).is_err());
    }

    #[test]
    fn bodies_and_patches_validate_anything_without_panicking(body in json_value()) {
        let patch = RecordPatch::from_json(&body);
        let record = NewRecord::from_json(&body);
        let document = NewDocument::from_json(&body, 1 << 20);
        // Only objects can be bodies; whatever was accepted reports no error.
        if !body.is_object() {
            prop_assert!(patch.is_err() && record.is_err() && document.is_err());
        }
        for errors in [patch.err(), record.err(), document.err()].into_iter().flatten() {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn valid_patches_keep_records_valid(title in "[A-Za-z0-9][A-Za-z0-9 ]{0,199}", tags in prop::collection::btree_set("[a-z0-9-]{1,50}", 0..20)) {
        let patch = RecordPatch::from_json(&json!({"title": title, "tags": tags})).expect("a valid patch");
        prop_assert_eq!(patch.title.as_deref(), Some(title.as_str()));
        prop_assert_eq!(patch.tags.map(|t| t.len()), Some(tags.len()));
    }

    #[test]
    fn tokens_that_are_not_ours_never_verify(
        text in any::<String>(),
        segments in prop::collection::vec(any::<Vec<u8>>(), 0..5),
        claims in json_value(),
    ) {
        let verifier = verifier();
        let runtime = runtime();
        let encoded = segments.iter().map(|s| B64.encode(s)).collect::<Vec<_>>().join(".");
        for token in [text.clone(), encoded, format!("eyJhbGciOiJIUzI1NiJ9.{}.", B64.encode(claims.to_string()))] {
            prop_assert!(runtime.block_on(verifier.verify(&token, NOW)).is_err());
        }
        // Signed with our secret, arbitrary claims verify only when they carry all we require.
        let token = mint_hs256(SECRET, &claims);
        if let Ok(caller) = runtime.block_on(verifier.verify(&token, NOW)) {
            prop_assert_eq!(claims["agency"].as_str(), Some(caller.agency.as_str()));
            prop_assert_eq!(claims["iss"].as_str(), Some("https://issuer.test"));
        }
    }

    #[test]
    fn object_keys_parse_back_only_when_we_made_them(
        agency in "[a-z0-9-]{2,32}",
        seed in 0i64..4_000_000_000_000,
        junk in any::<String>(),
    ) {
        let agency = AgencyId::parse(&agency).expect("a valid agency");
        let at = Timestamp::from_millis(seed);
        let (record, document) = (RecordId::generate(at), DocumentId::generate(at));
        let key = object_key(&agency, &record, &document);
        prop_assert_eq!(parse_object_key(&key), Some((agency, record, document)));
        prop_assert_eq!(parse_object_key(&format!("{key}/x")), None);
        prop_assert_eq!(parse_object_key(&key.to_lowercase()), None);
        let _ = parse_object_key(&junk);
    }
}
