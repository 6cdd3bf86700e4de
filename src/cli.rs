//! The command line: flags as clap sees them, checked once into plain
//! requests, then each command's run. Every check of user input happens here
//! or in the parsers it calls (`Date::parse`, `query::build`), so the rest of
//! the program can trust what it is given.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
use crate::index::MessageIndex;
use crate::ingest::{self, Input};
use crate::output::{self, Format, Style};
use crate::query::{self, Filters};
use crate::schema;
use crate::search::{self, Request, Sort};

/// Exit codes, as ripgrep and grep use them.
pub const FOUND: u8 = 0;
pub const NOT_FOUND: u8 = 1;
pub const ERROR: u8 = 2;

/// How many rejected records `missive index` lists before it only counts them.
const REJECTIONS_SHOWN: u64 = 50;

/// Full-text search over messages: who said what, to whom, and when.
///
/// missive indexes direct messages, tweets, emails and statements (one JSON
/// object per line) and answers ranked keyword queries, facet counts and
/// date-bounded queries. With no index yet, `search`, `stats` and `show`
/// first build one from the bundled corpus: the 2016 exchange between
/// WikiLeaks and Donald Trump Jr. as one news article reported it.
#[derive(Debug, Parser)]
#[command(name = "missive", version, arg_required_else_help = true)]
pub struct Cli {
    /// Index directory.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "MISSIVE_INDEX",
        default_value = "index"
    )]
    pub index: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add messages to the index (NDJSON, one message per line).
    ///
    /// A message whose id is already indexed is replaced. A record that
    /// cannot be read is reported as FILE:LINE: why, the other records are
    /// indexed, and the exit code is 2. Everything is committed at once at
    /// the end: an interrupted run leaves the index as it was.
    Index(IndexArgs),
    /// Search messages, ranked by relevance (or by date).
    ///
    /// QUERY uses tantivy's syntax over the text: words (all must match),
    /// "a phrase", OR, AND, NOT, -word, +word, (grouping), prefix*; plus
    /// from:NAME, to:NAME, type:T, since:DATE, until:DATE. Names match whole
    /// (from:"donald trump") or by one word (from:pence), ignoring case.
    /// Dates are YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339; bounds are inclusive.
    ///
    /// Exit code 0 when something matched, 1 when nothing did, 2 on error.
    #[command(after_help = "Examples:\n  \
        missive search wikileaks --facet sender\n  \
        missive search 'from:wikileaks to:\"donald trump jr.\"' --sort oldest\n  \
        missive search 'dishonest OR rigged' --since 2016-10 --until 2016-10\n  \
        missive search --type tweet --facet month --format json")]
    Search(SearchArgs),
    /// Count messages by type and sender, and show their date span.
    Stats(ReportArgs),
    /// Print one message in full.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// NDJSON files to ingest (`-` for standard input). Default: the bundled corpus.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The message id (as printed by `search`).
    pub id: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query; several words are joined with spaces. Omit to browse every message.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// Only messages from this sender (whole name or one word; repeat for any of several).
    #[arg(long = "sender", value_name = "NAME")]
    pub senders: Vec<String>,
    /// Only messages to this recipient (repeat for any of several).
    #[arg(long = "recipient", value_name = "NAME")]
    pub recipients: Vec<String>,
    /// Only messages of this type: dm, tweet, statement, email… (repeat for any of several).
    #[arg(long = "type", value_name = "T")]
    pub types: Vec<String>,
    /// Only messages on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = Date::parse)]
    pub since: Option<Date>,
    /// Only messages on or before DATE; `--until 2016-10` includes all of October.
    #[arg(long, value_name = "DATE", value_parser = Date::parse)]
    pub until: Option<Date>,
    /// Count matches by FIELD (repeat, or separate with commas).
    #[arg(long = "facet", value_name = "FIELD", value_parser = facet_names(), value_delimiter = ',')]
    pub facets: Vec<String>,
    /// Values shown per facet, most frequent first; 0 for all.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub facet_limit: usize,
    /// Order of hits [default: relevance when the query has words, else newest].
    #[arg(long, value_enum)]
    pub sort: Option<SortArg>,
    /// Hits to print; 0 for every match.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Skip this many hits first (for paging).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Readable at 80 columns; matches in bold on a terminal.
    Table,
    /// One object: query, total, hits, facets.
    Json,
    /// One hit per line.
    Ndjson,
    /// A header, then one hit per row.
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

/// The facet names `schema` defines, for clap to check and list.
fn facet_values() -> Vec<PossibleValue> {
    let value = |name: &'static str| match name {
        "recipients" => PossibleValue::new(name).alias("recipient"),
        _ => PossibleValue::new(name),
    };
    schema::FACETS.iter().map(|&name| value(name)).collect()
}

/// Checks a facet name and resolves an alias to the name it stands for.
fn facet_names() -> impl TypedValueParser<Value = String> {
    PossibleValuesParser::new(facet_values()).map(|given| {
        facet_values()
            .into_iter()
            .find(|v| v.matches(&given, false))
            .map_or(given, |v| v.get_name().to_string())
    })
}

/// Runs the parsed command line and returns the exit code.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let code = match cli.command {
        Command::Index(args) => index(&cli.index, args, &mut stdout)?,
        Command::Search(args) => search_cmd(&cli.index, args, &mut stdout)?,
        Command::Stats(args) => {
            let index = open_or_build(&cli.index)?;
            let searcher = index.reader()?.searcher();
            let stats = search::stats(&index, &searcher, 10)?;
            let json = args.format == ReportFormat::Json;
            output::stats(&mut stdout, &stats, json, terminal_width())?;
            FOUND
        }
        Command::Show(args) => {
            let index = open_or_build(&cli.index)?;
            let searcher = index.reader()?.searcher();
            match search::show(&index, &searcher, &args.id)? {
                Some(m) => {
                    let json = args.report.format == ReportFormat::Json;
                    output::message(&mut stdout, &m, json, terminal_width())?;
                    FOUND
                }
                None => {
                    eprintln!("missive: no message with id `{}`", args.id);
                    NOT_FOUND
                }
            }
        }
    };
    stdout.flush()?;
    Ok(ExitCode::from(code))
}

fn index(dir: &Path, args: IndexArgs, out: &mut dyn Write) -> Result<u8> {
    let inputs: Vec<Input> = if args.inputs.is_empty() {
        vec![Input::Bundled]
    } else {
        args.inputs.iter().map(|a| Input::from_arg(a)).collect()
    };
    let index = MessageIndex::open_or_create(dir)?;
    let summary = ingest_reporting(&index, &inputs)?;
    output::summary(out, &summary, args.report.format == ReportFormat::Json)?;
    Ok(if summary.is_clean() { FOUND } else { ERROR })
}

/// Ingests, printing rejections to stderr (the first few in full).
fn ingest_reporting(index: &MessageIndex, inputs: &[Input]) -> Result<ingest::Summary> {
    let mut shown = 0u64;
    let summary = ingest::run(index, inputs, |rejection| {
        shown += 1;
        if shown <= REJECTIONS_SHOWN {
            eprintln!("missive: {rejection}");
        }
    })?;
    if shown > REJECTIONS_SHOWN {
        eprintln!(
            "missive: … and {} more rejected records",
            shown - REJECTIONS_SHOWN
        );
    }
    Ok(summary)
}

/// Opens the index, building it from the bundled corpus when there is none,
/// so that a fresh clone answers its first query.
/// An index that nothing was ever committed to (a first build that was
/// interrupted) counts as missing, so it does not stay empty forever.
fn open_or_build(dir: &Path) -> Result<MessageIndex> {
    if let Some(index) = MessageIndex::open(dir)?
        && !index.is_unwritten()?
    {
        return Ok(index);
    }
    // Only one level is created here: a mistyped `--index a/b/c` should
    // fail, not quietly become a new index of the bundled corpus.
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        bail!(
            "no index at {}, and its parent directory does not exist",
            dir.display()
        );
    }
    let index = MessageIndex::open_or_create(dir)?;
    eprintln!(
        "missive: no index at {}; building it from the bundled corpus",
        dir.display()
    );
    let summary = ingest_reporting(&index, &[Input::Bundled])?;
    if !summary.is_clean() {
        return Err(anyhow!("the bundled corpus has rejected records"));
    }
    Ok(index)
}

fn search_cmd(dir: &Path, args: SearchArgs, out: &mut dyn Write) -> Result<u8> {
    let text = args.query.join(" ");
    let flags = [
        ("--sender", &args.senders, "pence"),
        ("--recipient", &args.recipients, "wikileaks"),
        ("--type", &args.types, "dm"),
    ];
    for (flag, values, example) in flags {
        if values.iter().any(|v| v.trim().is_empty()) {
            return Err(anyhow!("{flag} needs a value, as in {flag} {example}"));
        }
    }
    let filters = Filters {
        senders: args.senders,
        recipients: args.recipients,
        types: args.types,
        since: args.since,
        until: args.until,
    };
    let index = open_or_build(dir)?;
    let built = query::build(&index, &text, &filters).map_err(|e| anyhow!(e))?;
    let sort = match args.sort {
        Some(SortArg::Relevance) => Sort::Relevance,
        Some(SortArg::Newest) => Sort::Newest,
        Some(SortArg::Oldest) => Sort::Oldest,
        None if built.has_text => Sort::Relevance,
        None => Sort::Newest,
    };
    let mut facets: Vec<String> = Vec::new();
    for f in args.facets {
        if !facets.contains(&f) {
            facets.push(f);
        }
    }
    let request = Request {
        query: &built,
        echo: echo(&text, &filters),
        sort,
        limit: args.limit,
        offset: args.offset,
        facets,
        facet_limit: args.facet_limit,
    };
    let searcher = index.reader()?.searcher();
    let result = search::run(&index, &searcher, &request)?;
    let format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Ndjson => Format::Ndjson,
        FormatArg::Csv => Format::Csv,
    };
    let style = Style {
        ansi: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        width: terminal_width(),
    };
    output::search(out, &result, format, style)?;
    Ok(if result.total > 0 { FOUND } else { NOT_FOUND })
}

/// The query with the flags written as the inline operators they equal, so
/// that running the echo as a query finds the same messages.
fn echo(text: &str, filters: &Filters) -> String {
    let quoted = |v: &str| {
        if v.contains(char::is_whitespace) {
            format!("\"{v}\"")
        } else {
            v.to_string()
        }
    };
    // Several values of one flag match any of them.
    let any_of = |op: &str, values: &[String]| -> Option<String> {
        let terms: Vec<String> = values
            .iter()
            .map(|v| format!("{op}:{}", quoted(v)))
            .collect();
        match terms.len() {
            0 => None,
            1 => terms.into_iter().next(),
            _ => Some(format!("({})", terms.join(" OR "))),
        }
    };
    let mut flags: Vec<String> = Vec::new();
    flags.extend(any_of("from", &filters.senders));
    flags.extend(any_of("to", &filters.recipients));
    flags.extend(any_of("type", &filters.types));
    flags.extend(filters.since.map(|d| format!("since:{}", d.display())));
    flags.extend(filters.until.map(|d| format!("until:{}", d.display())));
    let text = text.trim();
    match (text.is_empty(), flags.is_empty()) {
        (true, _) => flags.join(" "),
        (false, true) => text.to_string(),
        // Grouped, so that an OR in the text does not loosen the flags.
        (false, false) => format!("({text}) {}", flags.join(" ")),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
