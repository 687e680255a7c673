//! The evaluator, row by row of `docs/semantics.md`: each test is named
//! after the row it backs, and every case runs over the three record
//! representations (`serde_json::Value`, `RawRecord` text, `ClusterRecord`).

use serde_json::{json, Value};
use siftql::eval::{Bindings, ClusterRecord, Predicate, RawRecord};
use siftql::{ErrorCode, Filter};

/// Evaluates `filter` on each record, over every representation, and
/// compares with the expected answer; where the SQL backend compiles the
/// filter, SQLite must give the same answer too. Returns how many cases also
/// ran on typed `ClusterRecord` members ([`check_typed_members`]).
#[track_caller]
fn check(filter: &str, cases: &[(Value, bool)]) -> usize {
    let f = Filter::parse_any(filter, &Default::default())
        .unwrap_or_else(|e| panic!("{}", e.render(filter)));
    let p = Predicate::new(&f).unwrap_or_else(|e| panic!("{}", e.render(filter)));
    #[cfg(feature = "sqlite")]
    crate::sql::check_sqlite(&f, cases);
    let on_members = Predicate::new(&on_members(&f)).unwrap();
    let mut fitted = 0;
    for (record, want) in cases {
        assert_eq!(p.matches(record), *want, "Value: {filter} on {record}");
        let text = record.to_string();
        let raw = RawRecord::parse(&text).unwrap();
        assert_eq!(p.matches(&raw), *want, "RawRecord: {filter} on {record}");
        if let Ok(typed) = serde_json::from_value::<ClusterRecord>(record.clone()) {
            assert_eq!(
                p.matches(&typed),
                *want,
                "ClusterRecord: {filter} on {record}"
            );
        }
        if check_typed_members(&on_members, record, *want, filter) {
            fitted += 1;
        }
    }
    fitted
}

/// Fields of the tables below and the `ClusterRecord` members of the same
/// kind they become in [`on_members`].
const MEMBERS: [(&str, &str); 12] = [
    ("s", "status"),
    ("name", "cluster_name"),
    ("role", "algorithm"),
    ("d", "created_at"),
    ("t", "updated_at"),
    ("model", "aggregation_method"),
    ("description", "multi_feature_strategy"),
    ("q", "error"),
    ("n", "num_clusters"),
    ("u", "sample_size"),
    ("b", "hierarchical_vector"),
    ("tags", "input_collections"),
];

/// The filter with its fields moved onto `ClusterRecord` members.
fn on_members(f: &Filter) -> Filter {
    let mut json = f.to_json_string();
    for (from, to) in MEMBERS {
        json = json
            .replace(
                &format!(r#""field":"{from}""#),
                &format!(r#""field":"{to}""#),
            )
            .replace(
                &format!(r#""field":"{from}."#),
                &format!(r#""field":"{to}."#),
            );
    }
    Filter::from_json_str(&json).unwrap()
}

/// The case again through `Predicate::typed`, with the fields of
/// [`MEMBERS`] moved onto typed `ClusterRecord` members in the filter and the
/// record. Returns whether the record fits those members (otherwise it is
/// left out).
#[track_caller]
fn check_typed_members(p: &Predicate, record: &Value, want: bool, filter: &str) -> bool {
    let Value::Object(fields) = record else {
        return false;
    };
    let mut moved = serde_json::Map::new();
    for (k, v) in fields {
        let member = MEMBERS
            .iter()
            .find(|(from, _)| from == k)
            .map(|(_, to)| *to);
        if moved
            .insert(member.unwrap_or(k).to_owned(), v.clone())
            .is_some()
        {
            return false;
        }
    }
    let Ok(typed) = serde_json::from_value::<ClusterRecord>(Value::Object(moved)) else {
        return false;
    };
    assert_eq!(
        p.typed::<ClusterRecord>().matches(&typed),
        want,
        "typed members: {filter} on {record}"
    );
    true
}

/// The typed-member pass of [`check`] runs: each case of this table fits
/// the members, through every kind of member and a nested path.
#[test]
fn typed_members_are_reached() {
    let fitted = check(
        r#"name starts with "a" and n > 1 and not b = false and tags contains "x" and x.y = 1"#,
        &[
            (
                json!({"name": "Ab", "n": 2, "b": true, "tags": ["x"], "x": {"y": 1}}),
                true,
            ),
            (
                json!({"name": "ab", "n": 2.5, "b": null, "tags": ["X"], "x": [{"y": 1}]}),
                true,
            ),
            (json!({"name": null, "n": 2.5}), false),
            (json!({"name": "ab", "n": 1, "tags": []}), false),
            (json!({}), false),
        ],
    );
    assert_eq!(fitted, 5);
}

#[test]
fn row_eq() {
    check(
        r#"status = "active""#,
        &[
            (json!({"status": "active"}), true),
            (json!({"status": "ACTIVE"}), true), // case-insensitive by default
            (json!({"status": "inactive"}), false),
            (json!({}), false),                         // missing
            (json!({"status": null}), false),           // null
            (json!({"status": ["x", "Active"]}), true), // any element
            (json!({"status": 1}), false),              // type mismatch, no coercion
        ],
    );
    check(
        "num_clusters = 30",
        &[
            (json!({"num_clusters": 30}), true),
            (json!({"num_clusters": 30.0}), true),
            (json!({"num_clusters": "30"}), false),
            (json!({"num_clusters": [1, 30]}), true),
        ],
    );
    check(
        "x = null",
        &[
            (json!({"x": null}), true),
            (json!({}), true),
            (json!({"x": 0}), false),
        ],
    );
    check(
        "x = [1, 2]",
        &[
            (json!({"x": [1, 2]}), true),
            (json!({"x": [2, 1]}), false),
            (json!({"x": [[1, 2], 3]}), true),
        ],
    );
    check(
        r#"x = {"a": "B"}"#,
        &[
            (json!({"x": {"a": "b"}}), true),
            (json!({"x": {"a": "b", "c": 1}}), false),
        ],
    );
    check(
        "x = true",
        &[
            (json!({"x": true}), true),
            (json!({"x": 1}), false),
            (json!({"x": "true"}), false),
        ],
    );
    check(
        "u = 18446744073709551615",
        &[
            (json!({"u": 18446744073709551615u64}), true),
            (json!({"u": 18446744073709551614u64}), false),
        ],
    );
}

#[test]
fn row_ne() {
    check(
        r#"status != "active""#,
        &[
            (json!({"status": "active"}), false),
            (json!({"status": "Active"}), false),
            (json!({"status": "x"}), true),
            (json!({}), true),               // missing matches ne
            (json!({"status": null}), true), // null matches ne
            (json!({"status": ["a", "active"]}), false),
        ],
    );
    check(
        "x != null",
        &[
            (json!({"x": null}), false),
            (json!({}), false),
            (json!({"x": 0}), true),
        ],
    );
}

#[test]
fn row_gt_gte_lt_lte() {
    let n = |v: Value| json!({ "n": v });
    check(
        "n > 5",
        &[
            (n(json!(6)), true),
            (n(json!(5)), false),
            (n(json!(5.5)), true),
            (n(json!("6")), false),
            (json!({}), false),
            (n(json!(null)), false),
            (n(json!([1, 9])), true),
        ],
    );
    check(
        "n >= 5",
        &[
            (n(json!(5)), true),
            (n(json!(5.0)), true),
            (n(json!(4.9)), false),
        ],
    );
    check(
        "n < 5",
        &[
            (n(json!(4)), true),
            (n(json!(5)), false),
            (n(json!(-1e300)), true),
        ],
    );
    check("n <= 5", &[(n(json!(5)), true), (n(json!(6)), false)]);
    // Strings compare by code point, case-insensitively by default.
    check(
        r#"s > "b""#,
        &[
            (json!({"s": "c"}), true),
            (json!({"s": "B"}), false),
            (json!({"s": "C"}), true),
            (json!({"s": "a"}), false),
            (json!({"s": 5}), false),
        ],
    );
    check(
        r#"case_sensitive(s > "b")"#,
        &[(json!({"s": "C"}), false), (json!({"s": "c"}), true)],
    );
    // RFC 3339 date-times and dates compare as instants.
    check(
        r#"t >= "2024-01-01T00:00:00Z""#,
        &[
            (json!({"t": "2024-01-01T01:30:00+02:00"}), false), // 2023-12-31T23:30Z
            (json!({"t": "2024-01-01T02:00:00+02:00"}), true),
            (json!({"t": "2024-01-01"}), true),
            (json!({"t": "2023-12-31"}), false),
            (json!({"t": "2024-06-01T00:00:00.5Z"}), true),
        ],
    );
}

#[test]
fn row_in() {
    check(
        r#"role in ["admin", "owner", 3]"#,
        &[
            (json!({"role": "admin"}), true),
            (json!({"role": "OWNER"}), true),
            (json!({"role": "user"}), false),
            (json!({"role": 3.0}), true),
            (json!({"role": ["user", "admin"]}), true),
            (json!({}), false),
            (json!({"role": null}), false),
        ],
    );
    check(
        "role in []",
        &[(json!({"role": "a"}), false), (json!({}), false)],
    );
    check(
        "role in [null]",
        &[
            (json!({}), true),
            (json!({"role": null}), true),
            (json!({"role": 1}), false),
        ],
    );
}

#[test]
fn row_nin() {
    check(
        r#"role not in ["admin", "owner"]"#,
        &[
            (json!({"role": "admin"}), false),
            (json!({"role": "user"}), true),
            (json!({}), true),
            (json!({"role": null}), true),
            (json!({"role": ["user", "ADMIN"]}), false),
        ],
    );
    check(
        "role nin []",
        &[(json!({"role": "a"}), true), (json!({}), true)],
    );
}

#[test]
fn row_contains() {
    check(
        r#"name contains "Prod""#,
        &[
            (json!({"name": "my_products"}), true),
            (json!({"name": "PRODUCTS"}), true),
            (json!({"name": "other"}), false),
            (json!({}), false),
            (json!({"name": null}), false),
            (json!({"name": ["x", "prod"]}), true), // array: element equal, not substring
            (json!({"name": ["x", "products"]}), false),
        ],
    );
    check(
        "tags contains 3",
        &[
            (json!({"tags": [1, 3]}), true),
            (json!({"tags": "3"}), false),
            (json!({"tags": 3}), false),
        ],
    );
}

#[test]
fn row_starts_with_ends_with() {
    check(
        r#"name starts with "prod""#,
        &[
            (json!({"name": "Products"}), true),
            (json!({"name": "a_prod"}), false),
            (json!({"name": ["x", "prod_1"]}), true),
            (json!({"name": 5}), false),
            (json!({}), false),
        ],
    );
    check(
        r#"name ends with "_V2""#,
        &[
            (json!({"name": "model_v2"}), true),
            (json!({"name": "v2_model"}), false),
            (json!({}), false),
        ],
    );
    check(
        r#"case_sensitive(name starts with "Prod")"#,
        &[
            (json!({"name": "Products"}), true),
            (json!({"name": "products"}), false),
        ],
    );
    check(
        r#"name starts with "50%_""#,
        &[
            (json!({"name": "50%_off"}), true),
            (json!({"name": "50x_off"}), false),
        ],
    );
}

#[test]
fn row_regex() {
    check(
        r#"model matches "^gpt-4""#,
        &[
            (json!({"model": "gpt-4o"}), true),
            (json!({"model": "GPT-4"}), true),
            (json!({"model": "my gpt-4"}), false),
            (json!({"model": ["x", "gpt-4"]}), true),
            (json!({}), false),
            (json!({"model": 4}), false),
        ],
    );
    check(
        r#"model matches "4o""#,
        &[(json!({"model": "gpt-4o-mini"}), true)],
    ); // unanchored search
    check(
        r#"case_sensitive(model =~ "^GPT")"#,
        &[
            (json!({"model": "gpt-4"}), false),
            (json!({"model": "GPT-4"}), true),
        ],
    );
}

#[test]
fn row_exists() {
    check(
        "x exists",
        &[
            (json!({"x": 1}), true),
            (json!({"x": null}), true),
            (json!({}), false),
            (json!({"y": {"x": 1}}), false),
        ],
    );
    check(
        "x not exists",
        &[(json!({"x": null}), false), (json!({}), true)],
    );
    check(
        "a.b exists",
        &[
            (json!({"a": [{"c": 1}, {"b": null}]}), true),
            (json!({"a": [{"c": 1}]}), false),
            (json!({"a": 5}), false),
        ],
    );
}

#[test]
fn row_is_null() {
    check(
        "x is null",
        &[
            (json!({"x": null}), true),
            (json!({}), true),
            (json!({"x": 0}), false),
            (json!({"x": ""}), false),
        ],
    );
    check(
        "x is not null",
        &[
            (json!({"x": null}), false),
            (json!({}), false),
            (json!({"x": false}), true),
        ],
    );
}

#[test]
fn row_text() {
    check(
        r#"description text "GPU Cluster""#,
        &[
            (json!({"description": "big gpu cluster here"}), true),
            (json!({"description": "gpu-cluster"}), false),
            (json!({}), false),
        ],
    );
    // Always case-insensitive, even inside case_sensitive(…).
    check(
        r#"case_sensitive(d text "ABC")"#,
        &[(json!({"d": "xabcx"}), true)],
    );
}

#[test]
fn row_phrase() {
    check(
        r#"d phrase "running dogs""#,
        &[
            (json!({"d": "Fast, RUNNING dogs!"}), true),
            (json!({"d": "running the dogs"}), false),
            (json!({"d": "outrunning dogs"}), false), // whole words only
            (json!({"d": ["cats", "running dogs"]}), true),
            (json!({}), false),
        ],
    );
}

#[test]
fn row_words() {
    check(
        r#"d words "running dogs""#,
        &[
            (json!({"d": "the dog runs"}), true), // stems: run, dog
            (json!({"d": "dogs ran"}), false),    // "ran" does not stem to "run"
            (json!({"d": "a runner's dog"}), false),
            (json!({"d": "Dogs love running"}), true),
            (json!({}), false),
        ],
    );
}

#[test]
fn row_geo_radius() {
    let f = r#"loc geo_radius {"center": {"lat": 52.52, "lon": 13.405}, "radius": 10000}"#;
    check(
        f,
        &[
            (json!({"loc": {"lat": 52.5, "lon": 13.4}}), true),
            (json!({"loc": [13.4, 52.5]}), true),
            (
                json!({"loc": {"type": "Point", "coordinates": [13.4, 52.5]}}),
                true,
            ),
            (json!({"loc": {"lat": 48.85, "lon": 2.35}}), false),
            (json!({"loc": [[2.35, 48.85], [13.4, 52.5]]}), true), // any point of a list
            (json!({}), false),
            (json!({"loc": "52.5,13.4"}), false),
        ],
    );
}

#[test]
fn row_geo_bounding_box() {
    check(
        r#"loc geo_bounding_box {"top_left": {"lat": 53, "lon": 13}, "bottom_right": {"lat": 52, "lon": 14}}"#,
        &[
            (json!({"loc": {"lat": 52.5, "lon": 13.5}}), true),
            (json!({"loc": {"lat": 54, "lon": 13.5}}), false),
            (json!({"loc": [13.5, 52.5]}), true),
            (json!({}), false),
        ],
    );
    // Across the antimeridian.
    check(
        r#"loc geo_bounding_box {"top_left": {"lat": 10, "lon": 170}, "bottom_right": {"lat": -10, "lon": -170}}"#,
        &[
            (json!({"loc": {"lat": 0, "lon": 179}}), true),
            (json!({"loc": {"lat": 0, "lon": -175}}), true),
            (json!({"loc": {"lat": 0, "lon": 0}}), false),
        ],
    );
}

#[test]
fn row_geo_polygon() {
    let square = r#"{"exterior": {"points": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 10}, {"lat": 10, "lon": 10}, {"lat": 10, "lon": 0}]}, "interiors": [{"points": [{"lat": 4, "lon": 4}, {"lat": 4, "lon": 6}, {"lat": 6, "lon": 6}, {"lat": 6, "lon": 4}]}]}"#;
    check(
        &format!("loc geo_polygon {square}"),
        &[
            (json!({"loc": {"lat": 2, "lon": 2}}), true),
            (json!({"loc": {"lat": 5, "lon": 5}}), false),
            (json!({"loc": {"lat": 11, "lon": 5}}), false),
            (json!({}), false),
        ],
    );
}

#[test]
fn path_lookup() {
    // Arrays of objects on the way are walked element by element.
    check(
        r#"llm_labeling.labeling_inputs.input_mappings.input_key = "text""#,
        &[
            (
                json!({"llm_labeling": {"labeling_inputs": {"input_mappings": [{"input_key": "title"}, {"input_key": "text"}]}}}),
                true,
            ),
            (
                json!({"llm_labeling": {"labeling_inputs": {"input_mappings": [{"input_key": "title"}]}}}),
                false,
            ),
            (json!({"llm_labeling": null}), false),
        ],
    );
    // A number segment indexes an array.
    check(
        r#"tags.1 = "b""#,
        &[
            (json!({"tags": ["a", "b"]}), true),
            (json!({"tags": ["b", "a"]}), false),
        ],
    );
    // A value absent on every branch is missing, so `ne` matches.
    check(
        r#"a.b != 1"#,
        &[
            (json!({"a": [{"c": 1}, {"c": 2}]}), true),
            (json!({"a": [{"b": 1}]}), false),
        ],
    );
}

#[test]
fn case_sensitivity_rule() {
    // Sensitive when the condition or any group around it says so; `false`
    // never switches it off inside a sensitive group.
    let f = r#"{"AND": [{"OR": [{"field": "s", "value": "ABC", "case_sensitive": false}], "case_sensitive": false}], "case_sensitive": true}"#;
    check(
        f,
        &[(json!({"s": "ABC"}), true), (json!({"s": "abc"}), false)],
    );
    check(
        r#"case_sensitive s = "ABC""#,
        &[(json!({"s": "abc"}), false), (json!({"s": "ABC"}), true)],
    );
    // Unicode lowercase of both sides.
    check(r#"s = "ÉCOLE""#, &[(json!({"s": "école"}), true)]);
    check(r#"s in ["STRASSE"]"#, &[(json!({"s": "strasse"}), true)]);
}

#[test]
fn empty_lists_follow_the_mathematics() {
    check("{}", &[(json!({}), true)]);
    check(r#"{"AND": []}"#, &[(json!({}), true)]);
    check(r#"{"NOT": []}"#, &[(json!({}), true)]);
    check(r#"{"OR": []}"#, &[(json!({}), false)]);
    check(
        r#"{"AND": [{"field": "a", "value": 1}], "OR": [], "NOT": []}"#,
        &[(json!({"a": 1}), false)],
    );
    check(
        r#"{"NOT": [{"field": "a", "value": 1}, {"field": "b", "value": 1}]}"#,
        &[(json!({"a": 1}), false), (json!({"a": 2, "b": 2}), true)],
    );
}

#[test]
fn dynamic_values_are_bound_at_compile_time() {
    let f: Filter = "q text $inputs.q and n in $inputs.ns".parse().unwrap();
    let mut b = Bindings::new();
    b.insert("inputs".into(), json!({"q": "GPU", "ns": [1, 2]}));
    let p = Predicate::compile(&f, &b).unwrap();
    assert!(p.matches(&json!({"q": "a gpu", "n": 2})));
    assert!(!p.matches(&json!({"q": "a gpu", "n": 3})));
    // A flat key wins.
    b.insert("inputs.q".into(), json!("cpu"));
    assert!(!Predicate::compile(&f, &b)
        .unwrap()
        .matches(&json!({"q": "a gpu", "n": 2})));
    // Missing binding: an error, never a silent false.
    let e = Predicate::new(&f).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnboundDynamic);
    // A bound value of the wrong type for the operator is an error too.
    let mut bad = Bindings::new();
    bad.insert("inputs".into(), json!({"q": "x", "ns": "not a list"}));
    assert_eq!(
        Predicate::compile(&f, &bad).unwrap_err().code(),
        ErrorCode::InvalidValue
    );
}

#[test]
fn predicate_is_send_sync_and_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Predicate>();
    assert_send_sync::<siftql::eval::TypedPredicate<'static, ClusterRecord>>();
    let p = std::sync::Arc::new(Predicate::new(&"n > 1".parse().unwrap()).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = p.clone();
            std::thread::spawn(move || p.matches(&json!({ "n": i })))
        })
        .collect();
    let got: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, [false, false, true, true]);
}

#[test]
fn raw_records_read_escapes_and_repeated_keys() {
    let p = Predicate::new(&r#"name = "a\"b" and `we"ird` = 1"#.parse().unwrap()).unwrap();
    let text = r#"{"name": "a\"b", "we\"ird": 1}"#;
    assert!(p.matches(&RawRecord::parse(text).unwrap()));
    // A key twice, at the top or deeper, escaped or not, is refused.
    let many: String = (0..20).map(|i| format!("\"k{i}\": {i}, ")).collect();
    for (text, key) in [
        r#"{"we\"ird": 0, "we\"ird": 1}"#.to_owned(),
        r#"{"a": 0, "\u0061": 1}"#.to_owned(),
        r#"{"m": {"t": 1, "t": 2}}"#.to_owned(),
        r#"{"m": [1, {"t": 1, "u": {"v": 1, "v": 2}}]}"#.to_owned(),
        format!("{{{many}\"k7\": 0}}"),
        format!("{{\"m\": {{{many}\"k7\": 0}}}}"),
    ]
    .into_iter()
    .zip(["we\"ird", "a", "t", "v", "k7", "k7"])
    {
        let e = RawRecord::parse(&text).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("duplicate key `{key}`")),
            "{text}: {e}"
        );
    }
    // A `{` inside a string is not an object.
    assert!(RawRecord::parse(r#"{"s": "{a: 1, a: 2}", "t": ["{"]}"#).is_ok());
    assert!(RawRecord::parse("[1]").is_err());
    assert!(RawRecord::parse("{\"a\": 1} x").is_err());
}

/// Case folding of string literals: ASCII text compared without Unicode
/// tables, and the few non-ASCII characters that fold to ASCII (U+212A
/// KELVIN SIGN to `k`, U+0130 to `i` and U+0307) still matched.
#[test]
fn ascii_and_unicode_case_folding() {
    let kelvin = "\u{212A}";
    check(
        r#"algorithm = "KMeans""#,
        &[
            (json!({"algorithm": "kmeans"}), true),
            (json!({"algorithm": "KMEANS"}), true),
            (json!({"algorithm": format!("{kelvin}means")}), true),
            (json!({"algorithm": "kmean"}), false),
            (json!({"algorithm": "kmeansx"}), false),
            (json!({"algorithm": "ḱmeans"}), false),
        ],
    );
    check(
        r#"status = "completed""#,
        &[
            (json!({"status": "COMPLETED"}), true),
            (json!({"status": "CompletEd"}), true),
            (json!({"status": "completeD "}), false),
            (json!({"status": "completéd"}), false),
            // Same length, differing only in bit 0x20 of a non-letter.
            (json!({"status": "completed\u{0}"}), false),
            (json!({"status": "complete\u{7f}"}), false),
            (json!({"status": "complete"}), false),
            (json!({"status": "completed_and_more_than_eight"}), false),
        ],
    );
    check(
        r#"s = "a_long_value_over_16_bytes""#,
        &[
            (json!({"s": "A_LONG_VALUE_OVER_16_BYTES"}), true),
            (json!({"s": "A_LONG_VALUE_OVER_16_BYTEZ"}), false),
            (json!({"s": "A\u{7f}LONG_VALUE_OVER_16_BYTES"}), false),
        ],
    );
    check(
        r#"s starts with "i" and s ends with "k""#,
        &[
            (json!({"s": "INK"}), true),
            (json!({"s": format!("İn{kelvin}")}), true),
            (json!({"s": "ink."}), false),
        ],
    );
    check(
        r#"s starts with "in""#,
        &[
            (json!({"s": "İnk"}), false), // folds to "i\u{307}nk"
            (json!({"s": "Ink"}), true),
        ],
    );
    check(
        r#"s starts with "fac" and s ends with "es" and s contains "CE""#,
        &[
            (json!({"s": "FACES"}), true),
            (json!({"s": "Fac_es"}), false),
            (json!({"s": "ÉFACES"}), false),
        ],
    );
    check(
        r#"s contains "_" and s contains "a_b""#,
        &[
            (json!({"s": "XA_BX"}), true),
            (json!({"s": "ÉA_B"}), true),
            (json!({"s": "ab"}), false),
        ],
    );
    check(
        r#"case_sensitive(s = "KMeans" or s starts with "Fa")"#,
        &[
            (json!({"s": "KMeans"}), true),
            (json!({"s": "kmeans"}), false),
            (json!({"s": "Faces"}), true),
            (json!({"s": "faces"}), false),
        ],
    );
}

/// `in` lists of strings: compared one by one when short, bisected when
/// long; case-folded unless case-sensitive; `null` and numbers in the list
/// take the general path.
#[test]
fn in_lists_short_and_long() {
    let long =
        r#"s in ["a0", "B1", "c2", "d3", "e4", "f5", "g6", "h7", "i8", "J9", "kk", "école", "a0"]"#;
    check(
        long,
        &[
            (json!({"s": "A0"}), true),
            (json!({"s": "b1"}), true),
            (json!({"s": "j9"}), true),
            (json!({"s": "ÉCOLE"}), true),
            (json!({"s": format!("{}K", '\u{212A}')}), true),
            (json!({"s": "z"}), false),
            (json!({"s": ["x", "H7"]}), true),
            (json!({"s": ["x", "y"]}), false),
            (json!({"s": 1}), false),
            (json!({}), false),
        ],
    );
    check(
        &format!("case_sensitive({long})"),
        &[
            (json!({"s": "a0"}), true),
            (json!({"s": "A0"}), false),
            (json!({"s": "école"}), true),
            (json!({"s": "ÉCOLE"}), false),
        ],
    );
    check(
        r#"s nin ["a", "b"]"#,
        &[
            (json!({"s": "A"}), false),
            (json!({"s": "c"}), true),
            (json!({"s": null}), true),
            (json!({}), true),
        ],
    );
    check(
        r#"s in ["a", null, 1]"#,
        &[
            (json!({"s": "A"}), true),
            (json!({"s": 1.0}), true),
            (json!({}), true),
            (json!({"s": "b"}), false),
        ],
    );
}

/// Numbers: integers and floats compare numerically, `u64` values beyond
/// `i64` exactly, any array element may match; other types never do.
#[test]
fn numbers_ints_floats_and_u64() {
    check(
        "n >= 10 and n < 10.5",
        &[
            (json!({"n": 10}), true),
            (json!({"n": 10.25}), true),
            (json!({"n": 10.5}), false),
            (json!({"n": 9.999}), false),
            (json!({"n": "10"}), false),
            (json!({"n": [1, 10]}), true),
            (json!({"n": true}), false),
        ],
    );
    check(
        "n = 18446744073709551615",
        &[
            (json!({"n": u64::MAX}), true),
            (json!({"n": u64::MAX - 1}), false),
            (json!({"n": -1}), false),
        ],
    );
    check(
        "n > 9223372036854775807",
        &[
            (json!({"n": 9223372036854775808u64}), true),
            (json!({"n": i64::MAX}), false),
            (json!({"n": 1e19}), true),
        ],
    );
    check(
        "n < -9223372036854775808 or n >= 9223372036854775807",
        &[
            (json!({"n": i64::MIN}), false),
            (json!({"n": -9.3e18}), true),
            (json!({"n": i64::MAX}), true),
            (json!({"n": u64::MAX}), true),
            (json!({"n": 0}), false),
        ],
    );
    // `exists` and `is null` on a present number answer alike for every
    // number: they decide their list or drop out of it.
    check(
        "n exists and n is not null and n > 1",
        &[
            (json!({"n": 2}), true),
            (json!({"n": 1}), false),
            (json!({"n": null}), false),
            (json!({}), false),
        ],
    );
    check(
        "(n is null or n > 1) and (n exists or n < 0) and (n is not null or n = 5)",
        &[
            (json!({"n": 2}), true),
            (json!({"n": 1}), false),
            (json!({"n": null}), false),
            (json!({}), false),
        ],
    );
    check(
        "not n is null and not n exists",
        &[
            (json!({"n": 2}), false),
            (json!({"n": null}), false),
            (json!({}), false),
        ],
    );
    check(
        "not n <= -9223372036854775808 and n != 3",
        &[
            (json!({"n": i64::MIN}), false),
            (json!({"n": -9.3e18}), false),
            (json!({"n": 3.0}), false),
            (json!({"n": 2.5}), true),
            (json!({"n": null}), true),
            (json!({}), true),
        ],
    );
    check(
        "n != 17 and n > 0",
        &[
            (json!({"n": 17.0}), false),
            (json!({"n": 16}), true),
            (json!({"n": null}), false),
            (json!({}), false),
        ],
    );
    check(
        "b = true",
        &[
            (json!({"b": true}), true),
            (json!({"b": [false, true]}), true),
            (json!({"b": "true"}), false),
            (json!({"b": 1}), false),
        ],
    );
}

/// Several conditions on one field are read once and combined; missing,
/// `null` and arrays keep their meaning, under `AND`, `OR` and `NOT`.
#[test]
fn conditions_on_one_field_combined() {
    check(
        r#"s != "a" and s exists and s is not null"#,
        &[
            (json!({"s": "b"}), true),
            (json!({"s": "A"}), false),
            (json!({"s": null}), false),
            (json!({}), false),
        ],
    );
    check(
        r#"s = "a" or s = null or s = "b""#,
        &[
            (json!({"s": "B"}), true),
            (json!({"s": null}), true),
            (json!({}), true),
            (json!({"s": "c"}), false),
            (json!({"s": ["c", "a"]}), true),
        ],
    );
    check(
        r#"not (s = "a" or s = "b") and t = 1"#,
        &[
            (json!({"s": "c", "t": 1}), true),
            (json!({"t": 1}), true),
            (json!({"s": "a", "t": 1}), false),
            (json!({"s": "c", "t": 2}), false),
        ],
    );
    check(
        r#"not (s starts with "a" and s ends with "z")"#,
        &[
            (json!({"s": "abz"}), false),
            (json!({"s": "ab"}), true),
            (json!({}), true),
        ],
    );
    check(
        r#"(s = "a" or t = 1) and (s = "b" or t = 2) and not s exists"#,
        &[(json!({"t": 1}), false), (json!({"s": "a", "t": 2}), false)],
    );
    check(
        r#"x.y = 1 and x.y != 2 and not x.z exists"#,
        &[
            (json!({"x": {"y": 1}}), true),
            (json!({"x": [{"y": 1}, {"y": 2}]}), false),
            (json!({"x": {"y": 1, "z": null}}), false),
        ],
    );
    check(
        r#"{"OR": [{}, {"field": "s", "value": "a"}]}"#,
        &[(json!({}), true)],
    );
    check(
        r#"{"AND": [{"OR": []}], "NOT": [{"field": "s", "value": "a"}]}"#,
        &[(json!({}), false)],
    );
}
