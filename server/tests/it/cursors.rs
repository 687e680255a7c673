//! Keyset cursors: walking every page, the cursor's aliases, refusals, the
//! request a cursor is bound to (sort, namespace, filter, search; not the
//! page size), and rows that change between pages.

use serde_json::{json, Value};

use crate::{on_every_database, Api, Reply};

on_every_database!(
    cursors,
    rows_change_between_pages,
    instants_past_the_date_types,
    cursor_namespace,
    cursor_filter,
    cursor_search,
    cursor_dsl_or_json,
    cursor_page_size,
);

/// The page after `r` for `body` (and `headers`).
fn next(s: &Api, r: &Reply, headers: &[(&str, &str)], body: &Value) -> Reply {
    s.list_with(&format!("?cursor={}", r.next_cursor()), headers, body)
}

/// A refused cursor: 422 `invalid_cursor` whose message names what differs.
fn refused(r: &Reply, differs: &str) {
    let e = r.error(422);
    assert_eq!(e["code"], "invalid_cursor", "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the cursor was issued for another {differs}")),
        "{message}"
    );
}

/// Every row from `body`'s first page on, each next page asked for with
/// the cursor, `headers` and the body `then` gives for its number (2, 3,
/// …): the ids in order.
fn walk(
    s: &Api,
    headers: &[(&str, &str)],
    body: &Value,
    then: impl Fn(u64) -> Value,
) -> Vec<String> {
    let mut r = s.list_with("", headers, body);
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        ids.extend(r.ids());
        match r.json()["pagination"]["next_cursor"].as_str() {
            Some(c) => {
                page += 1;
                r = s.list_with(&format!("?cursor={c}"), headers, &then(page));
            }
            None => break,
        }
    }
    ids
}

/// A cursor issued for one `X-Namespace` is refused with another, or with
/// none, and walks its own namespace to the end.
fn cursor_namespace(s: &Api) {
    let body = json!({"limit": 4});
    let ns_a = [("X-Namespace", "ns_a")];
    let r = s.list_with("", &ns_a, &body);
    assert_eq!(r.ids(), ["c00", "c01", "c02", "c04"]);
    refused(&next(s, &r, &[("X-Namespace", "ns_b")], &body), "namespace");
    refused(&next(s, &r, &[], &body), "namespace");
    // A namespace is exact: another case is another namespace.
    refused(&next(s, &r, &[("X-Namespace", "NS_A")], &body), "namespace");
    // One issued without a namespace is refused with one.
    refused(&next(s, &s.list(&body), &ns_a, &body), "namespace");
    // The same namespace: every row of it, once, in order.
    let everything = s.list_with("", &ns_a, &json!({"limit": 1000})).ids();
    assert_eq!(everything.len(), 30);
    assert_eq!(walk(s, &ns_a, &body, |_| body.clone()), everything);
}

/// A cursor issued for one filter is refused with another, or with none.
fn cursor_filter(s: &Api) {
    let body = json!({"filter": "status = completed", "limit": 3});
    let r = s.list(&body);
    assert_eq!(r.ids(), ["c00", "c03", "c06"]);
    let other = json!({"filter": "status = FAILED", "limit": 3});
    refused(&next(s, &r, &[], &other), "filter");
    refused(&next(s, &r, &[], &json!({"limit": 3})), "filter");
    let json_other = json!({"filters": {"AND": [{"field": "status", "operator": "eq", "value": "pending"}]}, "limit": 3});
    refused(&next(s, &r, &[], &json_other), "filter");
    // No filter and a match-all filter are the same filter.
    let all = s.list(&json!({"limit": 3}));
    assert_eq!(
        next(s, &all, &[], &json!({"filter": "true", "limit": 3})).ids(),
        ["c03", "c04", "c05"]
    );
    assert_eq!(
        next(s, &all, &[], &json!({"filters": {}, "limit": 3})).ids(),
        ["c03", "c04", "c05"]
    );
    // The sort is checked first, then the filter.
    let sorted = json!({"filter": "status = FAILED", "sort": {"field": "status"}, "limit": 3});
    let e = next(s, &r, &[], &sorted).error(422);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("another sort order"),
        "{e}"
    );
    // The same filter: the next page.
    assert_eq!(next(s, &r, &[], &body).ids(), ["c09", "c12", "c15"]);
}

/// A cursor issued for one search is refused with another, or with none;
/// the same search in another case is the same search (search ignores
/// case).
fn cursor_search(s: &Api) {
    let body = json!({"search": "sale", "limit": 2});
    let r = s.list(&body);
    assert_eq!(r.ids(), ["c00", "c01"]);
    refused(
        &next(s, &r, &[], &json!({"search": "plain", "limit": 2})),
        "search",
    );
    refused(&next(s, &r, &[], &json!({"limit": 2})), "search");
    refused(
        &next(s, &r, &[], &json!({"search": "sale 5", "limit": 2})),
        "search",
    );
    assert_eq!(
        next(s, &r, &[], &json!({"search": "SALE", "limit": 2})).ids(),
        ["c05", "c06"]
    );
    // One issued without a search is refused with one.
    let none = s.list(&json!({"limit": 2}));
    refused(&next(s, &none, &[], &body), "search");
    let everything = s.list(&json!({"search": "sale", "limit": 1000})).ids();
    assert_eq!(everything.len(), 16);
    assert_eq!(walk(s, &[], &body, |_| body.clone()), everything);
}

/// The same filter as DSL and as JSON (any accepted form, the official
/// client's `case_sensitive: false` on every node included) is the same
/// filter: a walk may switch between them page by page.
fn cursor_dsl_or_json(s: &Api) {
    let dsl = "status != pending and (num_clusters >= 2 or cluster_name starts with sale)";
    let sort = json!({"field": "created_at", "direction": "desc"});
    let forms = [
        json!({"filter": dsl, "sort": sort, "limit": 4}),
        json!({"filters": {
            "AND": [{"field": "status", "operator": "ne", "value": "pending"}],
            "OR": [{"field": "num_clusters", "operator": "gte", "value": 2},
                   {"field": "cluster_name", "operator": "starts_with", "value": "sale"}]},
            "sort": sort, "limit": 4}),
        // As the official client re-serialises it, keys in another order.
        json!({"limit": 4, "sort": sort, "filters": {
            "case_sensitive": false,
            "OR": [{"value": 2, "operator": "gte", "field": "num_clusters", "case_sensitive": false},
                   {"field": "cluster_name", "operator": "starts_with", "value": "sale", "case_sensitive": false}],
            "AND": [{"field": "status", "operator": "ne", "value": "pending", "case_sensitive": false}]}}),
    ];
    let everything = s
        .list(&json!({"filter": dsl, "sort": sort, "limit": 1000}))
        .ids();
    assert!(everything.len() > 12, "{everything:?}");
    for (i, first) in forms.iter().enumerate() {
        let walked = walk(s, &[], first, |page| {
            forms[(i + page as usize) % forms.len()].clone()
        });
        assert_eq!(walked, everything, "starting with form {i}");
    }
    // The filter is compared as a tree, not as logic: the `OR` nested as
    // an `AND` item is another tree, so another filter.
    let nested = json!({"filters": {
        "AND": [{"field": "status", "operator": "ne", "value": "pending"},
                {"OR": [{"field": "num_clusters", "operator": "gte", "value": 2},
                        {"field": "cluster_name", "operator": "starts_with", "value": "sale"}]}]},
        "sort": sort, "limit": 4});
    refused(&next(s, &s.list(&forms[0]), &[], &nested), "filter");
}

/// The page size may change along a walk: the rows go on where the last
/// page ended, and the page number counts pages of the new size
/// (`rows before / page_size + 1`, as for an offset).
fn cursor_page_size(s: &Api) {
    let everything = s.list(&json!({"limit": 1000})).ids();
    let r = s.list(&json!({"limit": 3}));
    let after = next(s, &r, &[], &json!({"page_size": 5}));
    assert_eq!(after.ids(), everything[3..8]);
    let p = &after.json()["pagination"];
    assert_eq!(
        (p["page"].clone(), p["page_size"].clone()),
        (json!(1), json!(5))
    );
    let then = next(s, &after, &[], &json!({"limit": 4}));
    assert_eq!(then.ids(), everything[8..12]);
    assert_eq!(then.json()["pagination"]["page"], 3);
    assert_eq!(then.json()["pagination"]["previous_page"], "2");
    // A walk in pages of 1, 2, 3, … sees every row once.
    let walked = walk(s, &[], &json!({"limit": 1}), |page| json!({"limit": page}));
    assert_eq!(walked, everything);
}

/// Records whose `created_at` spans RFC 3339 (years 0000 and 9999, offsets
/// of ±23:59, a leap second, instants a nanosecond apart): one big page in
/// either order is the evaluator's order, and walking it a row at a time
/// by cursor gives the same rows; ranges select what the evaluator does.
fn instants_past_the_date_types(s: &Api) {
    let stamps = [
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "2024-01-01T00:00:00+23:59",
        "2024-01-01T00:00:00-23:59",
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:59.999999999Z",
        "2016-12-31T23:59:59.999999998Z",
        "2024-01-01",
    ];
    let records: Vec<String> = stamps
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"cluster_id": format!("z{i}"), "created_at": t}).to_string())
        .collect();
    s.table.load(&records);
    let ours = "cluster_id starts with z";
    let matches = |filter: &str| -> Vec<String> {
        let p = siftql::eval::Predicate::new(&filter.parse().unwrap()).unwrap();
        records
            .iter()
            .filter(|r| p.matches(&siftql::eval::RawRecord::parse(r).unwrap()))
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(r).unwrap()["cluster_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    for direction in ["asc", "desc"] {
        let sort = json!({"field": "created_at", "direction": direction});
        let everything = s
            .list(&json!({"filter": ours, "sort": sort, "limit": 100}))
            .ids();
        assert_eq!(everything.len(), stamps.len());
        // Each row is after the one before it, as the evaluator compares.
        for pair in everything.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let t = |id: &str| stamps[id[1..].parse::<usize>().unwrap()];
            let op = if direction == "asc" { ">=" } else { "<=" };
            let f = format!("cluster_id = {b:?} and created_at {op} {:?}", t(a));
            assert_eq!(
                matches(&f),
                std::slice::from_ref(b),
                "{direction}: {a} then {b}"
            );
        }
        let body = json!({"filter": ours, "sort": sort, "limit": 1});
        let mut walked = Vec::new();
        let mut r = s.list(&body);
        loop {
            walked.extend(r.ids());
            match r.json()["pagination"]["next_cursor"].as_str() {
                Some(c) => r = s.list_with(&format!("?cursor={c}"), &[], &body),
                None => break,
            }
        }
        assert_eq!(walked, everything, "{direction}");
    }
    for t in stamps {
        for op in [">", "<="] {
            let f = format!("{ours} and created_at {op} {t:?}");
            let mut got = s.list(&json!({"filter": f, "limit": 100})).ids();
            got.sort();
            assert_eq!(got, matches(&f), "{f}");
        }
    }
}

fn cursors(s: &Api) {
    for (sort, filter) in [
        (json!({"field": "created_at", "direction": "desc"}), "true"),
        (
            json!({"field": "num_clusters", "direction": "asc"}),
            "status != pending",
        ),
        (
            json!({"field": "cluster_name", "direction": "desc"}),
            "true",
        ),
    ] {
        let body = json!({"filter": filter, "sort": sort, "limit": 7});
        let everything = s
            .list(&json!({"filter": filter, "sort": sort, "limit": 1000}))
            .ids();
        let mut walked = Vec::new();
        let mut r = s.list(&body);
        let mut page = 1;
        loop {
            walked.extend(r.ids());
            let v = r.json();
            assert_eq!(v["pagination"]["page"], page);
            match v["pagination"]["next_cursor"].as_str() {
                Some(c) => {
                    assert_eq!(v["pagination"]["next_page"], json!((page + 1).to_string()));
                    r = s.list_with(&format!("?cursor={c}"), &[], &body);
                    page += 1;
                }
                None => break,
            }
        }
        assert_eq!(walked, everything, "{sort}");
    }

    // The cursor's aliases.
    let body = json!({"limit": 5});
    let r = s.list(&body);
    assert_eq!(r.ids(), ["c00", "c01", "c02", "c03", "c04"]);
    let cursor = r.next_cursor();
    let after = s.list_with(&format!("?next_cursor={cursor}"), &[], &body);
    assert_eq!(after.ids(), ["c05", "c06", "c07", "c08", "c09"]);
    assert_eq!(
        s.list_with(&format!("?after={cursor}"), &[], &body).ids(),
        after.ids()
    );

    // Cursors the server did not issue, or for another sort: 422.
    let mut forged = cursor.clone().into_bytes();
    forged[2] = if forged[2] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(
        s.list_with(&format!("?cursor={forged}"), &[], &body)
            .error(422)["code"],
        "invalid_cursor"
    );
    assert_eq!(
        s.list_with("?cursor=hello", &[], &body).error(422)["code"],
        "invalid_cursor"
    );
    let other = json!({"limit": 5, "sort": {"field": "status"}});
    assert_eq!(
        s.list_with(&format!("?cursor={cursor}"), &[], &other)
            .error(422)["code"],
        "invalid_cursor"
    );
}

/// Rows inserted meanwhile: the next page still starts right after the
/// last row seen, in the same order, without OFFSET.
fn rows_change_between_pages(s: &Api) {
    let body = json!({"limit": 5});
    let r = s.list(&body);
    assert_eq!(r.ids(), ["c00", "c01", "c02", "c03", "c04"]);
    let cursor = r.next_cursor();
    // A repeated request is answered from the cache on SQLite.
    let again = s.list(&body);
    assert_eq!(again.body, r.body);
    let timing = &again.headers["server-timing"];
    assert_eq!(timing.contains("cache;desc=hit"), s.caches(), "{timing}");
    // Another writer adds c03a (before the cursor) and c04a (after it).
    s.table
        .load(&[r#"{"cluster_id": "c03a"}"#, r#"{"cluster_id": "c04a"}"#]);
    let after = s.list_with(&format!("?cursor={cursor}"), &[], &body);
    assert_eq!(after.ids(), ["c04a", "c05", "c06", "c07", "c08"]);
    assert_eq!(after.json()["pagination"]["page"], 2);
    assert_eq!(after.json()["pagination"]["total"], 42);
    // The first page again: the change is seen, not a cached answer.
    let first = s.list(&body);
    assert_eq!(first.ids(), ["c00", "c01", "c02", "c03", "c03a"]);
    assert_eq!(first.json()["total_count"], 42);
    assert!(first.headers["server-timing"].contains("cache;desc=miss"));
}
