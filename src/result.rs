//! What a search returns: plain, serialisable data with no tie to tantivy.
//! These types *are* the JSON contract of `missive search --format json`.

use std::ops::Range;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::date::Precision;

/// The answer to one search.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResult {
    /// The query as the user gave it, with flags written as inline operators.
    pub query: String,
    /// Every message that matched, not just this page.
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// One matching message.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub id: String,
    /// Relevance score; `null` when sorted by date.
    pub score: Option<f32>,
    pub date: Option<String>,
    pub date_precision: Option<Precision>,
    pub sender: String,
    pub recipients: Vec<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub snippet: Snippet,
    pub conversation: Option<String>,
    pub source: Option<String>,
}

/// A piece of the text with the matched words marked. Serialises as HTML:
/// the text escaped, matches in `<b>…</b>`.
#[derive(Clone, Debug, Default)]
pub struct Snippet {
    pub fragment: String,
    /// Byte ranges of `fragment` that matched, in order, not overlapping.
    pub highlighted: Vec<Range<usize>>,
    /// True when the text goes on after the fragment.
    pub cut: bool,
}

impl Snippet {
    /// The fragment with each match wrapped in `open` … `close`, the rest
    /// passed through `escape`.
    pub fn render(&self, open: &str, close: &str, escape: impl Fn(&str) -> String) -> String {
        let mut out = String::with_capacity(self.fragment.len() + 16);
        let mut at = 0;
        for r in &self.highlighted {
            out.push_str(&escape(&self.fragment[at..r.start]));
            out.push_str(open);
            out.push_str(&escape(&self.fragment[r.clone()]));
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&escape(&self.fragment[at..]));
        out
    }

    pub fn to_html(&self) -> String {
        self.render("<b>", "</b>", |s| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
    }
}

impl Serialize for Snippet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_html())
    }
}

/// One value of a facet and how many matching messages have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// One facet: its most frequent values, and how many values the limit left out.
#[derive(Clone, Debug, Default)]
pub struct Facet {
    pub name: String,
    pub counts: Vec<FacetCount>,
    /// Values not shown because of `--facet-limit`.
    pub more: usize,
}

/// Facets in the order they were asked for; serialises as a JSON object of
/// name → counts.
#[derive(Clone, Debug, Default)]
pub struct Facets(pub Vec<Facet>);

impl Serialize for Facets {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for facet in &self.0 {
            map.serialize_entry(&facet.name, &facet.counts)?;
        }
        map.end()
    }
}

/// The answer to `missive stats`.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub index: String,
    pub messages: u64,
    pub undated: u64,
    /// The earliest and latest dates, at their precision.
    pub first: Option<String>,
    pub last: Option<String>,
    pub types: Vec<FacetCount>,
    pub senders: Vec<FacetCount>,
}
