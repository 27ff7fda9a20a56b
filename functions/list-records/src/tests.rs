use serde_json::{Value, json};
use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, TestResponse, call, deps, event, seed_record, token};

use super::handle;

async fn list(
    deps: &shared::Deps<MemoryStore>,
    agency: &str,
    roles: &[&str],
    query: &str,
) -> TestResponse {
    call(
        deps,
        handle,
        &event("GET", "/records")
            .bearer(&token("u", agency, roles, TEST_NOW))
            .query(query),
    )
    .await
}

fn titles(response: &TestResponse) -> Vec<&str> {
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect()
}

async fn seed(deps: &shared::Deps<MemoryStore>) {
    let records = [
        ("parks", "A", "public", json!(["trees"])),
        ("parks", "B", "internal", json!([])),
        ("parks", "C", "confidential", json!(["trees"])),
        ("parks", "D", "public", json!([])),
        ("zoning", "Z", "public", json!(["trees"])),
    ];
    for (i, (agency, title, classification, tags)) in records.into_iter().enumerate() {
        let body = json!({"title": title, "classification": classification, "tags": tags});
        seed_record(
            &deps.store,
            agency,
            &body,
            TEST_NOW.plus_millis(i as i64 * 1000),
        )
        .await;
    }
}

#[tokio::test]
async fn lists_the_agency_newest_first_hiding_confidential_from_clerks() {
    let deps = deps(MemoryStore::new());
    seed(&deps).await;
    let clerk = list(&deps, "parks", &["clerk"], "").await;
    assert_eq!(clerk.status, 200);
    assert_eq!(titles(&clerk), ["D", "B", "A"]);
    assert_eq!(clerk.body["next_cursor"], Value::Null);
    assert_eq!(
        titles(&list(&deps, "parks", &["auditor"], "").await),
        ["D", "C", "B", "A"]
    );
    assert_eq!(titles(&list(&deps, "zoning", &["reader"], "").await), ["Z"]);
}

#[tokio::test]
async fn filters_combine() {
    let deps = deps(MemoryStore::new());
    seed(&deps).await;
    assert_eq!(
        titles(&list(&deps, "parks", &["officer"], "tag=trees").await),
        ["C", "A"]
    );
    assert_eq!(
        titles(&list(&deps, "parks", &["clerk"], "tag=trees").await),
        ["A"]
    );
    assert_eq!(
        titles(&list(&deps, "parks", &["clerk"], "classification=confidential").await),
        Vec::<&str>::new()
    );
    assert_eq!(
        titles(
            &list(
                &deps,
                "parks",
                &["clerk"],
                "classification=public&status=draft"
            )
            .await
        ),
        ["D", "A"]
    );
    assert_eq!(
        titles(&list(&deps, "parks", &["clerk"], "status=published").await),
        Vec::<&str>::new()
    );
}

#[tokio::test]
async fn pages_with_a_cursor_bound_to_agency_and_filters() {
    let deps = deps(MemoryStore::new());
    seed(&deps).await;
    let first = list(&deps, "parks", &["officer"], "limit=3").await;
    assert_eq!(titles(&first), ["D", "C", "B"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = list(
        &deps,
        "parks",
        &["officer"],
        &format!("limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(titles(&second), ["A"]);
    assert_eq!(second.body["next_cursor"], Value::Null);

    for (agency, query) in [
        ("zoning", format!("cursor={cursor}")),
        ("parks", format!("cursor={cursor}&tag=trees")),
        ("parks", format!("cursor={}x", &cursor)),
        ("parks", "cursor=eyJ1IjowLCJpIjoiMDEifQ.AAAA".to_owned()),
    ] {
        let response = list(&deps, agency, &["officer"], &query).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{agency} {query}"
        );
    }
    // A clerk's view is another query: an officer's cursor does not work for it.
    let response = list(
        &deps,
        "parks",
        &["clerk"],
        &format!("limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn bad_parameters_are_400() {
    let deps = deps(MemoryStore::new());
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "status=gone",
        "classification=secret",
        "unknown=1",
        "limit=-1",
    ] {
        let response = list(&deps, "parks", &["reader"], query).await;
        assert_eq!(
            (response.status, response.problem_kind()),
            (400, "validation"),
            "{query}"
        );
    }
    assert_eq!(
        list(&deps, "parks", &["reader"], "limit=100").await.status,
        200
    );
    assert_eq!(list(&deps, "parks", &[], "").await.status, 403);
}
