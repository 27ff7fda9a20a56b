//! The index's fields, and the one analyzer that indexes text and reads queries, so a
//! word is cut and folded the same way on both sides.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// The name of the date field, for fast-field readers.
pub const DATE: &str = "date";
/// The name of the tie-break field, for fast-field readers.
pub const TIE: &str = "tie";
/// The index layout's version, in every index's object keys: a new layout is written
/// beside the old one (by a reindex), never read as it.
pub const LAYOUT: &str = "v1";

/// The analyzer's name in the index's tokenizer manager.
pub const ANALYZER: &str = "dossier";
/// Tokens longer than this (bytes) are not indexed: hashes, base64, noise.
const LONGEST_TOKEN: usize = 40;

/// Words cut at anything not alphanumeric, lowercased, accents folded (`Café` is `cafe`).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The fields of a record's index document.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// The record id: what updates and deletions find it by.
    pub id: Field,
    /// Searched, stored for highlights.
    pub title: Field,
    /// Searched, stored for highlights.
    pub description: Field,
    /// The tags as words, searched.
    pub tags_text: Field,
    /// Each available document's file name, searched, stored for highlights.
    pub filenames: Field,
    /// The text of available documents, searched, stored for highlights.
    pub content: Field,
    /// Each tag, exactly (the `tag:` filter).
    pub tag: Field,
    /// The status, exactly.
    pub status: Field,
    /// The classification, exactly.
    pub classification: Field,
    /// Milliseconds since 1970: published (public index) or updated (staff index).
    pub date: Field,
    /// A number fixed by the record id: the last tie-break of the ranking, so equal hits
    /// come in the same order in every index holding them (a rebuild included).
    pub tie: Field,
    /// The record as this index's readers see it elsewhere, as JSON: what a hit returns.
    pub view: Field,
}

/// The text fields a word is looked for in, with how much a match in each weighs.
pub fn searched(fields: &Fields) -> [(Field, f32); 5] {
    [
        (fields.title, 3.0),
        (fields.tags_text, 2.0),
        (fields.filenames, 1.5),
        (fields.description, 1.5),
        (fields.content, 1.0),
    ]
}

/// The stored text fields a hit's highlights come from, with their names in the API.
pub fn highlighted(fields: &Fields) -> [(Field, &'static str); 4] {
    [
        (fields.title, "title"),
        (fields.description, "description"),
        (fields.filenames, "filenames"),
        (fields.content, "content"),
    ]
}

impl Fields {
    /// The schema, and its fields.
    pub fn schema() -> (Schema, Self) {
        let text = |stored: bool| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let mut builder = Schema::builder();
        let fields = Self {
            id: builder.add_text_field("id", STRING),
            title: builder.add_text_field("title", text(true)),
            description: builder.add_text_field("description", text(true)),
            tags_text: builder.add_text_field("tags_text", text(false)),
            filenames: builder.add_text_field("filenames", text(true)),
            content: builder.add_text_field("content", text(true)),
            tag: builder.add_text_field("tag", STRING),
            status: builder.add_text_field("status", STRING),
            classification: builder.add_text_field("classification", STRING),
            date: builder.add_i64_field(DATE, INDEXED | FAST),
            tie: builder.add_u64_field(TIE, FAST),
            view: builder.add_text_field("view", STORED),
        };
        (builder.build(), fields)
    }
}
