//! The bundled corpus: it parses, its ids are unique, every record has the
//! required fields and passes the same checks as any ingested record, and it
//! claims no more than the article states (no clock times; a source and a
//! note on every record).

use std::collections::HashSet;

use missive::date::Precision;
use missive::message::Message;
use serde_json::Value;

fn records() -> Vec<(usize, Value)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/wikileaks-2016.ndjson");
    let text = std::fs::read_to_string(path).expect("corpus file is readable");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("corpus line {}: invalid JSON: {e}", i + 1));
            (i + 1, v)
        })
        .collect()
}

#[test]
fn every_record_parses_with_the_required_fields() {
    let records = records();
    assert!(
        records.len() >= 10,
        "the article reports at least 10 messages"
    );
    for (line, record) in records {
        for field in ["id", "type", "sender", "text", "source", "note"] {
            let value = record.get(field).and_then(Value::as_str);
            assert!(
                value.is_some_and(|v| !v.trim().is_empty()),
                "line {line}: `{field}` missing or empty"
            );
        }
        Message::from_record(record).unwrap_or_else(|e| panic!("line {line}: {e}"));
    }
}

#[test]
fn ids_are_unique() {
    let mut seen = HashSet::new();
    for (line, record) in records() {
        let id = record["id"].as_str().unwrap_or_default().to_string();
        assert!(seen.insert(id.clone()), "line {line}: duplicate id `{id}`");
    }
}

#[test]
fn no_record_claims_a_time_of_day() {
    // The article gives days, months and a year, never a clock time.
    for (line, record) in records() {
        let message = Message::from_record(record).unwrap();
        if let Some(p) = message.date_precision {
            assert!(
                p <= Precision::Day,
                "line {line}: precision {p} is finer than the article"
            );
        }
    }
}

#[test]
fn the_corpus_covers_every_kind_the_article_reports() {
    let messages: Vec<Message> = records()
        .into_iter()
        .map(|(_, r)| Message::from_record(r).unwrap())
        .collect();
    let has = |kind: &str, sender: &str| {
        messages
            .iter()
            .any(|m| m.kind == kind && m.sender == sender)
    };
    assert!(has("dm", "WikiLeaks"));
    assert!(has("dm", "Donald Trump Jr."));
    assert!(has("tweet", "Donald Trump"));
    assert!(has("tweet", "Donald Trump Jr."));
    assert!(has("statement", "Mike Pence"));
    assert!(has("statement", "The New York Times"));
    assert!(has("statement", "Merriam-Webster"));
    assert!(
        messages.iter().any(|m| m.date.is_none()),
        "an undated record"
    );
}
