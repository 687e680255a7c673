//! `siftql serve` end to end: the binary starts, loads, prints its address
//! and answers real HTTP, on SQLite, and PostgreSQL and MariaDB when their
//! URLs are set. The request/response contract itself is tested in process
//! in `server/tests/it`; here are the things that need the binary: its
//! flags, `SIFTQL_API_KEYS`, another process writing while it serves, and a
//! real socket under bad input.

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
    /// What it printed on stderr before listening.
    log: Vec<String>,
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
        let mut log = Vec::new();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server exited before listening")
                .unwrap();
            if let Some(a) = line.strip_prefix("siftql serve: listening on http://") {
                break a.to_owned();
            }
            log.push(line);
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr, log }
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

/// Drops a test table on PostgreSQL or MariaDB (best effort: a leftover
/// table harms nothing, as every run uses new names).
fn drop_table(db: &str, table: &str) {
    if db.starts_with("sqlite:") {
        return;
    }
    if let Ok(mut conn) = siftql::sql::driver::connect(db) {
        let _ = conn.execute(&format!("DROP TABLE IF EXISTS {table}"));
        let _ = conn.close();
    }
}

/// A server on a new table loaded from a new file (`--load`); checks it
/// said what it loaded.
fn start(db: &str, tag: &str, extra: &[&str]) -> (Server, PathBuf) {
    let (table, path) = fixture(tag);
    let data = path.to_str().unwrap().to_owned();
    let server =
        Server::start(&[&["--db", db, "--table", &table, "--load", &data], extra].concat());
    assert_eq!(
        server.log,
        [format!("loaded 40 record(s) into {table}")],
        "{db}"
    );
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
    assert_eq!(r.headers["content-type"], "application/json");
    // The seed's fields are not cluster fields: one warning each.
    let mut answer = r.json();
    let warnings = answer.as_object_mut().unwrap().remove("warnings").unwrap();
    let pointers: Vec<&str> = warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            assert_eq!(w["code"], "W0401", "{w}");
            w["pointer"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        pointers,
        [
            "/filters/AND/0",
            "/filters/AND/1",
            "/filters/OR/1",
            "/filters/NOT/0",
            "/filters/NOT/1"
        ]
    );
    assert_eq!(
        answer,
        json!({"results": [],
               "pagination": {"total": 0, "page": 1, "page_size": 10, "total_pages": 0,
                              "next_page": null, "previous_page": null, "next_cursor": null},
               "total_count": 0,
               "stats": {"total_clusters": 0, "total_documents": 0,
                         "avg_documents_per_cluster": 0.0, "clusters_by_status": {}}})
    );
    // The same request over cluster fields matches what `siftql filter`
    // matches in the file the server loaded.
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

    survives_bad_input(&s);
    rows_change_between_pages(&s, db, &file);
    drop(s);
    let table = file.file_stem().unwrap().to_str().unwrap().to_owned();
    drop_table(db, &table);
    let _ = std::fs::remove_file(&file);

    // With API keys, a smaller body limit and no cache.
    let (s, file) = start(
        db,
        &format!("{tag}k"),
        &[
            "--api-key",
            "k1",
            "--api-key",
            "second-key",
            "--max-body",
            "4096",
            "--cache-entries",
            "0",
        ],
    );
    let body = json!({});
    let r = s.list(&body);
    assert_eq!(r.error(401)["code"], "unauthorized");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let status = |auth: &str| s.list_with("", &[("Authorization", auth)], &body).status;
    assert_eq!(status("Bearer nope"), 401);
    assert_eq!(status("Bearer k1"), 200);
    assert_eq!(status("Bearer second-key"), 200);
    let key = [("Authorization", "Bearer k1")];
    let big = json!({"search": "x".repeat(5000)});
    let e = s.list_with("", &key, &big).error(413);
    assert!(e["message"].as_str().unwrap().contains("4096"), "{e}");
    let first = s.list_with("", &key, &body);
    let again = s.list_with("", &key, &body);
    assert_eq!(again.body, first.body);
    assert!(again.headers["server-timing"].contains("cache;desc=miss"));
    drop(s);
    drop_table(db, file.file_stem().unwrap().to_str().unwrap());
    let _ = std::fs::remove_file(&file);
}

/// Bad input over a real socket: the server answers each, and goes on.
fn survives_bad_input(s: &Server) {
    // Malformed JSON: 400.
    let r = s.call("POST", "/v1/clusters/list", &[], b"{\"filters\": ");
    assert_eq!(r.error(400)["code"], "malformed_json");
    // Too large: 413, answered before the body is read.
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

/// Rows inserted meanwhile by another process (`siftql load`): the next
/// page still starts right after the last row seen, in the same order,
/// without OFFSET, and the cache sees the change.
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
#[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
fn serve_end_to_end_on_postgres() {
    match std::env::var("SIFTQL_TEST_POSTGRES_URL") {
        Ok(url) => end_to_end(&url, "pg"),
        Err(_) => eprintln!("SIFTQL_TEST_POSTGRES_URL is unset: skipped"),
    }
}

#[test]
#[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
fn serve_end_to_end_on_mariadb() {
    match std::env::var("SIFTQL_TEST_MYSQL_URL") {
        Ok(url) => end_to_end(&url, "my"),
        Err(_) => eprintln!("SIFTQL_TEST_MYSQL_URL is unset: skipped"),
    }
}

/// The cursor example of docs/server.md, request for request: a namespace's first
/// page of a filter in a sort, then the next page with the same headers
/// and body (the text `-d "$BODY"` sends) and the first answer's
/// `next_cursor`.
#[test]
fn readme_cursor_example() {
    const BODY: &str = r#"{"filter": "status = completed and num_clusters >= 10",
       "sort": {"field": "created_at", "direction": "desc"}, "limit": 5}"#;
    let path = std::env::temp_dir().join(format!("siftql-serve-readme-{}.db", std::process::id()));
    remove_db(&path);
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/clusters.jsonl");
    let db = format!("sqlite:{}", path.display());
    let s = Server::start(&["--db", &db, "--load", examples.to_str().unwrap()]);
    assert_eq!(s.log, ["loaded 3000 record(s) into clusters"]);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Namespace", "ns_1"),
    ];
    let list = |query: &str, headers: &[(&str, &str)]| {
        s.call(
            "POST",
            &format!("/v1/clusters/list{query}"),
            headers,
            BODY.as_bytes(),
        )
    };
    let first = list("", &headers);
    let cursor = first.next_cursor();
    let second = list(&format!("?cursor={cursor}"), &headers);

    // The two pages are the first ten rows of the whole set, which is
    // what `siftql filter` matches in the file.
    let mut all: Value = serde_json::from_str(BODY).unwrap();
    all["limit"] = json!(1000);
    let everything = s.list_with("", &headers[1..], &all).ids();
    let want = reference(
        "namespace_id = ns_1 and status = completed and num_clusters >= 10",
        &examples,
    );
    assert!(want.len() > 10, "{want:?}");
    assert_eq!(sorted(everything.clone()), want);
    assert_eq!(first.ids(), everything[..5]);
    assert_eq!(second.ids(), everything[5..10]);
    let p = &second.json()["pagination"];
    assert_eq!((&p["page"], &p["previous_page"]), (&json!(2), &json!("1")));
    assert_eq!(p["total"], json!(want.len()));

    // The cursor without the namespace header (as the example once sent
    // it): refused, naming what differs.
    let e = list(&format!("?cursor={cursor}"), &headers[..1]).error(422);
    assert_eq!(e["code"], "invalid_cursor");
    assert!(
        e["message"].as_str().unwrap().contains("another namespace"),
        "{e}"
    );
    drop(s);
    remove_db(&path);
}
