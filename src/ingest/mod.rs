//! Ingesting inputs into the index: where records come from (files, stdin,
//! the bundled corpus), how bad records are reported, and the run's summary.
//!
//! One module per input format lives below this one; each turns bytes into
//! JSON records, and every record passes `Message::from_record` here.

pub mod ndjson;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::index::MessageIndex;
use crate::message::Message;

/// The bundled corpus, compiled into the binary so it works from any directory.
pub const BUNDLED_CORPUS: &str = include_str!("../../corpus/wikileaks-2016.ndjson");
/// How the bundled corpus is named in reports.
pub const BUNDLED_NAME: &str = "corpus/wikileaks-2016.ndjson (bundled)";

/// Where records come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
    Bundled,
}

impl Input {
    /// `-` is standard input, anything else a path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    fn open(&self) -> std::io::Result<Box<dyn Read>> {
        Ok(match self {
            Input::Stdin => Box::new(std::io::stdin().lock()),
            Input::Path(p) => Box::new(File::open(p)?),
            Input::Bundled => Box::new(BUNDLED_CORPUS.as_bytes()),
        })
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Stdin => f.write_str("<stdin>"),
            Input::Path(p) => write!(f, "{}", p.display()),
            Input::Bundled => f.write_str(BUNDLED_NAME),
        }
    }
}

/// A record, or a whole input, that could not be ingested.
#[derive(Clone, Debug, Serialize)]
pub struct Rejection {
    pub file: String,
    /// 1-based line number; absent when the whole input failed.
    pub line: Option<u64>,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// What an ingest run did. Printed by `missive index`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub index: String,
    pub inputs: usize,
    pub added: u64,
    pub replaced: u64,
    pub rejected: u64,
    /// Inputs that could not be read at all.
    pub failed_inputs: u64,
    pub seconds: f64,
}

impl Summary {
    /// True when every record of every input was ingested.
    pub fn is_clean(&self) -> bool {
        self.rejected == 0 && self.failed_inputs == 0
    }
}

/// Ingests `inputs` into `index` in one commit. Each rejection is passed to
/// `report` as it is found; good records are indexed regardless.
pub fn run(
    index: &MessageIndex,
    inputs: &[Input],
    mut report: impl FnMut(&Rejection),
) -> Result<Summary> {
    let started = Instant::now();
    let mut writer = index.writer()?;
    let mut summary = Summary {
        index: index.dir.display().to_string(),
        inputs: inputs.len(),
        ..Summary::default()
    };
    for input in inputs {
        let file = input.to_string();
        let reader = match input.open() {
            Ok(r) => BufReader::with_capacity(1 << 16, r),
            Err(e) => {
                summary.failed_inputs += 1;
                report(&Rejection {
                    file,
                    line: None,
                    reason: format!("cannot open: {e}"),
                });
                continue;
            }
        };
        for item in ndjson::Records::new(reader) {
            let (line, record) = match item {
                Ok(item) => item,
                Err(e) => {
                    summary.failed_inputs += 1;
                    report(&Rejection {
                        file: file.clone(),
                        line: None,
                        reason: format!("reading stopped: {e}"),
                    });
                    break;
                }
            };
            match record.and_then(Message::from_record) {
                Ok(message) => writer.upsert(&message)?,
                Err(reason) => {
                    summary.rejected += 1;
                    report(&Rejection {
                        file: file.clone(),
                        line: Some(line),
                        reason,
                    });
                }
            }
        }
    }
    summary.added = writer.added;
    summary.replaced = writer.replaced;
    writer.commit()?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
