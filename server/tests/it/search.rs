//! The search and the namespace, ANDed outside the user's filter.

use serde_json::json;

use crate::{on_every_database, records, Api};

on_every_database!(search, namespaces, u0000_is_text_like_any_other);

/// U+0000 in a search, a filter value or a field name: answered as the
/// evaluator would (none of the records has it), never a database error
/// (PostgreSQL's text cannot hold it: such conditions are rechecked).
fn u0000_is_text_like_any_other(s: &Api) {
    for body in [
        json!({"search": "\u{0}"}),
        json!({"search": "gpu\u{0}"}),
        json!({"filters": {"AND": [{"field": "cluster_name", "operator": "eq", "value": "\u{0}"}]}}),
        json!({"filters": {"NOT": [{"field": "cluster_name", "operator": "contains", "value": "\u{0}"}]}}),
        json!({"filters": {"AND": [{"field": "metadata.t\u{0}", "operator": "exists", "value": false}]}}),
        json!({"filter": "description phrase \"a\\u0000\"", "search": "\u{0}x"}),
    ] {
        let r = s.list(&body);
        assert_eq!(r.status, 200, "{body}: {}", r.body);
        let total = r.json()["pagination"]["total"].as_u64().unwrap();
        let everything = body.to_string().contains("NOT") || body.to_string().contains("exists");
        let want = if everything {
            crate::records().len() as u64
        } else {
            0
        };
        assert_eq!(total, want, "{body}");
    }
}

fn search(s: &Api) {
    let recs = records();
    let ids = |needle: &str| -> Vec<String> {
        let n = needle.to_lowercase();
        recs.iter()
            .filter(|r| {
                ["cluster_id", "cluster_name", "description"]
                    .iter()
                    .any(|f| {
                        r[*f]
                            .as_str()
                            .is_some_and(|v| v.to_lowercase().contains(&n))
                    })
            })
            .map(|r| r["cluster_id"].as_str().unwrap().to_owned())
            .collect()
    };
    for needle in [
        "%", "_", "50%_", "\\", "back\\s", "cluster", "SALE", "C1", "x%x",
    ] {
        let got = s.list(&json!({"search": needle, "limit": 1000})).ids();
        assert_eq!(got, ids(needle), "{needle}");
    }
    // `%` is not a wildcard: `50xxoff` has no `%`.
    assert!(ids("50%_")
        .iter()
        .all(|id| id.ends_with('0') || id.ends_with('5')));
    // An empty search is no search.
    assert_eq!(
        s.list(&json!({"search": "", "limit": 1000})).ids().len(),
        40
    );
}

fn namespaces(s: &Api) {
    let ns = [("X-Namespace", "ns_b")];
    let b: Vec<String> = (0..40)
        .filter(|i| i % 4 == 3)
        .map(|i| format!("c{i:02}"))
        .collect();
    for filter in [
        "true",
        "namespace_id = ns_a",
        "namespace_id = ns_a or true",
        "not namespace_id = ns_b",
        "namespace_id != ns_b or namespace_id exists",
    ] {
        let r = s.list_with("", &ns, &json!({"filter": filter, "limit": 1000}));
        let got = r.ids();
        assert!(got.iter().all(|id| b.contains(id)), "{filter}: {got:?}");
        let v = r.json();
        assert_eq!(v["stats"]["total_clusters"], json!(got.len()), "{filter}");
    }
    assert_eq!(s.list_with("", &ns, &json!({"limit": 1000})).ids(), b);
    assert_eq!(
        s.list_with("", &[("X-Namespace", "nobody")], &json!({}))
            .ids()
            .len(),
        0
    );
}
