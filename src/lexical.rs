//! The DSL's lexical rules, in one place: what an identifier is, which words
//! are reserved, and which of those cannot be a bare-word value. The lexer,
//! the parser and the printer all read them from here, so what the printer
//! writes bare is exactly what the parser reads back as a name.

/// Words that cannot start a comparison's field without backticks (any
/// case): `` `in` = 1 ``.
pub(crate) const RESERVED: [&str; 10] = [
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "true",
    "false",
    "exists",
    "case_sensitive",
];

/// The reserved words that cannot be a bare-word value either (any case):
/// `x = "and"` must be quoted. `true`, `false` and `null` are literals there,
/// and `case_sensitive` reads as a string.
pub(crate) const KEYWORDS: [&str; 6] = ["and", "or", "not", "in", "is", "exists"];

/// True for a reserved word, in any case.
pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// True for a word that cannot be a bare-word value, in any case.
pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// First character of an identifier (and of a bare-word value): `[A-Za-z_]`.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Later characters of an identifier: `[A-Za-z0-9_]`. A path segment after a
/// `.` is a run of these (so `a.0` is a path).
pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Later characters of a bare-word value: `[A-Za-z0-9_.-]`.
pub(crate) fn is_bare_char(c: char) -> bool {
    is_ident_char(c) || c == '.' || c == '-'
}

/// True when path segment `seg` reads back as itself without backticks: an
/// identifier as the first segment (not a reserved word when `field`, that
/// is, for a comparison's field rather than a `$` name), a run of identifier
/// characters after a `.`.
pub(crate) fn is_plain_segment(seg: &str, first: bool, field: bool) -> bool {
    let start_ok = !first || (seg.starts_with(is_ident_start) && !(field && is_reserved(seg)));
    start_ok && seg.chars().all(is_ident_char)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Condition, FieldPath, Filter, Group, Operand, Operator};
    use crate::ErrorCode;
    use serde_json::json;

    fn on_field(path: &str, value: impl Into<Operand>) -> Filter {
        let c = Condition::new(FieldPath::new(path).unwrap(), Operator::Eq, value);
        Group::all(vec![c.into()]).into()
    }

    #[test]
    fn keywords_are_reserved_words_of_identifier_characters() {
        for k in KEYWORDS {
            assert!(is_reserved(k), "{k}");
        }
        for w in RESERVED {
            assert!(w.starts_with(is_ident_start) && w.chars().all(is_ident_char));
            assert!(is_reserved(&w.to_ascii_uppercase()));
        }
    }

    /// Every reserved word, used as a field name, is printed in backticks and
    /// parses back to the same field; as a later segment or a `$` name it
    /// needs none.
    #[test]
    fn reserved_words_print_in_backticks_and_read_back() {
        for w in RESERVED
            .iter()
            .flat_map(|w| [w.to_string(), w.to_ascii_uppercase()])
        {
            assert!(!is_plain_segment(&w, true, true));
            let f = on_field(&w, json!(1));
            let dsl = f.to_string();
            assert_eq!(dsl, format!("`{w}` = 1"));
            assert_eq!(Filter::parse(&dsl).unwrap(), f, "{dsl}");

            let path = format!("a.{w}");
            let dynamic = Operand::Dynamic(FieldPath::new(w.as_str()).unwrap());
            let f = on_field(&path, dynamic);
            let dsl = f.to_string();
            assert_eq!(dsl, format!("a.{w} = ${w}"));
            assert_eq!(Filter::parse(&dsl).unwrap(), f, "{dsl}");
        }
    }

    /// Words that are not reserved (operator words and list functions
    /// included) print bare and read back as fields.
    #[test]
    fn other_words_print_bare() {
        for w in [
            "status", "_x1", "all", "any", "none", "contains", "starts", "matches", "nul",
        ] {
            assert!(is_plain_segment(w, true, true));
            let f = on_field(w, json!(1));
            let dsl = f.to_string();
            assert_eq!(dsl, format!("{w} = 1"));
            assert_eq!(Filter::parse(&dsl).unwrap(), f, "{dsl}");
        }
        for (path, dsl) in [
            ("1a", "`1a` = 1"),
            ("a.1b", "a.1b = 1"),
            ("a-b", "`a-b` = 1"),
        ] {
            let f = on_field(path, json!(1));
            assert_eq!(f.to_string(), dsl);
            assert_eq!(Filter::parse(dsl).unwrap(), f, "{dsl}");
        }
    }

    /// Keywords must be quoted as values; the other reserved words are
    /// literals or strings there.
    #[test]
    fn keywords_are_no_bare_values() {
        for k in KEYWORDS {
            let e = Filter::parse(&format!("x = {k}")).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ExpectedValue, "{k}");
            assert_eq!(
                Filter::parse(&format!("x = \"{k}\"")).unwrap(),
                on_field("x", json!(k))
            );
        }
        for (w, v) in [
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("null", json!(null)),
            ("case_sensitive", json!("case_sensitive")),
            ("a.b-c", json!("a.b-c")),
        ] {
            assert!(!is_keyword(w));
            assert_eq!(
                Filter::parse(&format!("x = {w}")).unwrap(),
                on_field("x", v)
            );
        }
    }
}
