//! A property over random histories of records: whatever mix of creates, publications,
//! archivings, reclassifications, retaggings and deletions happened, the public listing
//! of an agency holds exactly its publicly visible records, most recently published first,
//! and never another agency's. Held on every adapter (DynamoDB on moto, with fewer cases).

use dossier_tests::{create_table, dynamo, unique_name};
use proptest::prelude::*;
use serde_json::json;
use shared::model::{
    AgencyId, AuditAction, AuditEntry, Classification, NewRecord, RecordId, Status, StoredRecord,
    is_publicly_visible, publication_time,
};
use shared::store::{DynamoStore, EmbeddedStore, MemoryStore, PublicFilter, Store};
use shared::testing::TEST_NOW;

const AGENCIES: [&str; 2] = ["parks", "zoning"];

/// One thing that happens to the records, by index into those created so far.
#[derive(Clone, Debug)]
enum Op {
    Create {
        agency: usize,
        classification: usize,
    },
    Move {
        record: usize,
        status: usize,
    },
    Reclassify {
        record: usize,
        classification: usize,
    },
    Retag {
        record: usize,
        tagged: bool,
    },
    Delete {
        record: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..AGENCIES.len(), 0..3usize).prop_map(|(agency, classification)| Op::Create { agency, classification }),
        3 => (0..12usize, 0..3usize).prop_map(|(record, status)| Op::Move { record, status }),
        1 => (0..12usize, 0..3usize).prop_map(|(record, classification)| Op::Reclassify { record, classification }),
        1 => (0..12usize, any::<bool>()).prop_map(|(record, tagged)| Op::Retag { record, tagged }),
        1 => (0..12usize).prop_map(|record| Op::Delete { record }),
    ]
}

/// Runs `ops` through `store` as the routes would write them (refused moves are skipped),
/// and returns the records that still exist.
async fn apply<S: Store>(store: &S, ops: &[Op]) -> Vec<StoredRecord> {
    let mut records: Vec<Option<StoredRecord>> = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        let at = TEST_NOW.plus_millis(1000 * step as i64);
        let change = |current: &StoredRecord, edit: &dyn Fn(&mut shared::model::Record)| {
            let mut next = current.record.clone();
            edit(&mut next);
            current.revise(next, at, "olga")
        };
        match *op {
            Op::Create {
                agency,
                classification,
            } => {
                let body = json!({"title": format!("R{step}"),
                                  "classification": Classification::ALL[classification].as_str()});
                let record = NewRecord::from_json(&body).unwrap().into_record(
                    RecordId::generate(at),
                    AgencyId::parse(AGENCIES[agency]).unwrap(),
                    "clara",
                    at,
                );
                let (stored, entry) = StoredRecord::create(record);
                store.create_record(&stored, &entry, None).await.unwrap();
                records.push(Some(stored));
            }
            Op::Delete { record } => {
                let Some(Some(current)) = records.get(record).cloned() else {
                    continue;
                };
                let entry = AuditEntry::next(
                    &current.head,
                    at,
                    "olga",
                    AuditAction::Delete,
                    Default::default(),
                );
                let (agency, id) = (&current.record.agency, &current.record.id);
                store
                    .delete_if_version(agency, id, current.record.version, &entry)
                    .await
                    .unwrap();
                records[record] = None;
            }
            ref op => {
                let Some(Some(current)) = records.get(op_record(op)).cloned() else {
                    continue;
                };
                let revised = match *op {
                    Op::Move { status, .. } => {
                        let status = Status::ALL[status];
                        if !current.record.status.can_move_to(status) {
                            continue;
                        }
                        change(&current, &|r| r.status = status)
                    }
                    Op::Reclassify { classification, .. } => change(&current, &|r| {
                        r.classification = Classification::ALL[classification]
                    }),
                    Op::Retag { tagged, .. } => change(&current, &|r| {
                        r.tags = if tagged {
                            vec!["trees".to_owned()]
                        } else {
                            Vec::new()
                        }
                    }),
                    _ => unreachable!("creates and deletes are handled above"),
                };
                let Some((next, entry)) = revised else {
                    continue;
                };
                store
                    .update_if_version(&next, current.record.version, &entry)
                    .await
                    .unwrap();
                records[op_record(op)] = Some(next);
            }
        }
    }
    records.into_iter().flatten().collect()
}

fn op_record(op: &Op) -> usize {
    match *op {
        Op::Move { record, .. }
        | Op::Reclassify { record, .. }
        | Op::Retag { record, .. }
        | Op::Delete { record } => record,
        Op::Create { .. } => usize::MAX,
    }
}

/// Every page of the public listing of `agency` with `filter`, three at a time.
async fn listed<S: Store>(store: &S, agency: &AgencyId, filter: &PublicFilter) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_public_records(agency, filter, 3, after.as_ref())
            .await
            .unwrap();
        ids.extend(page.items.iter().map(|r| r.id.to_string()));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

async fn holds<S: Store>(store: S, ops: Vec<Op>) {
    let live = apply(&store, &ops).await;
    for name in AGENCIES {
        let agency = AgencyId::parse(name).unwrap();
        for filter in [
            PublicFilter::default(),
            PublicFilter {
                tag: Some("trees".into()),
                ..PublicFilter::default()
            },
        ] {
            let mut expected: Vec<&StoredRecord> = live
                .iter()
                .filter(|s| s.record.agency == agency && is_publicly_visible(&s.record))
                .filter(|s| {
                    filter
                        .tag
                        .as_ref()
                        .is_none_or(|t| s.record.tags.contains(t))
                })
                .collect();
            expected.sort_by_key(|s| {
                std::cmp::Reverse((
                    publication_time(&s.record).as_millis(),
                    s.record.id.to_string(),
                ))
            });
            let expected: Vec<String> = expected.iter().map(|s| s.record.id.to_string()).collect();
            assert_eq!(
                listed(&store, &agency, &filter).await,
                expected,
                "{name} {filter:?} after {ops:?}"
            );
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_memory_store_lists_exactly_the_public_records(ops in prop::collection::vec(op(), 1..40)) {
        runtime().block_on(holds(MemoryStore::new(), ops));
    }

    #[test]
    fn the_embedded_store_lists_exactly_the_public_records(ops in prop::collection::vec(op(), 1..40)) {
        let path = std::env::temp_dir().join(unique_name("dossier-public")).join("dossier.redb");
        runtime().block_on(holds(EmbeddedStore::open(&path).unwrap(), ops));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}

proptest! {
    #![proptest_config(config(6))]

    #[test]
    fn dynamodb_lists_exactly_the_public_records(ops in prop::collection::vec(op(), 1..30)) {
        runtime().block_on(async {
            let client = dynamo();
            let table = create_table(&client).await;
            holds(DynamoStore::new(client, table), ops).await;
        });
    }
}
