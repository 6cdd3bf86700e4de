//! Running a built query: counting every match, taking one page of hits in
//! the asked order with snippets, and counting facets, all in one pass over
//! the index. Returns plain `result` types.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::sort_key::{ComparatorEnum, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{AllQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value as _};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, DocAddress, Searcher, TantivyDocument, Term};

use crate::index::MessageIndex;
use crate::message::Message;
use crate::query::Built;
use crate::result::{Facet, FacetCount, Facets, Hit, SearchResult, Snippet, Stats};
use crate::schema;

/// How many characters of text a snippet shows.
const SNIPPET_CHARS: usize = 160;
/// The weight of a word matched by a prefix when choosing a fragment.
const PREFIX_WEIGHT: f32 = 0.5;
/// Facet buckets asked of tantivy: all of them. Not `u32::MAX`: tantivy
/// computes a default of ten times the size even when it is given one, and
/// that must not overflow.
const ALL_VALUES: u32 = u32::MAX / 16;

/// The order of hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Newest,
    Oldest,
}

/// One search to run.
pub struct Request<'a> {
    pub query: &'a Built,
    /// What to echo back as `query` in the result.
    pub echo: String,
    pub sort: Sort,
    /// Hits per page; 0 for every match.
    pub limit: usize,
    pub offset: usize,
    /// Facet names, from `schema::FACETS`.
    pub facets: Vec<String>,
    /// Values per facet; 0 for all.
    pub facet_limit: usize,
}

/// Runs `req` on the committed state seen by `searcher`.
pub fn run(index: &MessageIndex, searcher: &Searcher, req: &Request) -> Result<SearchResult> {
    // No page holds more than every message: clamping also keeps tantivy
    // from sizing buffers (and sums) by a user's `--limit 99999999999`.
    let every = (searcher.num_docs() as usize).max(1);
    let limit = match req.limit {
        0 => every,
        n => n.min(every),
    };
    let top = TopDocs::with_limit(limit).and_offset(req.offset.min(every));
    let aggs = facet_collector(index, &req.facets)?;
    let query = req.query.query.as_ref();
    let (total, page, facets) = match req.sort {
        Sort::Relevance => collect(searcher, query, top.order_by_score(), aggs, Some)?,
        Sort::Newest => collect(
            searcher,
            query,
            top.order_by((
                SortByStaticFastValue::<DateTime>::for_field(schema::DATE),
                ComparatorEnum::Natural,
            )),
            aggs,
            |_| None,
        )?,
        Sort::Oldest => collect(
            searcher,
            query,
            top.order_by((
                SortByStaticFastValue::<DateTime>::for_field(schema::DATE),
                ComparatorEnum::ReverseNoneLower,
            )),
            aggs,
            |_| None,
        )?,
    };
    let highlighter = match req.query.has_text {
        true => Some(Highlighter::new(index, searcher, req.query)?),
        false => None,
    };
    let mut hits = Vec::with_capacity(page.len());
    for (score, address) in page {
        let message = load(index, searcher, address)?;
        let snippet = snippet(highlighter.as_ref(), &message.text);
        hits.push(Hit {
            id: message.id,
            score,
            date: message.date,
            date_precision: message.date_precision,
            sender: message.sender,
            recipients: message.recipients,
            kind: message.kind,
            text: message.text,
            snippet,
            conversation: message.conversation,
            source: message.source,
        });
    }
    Ok(SearchResult {
        query: req.echo.clone(),
        total: total as u64,
        hits,
        facets: Facets(facets_from(&req.facets, facets, req.facet_limit)?),
    })
}

/// One page of hits: score (when ranked) and where the document is.
type Page = Vec<(Option<f32>, DocAddress)>;

/// Runs one pass with the count, the page and the facets together.
fn collect<C, K>(
    searcher: &Searcher,
    query: &dyn Query,
    top: C,
    aggs: AggregationCollector,
    score: impl Fn(K) -> Option<f32>,
) -> Result<(usize, Page, Value)>
where
    C: Collector<Fruit = Vec<(K, DocAddress)>>,
{
    let (total, page, facets) = searcher.search(query, &(Count, top, aggs))?;
    let page = page.into_iter().map(|(k, a)| (score(k), a)).collect();
    Ok((total, page, serde_json::to_value(facets)?))
}

fn facet_collector(index: &MessageIndex, facets: &[String]) -> Result<AggregationCollector> {
    let mut request = serde_json::Map::new();
    for name in facets {
        if !schema::FACETS.contains(&name.as_str()) {
            bail!(
                "there is no facet `{name}` (facets are {})",
                schema::FACETS.join(", ")
            );
        }
        let missing = match name.as_str() {
            "year" | "month" | "day" => "undated",
            _ => "(none)",
        };
        // Every segment reports every value, and the limit is applied after
        // merging: counts are exact, never per-segment estimates.
        request.insert(
            name.clone(),
            json!({"terms": {"field": name, "size": ALL_VALUES, "segment_size": ALL_VALUES, "missing": missing}}),
        );
    }
    let aggs: Aggregations =
        serde_json::from_value(Value::Object(request)).context("building the facet request")?;
    let limits = AggregationLimitsGuard::new(None, Some(u32::MAX));
    let context = AggContextParams::new(limits, index.index.tokenizers().clone());
    Ok(AggregationCollector::from_aggs(aggs, context))
}

/// Reads the terms aggregation results back, ordered by count then value,
/// keeping the first `limit` (all when 0).
fn facets_from(names: &[String], results: Value, limit: usize) -> Result<Vec<Facet>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let buckets = results[name]["buckets"]
            .as_array()
            .ok_or_else(|| anyhow!("facet `{name}` returned no buckets"))?;
        let mut counts: Vec<FacetCount> = buckets
            .iter()
            .map(|b| FacetCount {
                value: match &b["key"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                count: b["doc_count"].as_u64().unwrap_or(0),
            })
            .filter(|c| c.count > 0)
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let more = match limit {
            0 => 0,
            n => counts.len().saturating_sub(n),
        };
        counts.truncate(counts.len() - more);
        out.push(Facet {
            name: name.clone(),
            counts,
            more,
        });
    }
    Ok(out)
}

fn load(index: &MessageIndex, searcher: &Searcher, address: DocAddress) -> Result<Message> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let record = doc
        .get_first(index.fields.record)
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow!("a stored message has no record; re-create the index"))?;
    serde_json::from_str(record).context("a stored message cannot be read; re-create the index")
}

/// Picks the best fragment of a text and marks the query's words in it.
struct Highlighter {
    /// The query's words in the text field, weighted as tantivy's snippet
    /// generator weights them (rarer words count more).
    terms: BTreeMap<String, f32>,
    prefixes: Vec<String>,
    analyzer: TextAnalyzer,
    field: Field,
}

impl Highlighter {
    fn new(index: &MessageIndex, searcher: &Searcher, query: &Built) -> Result<Highlighter> {
        let field = index.fields.text;
        let mut words = BTreeSet::new();
        query.query.query_terms(&mut |term, _| {
            if term.field() == field {
                words.insert(term.clone());
            }
        });
        let mut terms = BTreeMap::new();
        for term in words {
            let doc_freq = searcher.doc_freq(&term)?;
            if let (Some(word), true) = (term.value().as_str(), doc_freq > 0) {
                terms.insert(word.to_string(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
        Ok(Highlighter {
            terms,
            prefixes: query.prefixes.clone(),
            analyzer: index.index.tokenizer_for_field(field)?,
            field,
        })
    }

    /// A snippet of `text`. Words matched by a prefix are found in the text
    /// itself, so the dictionary is never scanned for them.
    fn snippet(&self, text: &str) -> tantivy::snippet::Snippet {
        let mut terms = self.terms.clone();
        if !self.prefixes.is_empty() {
            let mut analyzer = self.analyzer.clone();
            let mut stream = analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                if self
                    .prefixes
                    .iter()
                    .any(|p| token.text.starts_with(p.as_str()))
                {
                    terms.entry(token.text.clone()).or_insert(PREFIX_WEIGHT);
                }
            }
        }
        let generator =
            SnippetGenerator::new(terms, self.analyzer.clone(), self.field, SNIPPET_CHARS);
        generator.snippet(text)
    }
}

fn snippet(highlighter: Option<&Highlighter>, text: &str) -> Snippet {
    if let Some(highlighter) = highlighter {
        let s = highlighter.snippet(text);
        if !s.highlighted().is_empty() {
            // tantivy ends a fragment at its last word; keep the punctuation
            // that closes it ("Rigged system!", not "Rigged system").
            let range = s.fragment_range();
            let tail = text[range.end..]
                .find(char::is_whitespace)
                .unwrap_or(text.len() - range.end);
            let end = range.end + tail;
            return Snippet {
                fragment: text[range.start..end].to_string(),
                highlighted: s.highlighted().to_vec(),
                cut: end < text.trim_end().len(),
            };
        }
    }
    // The start of the text, cut at a space when it is too long.
    let end = match text.char_indices().nth(SNIPPET_CHARS) {
        None => text.len(),
        Some((limit, _)) => text[..limit]
            .rfind(char::is_whitespace)
            .filter(|&space| space > 0)
            .unwrap_or(limit),
    };
    Snippet {
        fragment: text[..end].to_string(),
        highlighted: Vec::new(),
        cut: end < text.len(),
    }
}

/// Finds one message by id.
pub fn show(index: &MessageIndex, searcher: &Searcher, id: &str) -> Result<Option<Message>> {
    let term = Term::from_field_text(index.fields.id, id);
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    found
        .first()
        .map(|(_, address)| load(index, searcher, *address))
        .transpose()
}

/// Counts for `missive stats`.
pub fn stats(index: &MessageIndex, searcher: &Searcher, top_senders: usize) -> Result<Stats> {
    let all = Built {
        query: Box::new(AllQuery),
        has_text: false,
        prefixes: Vec::new(),
    };
    let oldest = || -> Result<Option<Hit>> {
        let req = Request {
            query: &all,
            echo: String::new(),
            sort: Sort::Oldest,
            limit: 1,
            offset: 0,
            facets: Vec::new(),
            facet_limit: 1,
        };
        Ok(run(index, searcher, &req)?
            .hits
            .pop()
            .filter(|h| h.date.is_some()))
    };
    let first = oldest()?;
    // Newest first, so its one hit is the latest message.
    let mut result = run(
        index,
        searcher,
        &Request {
            query: &all,
            echo: String::new(),
            sort: Sort::Newest,
            limit: 1,
            offset: 0,
            facets: vec!["type".into(), "sender".into(), "year".into()],
            facet_limit: 0,
        },
    )?;
    let last = result.hits.first().and_then(|h| h.date.clone());
    let mut take = |i: usize| std::mem::take(&mut result.facets.0[i].counts);
    let (types, mut senders, years) = (take(0), take(1), take(2));
    senders.truncate(top_senders);
    let undated = years
        .iter()
        .find(|c| c.value == "undated")
        .map_or(0, |c| c.count);
    Ok(Stats {
        index: index.dir.display().to_string(),
        messages: result.total,
        undated,
        first: first.and_then(|h| h.date),
        last,
        types,
        senders,
    })
}
