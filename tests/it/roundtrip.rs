//! SPEC §2 round trips, as properties over generated trees.

use proptest::prelude::*;
use siftql::Filter;

use crate::gen;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Round trip 1: `from_json(to_json(a)) == a`.
    #[test]
    fn json_round_trip(f in gen::filter()) {
        let json = f.to_json_string();
        let back = Filter::from_json_str(&json).map_err(|e| TestCaseError::fail(e.render(&json)))?;
        prop_assert_eq!(&back, &f);
        // The iterative writer and the serde `Serialize` impl agree.
        prop_assert_eq!(serde_json::to_string(&f).unwrap(), json);
    }

    /// Round trip 2: the printer is the exact inverse of the parser, so
    /// `print` is also a fixed point after one parse.
    #[test]
    fn dsl_round_trip(f in gen::filter()) {
        let dsl = f.to_string();
        let back: Filter = dsl.parse().map_err(|e: siftql::Error| TestCaseError::fail(e.render(&dsl)))?;
        prop_assert_eq!(&back, &f, "printed as {}", dsl);
        prop_assert_eq!(back.to_string(), dsl.clone());
        prop_assert!(!dsl.contains('\n'), "one line: {}", dsl);
    }

    /// Round trip 3: canonical JSON → DSL → JSON is byte-identical.
    #[test]
    fn canonical_json_through_dsl(f in gen::filter()) {
        let json = f.to_json_string();
        let dsl = Filter::from_json_str(&json).unwrap().to_string();
        let again = Filter::parse(&dsl).map_err(|e| TestCaseError::fail(e.render(&dsl)))?.to_json_string();
        prop_assert_eq!(again, json);
    }

    /// Decoding JSON text and decoding the same JSON as a `Value` agree, and
    /// `Deserialize` (the serde path) agrees with both.
    #[test]
    fn decode_paths_agree(f in gen::filter()) {
        let json = f.to_json_string();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Filter::from_json_value(&value).unwrap(), f.clone());
        let via_serde: Filter = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(via_serde, f);
    }

    /// Almost-filters decode or fail with an error whose pointer, located in
    /// the pretty-printed text, gives a span inside it.
    #[test]
    fn json_errors_point_inside_the_text(v in gen::filterish_json()) {
        let text = serde_json::to_string_pretty(&v).unwrap();
        match Filter::from_json_str(&text) {
            Ok(f) => prop_assert_eq!(Filter::from_json_str(&f.to_json_string()).unwrap(), f),
            Err(e) => {
                if let Some(span) = e.span() {
                    prop_assert!(span.end as usize <= text.len());
                    prop_assert!(text.is_char_boundary(span.start as usize));
                }
                prop_assert!(e.pointer().is_some() || e.code() == siftql::ErrorCode::DuplicateKey);
                let _ = e.to_string();
            }
        }
    }

    /// Arbitrary text never panics the parser: it parses or gives a coded error
    /// whose span lies inside the input.
    #[test]
    fn parser_total_on_arbitrary_text(s in "\\PC{0,40}|[()a-z =!<>\"'`$\\[\\]{},.&|~-]{0,40}") {
        match Filter::parse(&s) {
            Ok(f) => {
                let dsl = f.to_string();
                prop_assert_eq!(Filter::parse(&dsl).unwrap(), f);
            }
            Err(e) => {
                let span = e.span().expect("DSL errors carry a span");
                prop_assert!(span.end as usize <= s.len());
                let _ = e.render(&s);
            }
        }
    }
}
