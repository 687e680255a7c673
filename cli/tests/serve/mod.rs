//! `siftql serve` end to end: real HTTP against SQLite, and PostgreSQL and
//! MariaDB when their URLs are set.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Server::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_siftql"))
            .envs(env.iter().copied())
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server exited before listening")
                .unwrap();
            if let Some(a) = line.strip_prefix("siftql serve: listening on http://") {
                break a.to_owned();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr }
    }

    /// One HTTP/1.1 exchange: status, headers (lowercase names), body.
    fn call(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        // A server may answer (413) before reading a large body.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no end of headers");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        let body = String::from_utf8(raw[split + 4..].to_vec()).unwrap();
        if let Some(n) = headers.get("content-length") {
            assert_eq!(body.len(), n.parse::<usize>().unwrap());
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    fn list(&self, body: &Value) -> Reply {
        self.list_with("", &[], body)
    }

    fn list_with(&self, query: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        self.call(
            "POST",
            &format!("/v1/clusters/list{query}"),
            &[&[("Content-Type", "application/json")], headers].concat(),
            body.to_string().as_bytes(),
        )
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The page's `cluster_id`s, after checking the answer is a 200.
    fn ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.body);
        self.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cluster_id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The page's `next_cursor` (there must be one).
    fn next_cursor(&self) -> String {
        self.json()["pagination"]["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("no next_cursor: {}", self.body))
            .to_owned()
    }

    /// An error answer: its status and `error` object.
    fn error(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.headers["content-type"], "application/json");
        let e = self.json()["error"].clone();
        assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
        e
    }
}

const STATUSES: [&str; 3] = ["completed", "FAILED", "pending"];

/// 40 records over two namespaces: statuses in mixed case, `created_at`
/// ties and gaps (missing, null), names with LIKE metacharacters.
fn records() -> Vec<Value> {
    (0..40)
        .map(|i| {
            let mut r = json!({
                "cluster_id": format!("c{i:02}"),
                "namespace_id": if i % 4 == 3 { "ns_b" } else { "ns_a" },
                "cluster_name": match i % 5 {
                    0 => format!("sale 50%_off {i}"),
                    1 => format!("sale 50xxoff {i}"),
                    2 => format!("under_score {i}"),
                    3 => format!("back\\slash {i}"),
                    _ => format!("Plain Name {i}"),
                },
                "status": STATUSES[i % 3],
                "num_documents_clustered": i * 10,
                "num_clusters": i % 7,
            });
            match i % 6 {
                0 => {}
                1 => r["created_at"] = Value::Null,
                // Ties: the same instant written two ways.
                2 => r["created_at"] = json!("2024-03-01T12:00:00Z"),
                3 => r["created_at"] = json!("2024-03-01T13:00:00+01:00"),
                _ => r["created_at"] = json!(format!("2024-02-{:02}T08:00:00Z", 1 + i % 27)),
            }
            if i % 8 == 0 {
                r["metadata"] = json!({"description": format!("Described %{i}%")});
                r["description"] = json!(format!("About CLUSTER {i}"));
            }
            r
        })
        .collect()
}

static RUN: AtomicUsize = AtomicUsize::new(0);

/// A fresh table name and a JSONL file of `records()`.
fn fixture(tag: &str) -> (String, PathBuf) {
    let n = RUN.fetch_add(1, Ordering::SeqCst);
    let table = format!("siftql_e2e_{}_{tag}_{n}", std::process::id());
    let path = std::env::temp_dir().join(format!("{table}.jsonl"));
    let mut text = String::new();
    for r in records() {
        text.push_str(&r.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    (table, path)
}

/// Drops a test table on PostgreSQL or MariaDB with their command-line
/// clients, when installed (best effort: a leftover table harms nothing,
/// as every run uses new names).
fn drop_table(db: &str, table: &str) {
    let sql = format!("DROP TABLE IF EXISTS {table}");
    if db.starts_with("postgres") {
        let _ = Command::new("psql").args([db, "-qc", &sql]).output();
    } else if let Some(rest) = db.strip_prefix("mysql://") {
        // mysql://user[:password]@host[:port]/database
        let (auth, place) = rest.split_once('@').unwrap_or(("root", rest));
        let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
        let (hostport, database) = place.split_once('/').unwrap_or((place, "test"));
        let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
        let _ = Command::new("mariadb")
            .args(["-u", user, "-h", host, "-P", port, database, "-e", &sql])
            .env("MYSQL_PWD", password)
            .output();
    }
}

fn start(db: &str, tag: &str, extra: &[&str]) -> (Server, PathBuf) {
    let (table, path) = fixture(tag);
    let data = path.to_str().unwrap().to_owned();
    let server =
        Server::start(&[&["--db", db, "--table", &table, "--load", &data], extra].concat());
    (server, path)
}

/// What `siftql filter` (the evaluator) matches in the file, by id.
fn reference(expr: &str, file: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_siftql"))
        .args(["filter", expr, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["cluster_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Every check, against one database.
fn end_to_end(db: &str, tag: &str) {
    let (s, file) = start(db, tag, &[]);
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
    assert_eq!(
        r.json(),
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
    let want = reference(dsl, &file);
    assert!(!want.is_empty());
    assert_eq!(sorted(all(cluster_seed.clone()).ids()), want);
    // The DSL extension gives the same.
    assert_eq!(sorted(all(json!({"filter": dsl})).ids()), want);

    // Records come back byte for byte as loaded.
    let lines = std::fs::read_to_string(&file).unwrap();
    let r = s.list(&json!({"filter": "cluster_id = \"c05\""}));
    assert!(r.body.starts_with("{\"results\":["), "{}", r.body);
    let c05 = lines.lines().find(|l| l.contains("\"c05\"")).unwrap();
    assert!(r.body.contains(c05), "{}", r.body);

    // Stats cover the whole filtered set, not the page.
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

    pagination(&s);
    sorting(&s);
    cursors(&s);
    search(&s);
    namespaces(&s);
    errors(&s);
    rows_change_between_pages(&s, db, &file);
    drop(s);
    let table = file.file_stem().unwrap().to_str().unwrap().to_owned();
    drop_table(db, &table);
    let _ = std::fs::remove_file(&file);

    // With API keys.
    let (s, file) = start(
        db,
        &format!("{tag}k"),
        &["--api-key", "k1", "--api-key", "second-key"],
    );
    let body = json!({});
    assert_eq!(s.list(&body).error(401)["code"], "unauthorized");
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer nope")], &body)
            .status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer k1x")], &body)
            .status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "k1")], &body).status,
        401
    );
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer k1")], &body)
            .status,
        200
    );
    // The scheme is case-insensitive (RFC 9110); the key is not.
    let status = |auth: &str| s.list_with("", &[("Authorization", auth)], &body).status;
    assert_eq!(status("bearer k1"), 200);
    assert_eq!(status("Bearer K1"), 401);
    assert_eq!(status("Bearer "), 401);
    assert_eq!(
        s.list_with("", &[("Authorization", "Bearer second-key")], &body)
            .status,
        200
    );
    drop(s);
    drop_table(db, file.file_stem().unwrap().to_str().unwrap());
    let _ = std::fs::remove_file(&file);
}

fn pagination(s: &Server) {
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

fn sorting(s: &Server) {
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

fn cursors(s: &Server) {
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
fn rows_change_between_pages(s: &Server, db: &str, file: &Path) {
    let body = json!({"limit": 5});
    let r = s.list(&body);
    assert_eq!(r.ids(), ["c00", "c01", "c02", "c03", "c04"]);
    let cursor = r.next_cursor();
    // A repeated request is answered from the cache on SQLite.
    let again = s.list(&body);
    assert_eq!(again.body, r.body);
    let timing = &again.headers["server-timing"];
    assert_eq!(
        timing.contains("cache;desc=hit"),
        db.starts_with("sqlite:"),
        "{timing}"
    );
    // Another writer adds c03a (before the cursor) and c04a (after it).
    let table = file.file_stem().unwrap().to_str().unwrap();
    let mut load = Command::new(env!("CARGO_BIN_EXE_siftql"))
        .args(["load", "--db", db, "--table", table, "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    load.stdin
        .take()
        .unwrap()
        .write_all(b"{\"cluster_id\": \"c03a\"}\n{\"cluster_id\": \"c04a\"}\n")
        .unwrap();
    assert!(load.wait().unwrap().success());
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

fn search(s: &Server) {
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

fn namespaces(s: &Server) {
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

/// The error answers as the client sees them: one snapshot, the same on
/// every database.
fn error_snapshot(s: &Server) {
    let mut out = String::new();
    for (query, body) in [
        ("", "{\"filters\": "),
        ("", "[1]"),
        (
            "",
            r#"{"filters": {"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}}"#,
        ),
        (
            "",
            r#"{"filters": {"OR": [{"field": "a", "operator": "in", "value": 3}]}}"#,
        ),
        ("", r#"{"filter": "status = \"x\" and"}"#),
        ("", r#"{"filter": "a = 1", "filters": {}}"#),
        ("", r#"{"filtres": {}}"#),
        ("", r#"{"sort": {"field": "created", "direction": "desc"}}"#),
        ("", r#"{"sort": {"field": "metadata"}}"#),
        ("", r#"{"sorts": [{"field": "status", "order": "asc"}]}"#),
        ("", r#"{"limit": 0}"#),
        ("", r#"{"page": 0}"#),
        ("?offset=10001", "{}"),
        ("?cursor=00", "{}"),
    ] {
        let r = s.call(
            "POST",
            &format!("/v1/clusters/list{query}"),
            &[],
            body.as_bytes(),
        );
        out.push_str(&format!("{query} {body}\n  {} {}\n", r.status, r.body));
    }
    insta::assert_snapshot!("serve_errors", out);
}

fn errors(s: &Server) {
    error_snapshot(s);
    // Malformed JSON: 400.
    let r = s.call("POST", "/v1/clusters/list", &[], b"{\"filters\": ");
    assert_eq!(r.error(400)["code"], "malformed_json");
    // A bad filter: 422 with a pointer (JSON) or a span (DSL).
    let e = s
        .list(
            &json!({"filters": {"AND": [{"field": "a", "operator": "startswith", "value": "x"}]}}),
        )
        .error(422);
    assert_eq!(e["code"], "E0104");
    assert_eq!(e["pointer"], "/filters/AND/0/operator");
    // A filter the database cannot run: 422 pointing at the filter.
    let e = s
        .list(&json!({"filters": {"AND": [{"field": "a", "operator": "eq", "value": {"type": "dynamic", "field": "inputs.q"}}]}}))
        .error(422);
    assert_eq!(
        (e["code"].as_str(), e["pointer"].as_str()),
        (Some("E0306"), Some("/filters")),
        "{e}"
    );
    let e = s.list(&json!({"filter": "a = $inputs.q"})).error(422);
    assert_eq!(e["code"], "E0306");
    assert_eq!(e["span"], json!([0, 13]), "{e}");
    let e = s.list(&json!({"filter": "a = "})).error(422);
    assert!(e["span"].is_array(), "{e}");
    assert!(e["code"].as_str().unwrap().starts_with('E'), "{e}");
    let e = s
        .list(&json!({"filter": "a = 1", "filters": {}}))
        .error(422);
    assert_eq!(e["code"], "conflicting_filters");
    // Unknown request key: 422 naming the accepted keys.
    let e = s.list(&json!({"filtres": {}})).error(422);
    assert_eq!(e["code"], "extra_forbidden");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `filters`"),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("page_size"), "{e}");
    // Unknown sort field: 422 with did-you-mean.
    let e = s
        .list(&json!({"sort": {"field": "created", "direction": "desc"}}))
        .error(422);
    assert_eq!(e["pointer"], "/sort/field");
    assert_eq!(e["help"], "did you mean `created_at`?", "{e}");
    let e = s
        .list(&json!({"sort": {"field": "num_cluster"}}))
        .error(422);
    assert_eq!(e["help"], "did you mean `num_clusters`?", "{e}");
    let e = s
        .list(&json!({"sorts": [{"field": "status"}, {"field": "metadata"}]}))
        .error(422);
    assert_eq!(e["pointer"], "/sorts/1/field");
    assert_eq!(
        s.list(&json!({"sort": {"field": "status", "direction": "up"}}))
            .error(422)["pointer"],
        "/sort/direction"
    );
    // Bad page values: 422.
    for (body, pointer) in [
        (json!({"limit": 0}), "/limit"),
        (json!({"limit": 1001}), "/limit"),
        (json!({"page_size": 0}), "/page_size"),
        (json!({"offset": 10001}), "/offset"),
        (json!({"page": 0}), "/page"),
        (json!({"limit": "ten"}), "/limit"),
        (json!({"limit": 2.5}), "/limit"),
        (json!({"offset": -1}), "/offset"),
    ] {
        assert_eq!(s.list(&body).error(422)["pointer"], pointer, "{body}");
    }
    assert_eq!(
        s.list_with("?limit=abc", &[], &json!({})).error(422)["code"],
        "invalid_page"
    );
    assert_eq!(
        s.list_with("?offset=20000", &[], &json!({})).error(422)["code"],
        "invalid_page"
    );
    assert_eq!(s.list(&json!([1, 2])).error(422)["code"], "invalid_request");
    assert_eq!(
        s.list(&json!({"search": 5})).error(422)["pointer"],
        "/search"
    );
    // Too large: 413.
    let big = format!("{{\"search\": \"{}\"}}", "x".repeat(2 << 20));
    let r = s.call("POST", "/v1/clusters/list", &[], big.as_bytes());
    assert_eq!(r.error(413)["code"], "payload_too_large");
    // Wrong method: 405; unknown path: 404.
    let r = s.call("GET", "/v1/clusters/list", &[], b"");
    assert_eq!(r.error(405)["code"], "method_not_allowed");
    assert_eq!(r.headers["allow"], "POST");
    assert_eq!(
        s.call("POST", "/v1/nothing", &[], b"{}").error(404)["code"],
        "not_found"
    );
    // Deep input is a limit error, not a crash.
    let deep = format!("{}{}", "{\"NOT\":[".repeat(100), "]}".repeat(100));
    let r = s.call(
        "POST",
        "/v1/clusters/list",
        &[],
        format!("{{\"filters\": {deep}}}").as_bytes(),
    );
    assert_eq!(r.error(422)["code"], "E0012");
    // The server is still up and answering.
    assert_eq!(s.list(&json!({"limit": 1})).ids(), ["c00"]);
}

/// Removes an SQLite file and its write-ahead log.
fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn api_keys_from_the_environment() {
    let path = std::env::temp_dir().join(format!("siftql-serve-env-{}.db", std::process::id()));
    let db = format!("sqlite:{}", path.display());
    let s = Server::start_with_env(&["--db", &db], &[("SIFTQL_API_KEYS", "alpha, beta,")]);
    let status = |auth: &[(&str, &str)]| s.list_with("", auth, &json!({})).status;
    assert_eq!(status(&[]), 401);
    assert_eq!(status(&[("Authorization", "Bearer alpha")]), 200);
    assert_eq!(status(&[("Authorization", "Bearer beta")]), 200);
    assert_eq!(status(&[("Authorization", "Bearer alpha, beta")]), 401);
    drop(s);
    remove_db(&path);
}

#[test]
fn serve_end_to_end_on_sqlite() {
    let path = std::env::temp_dir().join(format!("siftql-serve-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    end_to_end(&format!("sqlite:{}", path.display()), "lite");
    remove_db(&path);
}

#[test]
fn serve_end_to_end_on_postgres() {
    match std::env::var("SIFTQL_TEST_POSTGRES_URL") {
        Ok(url) => end_to_end(&url, "pg"),
        Err(_) => eprintln!("SIFTQL_TEST_POSTGRES_URL is unset: skipped"),
    }
}

#[test]
fn serve_end_to_end_on_mariadb() {
    match std::env::var("SIFTQL_TEST_MYSQL_URL") {
        Ok(url) => end_to_end(&url, "my"),
        Err(_) => eprintln!("SIFTQL_TEST_MYSQL_URL is unset: skipped"),
    }
}
