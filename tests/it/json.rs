//! The wire format: the seed golden, every accepted input form, strictness.

use serde_json::Value;
use siftql::{ErrorCode, Filter};

const SEED: &str = include_str!("../fixtures/seed_filters.json");
/// The seed's filter with whitespace removed; its keys are already in
/// canonical order, so this is what `to_json_string` must write.
const SEED_CANONICAL: &str = concat!(
    r#"{"AND":[{"field":"name","operator":"eq","value":"John"},{"field":"age","operator":"gte","value":30}],"#,
    r#""OR":[{"field":"status","operator":"eq","value":"active"},{"field":"role","operator":"eq","value":"admin"}],"#,
    r#""NOT":[{"field":"department","operator":"eq","value":"HR"},{"field":"location","operator":"eq","value":"remote"}],"#,
    r#""case_sensitive":true}"#
);
const SEED_DSL: &str = concat!(
    r#"case_sensitive(name = "John" and age >= 30 and (status = "active" or role = "admin")"#,
    r#" and not department = "HR" and not location = "remote")"#
);

#[test]
fn seed_example_golden() {
    let compact = serde_json::to_string(&serde_json::from_str::<Value>(SEED).unwrap()).unwrap();
    assert_eq!(compact, SEED_CANONICAL);
    let f = Filter::from_json_str(SEED).unwrap();
    assert_eq!(f.to_json_string(), SEED_CANONICAL);
    assert_eq!(f.to_string(), SEED_DSL);
    let back = Filter::parse(SEED_DSL).unwrap();
    assert_eq!(back.to_json_string(), SEED_CANONICAL);
}

#[test]
fn seed_request_body_filters_decode() {
    let body: Value = serde_json::from_str(include_str!("../fixtures/seed_request.json")).unwrap();
    let f = Filter::from_json_value(&body["filters"]).unwrap();
    assert_eq!(f.to_string(), SEED_DSL);
}

fn canonical(json: &str) -> String {
    match Filter::from_json_str(json) {
        Ok(f) => f.to_json_string(),
        Err(e) => panic!("{}", e.render(json)),
    }
}

#[test]
fn accepted_forms_normalise_to_canonical_json() {
    let cases = [
        // operator defaults to eq
        r#"{"AND": [{"field": "a", "value": 1}]}"#,
        // shorthand key, and an operator map in key order, after explicit AND items
        r#"{"metadata.title": "v", "AND": [{"field": "x", "value": 0}], "position": {"lte": 5, "gte": 1}}"#,
        // shorthand alone creates the AND list
        r#"{"status": "active"}"#,
        // NOT as a single object
        r#"{"NOT": {"field": "department", "operator": "eq", "value": "HR"}}"#,
        // case_sensitive on a condition, false dropped
        r#"{"AND": [{"field": "a", "value": "X", "case_sensitive": true}, {"field": "b", "value": "Y", "case_sensitive": false}], "case_sensitive": false}"#,
        // null lists and flags are absent
        r#"{"AND": null, "OR": [{"field": "a", "value": 1}], "NOT": null, "case_sensitive": null}"#,
        // key order of the input does not matter
        r#"{"case_sensitive": true, "NOT": [], "OR": [], "AND": []}"#,
        r#"{"AND": [{"value": 1, "operator": "gt", "field": "a"}]}"#,
        // a root condition
        r#"{"field": "a", "operator": "in", "value": [1, 2]}"#,
        // exists/is_null default to true
        r#"{"AND": [{"field": "a", "operator": "exists"}, {"field": "b", "operator": "is_null"}]}"#,
        // dynamic values, in shorthand too
        r#"{"AND": [{"field": "q", "operator": "text", "value": {"type": "dynamic", "field": "inputs.query"}}], "owner": {"type": "dynamic", "field": "inputs.user"}}"#,
        // an object value that is not an operator map is an eq literal
        r#"{"loc": {"lat": 1, "lon": 2}}"#,
        // numbers stay as given
        r#"{"AND": [{"field": "a", "value": 30}, {"field": "b", "value": 30.0}, {"field": "c", "value": 1e2}, {"field": "d", "value": -0}]}"#,
        // the Python client's re-serialised form
        r#"{"AND": [{"field": "a", "operator": "eq", "value": 1, "case_sensitive": false}, {"AND": [], "OR": null, "NOT": null, "case_sensitive": false}], "case_sensitive": false}"#,
        "{}",
    ];
    let mut out = String::new();
    for json in cases {
        out.push_str(&format!("in:  {json}\nout: {}\n\n", canonical(json)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn shorthand_order_follows_the_input() {
    assert_eq!(
        canonical(r#"{"b": 1, "a": 2}"#),
        r#"{"AND":[{"field":"b","operator":"eq","value":1},{"field":"a","operator":"eq","value":2}]}"#
    );
}

fn code(json: &str) -> (ErrorCode, Option<String>) {
    let e = Filter::from_json_str(json).unwrap_err();
    (e.code(), e.pointer().map(str::to_owned))
}

#[test]
fn strict_decoding_names_the_place() {
    use ErrorCode::*;
    let p = |s: &str| Some(s.to_owned());
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operater": "eq", "value": 1}]}"#),
        (UnknownKey, p("/AND/0/operater"))
    );
    assert_eq!(
        code(r#"{"AND": [{}, {"field": "a", "operator": "startswith", "value": "x"}]}"#),
        (UnknownOperator, p("/AND/1/operator"))
    );
    assert_eq!(
        code(r#"{"AND": {"field": "a", "value": 1}}"#),
        (WrongType, p("/AND"))
    );
    assert_eq!(code(r#"{"AND": [1]}"#), (WrongType, p("/AND/0")));
    assert_eq!(
        code(r#"{"and": [{"field": "a", "value": 1}]}"#),
        (UnknownKey, p("/and"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "in", "value": "x"}]}"#),
        (InvalidValue, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "exists", "value": "yes"}]}"#),
        (InvalidValue, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "regex", "value": 5}]}"#),
        (InvalidValue, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "gt", "value": [1]}]}"#),
        (InvalidValue, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "text", "value": 1}]}"#),
        (InvalidValue, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "operator": "regex", "value": "(unclosed"}]}"#),
        (InvalidRegex, p("/AND/0/value"))
    );
    assert_eq!(
        code(
            r#"{"AND": [{"field": "p", "operator": "geo_radius", "value": {"center": {"lat": 91, "lon": 0}, "radius": 1}}]}"#
        ),
        (InvalidGeo, p("/AND/0/value/center/lat"))
    );
    assert_eq!(
        code(
            r#"{"AND": [{"field": "p", "operator": "geo_polygon", "value": {"exterior": {"points": [{"lat": 0, "lon": 0}]}}}]}"#
        ),
        (InvalidGeo, p("/AND/0/value/exterior/points"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "", "value": 1}]}"#),
        (InvalidField, p("/AND/0/field"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a..b", "value": 1}]}"#),
        (InvalidField, p("/AND/0/field"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a"}]}"#),
        (MissingKey, p("/AND/0"))
    );
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "value": {"type": "dynamic"}}]}"#),
        (InvalidDynamic, p("/AND/0/value"))
    );
    assert_eq!(
        code(r#"{"position": {"lte": 5, "gtee": 1}}"#),
        (UnknownOperator, p("/position/gtee"))
    );
    assert_eq!(
        code(r#"{"a/b~c": {"in": 5}}"#),
        (InvalidValue, p("/a~1b~0c/in"))
    );
    assert_eq!(
        code(r#"{"case_sensitive": "yes"}"#),
        (WrongType, p("/case_sensitive"))
    );
    assert_eq!(code(r#"{"AND": [], "AND": []}"#).0, DuplicateKey);
    assert_eq!(code(r#"{"AND": [}"#).0, InvalidJson);
    assert_eq!(code(r#"[]"#), (WrongType, p("")));
    assert_eq!(
        code(r#"{"AND": [{"field": "a", "value": 1e999}]}"#).0,
        InvalidJson
    );
}

#[test]
fn json_syntax_errors_point_into_the_text() {
    let text = "{\n  \"AND\": [\n    {\"field\": \"a\" \"value\": 1}\n  ]\n}";
    let e = Filter::from_json_str(text).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidJson);
    let span = e.span().unwrap();
    assert_eq!(&text[span.range()], "\"");
    assert!(
        e.to_string()
            .contains("3 |     {\"field\": \"a\" \"value\": 1}"),
        "{e}"
    );
}
