//! Building a tantivy query from what the user typed: tantivy's query syntax
//! over the text, plus the inline operators people know from Twitter and
//! notmuch (`from:`, `to:`, `type:`, `since:`, `until:`), plus the flags.
//!
//! The syntax is parsed by tantivy's own grammar; this module only walks the
//! tree it returns, turning operator leaves into field queries and giving
//! clauses Lucene's meaning (AND by default, `a AND NOT b`, a lone `-b`).

use std::ops::Bound;

use tantivy::DateTime;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, ExistsQuery, FuzzyTermQuery, Occur, Query,
    QueryParser, QueryParserError, RangeQuery, TermQuery,
};
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption, Schema};

use crate::date::Date;
use crate::index::MessageIndex;
use crate::schema::{self, Fields};

/// Field names a query may use, for error messages.
pub const QUERY_FIELDS: &str =
    "text, from, to, type, since, until, date, conversation, id (and sender, recipient)";

/// Restrictions given as flags; each list matches any of its values, and the
/// lists combine with AND.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub senders: Vec<String>,
    pub recipients: Vec<String>,
    pub types: Vec<String>,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

/// A query ready to run.
pub struct Built {
    pub query: Box<dyn Query>,
    /// True when some words must match the text (so ranking means something).
    pub has_text: bool,
    /// Analysed prefixes the text is searched for (`dishon*`), so snippets
    /// can mark the words they matched.
    pub prefixes: Vec<String>,
}

/// Parses `text` and combines it with `filters`. The error names what is
/// wrong and where.
pub fn build(index: &MessageIndex, text: &str, filters: &Filters) -> Result<Built, String> {
    let f = index.fields;
    let mut parser = QueryParser::for_index(&index.index, vec![f.text]);
    parser.set_conjunction_by_default();
    let mut builder = Builder {
        f,
        schema: index.index.schema(),
        parser,
        has_text: false,
        prefixes: Vec::new(),
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !text.trim().is_empty() {
        let (ast, errors) = tantivy::query_grammar::parse_query_lenient(text);
        if let Some(e) = errors.first() {
            return Err(point_at(text, e.pos, &e.message));
        }
        clauses.push((Occur::Must, builder.convert(ast, false, text)?));
    }
    let f = &builder.f;
    let any_of = |values: &[String], one: &dyn Fn(&str) -> Box<dyn Query>| {
        let list = values.iter().map(|v| (Occur::Should, one(v))).collect();
        Box::new(BooleanQuery::new(list)) as Box<dyn Query>
    };
    if !filters.senders.is_empty() {
        let q = any_of(&filters.senders, &|n| {
            name_query(f.sender_key, f.sender_words, n)
        });
        clauses.push((Occur::Must, q));
    }
    if !filters.recipients.is_empty() {
        let q = any_of(&filters.recipients, &|n| {
            name_query(f.recipient_key, f.recipient_words, n)
        });
        clauses.push((Occur::Must, q));
    }
    if !filters.types.is_empty() {
        let q = any_of(&filters.types, &|t| type_query(f.kind, t));
        clauses.push((Occur::Must, q));
    }
    if let Some(d) = filters.since {
        clauses.push((Occur::Must, since_query(f.date, d)));
    }
    if let Some(d) = filters.until {
        clauses.push((Occur::Must, until_query(f.date, d)));
    }
    let query: Box<dyn Query> = match clauses.len() {
        0 => Box::new(AllQuery),
        1 => clauses
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| Box::new(AllQuery)),
        _ => Box::new(BooleanQuery::new(clauses)),
    };
    Ok(Built {
        query,
        has_text: builder.has_text,
        prefixes: builder.prefixes,
    })
}

struct Builder {
    f: Fields,
    schema: Schema,
    parser: QueryParser,
    has_text: bool,
    prefixes: Vec<String>,
}

impl Builder {
    fn convert(
        &mut self,
        ast: UserInputAst,
        negated: bool,
        text: &str,
    ) -> Result<Box<dyn Query>, String> {
        match ast {
            UserInputAst::Clause(children) => {
                let mut clauses = Vec::with_capacity(children.len() + 1);
                for (occur, child) in children {
                    let occur = occur.unwrap_or(Occur::Must);
                    // `a AND NOT b` parses as `+a +(-b)`: lift the exclusions
                    // of a required, wholly negative group into this clause,
                    // so that it means (and ranks like) `+a -b`.
                    let child = match (occur, child) {
                        (Occur::Must, UserInputAst::Clause(group)) if all_negative(&group) => {
                            for (_, excluded) in group {
                                let query = self.convert(excluded, !negated, text)?;
                                clauses.push((Occur::MustNot, query));
                            }
                            continue;
                        }
                        (_, child) => child,
                    };
                    let negated = negated ^ (occur == Occur::MustNot);
                    clauses.push((occur, self.convert(child, negated, text)?));
                }
                // A clause with nothing positive (`-b`, or the `NOT b` of
                // `a AND NOT b`) means "everything except", as in Lucene's
                // query parser and notmuch, not "nothing".
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
            UserInputAst::Boost(inner, boost) => Ok(Box::new(BoostQuery::new(
                self.convert(*inner, negated, text)?,
                boost.into_inner() as f32,
            ))),
            UserInputAst::Leaf(leaf) => self.leaf(*leaf, negated, text),
        }
    }

    fn leaf(
        &mut self,
        leaf: UserInputLeaf,
        negated: bool,
        text: &str,
    ) -> Result<Box<dyn Query>, String> {
        let f = self.f;
        let op = match &leaf {
            UserInputLeaf::Literal(lit) => lit.field_name.clone(),
            UserInputLeaf::Range { field, .. }
            | UserInputLeaf::Set { field, .. }
            | UserInputLeaf::Regex { field, .. } => field.clone(),
            UserInputLeaf::Exists { field } => Some(field.clone()),
            UserInputLeaf::All => None,
        };
        if let UserInputLeaf::Exists { field } = &leaf {
            return self.has_value(field, text);
        }
        let name = op.as_deref().unwrap_or_default();
        let leaf = match (Operator::named(name), leaf) {
            (Some(operator), UserInputLeaf::Literal(lit)) => {
                let value = operator.value(name, &lit, text)?;
                return operator.query(&f, name, &value, text);
            }
            // `date:[… TO …}` is tantivy's own range syntax.
            (Some(Operator::Date), leaf) | (None, leaf) => leaf,
            (Some(operator), _) => {
                return Err(format!(
                    "bad query `{text}`: `{name}:` takes one value, as in {name}:{}",
                    operator.example()
                ));
            }
        };
        if let UserInputLeaf::Literal(lit) = &leaf {
            if lit.delimiter == Delimiter::None && lit.phrase.contains('~') {
                return Err(format!(
                    "bad query `{text}`: fuzzy matching (`{}`) is not supported; \
                     `~N` sets the slop of a quoted phrase (\"dishonest media\"~2), \
                     and a word with `~` in it goes in quotes",
                    lit.phrase
                ));
            }
            let bare_operator = lit.field_name.is_none()
                && lit.delimiter == Delimiter::None
                && matches!(lit.phrase.as_str(), "AND" | "OR" | "NOT");
            if bare_operator {
                return Err(format!(
                    "bad query `{text}`: `{}` needs a term on each side \
                     (quote it to search for the word: \"{}\")",
                    lit.phrase,
                    lit.phrase.to_lowercase()
                ));
            }
        }
        let on_text = matches!(op.as_deref(), None | Some("text"));
        if on_text && !negated {
            self.has_text = true;
        }
        let mut leaf = leaf;
        if let UserInputLeaf::Literal(lit) = &mut leaf {
            // The grammar leaves the `*` of an unquoted `word*` in the word;
            // make it the prefix it means.
            if on_text
                && lit.delimiter == Delimiter::None
                && !lit.prefix
                && let Some(stem) = lit.phrase.strip_suffix('*')
            {
                lit.phrase = stem.to_string();
                lit.prefix = true;
            }
            if lit.delimiter == Delimiter::None && has_inner_wildcard(&lit.phrase) {
                return Err(format!(
                    "bad query `{text}`: `{}`: a wildcard works only at the end of a \
                     word of the text (leak*); quote the word to search for it as it is",
                    lit.phrase
                ));
            }
            // tantivy's parser takes a prefix for a phrase prefix, which needs
            // two words; one word is a plain prefix of the analysed word.
            let tokens = schema::text_tokens(&lit.phrase);
            if on_text && lit.prefix && !negated {
                self.prefixes.extend(tokens.last().cloned());
            }
            if on_text && lit.prefix && tokens.len() == 1 {
                let term = Term::from_field_text(f.text, &tokens[0]);
                return Ok(Box::new(FuzzyTermQuery::new_prefix(term, 0, true)));
            }
        }
        let query = self
            .parser
            .build_query_from_user_input_ast(UserInputAst::Leaf(Box::new(leaf)))
            .map_err(|e| parser_error(text, e))?;
        // Exact-match fields (id, conversation) filter; only text is ranked.
        Ok(match op.as_deref() {
            None | Some("text") => query,
            _ => Box::new(ConstScoreQuery::new(query, 0.0)),
        })
    }
}

impl Builder {
    /// `FIELD:*`: messages with a value in a fast field (an operator stands
    /// for its field: `to:*` is "has recipients").
    fn has_value(&self, field: &str, text: &str) -> Result<Box<dyn Query>, String> {
        let name: &str = match Operator::named(field) {
            Some(operator) => operator.field(),
            None => field,
        };
        let schema = &self.schema;
        let Ok(handle) = schema.get_field(name) else {
            return Err(parser_error(
                text,
                QueryParserError::FieldDoesNotExist(field.to_string()),
            ));
        };
        // Any other field would fail only when the search runs, with a
        // message about the schema.
        if !schema.get_field_entry(handle).is_fast() {
            return Err(format!(
                "bad query `{text}`: `{field}:*` is not supported; \
                 `FIELD:*` (has a value) works on from, to, {}, date",
                schema::FACETS.join(", ")
            ));
        }
        Ok(Box::new(ExistsQuery::new(name.to_string(), false)))
    }
}

/// The inline operators, under every name each answers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    From,
    To,
    Type,
    Since,
    Until,
    Date,
}

impl Operator {
    fn named(name: &str) -> Option<Operator> {
        Some(match name {
            "from" | "sender" => Operator::From,
            "to" | "recipient" | "recipients" => Operator::To,
            "type" => Operator::Type,
            "since" => Operator::Since,
            "until" => Operator::Until,
            "date" => Operator::Date,
            _ => return None,
        })
    }

    /// The schema field the operator reads.
    fn field(self) -> &'static str {
        match self {
            Operator::From => "sender",
            Operator::To => "recipients",
            Operator::Type => "type",
            Operator::Since | Operator::Until | Operator::Date => schema::DATE,
        }
    }

    fn example(self) -> &'static str {
        match self {
            Operator::Type => "dm",
            Operator::Since | Operator::Until | Operator::Date => "2016-10-12",
            Operator::From | Operator::To => "\"Mike Pence\"",
        }
    }

    /// The plain value an operator takes (no wildcard, no slop, not empty).
    fn value(self, name: &str, lit: &UserInputLiteral, text: &str) -> Result<String, String> {
        if lit.prefix || lit.slop > 0 || lit.phrase.ends_with('*') || lit.phrase.contains('~') {
            return Err(format!(
                "bad query `{text}`: `{name}:` takes a plain value, without `*` or `~`"
            ));
        }
        let value = lit.phrase.trim();
        if value.is_empty() {
            return Err(format!(
                "bad query `{text}`: `{name}:` needs a value, as in {name}:{}",
                self.example()
            ));
        }
        Ok(value.to_string())
    }

    /// The query for `name:value`; filters, never ranks.
    fn query(
        self,
        f: &Fields,
        name: &str,
        value: &str,
        text: &str,
    ) -> Result<Box<dyn Query>, String> {
        let date =
            || Date::parse(value).map_err(|e| format!("bad query `{text}`: in `{name}:`, {e}"));
        Ok(match self {
            Operator::From => name_query(f.sender_key, f.sender_words, value),
            Operator::To => name_query(f.recipient_key, f.recipient_words, value),
            Operator::Type => type_query(f.kind, value),
            Operator::Since => since_query(f.date, date()?),
            Operator::Until => until_query(f.date, date()?),
            Operator::Date => {
                let date = date()?;
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, since_query(f.date, date)),
                    (Occur::Must, until_query(f.date, date)),
                ]))
            }
        })
    }
}

fn all_negative(group: &[(Option<Occur>, UserInputAst)]) -> bool {
    !group.is_empty() && group.iter().all(|(o, _)| *o == Some(Occur::MustNot))
}

/// A `*` left in a word (after a final one became a prefix), or a `?`
/// between letters: wildcards tantivy's grammar would pass on as text.
fn has_inner_wildcard(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    chars.contains(&'*')
        || chars
            .windows(3)
            .any(|w| w[1] == '?' && w[0].is_alphanumeric() && w[2].is_alphanumeric())
}

/// Messages whose name (sender or one recipient) is `name` as a whole, or has
/// `name` as one of its words; case and accents aside. Filters, never ranks.
fn name_query(key_field: Field, words_field: Field, name: &str) -> Box<dyn Query> {
    let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Should,
        Box::new(TermQuery::new(
            Term::from_field_text(key_field, &schema::name_key(name)),
            IndexRecordOption::Basic,
        )),
    )];
    if let [word] = schema::name_tokens(name).as_slice() {
        either.push((
            Occur::Should,
            Box::new(TermQuery::new(
                Term::from_field_text(words_field, word),
                IndexRecordOption::Basic,
            )),
        ));
    }
    Box::new(ConstScoreQuery::new(
        Box::new(BooleanQuery::new(either)),
        0.0,
    ))
}

fn type_query(field: Field, kind: &str) -> Box<dyn Query> {
    let term = Term::from_field_text(field, &kind.trim().to_lowercase());
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        0.0,
    ))
}

/// On or after the start of `date` (inclusive: `since:2016-10` includes 1 October).
fn since_query(field: Field, date: Date) -> Box<dyn Query> {
    let start = DateTime::from_timestamp_secs(date.start.timestamp());
    Box::new(ConstScoreQuery::new(
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_date(field, start)),
            Bound::Unbounded,
        )),
        0.0,
    ))
}

/// Before the end of `date` (inclusive: `until:2016-10` includes 31 October).
fn until_query(field: Field, date: Date) -> Box<dyn Query> {
    let end = DateTime::from_timestamp_secs(date.end().timestamp());
    Box::new(ConstScoreQuery::new(
        Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Excluded(Term::from_field_date(field, end)),
        )),
        0.0,
    ))
}

fn parser_error(text: &str, e: QueryParserError) -> String {
    match e {
        QueryParserError::FieldDoesNotExist(field) => format!(
            "bad query `{text}`: there is no field `{field}:` (fields are {QUERY_FIELDS}; \
             to search for text with a colon, put it in quotes)"
        ),
        e => format!("bad query `{text}`: {e}"),
    }
}

/// An error message with a caret under the character at `pos`.
fn point_at(text: &str, pos: usize, why: &str) -> String {
    let column = text.char_indices().take_while(|(i, _)| *i < pos).count();
    let hint = if why.contains("invalid field") {
        " (a value with a colon, such as a time, goes in quotes: since:\"2016-10-12T15:03:00Z\")"
    } else {
        ""
    };
    format!(
        "bad query at column {}: {why}{hint}\n  {text}\n  {}^",
        column + 1,
        " ".repeat(column)
    )
}
