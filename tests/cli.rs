//! Integration tests of the `missive` binary: each test runs the real binary
//! against its own index in a temp dir and reads its JSON back into serde
//! types before asserting. Expectations are derived from the bundled corpus
//! file (or a fixture), never typed in by hand, so that a test fails when
//! the binary disagrees with the data rather than with a copy of it.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    Env, FacetCount, Hit, IndexSummary, Record, SearchJson, Stats, corpus, date_start, fixture,
    has_word, ids_where, name_matches, set, words,
};

// ---------------------------------------------------------------------------
// Keyword search and ranking
// ---------------------------------------------------------------------------

#[test]
fn a_keyword_ranks_the_message_that_uses_it_first() {
    let corpus = corpus();
    let expected = ids_where(&corpus, |r| has_word(&r.text, "dishonest"));
    let tweet = corpus
        .iter()
        .find(|r| r.sender == "Donald Trump" && r.kind == "tweet")
        .expect("the corpus has Donald Trump's tweet");
    assert!(expected.contains(&tweet.id));

    let env = Env::with_corpus();
    let (result, code) = env.search(&["dishonest"]);
    assert_eq!(code, 0);
    assert_eq!(result.query, "dishonest");
    assert_eq!(result.total, expected.len() as u64);
    let top = &result.hits[0];
    assert_eq!(top.id, tweet.id);
    assert_eq!(top.sender, "Donald Trump");
    assert_eq!(top.text, tweet.text);
    assert!(top.score.is_some_and(|s| s > 0.0), "{top:?}");
    assert!(
        top.snippet.to_lowercase().contains("<b>dishonest</b>"),
        "{top:?}"
    );
}

#[test]
fn hits_come_in_descending_score_order() {
    let corpus = corpus();
    // (query, the words of which a message must have at least one)
    let cases: [(&str, &[&str]); 4] = [
        ("wikileaks", &["wikileaks"]),
        ("dishonest OR wikileaks", &["dishonest", "wikileaks"]),
        (
            "trump OR campaign OR wikileaks",
            &["trump", "campaign", "wikileaks"],
        ),
        ("donald", &["donald"]),
    ];
    let env = Env::with_corpus();
    for (query, any) in cases {
        let expected = ids_where(&corpus, |r| any.iter().any(|w| has_word(&r.text, w)));
        assert!(expected.len() >= 2, "{query}: needs several matches");
        let (result, code) = env.search(&[query, "--limit", "0"]);
        assert_eq!(code, 0);
        assert_eq!(result.total, expected.len() as u64, "{query}");
        assert_eq!(set(&ids(&result.hits)), expected, "{query}");
        let scores: Vec<f32> = result
            .hits
            .iter()
            .map(|h| h.score.expect("ranked hits have a score"))
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{query}: scores not descending: {scores:?}"
        );
    }
}

#[test]
fn a_message_with_more_of_the_or_terms_ranks_first() {
    let corpus = corpus();
    let both = ids_where(&corpus, |r| {
        has_word(&r.text, "dishonest") && has_word(&r.text, "wikileaks")
    });
    assert_eq!(both.len(), 1, "the corpus has one message with both words");
    let env = Env::with_corpus();
    let (result, _) = env.search(&["dishonest OR wikileaks"]);
    assert_eq!(Some(&result.hits[0].id), both.iter().next());
}

#[test]
fn ranking_does_not_depend_on_how_messages_were_ingested() {
    let bulk = Env::with_corpus();
    let one_by_one = corpus_one_message_per_run();
    for query in [
        "wikileaks",
        "trump OR campaign OR wikileaks",
        "\"donald trump\"",
        "dishonest",
    ] {
        let scores = |env: &Env| -> BTreeMap<String, f32> {
            let (result, _) = env.search(&[query, "--limit", "0"]);
            result
                .hits
                .into_iter()
                .map(|h| (h.id, h.score.unwrap()))
                .collect()
        };
        let (a, b) = (scores(&bulk), scores(&one_by_one));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{query}"
        );
        for (id, score) in &a {
            assert!(
                (score - b[id]).abs() < 1e-4,
                "{query}: {id}: {score} vs {}",
                b[id]
            );
        }
    }
    let (a, _) = bulk.search(&["--facet", "sender,month", "--facet-limit", "0"]);
    let (b, _) = one_by_one.search(&["--facet", "sender,month", "--facet-limit", "0"]);
    assert_eq!(a.facets, b.facets);
    assert_eq!(a.total, b.total);
}

#[test]
fn words_must_all_match_by_default() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for (a, b) in [
        ("wikileaks", "campaign"),
        ("donald", "trump"),
        ("trump", "wikileaks"),
    ] {
        let expected = ids_where(&corpus, |r| has_word(&r.text, a) && has_word(&r.text, b));
        assert!(!expected.is_empty(), "{a} {b}");
        assert_eq!(env.id_set(&[&format!("{a} {b}")]), expected, "{a} {b}");
        // Separate arguments are joined into one query.
        assert_eq!(env.id_set(&[a, b]), expected, "{a} {b} as two arguments");
        assert_eq!(
            env.id_set(&[&format!("{a} AND {b}")]),
            expected,
            "{a} AND {b}"
        );
    }
}

#[test]
fn text_search_ignores_case() {
    let corpus = corpus();
    let expected = ids_where(&corpus, |r| has_word(&r.text, "wikileaks"));
    let env = Env::with_corpus();
    for query in ["wikileaks", "WikiLeaks", "WIKILEAKS"] {
        assert_eq!(env.id_set(&[query]), expected, "{query}");
    }
}

#[test]
fn phrases_match_words_in_order() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let expected = ids_where(&corpus, |r| {
        words(&r.text)
            .windows(2)
            .any(|w| w[0] == "dishonest" && w[1] == "media")
    });
    assert_eq!(expected.len(), 1);
    assert_eq!(env.id_set(&["\"dishonest media\""]), expected);
    let (result, code) = env.search(&["\"media dishonest\""]);
    assert_eq!((result.total, code), (0, 1));
}

#[test]
fn a_prefix_matches_every_word_it_starts() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for prefix in ["wiki", "dishon", "camp"] {
        let expected = ids_where(&corpus, |r| {
            words(&r.text).iter().any(|w| w.starts_with(prefix))
        });
        assert!(!expected.is_empty(), "{prefix}");
        assert_eq!(env.id_set(&[&format!("{prefix}*")]), expected, "{prefix}*");
    }
}

#[test]
fn prefix_matches_are_bold_in_snippets() {
    let env = Env::with_corpus();
    let (result, _) = env.search(&["wiki*", "--limit", "0"]);
    assert!(result.total > 0);
    for hit in &result.hits {
        let bold = bold_words(&hit.snippet);
        assert!(!bold.is_empty(), "no match in bold: {hit:?}");
        assert!(bold.iter().all(|b| b.to_lowercase().starts_with("wiki")));
    }
}

#[test]
fn snippets_put_the_matched_words_in_bold() {
    let env = Env::with_corpus();
    for (query, matched) in [
        ("wikileaks", &["wikileaks"][..]),
        ("dishonest OR campaign", &["dishonest", "campaign"][..]),
    ] {
        let (result, _) = env.search(&[query, "--limit", "0"]);
        assert!(result.total > 0, "{query}");
        for hit in &result.hits {
            let bold = bold_words(&hit.snippet);
            assert!(!bold.is_empty(), "{query}: nothing in bold: {hit:?}");
            for b in bold {
                assert!(
                    matched.contains(&b.to_lowercase().as_str()),
                    "{query}: `{b}` is bold in {hit:?}"
                );
            }
            // Without its tags the snippet is a piece of the text.
            let plain = hit.snippet.replace("<b>", "").replace("</b>", "");
            assert!(hit.text.contains(plain.trim()), "{hit:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Names, types and the flags that equal the inline operators
// ---------------------------------------------------------------------------

fn sent_by(corpus: &[Record], name: &str) -> BTreeSet<String> {
    ids_where(corpus, |r| name_matches(&r.sender, name))
}

fn sent_to(corpus: &[Record], name: &str) -> BTreeSet<String> {
    ids_where(corpus, |r| {
        r.recipients.iter().any(|n| name_matches(n, name))
    })
}

#[test]
fn from_a_whole_name_excludes_longer_names() {
    let corpus = corpus();
    let exact = ids_where(&corpus, |r| r.sender == "Donald Trump");
    let junior = ids_where(&corpus, |r| r.sender == "Donald Trump Jr.");
    assert!(!exact.is_empty() && !junior.is_empty());
    let env = Env::with_corpus();
    for args in [
        vec!["from:\"donald trump\""],
        vec!["from:\"Donald Trump\""],
        vec!["--sender", "donald trump"],
    ] {
        assert_eq!(env.id_set(&args), exact, "{args:?}");
    }
    for args in [
        vec!["from:\"donald trump jr.\""],
        vec!["from:\"Donald Trump Jr\""],
        vec!["--sender", "DONALD TRUMP JR."],
    ] {
        assert_eq!(env.id_set(&args), junior, "{args:?}");
    }
}

#[test]
fn from_one_word_matches_every_name_with_that_word() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for word in ["pence", "trump", "wikileaks", "jr"] {
        let expected = sent_by(&corpus, word);
        assert!(!expected.is_empty(), "{word}");
        let ids = env.id_set(&[&format!("from:{word}")]);
        assert_eq!(ids, expected, "from:{word}");
        assert_eq!(env.id_set(&["--sender", word]), expected, "--sender {word}");
    }
    // `from:pence` is Mike Pence and also his spokeswoman.
    let (result, _) = env.search(&["from:pence", "--limit", "0"]);
    let senders: BTreeSet<&str> = result.hits.iter().map(|h| h.sender.as_str()).collect();
    assert!(senders.contains("Mike Pence"), "{senders:?}");
    assert!(
        senders.contains("Spokeswoman for Mike Pence"),
        "{senders:?}"
    );
    // …while the whole name is Mike Pence only.
    let only = ids_where(&corpus, |r| r.sender == "Mike Pence");
    assert_eq!(env.id_set(&["from:\"mike pence\""]), only);
    // `from:trump` is both Donald Trump and Donald Trump Jr.
    let (result, _) = env.search(&["from:trump", "--limit", "0"]);
    let senders: BTreeSet<&str> = result.hits.iter().map(|h| h.sender.as_str()).collect();
    assert!(senders.contains("Donald Trump") && senders.contains("Donald Trump Jr."));
}

#[test]
fn names_ignore_case() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for (spellings, expected) in [
        (
            ["from:PENCE", "from:Pence", "from:pence"],
            sent_by(&corpus, "pence"),
        ),
        (
            ["from:WIKILEAKS", "from:WikiLeaks", "from:wikileaks"],
            sent_by(&corpus, "wikileaks"),
        ),
        (
            [
                "to:\"DONALD TRUMP JR.\"",
                "to:\"donald trump jr.\"",
                "to:\"Donald Trump Jr.\"",
            ],
            sent_to(&corpus, "donald trump jr."),
        ),
    ] {
        assert!(!expected.is_empty());
        for q in spellings {
            assert_eq!(env.id_set(&[q]), expected, "{q}");
        }
    }
    let expected = sent_by(&corpus, "mike pence");
    assert_eq!(env.id_set(&["--sender", "MIKE pence"]), expected);
}

#[test]
fn to_matches_any_recipient() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for name in ["wikileaks", "donald trump jr.", "pence", "fox news"] {
        let expected = sent_to(&corpus, name);
        assert!(!expected.is_empty(), "{name}");
        assert_eq!(
            env.id_set(&[&format!("to:\"{name}\"")]),
            expected,
            "to:{name}"
        );
        assert_eq!(
            env.id_set(&["--recipient", name]),
            expected,
            "--recipient {name}"
        );
    }
    // Donald Trump Jr. is a recipient; Donald Trump, as a whole name, is not.
    assert!(sent_to(&corpus, "donald trump").is_empty());
    let (result, code) = env.search(&["to:\"donald trump\""]);
    assert_eq!((result.total, code), (0, 1));
    let (result, code) = env.search(&["--recipient", "donald trump"]);
    assert_eq!((result.total, code), (0, 1));
}

#[test]
fn type_matches_the_message_type_in_any_case() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let kinds: BTreeSet<&str> = corpus.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.len() >= 2);
    for kind in kinds {
        let expected = ids_where(&corpus, |r| r.kind == kind);
        let upper = kind.to_uppercase();
        for args in [
            vec![format!("type:{kind}")],
            vec![format!("type:{upper}")],
            vec!["--type".into(), kind.to_string()],
            vec!["--type".into(), upper.clone()],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_eq!(env.id_set(&args), expected, "{args:?}");
        }
    }
}

#[test]
fn a_repeated_flag_matches_any_of_its_values() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let expected = ids_where(&corpus, |r| r.kind == "dm" || r.kind == "tweet");
    assert_eq!(env.id_set(&["--type", "dm", "--type", "tweet"]), expected);
    let expected = ids_where(&corpus, |r| {
        name_matches(&r.sender, "pence") || name_matches(&r.sender, "wikileaks")
    });
    assert_eq!(
        env.id_set(&["--sender", "pence", "--sender", "wikileaks"]),
        expected
    );
    let expected = ids_where(&corpus, |r| {
        r.recipients
            .iter()
            .any(|n| name_matches(n, "wikileaks") || name_matches(n, "fox news"))
    });
    assert_eq!(
        env.id_set(&["--recipient", "wikileaks", "--recipient", "fox news"]),
        expected
    );
}

#[test]
fn flags_and_inline_operators_combine_with_and() {
    let corpus = corpus();
    let env = Env::with_corpus();
    type Case<'a> = (Vec<&'a str>, Box<dyn Fn(&Record) -> bool>);
    let cases: Vec<Case> = vec![
        (
            vec!["wikileaks from:trump", "--type", "tweet"],
            Box::new(|r| {
                has_word(&r.text, "wikileaks")
                    && name_matches(&r.sender, "trump")
                    && r.kind == "tweet"
            }),
        ),
        (
            vec![
                "from:pence",
                "--type",
                "statement",
                "--since",
                "2016-10-14",
                "--until",
                "2016-10-14",
            ],
            Box::new(|r| {
                name_matches(&r.sender, "pence")
                    && r.kind == "statement"
                    && r.date.as_deref() == Some("2016-10-14")
            }),
        ),
        (
            vec!["to:wikileaks", "--sender", "donald trump jr."],
            Box::new(|r| {
                r.recipients.iter().any(|n| name_matches(n, "wikileaks"))
                    && name_matches(&r.sender, "donald trump jr.")
            }),
        ),
        (
            vec!["type:dm", "--sender", "trump"],
            Box::new(|r| r.kind == "dm" && name_matches(&r.sender, "trump")),
        ),
        (
            vec!["from:wikileaks", "--type", "tweet"],
            Box::new(|r| name_matches(&r.sender, "wikileaks") && r.kind == "tweet"),
        ),
    ];
    for (args, keep) in cases {
        let expected = ids_where(&corpus, keep);
        let (result, code) = env.search(&[args.as_slice(), &["--limit", "0"]].concat());
        assert_eq!(set(&ids(&result.hits)), expected, "{args:?}");
        assert_eq!(result.total, expected.len() as u64, "{args:?}");
        assert_eq!(code, if expected.is_empty() { 1 } else { 0 }, "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// Date bounds
// ---------------------------------------------------------------------------

#[test]
fn a_day_bound_is_inclusive_at_both_ends() {
    let corpus = corpus();
    let expected = ids_where(&corpus, |r| r.date.as_deref() == Some("2016-10-12"));
    assert_eq!(
        expected.len(),
        2,
        "the corpus has two messages of 12 October"
    );
    let env = Env::with_corpus();
    for args in [
        vec!["since:2016-10-12 until:2016-10-12"],
        vec!["--since", "2016-10-12", "--until", "2016-10-12"],
        vec!["since:2016-10-12", "--until", "2016-10-12"],
    ] {
        assert_eq!(env.id_set(&args), expected, "{args:?}");
    }
}

#[test]
fn a_month_bound_covers_the_whole_month() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let in_october = ids_where(&corpus, |r| {
        r.date.as_deref().is_some_and(|d| d.starts_with("2016-10-"))
    });
    assert!(
        corpus
            .iter()
            .any(|r| r.date.as_deref() == Some("2016-10-14"))
    );
    for args in [vec!["until:2016-10"], vec!["--until", "2016-10"]] {
        let ids = env.id_set(&args);
        assert!(ids.is_superset(&in_october), "{args:?}: {ids:?}");
        for r in &corpus {
            let after = r.date.as_deref().is_none_or(|d| d >= "2016-11");
            if after && r.date.as_deref().is_none_or(|d| d.len() >= 7) {
                assert!(!ids.contains(&r.id), "{args:?} includes {}", r.id);
            }
        }
    }
    for args in [vec!["since:2016-10"], vec!["--since", "2016-10"]] {
        let ids = env.id_set(&args);
        let expected = ids_where(&corpus, |r| {
            r.date
                .as_deref()
                .is_some_and(|d| d.len() >= 7 && d >= "2016-10")
        });
        assert!(ids.is_superset(&expected), "{args:?}: {ids:?}");
        for r in &corpus {
            let before = r
                .date
                .as_deref()
                .is_some_and(|d| d.len() >= 7 && d < "2016-10");
            assert!(
                !(before && ids.contains(&r.id)),
                "{args:?} includes {}",
                r.id
            );
        }
    }
}

#[test]
fn since_the_next_day_excludes_the_day() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let later_days = ids_where(&corpus, |r| {
        r.date
            .as_deref()
            .is_some_and(|d| d.len() == 10 && d >= "2016-10-13")
    });
    assert!(!later_days.is_empty());
    for args in [vec!["since:2016-10-13"], vec!["--since", "2016-10-13"]] {
        let (result, _) = env.search(&[args.as_slice(), &["--limit", "0"]].concat());
        let ids = set(&ids(&result.hits));
        assert!(ids.is_superset(&later_days), "{args:?}");
        for hit in &result.hits {
            let day = hit
                .date
                .as_deref()
                .expect("a bounded search has no undated hit");
            assert!(
                day.len() < 10 || day >= "2016-10-13",
                "{args:?} includes {hit:?}"
            );
            assert!(!day.starts_with("2016-10-12"), "{args:?} includes {hit:?}");
        }
    }
}

#[test]
fn a_year_bound_covers_the_whole_year() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let in_2017 = ids_where(&corpus, |r| {
        r.date.as_deref().is_some_and(|d| d.starts_with("2017"))
    });
    let in_2016 = ids_where(&corpus, |r| {
        r.date.as_deref().is_some_and(|d| d.starts_with("2016"))
    });
    assert!(!in_2016.is_empty() && !in_2017.is_empty());
    assert_eq!(env.id_set(&["since:2017"]), in_2017);
    assert_eq!(env.id_set(&["until:2016"]), in_2016);
    assert_eq!(env.id_set(&["since:2016 until:2016"]), in_2016);
}

#[test]
fn undated_messages_never_match_a_date_bound() {
    let corpus = corpus();
    let dated = ids_where(&corpus, |r| r.date.is_some());
    assert!(
        dated.len() < corpus.len(),
        "the corpus has an undated message"
    );
    let env = Env::with_corpus();
    for args in [
        vec!["since:1700"],
        vec!["until:2200"],
        vec!["since:1700 until:2200"],
        vec!["--since", "1700"],
        vec!["--until", "2200-12-31"],
        vec!["--since", "1700-01", "--until", "2200"],
    ] {
        assert_eq!(env.id_set(&args), dated, "{args:?}");
    }
}

#[test]
fn bounds_accept_rfc3339_times() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let day = |d: &str| ids_where(&corpus, |r| r.date.as_deref() == Some(d));
    let oct12 = day("2016-10-12");
    let oct14 = day("2016-10-14");
    let sep21 = day("2016-09-21");
    assert!(!oct12.is_empty() && !oct14.is_empty() && !sep21.is_empty());

    // A time range within 12 October finds that day's messages and no other day's.
    for args in [
        vec!["since:\"2016-10-12T00:00:00Z\" until:\"2016-10-12T23:59:59Z\""],
        vec![
            "--since",
            "2016-10-12T00:00:00Z",
            "--until",
            "2016-10-12T23:59:59Z",
        ],
    ] {
        let (result, _) = env.search(&[args.as_slice(), &["--limit", "0"]].concat());
        assert!(set(&ids(&result.hits)).is_superset(&oct12), "{args:?}");
        for hit in &result.hits {
            let d = hit.date.as_deref().unwrap_or("");
            assert!(d.len() < 10 || d == "2016-10-12", "{args:?}: {hit:?}");
        }
    }
    // 20:00 on 12 October at -04:00 is midnight UTC on the 13th.
    let ids = env.id_set(&["--since", "2016-10-12T20:00:00-04:00"]);
    assert!(
        ids.is_superset(&oct14) && ids.is_disjoint(&oct12),
        "{ids:?}"
    );
    // 03:00 on 12 October at +04:00 is 23:00 UTC on the 11th.
    let ids = env.id_set(&["until:\"2016-10-12T03:00:00+04:00\""]);
    assert!(
        ids.is_superset(&sep21) && ids.is_disjoint(&oct12),
        "{ids:?}"
    );
}

// ---------------------------------------------------------------------------
// Facets
// ---------------------------------------------------------------------------

/// The month facet value of a hit dated to the month or finer.
fn month_of(hit: &Hit) -> Option<String> {
    match hit.date.as_deref() {
        None => Some("undated".into()),
        Some(d) if d.len() >= 7 => Some(d[..7].to_string()),
        Some(_) => None,
    }
}

fn counts(values: impl IntoIterator<Item = String>) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for v in values {
        *map.entry(v).or_insert(0) += 1;
    }
    map
}

fn facet_map(counts: &[FacetCount]) -> BTreeMap<String, u64> {
    counts.iter().map(|c| (c.value.clone(), c.count)).collect()
}

fn assert_by_count_desc(name: &str, counts: &[FacetCount]) {
    assert!(
        counts.windows(2).all(|w| w[0].count >= w[1].count),
        "{name} not by count: {counts:?}"
    );
}

#[test]
fn single_valued_facets_add_up_to_the_total() {
    let env = Env::with_corpus();
    let queries: [&[&str]; 7] = [
        &[],
        &["wikileaks"],
        &["from:trump"],
        &["--type", "statement"],
        &["--since", "2016-10"],
        &["NOT campaign"],
        &["wikileaks OR secret"],
    ];
    let facet = "sender,type,month,year,day,conversation,recipients";
    for q in queries {
        let args = [q, &["--facet", facet, "--facet-limit", "0", "--limit", "0"]].concat();
        let (result, _) = env.search(&args);
        assert!(result.total > 0, "{q:?}");
        assert_eq!(result.hits.len() as u64, result.total);
        for name in ["sender", "type", "month", "year", "day", "conversation"] {
            let counts = &result.facets[name];
            let sum: u64 = counts.iter().map(|c| c.count).sum();
            assert_eq!(sum, result.total, "{q:?}: facet {name}: {counts:?}");
            assert_by_count_desc(name, counts);
        }
        assert_by_count_desc("recipients", &result.facets["recipients"]);

        // Each count is the number of hits with that value.
        let hits = &result.hits;
        let by_sender = counts(hits.iter().map(|h| h.sender.clone()));
        assert_eq!(facet_map(&result.facets["sender"]), by_sender, "{q:?}");
        let by_type = counts(hits.iter().map(|h| h.kind.clone()));
        assert_eq!(facet_map(&result.facets["type"]), by_type, "{q:?}");
        let months = facet_map(&result.facets["month"]);
        for (month, n) in counts(hits.iter().filter_map(month_of)) {
            assert_eq!(months.get(&month), Some(&n), "{q:?}: month {month}");
        }
        let recipients = facet_map(&result.facets["recipients"]);
        for (name, n) in counts(hits.iter().flat_map(|h| h.recipients.clone())) {
            assert_eq!(recipients.get(&name), Some(&n), "{q:?}: recipient {name}");
        }
        let conversations = facet_map(&result.facets["conversation"]);
        for (c, n) in counts(hits.iter().filter_map(|h| h.conversation.clone())) {
            assert_eq!(conversations.get(&c), Some(&n), "{q:?}: conversation {c}");
        }

        // Facets count every match, not the page shown.
        let page = [
            q,
            &[
                "--facet",
                facet,
                "--facet-limit",
                "0",
                "--limit",
                "1",
                "--offset",
                "1",
            ],
        ]
        .concat();
        let (paged, _) = env.search(&page);
        assert_eq!(paged.facets, result.facets, "{q:?}");
        assert_eq!(paged.total, result.total, "{q:?}");
    }
}

#[test]
fn facets_of_everything_match_the_corpus() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let (result, _) = env.search(&["--facet", "sender,type,month", "--facet-limit", "0"]);
    assert_eq!(result.total, corpus.len() as u64);
    let senders = counts(corpus.iter().map(|r| r.sender.clone()));
    assert_eq!(facet_map(&result.facets["sender"]), senders);
    let types = counts(corpus.iter().map(|r| r.kind.clone()));
    assert_eq!(facet_map(&result.facets["type"]), types);
    let months = facet_map(&result.facets["month"]);
    let undated = corpus.iter().filter(|r| r.date.is_none()).count() as u64;
    assert!(undated > 0);
    assert_eq!(months.get("undated"), Some(&undated), "{months:?}");
    let october = corpus
        .iter()
        .filter(|r| r.date.as_deref().is_some_and(|d| d.starts_with("2016-10-")))
        .count() as u64;
    assert_eq!(months.get("2016-10"), Some(&october), "{months:?}");
}

#[test]
fn facet_limit_bounds_the_values_shown() {
    let corpus = corpus();
    let senders = counts(corpus.iter().map(|r| r.sender.clone()));
    assert!(senders.len() > 3);
    let env = Env::with_corpus();
    let (all, _) = env.search(&["--facet", "sender", "--facet-limit", "0"]);
    let all = &all.facets["sender"];
    assert_eq!(facet_map(all), senders, "0 is every value");
    // The most frequent sender of the corpus comes first.
    let most = senders.values().copied().max().unwrap();
    assert_eq!(senders[&all[0].value], most);
    let (default, _) = env.search(&["--facet", "sender"]);
    assert_eq!(default.facets["sender"].len(), senders.len().min(20));
    for limit in [1, 2, 3] {
        let limit_arg = limit.to_string();
        let (result, _) = env.search(&["--facet", "sender", "--facet-limit", &limit_arg]);
        let some = &result.facets["sender"];
        assert_eq!(some.len(), limit, "{some:?}");
        assert_by_count_desc("sender", some);
    }
}

/// Checks that `--facet-limit N` gives the N most frequent senders with
/// their true counts (ties may pick either value).
fn assert_facet_limit_exact(label: &str, env: &Env, senders: &BTreeMap<String, u64>) {
    let mut top: Vec<u64> = senders.values().copied().collect();
    top.sort_by(|a, b| b.cmp(a));
    for limit in [1, 2, 3] {
        let limit_arg = limit.to_string();
        let (result, _) = env.search(&["--facet", "sender", "--facet-limit", &limit_arg]);
        let some = &result.facets["sender"];
        let got: Vec<u64> = some.iter().map(|c| c.count).collect();
        assert_eq!(
            got,
            top[..limit],
            "{label}: --facet-limit {limit}: {some:?}"
        );
        for c in some {
            assert_eq!(senders.get(&c.value), Some(&c.count), "{label}: {c:?}");
        }
    }
}

#[test]
fn facet_limit_keeps_the_most_frequent_values() {
    // Eleven one-message commits: tantivy merges the first eight into one
    // segment, where Tango (1) is not among the top values; Tango's other
    // two messages are alone in later segments.
    let path = fixture("facet-segments.ndjson");
    let text = std::fs::read_to_string(&path).unwrap();
    let senders = counts(text.lines().map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["sender"].as_str().unwrap().to_string()
    }));
    let env = Env::empty();
    ingest_one_line_per_run(&env, &text);
    assert_facet_limit_exact("fixture", &env, &senders);

    let corpus = corpus();
    let senders = counts(corpus.iter().map(|r| r.sender.clone()));
    assert_facet_limit_exact("corpus, one run", &Env::with_corpus(), &senders);
    let env = corpus_one_message_per_run();
    assert_facet_limit_exact("corpus, one run per message", &env, &senders);
}

#[test]
fn facets_can_be_repeated_or_comma_separated() {
    let env = Env::with_corpus();
    let (commas, _) = env.search(&["wikileaks", "--facet", "sender,type", "--facet", "month"]);
    let (repeated, _) = env.search(&[
        "wikileaks",
        "--facet",
        "sender",
        "--facet",
        "type",
        "--facet",
        "month",
    ]);
    let names: BTreeSet<&str> = commas.facets.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["month", "sender", "type"]));
    assert_eq!(commas.facets, repeated.facets);
    let (none, _) = env.search(&["wikileaks"]);
    assert!(none.facets.is_empty(), "{:?}", none.facets);
}

// ---------------------------------------------------------------------------
// Sorting and paging
// ---------------------------------------------------------------------------

/// Checks that hits are ordered by date (`newest` or `oldest`), undated last.
fn assert_date_order(label: &str, hits: &[Hit], newest: bool) {
    let first_undated = hits
        .iter()
        .position(|h| h.date.is_none())
        .unwrap_or(hits.len());
    assert!(
        hits[first_undated..].iter().all(|h| h.date.is_none()),
        "{label}: undated hits are not last: {:?}",
        ids(hits)
    );
    let starts: Vec<String> = hits[..first_undated]
        .iter()
        .map(|h| date_start(h.date.as_deref().unwrap()))
        .collect();
    let ordered = starts
        .windows(2)
        .all(|w| if newest { w[0] >= w[1] } else { w[0] <= w[1] });
    assert!(ordered, "{label}: not in date order: {starts:?}");
}

#[test]
fn newest_and_oldest_sort_by_date_with_undated_last() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let queries: [&[&str]; 4] = [
        &[],
        &["wikileaks"],
        &["from:trump"],
        &["wikileaks OR secret"],
    ];
    for q in queries {
        for sort in ["newest", "oldest"] {
            let (result, _) = env.search(&[q, &["--sort", sort, "--limit", "0"]].concat());
            let label = format!("{q:?} --sort {sort}");
            assert!(result.total > 1, "{label}");
            assert_date_order(&label, &result.hits, sort == "newest");
            assert!(
                result.hits.iter().all(|h| h.score.is_none()),
                "{label}: sorted by date, yet scored"
            );
        }
    }
    // With no words to rank by, the default order is newest first.
    for q in [&["--type", "tweet"][..], &["from:pence"], &[]] {
        let (result, _) = env.search(&[q, &["--limit", "0"]].concat());
        assert_date_order(&format!("{q:?}"), &result.hits, true);
        assert!(result.hits.iter().all(|h| h.score.is_none()), "{q:?}");
    }
    // Over the whole corpus the undated message is last both ways.
    let undated = ids_where(&corpus, |r| r.date.is_none());
    for sort in ["newest", "oldest"] {
        let ids = env.ids(&["--sort", sort]);
        assert_eq!(ids.len(), corpus.len());
        let tail = set(&ids[ids.len() - undated.len()..]);
        assert_eq!(tail, undated, "--sort {sort}: {ids:?}");
    }
}

#[test]
fn relevance_sort_gives_scores() {
    let env = Env::with_corpus();
    let (result, _) = env.search(&["wikileaks", "--sort", "relevance", "--limit", "0"]);
    assert!(result.total > 1);
    let scores: Vec<f32> = result.hits.iter().map(|h| h.score.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn pages_split_the_full_result() {
    let env = Env::with_corpus();
    let queries: [&[&str]; 4] = [
        &["wikileaks"],
        &["--sort", "newest"],
        &["--sort", "oldest"],
        &["trump OR wikileaks", "--sort", "oldest"],
    ];
    for q in queries {
        let full = env.ids(q);
        assert!(full.len() > 3, "{q:?}");
        let mut paged = Vec::new();
        for offset in (0..full.len() + 3).step_by(3) {
            let offset_arg = offset.to_string();
            let args = [q, &["--limit", "3", "--offset", &offset_arg]].concat();
            let (page, code) = env.search(&args);
            assert_eq!(page.total, full.len() as u64, "{args:?}");
            assert_eq!(
                code, 0,
                "{args:?}: something matched, even if off this page"
            );
            assert_eq!(page.hits.len(), full.len().saturating_sub(offset).min(3));
            paged.extend(ids(&page.hits));
        }
        assert_eq!(paged, full, "{q:?}");
        let (page, _) = env.search(&[q, &["--limit", "2", "--offset", "1"]].concat());
        assert_eq!(ids(&page.hits), full[1..3], "{q:?}");
        // The default page is ten hits.
        let (page, _) = env.search(q);
        assert_eq!(ids(&page.hits), full[..full.len().min(10)], "{q:?}");
    }
}

#[test]
fn huge_offsets_and_limits_are_not_crashes() {
    let env = Env::with_corpus();
    let total = env.ids(&[]).len() as u64;
    let max = usize::MAX.to_string();
    for args in [
        vec!["--offset", max.as_str()],
        vec!["--limit", max.as_str()],
        vec!["--offset", "5", "--limit", max.as_str()],
        vec!["--offset", "1000000000"],
        vec!["--limit", "1000000000"],
    ] {
        let run = env.run([&["search"][..], args.as_slice(), &["--format", "json"]].concat());
        assert!(run.code == 0 || run.code == 2, "{args:?}: {run:#?}");
        if run.code == 0 {
            let result: SearchJson = run.json();
            assert_eq!(result.total, total, "{args:?}");
        } else {
            assert!(run.stdout.is_empty() && !run.stderr.is_empty(), "{run:#?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------

#[test]
fn ndjson_prints_one_hit_per_line() {
    let env = Env::with_corpus();
    for q in [
        vec!["wikileaks", "--limit", "0"],
        vec!["--limit", "4"],
        vec!["from:pence"],
    ] {
        let (json, _) = env.search(&q);
        let run = env.run([&["search"][..], q.as_slice(), &["--format", "ndjson"]].concat());
        assert_eq!(run.code, 0);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), json.hits.len(), "{q:?}: {run:#?}");
        let hits: Vec<Hit> = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("each line is one hit"))
            .collect();
        assert_eq!(hits, json.hits, "{q:?}");
    }
    let run = env.run(["search", "zyzzyva", "--format", "ndjson"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
}

#[test]
fn csv_prints_a_header_and_one_row_per_hit() {
    const HEADER: [&str; 11] = [
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
    ];
    let env = Env::with_corpus();
    for q in [
        vec!["wikileaks", "--limit", "0"],
        vec!["--sort", "oldest", "--limit", "0"],
    ] {
        let (json, _) = env.search(&q);
        let run = env.run([&["search"][..], q.as_slice(), &["--format", "csv"]].concat());
        assert_eq!(run.code, 0);
        let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, HEADER);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), json.hits.len(), "{q:?}");
        for (row, hit) in rows.iter().zip(&json.hits) {
            let cell = |name: &str| &row[HEADER.iter().position(|h| *h == name).unwrap()];
            assert_eq!(cell("id"), hit.id);
            match hit.score {
                Some(s) => {
                    let csv_score: f32 = cell("score").parse().expect("a score");
                    assert!((csv_score - s).abs() <= 1e-4 * s.abs(), "{row:?}");
                }
                None => assert_eq!(cell("score"), ""),
            }
            assert_eq!(cell("date"), hit.date.as_deref().unwrap_or(""));
            let precision = hit.date_precision.as_deref().unwrap_or("");
            assert_eq!(cell("date_precision"), precision);
            assert_eq!(cell("sender"), hit.sender);
            assert_eq!(cell("recipients"), hit.recipients.join("; "), "{row:?}");
            assert_eq!(cell("type"), hit.kind);
            assert_eq!(cell("text"), hit.text);
            assert_eq!(cell("snippet"), hit.snippet);
            assert_eq!(
                cell("conversation"),
                hit.conversation.as_deref().unwrap_or("")
            );
            assert_eq!(cell("source"), hit.source.as_deref().unwrap_or(""));
        }
    }
}

/// Lines of `s` wider than 80 characters.
fn wide_lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| l.chars().count() > 80).collect()
}

#[test]
fn the_table_shows_every_hit_within_80_columns() {
    let env = Env::with_corpus();
    let queries: [&[&str]; 4] = [
        &["wikileaks"],
        &[
            "--limit",
            "0",
            "--facet",
            "sender,recipients,conversation,month,day,type,year",
        ],
        &["from:trump", "--sort", "oldest"],
        &["campaign OR secret", "--facet", "sender"],
    ];
    for q in queries {
        let (json, _) = env.search(q);
        let run = env.run([&["search"][..], q].concat());
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(!json.hits.is_empty());
        for hit in &json.hits {
            assert!(run.stdout.contains(&hit.id), "{q:?}: {} missing", hit.id);
        }
        assert!(!run.stdout.contains('\x1b'), "NO_COLOR is set: {run:#?}");
        let wide = wide_lines(&run.stdout);
        assert!(wide.is_empty(), "{q:?}: lines over 80 columns: {wide:#?}");
    }
}

#[test]
fn the_table_stays_within_80_columns_with_long_words() {
    let env = Env::empty();
    let (summary, run) = env.ingest(&[fixture("long-lines.ndjson").to_str().unwrap()]);
    assert_eq!((summary.added, run.code), (1, 0), "{run:#?}");
    let run = env.run([
        "search",
        "archive",
        "--facet",
        "sender,conversation,recipients",
    ]);
    assert_eq!(run.code, 0);
    let wide = wide_lines(&run.stdout);
    assert!(wide.is_empty(), "lines over 80 columns: {wide:#?}");
}

// ---------------------------------------------------------------------------
// Exit codes and errors
// ---------------------------------------------------------------------------

#[test]
fn exit_codes_say_found_not_found_or_error() {
    let corpus = corpus();
    let absent = "zyzzyva";
    assert!(corpus.iter().all(|r| !has_word(&r.text, absent)));
    let env = Env::with_corpus();
    let (result, code) = env.search(&["wikileaks"]);
    assert_eq!(code, 0);
    assert!(result.total > 0);
    for args in [
        vec![absent],
        vec!["from:nobody"],
        vec!["wikileaks", "--type", "fax"],
        vec!["--since", "2200"],
    ] {
        let (result, code) = env.search(&args);
        assert_eq!(
            (code, result.total, result.hits.len()),
            (1, 0, 0),
            "{args:?}"
        );
    }
    for args in [
        vec!["search", "(wikileaks"],
        vec!["search", "--since", "soon"],
        vec!["search", "--limit", "-1"],
        vec!["search", "--sort", "sideways"],
        vec!["search", "--format", "xml"],
        vec!["search", "--facet", "colour"],
        vec!["stats", "--format", "csv"],
    ] {
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty() && !run.stderr.is_empty(), "{run:#?}");
    }
}

#[test]
fn malformed_queries_are_errors_with_a_message() {
    let env = Env::with_corpus();
    for query in [
        "\"unclosed",
        "(a",
        "wikileaks)",
        "foo:bar",
        "a AND",
        "AND",
        "wikileaks OR",
        "from:",
        "from:\"\"",
        "type:",
        "since:",
        "()",
        "since:[2016 TO 2017]",
    ] {
        let run = env.run(["search", query]);
        assert_eq!(run.code, 2, "{query}: {run:#?}");
        assert!(run.stdout.is_empty(), "{query}: {run:#?}");
        assert!(run.stderr.trim().len() > 10, "{query}: {run:#?}");
        // A user-facing message, not Rust's Debug output.
        assert!(!run.stderr.contains("Err("), "{query}: {run:#?}");
    }
    let run = env.run(["search", "foo:bar"]);
    assert!(run.stderr.contains("foo"), "{run:#?}");
}

#[test]
fn a_bad_date_is_an_error_that_names_it() {
    let env = Env::with_corpus();
    for (args, bad) in [
        (vec!["--since", "2016-13"], "2016-13"),
        (vec!["--until", "2016-02-30"], "2016-02-30"),
        (vec!["since:2016-02-30"], "2016-02-30"),
        (vec!["until:2016-13"], "2016-13"),
        (vec!["wikileaks since:yesterday"], "yesterday"),
        (
            vec!["--since", "2016-10-12T15:00:00"],
            "2016-10-12T15:00:00",
        ),
    ] {
        let run = env.run([&["search"][..], args.as_slice()].concat());
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:#?}");
        assert!(run.stderr.contains(bad), "{args:?}: {run:#?}");
    }
}

#[test]
fn unknown_flags_are_errors_and_help_is_not() {
    let env = Env::with_corpus();
    for args in [
        vec!["search", "wikileaks", "--bogus"],
        vec!["index", "--bogus"],
        vec!["stats", "--bogus"],
        vec!["show", "x", "--bogus"],
        vec!["--bogus", "search"],
    ] {
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains("--bogus"), "{args:?}: {run:#?}");
    }
    for args in [
        vec!["--help"],
        vec!["search", "--help"],
        vec!["index", "--help"],
        vec!["help", "search"],
        vec!["--version"],
    ] {
        let run = env
            .bare_command()
            .args(&args)
            .output()
            .expect("run missive");
        assert_eq!(run.status.code(), Some(0), "{args:?}: {run:?}");
        assert!(!run.stdout.is_empty(), "{args:?}");
    }
    let run = env
        .bare_command()
        .args(["search", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(run.stdout).unwrap();
    for word in ["from:", "--sender", "--since", "--facet", "--format"] {
        assert!(help.contains(word), "search --help lacks {word}");
    }
}

// ---------------------------------------------------------------------------
// Negation
// ---------------------------------------------------------------------------

#[test]
fn and_not_removes_the_excluded_messages() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for (a, b) in [
        ("wikileaks", "campaign"),
        ("wikileaks", "from:pence"),
        ("trump", "type:tweet"),
    ] {
        let with_a = env.id_set(&[a]);
        let with_b = env.id_set(&[b]);
        let expected: BTreeSet<String> = with_a.difference(&with_b).cloned().collect();
        assert!(
            !expected.is_empty() && expected.len() < with_a.len(),
            "{a} / {b}: the case must exclude some but not all"
        );
        for query in [
            format!("{a} AND NOT {b}"),
            format!("{a} NOT {b}"),
            format!("{a} -{b}"),
        ] {
            assert_eq!(env.id_set(&[&query]), expected, "{query}");
        }
    }
    // Checked against the corpus too, for one case.
    let expected = ids_where(&corpus, |r| {
        has_word(&r.text, "wikileaks") && !has_word(&r.text, "campaign")
    });
    assert_eq!(env.id_set(&["wikileaks AND NOT campaign"]), expected);
}

#[test]
fn a_lone_negation_means_everything_except() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let all = ids_where(&corpus, |_| true);
    for b in ["campaign", "from:pence", "type:dm"] {
        let with_b = env.id_set(&[b]);
        assert!(!with_b.is_empty());
        let expected: BTreeSet<String> = all.difference(&with_b).cloned().collect();
        assert_eq!(env.id_set(&[&format!("NOT {b}")]), expected, "NOT {b}");
        // After `--`, a leading `-` is the query's, not a flag.
        assert_eq!(env.id_set(&["--", &format!("-{b}")]), expected, "-{b}");
    }
}

#[test]
fn a_negated_phrase_is_excluded() {
    let env = Env::with_corpus();
    for (a, phrase) in [
        ("wikileaks", "\"donald trump\""),
        ("wikileaks", "\"dishonest media\""),
    ] {
        let with_a = env.id_set(&[a]);
        let with_phrase = env.id_set(&[phrase]);
        let expected: BTreeSet<String> = with_a.difference(&with_phrase).cloned().collect();
        assert!(!with_phrase.is_disjoint(&with_a) && !expected.is_empty());
        for query in [
            format!("{a} AND NOT {phrase}"),
            format!("{a} NOT {phrase}"),
            format!("{a} -{phrase}"),
        ] {
            assert_eq!(env.id_set(&[&query]), expected, "{query}");
        }
        let all = env.id_set(&[]);
        let expected: BTreeSet<String> = all.difference(&with_phrase).cloned().collect();
        assert_eq!(
            env.id_set(&[&format!("NOT {phrase}")]),
            expected,
            "NOT {phrase}"
        );
    }
}

#[test]
fn and_not_ranks_like_minus() {
    // One commit per message gives several segments, and the same ones each
    // time (one bulk run splits the corpus between writer threads at random).
    let env = corpus_one_message_per_run();
    for (a, b) in [("wikileaks", "campaign"), ("wiki*", "campaign")] {
        let scores = |query: String| -> Vec<(String, f32)> {
            let (result, _) = env.search(&[&query, "--limit", "0"]);
            result
                .hits
                .into_iter()
                .map(|h| (h.id, h.score.unwrap()))
                .collect()
        };
        let minus = scores(format!("{a} -{b}"));
        let and_not = scores(format!("{a} AND NOT {b}"));
        let order = |s: &[(String, f32)]| s.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(order(&and_not), order(&minus), "{a} AND NOT {b}");
        // The same scores, give or take one constant for every hit.
        let minus: BTreeMap<String, f32> = minus.into_iter().collect();
        let shifts: Vec<f32> = and_not.iter().map(|(id, s)| s - minus[id]).collect();
        assert!(
            shifts.iter().all(|d| (d - shifts[0]).abs() < 1e-4),
            "{a} AND NOT {b}: scores shifted unevenly: {and_not:?} vs {minus:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Ingest
// ---------------------------------------------------------------------------

/// The rejected lines of `tests/fixtures/ingest-mixed.ndjson`: line number and
/// a word the reason must contain. Line 3 is blank and is not a record.
const MIXED_REJECTED: [(usize, &str); 4] =
    [(2, "JSON"), (4, "sender"), (6, "1843-02-30"), (8, "text")];

/// The records of the mixed fixture that are not on a rejected line.
fn mixed_good_records() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(fixture("ingest-mixed.ndjson")).unwrap();
    text.lines()
        .enumerate()
        .filter(|(i, l)| !l.trim().is_empty() && !MIXED_REJECTED.iter().any(|(n, _)| n == &(i + 1)))
        .map(|(_, l)| serde_json::from_str(l).expect("a good line is JSON"))
        .collect()
}

#[test]
fn ingest_reports_each_bad_record_and_keeps_the_good_ones() {
    let path = fixture("ingest-mixed.ndjson");
    let path = path.to_str().unwrap();
    let good = mixed_good_records();
    assert_eq!(good.len(), 3);
    let env = Env::empty();
    let (summary, run) = env.ingest(&[path]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(summary.inputs, 1);
    assert_eq!(summary.added, good.len() as u64);
    assert_eq!(summary.replaced, 0);
    assert_eq!(summary.rejected, MIXED_REJECTED.len() as u64);
    assert_eq!(summary.failed_inputs, 0);
    assert!(summary.seconds >= 0.0);
    assert!(!summary.index.is_empty());

    let reported: Vec<&str> = run.stderr.lines().filter(|l| l.contains(path)).collect();
    assert_eq!(reported.len(), MIXED_REJECTED.len(), "{run:#?}");
    for (line, why) in MIXED_REJECTED {
        let prefix = format!("{path}:{line}: ");
        let report = reported
            .iter()
            .find(|l| l.contains(&prefix))
            .unwrap_or_else(|| panic!("no report for line {line}: {run:#?}"));
        let reason = &report[report.find(&prefix).unwrap() + prefix.len()..];
        assert!(reason.contains(why), "line {line}: {report}");
    }

    // Every good record is searchable; no bad one is, though all say quokka.
    let (result, _) = env.search(&["quokka", "--limit", "0"]);
    assert_eq!(result.total, good.len() as u64);
    for record in &good {
        let sender = record["sender"].as_str().unwrap();
        assert!(
            result
                .hits
                .iter()
                .any(|h| h.sender == sender && h.text == record["text"]),
            "{record} is not searchable"
        );
        if let Some(id) = record["id"].as_str() {
            let run = env.run(["show", id, "--format", "json"]);
            assert_eq!(run.code, 0, "{run:#?}");
            let shown: serde_json::Value = run.json();
            // Fields the format does not define are kept.
            if let Some(subject) = record.get("subject") {
                assert_eq!(&shown["subject"], subject);
            }
        }
    }
}

#[test]
fn reingesting_a_file_replaces_its_records() {
    let path = fixture("ingest-mixed.ndjson");
    let path = path.to_str().unwrap();
    let good = mixed_good_records().len() as u64;
    let env = Env::empty();
    let (first, _) = env.ingest(&[path]);
    assert_eq!((first.added, first.replaced), (good, 0));
    let before = env.ids(&["--sort", "oldest"]);
    let (second, run) = env.ingest(&[path]);
    assert_eq!(run.code, 2, "the bad records are still bad: {run:#?}");
    // The record without an id is recognised too, by its derived id.
    assert_eq!((second.added, second.replaced), (0, good));
    assert_eq!(second.rejected, MIXED_REJECTED.len() as u64);
    assert_eq!(env.ids(&["--sort", "oldest"]), before);
    // Replaced messages are not counted twice anywhere.
    let (result, _) = env.search(&["--facet", "sender,type", "--facet-limit", "0"]);
    for name in ["sender", "type"] {
        let sum: u64 = result.facets[name].iter().map(|c| c.count).sum();
        assert_eq!(sum, good, "facet {name}");
    }
    let stats: Stats = env.run(["stats", "--format", "json"]).json();
    assert_eq!(stats.messages, good);
}

#[test]
fn a_record_without_id_is_added_once() {
    let record = r#"{"type": "note", "sender": "Anonymous", "date": "2016-10-12", "text": "an unsigned note about a wombat"}"#;
    let env = Env::empty();
    let mut ids = Vec::new();
    for round in 0..2 {
        let run = env.run_with_stdin(&["index", "-", "--format", "json"], &format!("{record}\n"));
        assert_eq!(run.code, 0, "{run:#?}");
        let summary: IndexSummary = run.json();
        assert_eq!(
            (summary.added, summary.replaced),
            if round == 0 { (1, 0) } else { (0, 1) },
            "round {round}"
        );
        let (result, _) = env.search(&["wombat"]);
        assert_eq!(result.total, 1, "round {round}");
        ids.push(result.hits[0].id.clone());
    }
    assert_eq!(ids[0], ids[1]);
    assert!(!ids[0].is_empty());
}

#[test]
fn reingesting_an_id_replaces_its_content() {
    let env = Env::empty();
    let version = |word: &str| {
        format!(
            r#"{{"id": "same-id", "type": "dm", "sender": "Ada", "text": "the {word} version"}}"#
        )
    };
    let run = env.run_with_stdin(&["index", "-"], &format!("{}\n", version("aardvark")));
    assert_eq!(run.code, 0, "{run:#?}");
    let run = env.run_with_stdin(
        &["index", "-", "--format", "json"],
        &format!("{}\n", version("pangolin")),
    );
    let summary: IndexSummary = run.json();
    assert_eq!((summary.added, summary.replaced), (0, 1));
    assert_eq!(env.search(&["aardvark"]).0.total, 0);
    assert_eq!(env.ids(&["pangolin"]), ["same-id"]);
    assert_eq!(env.ids(&[]), ["same-id"]);
}

#[test]
fn an_id_given_twice_in_one_run_is_kept_once() {
    let env = Env::empty();
    let input = [
        r#"{"id": "twice", "type": "dm", "sender": "Ada", "text": "first aardvark"}"#,
        r#"{"id": "twice", "type": "dm", "sender": "Ada", "text": "second pangolin"}"#,
    ]
    .join("\n");
    let run = env.run_with_stdin(&["index", "-", "--format", "json"], &input);
    assert_eq!(run.code, 0, "{run:#?}");
    let summary: IndexSummary = run.json();
    assert_eq!(summary.added + summary.replaced, 2);
    assert_eq!(env.ids(&[]), ["twice"]);
    assert_eq!(env.ids(&["pangolin"]), ["twice"], "the last one wins");
}

#[test]
fn stdin_records_are_reported_by_line() {
    let env = Env::empty();
    let input = [
        r#"{"type": "dm", "sender": "Ada", "text": "good numbat"}"#,
        r#"{"type": "dm", "text": "no sender numbat"}"#,
        "not json at all",
        r#"{"type": "dm", "sender": "Ada", "text": "good again numbat", "date": "2016-10"}"#,
    ]
    .join("\n");
    let run = env.run_with_stdin(&["index", "-", "--format", "json"], &input);
    assert_eq!(run.code, 2, "{run:#?}");
    let summary: IndexSummary = run.json();
    assert_eq!((summary.added, summary.rejected), (2, 2));
    for line in [2, 3] {
        assert!(run.stderr.contains(&format!(":{line}: ")), "{run:#?}");
    }
    assert_eq!(env.search(&["numbat"]).0.total, 2);
}

#[test]
fn the_bundled_corpus_is_the_default_input() {
    let corpus = corpus();
    let env = Env::empty();
    let (summary, run) = env.ingest(&[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(summary.inputs, 1);
    assert_eq!(summary.added, corpus.len() as u64);
    assert_eq!(
        (summary.replaced, summary.rejected, summary.failed_inputs),
        (0, 0, 0)
    );
    let (summary, _) = env.ingest(&[]);
    assert_eq!((summary.added, summary.replaced), (0, corpus.len() as u64));
    assert_eq!(env.id_set(&[]), ids_where(&corpus, |_| true));
}

#[test]
fn a_failed_ingest_leaves_the_index_as_it_was() {
    let env = Env::with_corpus();
    let before = env.ids(&["--sort", "oldest"]);
    let missing = env.dir.path().join("no such dir/missing.ndjson");
    let missing = missing.to_str().unwrap();
    let (summary, run) = env.ingest(&[missing]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(summary.failed_inputs, 1);
    assert_eq!(summary.added + summary.replaced, 0);
    assert!(run.stderr.contains(missing), "{run:#?}");
    assert_eq!(env.ids(&["--sort", "oldest"]), before);

    // A directory opens but cannot be read as a file.
    let dir = env.dir.path().to_str().unwrap();
    let (summary, run) = env.ingest(&[dir]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(summary.failed_inputs, 1);
    assert_eq!(env.ids(&["--sort", "oldest"]), before);
}

#[test]
fn an_index_is_never_written_into_a_foreign_directory() {
    let env = Env::empty();
    let foreign = env.index();
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    for args in [vec!["index"], vec!["search", "wikileaks"], vec!["stats"]] {
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
    }
    let left: Vec<_> = std::fs::read_dir(&foreign)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );
}

// ---------------------------------------------------------------------------
// show, stats, and building the index on first use
// ---------------------------------------------------------------------------

#[test]
fn show_prints_every_field_of_a_record() {
    let corpus = corpus();
    let env = Env::with_corpus();
    for record in &corpus {
        let run = env.run(["show", &record.id, "--format", "json"]);
        assert_eq!(run.code, 0, "{run:#?}");
        let shown: serde_json::Value = run.json();
        for (key, value) in &record.raw {
            assert_eq!(&shown[key], value, "{}: field {key}", record.id);
        }
    }
    // Such as the Merriam-Webster record's subject, which the format does not define.
    let webster = corpus
        .iter()
        .find(|r| r.sender == "Merriam-Webster")
        .expect("the corpus has the Merriam-Webster definition");
    let run = env.run(["show", &webster.id, "--format", "json"]);
    let shown: serde_json::Value = run.json();
    assert_eq!(shown["subject"], "collusion");
}

#[test]
fn show_as_a_table_has_the_message() {
    let corpus = corpus();
    let record = &corpus[0];
    let env = Env::with_corpus();
    let run = env.run(["show", &record.id]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains(&record.id));
    assert!(run.stdout.contains(&record.sender));
    let flat = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = record.text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&text), "{run:#?}");
}

#[test]
fn show_of_an_unknown_id_finds_nothing() {
    let env = Env::with_corpus();
    let run = env.run(["show", "no-such-message", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(run.stderr.contains("no-such-message"), "{run:#?}");
}

#[test]
fn stats_summarise_the_index() {
    let corpus = corpus();
    let env = Env::with_corpus();
    let run = env.run(["stats", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let stats: Stats = run.json();
    assert_eq!(stats.messages, corpus.len() as u64);
    let undated = corpus.iter().filter(|r| r.date.is_none()).count() as u64;
    assert_eq!(stats.undated, undated);
    let dates: Vec<&str> = corpus.iter().filter_map(|r| r.date.as_deref()).collect();
    let first = dates.iter().min_by_key(|d| date_start(d)).copied();
    let last = dates.iter().max_by_key(|d| date_start(d)).copied();
    assert_eq!(stats.first.as_deref(), first);
    assert_eq!(stats.last.as_deref(), last);
    let types = counts(corpus.iter().map(|r| r.kind.clone()));
    assert_eq!(facet_map(&stats.types), types);
    assert_by_count_desc("types", &stats.types);
    let senders = counts(corpus.iter().map(|r| r.sender.clone()));
    assert!(senders.len() <= 10, "all senders fit in the top ten");
    assert_eq!(facet_map(&stats.senders), senders);
    assert_by_count_desc("senders", &stats.senders);
    assert!(stats.index.ends_with("index"), "{}", stats.index);

    let table = env.run(["stats"]);
    assert_eq!(table.code, 0);
    assert!(
        table.stdout.contains(&corpus.len().to_string()),
        "{table:#?}"
    );
}

#[test]
fn a_missing_index_is_built_from_the_bundled_corpus_on_first_use() {
    let corpus = corpus();
    let all = ids_where(&corpus, |_| true);
    for command in [
        vec!["search", "--limit", "0", "--format", "json"],
        vec!["stats", "--format", "json"],
        vec!["show", corpus[0].id.as_str(), "--format", "json"],
    ] {
        // A relative --index, from a current directory that is not the repository.
        let env = Env::empty();
        let run = |env: &Env| {
            let out = env
                .bare_command()
                .args(&command)
                .args(["--index", "ix"])
                .output()
                .expect("run missive");
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(!stderr.contains("panicked"), "{stderr}");
            (
                out.status.code(),
                String::from_utf8(out.stdout).unwrap(),
                stderr,
            )
        };
        let (code, stdout, stderr) = run(&env);
        assert_eq!(code, Some(0), "{command:?}: {stderr}");
        assert!(
            stderr.to_lowercase().contains("corpus"),
            "{command:?}: no note: {stderr}"
        );
        assert!(
            env.dir.path().join("ix").is_dir(),
            "{command:?}: built elsewhere"
        );
        let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        match command[0] {
            "search" => {
                let result: SearchJson = serde_json::from_value(value).unwrap();
                assert_eq!(set(&ids(&result.hits)), all);
            }
            "stats" => {
                let stats: Stats = serde_json::from_value(value).unwrap();
                assert_eq!(stats.messages, corpus.len() as u64);
            }
            _ => assert_eq!(value["id"], corpus[0].id.as_str()),
        }
        // Built once: the second run says nothing and finds the same.
        let (code, again, stderr) = run(&env);
        assert_eq!(code, Some(0));
        assert!(stderr.is_empty(), "{command:?}: {stderr}");
        assert_eq!(again, stdout);
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// An index of the bundled corpus built by one `missive index -` run per
/// message (so one commit, and one segment before merges, each).
fn corpus_one_message_per_run() -> Env {
    let env = Env::empty();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/wikileaks-2016.ndjson");
    ingest_one_line_per_run(&env, &std::fs::read_to_string(path).unwrap());
    env
}

/// Ingests each line of `ndjson` with its own `missive index -` run.
fn ingest_one_line_per_run(env: &Env, ndjson: &str) {
    for line in ndjson.lines().filter(|l| !l.trim().is_empty()) {
        let run = env.run_with_stdin(&["index", "-"], &format!("{line}\n"));
        assert_eq!(run.code, 0, "{run:#?}");
    }
}

fn ids(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.id.clone()).collect()
}

/// The words in `<b>…</b>` in a snippet.
fn bold_words(snippet: &str) -> Vec<String> {
    snippet
        .split("<b>")
        .skip(1)
        .filter_map(|s| s.split_once("</b>").map(|(b, _)| b.to_string()))
        .collect()
}

#[test]
fn the_recipient_facet_alias_counts_recipients() {
    let env = Env::with_corpus();
    let (by_alias, _) = env.search(&["--facet", "recipient"]);
    let (by_name, _) = env.search(&["--facet", "recipients"]);
    assert_eq!(
        by_alias.facets.get("recipients"),
        by_name.facets.get("recipients")
    );
    assert!(
        by_name.facets["recipients"]
            .iter()
            .any(|c| c.value == "WikiLeaks")
    );
}

#[test]
fn has_a_value_queries_work_on_fast_fields_and_are_refused_elsewhere() {
    let env = Env::with_corpus();
    let with_conversation = ids_where(&corpus(), |r| r.raw.contains_key("conversation"));
    assert_eq!(env.id_set(&["conversation:*"]), with_conversation);
    for query in ["id:*", "text:*", "bogus:*"] {
        let run = env.run(["search", query]);
        assert_eq!(run.code, 2, "{query}: {run:#?}");
        assert!(run.stderr.contains("bad query"), "{query}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{query}");
    }
}

#[test]
fn replacing_more_messages_than_one_batch_leaves_one_version_of_each() {
    // More than the writer's replacement batch (4096), with an id repeated
    // within the run, so replacements cross batch boundaries.
    let env = Env::empty();
    let batch = |word: &str, n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "{{\"id\":\"r{i}\",\"type\":\"dm\",\"sender\":\"S\",\"text\":\"{word} {i}\"}}\n"
                )
            })
            .collect()
    };
    let n = 5000;
    let first = env.run_with_stdin(&["index", "-", "--format", "json"], &batch("first", n));
    let first: IndexSummary = first.json();
    assert_eq!((first.added, first.replaced), (n as u64, 0));

    let mut again = batch("second", n);
    again.push_str(&batch("third", 10));
    let second = env.run_with_stdin(&["index", "-", "--format", "json"], &again);
    let second: IndexSummary = second.json();
    assert_eq!((second.added, second.replaced), (0, n as u64 + 10));

    let count = |q: &str| env.search(&[q]).0.total;
    assert_eq!(count(""), n as u64);
    assert_eq!(count("first"), 0);
    assert_eq!(count("second"), n as u64 - 10);
    assert_eq!(count("third"), 10);
}

#[test]
fn an_index_never_written_to_is_built_on_first_search() {
    // What a first build interrupted before its commit leaves behind: an
    // index directory with no committed message.
    let env = Env::empty();
    let empty = env.run(["index", "/dev/null"]);
    assert_eq!(empty.code, 0, "{empty:#?}");
    let run = env.run(["search", "dishonest", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("bundled corpus"), "{}", run.stderr);
    let json: SearchJson = run.json();
    let expected = ids_where(&corpus(), |r| has_word(&r.text, "dishonest"));
    assert_eq!(
        json.hits
            .iter()
            .map(|h| h.id.clone())
            .collect::<BTreeSet<_>>(),
        expected
    );
}

#[test]
fn the_echoed_query_finds_what_the_flags_found() {
    let env = Env::with_corpus();
    for args in [
        &["--type", "tweet", "--type", "dm"][..],
        &[
            "dishonest OR rigged",
            "--since",
            "2016-10",
            "--sender",
            "trump",
        ][..],
        &[
            "wikileaks",
            "--sender",
            "Donald Trump Jr.",
            "--sender",
            "pence",
        ][..],
        &["--recipient", "wikileaks", "--until", "2016"][..],
    ] {
        let (with_flags, _) = env.search(args);
        let (again, _) = env.search(&[with_flags.query.as_str()]);
        assert_eq!(
            again.total, with_flags.total,
            "{args:?} echoed as {}",
            with_flags.query
        );
        assert!(with_flags.total > 0, "{args:?}");
    }
}

#[test]
fn wildcards_other_than_a_final_star_are_refused() {
    let env = Env::with_corpus();
    for query in ["*leaks", "wik?leaks", "w*leaks", "conversation:fox*"] {
        let run = env.run(["search", "--", query]);
        assert_eq!(run.code, 2, "{query}: {run:#?}");
        assert!(run.stderr.contains("wildcard"), "{query}: {}", run.stderr);
    }
    // A question mark that ends a word is punctuation, not a wildcard.
    assert_eq!(env.id_set(&["leak?"]), env.id_set(&["leak"]));
}

#[test]
fn operators_take_has_a_value_and_date_takes_a_day_or_month() {
    let env = Env::with_corpus();
    let records = corpus();
    let with_recipients = ids_where(&records, |r| !r.recipients.is_empty());
    assert_eq!(env.id_set(&["to:*"]), with_recipients);
    assert_eq!(env.id_set(&["recipients:*"]), with_recipients);
    assert_eq!(env.id_set(&["from:*"]).len(), records.len());
    let on_day = ids_where(&records, |r| r.date.as_deref() == Some("2016-10-12"));
    assert_eq!(env.id_set(&["date:2016-10-12"]), on_day);
    assert_eq!(
        env.id_set(&["date:2016-10"]),
        env.id_set(&["since:2016-10 until:2016-10"])
    );
}

#[test]
fn empty_flag_values_are_errors() {
    let env = Env::with_corpus();
    for flag in ["--sender", "--recipient", "--type"] {
        let run = env.run(["search", flag, " "]);
        assert_eq!(run.code, 2, "{flag}: {run:#?}");
        assert!(run.stderr.contains("needs a value"), "{}", run.stderr);
    }
}

#[test]
fn a_missing_parent_directory_is_an_error_not_a_new_index() {
    let env = Env::empty();
    let index = env.dir.path().join("no/such/place");
    let run = env
        .bare_command()
        .args(["stats", "--index"])
        .arg(&index)
        .output()
        .expect("run missive");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("parent directory does not exist"));
    assert!(!env.dir.path().join("no").exists());
}

#[test]
fn the_table_says_how_many_facet_values_the_limit_left_out() {
    let env = Env::with_corpus();
    let senders: BTreeSet<String> = corpus().into_iter().map(|r| r.sender).collect();
    let run = env.run(["search", "--facet", "sender", "--facet-limit", "2"]);
    assert_eq!(run.code, 0);
    let line = format!("… {} more values", senders.len() - 2);
    assert!(run.stdout.contains(&line), "{}", run.stdout);
}

#[test]
fn line_breaks_in_a_text_stay_inside_its_indented_lines() {
    let env = Env::empty();
    let record = "{\"id\":\"nl\",\"type\":\"email\",\"sender\":\"A\",\"text\":\"He said hi,\\nthen left\\n\\tquickly\"}\n";
    assert_eq!(env.run_with_stdin(&["index", "-"], record).code, 0);
    let run = env.run(["search", "hi"]);
    assert_eq!(run.code, 0);
    for line in run.stdout.lines().skip(1).take_while(|l| !l.is_empty()) {
        assert!(
            line.starts_with("    "),
            "unindented line {line:?} in\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("hi, then left"), "{}", run.stdout);
}
