//! `Schema::check`: warnings against the schema, rendered like errors, and
//! each "never true" warning checked against the evaluator on the bundled
//! records (the reference meaning), so a warning is a fact, not a guess.

use serde_json::Value;
use siftql::eval::{Bindings, Predicate};
use siftql::sql::Schema;
use siftql::{ErrorCode, Filter, Group, Limits, Node, WarningCode};

fn records() -> Vec<Value> {
    include_str!("../../examples/clusters.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn closed() -> Schema {
    Schema::from_json_str(
        r#"{"table": "items", "open": false, "columns": [
            {"field": "cluster_id", "column": "id", "type": "text"},
            {"field": "name", "column": "name", "type": "text"},
            {"field": "size", "column": "size", "type": "integer"},
            {"field": "on", "column": "on", "type": "bool"},
            {"field": "at", "column": "at", "type": "timestamp"},
            {"field": "meta", "column": "meta", "type": "json"}]}"#,
    )
    .unwrap()
}

/// What each mistake looks like, as `siftql check` prints it.
#[test]
fn rendered_warnings() {
    let clusters = Schema::clusters();
    let items = closed();
    let mut out = String::new();
    for (schema, input) in [
        (&clusters, "stauts = completed"),
        (&clusters, "status.code = 5"),
        (&clusters, "num_clusters = \"abc\""),
        (&clusters, "num_clusters in [1, \"2\", null]"),
        (&clusters, "status > 5"),
        (&clusters, "status != 5"),
        (&clusters, "hierarchy_detected = \"true\""),
        (&clusters, "hierarchy_detected > 1"),
        (&clusters, "cluster_id exists false"),
        (&clusters, "cluster_id is null"),
        (&clusters, "cluster_id != null"),
        (&clusters, "num_clusters matches \"^1\""),
        (&clusters, "num_documents_clustered contains 5"),
        (&clusters, "num_clusters > 5 and num_clusters < 3"),
        (
            &clusters,
            "num_clusters >= 5 and status = a and num_clusters < 5",
        ),
        (&clusters, "num_clusters = 2 and num_clusters = 3"),
        (
            &clusters,
            "status = a and (x = 1 or status = b) and status = B",
        ),
        (
            &clusters,
            "num_clusters > 5 and (num_clusters < 3 and (status = a or status = b))",
        ),
        (&clusters, "stauts = a and num_clusters = \"1\""),
        (
            &clusters,
            r#"{"AND":[{"field":"stauts","operator":"eq","value":"a"},{"field":"num_clusters","operator":"gt","value":"5"}]}"#,
        ),
        (&items, "size = \"3\" and at > 5 and on starts_with \"t\""),
        (&items, "meta.anything = 1 and size > 1.5"),
    ] {
        let f = Filter::parse_any(input, &Limits::default()).unwrap();
        out.push_str(&format!("$ {input}\n"));
        for w in schema.check(&f).unwrap() {
            let w = if input.starts_with('{') {
                w.locate_json(input)
            } else {
                w
            };
            out.push_str(&w.render(input));
            out.push('\n');
        }
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

/// A closed schema refuses an unknown field, with did-you-mean and the
/// condition's place.
#[test]
fn closed_schemas_refuse_unknown_fields() {
    let f: Filter = "name = x and sise > 3".parse().unwrap();
    let e = closed().check(&f).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownField);
    assert_eq!(e.help(), Some("did you mean `size`?"));
    assert_eq!(e.pointer(), Some("/AND/1"));
    assert_eq!(e.span().map(|s| s.range()), Some(13..21));
}

/// Filters without mistakes draw no warning.
#[test]
fn good_filters_draw_nothing() {
    for input in [
        "status = completed and num_clusters >= 5",
        "num_clusters > 3 and num_clusters < 5",
        "num_clusters >= 5 and num_clusters <= 5",
        "num_clusters > 5 or num_clusters < 3",
        "not (num_clusters > 5) and num_clusters < 3",
        "status = a or status = b",
        "status = A and status = a",
        "metadata.team = ml and metadata.n > 5 and metadata.n < 3",
        "cluster_id exists true and cluster_id is not null",
        "created_at > \"2025-01-01\" and num_clusters = $inputs.n",
        "num_clusters != null and num_clusters in [1, null]",
        "num_clusters > 9007199254740993 and num_clusters < 9007199254740994",
        "num_clusters > 5 and (num_clusters < 3 or status = a)",
        "num_clusters > 5 and not (num_clusters < 3 and status = a)",
        "num_clusters = 9007199254740993 and num_clusters > 9007199254740992",
        "num_clusters > 9007199254740992 and num_clusters <= 9007199254740993",
    ] {
        let f: Filter = input.parse().unwrap();
        let w = Schema::clusters().check(&f).unwrap();
        assert!(w.is_empty(), "{input}: {w:?}");
    }
}

/// Every condition `check` calls never true matches no record, and every
/// one it calls always true matches them all, in the evaluator.
#[test]
fn warnings_agree_with_the_evaluator() {
    let records = records();
    let never = [
        "num_clusters = \"abc\"",
        "num_clusters = \"5\"",
        "status > 5",
        "status = 5",
        "hierarchy_detected = \"true\"",
        "hierarchy_detected > 0",
        "cluster_id exists false",
        "cluster_id is null",
        "cluster_id = null",
        "num_clusters in [\"1\", \"2\"]",
        "num_clusters matches \"\"",
        "num_clusters starts_with \"1\"",
        "num_clusters contains 5",
        "num_clusters text \"1\"",
        "created_at > 5",
        "num_clusters > 5 and num_clusters < 3",
        "num_clusters >= 40 and num_clusters < 40",
        "num_clusters = 40 and num_clusters = 41",
        "status = completed and status = failed",
        "num_clusters > 5 and (num_clusters < 3 and (status = a or status = b))",
        "num_clusters geo_radius {\"center\": {\"lat\": 0, \"lon\": 0}, \"radius\": 1}",
    ];
    let always = [
        "status != 5",
        "num_clusters nin [\"1\", \"2\"]",
        "cluster_id != null",
    ];
    for (inputs, want) in [(&never[..], 0), (&always[..], records.len())] {
        for input in inputs {
            let f: Filter = input.parse().unwrap();
            let warnings = Schema::clusters().check(&f).unwrap();
            assert!(
                warnings
                    .iter()
                    .any(|w| w.code() != WarningCode::UnknownField),
                "{input}: no warning"
            );
            let p = Predicate::compile(&f, &Bindings::new()).unwrap();
            let n = records.iter().filter(|r| p.matches(*r)).count();
            assert_eq!(n, want, "{input}");
        }
    }
    // The bundled records do have the values the contradictions sit next to.
    let p = Predicate::compile(&"num_clusters >= 40".parse().unwrap(), &Bindings::new()).unwrap();
    assert!(records.iter().any(|r| p.matches(r)));
}

/// A deep filter is checked without recursion.
#[test]
fn deep_filters_are_checked_on_the_heap() {
    let mut g = Group::all(vec![Node::from(siftql::Condition::new(
        siftql::FieldPath::new("stauts").unwrap(),
        siftql::Operator::Eq,
        Value::from("x"),
    ))]);
    for _ in 0..200_000 {
        g = Group::all(vec![Node::from(g)]);
    }
    let w = Schema::clusters().check(&Filter::from(g)).unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].pointer().unwrap().len(), "/AND/0".len() * 200_001);
}

/// An item of the wrong type in a list whose other items can match marks
/// that item only: the condition still matches.
#[test]
fn one_dead_list_item_is_not_a_dead_condition() {
    let records = records();
    let f: Filter = "num_clusters in [40, \"41\"]".parse().unwrap();
    let w = Schema::clusters().check(&f).unwrap();
    assert_eq!(w.len(), 1);
    assert!(w[0].message().contains("item 2 of"), "{}", w[0].message());
    assert!(!w[0].message().contains("never true"), "{}", w[0].message());
    let p = Predicate::compile(&f, &Bindings::new()).unwrap();
    assert!(records.iter().any(|r| p.matches(r)));
}

/// A message names a condition, it does not copy it: long values are cut.
#[test]
fn messages_quote_long_values_short() {
    let long = "x".repeat(60_000);
    let f: Filter = format!("status = \"{long}\" and status = b and num_clusters = \"{long}\"")
        .parse()
        .unwrap();
    let w = Schema::clusters().check(&f).unwrap();
    assert_eq!(w.len(), 2, "{w:?}");
    for w in &w {
        assert!(w.message().len() < 400, "{}", w.message().len());
        assert!(w.message().contains('…'));
    }
}
