//! # siftql-server
//!
//! The List Clusters API, `POST /v1/clusters/list`, over a database, as an
//! axum [`Router`] an application can serve or mount (`siftql serve` is a
//! thin command around it).
//!
//! A request is a JSON object: the filter as AND/OR/NOT JSON (`filters`) or
//! as DSL (`filter`), `sort` or `sorts`, `search`, and the page (`limit` or
//! `page_size`, `offset` or `page`, also as query parameters, and an opaque
//! `cursor` query parameter for keyset pages). The filter is compiled with
//! siftql's SQL backend and ANDed with the `X-Namespace` header and the
//! search, outside the user's filter. The answer is one page of records
//! exactly as they were loaded, the pagination (`next_cursor` included),
//! the total and the statistics of the whole filtered set. A bad request is
//! answered `{"error": {"code", "message", "pointer" or "span", "help"}}`
//! with a 4xx status.
//!
//! A [`Service`] holds what requests share: how to open connections
//! ([`Service::from_url`], or any connector with
//! [`Service::with_connector`]), a bounded pool of connections (r2d2)
//! with a bounded queue in front of it, the answer cache
//! (where the database tells when it changed: SQLite), the key that signs
//! cursors (drawn at random, so cursors do not survive a restart) and the
//! [`Config`]. Every database call runs on tokio's blocking pool with a
//! pooled connection, within the request's deadline
//! ([`Config::request_timeout`]: past it, or when the client leaves, the
//! database stops the statement). [`Service::serve`] serves the router
//! with a cap on connections and read timeouts. The router needs a tokio runtime with its timer
//! (`enable_time`, or `enable_all`): requests have deadlines.
//!
//! ```
//! use axum::body::{to_bytes, Body};
//! use axum::http::{Request, StatusCode};
//! use siftql_server::{Config, Service};
//! use tower::ServiceExt;
//!
//! let service = Service::from_url("sqlite::memory:", Config::default())?;
//! let app = service.router();
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! runtime.block_on(async {
//!     let request = Request::post("/v1/clusters/list")
//!         .header("content-type", "application/json")
//!         .body(Body::from(r#"{"filter": "status = completed", "limit": 5}"#))?;
//!     let response = app.oneshot(request).await?;
//!     assert_eq!(response.status(), StatusCode::OK);
//!     let body = to_bytes(response.into_body(), usize::MAX).await?;
//!     let answer: serde_json::Value = serde_json::from_slice(&body)?;
//!     assert_eq!(answer["results"], serde_json::json!([]));
//!     assert_eq!(answer["pagination"]["page_size"], 5);
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! To serve it: `axum::serve(listener, service.router())`. To mount it in a
//! larger application, [`Router::merge`] it (its fallback answers unknown
//! paths with a JSON 404, so the application's router must not have a
//! fallback of its own) or [`Router::nest`] it under a prefix.

mod auth;
mod cache;
mod cursor;
mod error;
mod http;
mod pass;
mod pool;
mod request;
mod service;
mod warn;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use siftql::sql::driver::{connect, Driver};
use siftql::sql::{Dialect, OnePass, Schema};
use siftql::{Error, Limits};
use tokio::sync::Semaphore;

use auth::Keys;
use cache::Cache;
use cursor::Minter;
use error::ApiError;
use pool::{Connect, Manager, Opener};

/// The largest request body by default: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// How many answers are kept for repeated requests by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 256;

/// How many bytes of answers are kept for repeated requests by default:
/// 64 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// How many connections to the database a service opens at most by
/// default.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// How many requests may wait for a connection by default.
pub const DEFAULT_QUEUE: usize = 64;

/// A request's deadline by default: 10 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's headers, or its body, by
/// default: 10 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections [`Service::serve`] keeps open at most by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// What the service answers from, and its bounds.
#[derive(Clone)]
pub struct Config {
    /// The table and its columns: the cluster schema ([`Schema::clusters`]),
    /// possibly under another table name. The service reads
    /// `cluster_id` (the key), `namespace_id`, `status`,
    /// `num_documents_clustered` and the searched `cluster_name` and
    /// `description`, and answers with the document column.
    pub schema: Schema,
    /// The API keys. When there is any, a request needs
    /// `Authorization: Bearer KEY` with one of them (401 otherwise).
    pub api_keys: Vec<String>,
    /// The largest request body in bytes (413 beyond it).
    pub max_body: usize,
    /// How many answers to keep for repeated requests (0: none). Answers
    /// are kept only on a database that tells when it changed (SQLite's
    /// `PRAGMA data_version`), and every one is dropped as soon as it
    /// does, so no answer is ever stale.
    pub cache_entries: usize,
    /// How many bytes of answers to keep at most (their bodies and keys;
    /// 0: none). The oldest answers make room for new ones; an answer
    /// larger than this is not kept.
    pub cache_bytes: usize,
    /// How many connections to the database to open at most
    /// ([`DEFAULT_POOL_SIZE`]). On a database of the first connection's
    /// own (`sqlite::memory:`) there is only that one.
    pub pool_size: u32,
    /// How many requests may wait for a connection
    /// ([`DEFAULT_QUEUE`]); beyond them, and for a request that waited
    /// until its deadline, the answer is 503 with `Retry-After: 1`.
    pub queue: usize,
    /// How long a connection may stay idle before it is closed (about: the
    /// pool looks every 30 s); `None` keeps them open.
    pub idle_timeout: Option<Duration>,
    /// A request's deadline, from when its body was read
    /// ([`DEFAULT_REQUEST_TIMEOUT`]): a request still running then is
    /// answered 504 and its statement stopped (PostgreSQL's cancel
    /// request, MySQL `KILL QUERY`, SQLite's interrupt). The database also
    /// stops any statement that runs that long by itself
    /// ([`Driver::set_statement_timeout`]). A request whose client leaves
    /// is stopped likewise.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's body
    /// ([`DEFAULT_READ_TIMEOUT`]; 408 after it).
    pub body_timeout: Duration,
    /// How long a connection may take to send a request's headers, from
    /// when it opened or got its previous answer ([`DEFAULT_READ_TIMEOUT`];
    /// closed after it). [`Service::serve`] enforces it.
    pub header_timeout: Duration,
    /// How many connections [`Service::serve`] keeps open at most
    /// ([`DEFAULT_MAX_CONNECTIONS`]); one more is answered 503 and closed.
    pub max_connections: usize,
    /// The bounds on a request's filter.
    pub limits: Limits,
    /// How a request reads its filtered set once for both the statistics
    /// and the page; `None` (the default) takes the dialect's
    /// [`SqlDialect::one_pass`](siftql::sql::SqlDialect::one_pass).
    /// [`OnePass::Materialized`] needs `WITH … AS MATERIALIZED`
    /// (PostgreSQL, SQLite); [`OnePass::Rows`] runs everywhere.
    pub one_pass: Option<OnePass>,
}

impl Default for Config {
    /// The cluster schema in table `clusters`, no API keys,
    /// [`DEFAULT_MAX_BODY`], [`DEFAULT_CACHE_ENTRIES`] and the default
    /// [`Limits`].
    fn default() -> Config {
        Config {
            schema: Schema::clusters(),
            api_keys: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            cache_bytes: DEFAULT_CACHE_BYTES,
            pool_size: DEFAULT_POOL_SIZE,
            queue: DEFAULT_QUEUE,
            idle_timeout: Some(Duration::from_secs(60)),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_timeout: DEFAULT_READ_TIMEOUT,
            header_timeout: DEFAULT_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            limits: Limits::default(),
            one_pass: None,
        }
    }
}

impl fmt::Debug for Config {
    /// The keys are not shown, only how many there are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("schema", &self.schema)
            .field(
                "api_keys",
                &format_args!("[{} key(s)]", self.api_keys.len()),
            )
            .field("max_body", &self.max_body)
            .field("cache_entries", &self.cache_entries)
            .field("cache_bytes", &self.cache_bytes)
            .field("pool_size", &self.pool_size)
            .field("queue", &self.queue)
            .field("idle_timeout", &self.idle_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("header_timeout", &self.header_timeout)
            .field("max_connections", &self.max_connections)
            .field("limits", &self.limits)
            .field("one_pass", &self.one_pass)
            .finish()
    }
}

/// The List Clusters service: everything a request needs. Build one with
/// [`Service::from_url`], [`Service::with_connector`] or
/// [`Service::with_connection`], then serve [`Service::router`].
///
/// Building a service creates the schema's table if it is missing.
pub struct Service {
    /// Opens connections (for the pool, and for MySQL's `KILL QUERY`).
    connect: Arc<Connect>,
    /// The dialect of every connection, learnt from the first.
    dialect: Dialect,
    /// The connections (taken only when the service is dropped).
    pool: Option<r2d2::Pool<Manager>>,
    /// What opens them.
    opener: Arc<Opener>,
    /// A permit for each request the pool may have running or waiting.
    slots: Arc<Semaphore>,
    cache: Cache,
    keys: Keys,
    minter: Minter,
    config: Config,
}

impl Service {
    /// A service on the database at `url` (`sqlite:PATH`, `postgres://…`
    /// or `mysql://…`, as [`siftql::sql::driver::connect`] takes them).
    ///
    /// One connection is opened now, to learn the dialect and create the
    /// table, and kept for the first request; with a cache, one more
    /// watches the database for changes. An unknown URL is
    /// [`ErrorCode::Unsupported`](siftql::ErrorCode::Unsupported), a failure
    /// to connect [`ErrorCode::Database`](siftql::ErrorCode::Database).
    pub fn from_url(url: &str, config: Config) -> Result<Service, Error> {
        let url = url.to_owned();
        Service::with_connector(move || connect(&url), config)
    }

    /// A service whose connections come from `connect`, called once now
    /// (to learn the dialect and create the table), again for the cache's
    /// watcher when the database has a
    /// [`data_version`](Driver::data_version), whenever the pool opens a
    /// connection (up to [`Config::pool_size`] at once), and for MySQL's
    /// `KILL QUERY`. Each connection used for requests is
    /// [tuned for reads](Driver::tune_for_reads) and given the
    /// [statement timeout](Driver::set_statement_timeout): the first one if
    /// it can be (SQLite refuses the memory map on `sqlite::memory:`), the
    /// ones the pool opens without fail (while none can be opened, requests
    /// wait for one until their deadline, then are answered 503; the cause
    /// goes to standard error).
    pub fn with_connector(
        connect: impl Fn() -> Result<Box<dyn Driver>, Error> + Send + Sync + 'static,
        config: Config,
    ) -> Result<Service, Error> {
        let mut first = connect()?;
        // Tuning only makes reads faster; an untuned connection answers the
        // same.
        let _ = first.tune_for_reads();
        Service::build(Arc::new(connect), first, config)
    }

    /// A service that starts with `first`, an open connection (say, one
    /// records were just loaded through; it is not tuned again), and opens
    /// more with `connect`, as [`Service::with_connector`] does.
    ///
    /// On `sqlite::memory:` the first connection is the only one that sees
    /// its data: every other connection is a database of its own.
    pub fn with_connection(
        first: Box<dyn Driver>,
        connect: impl Fn() -> Result<Box<dyn Driver>, Error> + Send + Sync + 'static,
        config: Config,
    ) -> Result<Service, Error> {
        Service::build(Arc::new(connect), first, config)
    }

    fn build(
        connect: Arc<Connect>,
        mut first: Box<dyn Driver>,
        config: Config,
    ) -> Result<Service, Error> {
        first.create_table(&config.schema)?;
        // Answers are cached only where the database says when it changed.
        let watcher = match (
            first.data_version()?,
            config.cache_entries,
            config.cache_bytes,
        ) {
            (Some(_), 1.., 1..) => Some(connect()?),
            _ => None,
        };
        let dialect = first.dialect();
        let private = first.private();
        let size = if private { 1 } else { config.pool_size.max(1) };
        let opener = Arc::new(Opener {
            connect: Arc::clone(&connect),
            first: std::sync::Mutex::new(Some(first)),
            private,
            statement_timeout: Some(config.request_timeout),
        });
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .test_on_check_out(false)
            // The one connection of a private database must stay.
            .idle_timeout(config.idle_timeout.filter(|_| !private))
            .max_lifetime(None)
            .connection_timeout(config.request_timeout.max(Duration::from_millis(1)))
            .error_handler(Box::new(pool::LogErrors))
            .build_unchecked(Manager(Arc::clone(&opener)));
        Ok(Service {
            dialect,
            pool: Some(pool),
            opener,
            slots: Arc::new(Semaphore::new(size as usize + config.queue)),
            cache: Cache::new(watcher, config.cache_entries, config.cache_bytes),
            keys: Keys::new(&config.api_keys),
            minter: Minter::new(),
            connect,
            config,
        })
    }

    /// The dialect filters are compiled for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The HTTP interface: `POST /v1/clusters/list`; another method on
    /// that path is a 405 (with `Allow: POST`), any other path a 404, both
    /// as JSON error answers.
    pub fn router(self) -> Router {
        Router::new()
            .route(
                "/v1/clusters/list",
                post(service::list).fallback(|| async {
                    ApiError::new(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        "use POST for /v1/clusters/list",
                    )
                }),
            )
            .fallback(|| async {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such endpoint; the server answers POST /v1/clusters/list",
                )
            })
            .with_state(Arc::new(self))
    }

    /// Serves [`Service::router`] on `listener` until `shutdown` completes,
    /// then lets open requests finish (for up to 10 s): HTTP/1.1 with
    /// keep-alive, at most [`Config::max_connections`] connections (one
    /// more is answered 503 with `Retry-After: 1`), each closed when it
    /// takes longer than [`Config::header_timeout`] to send a request's
    /// headers. `axum::serve` serves the router too, without these bounds.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let max = self.config.max_connections;
        let headers = self.config.header_timeout;
        http::serve(self.router(), listener, max, headers, shutdown).await
    }
}

impl Drop for Service {
    /// Closes the connections on a thread of their own: closing a
    /// PostgreSQL connection blocks on a runtime of the driver's, which
    /// cannot run on an async runtime's thread (where the last request or
    /// the server's shutdown may drop the service).
    fn drop(&mut self) {
        let pool = self.pool.take();
        let first = self
            .opener
            .first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let close = move || drop((pool, first));
        match tokio::runtime::Handle::try_current() {
            Ok(_) => {
                let _ = std::thread::spawn(close).join();
            }
            Err(_) => close(),
        }
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("dialect", &self.dialect)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
