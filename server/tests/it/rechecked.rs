//! Filters a database cannot say exactly (on PostgreSQL and MySQL/MariaDB
//! `phrase`, `words`, date ranges on text; on every database an array
//! value): the SQL selects candidates and each is rechecked, and totals,
//! statistics, pages and cursors cover exactly the evaluator's rows.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

use crate::{on_every_database, records, reference, sorted, Api};

on_every_database!(
    rechecked_filters,
    rechecked_answers_are_cached_apart,
    generated_filters_agree_with_the_evaluator,
);

const FILTERS: &[&str] = &[
    "cluster_name phrase \"plain name\"",
    "not cluster_name phrase \"plain\" and num_clusters >= 2",
    "cluster_name words \"names\" or status = failed",
    "(cluster_name phrase \"sale\" or status = running) and not namespace_id = ns_b",
    "not (metadata.description >= \"2024-01-01\" or cluster_name phrase \"50 off\")",
    "metadata.description = [\"Described %8%\"] or status = failed",
    "not metadata = {\"description\": \"Described %16%\"} and namespace_id = ns_a",
];

fn rechecked_filters(s: &Api) {
    let by_id: BTreeMap<String, Value> = records()
        .into_iter()
        .map(|r| (r["cluster_id"].as_str().unwrap().to_owned(), r))
        .collect();
    for filter in FILTERS {
        let want = reference(filter);
        assert!(
            !want.is_empty() && want.len() < by_id.len(),
            "{filter}: {want:?}"
        );
        // One page of everything: the rows, the totals and the statistics.
        let r = s.list(&json!({"filter": filter, "limit": 1000}));
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        assert_eq!(sorted(r.ids()), want, "{filter}");
        let v = r.json();
        assert_eq!(v["total_count"], json!(want.len()), "{filter}");
        let docs: u64 = want
            .iter()
            .map(|id| by_id[id]["num_documents_clustered"].as_u64().unwrap())
            .sum();
        assert_eq!(v["stats"]["total_documents"], json!(docs), "{filter}");
        let mut by_status = BTreeMap::new();
        for id in &want {
            *by_status
                .entry(by_id[id]["status"].as_str().unwrap().to_owned())
                .or_insert(0u64) += 1;
        }
        assert_eq!(
            v["stats"]["clusters_by_status"],
            json!(by_status),
            "{filter}"
        );
        // Pages of 3 by cursor, newest first, and by number: the same rows
        // in the same order as the one big page, none twice.
        let sort = json!({"field": "created_at", "direction": "desc"});
        let everything = s
            .list(&json!({"filter": filter, "sort": sort, "limit": 1000}))
            .ids();
        let body = json!({"filter": filter, "sort": sort, "limit": 3});
        let (mut walked, mut r) = (Vec::new(), s.list(&body));
        loop {
            walked.extend(r.ids());
            match r.json()["pagination"]["next_cursor"].as_str() {
                Some(c) => r = s.list_with(&format!("?cursor={c}"), &[], &body),
                None => break,
            }
        }
        assert_eq!(walked, everything, "{filter}: by cursor");
        let pages = everything.len().div_ceil(3);
        let by_number: Vec<String> = (1..=pages)
            .flat_map(|p| {
                s.list(&json!({"filter": filter, "sort": sort, "limit": 3, "page": p}))
                    .ids()
            })
            .collect();
        assert_eq!(by_number, everything, "{filter}: by page number");
    }
}

/// Two rechecked filters can render the same SQL (here `TRUE` for each
/// object comparison): the answer cache (SQLite) keeps their answers apart.
fn rechecked_answers_are_cached_apart(s: &Api) {
    for _ in 0..2 {
        for n in [8, 16] {
            let filter = format!("metadata = {{\"description\": \"Described %{n}%\"}}");
            let r = s.list(&json!({"filter": filter}));
            assert_eq!(r.status, 200, "{filter}: {}", r.body);
            assert_eq!(r.ids(), vec![format!("c{n:02}")], "{filter}");
            assert_eq!(r.ids(), reference(&filter));
        }
    }
}

/// A condition on the records' fields: some the databases say exactly,
/// some they recheck (`phrase`, `words`, date ranges on text inside JSON,
/// number path segments, array and object values).
fn condition() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "plain",
        "Name",
        "sale",
        "50",
        "off",
        "xxoff",
        "under",
        "score",
        "back",
        "slash",
        "3",
        "cluster",
        "about",
        "described",
        "names",
        "PLAIN NAME",
        "sale 50",
    ]);
    prop_oneof![
        word.clone()
            .prop_map(|w| format!("cluster_name phrase {w:?}")),
        word.clone()
            .prop_map(|w| format!("cluster_name words {w:?}")),
        word.clone()
            .prop_map(|w| format!("description phrase {w:?}")),
        word.prop_map(|w| format!("metadata.description text {w:?}")),
        prop::sample::select(vec![
            "2024-01-01",
            "Described %2",
            "D",
            "2024-03-01T12:00:00+01:00"
        ])
        .prop_map(|d| format!("metadata.description >= {d:?}")),
        (0..7u32).prop_map(|n| format!("num_clusters >= {n}")),
        prop::sample::select(vec!["completed", "failed", "PENDING"])
            .prop_map(|s| format!("status = {s}")),
        Just("namespace_id = ns_b".to_owned()),
        Just("cluster_name = [\"x\"]".to_owned()),
        Just("created_at > \"2024-02-10\"".to_owned()),
    ]
}

/// Generated filters of those conditions (`and`, `or`, `not`), through the
/// server: the rows, the total and the statistics of one big page equal
/// the evaluator's.
fn generated_filters_agree_with_the_evaluator(s: &Api) {
    let filter = (
        prop::collection::vec(condition(), 1..4),
        prop::collection::vec(prop::sample::select(vec![" and ", " or ", " and not "]), 3),
        any::<bool>(),
    )
        .prop_map(|(conds, joins, negate)| {
            let mut f = conds[0].clone();
            for (c, j) in conds[1..].iter().zip(joins) {
                f = format!("{f}{j}{c}");
            }
            if negate {
                format!("not ({f})")
            } else {
                f
            }
        });
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    runner
        .run(&filter, |f| {
            let r = s.list(&json!({"filter": f, "limit": 1000}));
            prop_assert_eq!(r.status, 200, "{}: {}", f, r.body);
            let want = reference(&f);
            prop_assert_eq!(sorted(r.ids()), want.clone(), "{}", f);
            prop_assert_eq!(&r.json()["total_count"], &json!(want.len()), "{}", f);
            Ok(())
        })
        .unwrap();
}
