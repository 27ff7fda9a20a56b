//! Anchors in a local folder: files created exclusively and owner-only, never replaced.
//! (A folder protects against a slip, not against the machine's owner: in AWS, Object
//! Lock does that.)

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    ANCHOR_FILE, AnchorArchive, ArchiveError, Archived, HEADS_FILE, agency_folder, anchor_folder,
    decode, encode,
};
use crate::anchor::{Anchor, AnchoredHeads};
use crate::model::AgencyId;

/// Anchors under `<root>/anchors/`.
#[derive(Clone, Debug)]
pub struct FileAnchors {
    root: PathBuf,
}

impl FileAnchors {
    /// The archive in folder `root` (the local data folder).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

fn backend(path: &Path, error: std::io::Error) -> ArchiveError {
    match error.kind() {
        std::io::ErrorKind::AlreadyExists => ArchiveError::Exists,
        _ => ArchiveError::Backend(format!("{}: {error}", path.display())),
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let mut file = crate::private::new_file()
        .open(path)
        .map_err(|e| backend(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| backend(path, e))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ArchiveError> + Send + 'static,
) -> Result<T, ArchiveError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ArchiveError::Backend(e.to_string()))?
}

impl AnchorArchive for FileAnchors {
    async fn put(&self, anchor: &Anchor, heads: &AnchoredHeads) -> Result<(), ArchiveError> {
        let folder = self.root.join(anchor_folder(&anchor.agency, anchor.at));
        let (anchor, heads) = (encode(anchor)?, encode(heads)?);
        blocking(move || {
            crate::private::create_dir_all(&folder).map_err(|e| backend(&folder, e))?;
            write_new(&folder.join(HEADS_FILE), &heads)?;
            write_new(&folder.join(ANCHOR_FILE), &anchor)
        })
        .await
    }

    async fn latest(&self, agency: &AgencyId) -> Result<Option<Archived>, ArchiveError> {
        let prefix = agency_folder(agency);
        let folder = self.root.join(&prefix);
        blocking(move || {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(error) => return Err(backend(&folder, error)),
            };
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| backend(&folder, e))?;
                if let Some(name) = entry.file_name().to_str()
                    && entry.path().join(ANCHOR_FILE).is_file()
                {
                    names.push(name.to_owned());
                }
            }
            // The newest anchor has the smallest name.
            let Some(name) = names.into_iter().min() else {
                return Ok(None);
            };
            let read = |file: &str| {
                let path = folder.join(&name).join(file);
                std::fs::read(&path).map_err(|e| backend(&path, e))
            };
            decode(
                &format!("{prefix}/{name}"),
                &read(ANCHOR_FILE)?,
                &read(HEADS_FILE)?,
            )
            .map(Some)
        })
        .await
    }
}
