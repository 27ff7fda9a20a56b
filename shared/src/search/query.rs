//! The search query language, parsed without the index: words, `"exact phrases"`,
//! `prefix*`, `-excluded`, and `tag:x` / `status:x` filters, separated by spaces.
//!
//! A query that cannot be read is refused with the character position of the problem, so
//! a person can see where it went wrong; nothing a caller types reaches tantivy's own
//! query parser.

use crate::model::{Status, is_valid_tag};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most clauses (words, phrases, filters) in one query.
pub const MAX_CLAUSES: usize = 24;
/// Shortest prefix before `*`: a shorter one would expand to much of the dictionary.
pub const MIN_PREFIX_CHARS: usize = 2;

/// A parsed query: every clause must hold (an excluded one must not).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// In the order written.
    pub clauses: Vec<Clause>,
}

/// One clause of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Written with a leading `-`: records that match it are left out.
    pub excluded: bool,
    /// What it matches.
    pub term: Term,
    /// Where it starts in the query, in characters from 0.
    pub position: usize,
}

/// What a clause matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// A word, in any indexed text field (one typo forgiven from five letters).
    Word(String),
    /// Words starting with this.
    Prefix(String),
    /// These words, in this order.
    Phrase(String),
    /// Records with this tag.
    Tag(String),
    /// Records in this status.
    Status(Status),
}

/// Why a query cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Character position of the problem, from 0.
    pub position: usize,
    /// What is wrong, for a person.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position)
    }
}

fn error(position: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position,
        message: message.into(),
    }
}

impl SearchQuery {
    /// Whether nothing is asked for: every record matches.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() > MAX_QUERY_CHARS {
            return Err(error(
                MAX_QUERY_CHARS,
                format!("a query may have at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let mut clauses = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            if chars[at].is_whitespace() {
                at += 1;
                continue;
            }
            let start = at;
            let excluded = chars[at] == '-';
            if excluded {
                at += 1;
                if at == chars.len() || chars[at].is_whitespace() {
                    return Err(error(start, "a '-' must be followed by a word or a phrase"));
                }
            }
            let (term, end) = if chars[at] == '"' {
                phrase(&chars, at)?
            } else {
                word(&chars, at)?
            };
            at = end;
            if let Some(term) = term {
                if clauses.len() == MAX_CLAUSES {
                    return Err(error(
                        start,
                        format!(
                            "a query may have at most {MAX_CLAUSES} words, phrases and filters"
                        ),
                    ));
                }
                clauses.push(Clause {
                    excluded,
                    term,
                    position: start,
                });
            }
        }
        Ok(Self { clauses })
    }
}

/// The phrase opened by the quote at `open`, and where it ends.
fn phrase(chars: &[char], open: usize) -> Result<(Option<Term>, usize), QueryError> {
    let close = chars[open + 1..]
        .iter()
        .position(|c| *c == '"')
        .map(|offset| open + 1 + offset)
        .ok_or_else(|| error(open, "this quote is never closed"))?;
    let text: String = chars[open + 1..close].iter().collect();
    if text.trim().is_empty() {
        return Err(error(open, "an empty phrase"));
    }
    if let Some(next) = chars.get(close + 1)
        && !next.is_whitespace()
    {
        return Err(error(
            close + 1,
            "a closing quote must be followed by a space",
        ));
    }
    Ok((Some(Term::Phrase(text.trim().to_owned())), close + 1))
}

/// The word, prefix or filter at `start`, and where it ends.
fn word(chars: &[char], start: usize) -> Result<(Option<Term>, usize), QueryError> {
    let end = chars[start..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(chars.len(), |offset| start + offset);
    let text: String = chars[start..end].iter().collect();
    if let Some(quote) = text.find('"') {
        let position = start + text[..quote].chars().count();
        return Err(error(position, "a quote may only start a phrase"));
    }
    if let Some((name, value)) = text.split_once(':') {
        let value_at = start + name.chars().count() + 1;
        return filter(name, value, start, value_at).map(|term| (Some(term), end));
    }
    let star = text.find('*');
    let term = match star {
        None => Term::Word(text.clone()),
        Some(index) if index + 1 == text.len() => {
            let prefix = &text[..index];
            if prefix.chars().filter(|c| c.is_alphanumeric()).count() < MIN_PREFIX_CHARS {
                return Err(error(
                    start,
                    format!(
                        "a prefix needs at least {MIN_PREFIX_CHARS} letters or digits before '*'"
                    ),
                ));
            }
            Term::Prefix(prefix.to_owned())
        }
        Some(index) => {
            let position = start + text[..index].chars().count();
            return Err(error(position, "'*' may only end a word"));
        }
    };
    // Punctuation alone ("--", "&") matches nothing and asks for nothing.
    let has_text = text.chars().any(char::is_alphanumeric);
    Ok((has_text.then_some(term), end))
}

/// The filter `name:value`.
fn filter(name: &str, value: &str, start: usize, value_at: usize) -> Result<Term, QueryError> {
    match name {
        "tag" if is_valid_tag(value) => Ok(Term::Tag(value.to_owned())),
        "tag" => Err(error(value_at, "a tag is 1 to 50 of a-z, 0-9 and -")),
        "status" => Status::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .map(Term::Status)
            .ok_or_else(|| error(value_at, "a status is draft, published or archived")),
        _ => Err(error(
            start,
            format!("unknown filter '{name}:' (the filters are tag: and status:)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<(bool, Term, usize)> {
        SearchQuery::parse(text)
            .unwrap()
            .clauses
            .into_iter()
            .map(|c| (c.excluded, c.term, c.position))
            .collect()
    }

    fn refused(text: &str) -> usize {
        SearchQuery::parse(text).unwrap_err().position
    }

    #[test]
    fn reads_every_kind_of_clause() {
        assert_eq!(
            parsed(r#" park  "water main" perm* -closed tag:roads -status:draft"#),
            vec![
                (false, Term::Word("park".into()), 1),
                (false, Term::Phrase("water main".into()), 7),
                (false, Term::Prefix("perm".into()), 20),
                (true, Term::Word("closed".into()), 26),
                (false, Term::Tag("roads".into()), 34),
                (true, Term::Status(Status::Draft), 44),
            ]
        );
        assert!(SearchQuery::parse("   ").unwrap().is_empty());
        assert!(SearchQuery::parse("-- & ...").unwrap().is_empty());
        assert_eq!(
            parsed("café-bar"),
            vec![(false, Term::Word("café-bar".into()), 0)]
        );
    }

    #[test]
    fn names_the_position_of_what_it_refuses() {
        assert_eq!(refused(r#"park "water"#), 5);
        assert_eq!(refused(r#"park """#), 5);
        assert_eq!(refused(r#"a "b"c"#), 5);
        assert_eq!(refused("pa\"rk"), 2);
        assert_eq!(refused("park -"), 5);
        assert_eq!(refused("park - x"), 5);
        assert_eq!(refused("p* x"), 0);
        assert_eq!(refused("pa*rk"), 2);
        assert_eq!(refused("ok colour:red"), 3);
        assert_eq!(refused("tag:Roads"), 4);
        assert_eq!(refused("é tag:"), 6);
        assert_eq!(refused("status:open"), 7);
        assert_eq!(refused(&"x ".repeat(MAX_CLAUSES + 1)), 2 * MAX_CLAUSES);
        assert_eq!(refused(&"x".repeat(MAX_QUERY_CHARS + 1)), MAX_QUERY_CHARS);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_positions_are_inside(text in "\\PC{0,80}") {
            if let Err(refusal) = SearchQuery::parse(&text) {
                proptest::prop_assert!(refusal.position <= text.chars().count());
            }
        }
    }
}
