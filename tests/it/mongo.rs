//! The MongoDB backend of `examples/mongo_backend.rs`, compiled in here from
//! the same file: its query document for every operator, and a few shapes
//! and refusals pinned by hand.

#[allow(dead_code)]
#[path = "../../examples/mongo_backend.rs"]
mod mongo_backend;

use std::collections::BTreeSet;

use mongo_backend::to_mongo;
use serde_json::{json, Value};
use siftql::{Filter, Limits, NodeRef, Operator};

/// DSL or filter JSON, one case each.
const CASES: &[&str] = &[
    // The seed's example, nesting and NOT.
    r#"status = "active" and not department = "HR""#,
    r#"a = 1 or b = 2 and c = 3"#,
    r#"not (a = 1 or (b = 2 and not c = 3))"#,
    r#"{"AND": [{"field": "a", "value": 1}], "OR": [{"field": "b", "value": 2}], "NOT": [{"field": "c", "value": 3}, {"OR": [{"field": "d", "value": 4}, {"field": "e", "value": 5}]}]}"#,
    // Empty lists follow the mathematics.
    "{}",
    r#"{"AND": []}"#,
    r#"{"OR": []}"#,
    r#"{"NOT": []}"#,
    r#"{"AND": [], "OR": [], "NOT": []}"#,
    r#"{"AND": [{"field": "a", "value": 1}], "OR": []}"#,
    r#"{"AND": [{"field": "a", "value": 1}, {"AND": []}], "NOT": [{}]}"#,
    r#"{"OR": [{}]}"#,
    "true",
    "false",
    // eq / ne: strings case-insensitive by default, other values as they are.
    r#"name = "Prod""#,
    r#"name != "Prod""#,
    r#"age = 30 and score = 2.5 and ok = true and x = null"#,
    r#"age != 30 and ok != false and x != null"#,
    r#"x = [1, "A"] and meta = {"$gt": ""}"#,
    // Ranges.
    r#"n > 5 and n >= 5.5 and n < -1 and n <= 10"#,
    r#"name > "M" and created_at >= "2024-01-01T00:00:00Z""#,
    // in / nin.
    r#"tags in ["a", "B", 1, null]"#,
    r#"tags not in ["a", 2]"#,
    r#"{"AND": [{"field": "t", "operator": "in", "value": []}, {"field": "u", "operator": "nin", "value": []}]}"#,
    // contains, starts_with, ends_with, regex.
    r#"tags contains "GPU""#,
    r#"tags contains 5"#,
    r#"name starts with "prod" and name ends with ".txt""#,
    r#"name matches "^gpt-4(o|-turbo)?$""#,
    // exists, is_null.
    r#"x exists and y not exists"#,
    r#"x is null and y is not null"#,
    // text, phrase, words.
    r#"description text "Fast Cars""#,
    r#"description phrase "New York, city""#,
    r#"description phrase "  ...  ""#,
    r#"description words "running dogs""#,
    // Geo.
    r#"loc geo_radius {"center": {"lat": 52.52, "lon": 13.405}, "radius": 1000}"#,
    r#"loc geo_bounding_box {"top_left": {"lat": 53, "lon": 13}, "bottom_right": {"lat": 52, "lon": 14}}"#,
    r#"loc geo_bounding_box {"top_left": {"lat": 10, "lon": 170}, "bottom_right": {"lat": -10, "lon": -170}}"#,
    r#"loc geo_polygon {"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 10}, {"lat": 10, "lon": 10}, {"lat": 10, "lon": 0}]}, "interiors": [{"points": [{"lat": 4, "lon": 4}, {"lat": 4, "lon": 6}, {"lat": 6, "lon": 6}, {"lat": 4, "lon": 4}]}]}"#,
    // Case sensitivity: groups, conditions, and `false` inside a sensitive group.
    r#"case_sensitive(name = "Prod" and name != "X")"#,
    r#"case_sensitive(tags in ["a", 1] and tags not in ["B"])"#,
    r#"case_sensitive(tags contains "GPU" and name starts with "P" and name ends with "Q")"#,
    r#"case_sensitive(name matches "^GPT" and description text "Fast" and description phrase "New York")"#,
    r#"case_sensitive(a = "X" and (b = "Y" or not c = "Z")) and d = "W""#,
    r#"{"AND": [{"field": "a", "value": "X", "case_sensitive": false}, {"OR": [{"field": "b", "value": "Y"}], "case_sensitive": false}], "case_sensitive": true}"#,
    r#"{"AND": [{"field": "a", "value": "X", "case_sensitive": true}, {"field": "b", "value": "Y"}]}"#,
    // Dynamic values: by path, by whole key, of several types; unbound; wrong type.
    r#"name = $inputs.name and n > $inputs.n and tags in $inputs.tags and x exists $inputs.yes"#,
    r#"q text $inputs.q"#,
    r#"x = $inputs.missing"#,
    r#"tags in $inputs.name"#,
    r#"name matches $inputs.bad_regex"#,
    // Regex metacharacters are escaped; `%` and `_` are plain.
    r#"name = "a.b*c" or name contains "50%_off" or name starts with "(x)""#,
    r#"name ends with "$1 [^] {2} \\ | + ?" or description text "a.b""#,
    r#"tags in ["a.b*c", "(x)"]"#,
    // Unicode.
    r#"name = "Ünïcödé" and name contains "日本""#,
    r#"case_sensitive(name = "Straße") and city phrase "São Paulo""#,
    // Paths: nested, through arrays, an index; `$` segments are refused.
    r#"llm_labeling.inputs.key = "x" and tags.0 = 1"#,
    r#"`$where` = "sleep(1000)""#,
    r#"{"AND": [{"field": "a.$gt", "value": 1}]}"#,
];

fn bindings() -> Value {
    json!({
        "inputs": {"name": "Ada", "n": 5, "tags": ["x", "Y"], "yes": true, "bad_regex": "(unclosed"},
        "inputs.q": "gpu",
    })
}

fn mongo(input: &str) -> Result<Value, String> {
    let filter = Filter::parse_any(input, &Limits::default()).map_err(|e| e.to_string())?;
    to_mongo(&filter, &bindings())
}

#[test]
fn query_documents() {
    let mut out = String::new();
    for case in CASES {
        let doc = match mongo(case) {
            Ok(doc) => doc.to_string(),
            Err(e) => format!("error: {e}"),
        };
        out.push_str(&format!("{case}\n  {doc}\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn cases_cover_every_operator() {
    let mut seen = BTreeSet::new();
    for case in CASES {
        if let Ok(f) = Filter::parse_any(case, &Limits::default()) {
            for visit in f.nodes() {
                if let NodeRef::Condition(c) = visit.node {
                    seen.insert(c.operator);
                }
            }
        }
    }
    let missing: Vec<Operator> = Operator::ALL
        .into_iter()
        .filter(|o| !seen.contains(o))
        .collect();
    assert!(missing.is_empty(), "no case uses {missing:?}");
}

#[test]
fn example_stays_under_200_lines() {
    let lines = include_str!("../../examples/mongo_backend.rs")
        .lines()
        .count();
    assert!(lines < 200, "examples/mongo_backend.rs has {lines} lines");
}

#[test]
fn contains_is_a_substring_on_strings_and_an_element_on_arrays() {
    assert_eq!(
        mongo(r#"tags contains "a.b""#).unwrap(),
        json!({"$or": [
            {"tags": {"$not": {"$type": "array"}, "$regex": "a\\.b", "$options": "i"}},
            {"tags": {"$elemMatch": {"$regex": "^a\\.b\\z", "$options": "i"}}},
        ]})
    );
}

#[test]
fn ne_and_nin_keep_missing_fields() {
    assert_eq!(
        mongo(r#"a != "x" and case_sensitive(b not in ["y"])"#).unwrap(),
        json!({"$and": [
            {"a": {"$not": {"$regex": "^x\\z", "$options": "i"}}},
            {"b": {"$nin": ["y"]}},
        ]})
    );
}

#[test]
fn refusals_are_errors_not_documents() {
    let err = |input: &str| mongo(input).unwrap_err();
    assert!(
        err(r#"d words "run""#).contains("stemming"),
        "{}",
        err(r#"d words "run""#)
    );
    assert!(err("x = $inputs.nope").contains("no value bound for `$inputs.nope`"));
    assert!(
        err("x in $inputs.n").contains("array"),
        "{}",
        err("x in $inputs.n")
    );
    assert!(err("`$where` = 1").contains("operator"));
}
