//! A parsed query and a caller's filters, turned into one tantivy query.

use std::ops::Bound;

use tantivy::Term as IndexTerm;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::highlight::{TYPO_FROM_CHARS, tokens};
use super::query::{SearchQuery, Term};
use super::schema::{Fields, searched};
use crate::model::{Classification, Status};

/// What the caller's route and role add to the query: filters that never change a score.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Every one of these tags.
    pub tags: Vec<String>,
    /// This status only.
    pub status: Option<Status>,
    /// This classification only.
    pub classification: Option<Classification>,
    /// Leave confidential records out (callers who may not see them).
    pub hide_confidential: bool,
    /// Dated at or after this (milliseconds).
    pub from: Option<i64>,
    /// Dated before this (milliseconds).
    pub to: Option<i64>,
}

/// Weight of a typo-forgiving match against an exact one.
const TYPO_WEIGHT: f32 = 0.4;

/// One tantivy query for `query` under `filters`.
pub fn compile(
    fields: &Fields,
    analyzer: &mut TextAnalyzer,
    query: &SearchQuery,
    filters: &Filters,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for clause in &query.clauses {
        let matched = match &clause.term {
            Term::Word(word) => text(fields, &tokens(analyzer, word), Shape::Word),
            Term::Phrase(phrase) => text(fields, &tokens(analyzer, phrase), Shape::Phrase),
            Term::Prefix(prefix) => text(fields, &tokens(analyzer, prefix), Shape::Prefix),
            Term::Tag(tag) => Some(exact(fields.tag, tag)),
            Term::Status(status) => Some(exact(fields.status, status.as_str())),
        };
        // A clause that cuts to no token (only punctuation) asks for nothing.
        let Some(matched) = matched else { continue };
        let occur = if clause.excluded {
            Occur::MustNot
        } else {
            Occur::Must
        };
        clauses.push((occur, matched));
    }
    for tag in &filters.tags {
        clauses.push((Occur::Must, exact(fields.tag, tag)));
    }
    if let Some(status) = filters.status {
        clauses.push((Occur::Must, exact(fields.status, status.as_str())));
    }
    if let Some(classification) = filters.classification {
        clauses.push((
            Occur::Must,
            exact(fields.classification, classification.as_str()),
        ));
    }
    if filters.hide_confidential {
        let confidential = Classification::Confidential.as_str();
        clauses.push((Occur::MustNot, exact(fields.classification, confidential)));
    }
    if filters.from.is_some() || filters.to.is_some() {
        let bound = |at: Option<i64>, inclusive: bool| match at {
            None => Bound::Unbounded,
            Some(at) if inclusive => Bound::Included(IndexTerm::from_field_i64(fields.date, at)),
            Some(at) => Bound::Excluded(IndexTerm::from_field_i64(fields.date, at)),
        };
        let range = RangeQuery::new(bound(filters.from, true), bound(filters.to, false));
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(range), 0.0)),
        ));
    }
    // Only exclusions (or nothing): everything, less what they exclude.
    if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Word,
    Phrase,
    Prefix,
}

/// `terms` in any searched field, as `shape` says; `None` without terms.
fn text(fields: &Fields, terms: &[String], shape: Shape) -> Option<Box<dyn Query>> {
    let (last, _) = terms.split_last()?;
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (field, weight) in searched(fields) {
        let term = |text: &str| IndexTerm::from_field_text(field, text);
        let query: Box<dyn Query> = match (shape, terms.len()) {
            (Shape::Prefix, 1) => Box::new(FuzzyTermQuery::new_prefix(term(last), 0, false)),
            (Shape::Prefix, _) => Box::new(PhrasePrefixQuery::new(
                terms.iter().map(|t| term(t)).collect(),
            )),
            (_, 1) => {
                let exact = Box::new(TermQuery::new(term(last), IndexRecordOption::WithFreqs));
                if shape == Shape::Word && last.chars().count() >= TYPO_FROM_CHARS {
                    let typo = FuzzyTermQuery::new(term(last), 1, true);
                    let typo = Box::new(BoostQuery::new(Box::new(typo), TYPO_WEIGHT));
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Should, exact),
                        (Occur::Should, typo),
                    ]))
                } else {
                    exact
                }
            }
            // A word that cuts into several ("e-mail") is a phrase of them.
            _ => Box::new(PhraseQuery::new(terms.iter().map(|t| term(t)).collect())),
        };
        alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, weight))));
    }
    Some(Box::new(BooleanQuery::new(alternatives)))
}

/// Records whose `field` is exactly `value`, without changing scores.
fn exact(field: Field, value: &str) -> Box<dyn Query> {
    let term = TermQuery::new(
        IndexTerm::from_field_text(field, value),
        IndexRecordOption::Basic,
    );
    Box::new(ConstScoreQuery::new(Box::new(term), 0.0))
}
