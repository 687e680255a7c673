//! One example per error code, rendered as the user sees it. Adding a code
//! without an example here fails `every_code_has_an_example`.

use siftql::{ErrorCode, Filter, Limits};

/// (code, input, limits override); input starting with `{` is JSON.
fn examples() -> Vec<(ErrorCode, &'static str, Limits)> {
    use ErrorCode::*;
    let d = Limits::default();
    vec![
        (
            InputTooLarge,
            "status = \"active\"",
            Limits {
                max_input_bytes: 8,
                ..d
            },
        ),
        (TooDeep, "((((a = 1))))", Limits { max_depth: 2, ..d }),
        (TooManyNodes, "a = 1 or b = 2", Limits { max_nodes: 2, ..d }),
        (
            ListTooLong,
            "tags in [\"a\", \"b\", \"c\"]",
            Limits {
                max_list_len: 2,
                ..d
            },
        ),
        (
            RegexTooLarge,
            "name matches \"\\\\w{500}\"",
            Limits {
                max_regex_bytes: 10_000,
                ..d
            },
        ),
        (UnexpectedToken, "a = 1)", d),
        (ExpectedCondition, "a = 1 and or b = 2", d),
        (ExpectedValue, "age >= and x = 1", d),
        (UnknownOperator, "age gtee 30", d),
        (Unclosed, "(a = 1 or (b = 2)", d),
        (UnterminatedString, "name = \"prod", d),
        (InvalidEscape, "name = \"a\\qb\"", d),
        (InvalidNumber, "age >= 1e999", d),
        (MissingConnective, "a = 1 b = 2", d),
        (
            InvalidJson,
            "{\"AND\": [\n  {\"field\": \"a\" \"value\": 1}\n]}",
            d,
        ),
        (
            UnknownKey,
            r#"{"AND": [{"field": "a", "operater": "eq", "value": 1}]}"#,
            d,
        ),
        (WrongType, r#"{"OR": {"field": "a", "value": 1}}"#, d),
        (
            MissingKey,
            r#"{"AND": [{"field": "a", "operator": "gt"}]}"#,
            d,
        ),
        (DuplicateKey, "{\"AND\": [],\n \"AND\": []}", d),
        (InvalidValue, "tags in \"a\"", d),
        (InvalidRegex, "name matches \"(unclosed\"", d),
        (
            InvalidGeo,
            "loc geo_radius {\"center\": {\"lat\": 91, \"lon\": 0}, \"radius\": 5}",
            d,
        ),
        (InvalidField, "`` = 1", d),
        (InvalidDynamic, "tags in [$inputs.tag]", d),
        // Parses; fails when the evaluator compiles it without bindings.
        (UnboundDynamic, "query text $inputs.q", d),
    ]
}

#[test]
fn every_code_has_an_example() {
    let covered: Vec<ErrorCode> = examples().iter().map(|e| e.0).collect();
    let mut missing: Vec<&ErrorCode> = ErrorCode::ALL
        .iter()
        .filter(|c| !covered.contains(c))
        .collect();
    // InvalidUtf8 comes from byte input, which the CLI tests cover.
    missing.retain(|c| **c != ErrorCode::InvalidUtf8);
    assert!(missing.is_empty(), "codes without an example: {missing:?}");
}

#[test]
fn rendered_diagnostics() {
    let mut out = String::new();
    for (code, input, limits) in examples() {
        let err = match Filter::parse_any(input, &limits) {
            Err(e) => e,
            Ok(f) => siftql::eval::Predicate::new(&f).expect_err(input),
        };
        assert_eq!(err.code(), code, "{input}: {err}");
        out.push_str(&format!("$ {input}\n{}\n\n", err.render(input)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for c in ErrorCode::ALL {
        let s = c.as_str();
        assert!(
            s.len() == 5 && s.starts_with('E') && s[1..].chars().all(|d| d.is_ascii_digit()),
            "{s}"
        );
        assert!(seen.insert(s), "{s} twice");
    }
}
