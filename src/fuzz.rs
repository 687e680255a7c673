//! The checks behind the `fuzz/` targets, shared with the test that replays
//! their corpora (`tests/it/fuzz_corpus.rs`). Each takes arbitrary bytes and
//! panics only when an invariant breaks.

use crate::{Filter, Limits};

/// Arbitrary bytes → DSL parser: a filter or a coded error, never a panic.
pub fn parse(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        match Filter::parse(text) {
            Ok(f) => drop(f.to_string()),
            Err(e) => drop(e.render(text)),
        }
    }
}

/// Arbitrary bytes → JSON decoder: a filter or a coded error, never a panic.
pub fn json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        match Filter::from_json_str(text) {
            Ok(f) => drop(f.to_json_string()),
            Err(e) => drop(e.to_string()),
        }
    }
}

/// Whatever parses (as DSL or JSON) prints and reads back to the same tree,
/// through both the DSL and the JSON.
pub fn roundtrip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(f) = Filter::parse_any(text, &Limits::default()) else {
        return;
    };
    let dsl = f.to_string();
    let back =
        Filter::parse(&dsl).unwrap_or_else(|e| panic!("printed {dsl:?} does not parse: {e}"));
    assert_eq!(back, f, "DSL round trip through {dsl:?}");
    assert_eq!(back.to_string(), dsl, "print is a fixed point");
    let json = f.to_json_string();
    let back = Filter::from_json_str(&json)
        .unwrap_or_else(|e| panic!("written {json:?} does not decode: {e}"));
    assert_eq!(back, f, "JSON round trip through {json:?}");
}

/// Arbitrary filter × arbitrary record (the filter, a NUL byte, the record):
/// never a panic, and the record read as a `Value`, as raw text and (when it
/// fits) as a `ClusterRecord`, through `matches` and through `typed`, gives
/// the same answer.
#[cfg(feature = "eval")]
pub fn eval(data: &[u8]) {
    use crate::eval::{Predicate, RawRecord};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (filter, record) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(f) = Filter::parse_any(filter, &Limits::default()) else {
        return;
    };
    let Ok(p) = Predicate::new(&f) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(record) else {
        return;
    };
    let Ok(raw) = RawRecord::parse(record) else {
        return;
    };
    let want = p.matches(&value);
    assert_eq!(want, p.matches(&raw), "{filter:?} on {record:?}");
    if let Ok(typed) = serde_json::from_value::<crate::eval::ClusterRecord>(value) {
        assert_eq!(want, p.matches(&typed), "{filter:?} on {record:?}");
        let specialised = p.typed::<crate::eval::ClusterRecord>();
        assert_eq!(
            want,
            specialised.matches(&typed),
            "{filter:?} on {record:?}"
        );
    }
}

/// Whatever parses compiles to SQL for every dialect, over the default
/// cluster schema and an open document-only schema, or fails with a coded
/// error from the capability table — never a panic; compiled SQL builds.
#[cfg(feature = "sql")]
pub fn sql(data: &[u8]) {
    use crate::error::ErrorCode;
    use crate::sql::{compile, Dialect, Schema};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(f) = Filter::parse_any(text, &Limits::default()) else {
        return;
    };
    let doc = Schema::from_json_str(r#"{"table": "t", "document": "doc", "open": true}"#)
        .expect("a valid schema");
    for schema in [Schema::clusters(), doc] {
        for d in Dialect::ALL {
            match compile(&f, &schema, d) {
                Ok(c) => drop(c.build()),
                Err(e) => assert!(
                    matches!(
                        e.code(),
                        ErrorCode::Unsupported | ErrorCode::UnboundDynamic | ErrorCode::TooDeep
                    ),
                    "{d}: {text:?}: {e}"
                ),
            }
        }
    }
}
