//! What one client must not be able to do to the service: hold connections
//! past the pool, hold a database statement past the request's deadline or
//! after it left, or hold sockets open with slow or partial requests.
//!
//! The slow work is real work on the database (`pg_sleep`, a count over
//! MariaDB's sequence engine, a long recursive count on SQLite), run by [`Probe`], a
//! driver around the real one, before each of its reads.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::Request;
use sea_query::SelectStatement;
use siftql::sql::driver::{connect, Driver, Interrupt};
use siftql::sql::load::{Cell, CellRef};
use siftql::sql::{Compiled, Dialect, Schema};
use siftql::Error;
use siftql_server::{Config, Service};
use tower::ServiceExt;

use crate::{on_every_database, Api, Kind, Table};

on_every_database!(
    the_pool_is_bounded,
    a_deadline_stops_the_statement,
    waiting_past_the_deadline_is_503,
    a_client_that_leaves_stops_its_statement,
    failures_are_500_with_an_id,
);

/// A failure of the database (here: its table was dropped) is answered 500
/// with a generic message and a request id, in the body and in
/// `X-Request-Id`; the database's own words stay in the server's log.
fn failures_are_500_with_an_id(s: &Api) {
    let mut db = connect(&s.table.url).unwrap();
    db.execute(&format!("DROP TABLE {}", s.table.name)).unwrap();
    db.close().unwrap();
    let r = s.list(&serde_json::json!({"filter": "status = completed"}));
    let e = r.error(500);
    assert_eq!(e["code"], "internal_error");
    let id = e["request_id"].as_str().expect("a request id");
    assert_eq!(id.len(), 12, "{id}");
    assert_eq!(r.headers["x-request-id"], id);
    assert!(e["message"].as_str().unwrap().contains(id));
    for word in [s.table.name.as_str(), "exist", "SQL", "database error"] {
        assert!(!r.body.contains(word), "{word} in {}", r.body);
    }
    // Two failures, two ids.
    let again = s.list(&serde_json::json!({})).error(500);
    assert_ne!(again["request_id"], e["request_id"]);
}

/// What the probes of one service share.
#[derive(Default)]
struct Shared {
    /// Connections open now, and at most.
    open: AtomicUsize,
    peak: AtomicUsize,
    /// Whether reads first run the slow statement.
    slow: AtomicBool,
    /// How long reads first sleep (outside the database), in milliseconds.
    sleep_ms: AtomicU64,
}

/// A real connection that counts itself and can be made slow.
struct Probe {
    inner: Option<Box<dyn Driver>>,
    kind: Kind,
    marker: String,
    shared: Arc<Shared>,
}

impl Probe {
    fn open(table: &Table, marker: &str, shared: &Arc<Shared>) -> Result<Box<dyn Driver>, Error> {
        let inner = connect(&table.url)?;
        let n = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak.fetch_max(n, Ordering::SeqCst);
        Ok(Box::new(Probe {
            inner: Some(inner),
            kind: table.kind,
            marker: marker.to_owned(),
            shared: Arc::clone(shared),
        }))
    }

    fn db(&mut self) -> &mut dyn Driver {
        self.inner.as_deref_mut().unwrap()
    }

    /// Runs the slow statement (seconds of work, unless stopped) when asked.
    fn before_read(&mut self) -> Result<(), Error> {
        let ms = self.shared.sleep_ms.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(ms));
        if !self.shared.slow.load(Ordering::SeqCst) {
            return Ok(());
        }
        let sql = slow_statement(self.kind, &self.marker);
        self.db().execute(&sql)
    }
}

/// A statement that works for a minute unless stopped, tagged with
/// `marker` so the database's process list shows it.
fn slow_statement(kind: Kind, marker: &str) -> String {
    match kind {
        Kind::Postgres => format!("SELECT pg_sleep(60), '{marker}'"),
        // (A stopped `BENCHMARK` or `SLEEP` returns a value; this fails.)
        Kind::Mariadb => format!("SELECT count(*), '{marker}' FROM seq_1_to_100000000000"),
        Kind::Sqlite => format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
             WHERE x < 40000000000) SELECT count(*), '{marker}' FROM c"
        ),
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Driver for Probe {
    fn dialect(&self) -> Dialect {
        self.inner.as_ref().unwrap().dialect()
    }
    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        self.db().create_table(schema)
    }
    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.db().execute(sql)
    }
    fn begin(&mut self) -> Result<(), Error> {
        self.db().begin()
    }
    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.db().begin_snapshot()
    }
    fn commit(&mut self) -> Result<(), Error> {
        self.db().commit()
    }
    fn rollback(&mut self) -> Result<(), Error> {
        self.db().rollback()
    }
    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        self.db().upsert(schema, rows)
    }
    fn rows(&mut self, select: &SelectStatement) -> Result<Vec<Vec<Cell>>, Error> {
        self.before_read()?;
        self.db().rows(select)
    }
    fn scan(
        &mut self,
        select: &SelectStatement,
        each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.before_read()?;
        self.db().scan(select, each)
    }
    fn documents(
        &mut self,
        compiled: &Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.db().documents(compiled, each)
    }
    fn explain(&mut self, select: &SelectStatement) -> Result<Vec<String>, Error> {
        self.db().explain(select)
    }
    fn data_version(&mut self) -> Result<Option<i64>, Error> {
        self.db().data_version()
    }
    fn tune_for_reads(&mut self) -> Result<(), Error> {
        self.db().tune_for_reads()
    }
    fn interrupt(&self) -> Option<Interrupt> {
        self.inner.as_ref().unwrap().interrupt()
    }
    fn set_statement_timeout(&mut self, limit: Option<Duration>) -> Result<(), Error> {
        self.db().set_statement_timeout(limit)
    }
    fn close(mut self: Box<Self>) -> Result<(), Error> {
        self.inner.take().unwrap().close()
    }
}

/// A service on `s`'s table whose connections are probes.
fn probed(s: &Api, marker: &str, config: Config) -> (Service, Arc<Shared>) {
    let shared = Arc::new(Shared::default());
    let table = Arc::clone(&s.table);
    let (m, sh) = (marker.to_owned(), Arc::clone(&shared));
    let config = Config {
        schema: s.table.schema(),
        cache_entries: 0,
        ..config
    };
    let service = Service::with_connector(move || Probe::open(&table, &m, &sh), config).unwrap();
    (service, shared)
}

/// Whether the database still runs a statement tagged `marker`
/// (SQLite: no process list; `None`).
fn still_running(table: &Table, marker: &str) -> Option<bool> {
    let like = format!("%{marker}%");
    match table.kind {
        Kind::Postgres => {
            let mut c = siftql::sql::postgres::connect(&table.url).unwrap();
            let n: i64 = c
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 \
                     AND state = 'active' AND pid <> pg_backend_pid()",
                    &[&like],
                )
                .unwrap()
                .get(0);
            Some(n > 0)
        }
        Kind::Mariadb => {
            use siftql::sql::mysql::Queryable;
            let mut c = siftql::sql::mysql::connect(&table.url).unwrap();
            let n: Option<i64> = c
                .exec_first(
                    "SELECT count(*) FROM information_schema.PROCESSLIST \
                     WHERE INFO LIKE ? AND INFO NOT LIKE '%PROCESSLIST%' AND COMMAND = 'Query'",
                    (like,),
                )
                .unwrap();
            Some(n.unwrap_or(0) > 0)
        }
        Kind::Sqlite => None,
    }
}

/// Waits up to `within` for the statements with `marker` in their text to
/// end on the database (on SQLite, which has no process list: at once).
pub(crate) fn ends_within(table: &Table, marker: &str, within: Duration) -> bool {
    let start = Instant::now();
    loop {
        match still_running(table, marker) {
            None | Some(false) => return true,
            Some(true) if start.elapsed() > within => return false,
            Some(true) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A marker for this test's statements, unique on a shared database server.
fn marker(s: &Api, what: &str) -> String {
    format!("siftql_slow_{what}_{}", s.table.name)
}

/// Requests at once, beyond the pool and its queue, against connections
/// that take 300 ms a read: the pool never opens more connections than its
/// size; every request is answered 200 or 503 (with `Retry-After`), none
/// 500; the ones past the pool and queue are the 503s.
fn the_pool_is_bounded(s: &Api) {
    let config = Config {
        pool_size: 2,
        queue: 2,
        ..Config::default()
    };
    let (service, shared) = probed(s, &marker(s, "pool"), config);
    shared.sleep_ms.store(300, Ordering::SeqCst);
    let router = service.router();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let answers: Vec<(u16, Option<String>)> = runtime.block_on(async {
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let router = router.clone();
                tokio::spawn(async move {
                    let request = Request::post("/v1/clusters/list")
                        .body(Body::from("{}"))
                        .unwrap();
                    let r = router.oneshot(request).await.unwrap();
                    let retry = r
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let status = r.status().as_u16();
                    let _ = to_bytes(r.into_body(), usize::MAX).await.unwrap();
                    (status, retry)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == 503).collect();
    assert_eq!(ok + busy.len(), 12, "{answers:?}");
    assert!(
        ok >= 4,
        "the pool and its queue take four at once: {answers:?}"
    );
    assert!(
        !busy.is_empty(),
        "twelve at once are past them: {answers:?}"
    );
    assert!(busy.iter().all(|(_, r)| r.as_deref() == Some("1")));
    let peak = shared.peak.load(Ordering::SeqCst);
    assert!(peak <= 2, "{peak} connections open at once");
}

/// A request whose statement runs past the deadline is answered 504 at
/// about the deadline, and the database stops the statement: the
/// connection is free for the next request.
fn a_deadline_stops_the_statement(s: &Api) {
    let tag = marker(s, "deadline");
    let config = Config {
        pool_size: 1,
        request_timeout: Duration::from_millis(500),
        ..Config::default()
    };
    let (service, shared) = probed(s, &tag, config);
    let api = s.with_service(service);
    shared.slow.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let e = api.list(&serde_json::json!({})).error(504);
    assert_eq!(e["code"], "timeout");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert!(
        ends_within(&s.table, &tag, Duration::from_secs(1)),
        "the statement still runs a second after the deadline"
    );
    // The pool's one connection serves the next request.
    shared.slow.store(false, Ordering::SeqCst);
    let start = Instant::now();
    assert_eq!(api.list(&serde_json::json!({})).status, 200);
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// A request that waits for the pool's one connection until its deadline
/// (the connection held, past its own deadline, by work the database
/// cannot stop) is answered 503 with `Retry-After`: it never ran.
fn waiting_past_the_deadline_is_503(s: &Api) {
    let config = Config {
        pool_size: 1,
        request_timeout: Duration::from_millis(500),
        ..Config::default()
    };
    let (service, shared) = probed(s, &marker(s, "wait"), config);
    shared.sleep_ms.store(2000, Ordering::SeqCst);
    let router = service.router();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (first, second) = runtime.block_on(async {
        let send = || {
            let router = router.clone();
            async move {
                let request = Request::post("/v1/clusters/list")
                    .body(Body::from("{}"))
                    .unwrap();
                let r = router.oneshot(request).await.unwrap();
                let retry = r.headers().get("retry-after").is_some();
                let status = r.status().as_u16();
                let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
                (status, retry, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let first = tokio::spawn(send());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let second = tokio::spawn(send());
        (first.await.unwrap(), second.await.unwrap())
    });
    assert_eq!(first.0, 504, "{first:?}");
    assert_eq!((second.0, second.1), (503, true), "{second:?}");
    assert!(second.2.contains("\"overloaded\""), "{second:?}");
}

/// A client that sends a request and leaves before the answer: the
/// statement it started is stopped within a second, though the deadline is
/// a minute away.
fn a_client_that_leaves_stops_its_statement(s: &Api) {
    let tag = marker(s, "gone");
    let config = Config {
        pool_size: 1,
        request_timeout: Duration::from_secs(60),
        ..Config::default()
    };
    let (service, shared) = probed(s, &tag, config);
    shared.slow.store(true, Ordering::SeqCst);
    let server = Server::start(service);
    let mut client = server.connect();
    client
        .write_all(&request("{}"))
        .expect("the request is sent");
    std::thread::sleep(Duration::from_millis(500));
    if s.table.kind != Kind::Sqlite {
        assert_eq!(still_running(&s.table, &tag), Some(true), "it started");
    }
    drop(client);
    assert!(
        ends_within(&s.table, &tag, Duration::from_secs(1)),
        "the statement still runs a second after its client left"
    );
    // The one connection is free again: the next request is answered.
    shared.slow.store(false, Ordering::SeqCst);
    let mut client = server.connect();
    client.write_all(&request("{}")).unwrap();
    let answer = read_answer(&mut client);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A POST of `body` to the list endpoint, closing the connection after.
pub(crate) fn request(body: &str) -> Vec<u8> {
    format!(
        "POST /v1/clusters/list HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Everything the server sends until it closes (at most 10 s).
fn read_answer(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`Service::serve`] on a loopback port, on a runtime of its own; stopped
/// when dropped.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub(crate) fn start(service: Service) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                service
                    .serve(listener, async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server {
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub(crate) fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The server shuts down without a panic (closing PostgreSQL
        // connections on the runtime's thread once did).
        if let Some(t) = self.thread.take() {
            let clean = t.join().is_ok();
            if !std::thread::panicking() {
                assert!(clean, "the server panicked while shutting down");
            }
        }
    }
}

/// A service on a new SQLite table with `config`, served on loopback.
fn sqlite_server(tag: &str, config: Config) -> (Server, Table) {
    let table = Table::new(Kind::Sqlite, tag).unwrap();
    table.load(&crate::lines());
    let config = Config {
        schema: table.schema(),
        ..config
    };
    let service = Service::from_url(&table.url, config).unwrap();
    (Server::start(service), table)
}

/// Whether the server closed `stream` within `within` (reading nothing
/// more, or an answer it then closed after).
fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<String> {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

#[test]
fn slow_headers_and_idle_connections_are_closed() {
    let config = Config {
        header_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let (server, _table) = sqlite_server("headers", config);
    // Headers a byte at a time, too slowly.
    let mut slow = server.connect();
    slow.write_all(b"POST /v1/clu").unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).is_some(),
        "a connection sending its headers slowly stays open"
    );
    // A connection that never sends anything.
    let mut idle = server.connect();
    assert!(closed_within(&mut idle, Duration::from_secs(3)).is_some());
    // A prompt request is answered.
    let mut prompt = server.connect();
    prompt.write_all(&request("{}")).unwrap();
    assert!(read_answer(&mut prompt).starts_with("HTTP/1.1 200"));
}

#[test]
fn a_body_shorter_than_its_length_is_answered_408() {
    let config = Config {
        body_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let (server, _table) = sqlite_server("body", config);
    let mut client = server.connect();
    client
        .write_all(
            b"POST /v1/clusters/list HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"limit\"",
        )
        .unwrap();
    let start = Instant::now();
    let answer = closed_within(&mut client, Duration::from_secs(5)).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn connections_past_the_cap_are_answered_503() {
    let config = Config {
        max_connections: 3,
        header_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let (server, _table) = sqlite_server("cap", config);
    let held: Vec<TcpStream> = (0..3).map(|_| server.connect()).collect();
    // The cap is taken when a connection is accepted: give the server a
    // moment to take the three.
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = server.connect();
    let answer = closed_within(&mut extra, Duration::from_secs(5)).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let mut after = server.connect();
    after.write_all(&request("{}")).unwrap();
    let answer = read_answer(&mut after);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
