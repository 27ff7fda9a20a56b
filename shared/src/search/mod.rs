//! Full-text search over records, on tantivy: one index per agency and audience (its staff,
//! the public), so the public index cannot hold what is not public.
//!
//! - [`query`]: the query language, parsed with positions for errors.
//! - [`schema`]: the fields and the analyzer.
//! - [`entry`]: what a record puts in an index, per [`Audience`].
//! - [`compile`]: a query and a caller's filters, as one tantivy query.
//! - [`highlight`]: plain-text snippets with match offsets.
//! - [`index`]: an index in a folder or in memory: apply changes, search.
//! - [`extract`]: the searchable text of a document's bytes.
//! - [`folder`]: indexes in a local folder (the local server).
//! - [`route`]: what the search routes share: their query, paging and answer.
//! - [`snapshot`]: indexes kept in S3 as immutable files and a conditional pointer
//!   (feature `s3`).
//! - [`indexer`]: from changed records in a store to both of an agency's indexes.

pub mod compile;
pub mod entry;
pub mod extract;
pub mod folder;
pub mod highlight;
pub mod index;
pub mod indexer;
pub mod query;
pub mod route;
pub mod schema;
#[cfg(feature = "s3")]
pub mod snapshot;
mod statistics;

pub use compile::Filters;
pub use entry::{Audience, Entry};
pub use highlight::Snippet;
pub use index::{Change, Hit, RecordIndex, Results};
pub use query::{QueryError, SearchQuery};

use std::future::Future;
use std::sync::Arc;

use crate::model::AgencyId;

/// Where the search routes find an agency's index for an audience.
pub trait IndexSource: Send + Sync {
    /// The current index of `agency` for `audience`, or `None` if it has none yet.
    fn index(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> impl Future<Output = Result<Option<Arc<RecordIndex>>, SearchError>> + Send;
}

/// Why an index could not be read or written.
#[derive(Debug)]
pub enum SearchError {
    /// tantivy refused (I/O, a damaged segment, a lock held).
    Index(tantivy::TantivyError),
    /// The folder could not be read or written.
    Io(std::io::Error),
    /// The folder holds an index of another layout: rebuild it.
    Schema,
    /// A stored view could not be read back.
    Corrupt,
    /// The store could not be read while indexing.
    Store(crate::store::StoreError),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index(error) => write!(f, "search index: {error}"),
            Self::Io(error) => write!(f, "search index folder: {error}"),
            Self::Schema => f.write_str("the search index has another layout; reindex it"),
            Self::Corrupt => f.write_str("the search index holds an unreadable record"),
            Self::Store(error) => write!(f, "reading records to index: {error}"),
        }
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        Self::Index(error)
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(error: tantivy::directory::error::OpenDirectoryError) -> Self {
        Self::Index(error.into())
    }
}

impl From<std::io::Error> for SearchError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<crate::store::StoreError> for SearchError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Store(error)
    }
}

impl<T: IndexSource> IndexSource for Arc<T> {
    fn index(
        &self,
        agency: &AgencyId,
        audience: Audience,
    ) -> impl Future<Output = Result<Option<Arc<RecordIndex>>, SearchError>> + Send {
        T::index(self, agency, audience)
    }
}
