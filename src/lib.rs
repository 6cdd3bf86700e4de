//! missive: a full-text search engine for corpora of messages.
//!
//! Data flows one way: `cli` parses and checks the command line; `ingest`
//! reads inputs into `message`s and `index` writes them; `query` builds what
//! to look for, `search` runs it into plain `result` types, and `output`
//! prints those. `schema` owns every field name; `date` every date rule.

pub mod cli;
pub mod date;
pub mod index;
pub mod ingest;
pub mod message;
pub mod output;
pub mod query;
pub mod result;
pub mod schema;
pub mod search;
