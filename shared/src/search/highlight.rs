//! Highlights: plain-text snippets with the character ranges that matched, so a client
//! marks them up itself and no HTML travels in JSON. Written here rather than taken from
//! tantivy's snippet generator, which does not see prefix or typo-forgiving matches.

use std::collections::HashSet;

use serde::Serialize;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::query::{SearchQuery, Term};

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 200;
/// Characters shown before a snippet's first match.
const LEAD_CHARS: usize = 50;

/// A piece of a field's text, with the character ranges (`[start, end)`, counted in
/// Unicode scalar values from the snippet's start) that matched the query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// Plain text, never markup.
    pub text: String,
    /// Matched ranges, in order, not overlapping.
    pub matches: Vec<[usize; 2]>,
}

/// Which tokens of a text the query matched: its words (with a typo from five letters),
/// its phrases' words and its prefixes; never what it excludes or filters on.
#[derive(Debug, Default)]
pub struct Matcher {
    exact: HashSet<String>,
    prefixes: Vec<String>,
    forgiving: Vec<String>,
}

/// Words at least this long (in characters) match with one typo.
pub const TYPO_FROM_CHARS: usize = 5;

/// The tokens `text` is cut into.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token().text.clone());
    }
    tokens
}

impl Matcher {
    /// What `query` highlights, its words cut by `analyzer`.
    pub fn new(query: &SearchQuery, analyzer: &mut TextAnalyzer) -> Self {
        let mut matcher = Self::default();
        for clause in query.clauses.iter().filter(|clause| !clause.excluded) {
            match &clause.term {
                Term::Word(word) => {
                    let words = tokens(analyzer, word);
                    if let [single] = words.as_slice()
                        && single.chars().count() >= TYPO_FROM_CHARS
                    {
                        matcher.forgiving.push(single.clone());
                    }
                    matcher.exact.extend(words);
                }
                Term::Phrase(phrase) => matcher.exact.extend(tokens(analyzer, phrase)),
                Term::Prefix(prefix) => {
                    let mut words = tokens(analyzer, prefix);
                    if let Some(last) = words.pop() {
                        matcher.prefixes.push(last);
                    }
                    matcher.exact.extend(words);
                }
                Term::Tag(_) | Term::Status(_) => {}
            }
        }
        matcher
    }

    /// Whether nothing would ever be highlighted.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    fn matches(&self, token: &str) -> bool {
        self.exact.contains(token)
            || self
                .prefixes
                .iter()
                .any(|prefix| token.starts_with(prefix.as_str()))
            || self
                .forgiving
                .iter()
                .any(|word| within_one_edit(word, token))
    }

    /// The snippet of `text` around its first match, or `None` if nothing in it matched.
    pub fn snippet(&self, analyzer: &mut TextAnalyzer, text: &str) -> Option<Snippet> {
        let mut matched: Vec<(usize, usize)> = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            if self.matches(&token.text) {
                matched.push((token.offset_from, token.offset_to));
            }
        }
        let first = matched.first()?.0;
        // Character positions of every byte offset needed, in one pass.
        let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
        let char_at = |byte: usize| starts.partition_point(|&at| at < byte);
        let total = starts.len();
        let mut from = char_at(first).saturating_sub(LEAD_CHARS);
        if total <= SNIPPET_CHARS {
            from = 0;
        } else if from + SNIPPET_CHARS > total {
            from = total - SNIPPET_CHARS;
        }
        let to = (from + SNIPPET_CHARS).min(total);
        let byte = |index: usize| starts.get(index).copied().unwrap_or(text.len());
        let matches = matched
            .iter()
            .map(|&(start, end)| (char_at(start), char_at(end)))
            .filter(|&(start, end)| start >= from && end <= to)
            .map(|(start, end)| [start - from, end - from])
            .collect();
        Some(Snippet {
            text: text[byte(from)..byte(to)].to_owned(),
            matches,
        })
    }
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution or swap of
/// neighbours (what tantivy's typo-forgiving match accepts at distance 1).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let Some(at) = a.iter().zip(&b).position(|(x, y)| x != y) else {
        return a.len().abs_diff(b.len()) <= 1;
    };
    match a.len() as isize - b.len() as isize {
        0 => {
            a[at + 1..] == b[at + 1..]
                || (at + 1 < a.len()
                    && a[at] == b[at + 1]
                    && a[at + 1] == b[at]
                    && a[at + 2..] == b[at + 2..])
        }
        1 => a[at + 1..] == b[at..],
        -1 => a[at..] == b[at + 1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::schema::analyzer;

    fn highlight(query: &str, text: &str) -> Option<Snippet> {
        let mut analyzer = analyzer();
        Matcher::new(&SearchQuery::parse(query).unwrap(), &mut analyzer)
            .snippet(&mut analyzer, text)
    }

    #[test]
    fn marks_words_phrases_prefixes_and_typos_in_characters() {
        let snippet = highlight(
            r#"café "main street" perm* bridgr -closed"#,
            "Café permits on Main Street, bridge closed",
        )
        .unwrap();
        let marked: Vec<String> = snippet
            .matches
            .iter()
            .map(|[s, e]| snippet.text.chars().skip(*s).take(e - s).collect())
            .collect();
        assert_eq!(marked, ["Café", "permits", "Main", "Street", "bridge"]);
        assert_eq!(highlight("nothing", "Café permits"), None);
        assert_eq!(highlight("tag:roads", "roads"), None);
    }

    #[test]
    fn cuts_long_text_around_the_first_match() {
        let text = format!("{} needle {}", "é ".repeat(300), "x ".repeat(300));
        let snippet = highlight("needle", &text).unwrap();
        assert_eq!(snippet.text.chars().count(), SNIPPET_CHARS);
        let [start, end] = snippet.matches[0];
        assert_eq!(end - start, 6);
        assert_eq!(
            snippet.text.chars().skip(start).take(6).collect::<String>(),
            "needle"
        );
        assert!(start >= LEAD_CHARS - 1);
    }

    #[test]
    fn one_edit_is_one_edit() {
        for (a, b) in [
            ("permit", "permit"),
            ("permit", "permits"),
            ("permit", "permt"),
            ("permit", "pemrit"),
            ("permit", "permat"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
        }
        for (a, b) in [
            ("permit", "perm"),
            ("permit", "tirmep"),
            ("permit", "pxrmat"),
            ("permit", "epmrit"),
        ] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
    }
}
