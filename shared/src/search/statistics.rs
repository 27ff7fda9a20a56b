//! BM25 statistics of the records an index holds now, whatever its history.
//!
//! tantivy's own statistics count a replaced or removed record until a merge drops it,
//! so the same records indexed change by change (the local server) or batch by batch (the
//! stream function, a rebuild) would score, and so rank, differently. These count only
//! live documents: document frequencies by walking a term's postings in segments with
//! deletions, and field lengths from the field norms of live documents everywhere.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, Searcher, SegmentReader, TERMINATED, Term};

/// The live statistics of one searcher.
pub(crate) struct LiveStatistics<'a> {
    searcher: &'a Searcher,
    lengths: &'a FieldLengths,
}

impl<'a> LiveStatistics<'a> {
    /// Statistics of `searcher`'s documents, field lengths remembered in `lengths`.
    pub(crate) fn new(searcher: &'a Searcher, lengths: &'a FieldLengths) -> Self {
        Self { searcher, lengths }
    }
}

impl Bm25StatisticsProvider for LiveStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.lengths.total(self.searcher, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.searcher.num_docs())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let mut total = 0;
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(term.field())?;
            let Some(alive) = segment.alive_bitset() else {
                total += u64::from(inverted.doc_freq(term)?);
                continue;
            };
            if let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    total += u64::from(alive.is_alive(doc));
                    doc = postings.advance();
                }
            }
        }
        Ok(total)
    }
}

/// The summed length of each field over the live documents, per searcher generation:
/// it walks every document's norm, so it is worked out once per field and generation.
#[derive(Default)]
pub(crate) struct FieldLengths {
    cached: Mutex<(u64, HashMap<Field, u64>)>,
}

impl FieldLengths {
    fn total(&self, searcher: &Searcher, field: Field) -> tantivy::Result<u64> {
        let generation = searcher.generation().generation_id();
        if let Ok(cached) = self.cached.lock()
            && cached.0 == generation
            && let Some(total) = cached.1.get(&field)
        {
            return Ok(*total);
        }
        let mut total = 0;
        for segment in searcher.segment_readers() {
            total += live_length(segment, field)?;
        }
        if let Ok(mut cached) = self.cached.lock() {
            if cached.0 != generation {
                *cached = (generation, HashMap::new());
            }
            cached.1.insert(field, total);
        }
        Ok(total)
    }
}

/// The summed length of `field` over `segment`'s live documents.
fn live_length(segment: &SegmentReader, field: Field) -> tantivy::Result<u64> {
    let Ok(norms) = segment.get_fieldnorms_reader(field) else {
        // No norms: every document counts as one long, and so does the average.
        return Ok(u64::from(segment.num_docs()));
    };
    let length = |doc| u64::from(norms.fieldnorm(doc));
    Ok(match segment.alive_bitset() {
        Some(alive) => alive.iter_alive().map(length).sum(),
        None => (0..segment.max_doc()).map(length).sum(),
    })
}
