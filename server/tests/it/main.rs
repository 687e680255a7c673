//! The List Clusters service in process: every request goes through the
//! router with `tower::ServiceExt::oneshot` (no socket), on SQLite, and on
//! PostgreSQL and MariaDB when `SIFTQL_TEST_POSTGRES_URL` and
//! `SIFTQL_TEST_MYSQL_URL` are set (skipped with a note otherwise; a URL
//! that is set but does not connect fails the test).
//!
//! Every test loads [`records`] into a table of its own (a database file
//! of its own on SQLite), dropped when the test ends.

mod adversarial;
mod auth;
mod cursors;
mod errors;
mod list;
mod pass;
mod rechecked;
mod robust;
mod search;
mod service;
mod status;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::Request;
use axum::Router;
use serde_json::{json, Value};
use siftql::eval::{Predicate, RawRecord};
use siftql::sql::driver::{connect, BatchLoader};
use siftql::sql::Schema;
use siftql::{Filter, Limits};
use siftql_server::{Config, Service};
use tower::ServiceExt;

/// Runs `check` against one database, as a test named after both.
macro_rules! on_every_database {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $check() {
                $crate::run($crate::Kind::Sqlite, stringify!($check), super::$check)
            })*
        }
        mod postgres {
            $(#[test]
            #[cfg_attr(not(siftql_postgres), ignore = "SIFTQL_TEST_POSTGRES_URL is unset")]
            fn $check() {
                $crate::run($crate::Kind::Postgres, stringify!($check), super::$check)
            })*
        }
        mod mariadb {
            $(#[test]
            #[cfg_attr(not(siftql_mysql), ignore = "SIFTQL_TEST_MYSQL_URL is unset")]
            fn $check() {
                $crate::run($crate::Kind::Mariadb, stringify!($check), super::$check)
            })*
        }
    };
}
pub(crate) use on_every_database;

/// The databases the tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sqlite,
    Postgres,
    Mariadb,
}

static RUN: AtomicUsize = AtomicUsize::new(0);

/// One test's table: its database URL and name. Dropping it drops the
/// table (PostgreSQL, MariaDB) or removes the database file (SQLite).
pub(crate) struct Table {
    pub(crate) kind: Kind,
    pub(crate) url: String,
    pub(crate) name: String,
    file: Option<PathBuf>,
}

impl Table {
    /// A new table name on `kind`; `None` (with a note) when the
    /// database's URL is unset.
    pub(crate) fn new(kind: Kind, tag: &str) -> Option<Table> {
        let n = RUN.fetch_add(1, Ordering::SeqCst);
        let name = format!("siftql_it_{}_{tag}_{n}", std::process::id());
        let var = match kind {
            Kind::Sqlite => {
                let file = std::env::temp_dir().join(format!("{name}.db"));
                remove_db(&file);
                return Some(Table {
                    kind,
                    url: format!("sqlite:{}", file.display()),
                    name,
                    file: Some(file),
                });
            }
            Kind::Postgres => "SIFTQL_TEST_POSTGRES_URL",
            Kind::Mariadb => "SIFTQL_TEST_MYSQL_URL",
        };
        match std::env::var(var) {
            Ok(url) => Some(Table {
                kind,
                url,
                name,
                file: None,
            }),
            Err(_) => {
                eprintln!("{var} is unset: skipped");
                None
            }
        }
    }

    /// The cluster schema in this table.
    pub(crate) fn schema(&self) -> Schema {
        Schema {
            table: self.name.clone(),
            ..Schema::clusters()
        }
    }

    /// Upserts records (JSON text) through a connection of its own, as
    /// another writer would.
    pub(crate) fn load<S: AsRef<str>>(&self, lines: &[S]) {
        let mut db = connect(&self.url).unwrap();
        let schema = self.schema();
        let mut load = BatchLoader::begin(db.as_mut(), &schema).unwrap();
        for line in lines {
            load.push(line.as_ref()).unwrap();
        }
        assert_eq!(load.finish().unwrap(), lines.len() as u64);
        db.close().unwrap();
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        match &self.file {
            Some(file) => remove_db(file),
            // Best effort: a leftover table harms nothing, as every run uses
            // new names.
            None => {
                if let Ok(mut db) = connect(&self.url) {
                    let _ = db.execute(&format!("DROP TABLE IF EXISTS {}", self.name));
                    let _ = db.close();
                }
            }
        }
    }
}

/// Removes an SQLite file and its write-ahead log.
fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Loads [`records`] into a new table on `kind` and runs `check` with a
/// service on it (nothing, with a note, when the database's URL is unset).
pub(crate) fn run(kind: Kind, tag: &str, check: fn(&Api)) {
    let short = match kind {
        Kind::Sqlite => "lite",
        Kind::Postgres => "pg",
        Kind::Mariadb => "my",
    };
    let Some(table) = Table::new(kind, &format!("{tag}_{short}")) else {
        return;
    };
    table.load(&lines());
    check(&Api::new(Arc::new(table), Config::default()));
}

/// A service on a test's table, and a runtime to drive its router.
pub(crate) struct Api {
    runtime: tokio::runtime::Runtime,
    router: Router,
    pub(crate) table: Arc<Table>,
}

impl Api {
    /// A service on `table` with `config` (its schema set to the table's).
    pub(crate) fn new(table: Arc<Table>, config: Config) -> Api {
        let config = Config {
            schema: table.schema(),
            ..config
        };
        let service = Service::from_url(&table.url, config).unwrap();
        Api {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            router: service.router(),
            table,
        }
    }

    /// A given service on `self`'s table.
    pub(crate) fn with_service(&self, service: Service) -> Api {
        Api {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            router: service.router(),
            table: Arc::clone(&self.table),
        }
    }

    /// Another service on the same table, with `config`.
    pub(crate) fn with_config(&self, config: Config) -> Api {
        Api::new(Arc::clone(&self.table), config)
    }

    /// Whether the service caches answers (SQLite).
    pub(crate) fn caches(&self) -> bool {
        self.table.kind == Kind::Sqlite
    }

    /// One exchange: status, headers (lowercase names), body. The request
    /// carries `Content-Length`, as an HTTP client's would.
    pub(crate) fn call(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(target)
            .header("content-length", body.len());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request.body(Body::from(body.to_vec())).unwrap())
    }

    /// One exchange of a request as it is.
    pub(crate) fn send(&self, request: Request<Body>) -> Reply {
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers: BTreeMap<String, String> = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect();
            let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            let body = String::from_utf8(bytes.to_vec()).unwrap();
            if let Some(n) = headers.get("content-length") {
                assert_eq!(body.len(), n.parse::<usize>().unwrap());
            }
            Reply {
                status,
                headers,
                body,
            }
        })
    }

    pub(crate) fn list(&self, body: &Value) -> Reply {
        self.list_with("", &[], body)
    }

    pub(crate) fn list_with(&self, query: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        self.call(
            "POST",
            &format!("/v1/clusters/list{query}"),
            &[&[("Content-Type", "application/json")], headers].concat(),
            body.to_string().as_bytes(),
        )
    }
}

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The page's `cluster_id`s, after checking the answer is a 200.
    pub(crate) fn ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.body);
        self.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cluster_id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The page's `next_cursor` (there must be one).
    pub(crate) fn next_cursor(&self) -> String {
        self.json()["pagination"]["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("no next_cursor: {}", self.body))
            .to_owned()
    }

    /// An error answer: its status and `error` object.
    pub(crate) fn error(&self, status: u16) -> Value {
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
pub(crate) fn records() -> Vec<Value> {
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

/// [`records`] as the JSON text every table is loaded with.
pub(crate) fn lines() -> Vec<String> {
    records().iter().map(Value::to_string).collect()
}

/// What `siftql filter` matches in [`lines`], by id: the evaluator (the
/// reference meaning of every operator) on each line read in place.
pub(crate) fn reference(expr: &str) -> Vec<String> {
    let filter = Filter::parse_any(expr, &Limits::default()).unwrap();
    let predicate = Predicate::new(&filter).unwrap();
    let mut ids: Vec<String> = lines()
        .iter()
        .filter(|line| predicate.matches(&RawRecord::parse(line).unwrap()))
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["cluster_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
