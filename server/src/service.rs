//! The handler: a request checked, planned (the SQL condition and order),
//! executed on a pooled connection, and answered.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_query::Condition;
use serde_json::{json, Value};
use siftql::ast::{Condition as Cond, FieldPath, Group, Node, Operator};
use siftql::eval::Predicate;
use siftql::sql::driver::Driver;
use siftql::sql::load::{row, Cell};
use siftql::sql::{compile, compile_rechecked, OnePass, Sort};
use siftql::Filter;

use crate::cursor::{Cursor, Scope};
use crate::error::ApiError;
use crate::pass::{self, Filtered, Window};
use crate::pool::{self, Ticket};
use crate::request::{self, Request};
use crate::Service;

/// A database failure as an answer (500): the cause goes to the log, the
/// client gets a request id to find it by.
fn database(message: &str) -> ApiError {
    ApiError::internal(message)
}

/// 503 with `Retry-After`: no connection for the request in time.
fn busy(message: &str) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
}

/// 504: the request ran past its deadline.
fn timed_out(app: &Service) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "timeout",
        &format!(
            "the request ran longer than the server's limit of {} ms and was stopped",
            app.config.request_timeout.as_millis()
        ),
    )
}

impl Service {
    /// Runs `f` with a pooled connection, waiting for one until `deadline`
    /// (503 then). The connection goes back to the pool unless `f` failed
    /// on it or the request was cancelled meanwhile (it is closed).
    fn with_db<T>(
        &self,
        ticket: &Ticket,
        deadline: Instant,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let pool = self
            .pool
            .as_ref()
            .unwrap_or_else(|| unreachable!("the pool is taken only when the service drops"));
        let mut conn = pool
            .get_timeout(wait.max(std::time::Duration::from_millis(1)))
            .map_err(|e| {
                let why = e.to_string();
                if why.contains("timed out") && !why.contains(':') {
                    busy("every database connection is busy; retry shortly")
                } else {
                    // The database refused a new connection.
                    busy_logged(&why)
                }
            })?;
        if !ticket.start(conn.db.interrupt()) {
            return Err(busy("the request was cancelled"));
        }
        let out = f(&mut pool::Checked {
            db: conn.db.as_mut(),
            ticket,
        });
        let interrupted = ticket.finish();
        // An interruption may reach the connection after its statement
        // ended, and one the database failed on may be in any state:
        // neither is used again. (A request refused for what it asked, a
        // bad cursor say, leaves its connection as it was.)
        let failed = out
            .as_ref()
            .err()
            .is_some_and(|e| e.status.is_server_error());
        if interrupted || failed {
            self.opener.renew(&mut conn);
        }
        if interrupted || Instant::now() >= deadline {
            return Err(timed_out(self));
        }
        out
    }
}

/// 503 whose cause (the database's refusal) goes to the log only.
fn busy_logged(cause: &str) -> ApiError {
    ApiError::logged(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "no database connection could be opened",
        cause,
    )
}

/// Cancels a request's database work when dropped armed: when its deadline
/// passed, or when the client left and the handler's future was dropped.
struct CancelOnDrop {
    app: Arc<Service>,
    ticket: Arc<Ticket>,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Some(interrupt) = self.ticket.cancel() else {
            return;
        };
        let connect = Arc::clone(&self.app.connect);
        let stop = move || {
            if let Err(e) = pool::interrupt(connect.as_ref(), interrupt) {
                eprintln!("siftql-server: could not stop a statement: {}", e.message());
            }
        };
        // A PostgreSQL cancel request blocks: not on a worker thread.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(stop)),
            Err(_) => stop(),
        }
    }
}

/// `POST /v1/clusters/list`.
pub(crate) async fn list(
    State(app): State<Arc<Service>>,
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
    app: Arc<Service>,
    headers: HeaderMap,
    query: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    if !app.keys.authorized(&headers) {
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
                app.config.max_body
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.config.max_body as u64) {
        return Err(too_large());
    }
    let bytes = tokio::time::timeout(app.config.body_timeout, to_bytes(body, app.config.max_body))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                &format!(
                    "the body did not arrive within {} ms",
                    app.config.body_timeout.as_millis()
                ),
            )
        })?
        .map_err(|_| too_large())?;
    if headers.get_all("x-namespace").iter().nth(1).is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_header",
            "X-Namespace is given more than once; send one",
        ));
    }
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
    let deadline = started + app.config.request_timeout;
    let req = request::parse(&bytes, query.as_deref(), &app.config.limits)?;
    // A request past the pool's connections and queue is not taken.
    let slot = Arc::clone(&app.slots)
        .try_acquire_owned()
        .map_err(|_| busy("the server has as many requests as it can take; retry shortly"))?;
    let ticket = Arc::new(Ticket::default());
    let mut guard = CancelOnDrop {
        app: Arc::clone(&app),
        ticket: Arc::clone(&ticket),
        armed: true,
    };
    let worker = Arc::clone(&app);
    let task = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        if ticket.cancelled() {
            return Err(busy("the request was cancelled"));
        }
        let plan = plan(&worker, &req, namespace.as_deref())?;
        let compile_time = started.elapsed();
        let body = worker.with_db(&ticket, deadline, |db| execute(&worker, db, &req, &plan))?;
        Ok::<_, ApiError>((body, compile_time, started.elapsed()))
    });
    let joined = tokio::time::timeout_at(deadline.into(), task)
        .await
        .map_err(|_| {
            // Still waiting for a connection: the server is busy, the
            // request did not run.
            if guard.ticket.waiting() {
                busy("no database connection was free before the request's deadline; retry shortly")
            } else {
                timed_out(&app)
            }
        })?;
    guard.armed = false;
    let ((body, hit), compile_time, total) =
        joined.map_err(|e| database(&format!("the query task failed: {e}")))??;
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
    /// What the rows the condition selects must still pass, when part of
    /// the request could not be said exactly in SQL: the user's filter and
    /// the search (the namespace is always exact).
    residual: Option<Arc<Predicate>>,
    sort: Sort,
    /// What a cursor given or issued is bound to.
    scope: Scope,
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

fn plan(app: &Service, req: &Request, namespace: Option<&str>) -> Result<Plan, ApiError> {
    let d = app.dialect;
    // A DSL filter's errors point into its text; a JSON filter's into the
    // body (the condition's own place when the error knows it).
    // What the dialect cannot say is rechecked on each candidate row.
    let user = compile_rechecked(&req.filter, &app.config.schema, d, &Default::default()).map_err(
        |e| {
            let a = ApiError::filter(&e);
            match (req.dsl, e.pointer()) {
                (true, _) if e.span().is_some() => a.span(&e),
                (true, _) => a.pointer("/filter"),
                (false, p) => a.pointer(&format!("/filters{}", p.unwrap_or(""))),
            }
        },
    )?;
    let mut condition = Condition::all().add(user.condition());
    let mut residual = user.residual().map(|_| req.filter.root.clone());
    // The namespace and the search are ANDed outside the user's filter.
    if let Some(ns) = namespace {
        let f = Filter {
            root: Group::all(vec![node("namespace_id", Operator::Eq, ns, true)]),
        };
        let c = compile(&f, &app.config.schema, d)
            .map_err(|e| ApiError::unprocessable(e.code().as_str(), e.message()))?;
        condition = condition.add(c.condition());
    }
    if let Some(s) = &req.search {
        let fields = ["cluster_id", "cluster_name", "description"];
        let any = fields
            .iter()
            .map(|f| node(f, Operator::Text, s, false))
            .collect();
        let search = Filter {
            root: Group::all(vec![Node::Group(Box::new(Group::any(any)))]),
        };
        // (On PostgreSQL a search with U+0000 is rechecked.)
        let c = compile_rechecked(&search, &app.config.schema, d, &Default::default())
            .map_err(|e| ApiError::unprocessable(e.code().as_str(), e.message()))?;
        condition = condition.add(c.condition());
        if c.residual().is_some() {
            let mut both = vec![Node::Group(Box::new(search.root))];
            both.extend(residual.take().map(|g| Node::Group(Box::new(g))));
            residual = Some(Group::all(both));
        }
    }
    let residual = match residual {
        Some(root) => Some(Arc::new(
            Predicate::new(&Filter { root }).map_err(|e| database(e.message()))?,
        )),
        None => None,
    };
    let sort = Sort::new(&app.config.schema, req.sorts.clone(), "cluster_id").map_err(|e| {
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
    // A cursor continues the request that returned it: the same sort,
    // namespace, filter and search (the page size may change).
    let scope = app
        .minter
        .scope(namespace, &req.filter, req.search.as_deref());
    let cursor = match &req.cursor {
        Some(text) => Some(
            app.minter
                .check(&req.sorts, scope, text)
                .map_err(|r| ApiError::unprocessable("invalid_cursor", r.message()))?,
        ),
        None => None,
    };
    Ok(Plan {
        condition,
        residual,
        sort,
        scope,
        cursor,
    })
}

/// The answer's body, and whether it came from the cache.
fn execute(
    app: &Service,
    db: &mut dyn Driver,
    req: &Request,
    plan: &Plan,
) -> Result<(Arc<str>, bool), ApiError> {
    let schema = &app.config.schema;
    let residual = plan.residual.as_deref();
    // Only `Rows` reads each candidate's document to recheck it.
    let pass = match residual {
        Some(_) => OnePass::Rows,
        None => app
            .config
            .one_pass
            .unwrap_or_else(|| app.dialect.one_pass()),
    };
    let fail = |e: siftql::Error| database(e.message());
    // `start`: the rows before the page (its offset, or the rows of the
    // pages a cursor walked), which give its number.
    let (window, start) = match &plan.cursor {
        Some(c) => {
            // A cursor's values must fit the sort before they are trusted.
            plan.sort
                .after(app.dialect, &c.values, &c.key)
                .map_err(|e| ApiError::unprocessable("invalid_cursor", e.message()))?;
            let w = Window {
                after: Some((&c.values, &c.key)),
                offset: 0,
                limit: req.limit,
            };
            (w, c.rows)
        }
        None => {
            let w = Window {
                after: None,
                offset: req.offset,
                limit: req.limit,
            };
            (w, req.offset)
        }
    };
    let page = start / req.limit + 1;

    let warnings = crate::warn::warnings(schema, req);
    let generation = app.cache.generation().map_err(fail)?;
    let key = generation.map(|_| {
        // The page number comes from a cursor, not from the SQL, and the
        // next cursor is bound to the scope, which the SQL may not tell
        // (two filters can render the same).
        let sql = pass::cache_key(
            schema,
            app.dialect,
            pass,
            &plan.condition,
            &plan.sort,
            &window,
        );
        // A rechecked condition's SQL does not tell the filter (two
        // filters can render the same): the filter does.
        let recheck = residual.map_or_else(String::new, |_| {
            format!("{}\n{}", req.filter, req.search.as_deref().unwrap_or(""))
        });
        // Warnings point into the body as it was written (`filter` or
        // `filters`), which the SQL does not tell either.
        format!(
            "{sql}\n{start}\n{:?}\n{recheck}\n{}",
            plan.scope,
            Value::Array(warnings.clone())
        )
    });
    if let Some(hit) = key.as_deref().and_then(|k| app.cache.get(k)) {
        return Ok((hit, true));
    }
    let Filtered {
        total,
        documents,
        by_status,
        mut docs,
    } = pass::run(
        db,
        schema,
        pass,
        &plan.condition,
        residual,
        &plan.sort,
        &window,
    )
    .map_err(fail)?;
    let more = docs.len() as u64 > req.limit;
    docs.truncate(req.limit as usize);

    let next_cursor = match docs.last() {
        Some(last) if more => Some(app.minter.issue(
            &req.sorts,
            plan.scope,
            &position(app, plan, last, start + docs.len() as u64)?,
        )),
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
    let mut rest = rest;
    if !warnings.is_empty() {
        rest["warnings"] = Value::Array(warnings);
    }
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
        app.cache.store(g, k, Arc::clone(&body));
    }
    Ok((body, false))
}

/// The position after the record `doc` in the plan's order, `rows` rows
/// in.
fn position(app: &Service, plan: &Plan, doc: &str, rows: u64) -> Result<Cursor, ApiError> {
    let cells = row(&app.config.schema, doc).map_err(|e| database(e.message()))?;
    let cell = |field: &str| -> Cell {
        let offset = usize::from(app.config.schema.document.is_some());
        app.config
            .schema
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
        rows,
    })
}
