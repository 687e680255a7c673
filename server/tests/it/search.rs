//! The search and the namespace, ANDed outside the user's filter.

use serde_json::json;

use crate::{on_every_database, records, Api};

on_every_database!(search, namespaces);

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
