use shared::store::MemoryStore;
use shared::testing::{TEST_NOW, call, deps, event, seed_due_item, test_list, token};

use super::handle;

fn read(list: &str, agency: &str, role: &str) -> shared::http::GatewayEvent {
    event("GET", "/disposition/lists/{id}")
        .param("id", list)
        .bearer(&token("u", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn a_list_pages_through_its_records_for_officers_and_auditors() {
    let deps = deps(MemoryStore::new());
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            seed_due_item(&deps.store, "parks", "internal")
                .await
                .0
                .record
                .id,
        );
    }
    ids.sort();
    let list = test_list();
    let first = call(
        &deps,
        handle,
        &read(list.as_str(), "parks", "auditor").query("limit=2"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["list"]["items"], 3);
    let page: Vec<_> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["record"].clone())
        .collect();
    assert_eq!(page, [ids[0].as_str(), ids[1].as_str()]);
    assert_eq!(first.body["items"][0]["state"], "pending");
    assert_eq!(first.body["items"][0]["schedule_set_by"], "olga");
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = call(
        &deps,
        handle,
        &read(list.as_str(), "parks", "officer").query(&format!("limit=2&cursor={cursor}")),
    )
    .await;
    assert_eq!(rest.body["items"][0]["record"], ids[2].as_str());
    assert!(rest.body["next_cursor"].is_null());
}

#[tokio::test]
async fn another_agencys_or_a_missing_list_is_404_and_clerks_are_403() {
    let deps = deps(MemoryStore::new());
    seed_due_item(&deps.store, "parks", "internal").await;
    let list = test_list();
    assert_eq!(
        call(&deps, handle, &read(list.as_str(), "water", "officer"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&deps, handle, &read("2019-01", "parks", "officer"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&deps, handle, &read("december", "parks", "officer"))
            .await
            .status,
        400
    );
    assert_eq!(
        call(&deps, handle, &read(list.as_str(), "parks", "clerk"))
            .await
            .status,
        403
    );
}
