use shared::blob::FileBlobs;
use shared::clock::Clock;
use shared::model::DestructionOrder;
use shared::store::{MemoryStore, RecordStore};
use shared::testing::{
    TEST_NOW, call, deps, event, seed_decision, seed_due_item, test_list, token,
};

use super::handle;

fn read(list: &str, agency: &str, role: &str) -> shared::http::GatewayEvent {
    event("GET", "/disposition/lists/{id}/certificate")
        .param("id", list)
        .bearer(&token("u", agency, &[role], TEST_NOW))
}

#[tokio::test]
async fn the_certificate_names_every_destroyed_record_and_counts_the_rest() {
    let deps = deps(MemoryStore::new());
    let (record, item) = seed_due_item(&deps.store, "parks", "internal").await;
    let (_, approved) = seed_decision(&deps.store, &record, &item, true, "otto").await;
    let (other, pending) = seed_due_item(&deps.store, "parks", "internal").await;
    destroy(&deps.store, &approved).await;
    let list = test_list();
    let response = call(&deps, handle, &read(list.as_str(), "parks", "auditor")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.header("content-disposition"),
        Some(
            format!("attachment; filename=\"destruction-certificate-parks-{list}.json\"").as_str()
        )
    );
    let body = &response.body;
    assert_eq!(
        (body["list"].as_str(), body["not_destroyed"].as_u64()),
        (Some(list.as_str()), Some(1))
    );
    let destroyed = body["destroyed"].as_array().unwrap();
    assert_eq!(destroyed.len(), 1);
    assert_eq!(destroyed[0]["id"], item.record.as_str());
    assert_eq!(destroyed[0]["approved_by"], "otto");
    assert_eq!(destroyed[0]["reason"], "Schedule met");
    assert!(destroyed[0]["destroyed_at"].is_string());
    assert!(
        deps.store
            .get_record(&other.record.agency, &pending.record)
            .await
            .unwrap()
            .is_some()
    );

    assert_eq!(
        call(&deps, handle, &read(list.as_str(), "water", "officer"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&deps, handle, &read(list.as_str(), "parks", "clerk"))
            .await
            .status,
        403
    );
}

/// Destroys `item`'s record the way the destruction worker does.
async fn destroy(store: &MemoryStore, item: &shared::model::DispositionItem) {
    let destroyer = destroy_records::Destroyer {
        store: store.clone(),
        blobs: FileBlobs::new(
            std::env::temp_dir().join("dossier-certificate"),
            "http://127.0.0.1:3000",
            b"test-blob-secret",
        ),
        clock: Clock::fixed(TEST_NOW),
    };
    let outcome = destroy_records::carry_out(&DestructionOrder::of(item), &destroyer).await;
    assert_eq!(outcome, Ok(destroy_records::Outcome::Destroyed));
}
