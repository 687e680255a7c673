//! `siftql serve`: the List Clusters endpoint over a database.
//!
//! `POST /v1/clusters/list` takes the List Clusters request, compiles its
//! filter with the SQL backend (ANDed with the namespace and the search,
//! outside the user's filter), and answers with one page of records exactly
//! as loaded, the pagination, the total and the statistics of the whole
//! filtered set. Every database call runs on the blocking pool with a
//! pooled connection.

mod cursor;
mod error;
mod request;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use sea_query::{Alias, Condition, Expr, Func, Query, SelectStatement};
use serde_json::{json, Map, Value};
use siftql::ast::{Condition as Cond, FieldPath, Group, Node, Operator};
use siftql::sql::load::{row, Cell};
use siftql::sql::{compile, Dialect, Schema, Sort};
use siftql::{Filter, Limits};

use crate::db::{load_files, open};
use crate::Failure;
use cursor::{Cursor, Minter};
use error::ApiError;
use request::Request;
use siftql::sql::driver::Driver;

/// The largest request body by default.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

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
    /// An API key; when any is given (here or in `SIFTQL_API_KEYS`,
    /// comma-separated), requests need `Authorization: Bearer KEY`.
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// How many answers to keep for repeated requests (SQLite only; 0: none).
    /// Every entry is dropped as soon as the database changes (`PRAGMA
    /// data_version`), so no answer is ever stale.
    #[arg(long, default_value_t = 256)]
    cache_entries: usize,
    /// The largest request body in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
}

/// Everything a request needs.
struct App {
    url: String,
    dialect: Dialect,
    schema: Schema,
    idle: Mutex<Vec<Box<dyn Driver>>>,
    cache: Mutex<Cache>,
    keys: Vec<Vec<u8>>,
    max_body: usize,
    cache_entries: usize,
    limits: Limits,
    minter: Minter,
}

/// Answers kept for repeated requests, keyed by their SQL and values.
///
/// `watcher` is a connection of its own that only ever reads SQLite's
/// `PRAGMA data_version`, which changes when any other connection or
/// process commits; a change drops every answer. `generation` counts the
/// drops, so an answer computed before one is never stored after it.
#[derive(Default)]
struct Cache {
    generation: u64,
    entries: HashMap<String, Arc<str>>,
    watcher: Option<Box<dyn Driver>>,
    version: Option<i64>,
}

impl App {
    /// Runs `f` with a pooled connection (a new one when none is idle); the
    /// connection goes back to the pool unless `f` failed.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut db = match pooled {
            Some(db) => db,
            None => {
                let mut db = open(&self.url).map_err(|f| database(&failure_text(f)))?;
                db.tune_for_reads().map_err(|e| database(e.message()))?;
                db
            }
        };
        let out = f(db.as_mut())?;
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(db);
        Ok(out)
    }

    /// The cache generation answers may be read from and stored under, after
    /// dropping every answer if the database changed since the last request;
    /// `None` when answers are not cached.
    fn cache_generation(&self) -> Result<Option<u64>, ApiError> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let Some(watcher) = cache.watcher.as_mut() else {
            return Ok(None);
        };
        let Some(version) = watcher.data_version().map_err(|e| database(e.message()))? else {
            return Ok(None);
        };
        if cache.version != Some(version) {
            cache.entries.clear();
            cache.generation += 1;
            cache.version = Some(version);
        }
        Ok(Some(cache.generation))
    }

    fn cached(&self, key: &str) -> Option<Arc<str>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.entries.get(key).cloned()
    }

    fn store(&self, generation: u64, key: String, body: Arc<str>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.generation != generation {
            return;
        }
        if cache.entries.len() >= self.cache_entries {
            cache.entries.clear();
        }
        cache.entries.insert(key, body);
    }
}

fn failure_text(f: Failure) -> String {
    match f {
        Failure::Bad(e, _) => e.message().to_owned(),
        Failure::BadInput(m) | Failure::Other(m) => m,
    }
}

fn database(message: &str) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "database_error", message)
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let mut db = open(&args.db)?;
    let schema = crate::db::clusters(args.table.clone());
    let fail = |e: siftql::Error| Failure::Other(e.message().to_owned());
    db.tune_for_reads().map_err(fail)?;
    db.create_table(&schema).map_err(fail)?;
    if !args.load.is_empty() {
        let n = load_files(db.as_mut(), &schema, &args.load)?;
        eprintln!("loaded {n} record(s) into {}", schema.table);
        db.checkpoint().map_err(fail)?;
    }
    let mut keys: Vec<Vec<u8>> = args
        .api_keys
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    if let Ok(env) = std::env::var("SIFTQL_API_KEYS") {
        keys.extend(
            env.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| k.as_bytes().to_vec()),
        );
    }
    // Answers are cached only where the database says when it changed.
    let watcher = match (db.data_version().map_err(fail)?, args.cache_entries) {
        (Some(_), 1..) => Some(open(&args.db)?),
        _ => None,
    };
    let app = Arc::new(App {
        url: args.db.clone(),
        dialect: db.dialect(),
        schema,
        idle: Mutex::new(vec![db]),
        cache: Mutex::new(Cache {
            watcher,
            ..Cache::default()
        }),
        cache_entries: args.cache_entries,
        keys,
        max_body: args.max_body,
        limits: Limits::default(),
        minter: Minter::new(),
    });
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
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Failure::Other(e.to_string()))
    })
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/v1/clusters/list",
            post(list).fallback(|| async {
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
        .with_state(app)
}

/// Compares two byte strings in time that depends only on their lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

fn authorized(app: &App, headers: &HeaderMap) -> bool {
    if app.keys.is_empty() {
        return true;
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .filter(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer "))
        .map_or(&[][..], |v| &v[7..]);
    // Every key is compared, so the time does not tell which one matched.
    app.keys.iter().fold(false, |ok, k| same(k, given) | ok) && !given.is_empty()
}

async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    match answer(app, headers, query, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn answer(
    app: Arc<App>,
    headers: HeaderMap,
    query: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    if !authorized(&app, &headers) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong API key: send `Authorization: Bearer KEY`",
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &format!(
                "the body is larger than the limit of {} bytes",
                app.max_body
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_body as u64) {
        return Err(too_large());
    }
    let bytes = to_bytes(body, app.max_body)
        .await
        .map_err(|_| too_large())?;
    let namespace = match headers.get("x-namespace") {
        Some(v) => Some(
            std::str::from_utf8(v.as_bytes())
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_header",
                        "X-Namespace must be UTF-8",
                    )
                })?
                .to_owned(),
        ),
        None => None,
    };
    let started = Instant::now();
    let req = request::parse(&bytes, query.as_deref(), &app.limits)?;
    let worker = Arc::clone(&app);
    let ((body, hit), compile_time, total) = tokio::task::spawn_blocking(move || {
        let plan = plan(&worker, &req, namespace.as_deref())?;
        let compile_time = started.elapsed();
        let body = worker.with_db(|db| execute(&worker, db, &req, &plan))?;
        Ok::<_, ApiError>((body, compile_time, started.elapsed()))
    })
    .await
    .map_err(|e| database(&format!("the query task failed: {e}")))??;
    let timing = format!(
        "compile;dur={:.3}, total;dur={:.3}, cache;desc={}",
        compile_time.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        if hit { "hit" } else { "miss" }
    );
    let mut r = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&timing) {
        r.headers_mut().insert("server-timing", v);
    }
    Ok(r)
}

/// What a request runs: the full condition and the order.
struct Plan {
    condition: Condition,
    sort: Sort,
    cursor: Option<Cursor>,
}

/// A condition on one field, case-sensitive or not, as a filter node.
fn node(field: &str, op: Operator, value: &str, case_sensitive: bool) -> Node {
    let mut c = Cond::new(
        FieldPath::new(field).unwrap_or_else(|_| unreachable!("a fixed field path")),
        op,
        Value::from(value),
    );
    c.case_sensitive = case_sensitive;
    Node::Condition(Box::new(c))
}

fn plan(app: &App, req: &Request, namespace: Option<&str>) -> Result<Plan, ApiError> {
    let d = app.dialect;
    // A DSL filter's errors point into its text; a JSON filter's into the
    // body (the condition's own place when the error knows it).
    let user = compile(&req.filter, &app.schema, d).map_err(|e| {
        let a = ApiError::filter(&e);
        match (req.dsl, e.pointer()) {
            (true, _) if e.span().is_some() => a.span(&e),
            (true, _) => a.pointer("/filter"),
            (false, p) => a.pointer(&format!("/filters{}", p.unwrap_or(""))),
        }
    })?;
    let mut condition = Condition::all().add(user.condition());
    // The namespace and the search are ANDed outside the user's filter.
    let mut outer = Vec::new();
    if let Some(ns) = namespace {
        outer.push(node("namespace_id", Operator::Eq, ns, true));
    }
    if let Some(s) = &req.search {
        let fields = ["cluster_id", "cluster_name", "description"];
        let any = fields
            .iter()
            .map(|f| node(f, Operator::Text, s, false))
            .collect();
        outer.push(Node::Group(Box::new(Group::any(any))));
    }
    if !outer.is_empty() {
        let f = Filter {
            root: Group::all(outer),
        };
        let c = compile(&f, &app.schema, d)
            .map_err(|e| ApiError::unprocessable(e.code().as_str(), e.message()))?;
        condition = condition.add(c.condition());
    }
    let sort = Sort::new(&app.schema, req.sorts.clone(), "cluster_id").map_err(|e| {
        let pointer = if req.sorts.len() == 1 {
            "/sort/field".to_owned()
        } else {
            "/sorts".to_owned()
        };
        let bad = req
            .sorts
            .iter()
            .position(|k| e.message().contains(&format!("`{}`", k.field)));
        let pointer = match bad {
            Some(i) if req.sorts.len() > 1 => format!("/sorts/{i}/field"),
            _ => pointer,
        };
        ApiError::filter(&e).pointer(&pointer)
    })?;
    let cursor = match &req.cursor {
        Some(text) => Some(
            app.minter
                .check(&req.sorts, text)
                .map_err(|m| ApiError::unprocessable("invalid_cursor", m))?,
        ),
        None => None,
    };
    Ok(Plan {
        condition,
        sort,
        cursor,
    })
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// The answer's body, and whether it came from the cache.
fn execute(
    app: &App,
    db: &mut dyn Driver,
    req: &Request,
    plan: &Plan,
) -> Result<(Arc<str>, bool), ApiError> {
    let d = app.dialect;
    let table = Alias::new(&app.schema.table);
    let fail = |e: siftql::Error| database(e.message());

    // Totals and statistics over the whole filtered set.
    let stats_query = Query::select()
        .expr(col("status"))
        .expr(Func::count(Expr::cust("*")))
        .expr(Func::sum(col("num_documents_clustered")))
        .from(table.clone())
        .cond_where(plan.condition.clone())
        .group_by_col(Alias::new("status"))
        .to_owned();
    // The page: one row more than asked tells whether another follows.
    let doc = app.schema.document.as_deref().unwrap_or("doc");
    let mut page_query: SelectStatement = Query::select()
        .expr(d.apply(d.document_text(), col(doc)))
        .from(table)
        .cond_where(plan.condition.clone())
        .to_owned();
    let page = match &plan.cursor {
        Some(c) => {
            let after = plan
                .sort
                .after(d, &c.values, &c.key)
                .map_err(|e| ApiError::unprocessable("invalid_cursor", e.message()))?;
            page_query.cond_where(after);
            c.page
        }
        None => {
            page_query.offset(req.offset);
            req.offset / req.limit + 1
        }
    };
    plan.sort.order_by(&mut page_query, d);
    page_query.limit(req.limit + 1);

    let generation = app.cache_generation()?;
    let key = generation.map(|_| {
        let (a, av) = siftql::sql::build(&stats_query, d);
        let (b, bv) = siftql::sql::build(&page_query, d);
        // The page number comes from a cursor, not from the SQL.
        format!("{a}\n{av:?}\n{b}\n{bv:?}\n{page}")
    });
    if let Some(hit) = key.as_deref().and_then(|k| app.cached(k)) {
        return Ok((hit, true));
    }
    let mut total: u64 = 0;
    let mut documents = 0f64;
    let mut by_status = Map::new();
    for r in db.rows(&stats_query).map_err(fail)? {
        let n = match r.get(1) {
            Some(Cell::Int(n)) => u64::try_from(*n).unwrap_or(0),
            Some(Cell::Float(f)) => *f as u64,
            _ => 0,
        };
        total += n;
        documents += match r.get(2) {
            Some(Cell::Float(f)) => *f,
            Some(Cell::Int(i)) => *i as f64,
            _ => 0.0,
        };
        if let Some(Cell::Text(status)) = r.first() {
            by_status.insert(status.clone(), n.into());
        }
    }

    let mut docs: Vec<String> = db
        .rows(&page_query)
        .map_err(fail)?
        .into_iter()
        .filter_map(|mut r| match r.pop() {
            Some(Cell::Text(s)) => Some(s),
            _ => None,
        })
        .collect();
    let more = docs.len() as u64 > req.limit;
    docs.truncate(req.limit as usize);

    let next_cursor = match docs.last() {
        Some(last) if more => Some(
            app.minter
                .issue(&req.sorts, &position(app, plan, last, page)?),
        ),
        _ => None,
    };
    let total_pages = total.div_ceil(req.limit);
    let documents_json = if documents.fract() == 0.0 && documents.abs() < 9e15 {
        Value::from(documents as i64)
    } else {
        Value::from(documents)
    };
    let average = if total == 0 {
        0.0
    } else {
        documents / total as f64
    };
    let rest = json!({
        "pagination": {
            "total": total,
            "page": page,
            "page_size": req.limit,
            "total_pages": total_pages,
            "next_page": more.then(|| (page + 1).to_string()),
            "previous_page": (page > 1).then(|| (page - 1).to_string()),
            "next_cursor": next_cursor,
        },
        "total_count": total,
        "stats": {
            "total_clusters": total,
            "total_documents": documents_json,
            "avg_documents_per_cluster": average,
            "clusters_by_status": by_status,
        },
    });
    // The records go out as stored, byte for byte (they were checked to be
    // JSON objects when loaded).
    let rest = rest.to_string();
    let mut out =
        String::with_capacity(rest.len() + docs.iter().map(|d| d.len() + 1).sum::<usize>() + 16);
    out.push_str("{\"results\":[");
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(d);
    }
    out.push_str("],");
    out.push_str(&rest[1..]);
    let body: Arc<str> = out.into();
    if let (Some(g), Some(k)) = (generation, key) {
        app.store(g, k, Arc::clone(&body));
    }
    Ok((body, false))
}

/// The position after the record `doc` in the plan's order.
fn position(app: &App, plan: &Plan, doc: &str, page: u64) -> Result<Cursor, ApiError> {
    let cells = row(&app.schema, doc).map_err(|e| database(e.message()))?;
    let cell = |field: &str| -> Cell {
        let offset = usize::from(app.schema.document.is_some());
        app.schema
            .columns
            .iter()
            .position(|c| c.field == field)
            .and_then(|i| cells.get(i + offset).cloned())
            .unwrap_or(Cell::Null)
    };
    let key = match cell("cluster_id") {
        Cell::Text(s) => s,
        _ => return Err(database("a stored record has no cluster_id")),
    };
    Ok(Cursor {
        values: plan.sort.fields().map(cell).collect(),
        key,
        page: page + 1,
    })
}
