//! The index schema: every field name, how each field is analysed, and the two
//! text analysers (`text` for message bodies, `name` for people).
//!
//! This is the only place that knows field names. Everything else asks `Fields`.

use tantivy::Index;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// Analyser for message text: words split on non-alphanumerics, lower-cased,
/// accents folded. No stemming, so a query finds the words it names.
pub const TEXT_ANALYZER: &str = "missive_text";
/// Analyser for sender and recipient names: the same rules as text, so that
/// `from:pence` finds "Mike Pence" and `from:jose` finds "José".
pub const NAME_ANALYZER: &str = "missive_name";

/// The date field's name, which sorting by date refers to.
pub const DATE: &str = "date";

/// Facets a user can ask for, by the name used on the command line and in JSON.
pub const FACETS: &[&str] = &[
    "sender",
    "recipients",
    "type",
    "conversation",
    "year",
    "month",
    "day",
];

/// Handles to every field of the schema.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Unique message id (raw, for upserts and `show`).
    pub id: Field,
    /// The whole canonical record as JSON, stored only.
    pub record: Field,
    /// Message body, analysed with positions (phrases, ranking, snippets).
    pub text: Field,
    /// Sender as given (facets).
    pub sender: Field,
    /// Sender's normalised whole name (`from:"donald trump"`).
    pub sender_key: Field,
    /// Sender's name words (`from:pence`).
    pub sender_words: Field,
    /// Recipients as given, multi-valued (facets).
    pub recipients: Field,
    pub recipient_key: Field,
    pub recipient_words: Field,
    /// Lower-case message type (`dm`, `tweet`, ...).
    pub kind: Field,
    pub conversation: Field,
    /// Start of the message's date as UTC, second precision. Absent when undated.
    pub date: Field,
    /// Date facet values at the message's own precision (see `crate::date`).
    pub year: Field,
    pub month: Field,
    pub day: Field,
}

/// Builds the schema and returns it with its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let raw_fast = STRING | FAST;
    let names = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(NAME_ANALYZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let date = DateOptions::from(INDEXED)
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        record: b.add_text_field("record", STORED),
        text: b.add_text_field("text", text),
        sender: b.add_text_field("sender", raw_fast.clone()),
        sender_key: b.add_text_field("sender_key", STRING),
        sender_words: b.add_text_field("sender_words", names.clone()),
        recipients: b.add_text_field("recipients", raw_fast.clone()),
        recipient_key: b.add_text_field("recipient_key", STRING),
        recipient_words: b.add_text_field("recipient_words", names),
        kind: b.add_text_field("type", raw_fast.clone()),
        conversation: b.add_text_field("conversation", raw_fast.clone()),
        date: b.add_date_field(DATE, date),
        year: b.add_text_field("year", raw_fast.clone()),
        month: b.add_text_field("month", raw_fast.clone()),
        day: b.add_text_field("day", raw_fast),
    };
    (b.build(), fields)
}

/// Looks the field handles up in an existing index's schema, or says why the
/// index is not one of ours.
pub fn fields_of(schema: &Schema) -> Result<Fields, String> {
    let (expected, fields) = build();
    for (field, entry) in expected.fields() {
        match schema.get_field(entry.name()) {
            Ok(f) if f == field && schema.get_field_entry(f) == entry => {}
            _ => return Err(format!("it has no compatible field `{}`", entry.name())),
        }
    }
    Ok(fields)
}

/// Registers the analysers on an index. Must be called on every open index.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(TEXT_ANALYZER, analyzer());
    index.tokenizers().register(NAME_ANALYZER, analyzer());
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens of a name, as the name analyser sees them.
pub fn name_tokens(name: &str) -> Vec<String> {
    tokens(name)
}

/// The tokens of a piece of text, as the text analyser sees them.
pub fn text_tokens(text: &str) -> Vec<String> {
    tokens(text)
}

fn tokens(s: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(s);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(token.text.clone());
    }
    tokens
}

/// A name's whole-name key: its tokens joined by one space, so that case,
/// accents and punctuation do not matter (`Donald Trump Jr.` = `donald trump jr`).
pub fn name_key(name: &str) -> String {
    let tokens = name_tokens(name);
    if tokens.is_empty() {
        name.trim().to_lowercase()
    } else {
        tokens.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_ignores_case_accents_and_punctuation() {
        assert_eq!(name_key("Donald Trump Jr."), "donald trump jr");
        assert_eq!(name_key("  José  Núñez "), "jose nunez");
        assert_eq!(name_key("@wikileaks"), "wikileaks");
        assert_ne!(name_key("Donald Trump"), name_key("Donald Trump Jr."));
    }

    #[test]
    fn built_schema_is_compatible_with_itself() {
        let (schema, _) = build();
        assert!(fields_of(&schema).is_ok());
    }
}
