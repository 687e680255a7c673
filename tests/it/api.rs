//! The library surface: sizes, traits, serde integration, Fold.

use serde_json::json;
use siftql::{Condition, Filter, Fold, Group, GroupParts, Node, Operator, Scope};

#[test]
fn node_is_two_words() {
    assert_eq!(
        std::mem::size_of::<Node>(),
        2 * std::mem::size_of::<usize>()
    );
}

#[test]
fn filter_drops_into_serde_request_structs() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Request {
        filters: Filter,
        limit: u32,
    }
    let body =
        r#"{"filters": {"status": "active", "NOT": {"field": "dept", "value": "HR"}}, "limit": 5}"#;
    let req: Request = serde_json::from_str(body).unwrap();
    assert_eq!(
        req.filters.to_string(),
        r#"status = "active" and not dept = "HR""#
    );
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"filters": {"AND": [{"field": "status", "operator": "eq", "value": "active"}],
                           "NOT": [{"field": "dept", "operator": "eq", "value": "HR"}]},
               "limit": 5})
    );
}

#[test]
fn deserialize_error_carries_the_diagnostic() {
    let err = serde_json::from_str::<Filter>(
        r#"{"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("E0104"), "{err}");
    assert!(err.contains("/AND/0/operator"), "{err}");
    assert!(err.contains("starts_with"), "{err}");
}

#[test]
fn display_and_from_str_agree() {
    let f: Filter = "a = 1 or b in [1, 2]".parse().unwrap();
    assert_eq!(format!("{f}"), "a = 1 or b in [1,2]");
    assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
}

#[test]
fn operator_names_round_trip() {
    for op in Operator::ALL {
        assert_eq!(op.name().parse::<Operator>().unwrap(), op);
    }
    assert!("startswith".parse::<Operator>().is_err());
}

/// A fold that renders a tiny S-expression, to show a backend in a few lines.
struct Sexp;

impl Fold for Sexp {
    type Output = String;
    type Error = std::convert::Infallible;
    fn condition(&mut self, c: &Condition, scope: Scope) -> Result<String, Self::Error> {
        let cs = if scope.case_sensitive { "!" } else { "" };
        Ok(format!("({}{} {})", c.operator, cs, c.field.as_str()))
    }
    fn group(
        &mut self,
        _: &Group,
        parts: GroupParts<String>,
        _: Scope,
    ) -> Result<String, Self::Error> {
        let mut out = Vec::new();
        for (name, list) in [("and", parts.and), ("or", parts.or), ("nor", parts.not)] {
            if let Some(items) = list {
                out.push(format!("({name} {})", items.join(" ")));
            }
        }
        Ok(format!("[{}]", out.join(" ")))
    }
}

#[test]
fn fold_visits_in_canonical_order_with_scope() {
    let f: Filter =
        r#"not d = 1 and a = 1 and case_sensitive(b = 1 or c = 1) and (e = 1 or f = 1)"#
            .parse()
            .unwrap();
    assert_eq!(
        f.fold(&mut Sexp).unwrap(),
        "[(and (eq a) [(or (eq! b) (eq! c))]) (or (eq e) (eq f)) (nor (eq d))]"
    );
    assert_eq!(f.node_count(), 8);
    assert_eq!(f.depth(), 2);
}

#[test]
fn case_sensitive_false_never_switches_off_inside_a_sensitive_group() {
    let f = Filter::from_json_str(
        r#"{"AND": [{"field": "a", "value": 1, "case_sensitive": false}], "case_sensitive": true}"#,
    )
    .unwrap();
    assert_eq!(f.fold(&mut Sexp).unwrap(), "[(and (eq! a))]");
}
