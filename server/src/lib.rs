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
//! [`Service::with_connector`]), the idle connections, the answer cache
//! (where the database tells when it changed: SQLite), the key that signs
//! cursors (drawn at random, so cursors do not survive a restart) and the
//! [`Config`]. Every database call runs on tokio's blocking pool with a
//! pooled connection.
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
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
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
mod pass;
mod request;
mod service;

use std::fmt;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use siftql::sql::driver::{connect, Driver};
use siftql::sql::{Dialect, OnePass, Schema};
use siftql::{Error, Limits};

use auth::Keys;
use cache::Cache;
use cursor::Minter;
use error::ApiError;

/// The largest request body by default: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// How many answers are kept for repeated requests by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 256;

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
            .field("limits", &self.limits)
            .field("one_pass", &self.one_pass)
            .finish()
    }
}

/// Opens a new connection.
type Connect = dyn Fn() -> Result<Box<dyn Driver>, Error> + Send + Sync;

/// The List Clusters service: everything a request needs. Build one with
/// [`Service::from_url`], [`Service::with_connector`] or
/// [`Service::with_connection`], then serve [`Service::router`].
///
/// Building a service creates the schema's table if it is missing.
pub struct Service {
    /// Opens connections when none is idle.
    connect: Box<Connect>,
    /// The dialect of every connection, learnt from the first.
    dialect: Dialect,
    /// Connections between requests.
    idle: Mutex<Vec<Box<dyn Driver>>>,
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
    /// [`data_version`](Driver::data_version), and whenever a request finds
    /// no idle connection. Each connection used for requests is
    /// [tuned for reads](Driver::tune_for_reads): the first one if it can
    /// be (SQLite refuses the memory map on `sqlite::memory:`), the ones
    /// opened for requests without fail (a request that cannot tune its new
    /// connection is answered 500).
    pub fn with_connector(
        connect: impl Fn() -> Result<Box<dyn Driver>, Error> + Send + Sync + 'static,
        config: Config,
    ) -> Result<Service, Error> {
        let mut first = connect()?;
        // Tuning only makes reads faster; an untuned connection answers the
        // same.
        let _ = first.tune_for_reads();
        Service::build(Box::new(connect), first, config)
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
        Service::build(Box::new(connect), first, config)
    }

    fn build(
        connect: Box<Connect>,
        mut first: Box<dyn Driver>,
        config: Config,
    ) -> Result<Service, Error> {
        first.create_table(&config.schema)?;
        // Answers are cached only where the database says when it changed.
        let watcher = match (first.data_version()?, config.cache_entries) {
            (Some(_), 1..) => Some(connect()?),
            _ => None,
        };
        Ok(Service {
            dialect: first.dialect(),
            idle: Mutex::new(vec![first]),
            cache: Cache::new(watcher, config.cache_entries),
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
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("dialect", &self.dialect)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
