//! A soak test of `Service::serve` over loopback: clients send mixed
//! requests for a while as another process loads records, then the run
//! reports requests, errors, latencies and peak memory, and fails on any
//! 5xx other than a deliberate 503 or on a cursor walk that lost or
//! repeated a row.
//!
//! ```text
//! cargo run --release -p siftql-server --example soak -- URL [SECONDS] [CLIENTS]
//! ```
//!
//! `URL` is a database (`sqlite:PATH`, `postgres://…`, `mysql://…`); the
//! run uses a table of its own there (`siftql_soak_<pid>`, dropped after).
//! Defaults: 60 seconds, 64 clients. Of every eight requests a client
//! sends, one walks a whole filtered set by cursor (20 rows a page), which
//! must give exactly the 1,000 base records in order although the loader
//! upserts into the table all along (new records, and the base records
//! again with other descriptions); the rest are filters, sorts, searches,
//! pages and bad requests (expected 4xx). The loader is this program again,
//! as a child process, upserting 200-record batches until it is stopped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use siftql::sql::driver::{connect, BatchLoader};
use siftql::sql::Schema;
use siftql_server::{Config, Service};

/// The base records every cursor walk must find.
const BASE: usize = 1000;

fn schema(table: &str) -> Schema {
    Schema {
        table: table.to_owned(),
        ..Schema::clusters()
    }
}

/// A record; `round` changes only its description.
fn record(id: &str, i: usize, round: u64) -> String {
    let statuses = ["completed", "failed", "running", "pending"];
    json!({
        "cluster_id": id,
        "namespace_id": format!("ns_{}", i % 3),
        "cluster_name": format!("cluster {i} gpu images"),
        "status": statuses[i % 4],
        "num_clusters": i % 50,
        "num_documents_clustered": (i * 37) % 10_000,
        "created_at": format!("20{:02}-{:02}-{:02}T{:02}:00:00Z", 10 + i % 15, 1 + i % 12, 1 + i % 28, i % 24),
        "description": format!("round {round}: {}", "lorem ipsum ".repeat(1 + i % 20)),
        "metadata": {"team": format!("team{}", i % 7)},
    })
    .to_string()
}

/// The loader child: upserts batches into `table` until killed.
fn load_forever(url: &str, table: &str) -> ExitCode {
    let schema = schema(table);
    let mut db = connect(url).expect("the loader connects");
    for round in 1.. {
        let mut load = BatchLoader::begin(db.as_mut(), &schema).expect("a load begins");
        for k in 0..200 {
            let i = (round as usize * 200 + k) % BASE;
            // Half new records, half the base ones again.
            let text = if k % 2 == 0 {
                record(&format!("w{round:06}_{k:03}"), i, round)
            } else {
                record(&format!("b{i:04}"), i, round)
            };
            load.push(&text).expect("a record loads");
        }
        load.finish().expect("a load commits");
        std::thread::sleep(Duration::from_millis(20));
    }
    ExitCode::SUCCESS
}

/// One keep-alive HTTP/1.1 connection.
struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    /// POSTs `body` to `target`: status, headers (lowercase names) and body.
    fn post(&mut self, target: &str, body: &str) -> std::io::Result<(u16, String, String)> {
        for attempt in 0..2 {
            if self.conn.is_none() {
                let s = TcpStream::connect(self.addr)?;
                s.set_read_timeout(Some(Duration::from_secs(60)))?;
                self.conn = Some(BufReader::new(s));
            }
            let conn = self.conn.as_mut().unwrap_or_else(|| unreachable!());
            let request = format!(
                "POST {target} HTTP/1.1\r\nhost: soak\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\n\r\n{body}",
                body.len()
            );
            match exchange(conn, &request) {
                Ok((status, headers, body)) => {
                    if headers.contains("connection: close") {
                        self.conn = None;
                    }
                    return Ok((status, headers, body));
                }
                // A kept-alive connection the server closed: once more.
                Err(_) if attempt == 0 => self.conn = None,
                Err(e) => return Err(e),
            }
        }
        unreachable!()
    }
}

fn exchange(
    conn: &mut BufReader<TcpStream>,
    request: &str,
) -> std::io::Result<(u16, String, String)> {
    conn.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let mut headers = String::new();
    let mut length = 0;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(n) = lower.strip_prefix("content-length:") {
            length = n
                .trim()
                .parse()
                .map_err(|_| std::io::ErrorKind::InvalidData)?;
        }
        headers.push_str(&lower);
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body)?;
    Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    /// 5xx other than 503, failed exchanges, wrong walks.
    errors: AtomicU64,
    overloaded: AtomicU64,
    walks: AtomicU64,
    latencies: Mutex<Vec<u32>>,
    first_error: Mutex<Option<String>>,
}

impl Tally {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(what);
        }
    }
}

/// Walks the base records by cursor and checks the walk.
fn walk(client: &mut Client, tally: &Tally) {
    let body = json!({
        "filter": "cluster_id starts with \"b\"",
        "sort": {"field": "cluster_id", "direction": "asc"},
        "limit": 20,
    })
    .to_string();
    let mut target = "/v1/clusters/list".to_owned();
    let mut seen = Vec::with_capacity(BASE);
    loop {
        let Some(v) = send(client, &target, &body, tally) else {
            return;
        };
        for r in v["results"].as_array().into_iter().flatten() {
            seen.push(r["cluster_id"].as_str().unwrap_or_default().to_owned());
        }
        match v["pagination"]["next_cursor"].as_str() {
            Some(c) => target = format!("/v1/clusters/list?cursor={c}"),
            None => break,
        }
    }
    let want: Vec<String> = (0..BASE).map(|i| format!("b{i:04}")).collect();
    if seen != want {
        tally.error(format!(
            "a cursor walk found {} rows, not the {BASE} base records in order",
            seen.len()
        ));
    }
    tally.walks.fetch_add(1, Ordering::Relaxed);
}

/// Sends one request; its JSON when it is a 200, after tallying it.
fn send(client: &mut Client, target: &str, body: &str, tally: &Tally) -> Option<Value> {
    let start = Instant::now();
    let answer = client.post(target, body);
    let micros = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
    tally.requests.fetch_add(1, Ordering::Relaxed);
    tally
        .latencies
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(micros);
    match answer {
        Ok((200, _, text)) => serde_json::from_str(&text).ok(),
        Ok((503, headers, _)) if headers.contains("retry-after: 1") => {
            tally.overloaded.fetch_add(1, Ordering::Relaxed);
            None
        }
        Ok((status, _, text)) if status >= 500 => {
            tally.error(format!("{status} for {body}: {text}"));
            None
        }
        Ok(_) => None,
        Err(e) => {
            tally.error(format!("{body}: {e}"));
            None
        }
    }
}

/// The mixed requests: filters, sorts, searches, pages, bad ones.
fn mixed(n: u64) -> String {
    let requests = [
        json!({"filter": "status = completed and num_clusters >= 10", "limit": 50}),
        json!({"filter": "metadata.team = team3 or description contains \"lorem ipsum lorem\"", "sort": {"field": "created_at", "direction": "desc"}}),
        json!({"search": "gpu images", "page": 3, "page_size": 25}),
        json!({"filters": {"AND": [{"field": "status", "operator": "in", "value": ["failed", "running"]}]}, "offset": 100}),
        json!({"filter": "cluster_name matches \"cluster 1[0-9]+ \" and not status = pending", "limit": 100}),
        json!({"filter": "description phrase \"round 3\"", "limit": 10}),
        json!({"filter": "status = ", "limit": 10}),
        json!({"filter": "created_at > \"2015-01-01\" and created_at < \"2020-06-01T00:00:00+05:30\"", "sort": {"field": "created_at"}}),
        json!({"limit": 0}),
        json!({"filter": "num_documents_clustered > 5000", "sorts": [{"field": "status"}, {"field": "num_clusters", "direction": "desc"}], "limit": 1000}),
    ];
    requests[(n % requests.len() as u64) as usize].to_string()
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--load-forever") {
        return load_forever(&args[2], &args[3]);
    }
    let Some(url) = args.get(1).cloned() else {
        eprintln!("usage: soak URL [SECONDS] [CLIENTS]");
        return ExitCode::from(2);
    };
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
    let clients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(64);
    let table = format!("siftql_soak_{}", std::process::id());

    // The base records, then the server.
    let mut db = connect(&url).expect("the database connects");
    // As `siftql serve` does: SQLite's file in WAL mode before anything
    // writes, so that readers and the loader do not wait for each other.
    db.tune_for_reads()
        .expect("the connection takes the settings");
    let schema = schema(&table);
    let mut load = BatchLoader::begin(db.as_mut(), &schema).expect("a load begins");
    for i in 0..BASE {
        load.push(&record(&format!("b{i:04}"), i, 0))
            .expect("a record loads");
    }
    load.finish().expect("the base records load");
    siftql::sql::index::create_indexes(db.as_mut(), &schema).expect("indexes");
    let config = Config {
        schema: schema.clone(),
        ..Config::default()
    };
    let connect_url = url.clone();
    let service = Service::with_connection(db, move || connect(&connect_url), config)
        .expect("the service starts");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = Arc::clone(&stop);
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            let _ = addr_tx.send(listener.local_addr().expect("an address"));
            service
                .serve(listener, async move { stopped.notified().await })
                .await
                .expect("the server runs");
        });
    });
    let addr = addr_rx.recv().expect("the server listens");

    let mut loader: Child = Command::new(std::env::current_exe().expect("this program"))
        .args(["--load-forever", &url, &table])
        .spawn()
        .expect("the loader starts");

    let tally = Arc::new(Tally::default());
    let done = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (tally, done) = (Arc::clone(&tally), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut client = Client { addr, conn: None };
                let mut n = c as u64;
                while !done.load(Ordering::Relaxed) {
                    if n % 8 == 0 {
                        walk(&mut client, &tally);
                    } else {
                        send(&mut client, "/v1/clusters/list", &mixed(n), &tally);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    done.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let elapsed = start.elapsed();
    let loader_alive = matches!(loader.try_wait(), Ok(None));
    let _ = loader.kill();
    let _ = loader.wait();
    stop.notify_one();
    let _ = server.join();
    // How large the table grew under the loader.
    let mut rows_at_end = None;
    if let Ok(mut db) = connect(&url) {
        let count = sea_query::Query::select()
            .expr(sea_query::Func::count(sea_query::Expr::col(
                sea_query::Asterisk,
            )))
            .from(sea_query::Alias::new(&table))
            .to_owned();
        if let Ok(rows) = db.rows(&count) {
            rows_at_end = match rows.first().and_then(|r| r.first()) {
                Some(siftql::sql::load::Cell::Int(n)) => Some(*n),
                _ => None,
            };
        }
        let _ = db.execute(&format!("DROP TABLE IF EXISTS {table}"));
    }

    let mut latencies = tally
        .latencies
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |&us| f64::from(us) / 1000.0)
    };
    let requests = tally.requests.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed);
    println!(
        "soak {}: {clients} clients, {:.1} s, {BASE} to {} records: {requests} requests ({:.0}/s), \
         {} cursor walks, {} × 503, {errors} errors; p50 {:.1} ms, p99 {:.1} ms; peak RSS {} MiB",
        siftql::sql::redacted(&url),
        elapsed.as_secs_f64(),
        rows_at_end.map_or("?".to_owned(), |n| n.to_string()),
        requests as f64 / elapsed.as_secs_f64(),
        tally.walks.load(Ordering::Relaxed),
        tally.overloaded.load(Ordering::Relaxed),
        pct(0.5),
        pct(0.99),
        peak_rss_mib().map_or("?".to_owned(), |m| format!("{m:.0}")),
    );
    if !loader_alive {
        eprintln!("the loader stopped before the end");
        return ExitCode::FAILURE;
    }
    if let Some(e) = tally
        .first_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        eprintln!("first error: {e}");
    }
    if errors > 0 || requests == 0 || tally.walks.load(Ordering::Relaxed) == 0 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
