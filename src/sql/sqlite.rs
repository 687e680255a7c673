//! Running compiled filters on SQLite (rusqlite, bundled).
//!
//! SQLite lacks some of what the SQL needs; [`register`] adds it to a
//! connection (do the same on your own connections before running SQL that
//! siftql compiled):
//!
//! | function | meaning |
//! |---|---|
//! | `siftql_lower(text)` | Unicode lowercase, character by character |
//! | `siftql_instant(text)` | an RFC 3339 date-time or date as text that orders as its instant does (the nanoseconds since the epoch, in 32 hex digits with the sign bit flipped), else `NULL` |
//! | `regexp(pattern, text)` | Rust `regex` search (the `REGEXP` operator) |
//! | `siftql_leaves(json, path, mode)` | the values at a path, walked as the evaluator walks it (see `sql::json`) |
//! | `siftql_phrase(text, phrase)` | the `phrase` operator on one string |
//! | `siftql_words(text, words)` | the `words` operator on one string |
//! | `siftql_geo_radius(json, shape)` | the `geo_radius` operator on one JSON value (a point, or an array of points) |
//! | `siftql_geo_bounding_box(json, shape)` | the `geo_bounding_box` operator, likewise |
//! | `siftql_geo_polygon(json, shape)` | the `geo_polygon` operator, likewise |
//!
//! The last five run the evaluator's own code on the one value they are
//! given (`shape` is the operator's value as JSON text), so they mean exactly
//! what the evaluator means; each returns 0 or 1, never `NULL` (a `NULL`
//! value is 0).

use std::sync::Arc;

use rusqlite::functions::FunctionFlags;
use rusqlite::params_from_iter;
pub use rusqlite::Connection;
use sea_query::Value as SqlValue;
use serde_json::Value;

use super::driver::{Driver, Interrupt};
use super::load::{create_table_sql, insert_sql, row, Cell, CellRef};
use super::{build, Compiled, Dialect, Schema};
use crate::ast::{Condition, FieldPath, Filter, Group, Operator};
use crate::error::Error;
use crate::eval::{instant, lookup_json, lower, Found, Leaf, Predicate, Record};

/// The dialect this driver runs.
const DIALECT: Dialect = Dialect::Sqlite;

/// Opens (or creates) a database file with siftql's functions registered.
pub fn open(path: &str) -> Result<Connection, Error> {
    let conn = Connection::open(path).map_err(db_error)?;
    register(&conn).map_err(db_error)?;
    Ok(conn)
}

pub use super::db_error;

/// Registers `siftql_lower`, `siftql_instant`, `regexp`, `siftql_leaves`,
/// `siftql_phrase`, `siftql_words`, `siftql_geo_radius`,
/// `siftql_geo_bounding_box` and `siftql_geo_polygon`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("siftql_lower", 1, flags, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| lower(&s)))
    })?;
    conn.create_scalar_function("siftql_instant", 1, flags, |ctx| {
        Ok(ctx
            .get::<Option<String>>(0)?
            .and_then(|s| instant(&s))
            .map(super::dialect::instant_key))
    })?;
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let re = ctx.get_or_create_aux(
            0,
            |v| -> Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                Ok(regex::Regex::new(v.as_str()?)?)
            },
        )?;
        Ok(ctx
            .get::<Option<String>>(1)?
            .is_some_and(|s| re.is_match(&s)))
    })?;
    conn.create_scalar_function("siftql_leaves", 3, flags, |ctx| {
        let user = |e: serde_json::Error| rusqlite::Error::UserFunctionError(Box::new(e));
        let doc = match ctx.get_raw(0) {
            rusqlite::types::ValueRef::Null => return Ok(None),
            v => v.as_str()?,
        };
        // The path is a constant of the statement: parsed once.
        let path = ctx.get_or_create_aux(
            1,
            |v| -> Result<Vec<Box<str>>, Box<dyn std::error::Error + Send + Sync>> {
                Ok(serde_json::from_str(v.as_str()?)?)
            },
        )?;
        let mode: i64 = ctx.get(2)?;
        // A record is read without building its tree: only the value at
        // the path's first key is parsed.
        if !path.is_empty() && doc.trim_start().starts_with('{') {
            let record = crate::eval::RawRecord::parse(doc).map_err(user)?;
            let mut out = Vec::new();
            crate::eval::Record::lookup(&record, &path, &mut |leaf: Leaf<'_>| {
                collect(&mut out, leaf, mode)
            });
            return Ok(Some(Value::Array(out).to_string()));
        }
        let doc: Value = serde_json::from_str(doc).map_err(user)?;
        Ok(Some(leaves(&doc, &path, mode).to_string()))
    })?;
    for op in [Operator::Phrase, Operator::Words] {
        conn.create_scalar_function(function_name(op), 2, flags, move |ctx| {
            let test = ctx.get_or_create_aux(1, |v| OneValue::new(op, v.as_str()?.into()))?;
            Ok(ctx
                .get::<Option<String>>(0)?
                .is_some_and(|s| test.matches(&Value::String(s))))
        })?;
    }
    for op in [
        Operator::GeoRadius,
        Operator::GeoBoundingBox,
        Operator::GeoPolygon,
    ] {
        conn.create_scalar_function(function_name(op), 2, flags, move |ctx| {
            let test = ctx
                .get_or_create_aux(1, |v| OneValue::new(op, serde_json::from_str(v.as_str()?)?))?;
            let Some(text) = ctx.get::<Option<String>>(0)? else {
                return Ok(false);
            };
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            Ok(test.matches(&v))
        })?;
    }
    Ok(())
}

/// The name of the function that runs the evaluator's `op` (a constant of
/// the SQLite dialect).
fn function_name(op: Operator) -> &'static str {
    use crate::sql::SqlDialect;
    crate::sql::dialect::SqliteDialect
        .evaluator_function(op)
        .expect("a function for every operator registered here")
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The evaluator's condition `v <op> value`, asked about one value.
struct OneValue(Predicate);

impl OneValue {
    fn new(op: Operator, value: Value) -> Result<OneValue, BoxError> {
        let field = FieldPath::new("v").map_err(|e| e.to_string())?;
        let filter = Filter::from(Group::all(vec![Condition::new(field, op, value).into()]));
        Ok(OneValue(
            Predicate::new(&filter).map_err(|e| e.to_string())?,
        ))
    }

    fn matches(&self, v: &Value) -> bool {
        self.0.matches(&OnlyField(v))
    }
}

/// A record whose only field holds one value.
struct OnlyField<'a>(&'a Value);

impl Record for OnlyField<'_> {
    fn lookup<F: Found>(&self, _: &[Box<str>], found: &mut F) {
        found(Leaf::from(self.0));
    }
}

/// Adds a leaf to `out` as `mode` says (see `sql::json`); never stops the walk.
fn collect(out: &mut Vec<Value>, leaf: Leaf<'_>, mode: i64) -> bool {
    let v = match leaf {
        Leaf::Json(v) => v.clone(),
        Leaf::Null => Value::Null,
        Leaf::Bool(b) => Value::Bool(b),
        Leaf::I64(i) => i.into(),
        Leaf::U64(u) => u.into(),
        Leaf::F64(f) => f.into(),
        Leaf::Str(s) => s.into(),
        Leaf::Strs(s) => s.into(),
    };
    match (mode, v) {
        (0, v) => out.push(v),
        (_, Value::Array(items)) => out.extend(items),
        (1, v) => out.push(v),
        _ => {}
    }
    false
}

/// The values at `path` in `doc` as a JSON array (`mode` as in `sql::json`).
fn leaves(doc: &Value, path: &[Box<str>], mode: i64) -> Value {
    let mut out = Vec::new();
    let mut push = |leaf: Leaf<'_>| collect(&mut out, leaf, mode);
    if path.is_empty() {
        push(Leaf::Json(doc));
    } else {
        lookup_json(doc, path, &mut push);
    }
    Value::Array(out)
}

/// Creates the schema's table if it is missing.
pub fn create_table(conn: &Connection, schema: &Schema) -> Result<(), Error> {
    conn.execute(&create_table_sql(schema, DIALECT), [])
        .map_err(db_error)?;
    Ok(())
}

fn cell_value(c: Cell) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match c {
        Cell::Null => V::Null,
        Cell::Text(s) => V::Text(s),
        Cell::Int(i) => V::Integer(i),
        Cell::Float(f) => V::Real(f),
        Cell::Bool(b) => V::Integer(i64::from(b)),
    }
}

/// Inserts or replaces records (by the key column) from JSON text, one
/// record a call; the record is stored as given in the document column.
pub struct Loader<'c> {
    stmt: rusqlite::Statement<'c>,
    schema: Schema,
}

impl<'c> Loader<'c> {
    /// Prepares the upsert for `schema` (creating its table if missing).
    pub fn new(conn: &'c Connection, schema: &Schema) -> Result<Loader<'c>, Error> {
        create_table(conn, schema)?;
        let sql = insert_sql(schema, DIALECT);
        let stmt = conn.prepare(&sql).map_err(db_error)?;
        Ok(Loader {
            stmt,
            schema: schema.clone(),
        })
    }

    /// Loads one record given as JSON text (kept byte for byte).
    pub fn load(&mut self, text: &str) -> Result<(), Error> {
        let values = row(&self.schema, text)?.into_iter().map(cell_value);
        self.stmt
            .execute(params_from_iter(values))
            .map_err(db_error)?;
        Ok(())
    }
}

fn to_sql(v: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        SqlValue::Bool(Some(b)) => V::Integer(i64::from(*b)),
        SqlValue::BigInt(Some(i)) => V::Integer(*i),
        // LIMIT and OFFSET.
        SqlValue::BigUnsigned(Some(u)) => V::Integer(i64::try_from(*u).unwrap_or(i64::MAX)),
        SqlValue::Int(Some(i)) => V::Integer(i64::from(*i)),
        SqlValue::Double(Some(f)) => V::Real(*f),
        SqlValue::String(Some(s)) => V::Text(s.clone()),
        _ => V::Null,
    }
}

/// Runs a compiled filter's `SELECT` (in load order), calling `row` with
/// each matching document.
pub fn query(
    conn: &Connection,
    compiled: &Compiled,
    row: impl FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut row = super::driver::rechecked(compiled, row);
    let select = compiled
        .select()
        .order_by(
            sea_query::Alias::new(DIALECT.load_order()),
            sea_query::Order::Asc,
        )
        .to_owned();
    let (sql, values) = build(&select, DIALECT);
    let mut stmt = conn.prepare(&sql).map_err(db_error)?;
    let params: Vec<_> = values.0.iter().map(to_sql).collect();
    let mut rows = stmt.query(params_from_iter(params)).map_err(db_error)?;
    while let Some(r) = rows.next().map_err(db_error)? {
        let doc: String = r.get(0).map_err(db_error)?;
        row(&doc)?;
    }
    Ok(())
}

/// Runs any `SELECT` built for SQLite and returns its rows as cells
/// (integers, booleans included, come back as [`Cell::Int`]).
pub fn rows(
    conn: &Connection,
    select: &sea_query::SelectStatement,
) -> Result<Vec<Vec<Cell>>, Error> {
    super::driver::owned_rows(|each| scan(conn, select, each))
}

/// Calls `each` with every row of a `SELECT` built for SQLite, its cells
/// borrowed (text that is not UTF-8 is read as [`rows`] reads it).
pub fn scan(
    conn: &Connection,
    select: &sea_query::SelectStatement,
    each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
) -> Result<(), Error> {
    use rusqlite::types::ValueRef;
    let (sql, values) = build(select, DIALECT);
    let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
    let width = stmt.column_count();
    let params: Vec<_> = values.0.iter().map(to_sql).collect();
    let mut rows = stmt.query(params_from_iter(params)).map_err(db_error)?;
    while let Some(r) = rows.next().map_err(db_error)? {
        let mut cells = Vec::with_capacity(width);
        let mut lossy = false;
        for i in 0..width {
            cells.push(match r.get_ref(i).map_err(db_error)? {
                ValueRef::Null => CellRef::Null,
                ValueRef::Integer(i) => CellRef::Int(i),
                ValueRef::Real(f) => CellRef::Float(f),
                ValueRef::Text(t) | ValueRef::Blob(t) => match std::str::from_utf8(t) {
                    Ok(s) => CellRef::Text(s),
                    Err(_) => {
                        lossy = true;
                        CellRef::Null
                    }
                },
            });
        }
        if lossy {
            let owned = (0..width)
                .map(|i| {
                    Ok(match r.get_ref(i).map_err(db_error)? {
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            Cell::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        _ => cells[i].to_cell(),
                    })
                })
                .collect::<Result<Vec<Cell>, Error>>()?;
            let refs: Vec<CellRef<'_>> = owned.iter().map(Cell::as_ref).collect();
            each(&refs)?;
        } else {
            each(&cells)?;
        }
    }
    Ok(())
}

impl Driver for Connection {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        create_table(self, schema)
    }

    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.execute_batch(sql).map_err(db_error)
    }

    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        let mut stmt = self
            .prepare_cached(&insert_sql(schema, DIALECT))
            .map_err(db_error)?;
        for r in rows {
            stmt.execute(params_from_iter(r.into_iter().map(cell_value)))
                .map_err(db_error)?;
        }
        Ok(())
    }

    fn rows(&mut self, select: &sea_query::SelectStatement) -> Result<Vec<Vec<Cell>>, Error> {
        rows(self, select)
    }

    fn scan(
        &mut self,
        select: &sea_query::SelectStatement,
        each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        scan(self, select, each)
    }

    fn documents(
        &mut self,
        compiled: &Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        query(self, compiled, each)
    }

    fn explain(&mut self, select: &sea_query::SelectStatement) -> Result<Vec<String>, Error> {
        explain(self, select)
    }

    fn data_version(&mut self) -> Result<Option<i64>, Error> {
        self.query_row("PRAGMA data_version", [], |r| r.get(0))
            .map(Some)
            .map_err(db_error)
    }

    // Readers do not wait for a writer, and the other way round; the file
    // is read through a memory map (no read call a page) of up to 1 GiB.
    fn tune_for_reads(&mut self) -> Result<(), Error> {
        // Setting the mode takes a lock a writer may hold (and does not
        // wait for it): only when the file is not in WAL mode already.
        let mode: String = self
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(db_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.pragma_update(None, "journal_mode", "WAL")
                .map_err(db_error)?;
        }
        // (An in-memory database answers no row.)
        self.execute_batch("PRAGMA mmap_size = 1073741824")
            .map_err(db_error)
    }

    // Readers then find pages in the database file instead of looking each
    // up in the log.
    fn checkpoint(&mut self) -> Result<(), Error> {
        self.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(db_error)
    }

    fn interrupt(&self) -> Option<Interrupt> {
        let handle = self.get_interrupt_handle();
        Some(Interrupt::Call(Arc::new(move || {
            handle.interrupt();
            Ok(())
        })))
    }

    fn private(&self) -> bool {
        // `Some("")`: in memory, or a temporary file.
        matches!(self.path(), None | Some(""))
    }

    fn close(self: Box<Self>) -> Result<(), Error> {
        Connection::close(*self).map_err(|(_, e)| db_error(e))
    }
}

/// `EXPLAIN QUERY PLAN` of a `SELECT` built for SQLite, with its values
/// bound: one line a step (its `detail`), indented by its depth.
pub fn explain(
    conn: &Connection,
    select: &sea_query::SelectStatement,
) -> Result<Vec<String>, Error> {
    let (sql, values) = build(select, DIALECT);
    let mut stmt = conn
        .prepare(&format!("{} {sql}", DIALECT.explain()))
        .map_err(db_error)?;
    let params: Vec<_> = values.0.iter().map(to_sql).collect();
    let mut rows = stmt.query(params_from_iter(params)).map_err(db_error)?;
    let mut depth: Vec<(i64, usize)> = Vec::new();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_error)? {
        let (id, parent, detail): (i64, i64, String) = (
            r.get(0).map_err(db_error)?,
            r.get(1).map_err(db_error)?,
            r.get(3).map_err(db_error)?,
        );
        let level = depth
            .iter()
            .rev()
            .find(|(node, _)| *node == parent)
            .map_or(0, |(_, l)| l + 1);
        depth.push((id, level));
        out.push(format!("{}{detail}", "  ".repeat(level)));
    }
    Ok(out)
}
