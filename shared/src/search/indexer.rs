//! From records that changed in a store to the changes of both of their agency's indexes.
//!
//! An indexer never trusts the order or the content of change events: it reads each
//! record's current state and writes that (or removes it), so replays, duplicates and
//! events out of order all converge on the store's state.

use std::collections::{BTreeMap, HashMap};

use super::SearchError;
use super::entry::{Audience, Entry};
use super::extract::document_text;
use super::folder::FolderIndexes;
use super::index::Change;
use crate::blob::BlobStore;
use crate::model::{AgencyId, Document, DocumentStatus, RecordId};
use crate::store::{ChainHeads, DocumentStore, RecordStore, all_documents};

/// The changes for one agency's two indexes.
#[derive(Debug, Default)]
pub struct AgencyChanges {
    /// For the staff index.
    pub staff: Vec<Change>,
    /// For the public index.
    pub public: Vec<Change>,
}

impl AgencyChanges {
    /// The changes for `audience`.
    pub fn for_audience(&self, audience: Audience) -> &[Change] {
        match audience {
            Audience::Staff => &self.staff,
            Audience::Public => &self.public,
        }
    }
}

/// The current state of records `ids` of `agency`, as changes to its indexes, with the text
/// of their available documents read from `blobs`.
pub async fn changes_for<S, B>(
    store: &S,
    blobs: &B,
    agency: &AgencyId,
    ids: &[RecordId],
) -> Result<AgencyChanges, SearchError>
where
    S: RecordStore + DocumentStore,
    B: BlobStore,
{
    let mut changes = AgencyChanges::default();
    for id in ids {
        let Some(stored) = store.get_record(agency, id).await? else {
            changes.staff.push(Change::Remove(id.to_string()));
            changes.public.push(Change::Remove(id.to_string()));
            continue;
        };
        let documents = all_documents(store, agency, id).await?;
        let mut texts: HashMap<String, String> = HashMap::new();
        for document in documents
            .iter()
            .filter(|d| d.status == DocumentStatus::Available)
        {
            if let Some(text) = document_text(blobs, document).await {
                texts.insert(document.id.to_string(), text);
            }
        }
        let text_of = |document: &Document| texts.get(document.id.as_str()).cloned();
        for audience in Audience::ALL {
            let change = match Entry::of(audience, &stored.record, &documents, &text_of) {
                Some(entry) => Change::Put(entry),
                None => Change::Remove(id.to_string()),
            };
            match audience {
                Audience::Staff => changes.staff.push(change),
                Audience::Public => changes.public.push(change),
            }
        }
    }
    Ok(changes)
}

/// Every record of every agency in `store`, as changes that rebuild their indexes.
pub async fn everything<S, B>(
    store: &S,
    blobs: &B,
) -> Result<BTreeMap<AgencyId, AgencyChanges>, SearchError>
where
    S: ChainHeads + RecordStore + DocumentStore,
    B: BlobStore,
{
    let mut all = BTreeMap::new();
    for (agency, heads) in store.chain_heads().await? {
        let ids: Vec<RecordId> = heads.into_iter().map(|head| head.record).collect();
        all.insert(
            agency.clone(),
            changes_for(store, blobs, &agency, &ids).await?,
        );
    }
    Ok(all)
}

/// Writes `changes` into both of `agency`'s indexes under `indexes`. Blocking.
pub fn write_to_folder(
    indexes: &FolderIndexes,
    agency: &AgencyId,
    changes: &AgencyChanges,
) -> Result<(), SearchError> {
    for audience in Audience::ALL {
        let changes = changes.for_audience(audience);
        if !changes.is_empty() {
            indexes.writable(agency, audience)?.apply(changes, None)?;
        }
    }
    Ok(())
}
