//! Answers: the seed request, records as loaded, statistics of the whole
//! filtered set, pages and orders.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::{lines, on_every_database, records, reference, sorted, Api};

on_every_database!(
    the_seed_request,
    records_come_back_as_loaded,
    stats_cover_the_filtered_set,
    pagination,
    sorting,
    warnings,
);

/// The seed filter's fields are not cluster fields: each draws a `W0401`,
/// in canonical order, pointing into `filters`.
fn seed_warnings(answer: &mut Value, table: &str) {
    let warnings = answer
        .as_object_mut()
        .unwrap()
        .remove("warnings")
        .expect("the seed's fields draw warnings");
    let expect: Vec<Value> = [
        ("name", "/AND/0"),
        ("age", "/AND/1"),
        ("role", "/OR/1"),
        ("department", "/NOT/0"),
        ("location", "/NOT/1"),
    ]
    .iter()
    .map(|(field, at)| {
        json!({"code": "W0401",
               "message": format!("unknown field `{field}` for table `{table}`"),
               "pointer": format!("/filters{at}")})
    })
    .collect();
    assert_eq!(warnings, Value::Array(expect));
}

/// The `warnings` field: present only when the filter draws one, with the
/// code, message, pointer into the body, the span of a DSL `filter`, and
/// the hint; the answer is the same as without it.
fn warnings(s: &Api) {
    let plain = s.list(&json!({"filter": "status = completed"}));
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert!(plain.json().get("warnings").is_none(), "{}", plain.body);

    let r = s.list(&json!({"filter": "status = completed and stauts = x"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let answer = r.json();
    assert_eq!(
        answer["warnings"],
        json!([{"code": "W0401",
                "message": format!("unknown field `stauts` for table `{}`", s.table.name),
                "pointer": "/filter", "span": [23, 33],
                "help": "did you mean `status`?"}])
    );
    // The warning does not change the answer: no record has `stauts`.
    assert_eq!(answer["total_count"], 0);
    assert!(plain.json()["total_count"].as_u64().unwrap() > 0);
    let r = s.list(&json!({"filters": {"AND": [
        {"field": "status", "operator": "eq", "value": "completed"},
        {"field": "num_clusters", "operator": "gt", "value": "5"}]}}));
    assert_eq!(r.status, 200, "{}", r.body);
    let w = &r.json()["warnings"];
    assert_eq!(w[0]["code"], "W0402");
    assert_eq!(w[0]["pointer"], "/filters/AND/1");
    assert_eq!(
        w[0]["help"],
        "write the number without quotes: num_clusters > 5"
    );
    assert!(w[0].get("span").is_none());
    assert_eq!(w.as_array().unwrap().len(), 1);
    // An answer served from the cache carries the warnings of the request
    // as it was written: the same filter as DSL points into `filter`.
    let dsl = s.list(&json!({"filter": "status = completed and num_clusters > \"5\""}));
    let w = &dsl.json()["warnings"];
    assert_eq!(w[0]["pointer"], "/filter");
    assert_eq!(w[0]["span"], json!([23, 41]));
    // A filter of many mistakes gets the first hundred.
    let many: Vec<String> = (0..150).map(|i| format!("unknown_{i} = 1")).collect();
    let r = s.list(&json!({"filter": many.join(" or ")}));
    assert_eq!(r.status, 200, "{}", r.body);
    let w = r.json()["warnings"].as_array().unwrap().clone();
    assert_eq!(w.len(), 100);
    assert_eq!(
        w[99]["message"],
        format!("unknown field `unknown_99` for table `{}`", s.table.name)
    );
}

fn the_seed_request(s: &Api) {
    let all = |body: Value| {
        let mut b = body;
        b["limit"] = json!(1000);
        s.list(&b)
    };

    // The seed's request as is: well formed, and nothing matches (its
    // fields are not cluster fields).
    let seed = json!({
        "filters": {
            "AND": [{"field": "name", "operator": "eq", "value": "John"},
                    {"field": "age", "operator": "gte", "value": 30}],
            "OR": [{"field": "status", "operator": "eq", "value": "active"},
                   {"field": "role", "operator": "eq", "value": "admin"}],
            "NOT": [{"field": "department", "operator": "eq", "value": "HR"},
                    {"field": "location", "operator": "eq", "value": "remote"}],
            "case_sensitive": true
        },
        "sort": {"field": "created_at", "direction": "desc"},
        "search": "<string>"
    });
    let r = s.list(&seed);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut answer = r.json();
    seed_warnings(&mut answer, &s.table.name);
    assert_eq!(
        answer,
        json!({"results": [],
               "pagination": {"total": 0, "page": 1, "page_size": 10, "total_pages": 0,
                              "next_page": null, "previous_page": null, "next_cursor": null},
               "total_count": 0,
               "stats": {"total_clusters": 0, "total_documents": 0,
                         "avg_documents_per_cluster": 0.0, "clusters_by_status": {}}})
    );
    // The same request over cluster fields matches what `filter` matches.
    let mut cluster_seed = seed.clone();
    cluster_seed["filters"] = json!({
        "AND": [{"field": "num_clusters", "operator": "gte", "value": 2},
                {"field": "namespace_id", "operator": "eq", "value": "ns_a"}],
        "OR": [{"field": "status", "operator": "eq", "value": "completed"},
               {"field": "status", "operator": "eq", "value": "FAILED"}],
        "NOT": [{"field": "cluster_name", "operator": "contains", "value": "Plain"}],
        "case_sensitive": true
    });
    cluster_seed.as_object_mut().unwrap().remove("search");
    let dsl = "case_sensitive(num_clusters >= 2 and namespace_id = \"ns_a\" and (status = \"completed\" or status = \"FAILED\") and not cluster_name contains \"Plain\")";
    let want = reference(dsl);
    assert!(!want.is_empty());
    assert_eq!(sorted(all(cluster_seed.clone()).ids()), want);
    // The DSL extension gives the same.
    assert_eq!(sorted(all(json!({"filter": dsl})).ids()), want);
}

/// Records come back byte for byte as loaded.
fn records_come_back_as_loaded(s: &Api) {
    let r = s.list(&json!({"filter": "cluster_id = \"c05\""}));
    assert!(r.body.starts_with("{\"results\":["), "{}", r.body);
    let c05 = lines().into_iter().find(|l| l.contains("\"c05\"")).unwrap();
    assert!(r.body.contains(&c05), "{}", r.body);
}

/// Stats cover the whole filtered set, not the page.
fn stats_cover_the_filtered_set(s: &Api) {
    let r = s.list(&json!({"filter": "namespace_id = ns_a", "limit": 1}));
    let v = r.json();
    let ns_a: Vec<Value> = records()
        .into_iter()
        .filter(|r| r["namespace_id"] == "ns_a")
        .collect();
    let docs: u64 = ns_a
        .iter()
        .map(|r| r["num_documents_clustered"].as_u64().unwrap())
        .sum();
    assert_eq!(v["total_count"], json!(ns_a.len()));
    assert_eq!(v["stats"]["total_clusters"], json!(ns_a.len()));
    assert_eq!(v["stats"]["total_documents"], json!(docs));
    let avg = v["stats"]["avg_documents_per_cluster"].as_f64().unwrap();
    assert!((avg - docs as f64 / ns_a.len() as f64).abs() < 1e-9);
    let mut by_status = BTreeMap::new();
    for r in &ns_a {
        *by_status
            .entry(r["status"].as_str().unwrap().to_owned())
            .or_insert(0u64) += 1;
    }
    assert_eq!(v["stats"]["clusters_by_status"], json!(by_status));
    assert_eq!(v["pagination"]["total_pages"], json!(ns_a.len()));
    assert_eq!(v["pagination"]["next_page"], json!("2"));
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
}

fn pagination(s: &Api) {
    let everyone: Vec<String> = (0..40).map(|i| format!("c{i:02}")).collect();
    // Default order is by cluster_id; default page size 10.
    let r = s.list(&json!({}));
    assert_eq!(r.ids(), everyone[..10]);
    let p = &r.json()["pagination"];
    assert_eq!(p["page_size"], 10);
    assert_eq!(p["total_pages"], 4);
    // limit 1 and 1000.
    assert_eq!(s.list(&json!({"limit": 1})).ids(), everyone[..1]);
    assert_eq!(s.list(&json!({"limit": 1000})).ids(), everyone);
    // The last page, and a page past the end.
    let r = s.list(&json!({"page": 4, "page_size": 10}));
    assert_eq!(r.ids(), everyone[30..]);
    let p = &r.json()["pagination"];
    assert_eq!(
        (
            p["page"].clone(),
            p["next_page"].clone(),
            p["previous_page"].clone()
        ),
        (json!(4), Value::Null, json!("3"))
    );
    assert_eq!(p["next_cursor"], Value::Null);
    let r = s.list(&json!({"page": 9, "page_size": 10}));
    assert_eq!(r.ids(), Vec::<String>::new());
    assert_eq!(r.json()["pagination"]["total"], 40);
    assert_eq!(r.json()["pagination"]["next_page"], Value::Null);
    // `limit` wins over `page_size`, `offset` over `page`.
    assert_eq!(
        s.list(&json!({"limit": 3, "page_size": 7, "offset": 5, "page": 3}))
            .ids(),
        everyone[5..8]
    );
    // Query parameters, overridden by the body.
    assert_eq!(
        s.list_with("?limit=2&offset=4", &[], &json!({})).ids(),
        everyone[4..6]
    );
    assert_eq!(
        s.list_with("?limit=2&page=3&include_total=true", &[], &json!({}))
            .ids(),
        everyone[4..6]
    );
    assert_eq!(
        s.list_with("?limit=2&offset=4", &[], &json!({"limit": 3}))
            .ids(),
        everyone[4..7]
    );
    assert_eq!(
        s.list_with("?limit=2&offset=4", &[], &json!({"page": 2}))
            .ids(),
        everyone[2..4]
    );
}

fn sorting(s: &Api) {
    let recs = records();
    // created_at descending: instants, ties by cluster_id ascending, null
    // and missing after every present value.
    let order = |desc: bool| -> Vec<String> {
        let instant = |r: &Value| -> Option<i64> {
            let t = r["created_at"].as_str()?;
            let (date, time) = t.split_once('T')?;
            let day: i64 =
                date[5..7].parse::<i64>().ok()? * 31 + date[8..10].parse::<i64>().ok()?;
            let mut minutes = day * 1440 + time[..2].parse::<i64>().ok()? * 60;
            if time.ends_with("+01:00") {
                minutes -= 60;
            }
            Some(minutes)
        };
        let mut v: Vec<(Option<i64>, String)> = recs
            .iter()
            .map(|r| (instant(r), r["cluster_id"].as_str().unwrap().to_owned()))
            .collect();
        v.sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) if desc => y.cmp(&x).then(a.1.cmp(&b.1)),
            (Some(x), Some(y)) => x.cmp(&y).then(a.1.cmp(&b.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.cmp(&b.1),
        });
        v.into_iter().map(|(_, id)| id).collect()
    };
    for desc in [true, false] {
        let dir = if desc { "desc" } else { "asc" };
        let got = s
            .list(&json!({"limit": 1000, "sort": {"field": "created_at", "direction": dir}}))
            .ids();
        assert_eq!(got, order(desc), "{dir}");
    }
    // `sorts` wins over `sort`; the first is primary.
    let got = s
        .list(&json!({"limit": 1000, "sort": {"field": "created_at"},
                      "sorts": [{"field": "status", "direction": "asc"}, {"field": "num_documents_clustered", "direction": "desc"}]}))
        .ids();
    let mut want: Vec<&Value> = recs.iter().collect();
    want.sort_by(|a, b| {
        a["status"].as_str().cmp(&b["status"].as_str()).then(
            b["num_documents_clustered"]
                .as_u64()
                .cmp(&a["num_documents_clustered"].as_u64()),
        )
    });
    let want: Vec<String> = want
        .iter()
        .map(|r| r["cluster_id"].as_str().unwrap().to_owned())
        .collect();
    // Code point order: upper case before lower case.
    let first = recs
        .iter()
        .find(|r| r["cluster_id"] == got[0].as_str())
        .unwrap();
    assert_eq!(first["status"], "FAILED");
    assert_eq!(got, want);
}
