//! The adversarial pass, replayed over loopback on every database (bounded
//! in count and time: seconds each). What one client tried:
//!
//! 1. many requests at once (here 400): every one is answered 200 or 503
//!    with `Retry-After`, none 500, and the database takes new connections
//!    afterwards;
//! 2. an expensive filter past its deadline: 504, and the database runs
//!    nothing of it a second later;
//! 3. distinct large answers: the cache keeps what fits its bytes, not
//!    more;
//! 4. a hundred and fifty connections sending their headers a byte at a
//!    time (the cap is a hundred): those
//!    past the cap are answered 503, the others closed at the header
//!    deadline, and the server answers normally after;
//! 7. a path segment starting with `-` (MariaDB's JSON paths): answered as
//!    the evaluator does.
//!
//! The others are replayed where their code is tested: a client that
//! leaves and short bodies in `robust.rs`; instants over the whole of
//! RFC 3339 with cursors in `cursors.rs`; U+0000 in `search.rs`; two
//! `X-Namespace` headers and deep pages in `errors.rs`; 500s with request
//! ids in `robust.rs`; records with a key twice, `sqlite:` without a path
//! and a closed pipe in the command line's tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use siftql::sql::driver::connect;
use siftql_server::{Config, Service};

use crate::robust::{ends_within, request, Server};
use crate::{on_every_database, Api, Kind};

on_every_database!(
    many_at_once,
    an_expensive_filter_past_its_deadline,
    large_answers_and_the_cache,
    slow_headers_by_the_hundred,
    paths_with_a_dash,
);

/// A service on `s`'s table with `config`, served on loopback.
fn serve(s: &Api, config: Config) -> Server {
    let config = Config {
        schema: s.table.schema(),
        ..config
    };
    Server::start(Service::from_url(&s.table.url, config).unwrap())
}

/// Status line, headers and body of one exchange (the request closes the
/// connection).
fn exchange(server: &Server, body: &str) -> String {
    let mut c = server.connect();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c.write_all(&request(body)).unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn many_at_once(s: &Api) {
    let server = serve(s, Config::default());
    let body = json!({"filter": "status = completed or num_clusters > 3", "limit": 20}).to_string();
    let answers: Vec<String> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..400)
            .map(|_| scope.spawn(|| exchange(&server, &body)))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let ok = answers
        .iter()
        .filter(|a| a.starts_with("HTTP/1.1 200"))
        .count();
    for a in &answers {
        assert!(
            a.starts_with("HTTP/1.1 200")
                || (a.starts_with("HTTP/1.1 503") && a.contains("retry-after: 1")),
            "{a}"
        );
    }
    assert!(ok > 0);
    // The database still takes connections.
    let mut db = connect(&s.table.url).expect("the database takes a new connection");
    db.execute("SELECT 1").unwrap();
    db.close().unwrap();
    drop(server);
}

fn an_expensive_filter_past_its_deadline(s: &Api) {
    // 20,000 records whose descriptions a regex reads in full.
    let text = "lorem ipsum dolor sit amet ".repeat(40);
    let records: Vec<String> = (0..20_000)
        .map(|i| {
            json!({"cluster_id": format!("x{i:05}"), "description": format!("{text} {i}")})
                .to_string()
        })
        .collect();
    s.table.load(&records);
    let server = serve(
        s,
        Config {
            request_timeout: Duration::from_millis(100),
            cache_entries: 0,
            ..Config::default()
        },
    );
    let expensive = json!({
        "filter": "description matches \"(lorem|ipsum|dolor)[a-z ]*(sit|amet)[a-z ]*9 *$\" or description contains \"zzz\"",
        "sort": {"field": "cluster_name", "direction": "desc"},
        "limit": 1000
    })
    .to_string();
    let start = Instant::now();
    let answer = exchange(&server, &expensive);
    let took = start.elapsed();
    // Fast enough to finish is fine too (a 200); never a 500.
    assert!(
        answer.starts_with("HTTP/1.1 504") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    if answer.starts_with("HTTP/1.1 504") {
        assert!(answer.contains("\"timeout\""), "{answer}");
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
    }
    assert!(
        ends_within(&s.table, &s.table.name, Duration::from_secs(1)),
        "the database still runs the request's statement"
    );
    // The server answers the next request.
    let next = exchange(
        &server,
        &json!({"filter": "cluster_id = x00001"}).to_string(),
    );
    assert!(next.starts_with("HTTP/1.1 200"), "{next}");
}

fn large_answers_and_the_cache(s: &Api) {
    // 100 records of 20 KB: an answer of all of them is about 2 MB.
    let pad = "x".repeat(20_000);
    let records: Vec<String> = (0..100)
        .map(|i| {
            json!({"cluster_id": format!("big{i:03}"), "description": pad, "num_clusters": i})
                .to_string()
        })
        .collect();
    s.table.load(&records);
    let server = serve(
        s,
        Config {
            cache_bytes: 5 << 20,
            ..Config::default()
        },
    );
    let body = |n: usize| {
        json!({"filter": format!("cluster_id starts with big and num_clusters >= {n}"), "limit": 1000})
            .to_string()
    };
    let cache = |answer: &str| {
        if answer.contains("cache;desc=hit") {
            "hit"
        } else {
            "miss"
        }
    };
    // Ten distinct answers of about 2 MB each, then the first and the
    // last again: at most two fit in 5 MB, so the first was dropped.
    for n in 0..10 {
        let a = exchange(&server, &body(n));
        assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    }
    let first = exchange(&server, &body(0));
    let last = exchange(&server, &body(9));
    assert!(first.len() > 1_900_000 && last.len() > 1_700_000);
    if s.table.kind == Kind::Sqlite {
        assert_eq!(cache(&first), "miss", "the oldest answer is dropped");
        assert_eq!(cache(&last), "hit", "the newest answer is kept");
    } else {
        // PostgreSQL and MySQL answers are never cached.
        assert_eq!((cache(&first), cache(&last)), ("miss", "miss"));
    }
}

fn slow_headers_by_the_hundred(s: &Api) {
    let server = serve(
        s,
        Config {
            max_connections: 100,
            header_timeout: Duration::from_secs(2),
            ..Config::default()
        },
    );
    let opened: Vec<TcpStream> = (0..150).map(|_| server.connect()).collect();
    // Those past the cap are answered at once.
    std::thread::sleep(Duration::from_millis(300));
    let mut refused = 0;
    let mut slow = Vec::new();
    for mut c in opened {
        c.set_nonblocking(true).unwrap();
        let mut head = [0; 12];
        match c.read(&mut head) {
            Ok(12) if &head == b"HTTP/1.1 503" => refused += 1,
            Ok(n) => panic!("{n} bytes before any request"),
            Err(_) => {
                c.set_nonblocking(false).unwrap();
                slow.push(c);
            }
        }
    }
    assert_eq!((refused, slow.len()), (50, 100));
    // The others send a byte at a time, for longer than the header
    // deadline, and are closed.
    let start = Instant::now();
    let line = b"POST /v1/clusters/list HTTP/1.1\r\n";
    let mut i = 0;
    while start.elapsed() < Duration::from_millis(2500) {
        for c in &mut slow {
            let _ = c.write_all(&line[i % line.len()..][..1]);
        }
        i += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    for c in &mut slow {
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut out = Vec::new();
        match c.read_to_end(&mut out) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("a slow connection is still open: {e}"),
        }
    }
    drop(slow);
    std::thread::sleep(Duration::from_millis(100));
    let a = exchange(&server, "{}");
    assert!(a.starts_with("HTTP/1.1 200"), "{a}");
}

fn paths_with_a_dash(s: &Api) {
    let records = [
        json!({"cluster_id": "d1", "metadata": {"-1": "x", "--": "y", "-a": ["x"]}}),
        json!({"cluster_id": "d2", "metadata": {"-1": "z"}}),
    ];
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    s.table.load(&lines);
    for (filter, want) in [
        ("metadata.`-1` = x", vec!["d1"]),
        ("metadata.`--` exists", vec!["d1"]),
        ("metadata.`-a` contains x", vec!["d1"]),
        (
            "not metadata.`-1` = x and cluster_id starts with d",
            vec!["d2"],
        ),
    ] {
        let r = s.list(&json!({"filter": filter}));
        assert_eq!(r.ids(), want, "{filter}");
    }
}
