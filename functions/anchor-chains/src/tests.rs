use std::collections::BTreeMap;

use shared::anchor::archive::{AnchorArchive, ArchiveError, Archived, FileAnchors};
use shared::anchor::signer::LocalSigner;
use shared::anchor::{Anchor, AnchoredHeads, RecordHead};
use shared::clock::{Clock, Timestamp};
use shared::model::AgencyId;
use shared::store::{ChainHeads, MemoryStore, StoreError};
use shared::testing::{TEST_NOW, seed_plain_record, seed_update};

use super::*;

fn agency(name: &str) -> AgencyId {
    AgencyId::parse(name).unwrap()
}

/// A fresh folder for `test`'s anchors.
fn folder(test: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("dossier-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    path
}

async fn latest<A: AnchorArchive>(archive: &A, name: &str) -> Archived {
    archive
        .latest(&agency(name))
        .await
        .unwrap()
        .expect("an anchor")
}

#[tokio::test]
async fn each_agency_is_anchored_when_its_heads_change_and_only_then() {
    let store = MemoryStore::new();
    let parks = seed_plain_record(&store, "parks", "public").await;
    seed_plain_record(&store, "parks", "confidential").await;
    seed_plain_record(&store, "zoning", "internal").await;
    let root = folder("anchored-on-change");
    let anchoring = Anchoring {
        store,
        signer: LocalSigner::generate().unwrap(),
        archive: FileAnchors::new(&root),
        clock: Clock::fixed(TEST_NOW),
    };
    let public = anchoring.signer.public_key().unwrap();

    let first = anchor_all(&anchoring).await.unwrap();
    assert_eq!((first.agencies, first.anchored, first.unchanged), (2, 2, 0));
    let anchored = latest(&anchoring.archive, "parks").await;
    assert_eq!(anchored.anchor.heads_count, 2);
    assert_eq!(anchored.anchor.at, TEST_NOW);
    assert_eq!(anchored.anchor.verify(&anchored.heads, &public), Ok(()));
    let expected = anchoring.store.chain_heads().await.unwrap()[&agency("parks")].clone();
    assert_eq!(anchored.heads.heads, expected);

    anchoring.clock.advance(3_600_000);
    let again = anchor_all(&anchoring).await.unwrap();
    assert_eq!((again.anchored, again.unchanged), (0, 2));
    assert_eq!(
        latest(&anchoring.archive, "parks").await.anchor.at,
        TEST_NOW
    );

    seed_update(&anchoring.store, &parks, "bob", TEST_NOW, |r| {
        r.title = "edited".into()
    })
    .await;
    anchoring.clock.advance(3_600_000);
    let after = anchor_all(&anchoring).await.unwrap();
    assert_eq!((after.anchored, after.unchanged), (1, 1));
    let newer = latest(&anchoring.archive, "parks").await;
    assert_eq!(newer.anchor.at, TEST_NOW.plus_millis(7_200_000));
    assert_ne!(newer.anchor.root, anchored.anchor.root);
    assert_eq!(newer.anchor.verify(&newer.heads, &public), Ok(()));
    assert_eq!(
        latest(&anchoring.archive, "zoning").await.anchor.at,
        TEST_NOW
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// An archive that refuses one agency's anchors.
struct Refusing {
    inner: FileAnchors,
    refused: AgencyId,
}

impl AnchorArchive for Refusing {
    async fn put(&self, anchor: &Anchor, heads: &AnchoredHeads) -> Result<(), ArchiveError> {
        if anchor.agency == self.refused {
            return Err(ArchiveError::Backend("AccessDenied".into()));
        }
        self.inner.put(anchor, heads).await
    }

    async fn latest(&self, agency: &AgencyId) -> Result<Option<Archived>, ArchiveError> {
        self.inner.latest(agency).await
    }
}

#[tokio::test]
async fn one_agency_failing_fails_the_run_but_not_the_others() {
    let store = MemoryStore::new();
    seed_plain_record(&store, "parks", "public").await;
    seed_plain_record(&store, "zoning", "public").await;
    let root = folder("one-agency-failing");
    let anchoring = Anchoring {
        store,
        signer: LocalSigner::generate().unwrap(),
        archive: Refusing {
            inner: FileAnchors::new(&root),
            refused: agency("parks"),
        },
        clock: Clock::fixed(TEST_NOW),
    };
    let failed = anchor_all(&anchoring).await.unwrap_err();
    assert_eq!((failed.summary.agencies, failed.summary.anchored), (2, 1));
    assert_eq!(failed.failures.len(), 1);
    assert!(
        failed
            .to_string()
            .contains("parks: anchor archive: AccessDenied"),
        "{failed}"
    );
    assert_eq!(anchoring.archive.latest(&agency("parks")).await, Ok(None));
    assert!(
        anchoring
            .archive
            .latest(&agency("zoning"))
            .await
            .unwrap()
            .is_some()
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A store whose heads cannot be read.
struct Down;

impl ChainHeads for Down {
    async fn chain_heads(&self) -> Result<BTreeMap<AgencyId, Vec<RecordHead>>, StoreError> {
        Err(StoreError::Unavailable("throttled".into()))
    }
}

#[tokio::test]
async fn a_store_that_cannot_be_read_fails_the_run_and_writes_nothing() {
    let root = folder("store-down");
    let anchoring = Anchoring {
        store: Down,
        signer: LocalSigner::generate().unwrap(),
        archive: FileAnchors::new(&root),
        clock: Clock::fixed(Timestamp::from_millis(0)),
    };
    let failed = anchor_all(&anchoring).await.unwrap_err();
    assert_eq!(failed.summary, Summary::default());
    assert!(failed.failures[0].contains("throttled"));
    assert!(!root.exists());
}
