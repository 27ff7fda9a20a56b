//! One agency's index for one audience: records written in, queries answered.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term as IndexTerm};

use super::SearchError;
use super::compile::{Filters, compile};
use super::entry::Entry;
use super::highlight::{Matcher, Snippet};
use super::query::SearchQuery;
use super::schema::{ANALYZER, DATE, Fields, TIE, analyzer, highlighted};
use super::statistics::{FieldLengths, LiveStatistics};

/// Memory an index writer may fill before it writes a segment (tantivy's floor is 15 MB).
const WRITER_MEMORY: usize = 48 << 20;
/// Snippets per field of one hit (a record has many file names, many documents).
const SNIPPETS_PER_FIELD: usize = 3;

/// A change to one record in an index.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Index it as this (replacing what was there).
    Put(Entry),
    /// Take it out (deleted, or no longer for this audience).
    Remove(String),
}

impl Change {
    /// The record it is about.
    pub fn id(&self) -> &str {
        match self {
            Self::Put(entry) => &entry.id,
            Self::Remove(id) => id,
        }
    }
}

/// One page of results.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Best first.
    pub items: Vec<Hit>,
    /// How many records match in all.
    pub total: usize,
}

/// One record found.
#[derive(Debug, Serialize)]
pub struct Hit {
    /// The view of the record the index was built for.
    pub record: serde_json::Value,
    /// BM25 relevance (higher is better); comparable only within one result list.
    pub score: f32,
    /// Snippets of the fields that matched, by field name.
    pub highlights: BTreeMap<&'static str, Vec<Snippet>>,
}

/// A search index of records: in a folder, or in memory.
pub struct RecordIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    lengths: FieldLengths,
}

impl std::fmt::Debug for RecordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordIndex")
    }
}

impl RecordIndex {
    /// An empty index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, _) = Fields::schema();
        Self::from_index(Index::create_in_ram(schema))
    }

    /// The index in `folder`, created there (with the folder) if there is none.
    pub fn open_or_create(folder: &Path) -> Result<Self, SearchError> {
        crate::private::create_dir_all(folder)?;
        let (schema, _) = Fields::schema();
        let directory = MmapDirectory::open(folder)?;
        Self::from_index(Index::open_or_create(directory, schema)?)
    }

    fn from_index(index: Index) -> Result<Self, SearchError> {
        index.tokenizers().register(ANALYZER, analyzer());
        let (expected, fields) = Fields::schema();
        if index.schema() != expected {
            return Err(SearchError::Schema);
        }
        // Reloaded by whoever writes or fetches a new generation, never behind its back.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            lengths: FieldLengths::default(),
        })
    }

    /// What the last commit was told it covers (see [`apply`](Self::apply)).
    pub fn checkpoint(&self) -> Result<Option<String>, SearchError> {
        Ok(self.index.load_metas()?.payload)
    }

    /// How many records it holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies `changes` in one commit, recording `checkpoint` with it, and waits for the
    /// merges it starts, so what is on disk is settled when this returns. Blocking.
    pub fn apply(&self, changes: &[Change], checkpoint: Option<&str>) -> Result<(), SearchError> {
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for change in changes {
            writer.delete_term(IndexTerm::from_field_text(self.fields.id, change.id()));
            if let Change::Put(entry) = change {
                writer.add_document(entry.document(&self.fields))?;
            }
        }
        let mut commit = writer.prepare_commit()?;
        if let Some(checkpoint) = checkpoint {
            commit.set_payload(checkpoint);
        }
        commit.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The names of the files the current commit uses (`meta.json` aside).
    pub fn files(&self) -> Result<Vec<String>, SearchError> {
        use tantivy::index::SegmentComponent::*;
        let mut files = Vec::new();
        for segment in self.index.searchable_segment_metas()? {
            let deletes = segment.has_deletes().then_some(Delete);
            for component in [Postings, Positions, Terms, Store, FastFields, FieldNorms]
                .into_iter()
                .chain(deletes)
            {
                files.extend(segment.relative_path(component).to_str().map(str::to_owned));
            }
        }
        files.sort();
        Ok(files)
    }

    /// Picks up what another writer committed to the same folder.
    pub fn reload(&self) -> Result<(), SearchError> {
        Ok(self.reader.reload()?)
    }

    /// The `limit` best records for `query` under `filters`, from the `offset`th.
    pub fn search(
        &self,
        query: &SearchQuery,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Results, SearchError> {
        let mut analyzer = analyzer();
        let compiled = compile(&self.fields, &mut analyzer, query, filters);
        let searcher = self.reader.searcher();
        // Best score first; then newest; then a number fixed by the record id, so that
        // equal hits come in one order in every index that holds them.
        let top = TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .tweak_score(|segment: &tantivy::SegmentReader| {
                let fast = segment.fast_fields();
                let dates = fast.i64(DATE).ok().map(|c| c.first_or_default_col(0));
                let ties = fast.u64(TIE).ok().map(|c| c.first_or_default_col(0));
                move |doc: tantivy::DocId, score: tantivy::Score| {
                    let date = dates.as_ref().map_or(0, |c| c.get_val(doc));
                    let tie = ties.as_ref().map_or(0, |c| c.get_val(doc));
                    (score, date, tie)
                }
            });
        // Scored on the records held now, not on what replaced records left behind, so
        // every index of the same records ranks them alike.
        let statistics = LiveStatistics::new(&searcher, &self.lengths);
        let (found, total) =
            searcher.search_with_statistics_provider(&compiled, &(top, Count), &statistics)?;
        let matcher = Matcher::new(query, &mut analyzer);
        let mut items = Vec::with_capacity(found.len());
        for ((score, _, _), address) in found {
            let document: TantivyDocument = searcher.doc(address)?;
            let view = document
                .get_first(self.fields.view)
                .and_then(|value| value.as_str())
                .ok_or(SearchError::Corrupt)?;
            let record = serde_json::from_str(view).map_err(|_| SearchError::Corrupt)?;
            let mut highlights = BTreeMap::new();
            if !matcher.is_empty() {
                for (field, name) in highlighted(&self.fields) {
                    let snippets: Vec<Snippet> = document
                        .get_all(field)
                        .filter_map(|value| value.as_str())
                        .filter_map(|text| matcher.snippet(&mut analyzer, text))
                        .take(SNIPPETS_PER_FIELD)
                        .collect();
                    if !snippets.is_empty() {
                        highlights.insert(name, snippets);
                    }
                }
            }
            items.push(Hit {
                record,
                score,
                highlights,
            });
        }
        Ok(Results { items, total })
    }

    /// The ids of every record it holds, in no order (tests, and comparing rebuilds).
    pub fn ids(&self) -> Result<Vec<String>, SearchError> {
        let searcher = self.reader.searcher();
        let all = searcher.search(
            &tantivy::query::AllQuery,
            &tantivy::collector::DocSetCollector,
        )?;
        all.into_iter()
            .map(|address| {
                let document: TantivyDocument = searcher.doc(address)?;
                let view = document
                    .get_first(self.fields.view)
                    .and_then(|value| value.as_str())
                    .ok_or(SearchError::Corrupt)?;
                let view: serde_json::Value =
                    serde_json::from_str(view).map_err(|_| SearchError::Corrupt)?;
                view["id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or(SearchError::Corrupt)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classification, Status};

    fn entry(id: &str, title: &str, description: &str, tags: &[&str], date: i64) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            description: description.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            filenames: vec![format!("{id}-minutes.txt")],
            content: vec![format!("content of {id}: the quarterly budget")],
            status: Status::Published,
            classification: Classification::Public,
            date,
            view: serde_json::json!({ "id": id }).to_string(),
        }
    }

    fn index() -> RecordIndex {
        let index = RecordIndex::in_memory().unwrap();
        let mut confidential = entry("r4", "Water main permit", "sealed", &["roads"], 4);
        confidential.classification = Classification::Confidential;
        let mut draft = entry("r5", "Bridge inspection", "draft notes", &[], 5);
        draft.status = Status::Draft;
        index
            .apply(
                &[
                    Change::Put(entry(
                        "r1",
                        "Water main permit",
                        "Repair of the main on Elm Street",
                        &["roads", "water"],
                        1,
                    )),
                    Change::Put(entry(
                        "r2",
                        "Park bench permits",
                        "Benches for Riverside park",
                        &["parks"],
                        2,
                    )),
                    Change::Put(entry(
                        "r3",
                        "Council minutes",
                        "The water committee met on main matters",
                        &["council"],
                        3,
                    )),
                    Change::Put(confidential),
                    Change::Put(draft),
                ],
                Some("7"),
            )
            .unwrap();
        index
    }

    fn ids(index: &RecordIndex, query: &str, filters: &Filters) -> Vec<String> {
        let query = SearchQuery::parse(query).unwrap();
        let results = index.search(&query, filters, 0, 10).unwrap();
        assert_eq!(results.total, results.items.len());
        results
            .items
            .iter()
            .map(|hit| hit.record["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn sorted(mut ids: Vec<String>) -> Vec<String> {
        ids.sort();
        ids
    }

    #[test]
    fn every_clause_kind_matches_as_documented() {
        let index = index();
        let all = Filters::default();
        assert_eq!(index.checkpoint().unwrap().as_deref(), Some("7"));
        assert_eq!(index.len(), 5);
        // Words: all must match; a title match ranks first.
        assert_eq!(ids(&index, "water main", &all)[0], "r1");
        assert_eq!(sorted(ids(&index, "water main", &all)), ["r1", "r3", "r4"]);
        assert_eq!(ids(&index, r#""main on elm""#, &all), ["r1"]);
        assert_eq!(ids(&index, r#""elm main""#, &all), Vec::<String>::new());
        assert_eq!(sorted(ids(&index, "perm*", &all)), ["r1", "r2", "r4"]);
        assert_eq!(ids(&index, "riversid", &all), ["r2"], "one letter missing");
        assert_eq!(ids(&index, "bencehs", &all), ["r2"], "two letters swapped");
        assert_eq!(
            ids(&index, "mian", &all),
            Vec::<String>::new(),
            "no typo under five letters"
        );
        assert_eq!(sorted(ids(&index, "water -council", &all)), ["r1", "r4"]);
        assert_eq!(sorted(ids(&index, "-water", &all)), ["r2", "r5"]);
        assert_eq!(sorted(ids(&index, "tag:roads", &all)), ["r1", "r4"]);
        assert_eq!(ids(&index, "status:draft", &all), ["r5"]);
        assert_eq!(
            sorted(ids(&index, "minutes", &all)).len(),
            5,
            "file names are searched"
        );
        assert_eq!(
            sorted(ids(&index, "quarterly budget", &all)).len(),
            5,
            "document text is searched"
        );
        assert_eq!(sorted(ids(&index, "", &all)).len(), 5);
    }

    #[test]
    fn filters_narrow_without_reordering() {
        let index = index();
        let hidden = Filters {
            hide_confidential: true,
            ..Filters::default()
        };
        assert_eq!(sorted(ids(&index, "water main", &hidden)), ["r1", "r3"]);
        let dated = Filters {
            from: Some(2),
            to: Some(4),
            ..Filters::default()
        };
        assert_eq!(sorted(ids(&index, "", &dated)), ["r2", "r3"]);
        let tagged = Filters {
            tags: vec!["water".into()],
            status: Some(Status::Published),
            classification: Some(Classification::Public),
            ..Filters::default()
        };
        assert_eq!(ids(&index, "main", &tagged), ["r1"]);
    }

    #[test]
    fn pages_count_the_whole_result() {
        let index = index();
        let query = SearchQuery::parse("").unwrap();
        let first = index.search(&query, &Filters::default(), 0, 2).unwrap();
        let rest = index.search(&query, &Filters::default(), 2, 10).unwrap();
        assert_eq!(
            (first.items.len(), first.total, rest.items.len(), rest.total),
            (2, 5, 3, 5)
        );
    }

    #[test]
    fn updates_replace_and_removals_remove() {
        let index = index();
        index
            .apply(
                &[
                    Change::Put(entry("r1", "Sewer permit", "", &[], 9)),
                    Change::Remove("r2".into()),
                    Change::Remove("never-there".into()),
                ],
                Some("8"),
            )
            .unwrap();
        assert_eq!(sorted(index.ids().unwrap()), ["r1", "r3", "r4", "r5"]);
        assert_eq!(ids(&index, "sewer", &Filters::default()), ["r1"]);
        assert_eq!(
            ids(&index, "elm", &Filters::default()),
            Vec::<String>::new()
        );
        assert_eq!(index.checkpoint().unwrap().as_deref(), Some("8"));
    }

    /// Ids and scores, best first.
    fn scored(index: &RecordIndex, query: &str) -> Vec<(String, f32)> {
        let query = SearchQuery::parse(query).unwrap();
        let results = index.search(&query, &Filters::default(), 0, 10).unwrap();
        results
            .items
            .iter()
            .map(|hit| (hit.record["id"].as_str().unwrap().to_owned(), hit.score))
            .collect()
    }

    #[test]
    fn the_same_records_score_alike_whatever_replaced_them() {
        // Written once, in one commit.
        let once = index();
        // The same records, after many replacements and a removal, commit by commit: the
        // replaced documents linger in segments until a merge drops them.
        let churned = index();
        for n in 0..6 {
            let title = ["Water main permit", "Water permit", "Main street water"][n % 3];
            let noise = entry("r1", title, "water water water main", &["water"], 1);
            let gone = entry("r9", "Water main water", "main", &[], 9);
            churned
                .apply(&[Change::Put(noise), Change::Put(gone)], None)
                .unwrap();
        }
        let r1 = entry(
            "r1",
            "Water main permit",
            "Repair of the main on Elm Street",
            &["roads", "water"],
            1,
        );
        let r9 = Change::Remove("r9".into());
        churned.apply(&[Change::Put(r1), r9], None).unwrap();
        let searcher = churned.reader.searcher();
        let segments = searcher.segment_readers().iter();
        assert!(segments.map(|s| s.num_deleted_docs()).sum::<u32>() > 0);
        for query in ["water main", "permit", "\"main on elm\"", "main -permit"] {
            assert_eq!(scored(&once, query), scored(&churned, query), "{query}");
        }
    }

    #[test]
    fn hits_carry_plain_text_highlights() {
        let index = index();
        let query = SearchQuery::parse("elm perm*").unwrap();
        let results = index.search(&query, &Filters::default(), 0, 1).unwrap();
        let hit = &results.items[0];
        assert!(hit.score > 0.0);
        assert_eq!(hit.highlights["title"][0].text, "Water main permit");
        assert_eq!(hit.highlights["title"][0].matches, [[11, 17]]);
        assert_eq!(hit.highlights["description"][0].matches, [[22, 25]]);
        assert!(!hit.highlights.contains_key("content"));
    }

    #[test]
    fn a_folder_index_survives_reopening() {
        let folder = std::env::temp_dir().join(format!("dossier-index-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        {
            let index = RecordIndex::open_or_create(&folder).unwrap();
            index
                .apply(&[Change::Put(entry("r1", "Kept", "", &[], 1))], Some("1"))
                .unwrap();
        }
        let index = RecordIndex::open_or_create(&folder).unwrap();
        assert_eq!(index.ids().unwrap(), ["r1"]);
        assert_eq!(index.checkpoint().unwrap().as_deref(), Some("1"));
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
