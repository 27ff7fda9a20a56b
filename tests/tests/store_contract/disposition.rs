//! The disposition store's part of the contract: lists, decisions, destructions.

use shared::clock::Date;
use shared::model::{
    Decision, DisposalAction, DispositionItem, DispositionListId, ItemState, Refusal,
};

use super::*;

fn month(text: &str) -> DispositionListId {
    DispositionListId::parse(text).unwrap()
}

/// An archived record of `agency_name`, written, and its item on `list` (not written).
async fn due<S: Store>(
    store: &S,
    agency_name: &str,
    list: &str,
) -> (StoredRecord, DispositionItem) {
    let created = create(
        store,
        agency_name,
        json!({"title": "Permit 7", "classification": "internal"}),
        TEST_NOW,
    )
    .await;
    let mut archived = created.record.clone();
    archived.status = Status::Archived;
    let (record, entry) = created.revise(archived, TEST_NOW, "olga").unwrap();
    store.update_if_version(&record, 1, &entry).await.unwrap();
    let item = DispositionItem::listed(
        &month(list),
        &record.record,
        DisposalAction::Destroy,
        Date::parse("2026-01-31").unwrap(),
        Some("olga".into()),
        TEST_NOW,
    );
    (record, item)
}

fn verdict(approve: bool) -> Decision {
    Decision {
        approve,
        reason: "GS-7".into(),
    }
}

pub(super) async fn records_are_listed_once_per_list_and_counted<S: Store>(store: S) {
    let parks = agency("parks");
    let (_, first) = due(&store, "parks", "2026-11").await;
    let (_, second) = due(&store, "parks", "2026-12").await;
    let (_, third) = due(&store, "parks", "2026-12").await;
    let (_, theirs) = due(&store, "roads", "2026-12").await;
    for item in [&first, &second, &third, &theirs] {
        assert!(store.add_disposition_item(item).await.unwrap());
    }
    assert!(
        !store.add_disposition_item(&second).await.unwrap(),
        "a record is on a list once"
    );
    let lists = store.list_dispositions(&parks).await.unwrap();
    let seen: Vec<_> = lists.iter().map(|l| (l.id.as_str(), l.items)).collect();
    assert_eq!(
        seen,
        [("2026-12", 2), ("2026-11", 1)],
        "newest first, counted"
    );
    assert_eq!(lists[0].opened_at, TEST_NOW);
    let december = month("2026-12");
    assert_eq!(
        store.get_disposition(&parks, &december).await.unwrap(),
        Some(lists[0].clone())
    );
    assert_eq!(
        store
            .get_disposition(&parks, &month("2026-10"))
            .await
            .unwrap(),
        None
    );

    let page = store
        .disposition_items(&parks, &december, 1, None)
        .await
        .unwrap();
    let rest = store
        .disposition_items(&parks, &december, 1, page.next.as_ref())
        .await
        .unwrap();
    let mut expected = vec![second.record.clone(), third.record.clone()];
    expected.sort();
    let listed: Vec<_> = page
        .items
        .iter()
        .chain(&rest.items)
        .map(|i| i.record.clone())
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(rest.next, None);
    assert_eq!(
        store
            .get_disposition_item(&parks, &december, &second.record)
            .await
            .unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store
            .get_disposition_item(&parks, &december, &theirs.record)
            .await
            .unwrap(),
        None,
        "another agency's item is not there"
    );
    let roads = store.list_dispositions(&agency("roads")).await.unwrap();
    assert_eq!(roads.len(), 1);
}

pub(super) async fn one_decision_lands_with_its_link_on_the_record_chain<S: Store>(store: S) {
    let (record, item) = due(&store, "parks", "2026-12").await;
    store.add_disposition_item(&item).await.unwrap();
    let later = Timestamp::from_millis(TEST_NOW.as_millis() + 1);
    let (approved, approving, approve) =
        item.decide(&record, &verdict(true), later, "otto").unwrap();
    let (excluded, excluding, exclude) = item
        .decide(&record, &verdict(false), later, "ines")
        .unwrap();
    store
        .decide_disposition(&approved, &approving, &approve)
        .await
        .unwrap();
    assert_eq!(
        store
            .decide_disposition(&excluded, &excluding, &exclude)
            .await,
        Err(StoreError::ConditionFailed),
        "the second decision from one read loses"
    );
    let (agency, id) = (&item.agency, &item.record);
    let stored = store
        .get_disposition_item(agency, &item.list, id)
        .await
        .unwrap();
    assert_eq!(stored, Some(approved.clone()));
    let now = store.get_record(agency, id).await.unwrap().unwrap();
    assert_eq!(now.record, record.record, "a decision changes no content");
    assert_eq!(now.head, approve.head());
    let history = store.history(agency, id, 10, None).await.unwrap().items;
    assert_eq!(
        history.last().map(|e| e.action),
        Some(AuditAction::DispositionApprove)
    );
    assert!(verify_chain(&history).is_ok());
    assert_eq!(
        approved
            .decide(&now, &verdict(false), later, "ines")
            .unwrap_err(),
        Refusal::AlreadyDecided(ItemState::Approved)
    );
    assert_eq!(
        store.update_disposition_item(&item.stop("stale")).await,
        Err(StoreError::ConditionFailed),
        "an item changes only from the version stored"
    );
    let waiting = approved.wait_until(later);
    store.update_disposition_item(&waiting).await.unwrap();
    assert_eq!(
        store
            .get_disposition_item(agency, &item.list, id)
            .await
            .unwrap(),
        Some(waiting)
    );
}

pub(super) async fn a_destruction_leaves_a_tombstone_and_the_chain_at_the_version_approved<
    S: Store,
>(
    store: S,
) {
    let (record, item) = due(&store, "parks", "2026-12").await;
    let (agency, id) = (record.record.agency.clone(), record.record.id.clone());
    store.add_disposition_item(&item).await.unwrap();
    let document = pdf_document(&record);
    let (record, attach) = announced(&record, &document);
    store
        .add_document(&record, &document, &attach)
        .await
        .unwrap();
    let at = Timestamp::from_millis(TEST_NOW.as_millis() + 1);
    let (approved, record, approve) = item.decide(&record, &verdict(true), at, "otto").unwrap();
    store
        .decide_disposition(&approved, &record, &approve)
        .await
        .unwrap();
    assert_eq!(
        store.forget_documents(&agency, &id).await,
        Err(StoreError::ConditionFailed),
        "documents stay while the record does"
    );

    // An edit lands after the approval: the destruction written from before it fails.
    let stale = approved.destroy(&record, at);
    let (edited, edit) = retitled(&record, "Permit 7 (amended)", at);
    store
        .update_if_version(&edited, record.record.version, &edit)
        .await
        .unwrap();
    assert_eq!(
        store.destroy_record(&stale, record.record.version).await,
        Err(StoreError::ConditionFailed)
    );
    assert!(store.get_record(&agency, &id).await.unwrap().is_some());
    assert_eq!(store.get_tombstone(&agency, &id).await.unwrap(), None);

    let destruction = approved.destroy(&edited, at);
    store
        .destroy_record(&destruction, edited.record.version)
        .await
        .unwrap();
    assert_eq!(store.get_record(&agency, &id).await.unwrap(), None);
    assert_eq!(
        store.get_tombstone(&agency, &id).await.unwrap(),
        Some(destruction.tombstone.clone())
    );
    assert_eq!(destruction.tombstone.content_hash, edit.hash);
    let history = store.history(&agency, &id, 10, None).await.unwrap().items;
    assert_eq!(history.last(), Some(&destruction.entry));
    assert!(
        verify_chain(&history).is_ok(),
        "the chain outlives the content"
    );
    let item = store
        .get_disposition_item(&agency, &item.list, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.state, ItemState::Destroyed);
    assert!(
        store
            .chain_heads()
            .await
            .unwrap()
            .get(&agency)
            .is_none_or(|heads| heads.iter().all(|h| h.record != id)),
        "a destroyed record has no live head"
    );
    assert_eq!(
        store
            .destroy_record(&destruction, edited.record.version)
            .await,
        Err(StoreError::ConditionFailed),
        "once"
    );

    assert_eq!(store.forget_documents(&agency, &id).await, Ok(1));
    assert_eq!(
        store.forget_documents(&agency, &id).await,
        Ok(0),
        "idempotent"
    );
    let left = store.list_documents(&agency, &id, 10, None).await.unwrap();
    assert!(left.items.is_empty());
}
