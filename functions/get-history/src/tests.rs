use serde_json::{Value, json};
use shared::model::{canonical_json, sha256_hex};
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, TestResponse, call, deps_with_record, event, seed_record, token};

use super::handle;

async fn history(
    deps: &shared::Deps<MemoryStore>,
    id: &str,
    agency: &str,
    roles: &[&str],
    query: &str,
) -> TestResponse {
    let request = event("GET", "/records/{id}/history")
        .param("id", id)
        .query(query)
        .bearer(&token("a", agency, roles, TEST_NOW));
    call(deps, handle, &request).await
}

#[tokio::test]
async fn entries_verify_from_the_response_alone() {
    let (deps, stored) = deps_with_record("parks", "confidential").await;
    let response = history(&deps, stored.record.id.as_str(), "parks", &["auditor"], "").await;
    assert_eq!(response.status, 200);
    let entries = response.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let mut entry = entries[0].clone();
    let hash = entry.as_object_mut().unwrap().remove("hash").unwrap();
    assert_eq!(
        hash,
        Value::from(sha256_hex(canonical_json(&entry).as_bytes()))
    );
    assert_eq!(entry["prev_hash"], "0".repeat(64));
    assert_eq!(entry["seq"], 1);
    assert_eq!(entry["action"], "record.create");
}

#[tokio::test]
async fn pages_oldest_first() {
    let (deps, stored) = deps_with_record("parks", "public").await;
    let mut current = stored.clone();
    for i in 0..4 {
        current = shared::testing::seed_update(&deps.store, &current, "o", TEST_NOW, |record| {
            record.title = format!("T{i}");
        })
        .await;
    }
    let id = stored.record.id.to_string();
    let first = history(&deps, &id, "parks", &["officer"], "limit=3").await;
    let seqs = |r: &TestResponse| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(&first), [1, 2, 3]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = history(
        &deps,
        &id,
        "parks",
        &["officer"],
        &format!("limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(seqs(&second), [4, 5]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    // A cursor for one record's history is not valid for another's.
    let other = seed_record(
        &deps.store,
        "parks",
        &json!({"title": "O", "classification": "public"}),
        TEST_NOW,
    )
    .await;
    assert_eq!(
        history(
            &deps,
            other.record.id.as_str(),
            "parks",
            &["officer"],
            &format!("cursor={cursor}")
        )
        .await
        .status,
        400
    );
}

#[tokio::test]
async fn only_auditors_and_officers_of_the_agency_read_history() {
    let (deps, stored) = deps_with_record("parks", "public").await;
    let id = stored.record.id.to_string();
    for roles in [&["clerk"][..], &["reader"]] {
        assert_eq!(history(&deps, &id, "parks", roles, "").await.status, 403);
    }
    assert_eq!(
        history(&deps, &id, "zoning", &["auditor"], "").await.status,
        404
    );
    assert_eq!(
        history(
            &deps,
            "01KBXQ7R5M3N8P2V6W9Y4Z0A1B",
            "parks",
            &["auditor"],
            ""
        )
        .await
        .status,
        404
    );
}
