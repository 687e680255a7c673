//! One evaluation of the filter per request: whichever way the dialect
//! reads the filtered set ([`OnePass`]), the user's condition is in one
//! statement only, and every way gives the same answer.

use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};
use sea_query::SelectStatement;
use serde_json::{json, Value};
use siftql::sql::driver::{connect, Driver};
use siftql::sql::load::Cell;
use siftql::sql::{Dialect, OnePass, Schema};
use siftql::Error;
use siftql_server::{Config, Service};

use crate::{on_every_database, Api, Kind};

on_every_database!(the_filter_is_evaluated_once, the_passes_agree);

/// The statements a connection ran: SQL and its values, as text.
type Log = Arc<Mutex<Vec<String>>>;

/// A connection that writes down every `SELECT` it runs.
struct Recording {
    inner: Box<dyn Driver>,
    log: Log,
}

impl Driver for Recording {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        self.inner.create_table(schema)
    }
    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.inner.execute(sql)
    }
    fn begin(&mut self) -> Result<(), Error> {
        self.inner.begin()
    }
    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.inner.begin_snapshot()
    }
    fn commit(&mut self) -> Result<(), Error> {
        self.inner.commit()
    }
    fn rollback(&mut self) -> Result<(), Error> {
        self.inner.rollback()
    }
    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        self.inner.upsert(schema, rows)
    }
    fn rows(&mut self, select: &SelectStatement) -> Result<Vec<Vec<Cell>>, Error> {
        let (sql, values) = siftql::sql::build(select, self.dialect());
        self.log.lock().unwrap().push(format!("{sql} {values:?}"));
        self.inner.rows(select)
    }
    fn documents(
        &mut self,
        compiled: &siftql::sql::Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.inner.documents(compiled, each)
    }
    fn explain(&mut self, select: &SelectStatement) -> Result<Vec<String>, Error> {
        self.inner.explain(select)
    }
    fn data_version(&mut self) -> Result<Option<i64>, Error> {
        self.inner.data_version()
    }
    fn tune_for_reads(&mut self) -> Result<(), Error> {
        self.inner.tune_for_reads()
    }
    fn close(self: Box<Self>) -> Result<(), Error> {
        self.inner.close()
    }
}

/// The ways `kind` can read a filtered set once.
fn passes(kind: Kind) -> &'static [OnePass] {
    match kind {
        // MariaDB has no `AS MATERIALIZED`.
        Kind::Mariadb => &[OnePass::Rows],
        Kind::Sqlite | Kind::Postgres => &[OnePass::Rows, OnePass::Materialized],
    }
}

/// A service on `s`'s table, uncached, reading with `pass`, whose
/// connections write down what they run.
fn recorded(s: &Api, pass: OnePass) -> (Api, Log) {
    let log = Log::default();
    let url = s.table.url.clone();
    let shared = Arc::clone(&log);
    let config = Config {
        schema: s.table.schema(),
        cache_entries: 0,
        one_pass: Some(pass),
        ..Config::default()
    };
    let service = Service::with_connector(
        move || {
            Ok(Box::new(Recording {
                inner: connect(&url)?,
                log: Arc::clone(&shared),
            }) as Box<dyn Driver>)
        },
        config,
    )
    .unwrap();
    (s.with_service(service), log)
}

fn the_filter_is_evaluated_once(s: &Api) {
    // The marker is a value only the user's filter binds.
    let filter = "cluster_name contains \"zqmarker\" or num_clusters >= 3";
    let expected = crate::reference(filter);
    for &pass in passes(s.table.kind) {
        let (api, log) = recorded(s, pass);
        for body in [
            json!({"filter": filter, "limit": 4}),
            json!({"filter": filter, "limit": 4, "offset": 8, "sort": {"field": "created_at", "direction": "desc"}}),
            json!({"filter": filter, "search": "sale", "limit": 2}),
        ] {
            log.lock().unwrap().clear();
            let r = api.list(&body);
            assert_eq!(r.status, 200, "{pass:?} {body}: {}", r.body);
            let ran = log.lock().unwrap().clone();
            let with_filter = ran.iter().filter(|s| s.contains("zqmarker")).count();
            assert_eq!(with_filter, 1, "{pass:?} {body}: {ran:#?}");
            // One statement, or the rows then the page's documents by key.
            let most = if pass == OnePass::Materialized { 1 } else { 2 };
            assert!(ran.len() <= most, "{pass:?} {body}: {ran:#?}");
        }
        // And the answer is the evaluator's.
        let r = api.list(&json!({"filter": filter, "limit": 1000}));
        assert_eq!(crate::sorted(r.ids()), expected, "{pass:?}");
        assert_eq!(r.json()["total_count"], expected.len(), "{pass:?}");
    }
}

/// A request: a filter of the test data's fields, a sort, a page.
fn request() -> impl Strategy<Value = (Value, Option<usize>)> {
    let condition = prop_oneof![
        Just("status = completed".to_owned()),
        Just("status = FAILED".to_owned()),
        Just("not status = pending".to_owned()),
        (0..7u8).prop_map(|n| format!("num_clusters >= {n}")),
        Just("created_at > \"2024-02-10\"".to_owned()),
        Just("created_at not exists".to_owned()),
        Just("cluster_name starts with sale".to_owned()),
        Just("namespace_id = ns_b".to_owned()),
    ];
    let filter = prop::collection::vec(condition, 0..3).prop_flat_map(|cs| {
        let n = cs.len();
        (Just(cs), prop::collection::vec(any::<bool>(), n))
    });
    let field = prop::sample::select(vec![
        "created_at",
        "num_clusters",
        "cluster_name",
        "status",
        "cluster_id",
        "num_documents_clustered",
    ]);
    let sorts = prop::collection::vec((field, any::<bool>()), 0..3);
    (filter, sorts, 1..12u64, 0..45u64, any::<bool>(), prop::option::of(0..4usize)).prop_map(
        |((cs, ors), sorts, limit, offset, search, cursor_after)| {
            let mut f = String::new();
            for (i, c) in cs.iter().enumerate() {
                if i > 0 {
                    f.push_str(if ors[i] { " or " } else { " and " });
                }
                f.push_str(c);
            }
            if f.is_empty() {
                f.push_str("true");
            }
            let sorts: Vec<Value> = sorts
                .iter()
                .map(|(field, desc)| json!({"field": field, "direction": if *desc { "desc" } else { "asc" }}))
                .collect();
            let mut body = json!({"filter": f, "sorts": sorts, "limit": limit});
            if cursor_after.is_none() {
                body["offset"] = offset.into();
            }
            if search {
                body["search"] = "sale".into();
            }
            (body, cursor_after)
        },
    )
}

/// Every way of reading gives the same answers, byte for byte, cursors
/// followed included (a cursor is only valid on the service that issued
/// it, so each service walks its own).
fn the_passes_agree(s: &Api) {
    let services: Vec<Api> = passes(s.table.kind)
        .iter()
        .map(|&p| recorded(s, p).0)
        .collect();
    // Answers with their cursors taken out (each service signs its own).
    let walk = |api: &Api, body: &Value, pages: usize| -> Vec<Value> {
        let mut out = Vec::new();
        let mut r = api.list(body);
        for _ in 0..=pages {
            assert_eq!(r.status, 200, "{body}: {}", r.body);
            let mut v = r.json();
            let cursor = v["pagination"]["next_cursor"].take();
            out.push(v);
            match cursor.as_str() {
                Some(c) => r = api.list_with(&format!("?cursor={c}"), &[], body),
                None => break,
            }
        }
        out
    };
    let mut runner = TestRunner::new(Cases {
        cases: 48,
        ..Cases::default()
    });
    runner
        .run(&request(), |(body, pages)| {
            // Without a cursor to follow, one page.
            let pages = pages.unwrap_or(0);
            let first = walk(&services[0], &body, pages);
            for other in &services[1..] {
                prop_assert_eq!(&walk(other, &body, pages), &first, "{}", body);
            }
            // The totals are the evaluator's.
            if body.get("search").is_none() {
                let expected = crate::reference(body["filter"].as_str().unwrap_or("true"));
                prop_assert_eq!(&first[0]["total_count"], &json!(expected.len()), "{}", body);
            }
            Ok(())
        })
        .unwrap();
}
