//! What one record puts in an index: one audience's view of it, and the text searched.

use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::model::{
    Classification, Document, DocumentStatus, PublicRecord, Record, Status, is_publicly_visible,
    publication_time,
};

/// Who reads an index: an agency has one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The agency's staff: every record, filtered per caller.
    Staff,
    /// Anyone: publicly visible records only, and nothing else is ever written to it.
    Public,
}

impl Audience {
    /// Both, in the order indexes are written.
    pub const ALL: [Self; 2] = [Self::Staff, Self::Public];

    /// Its name in paths and object keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Public => "public",
        }
    }
}

/// One record as an index holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The record id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The file names of its available documents.
    pub filenames: Vec<String>,
    /// The extracted text of its available documents.
    pub content: Vec<String>,
    /// Its status.
    pub status: Status,
    /// Its classification.
    pub classification: Classification,
    /// What `from`/`to` compare, in milliseconds.
    pub date: i64,
    /// The view a hit returns, as JSON.
    pub view: String,
}

/// A document's extracted text, found by document id.
pub type Texts<'a> = &'a dyn Fn(&Document) -> Option<String>;

impl Entry {
    /// `record` for `audience`, with its `documents` (the available ones are indexed, with
    /// their text from `texts`); `None` when the audience may not see it.
    pub fn of(
        audience: Audience,
        record: &Record,
        documents: &[Document],
        texts: Texts<'_>,
    ) -> Option<Self> {
        let (date, view) = match audience {
            Audience::Staff => (
                record.updated_at.as_millis(),
                serde_json::to_string(record).ok()?,
            ),
            Audience::Public => {
                if !is_publicly_visible(record) {
                    return None;
                }
                let view = PublicRecord::of(record, documents)?;
                (
                    publication_time(record).as_millis(),
                    serde_json::to_string(&view).ok()?,
                )
            }
        };
        let available: Vec<&Document> = documents
            .iter()
            .filter(|document| document.status == DocumentStatus::Available)
            .collect();
        Some(Self {
            id: record.id.to_string(),
            title: record.title.clone(),
            description: record.description.clone(),
            tags: record.tags.clone(),
            filenames: available.iter().map(|d| d.filename.clone()).collect(),
            content: available.iter().filter_map(|d| texts(d)).collect(),
            status: record.status,
            classification: record.classification,
            date,
            view,
        })
    }

    /// The tantivy document.
    pub fn document(&self, fields: &Fields) -> TantivyDocument {
        let mut document = TantivyDocument::new();
        document.add_text(fields.id, &self.id);
        document.add_text(fields.title, &self.title);
        document.add_text(fields.description, &self.description);
        for tag in &self.tags {
            document.add_text(fields.tags_text, tag);
            document.add_text(fields.tag, tag);
        }
        for filename in &self.filenames {
            document.add_text(fields.filenames, filename);
        }
        for text in &self.content {
            document.add_text(fields.content, text);
        }
        document.add_text(fields.status, self.status.as_str());
        document.add_text(fields.classification, self.classification.as_str());
        document.add_i64(fields.date, self.date);
        document.add_u64(fields.tie, tie_of(&self.id));
        document.add_text(fields.view, &self.view);
        document
    }
}

/// The tie-break number of record `id`: the first 8 bytes of its SHA-256.
fn tie_of(id: &str) -> u64 {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    u64::from_be_bytes(first)
}
