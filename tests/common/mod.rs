//! What the integration tests share: a temp dir that owns one index and runs
//! the real `missive` binary against it, serde mirrors of the JSON the binary
//! prints, and a reading of the bundled corpus that tests derive their
//! expectations from (so no expected id is typed by hand).
//!
//! Each test crate uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;
use tempfile::TempDir;

/// `missive search --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchJson {
    pub query: String,
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: std::collections::BTreeMap<String, Vec<FacetCount>>,
}

/// One hit, in `--format json` and (one a line) in `--format ndjson`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub id: String,
    pub score: Option<f32>,
    pub date: Option<String>,
    pub date_precision: Option<String>,
    pub sender: String,
    pub recipients: Vec<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub snippet: String,
    pub conversation: Option<String>,
    pub source: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// `missive index --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSummary {
    pub index: String,
    pub inputs: u64,
    pub added: u64,
    pub replaced: u64,
    pub rejected: u64,
    pub failed_inputs: u64,
    pub seconds: f64,
}

/// `missive stats --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub index: String,
    pub messages: u64,
    pub undated: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub types: Vec<FacetCount>,
    pub senders: Vec<FacetCount>,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code; -1 when the process was killed by a signal (an abort).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON into `T`, with the run in the failure message.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the expected JSON ({e}): {self:#?}"))
    }
}

/// A fresh temp dir per test: the binary runs with it as its current
/// directory and with `--index <dir>/index`, never touching the repository.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// An empty temp dir with no index yet.
    pub fn empty() -> Env {
        Env {
            dir: tempfile::tempdir().expect("create a temp dir"),
        }
    }

    /// A temp dir whose index holds the bundled corpus.
    pub fn with_corpus() -> Env {
        let env = Env::empty();
        let run = env.run(["index"]);
        assert_eq!(run.code, 0, "indexing the bundled corpus: {run:#?}");
        env
    }

    pub fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    /// The binary with a clean environment, in the temp dir, no index flag.
    pub fn bare_command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_missive"));
        cmd.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("MISSIVE_INDEX")
            .env_remove("COLUMNS");
        cmd
    }

    /// Runs `missive ARGS… --index <dir>/index`.
    pub fn run<S: AsRef<str>>(&self, args: impl IntoIterator<Item = S>) -> Run {
        let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_string()).collect();
        let index = self
            .index()
            .to_str()
            .expect("a UTF-8 temp path")
            .to_string();
        let mut cmd = self.bare_command();
        cmd.args(with_flags(&args, &["--index".to_string(), index]));
        finish(&mut cmd)
    }

    /// Runs `missive ARGS… --index <dir>/index` with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut cmd = self.bare_command();
        cmd.args(args)
            .arg("--index")
            .arg(self.index())
            .write_stdin(input.to_string());
        finish(&mut cmd)
    }

    /// `missive search ARGS… --format json`, read back; also the exit code.
    pub fn search(&self, args: &[&str]) -> (SearchJson, i32) {
        let args = with_flags(&[&["search"][..], args].concat(), &["--format", "json"]);
        let run = self.run(&args);
        assert!(
            run.code == 0 || run.code == 1,
            "search {args:?} failed: {run:#?}"
        );
        (run.json(), run.code)
    }

    /// The ids of every match of `search ARGS…`, in the order printed.
    pub fn ids(&self, args: &[&str]) -> Vec<String> {
        let (result, _) = self.search(&with_flags(args, &["--limit", "0"]));
        assert_eq!(result.hits.len() as u64, result.total, "{args:?}");
        result.hits.into_iter().map(|h| h.id).collect()
    }

    /// The ids of every match, as a set.
    pub fn id_set(&self, args: &[&str]) -> BTreeSet<String> {
        self.ids(args).into_iter().collect()
    }

    /// `missive index INPUTS… --format json`: the summary and the run.
    pub fn ingest(&self, inputs: &[&str]) -> (IndexSummary, Run) {
        let run = self.run(["index"].iter().chain(inputs).chain(&["--format", "json"]));
        (run.json(), run)
    }
}

/// `args` with `flags` added: at the end, or before a `--` (after which
/// everything is the query's).
pub fn with_flags<S: Clone + AsRef<str>>(args: &[S], flags: &[S]) -> Vec<S> {
    let at = args
        .iter()
        .position(|a| a.as_ref() == "--")
        .unwrap_or(args.len());
    [&args[..at], flags, &args[at..]].concat()
}

fn finish(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("run missive");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    // Whatever the input, missive answers with an error, never a panic.
    assert!(
        !run.stderr.contains("panicked"),
        "missive panicked: {run:#?}"
    );
    run
}

/// A file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One record of the bundled corpus, read straight from the NDJSON file.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    pub kind: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub date: Option<String>,
    pub text: String,
    /// The whole record as it is in the file.
    pub raw: serde_json::Map<String, Value>,
}

/// The bundled corpus, as the file in `corpus/` holds it.
pub fn corpus() -> Vec<Record> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/wikileaks-2016.ndjson");
    let text = std::fs::read_to_string(&path).expect("read the bundled corpus");
    let records: Vec<Record> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let Value::Object(raw) = serde_json::from_str(line).expect("corpus line is JSON")
            else {
                panic!("corpus line is not an object: {line}")
            };
            let string = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
            Record {
                id: string("id").expect("every corpus record has an id"),
                kind: string("type").expect("type"),
                sender: string("sender").expect("sender"),
                recipients: raw
                    .get("recipients")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                date: string("date"),
                text: string("text").expect("text"),
                raw,
            }
        })
        .collect();
    assert!(!records.is_empty());
    records
}

/// The ids of the corpus records that satisfy `keep`.
pub fn ids_where(corpus: &[Record], keep: impl Fn(&Record) -> bool) -> BTreeSet<String> {
    corpus
        .iter()
        .filter(|r| keep(r))
        .map(|r| r.id.clone())
        .collect()
}

/// The words of a text as the contract counts them: runs of letters and
/// digits, lower-cased.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` has the word `word` (any case).
pub fn has_word(text: &str, word: &str) -> bool {
    words(text).contains(&word.to_lowercase())
}

/// The contract's name rule: the whole name, ignoring case and punctuation,
/// or a single word of it.
pub fn name_matches(name: &str, query: &str) -> bool {
    let (name, query) = (words(name), words(query));
    name == query || (query.len() == 1 && name.contains(&query[0]))
}

/// The first day a date of the corpus covers, as `YYYY-MM-DD`, so that
/// dates of different precisions compare as strings.
pub fn date_start(date: &str) -> String {
    match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        _ => date[..10].to_string(),
    }
}

/// The set of a list of ids.
pub fn set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}
