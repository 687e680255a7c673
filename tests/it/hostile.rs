//! Hostile input: whatever arrives, the answer is a filter or a coded error
//! with a span inside the input — never a panic, a hang or a blow-up.

use siftql::{ErrorCode, Filter, Limits};

/// Parses as DSL or JSON; an error must carry a span inside the input (DSL
/// and JSON text errors both locate themselves).
#[track_caller]
fn reject(input: &str, limits: &Limits) -> ErrorCode {
    let e = Filter::parse_any(input, limits).expect_err(&input[..input.len().min(80)]);
    if let Some(span) = e.span() {
        assert!(span.end as usize <= input.len(), "{e:?}");
        assert!(input.is_char_boundary(span.start as usize), "{e:?}");
    }
    let rendered = e.render(input);
    assert!(
        rendered.starts_with(&format!("error[{}]", e.code())),
        "{rendered}"
    );
    e.code()
}

fn big() -> Limits {
    Limits {
        max_input_bytes: 64 << 20,
        ..Limits::default()
    }
}

#[test]
fn nul_bytes_and_control_characters() {
    assert_eq!(
        reject("a = 1\0", &Limits::default()),
        ErrorCode::UnexpectedToken
    );
    assert_eq!(
        reject("\0", &Limits::default()),
        ErrorCode::ExpectedCondition
    );
    assert_eq!(
        reject("{\"a\": 1\0}", &Limits::default()),
        ErrorCode::InvalidJson
    );
    // Inside strings, escaped or raw, they are just characters.
    let f = Filter::parse("a = \"\\u0000\" and b = \"\u{1}\"").unwrap();
    assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
}

#[test]
fn numbers_at_the_edges() {
    assert_eq!(
        reject("a = 1e999", &Limits::default()),
        ErrorCode::InvalidNumber
    );
    assert_eq!(
        reject("a = -1e999", &Limits::default()),
        ErrorCode::InvalidNumber
    );
    assert_eq!(
        reject(r#"{"a": 1e999}"#, &Limits::default()),
        ErrorCode::InvalidJson
    );
    // Integers beyond u64 become floats, as serde_json reads them.
    let f = Filter::parse("a = 123456789012345678901234567890").unwrap();
    assert_eq!(
        f.to_json_string(),
        r#"{"AND":[{"field":"a","operator":"eq","value":1.2345678901234568e+29}]}"#
    );
    let huge = format!("a = {}", "9".repeat(5000));
    assert_eq!(reject(&huge, &Limits::default()), ErrorCode::InvalidNumber);
}

#[test]
fn lone_surrogates() {
    assert_eq!(
        reject(r#"a = "\ud800""#, &Limits::default()),
        ErrorCode::InvalidEscape
    );
    assert_eq!(
        reject(r#"a = "\udc00x""#, &Limits::default()),
        ErrorCode::InvalidEscape
    );
    assert_eq!(
        reject(r#"a = "\ud800\u0041""#, &Limits::default()),
        ErrorCode::InvalidEscape
    );
    assert_eq!(
        reject(r#"{"a": "\ud800"}"#, &Limits::default()),
        ErrorCode::InvalidJson
    );
    assert!(Filter::parse(r#"a = "\uD83D\uDE00""#).is_ok());
}

#[test]
fn ten_megabyte_inputs() {
    let dsl = vec!["a = 1"; 2_000_000].join(" or ");
    assert!(dsl.len() > 10 << 20);
    assert_eq!(reject(&dsl, &Limits::default()), ErrorCode::InputTooLarge);
    assert_eq!(reject(&dsl, &big()), ErrorCode::TooManyNodes);
    let json = format!(
        "{{\"OR\": [{}]}}",
        vec![r#"{"field": "a", "value": 1}"#; 400_000].join(",")
    );
    assert!(json.len() > 10 << 20);
    assert_eq!(reject(&json, &big()), ErrorCode::TooManyNodes);
    let string = format!("a = \"{}\"", "x".repeat(10 << 20));
    assert_eq!(reject(&string, &big()), ErrorCode::StringTooLong);
}

#[test]
fn million_element_lists() {
    let items: Vec<String> = (0..1_000_000).map(|i| i.to_string()).collect();
    let dsl = format!("a in [{}]", items.join(","));
    assert_eq!(reject(&dsl, &big()), ErrorCode::ListTooLong);
    let json = format!(r#"{{"a": {{"nin": [{}]}}}}"#, items.join(","));
    assert_eq!(reject(&json, &big()), ErrorCode::ListTooLong);
}

#[test]
fn catastrophic_looking_regexes() {
    // Rust's regex is linear-time: these compile and run fast.
    for pattern in ["(a+)+$", "(a|a)*b", "(.*a){12}", "^(a?){25}a{25}$"] {
        let f = Filter::parse(&format!(
            "x matches {}",
            serde_json::to_string(pattern).unwrap()
        ))
        .unwrap();
        #[cfg(feature = "eval")]
        let _ = siftql::eval::Predicate::new(&f)
            .unwrap()
            .matches(&serde_json::json!({ "x": "a".repeat(10_000) + "!" }));
        #[cfg(not(feature = "eval"))]
        drop(f);
    }
    assert_eq!(
        reject(r#"x matches "a{1000000}""#, &Limits::default()),
        ErrorCode::RegexTooLarge
    );
    assert_eq!(
        reject(r#"x matches "(?:\\w{1000}){1000}""#, &Limits::default()),
        ErrorCode::RegexTooLarge
    );
    assert_eq!(
        reject(
            r#"{"x": {"regex": "((a{100}){100}){100}"}}"#,
            &Limits::default()
        ),
        ErrorCode::RegexTooLarge
    );
}

#[test]
fn every_unterminated_construct() {
    use ErrorCode::*;
    let d = Limits::default();
    for (input, code) in [
        ("a = \"abc", UnterminatedString),
        ("a = 'abc", UnterminatedString),
        ("a = \"abc\\", UnterminatedString),
        ("`abc = 1", UnterminatedString),
        ("a.`b = 1", UnterminatedString),
        ("(a = 1", Unclosed),
        ("((a = 1)", Unclosed),
        ("not (a = 1", Unclosed),
        ("case_sensitive(a = 1", Unclosed),
        ("any(a = 1", Unclosed),
        ("all(a = 1,", ExpectedCondition),
        ("a in [1, 2", Unclosed),
        ("a in [", ExpectedValue),
        ("a = {\"k\": 1", Unclosed),
        ("a = {\"k\":", ExpectedValue),
        ("a = {", UnexpectedToken),
        ("a = $", ExpectedCondition),
        ("a = $x.", ExpectedCondition),
        ("a.", ExpectedCondition),
        ("a starts", UnknownOperator),
        ("a is", UnknownOperator),
        ("a is not", UnknownOperator),
        ("a not", UnknownOperator),
        ("a", UnknownOperator),
        ("a =", ExpectedValue),
        ("a = 1 and", ExpectedCondition),
        ("a = 1 or", ExpectedCondition),
        ("not", ExpectedCondition),
        ("!", ExpectedCondition),
        ("a = -", InvalidNumber),
        ("a = \"\\u12", InvalidEscape),
        ("{", InvalidJson),
        ("{\"AND\": [", InvalidJson),
        ("{\"AND\": [{\"field\": \"a\"", InvalidJson),
        ("{\"a\": \"b", InvalidJson),
    ] {
        assert_eq!(reject(input, &d), code, "{input}");
    }
}

#[test]
fn keywords_in_every_position() {
    let d = Limits::default();
    for kw in [
        "and", "or", "not", "in", "is", "null", "true", "false", "exists", "AND", "Or",
    ] {
        // As a field: only `not`, `true`, `false` start something else.
        let field = format!("{kw} = 1");
        match kw.to_ascii_lowercase().as_str() {
            "not" | "true" | "false" => {
                let _ = Filter::parse(&field);
            }
            _ => {
                reject(&field, &d);
            }
        }
        // Backticked, any keyword is a field.
        assert!(
            Filter::parse(&format!("`{kw}` = 1")).is_ok(),
            "`{kw}` as a field"
        );
        // As an operator.
        let _ = Filter::parse(&format!("a {kw} 1"));
        // As a value: literals parse, other keywords are an error with a hint.
        let value = format!("a = {kw}");
        match kw.to_ascii_lowercase().as_str() {
            "null" | "true" | "false" => assert!(Filter::parse(&value).is_ok()),
            _ => assert_eq!(reject(&value, &d), ErrorCode::ExpectedValue, "{value}"),
        }
        // Quoted, any keyword is a string.
        let f = Filter::parse(&format!("a = \"{kw}\"")).unwrap();
        assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
        // Alone, and around connectives.
        let _ = Filter::parse(kw);
        let _ = Filter::parse(&format!("a = 1 {kw} b = 2"));
        let _ = Filter::parse(&format!("{kw} {kw} {kw}"));
    }
}
