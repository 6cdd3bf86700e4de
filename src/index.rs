//! The on-disk index: finding, creating and opening it, refusing directories
//! that are not ours, and writing messages into it with upserts and one atomic
//! commit per run.
//!
//! Whatever happens during a run, readers see the last committed state:
//! tantivy publishes a commit by atomically replacing `meta.json`.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use tantivy::collector::Count;
use tantivy::directory::error::LockError;
use tantivy::query::{TermQuery, TermSetQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, Searcher, TantivyDocument, Term};

use crate::date::Precision;
use crate::message::Message;
use crate::schema::{self, Fields};

/// Writer memory budget per indexing thread.
const WRITER_HEAP_PER_THREAD: usize = 64 * 1024 * 1024;
/// Replaced messages held back to be deleted with one operation.
const REPLACEMENT_BATCH: usize = 4096;

/// An open missive index.
pub struct MessageIndex {
    pub index: Index,
    pub fields: Fields,
    pub dir: PathBuf,
}

impl MessageIndex {
    /// Opens the index in `dir`. `Ok(None)` when there is no index there yet.
    pub fn open(dir: &Path) -> Result<Option<MessageIndex>> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(dir)
            .map_err(|e| anyhow!("{} is not a readable index: {e}", dir.display()))?;
        let fields = schema::fields_of(&index.schema()).map_err(|why| {
            anyhow!(
                "{} holds an index that is not a missive index ({why}); \
                 point --index at another directory",
                dir.display()
            )
        })?;
        schema::register_analyzers(&index);
        Ok(Some(MessageIndex {
            index,
            fields,
            dir: dir.to_path_buf(),
        }))
    }

    /// Opens the index in `dir`, creating it when there is none. Refuses to
    /// create one in a directory that holds anything but dot files, so that a
    /// mistyped `--index` never writes among a user's files.
    pub fn open_or_create(dir: &Path) -> Result<MessageIndex> {
        if let Some(index) = MessageIndex::open(dir)? {
            return Ok(index);
        }
        if dir.exists() {
            if !dir.is_dir() {
                bail!("{} is not a directory", dir.display());
            }
            let foreign = std::fs::read_dir(dir)
                .with_context(|| format!("cannot read {}", dir.display()))?
                .filter_map(|e| e.ok())
                .find(|e| !e.file_name().to_string_lossy().starts_with('.'));
            if let Some(entry) = foreign {
                bail!(
                    "{} is not a missive index and is not empty (it holds {}); \
                     refusing to write there",
                    dir.display(),
                    entry.file_name().to_string_lossy()
                );
            }
        } else {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create index directory {}", dir.display()))?;
        }
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(dir, schema)
            .with_context(|| format!("cannot create an index in {}", dir.display()))?;
        schema::register_analyzers(&index);
        Ok(MessageIndex {
            index,
            fields,
            dir: dir.to_path_buf(),
        })
    }

    /// True when no message was ever committed to this index.
    pub fn is_unwritten(&self) -> Result<bool> {
        let metas = self
            .index
            .load_metas()
            .with_context(|| format!("cannot read the index in {}", self.dir.display()))?;
        Ok(metas.opstamp == 0)
    }

    /// A reader on the last committed state.
    pub fn reader(&self) -> Result<IndexReader> {
        self.index
            .reader()
            .with_context(|| format!("cannot read the index in {}", self.dir.display()))
    }

    /// Starts a writing run. Fails at once when another process is writing.
    pub fn writer(&self) -> Result<Writer<'_>> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        let writer = self
            .index
            .writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(LockError::LockBusy, _) => anyhow!(
                    "another process is indexing into {}; wait for it to finish",
                    self.dir.display()
                ),
                e => anyhow!("cannot write to the index in {}: {e}", self.dir.display()),
            })?;
        Ok(Writer {
            owner: self,
            writer,
            committed: self.reader()?.searcher(),
            seen: HashSet::new(),
            hasher: RandomState::new(),
            replacements: HashMap::new(),
            added: 0,
            replaced: 0,
        })
    }
}

/// One writing run: upserts messages, then commits them all at once.
pub struct Writer<'a> {
    owner: &'a MessageIndex,
    writer: IndexWriter,
    /// The state before this run, to tell added from replaced.
    committed: Searcher,
    /// Hashes of the ids upserted in this run: 8 bytes an id, so tens of
    /// millions fit. A collision (a chance of 3 in a million in a run of 10M
    /// ids) only counts a new message as replaced and deletes an id that is
    /// not there.
    seen: HashSet<u64>,
    hasher: RandomState,
    /// Replacements not yet written: their ids are deleted in one operation,
    /// then their new documents added (see `flush_replacements`).
    replacements: HashMap<String, TantivyDocument>,
    pub added: u64,
    pub replaced: u64,
}

impl Writer<'_> {
    /// Adds a message, replacing any message with the same id.
    pub fn upsert(&mut self, message: &Message) -> Result<()> {
        let f = &self.owner.fields;
        let doc = document(f, message)?;
        // A first build has nothing committed to look an id up in.
        let existed = !self.seen.insert(self.hasher.hash_one(&message.id))
            || self.committed.num_docs() > 0
                && self.committed.search(
                    &TermQuery::new(
                        Term::from_field_text(f.id, &message.id),
                        IndexRecordOption::Basic,
                    ),
                    &Count,
                )? > 0;
        if !existed {
            self.added += 1;
            self.writer.add_document(doc)?;
            return Ok(());
        }
        self.replaced += 1;
        // The last version of an id in this batch wins.
        self.replacements.insert(message.id.clone(), doc);
        if self.replacements.len() >= REPLACEMENT_BATCH {
            self.flush_replacements()?;
        }
        Ok(())
    }

    /// Deletes the batch's ids, then adds their new documents. tantivy keeps
    /// each delete operation (a query weight, about a kilobyte) until the
    /// commit, so one delete per batch rather than per message keeps memory
    /// flat; a delete removes only documents added before it, so the new
    /// documents survive it.
    fn flush_replacements(&mut self) -> Result<()> {
        if self.replacements.is_empty() {
            return Ok(());
        }
        let id = self.owner.fields.id;
        let batch = std::mem::take(&mut self.replacements);
        let terms: Vec<Term> = batch.keys().map(|k| Term::from_field_text(id, k)).collect();
        self.writer
            .delete_query(Box::new(TermSetQuery::new(terms)))?;
        for doc in batch.into_values() {
            self.writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Publishes everything upserted in this run, atomically.
    pub fn commit(mut self) -> Result<()> {
        self.flush_replacements()?;
        self.writer
            .commit()
            .context("cannot commit the index; its previous state is intact")?;
        self.writer
            .wait_merging_threads()
            .context("cannot merge index segments; the committed index is intact")?;
        Ok(())
    }
}

fn document(f: &Fields, m: &Message) -> Result<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &m.id);
    doc.add_text(f.record, serde_json::to_string(m)?);
    doc.add_text(f.text, &m.text);
    doc.add_text(f.sender, &m.sender);
    doc.add_text(f.sender_key, schema::name_key(&m.sender));
    doc.add_text(f.sender_words, &m.sender);
    for r in &m.recipients {
        doc.add_text(f.recipients, r);
        doc.add_text(f.recipient_key, schema::name_key(r));
        doc.add_text(f.recipient_words, r);
    }
    doc.add_text(f.kind, &m.kind);
    if let Some(c) = &m.conversation {
        doc.add_text(f.conversation, c);
    }
    if let Some(date) = m.date() {
        doc.add_date(
            f.date,
            DateTime::from_timestamp_secs(date.start.timestamp()),
        );
        doc.add_text(f.year, date.facet_value(Precision::Year));
        doc.add_text(f.month, date.facet_value(Precision::Month));
        doc.add_text(f.day, date.facet_value(Precision::Day));
    }
    Ok(doc)
}
