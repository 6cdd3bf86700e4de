//! An ingest killed part-way leaves the last committed index intact and
//! searchable, and while one ingest runs a second is refused at once.
//!
//! Synchronisation without sleeps: the ingest reads standard input, so it
//! cannot have committed before it sees end of input; and it reports a bad
//! record on stderr as soon as it reaches it, so once that report is read,
//! every record written before the bad one has gone into the index writer.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStderr, ChildStdin, Command, Stdio};

use common::{Env, SearchJson};

/// Records written before the kill.
const RECORDS: usize = 20_000;

/// Starts `missive index -`, writes `RECORDS` good records then a bad one,
/// and returns once the bad one has been reported.
/// The returned stdin must stay alive until the process is killed.
fn ingest_until_reported(env: &Env) -> (Child, ChildStdin, BufReader<ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_missive"))
        .args(["index", "-", "--index"])
        .arg(env.index())
        .env_remove("MISSIVE_INDEX")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start missive index");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut batch = String::new();
    for i in 0..RECORDS {
        batch.push_str(&format!(
            "{{\"id\":\"killed-{i}\",\"type\":\"dm\",\"sender\":\"Writer {n}\",\
             \"date\":\"2020-01-02\",\"text\":\"uncommitted message number {i} about zebras\"}}\n",
            n = i % 50
        ));
    }
    batch.push_str("{\"type\":\"dm\",\"text\":\"this record has no sender\"}\n");
    stdin.write_all(batch.as_bytes()).expect("write records");
    stdin.flush().expect("flush records");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut line = String::new();
    loop {
        line.clear();
        let n = stderr.read_line(&mut line).expect("read stderr");
        assert!(n > 0, "missive index ended before reporting the bad record");
        if line.contains("missing required field `sender`") {
            break;
        }
    }
    assert!(
        line.contains(&format!("<stdin>:{}:", RECORDS + 1)),
        "the report names the line: {line}"
    );
    (child, stdin, stderr)
}

fn total(env: &Env, query: &[&str]) -> u64 {
    let (json, _): (SearchJson, i32) = env.search(query);
    json.total
}

#[test]
fn a_killed_ingest_leaves_the_committed_index_intact() {
    let env = Env::with_corpus();
    let before = total(&env, &[]);
    let wikileaks_before = env.ids(&["wikileaks"]);

    let (mut child, stdin, _stderr) = ingest_until_reported(&env);
    child.kill().expect("SIGKILL the ingest");
    drop(stdin);
    child.wait().expect("reap the ingest");

    // Exactly the committed state: nothing of the killed run is visible.
    assert_eq!(total(&env, &[]), before);
    assert_eq!(env.ids(&["wikileaks"]), wikileaks_before);
    assert_eq!(total(&env, &["zebras"]), 0);

    // And the next ingest completes, with the lock the dead one held gone.
    let run = env.run_with_stdin(
        &["index", "-"],
        "{\"id\":\"after\",\"type\":\"dm\",\"sender\":\"A\",\"text\":\"zebras after the kill\"}\n",
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(total(&env, &[]), before + 1);
    assert_eq!(env.ids(&["zebras"]), ["after"]);
}

#[test]
fn a_second_ingest_is_refused_while_one_runs() {
    let env = Env::with_corpus();
    let (mut child, stdin, _stderr) = ingest_until_reported(&env);

    let second = env.run(["index"]);
    assert_eq!(second.code, 2, "{second:#?}");
    assert!(
        second.stderr.contains("another process is indexing"),
        "{}",
        second.stderr
    );
    // Searching is not writing: it still answers from the committed state.
    let (json, code) = env.search(&["wikileaks"]);
    assert_eq!(code, 0);
    assert!(json.total > 0);

    child.kill().expect("stop the first ingest");
    drop(stdin);
    child.wait().expect("reap the first ingest");
}
