//! Indexes in a local folder, `ROOT/<agency>/<audience>/`: the local server's, written by
//! its in-process indexer and read by its search routes through the same handles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::entry::Audience;
use super::index::RecordIndex;
use super::{IndexSource, SearchError};
use crate::model::AgencyId;

/// The indexes under one folder, each opened once.
#[derive(Debug)]
pub struct FolderIndexes {
    root: PathBuf,
    open: Mutex<HashMap<(AgencyId, Audience), Arc<RecordIndex>>>,
}

impl FolderIndexes {
    /// The indexes under `root` (created when first written).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            open: Mutex::default(),
        }
    }

    /// Where they are.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn folder(&self, agency: &AgencyId, audience: Audience) -> PathBuf {
        self.root.join(agency.as_str()).join(audience.as_str())
    }

    fn handles(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(AgencyId, Audience), Arc<RecordIndex>>> {
        // A panic while the map was held cannot leave it half-changed: it is only read or
        // given whole entries.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The index of `agency` for `audience`, created if it does not exist. Blocking.
    pub fn writable(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> Result<Arc<RecordIndex>, SearchError> {
        let key = (agency.clone(), audience);
        if let Some(index) = self.handles().get(&key) {
            return Ok(index.clone());
        }
        let index = Arc::new(RecordIndex::open_or_create(&self.folder(agency, audience))?);
        Ok(self.handles().entry(key).or_insert(index).clone())
    }

    /// The index of `agency` for `audience`, or `None` if nothing was ever indexed there.
    /// Blocking.
    pub fn readable(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> Result<Option<Arc<RecordIndex>>, SearchError> {
        if let Some(index) = self.handles().get(&(agency.clone(), audience)) {
            return Ok(Some(index.clone()));
        }
        if !self.folder(agency, audience).join("meta.json").exists() {
            return Ok(None);
        }
        self.writable(agency, audience).map(Some)
    }

    /// Removes every index (before a rebuild). Blocking.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.handles().clear();
        match std::fs::remove_dir_all(&self.root) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }

    /// The feed position every index has taken in, if one was recorded.
    pub fn position(&self) -> Option<u64> {
        std::fs::read_to_string(self.root.join("position"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Records that every index has taken in the feed through `seq` (replacing the file
    /// whole, so a crash leaves the old position or the new one).
    pub fn set_position(&self, seq: u64) -> Result<(), SearchError> {
        crate::private::create_dir_all(&self.root)?;
        let next = self.root.join("position.next");
        std::fs::write(&next, seq.to_string())?;
        std::fs::rename(next, self.root.join("position"))?;
        Ok(())
    }
}

impl IndexSource for FolderIndexes {
    async fn index(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> Result<Option<Arc<RecordIndex>>, SearchError> {
        // Opening an index reads one small file: not worth a blocking-pool hop.
        self.readable(agency, audience)
    }
}
