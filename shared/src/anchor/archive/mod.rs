//! Where anchors are kept, write-once: an S3 prefix under Object Lock in compliance mode
//! ([`S3Anchors`], feature `s3`), or a folder of the local data ([`FileAnchors`]).
//!
//! Each anchor and its heads live in one folder (key prefix) per anchor:
//! `anchors/<agency>/<inverted at>/anchor.json` and `…/heads.json`, where the inverted
//! time is `9999999999999 − at` in milliseconds, 13 digits: the newest anchor comes first
//! in key order, so finding the latest is one short listing however many there are.

mod file;
#[cfg(feature = "s3")]
mod s3;

use std::fmt;
use std::future::Future;

pub use file::FileAnchors;
#[cfg(feature = "s3")]
pub use s3::S3Anchors;

use super::{Anchor, AnchoredHeads};
use crate::clock::Timestamp;
use crate::model::AgencyId;

/// The name of an anchor inside its folder.
pub const ANCHOR_FILE: &str = "anchor.json";
/// The name of the heads inside an anchor's folder.
pub const HEADS_FILE: &str = "heads.json";
/// The latest instant an anchor folder name can hold.
const LAST_MILLIS: i64 = 9_999_999_999_999;

/// The folder (key prefix, no trailing `/`) holding `agency`'s anchor at `at`.
pub fn anchor_folder(agency: &AgencyId, at: Timestamp) -> String {
    format!(
        "{}/{:013}",
        agency_folder(agency),
        LAST_MILLIS - at.as_millis()
    )
}

/// The folder holding every anchor of `agency`.
pub fn agency_folder(agency: &AgencyId) -> String {
    format!("anchors/{agency}")
}

/// An archive failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveError {
    /// An anchor of that agency at that instant is already kept (nothing was changed).
    Exists,
    /// A kept anchor cannot be decoded, or is not the one its name says.
    Corrupt(String),
    /// The archive could not be read or written.
    Backend(String),
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exists => f.write_str("an anchor is already kept at that time"),
            Self::Corrupt(why) => write!(f, "corrupt anchor: {why}"),
            Self::Backend(why) => write!(f, "anchor archive: {why}"),
        }
    }
}

impl std::error::Error for ArchiveError {}

/// An anchor as kept, with the heads it commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// The anchor.
    pub anchor: Anchor,
    /// Its heads.
    pub heads: AnchoredHeads,
    /// Where it is kept (its folder, or key prefix).
    pub location: String,
}

/// Keeps anchors, each once.
pub trait AnchorArchive: Send + Sync {
    /// Keeps `anchor` with its `heads` (the heads first: an anchor is never without
    /// them). [`ArchiveError::Exists`] if either is already kept; nothing is replaced.
    fn put(
        &self,
        anchor: &Anchor,
        heads: &AnchoredHeads,
    ) -> impl Future<Output = Result<(), ArchiveError>> + Send;

    /// The latest anchor kept for `agency`, if any.
    fn latest(
        &self,
        agency: &AgencyId,
    ) -> impl Future<Output = Result<Option<Archived>, ArchiveError>> + Send;
}

/// Decodes an anchor and its heads read from `location`, and checks that they are the
/// ones that folder names (agency and time), so that no anchor can pass for a later one.
fn decode(location: &str, anchor: &[u8], heads: &[u8]) -> Result<Archived, ArchiveError> {
    let corrupt =
        |what: &str, e: serde_json::Error| ArchiveError::Corrupt(format!("{location}/{what}: {e}"));
    let anchor: Anchor = serde_json::from_slice(anchor).map_err(|e| corrupt(ANCHOR_FILE, e))?;
    let heads: AnchoredHeads = serde_json::from_slice(heads).map_err(|e| corrupt(HEADS_FILE, e))?;
    if anchor_folder(&anchor.agency, anchor.at) != location {
        return Err(ArchiveError::Corrupt(format!(
            "{location} holds the anchor of {} at {}",
            anchor.agency,
            anchor.at.as_millis()
        )));
    }
    Ok(Archived {
        anchor,
        heads,
        location: location.to_owned(),
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ArchiveError> {
    serde_json::to_vec(value).map_err(|e| ArchiveError::Backend(e.to_string()))
}
