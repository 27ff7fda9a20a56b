//! A property over random histories of records: whatever mix of creates, publications,
//! archivings, reclassifications, retaggings and deletions happened, the public listing
//! of an agency holds exactly its publicly visible records, most recently published first,
//! and never another agency's. Held on every adapter (DynamoDB on moto, with fewer cases).
//! And the same histories, indexed for search: the public index finds exactly the publicly
//! visible records, a clerk's search exactly those that are not confidential.

use dossier_tests::{create_table, dynamo, unique_name};
use proptest::prelude::*;
use serde_json::json;
use shared::model::Record;
use shared::model::{
    AgencyId, AuditAction, AuditEntry, Classification, NewRecord, RecordId, Status, StoredRecord,
    is_publicly_visible, publication_time,
};
use shared::search::indexer::changes_for;
use shared::search::{Filters, RecordIndex, SearchQuery};
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

/// The records a history has made so far, by creation order (`None` once deleted).
#[derive(Default)]
struct History {
    records: Vec<Option<StoredRecord>>,
    /// Every record ever created, deleted ones too.
    created: Vec<(AgencyId, RecordId)>,
}

impl History {
    /// Runs `op`, the `step`th, through `store` as the routes would write it (a refused
    /// move is skipped).
    async fn step<S: Store>(&mut self, store: &S, step: usize, op: &Op) {
        let records = &mut self.records;
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
                let body = json!({"title": format!("R{step} permit"),
                                  "classification": Classification::ALL[classification].as_str()});
                let record = NewRecord::from_json(&body).unwrap().into_record(
                    RecordId::generate(at),
                    AgencyId::parse(AGENCIES[agency]).unwrap(),
                    "clara",
                    at,
                );
                let (stored, entry) = StoredRecord::create(record);
                store.create_record(&stored, &entry, None).await.unwrap();
                self.created
                    .push((stored.record.agency.clone(), stored.record.id.clone()));
                records.push(Some(stored));
            }
            Op::Delete { record } => {
                let Some(Some(current)) = records.get(record).cloned() else {
                    return;
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
                    return;
                };
                let revised = match *op {
                    Op::Move { status, .. } => {
                        let status = Status::ALL[status];
                        if !current.record.status.can_move_to(status) {
                            return;
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
                    return;
                };
                store
                    .update_if_version(&next, current.record.version, &entry)
                    .await
                    .unwrap();
                records[op_record(op)] = Some(next);
            }
        }
    }

    /// The records that still exist.
    fn live(&self) -> Vec<StoredRecord> {
        self.records.iter().flatten().cloned().collect()
    }
}

/// Runs `ops` through `store` and returns the records that still exist.
async fn apply<S: Store>(store: &S, ops: &[Op]) -> Vec<StoredRecord> {
    let mut history = History::default();
    for (step, op) in ops.iter().enumerate() {
        history.step(store, step, op).await;
    }
    history.live()
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

/// The search property: indexing every record ever created, a few times along the way (so
/// that updates and removals meet indexes that already hold the records), leaves each
/// agency's public index with exactly its publicly visible records and a clerk's search
/// with exactly its records that are not confidential, never another agency's.
async fn search_holds(ops: Vec<Op>) {
    let store = MemoryStore::new();
    let blobs = shared::blob::FileBlobs::new(
        std::env::temp_dir().join(unique_name("no-blobs")),
        "http://127.0.0.1",
        b"unused-secret",
    );
    let indexes: Vec<(AgencyId, [RecordIndex; 2])> = AGENCIES
        .iter()
        .map(|name| {
            let agency = AgencyId::parse(name).unwrap();
            (
                agency,
                [
                    RecordIndex::in_memory().unwrap(),
                    RecordIndex::in_memory().unwrap(),
                ],
            )
        })
        .collect();
    let mut history = History::default();
    for (step, op) in ops.iter().enumerate() {
        history.step(&store, step, op).await;
        if step % 10 == 9 || step + 1 == ops.len() {
            for (agency, [staff, public]) in &indexes {
                let ids: Vec<RecordId> = history
                    .created
                    .iter()
                    .filter(|(of, _)| of == agency)
                    .map(|(_, id)| id.clone())
                    .collect();
                let changes = changes_for(&store, &blobs, agency, &ids).await.unwrap();
                staff.apply(&changes.staff, None).unwrap();
                public.apply(&changes.public, None).unwrap();
            }
        }
    }
    let live = history.live();
    let everything = SearchQuery::parse("").unwrap();
    let word = SearchQuery::parse("permit").unwrap();
    let clerk = Filters {
        hide_confidential: true,
        ..Filters::default()
    };
    for (agency, [staff, public]) in &indexes {
        let expect = |keep: &dyn Fn(&Record) -> bool| {
            let mut ids: Vec<String> = live
                .iter()
                .map(|s| &s.record)
                .filter(|r| &r.agency == agency && keep(r))
                .map(|r| r.id.to_string())
                .collect();
            ids.sort();
            ids
        };
        let found = |index: &RecordIndex, query: &SearchQuery, filters: &Filters| {
            let results = index.search(query, filters, 0, 100).unwrap();
            let mut ids: Vec<String> = results
                .items
                .iter()
                .map(|hit| hit.record["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            assert_eq!(ids.len(), results.total);
            ids
        };
        let visible = expect(&is_publicly_visible);
        assert_eq!(
            found(public, &everything, &Filters::default()),
            visible,
            "public {agency} after {ops:?}"
        );
        assert_eq!(found(public, &word, &Filters::default()), visible);
        let not_confidential = expect(&|r| r.classification != Classification::Confidential);
        assert_eq!(
            found(staff, &everything, &clerk),
            not_confidential,
            "clerk {agency} after {ops:?}"
        );
        assert_eq!(found(staff, &word, &clerk), not_confidential);
        assert_eq!(
            found(staff, &everything, &Filters::default()),
            expect(&|_| true)
        );
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
    #![proptest_config(config(32))]

    #[test]
    fn search_never_finds_what_its_reader_may_not_see(ops in prop::collection::vec(op(), 1..40)) {
        runtime().block_on(search_holds(ops));
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
