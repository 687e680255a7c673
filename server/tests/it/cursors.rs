//! Keyset cursors: walking every page, the cursor's aliases, refusals, and
//! rows that change between pages.

use serde_json::json;

use crate::{on_every_database, Api};

on_every_database!(
    cursors,
    rows_change_between_pages,
    instants_past_the_date_types
);

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
