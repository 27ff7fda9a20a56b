use serde_json::{Value, json};
use shared::model::Status;
use shared::testing::{
    TEST_NOW, call_public, event, index_everything, search_deps, seed_profile, seed_published,
    seed_record, seed_update, token,
};

use super::handle;

fn search(agency: &str, query: &str) -> shared::http::GatewayEvent {
    event("GET", "/public/agencies/{agency}/search")
        .param("agency", agency)
        .query(query)
}

fn ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["record"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn finds_only_publicly_visible_records_in_the_public_view() {
    let (deps, blobs) = search_deps();
    seed_profile(&deps.store, "parks", "Parks").await;
    seed_profile(&deps.store, "roads", "Roads").await;
    let visible = seed_published(&deps.store, "parks", "public").await;
    seed_published(&deps.store, "parks", "internal").await;
    seed_published(&deps.store, "parks", "confidential").await;
    seed_published(&deps.store, "roads", "public").await;
    let draft = json!({"title": "T", "classification": "public"});
    seed_record(&deps.store, "parks", &draft, TEST_NOW).await;
    index_everything(&deps, &blobs).await;

    let found = call_public(&deps, handle, &search("parks", "q=t")).await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(ids(&found.body), [visible.record.id.to_string()]);
    let hit = &found.body["items"][0]["record"];
    assert!(
        hit.get("created_by").is_none() && hit.get("version").is_none(),
        "{hit}"
    );
    assert!(hit["documents"].is_array());
    assert_eq!(found.headers["cache-control"], "public, max-age=60");
    let etag = found.headers["etag"].to_str().unwrap();
    let again = call_public(
        &deps,
        handle,
        &search("parks", "q=t").header("if-none-match", etag),
    )
    .await;
    assert_eq!(again.status, 304);
    // A token is ignored: still the public view only.
    let with_token = search("parks", "q=t").bearer(&token("olga", "parks", &["officer"], TEST_NOW));
    assert_eq!(
        ids(&call_public(&deps, handle, &with_token).await.body),
        ids(&found.body)
    );
}

#[tokio::test]
async fn an_unpublished_record_leaves_the_public_index() {
    let (deps, blobs) = search_deps();
    seed_profile(&deps.store, "parks", "Parks").await;
    let visible = seed_published(&deps.store, "parks", "public").await;
    index_everything(&deps, &blobs).await;
    assert_eq!(
        call_public(&deps, handle, &search("parks", "q=t"))
            .await
            .body["total"],
        1
    );
    seed_update(
        &deps.store,
        &visible,
        "olga",
        TEST_NOW.plus_millis(5),
        |r| r.status = Status::Draft,
    )
    .await;
    index_everything(&deps, &blobs).await;
    assert_eq!(
        call_public(&deps, handle, &search("parks", "q=t"))
            .await
            .body["total"],
        0
    );
}

#[tokio::test]
async fn unknown_agencies_and_bad_queries() {
    let (deps, _blobs) = search_deps();
    seed_profile(&deps.store, "parks", "Parks").await;
    let missing = call_public(&deps, handle, &search("nobody", "q=t")).await;
    assert_eq!(
        (
            missing.status,
            missing.headers["cache-control"].to_str().unwrap()
        ),
        (404, "public, max-age=10")
    );
    let bad = call_public(&deps, handle, &search("parks", "q=tag:")).await;
    assert_eq!(bad.status, 400);
    let staff_filter = call_public(
        &deps,
        handle,
        &search("parks", "q=t&classification=internal"),
    )
    .await;
    assert_eq!(staff_filter.status, 400);
    let empty = call_public(&deps, handle, &search("parks", "q=t")).await;
    assert_eq!((empty.status, empty.body["total"].clone()), (200, json!(0)));
}
