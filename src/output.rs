//! Printing results: a table readable at 80 columns (bold matches on a
//! terminal), JSON, NDJSON and CSV. Knows nothing of tantivy or of flags.

use std::io::{self, Write};

use anyhow::Result;
use serde::Serialize;

use crate::ingest::Summary;
use crate::message::Message;
use crate::result::{FacetCount, Hit, SearchResult, Snippet, Stats};

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, two or three lines a message.
    Table,
    /// One JSON object: query, total, hits, facets.
    Json,
    /// One JSON object per hit, one per line.
    Ndjson,
    /// A header row, then one row per hit.
    Csv,
}

/// How the table looks where it is printed.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Bold matches and dim ids (a terminal that wants colour).
    pub ansi: bool,
    pub width: usize,
}

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
/// Lines of snippet shown per hit in the table.
const SNIPPET_LINES: usize = 3;

pub fn search(out: &mut dyn Write, r: &SearchResult, format: Format, style: Style) -> Result<()> {
    match format {
        Format::Json => json(out, r)?,
        Format::Ndjson => {
            for hit in &r.hits {
                serde_json::to_writer(&mut *out, hit)?;
                writeln!(out)?;
            }
        }
        Format::Csv => csv_hits(out, &r.hits)?,
        Format::Table => table(out, r, style)?,
    }
    Ok(())
}

fn json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

fn csv_hits(out: &mut dyn Write, hits: &[Hit]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "score",
        "date",
        "date_precision",
        "sender",
        "recipients",
        "type",
        "text",
        "snippet",
        "conversation",
        "source",
    ])?;
    for h in hits {
        w.write_record([
            h.id.as_str(),
            &h.score.map(|s| s.to_string()).unwrap_or_default(),
            h.date.as_deref().unwrap_or(""),
            h.date_precision.map(|p| p.as_str()).unwrap_or(""),
            &h.sender,
            &h.recipients.join("; "),
            &h.kind,
            &h.text,
            &h.snippet.to_html(),
            h.conversation.as_deref().unwrap_or(""),
            h.source.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn table(out: &mut dyn Write, r: &SearchResult, style: Style) -> Result<()> {
    let width = style.width.max(40);
    for hit in &r.hits {
        let who = if hit.recipients.is_empty() {
            hit.sender.clone()
        } else {
            format!("{} → {}", hit.sender, hit.recipients.join(", "))
        };
        let date = hit.date.as_deref().unwrap_or("undated");
        let head = format!("{date:<10}  {:<9} {who}", hit.kind);
        writeln!(out, "{}", truncate(&head, width))?;
        // Four columns of indent, two kept free for a closing " …".
        let lines = wrap(&hit.snippet, width - 6);
        let shown = lines.len().min(SNIPPET_LINES);
        for (i, line) in lines.iter().take(shown).enumerate() {
            let last = i + 1 == shown;
            let more = if last && (lines.len() > shown || hit.snippet.cut) {
                " …"
            } else {
                ""
            };
            let text = if style.ansi {
                line.render(BOLD, RESET, str::to_string)
            } else {
                line.fragment.clone()
            };
            writeln!(out, "    {text}{more}")?;
        }
        // Whole, even past the width: an id is for copying into `show`.
        let id = format!("id: {}", hit.id);
        if style.ansi {
            writeln!(out, "    {DIM}{id}{RESET}")?;
        } else {
            writeln!(out, "    {id}")?;
        }
        writeln!(out)?;
    }
    let shown = r.hits.len();
    let noun = if r.total == 1 { "message" } else { "messages" };
    if shown as u64 == r.total {
        writeln!(out, "{} {noun} matched", r.total)?;
    } else {
        writeln!(out, "{} {noun} matched; {shown} shown", r.total)?;
    }
    for facet in &r.facets.0 {
        writeln!(out)?;
        writeln!(out, "{}:", facet.name)?;
        if facet.counts.is_empty() {
            writeln!(out, "  (no values)")?;
        }
        facet_rows(out, &facet.counts, width)?;
        if facet.more > 0 {
            let s = if facet.more == 1 { "" } else { "s" };
            writeln!(out, "  … {} more value{s}", facet.more)?;
        }
    }
    Ok(())
}

fn facet_rows(out: &mut dyn Write, counts: &[FacetCount], width: usize) -> Result<()> {
    let digits = counts
        .iter()
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    for c in counts {
        let row = format!("  {:>digits$}  {}", c.count, c.value);
        writeln!(out, "{}", truncate(&row, width))?;
    }
    Ok(())
}

/// Splits a snippet into lines of at most `width` characters, at spaces,
/// keeping each line's highlights.
fn wrap(snippet: &Snippet, width: usize) -> Vec<Snippet> {
    let text = &snippet.fragment;
    let mut lines = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut chars = 0;
    let width = width.max(1);
    // Words with their byte span and length in characters; a word longer
    // than a line (a URL) is split into pieces that fit.
    let mut words = text.split_whitespace().flat_map(|w| {
        let at = w.as_ptr() as usize - text.as_ptr() as usize;
        let bounds: Vec<usize> = w
            .char_indices()
            .map(|(i, _)| i)
            .step_by(width)
            .chain([w.len()])
            .collect();
        bounds
            .windows(2)
            .map(|b| (at + b[0], at + b[1], w[b[0]..b[1]].chars().count()))
            .collect::<Vec<_>>()
    });
    // Line breaks and tabs inside a line become spaces (one byte for one,
    // so the highlight ranges stay put).
    let cut = |from: usize, to: usize| Snippet {
        fragment: text[from..to].replace(['\n', '\r', '\t'], " "),
        highlighted: snippet
            .highlighted
            .iter()
            .filter(|r| r.start < to && r.end > from)
            .map(|r| r.start.max(from) - from..r.end.min(to) - from)
            .collect(),
        cut: false,
    };
    for (w_start, w_end, w_chars) in words.by_ref() {
        match start {
            Some(s) if chars + 1 + w_chars > width => {
                lines.push(cut(s, end));
                start = Some(w_start);
                chars = w_chars;
            }
            Some(_) => chars += 1 + w_chars,
            None => {
                start = Some(w_start);
                chars = w_chars;
            }
        }
        end = w_end;
    }
    if let Some(s) = start {
        lines.push(cut(s, end));
    }
    lines
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// `missive show`.
pub fn message(out: &mut dyn Write, m: &Message, json_format: bool, width: usize) -> Result<()> {
    if json_format {
        return json(out, m);
    }
    let date = match (&m.date, m.date_precision) {
        (Some(d), Some(p)) => format!("{d} (known to the {p})"),
        (Some(d), None) => d.clone(),
        _ => "undated".into(),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("id", m.id.clone()),
        ("type", m.kind.clone()),
        ("sender", m.sender.clone()),
        ("recipients", m.recipients.join(", ")),
        ("date", date),
    ];
    let optional = [
        ("conversation", &m.conversation),
        ("source", &m.source),
        ("url", &m.url),
        ("note", &m.note),
    ];
    rows.extend(
        optional
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.clone()))),
    );
    for (k, v) in &m.extra {
        let v = match v {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        rows.push((k.as_str(), v));
    }
    let key_width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        let lines = wrap(&plain(v), width.saturating_sub(key_width).max(20));
        for (i, line) in lines.iter().enumerate() {
            let label = if i == 0 {
                format!("{k}:")
            } else {
                String::new()
            };
            writeln!(out, "{label:<key_width$}{}", line.fragment)?;
        }
    }
    writeln!(out)?;
    for line in wrap(&plain(&m.text), width) {
        writeln!(out, "{}", line.fragment)?;
    }
    Ok(())
}

fn plain(s: &str) -> Snippet {
    Snippet {
        fragment: s.to_string(),
        highlighted: Vec::new(),
        cut: false,
    }
}

/// `missive stats`.
pub fn stats(out: &mut dyn Write, s: &Stats, json_format: bool, width: usize) -> Result<()> {
    if json_format {
        return json(out, s);
    }
    writeln!(out, "index:     {}", s.index)?;
    writeln!(out, "messages:  {} ({} undated)", s.messages, s.undated)?;
    if let (Some(first), Some(last)) = (&s.first, &s.last) {
        writeln!(out, "dates:     {first} to {last}")?;
    }
    writeln!(out, "\ntypes:")?;
    facet_rows(out, &s.types, width)?;
    writeln!(out, "\ntop senders:")?;
    facet_rows(out, &s.senders, width)?;
    Ok(())
}

/// `missive index`.
pub fn summary(out: &mut dyn Write, s: &Summary, json_format: bool) -> Result<()> {
    if json_format {
        return json(out, s);
    }
    writeln!(
        out,
        "{} added, {} replaced, {} rejected from {} input{} in {:.2} s (index: {})",
        s.added,
        s.replaced,
        s.rejected,
        s.inputs,
        if s.inputs == 1 { "" } else { "s" },
        s.seconds,
        s.index,
    )?;
    if s.failed_inputs > 0 {
        writeln!(out, "{} input(s) could not be read", s.failed_inputs)?;
    }
    Ok(())
}

/// True when `e` is a closed pipe (`missive search | head`): not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(e) if e.kind() == io::ErrorKind::BrokenPipe))
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_highlights_on_their_words() {
        let s = Snippet {
            fragment: "one two three four".into(),
            highlighted: vec![4..7, 14..18],
            cut: false,
        };
        let lines = wrap(&s, 9);
        let texts: Vec<_> = lines.iter().map(|l| l.fragment.as_str()).collect();
        assert_eq!(texts, ["one two", "three", "four"]);
        assert_eq!(lines[0].to_html(), "one <b>two</b>");
        assert_eq!(lines[2].to_html(), "<b>four</b>");
    }

    #[test]
    fn words_longer_than_a_line_are_split() {
        let lines = wrap(&plain("see https://example.com/a/very/long/path ok"), 10);
        assert!(
            lines.iter().all(|l| l.fragment.chars().count() <= 10),
            "{lines:?}"
        );
        let joined: String = lines.iter().map(|l| l.fragment.replace(' ', "")).collect();
        assert_eq!(joined, "seehttps://example.com/a/very/long/pathok");
    }

    #[test]
    fn snippets_escape_text_and_bold_matches() {
        let s = Snippet {
            fragment: "a <b> & WikiLeaks".into(),
            highlighted: vec![0..1, 8..17],
            cut: false,
        };
        assert_eq!(s.to_html(), "<b>a</b> &lt;b&gt; &amp; <b>WikiLeaks</b>");
    }

    #[test]
    fn truncation_respects_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
