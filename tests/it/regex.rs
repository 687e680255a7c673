//! `regex` on every database against the evaluator (Rust `regex` itself):
//! patterns generated from a grammar of classes, Unicode, case folding,
//! anchors, word boundaries, repetition and alternation, over texts built
//! from the characters where engines differ, in a typed column and inside
//! JSON, plain, negated and case-sensitive. Patterns a dialect cannot
//! translate exactly must be refused with E0402, never run.

use std::cell::{Cell, RefCell};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;
use siftql::sql::driver::Driver;
use siftql::sql::regex::{translate, Flavor};
use siftql::sql::{sqlite, Dialect, Schema};

#[allow(unused_imports)] // per database feature
use crate::sql::{agrees_unless_refused, load_all, my, own_table, pg, with_table};

/// Characters where case folding, `\w`, `\d`, `\s`, `.` and line anchors
/// tell engines apart.
const CHARS: &[char] = &[
    'a', 'A', 'b', 'B', 'k', 'K', '\u{212A}', 's', 'S', 'ſ', 'ß', 'ẞ', 'é', 'É', 'σ', 'ς', 'Σ',
    'i', 'I', 'İ', 'ı', '1', '٣', '_', ' ', '\n', '\t', '\r', '\u{2003}', '.', '-', '😀',
    '\u{301}',
];

/// Patterns at the edges where engines differ, mixed into the generated
/// ones.
const EDGE_PATTERNS: &[&str] = &[
    "a$",
    "^a",
    r"\w$",
    "(?m)a$",
    "(?m)^y",
    r"\bA",
    r"\Bb",
    "ß",
    "(?i)ß",
    "(?i)ẞ",
    "(?i)k",
    "(?i)K",
    "(?i)σ",
    "(?i)ς",
    "(?i)ſ",
    "(?i)ı",
    "(?i)İ",
    "^.$",
    "^..$",
    r"\d",
    r"\s",
    r"^\s*$",
    "e\u{301}",
    r"(?-u:\w)",
    r"\b{start}\w",
    r"\w\b{end}",
    "😀",
    "^$",
    r"\A\z",
    r"a\z",
    "(?s)x.y",
    "x.y",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..7).prop_map(|cs| cs.into_iter().collect())
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(CHARS).prop_map(|c| regex::escape(&c.to_string())),
        3 => prop::sample::select(vec![
            r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", ".", "[a-z]", "[^a-z]", "[[:alpha:]]",
            r"\p{Greek}", r"\pL", "[é-ü]", r"[\d_]", "(?s:.)", r"(?-u:\w)", "[^\n]", r"[\p{Lu}&&\p{Greek}]",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "^", "$", r"\b", r"\B", r"\b{start}", r"\b{end}", r"\b{start-half}", r"\b{end-half}",
            r"(?-u:\b)", r"\A", r"\z", "(?m:^)", "(?m:$)",
        ])
        .prop_map(str::to_owned),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    let leaf = prop::collection::vec(atom(), 1..4).prop_map(|v| v.concat());
    let tree = leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("(?:{})", v.join("|"))),
            (
                inner.clone(),
                prop::sample::select(vec!["*", "+", "?", "{2}", "{1,3}", "*?", "{0,2}?"])
            )
                .prop_map(|(p, q)| format!("({p}){q}")),
            prop::collection::vec(inner, 2..3).prop_map(|v| v.concat()),
        ]
    });
    (
        prop::sample::select(vec!["", "", "(?i)", "(?m)", "(?s)", "(?-i)"]),
        tree,
    )
        .prop_map(|(flags, p)| format!("{flags}{p}"))
}

/// The records: each text in `cluster_name` and at `metadata.t`.
fn records(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"cluster_id": format!("x{i:03}"), "cluster_name": t, "metadata": {"t": t}})
                .to_string()
        })
        .collect()
}

fn regex_agrees(db: &mut dyn Driver, schema: &Schema) {
    // A fixed seed: the same patterns in every run. For a longer search by
    // hand, SIFTQL_REGEX_CASES runs more of them and SIFTQL_REGEX_SEED
    // (a byte) draws others.
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<u32>().ok());
    let cases = env("SIFTQL_REGEX_CASES").unwrap_or(64);
    let seed = env("SIFTQL_REGEX_SEED").map_or(7, |s| s as u8);
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    );
    let texts: Vec<String> = {
        let mut t: Vec<String> = [
            "", "a", "A", "K", "\u{212A}", "ſ", "ß", "ẞ", "σς", "ΣΣ", "x\ny", "a\n", "\n", "é",
            "e\u{301}", "😀", "٣", "İı", "a b", "_",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut gen = TestRunner::deterministic();
        for _ in 0..40 {
            t.push(text().new_tree(&mut gen).unwrap().current());
        }
        t
    };
    let records = records(&texts);
    load_all(db, schema, &records);
    let dialect = db.dialect();
    let db = RefCell::new(db);
    let (run, refused) = (Cell::new(0), Cell::new(0));
    let edges = prop::sample::select(
        EDGE_PATTERNS
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
    );
    let patterns = prop_oneof![1 => edges, 2 => pattern()];
    runner
        .run(&patterns, |p| {
            let quoted = serde_json::to_string(&p).unwrap();
            for field in ["cluster_name", "metadata.t"] {
                for filter in [
                    format!("{field} =~ {quoted}"),
                    format!("not {field} =~ {quoted}"),
                    format!("case_sensitive({field} =~ {quoted})"),
                ] {
                    let n = if agrees_unless_refused(*db.borrow_mut(), schema, &records, &filter)
                        .is_some()
                    {
                        &run
                    } else {
                        &refused
                    };
                    n.set(n.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    // Most generated patterns translate; SQLite runs them all.
    let (run, refused) = (run.get(), refused.get());
    eprintln!("{dialect}: {run} regex filters run, {refused} refused (E0402)");
    assert!(run > 4 * refused, "{dialect}: {run} run, {refused} refused");
    if dialect == Dialect::Sqlite {
        assert_eq!(refused, 0);
    }
}

on_every_database!(
    regex_agrees,
    "siftql_rx",
    regex_agrees_with_the_evaluator_on_sqlite,
    regex_agrees_with_the_evaluator_on_postgres,
    regex_agrees_with_the_evaluator_on_mysql
);

/// Translations of one pattern per construct, per flavor (reviewed
/// snapshots), and the constructs refused instead.
#[test]
fn translated_patterns() {
    let patterns = [
        ("abc", false),
        ("a.c", false),
        (r"^\d+$", false),
        ("(?i)k", false),
        ("straße", true),
        (r"\bcat\b", false),
        (r"(?-u:\b)x", false),
        ("(?m)^a$", false),
        ("(a|bc)+?", false),
        (r"x{2,5}y{3}", false),
        (r"[^\s]", false),
        (r"\p{Greek}", false),
        ("😀|é", false),
    ];
    let mut out = String::new();
    for (p, ci) in patterns {
        for flavor in [Flavor::Postgres, Flavor::Pcre] {
            let t = translate(p, ci, flavor).unwrap();
            // Long classes are cut for the snapshot; their length is kept.
            let shown: String = t.chars().take(160).collect();
            out.push_str(&format!(
                "{p:?} ci={ci} {flavor:?} ({} bytes): {shown}\n",
                t.len()
            ));
        }
    }
    out.push_str("\nrefused:\n");
    for (p, flavor) in [
        ("(?Rm)^a".to_owned(), Flavor::Postgres),
        ("(?Rm)a$".to_owned(), Flavor::Pcre),
        (r"\x00".to_owned(), Flavor::Postgres),
        ("a{256}".to_owned(), Flavor::Postgres),
        ("[a&&b]".to_owned(), Flavor::Pcre),
        (format!("{}x", r"\b".repeat(30)), Flavor::Postgres),
        (r"\b\b\bx".to_owned(), Flavor::Pcre),
        (r"(?:a\b|\b){2}".to_owned(), Flavor::Pcre),
    ] {
        let e = translate(&p, false, flavor).map(|t| t.len());
        out.push_str(&format!("{p:?} {flavor:?}: {e:?}\n"));
    }
    insta::assert_snapshot!(out);
}
