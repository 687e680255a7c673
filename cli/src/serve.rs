//! `siftql serve`: the List Clusters endpoint over a database, served by
//! [`siftql_server`].

use std::net::SocketAddr;

use siftql::sql::driver;
use siftql::Limits;
use std::time::Duration;

use siftql_server::{
    Config, Service, DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES, DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_SIZE, DEFAULT_QUEUE,
};

use crate::db::{load_files, open, ProgressArgs};
use crate::Failure;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The database: `sqlite:PATH` (default `sqlite:siftql.db`), `postgres://…` or `mysql://…`.
    #[arg(long, default_value = "sqlite:siftql.db")]
    db: String,
    /// Where to listen (`127.0.0.1:0` picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The table holding the cluster records (the default cluster schema).
    #[arg(long, default_value = "clusters")]
    table: String,
    /// JSON Lines files of cluster records to load (upsert) before serving.
    #[arg(long = "load", value_name = "FILE.jsonl")]
    load: Vec<String>,
    #[command(flatten)]
    progress: ProgressArgs,
    /// An API key; when any is given (here or in `SIFTQL_API_KEYS`,
    /// comma-separated), requests need `Authorization: Bearer KEY`.
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// How many answers to keep for repeated requests (SQLite only; 0: none).
    /// Every entry is dropped as soon as the database changes (`PRAGMA
    /// data_version`), so no answer is ever stale.
    #[arg(long, default_value_t = DEFAULT_CACHE_ENTRIES)]
    cache_entries: usize,
    /// How many bytes of answers to keep for repeated requests at most
    /// (keys and bodies; the oldest make room).
    #[arg(long, default_value_t = DEFAULT_CACHE_BYTES)]
    cache_bytes: usize,
    /// The largest request body in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// How many connections to the database to open at most.
    #[arg(long, default_value_t = DEFAULT_POOL_SIZE)]
    pool_size: u32,
    /// How many requests may wait for a database connection; more are
    /// answered 503 with `Retry-After: 1`.
    #[arg(long, default_value_t = DEFAULT_QUEUE)]
    queue: usize,
    /// A request's deadline in seconds: past it the answer is 504 and the
    /// database stops the statement (as it does when the client leaves).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    request_timeout: f64,
    /// How long a client may take to send a request's headers or its body,
    /// in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    read_timeout: f64,
    /// How many client connections to keep open at most; one more is
    /// answered 503 and closed.
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
}

/// A positive number of seconds (at most a day).
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, not `{text}`"
        )),
    }
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let mut db = open(&args.db)?;
    let schema = crate::db::clusters(args.table.clone());
    let fail = |e: siftql::Error| Failure::Other(e.message().to_owned());
    db.tune_for_reads().map_err(fail)?;
    if !args.load.is_empty() {
        let n = load_files(db.as_mut(), &schema, &args.load, args.progress)?;
        eprintln!("loaded {n} record(s) into {}", schema.table);
        siftql::sql::index::create_indexes(db.as_mut(), &schema).map_err(fail)?;
        db.checkpoint().map_err(fail)?;
    }
    let mut api_keys = args.api_keys;
    if let Ok(env) = std::env::var("SIFTQL_API_KEYS") {
        api_keys.extend(
            env.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
        );
    }
    let config = Config {
        schema,
        api_keys,
        max_body: args.max_body,
        cache_entries: args.cache_entries,
        cache_bytes: args.cache_bytes,
        pool_size: args.pool_size,
        queue: args.queue,
        request_timeout: Duration::from_secs_f64(args.request_timeout),
        body_timeout: Duration::from_secs_f64(args.read_timeout),
        header_timeout: Duration::from_secs_f64(args.read_timeout),
        max_connections: args.max_connections,
        limits: Limits::default(),
        ..Config::default()
    };
    // The connection records were loaded through serves the first request
    // (on `sqlite::memory:` it is the only one that has them).
    let url = args.db;
    let service =
        Service::with_connection(db, move || driver::connect(&url), config).map_err(fail)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.to_string()))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| Failure::Other(format!("{}: {e}", args.addr)))?;
        let local = listener.local_addr()?;
        eprintln!("siftql serve: listening on http://{local}");
        service
            .serve(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Failure::Other(e.to_string()))
    })
}
