//! Running compiled filters on MySQL 8 / MariaDB 10.6+ (the `mysql` crate).
//!
//! The document column is `LONGTEXT` (kept byte for byte); `json` columns
//! of the schema are `LONGTEXT` holding JSON; rows keep their load order in
//! `siftql_seq`.
//!
//! [`Driver::upsert`](super::driver::Driver::upsert) sends a batch as
//! multi-row `INSERT … VALUES (…), (…) … ON DUPLICATE KEY UPDATE`
//! statements, each within the 65,535 placeholders of a prepared statement
//! and the server's `max_allowed_packet`. MySQL takes the rows of one
//! statement in order, a duplicate key updating the row inserted before it,
//! as one statement a row would.

pub use mysql::prelude::Queryable;
pub use mysql::Conn;

use mysql::{Opts, Params, Value as MyValue};
use sea_query::Value as SqlValue;

use std::borrow::Cow;
use std::time::Duration;

use super::driver::Interrupt;
use super::load::{
    create_table_sql, insert_rows_sql, insert_sql, row, row_columns, text_key_definitions, Cell,
    CellRef,
};
use super::{build, db_error, Compiled, Dialect, Schema};
use crate::error::Error;

/// The dialect this driver runs.
const DIALECT: Dialect = Dialect::MySql;

/// Connects to a `mysql://` URL (no TLS: local and private networks).
pub fn connect(url: &str) -> Result<Conn, Error> {
    let opts = Opts::from_url(url).map_err(db_error)?;
    let mut conn = Conn::new(opts).map_err(|e| {
        db_error(format!(
            "cannot connect to {}: {}",
            super::redacted(url),
            super::with_causes(&e)
        ))
    })?;
    // Backslashes in string literals stay escapes, as sea-query writes them.
    conn.query_drop("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')")
        .map_err(db_error)?;
    Ok(conn)
}

/// Creates the schema's table if it is missing (outside any transaction:
/// MySQL commits implicitly around DDL).
///
/// A table made before siftql kept key columns beside its text columns
/// ([`SqlDialect::text_key`](crate::sql::SqlDialect::text_key)) gets them
/// (virtual columns: adding them rewrites nothing).
pub fn create_table(conn: &mut impl Queryable, schema: &Schema) -> Result<(), Error> {
    conn.query_drop(create_table_sql(schema, DIALECT))
        .map_err(db_error)?;
    let keys = text_key_definitions(schema, DIALECT);
    if keys.is_empty() {
        return Ok(());
    }
    let present: Vec<String> = conn
        .exec(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            (schema.table.as_str(),),
        )
        .map_err(db_error)?;
    let missing: Vec<String> = keys
        .into_iter()
        .filter(|(name, _)| !present.iter().any(|p| p.eq_ignore_ascii_case(name)))
        .map(|(_, def)| format!("ADD COLUMN {def}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    conn.query_drop(format!(
        "ALTER TABLE {} {}",
        DIALECT.quote(&schema.table),
        missing.join(", ")
    ))
    .map_err(db_error)
}

fn cell(c: Cell) -> MyValue {
    match c {
        Cell::Null => MyValue::NULL,
        Cell::Text(s) => MyValue::Bytes(s.into_bytes()),
        Cell::Int(i) => MyValue::Int(i),
        Cell::Float(f) => MyValue::Double(f),
        Cell::Bool(b) => MyValue::Int(i64::from(b)),
    }
}

/// Inserts or replaces records (by the key column).
pub struct Loader<'c, C: Queryable> {
    conn: &'c mut C,
    sql: String,
    schema: Schema,
}

impl<'c, C: Queryable> Loader<'c, C> {
    /// Prepares the upsert for `schema`. Call [`create_table`] first, outside
    /// any transaction: MySQL commits implicitly around DDL.
    pub fn new(conn: &'c mut C, schema: &Schema) -> Result<Loader<'c, C>, Error> {
        let sql = insert_sql(schema, DIALECT);
        Ok(Loader {
            conn,
            sql,
            schema: schema.clone(),
        })
    }

    /// Loads one record given as JSON text (kept byte for byte).
    pub fn load(&mut self, text: &str) -> Result<(), Error> {
        let params: Vec<MyValue> = row(&self.schema, text)?.into_iter().map(cell).collect();
        self.conn
            .exec_drop(&self.sql, Params::Positional(params))
            .map_err(db_error)
    }
}

fn value(v: &SqlValue) -> MyValue {
    match v {
        SqlValue::Bool(Some(b)) => MyValue::Int(i64::from(*b)),
        SqlValue::BigInt(Some(i)) => MyValue::Int(*i),
        // LIMIT and OFFSET.
        SqlValue::BigUnsigned(Some(u)) => MyValue::UInt(*u),
        SqlValue::Int(Some(i)) => MyValue::Int(i64::from(*i)),
        SqlValue::Double(Some(f)) => MyValue::Double(*f),
        SqlValue::String(Some(s)) => MyValue::Bytes(s.clone().into_bytes()),
        _ => MyValue::NULL,
    }
}

/// Runs a compiled filter's `SELECT` (in load order), calling `row` with
/// each matching document.
pub fn query(
    conn: &mut impl Queryable,
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
    let params = params(&values);
    let docs: Vec<String> = conn.exec(sql, params).map_err(db_error)?;
    for doc in docs {
        row(&doc)?;
    }
    Ok(())
}

/// Bound values as the driver's parameters.
fn params(values: &sea_query::Values) -> Params {
    if values.0.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values.0.iter().map(value).collect())
    }
}

/// Calls `each` with every row of any `SELECT` built for MySQL, its text
/// borrowed (booleans come back as [`CellRef::Int`]; text that is not
/// UTF-8 is read as [`rows`] reads it).
pub fn scan(
    conn: &mut impl Queryable,
    select: &sea_query::SelectStatement,
    each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
) -> Result<(), Error> {
    let (sql, values) = build(select, DIALECT);
    let params = params(&values);
    let rows: Vec<mysql::Row> = conn.exec(sql, params).map_err(db_error)?;
    for r in rows {
        let values: Vec<MyValue> = r.unwrap();
        // Text borrowed where it is UTF-8; dates and times as text, the
        // way `rows` reads them.
        let text: Vec<Option<Cow<'_, str>>> = values
            .iter()
            .map(|v| match v {
                MyValue::NULL
                | MyValue::Int(_)
                | MyValue::UInt(_)
                | MyValue::Float(_)
                | MyValue::Double(_) => None,
                MyValue::Bytes(b) => Some(String::from_utf8_lossy(b)),
                other => Some(Cow::Owned(other.as_sql(true))),
            })
            .collect();
        let cells: Vec<CellRef<'_>> = values
            .iter()
            .zip(&text)
            .map(|(v, t)| match (v, t) {
                (_, Some(t)) => CellRef::Text(t),
                (MyValue::Int(i), _) => CellRef::Int(*i),
                (MyValue::UInt(u), _) => {
                    i64::try_from(*u).map_or(CellRef::Float(*u as f64), CellRef::Int)
                }
                (MyValue::Float(f), _) => CellRef::Float((*f).into()),
                (MyValue::Double(f), _) => CellRef::Float(*f),
                _ => CellRef::Null,
            })
            .collect();
        each(&cells)?;
    }
    Ok(())
}

/// Runs any `SELECT` built for MySQL and returns its rows as cells
/// (booleans come back as [`Cell::Int`]).
pub fn rows(
    conn: &mut impl Queryable,
    select: &sea_query::SelectStatement,
) -> Result<Vec<Vec<Cell>>, Error> {
    super::driver::owned_rows(|each| scan(conn, select, each))
}

/// How many rows [`BatchLoader`](super::driver::BatchLoader) hands
/// [`multi_row_upsert`] at once.
const LOAD_ROWS: usize = 10_000;

/// The most rows one `INSERT` takes (from 100 to 1,000 rows a statement
/// load about as fast; fewer pay more round trips, more a longer statement
/// to prepare).
const STATEMENT_ROWS: usize = 500;

/// The most placeholders a prepared statement may have.
const MAX_PLACEHOLDERS: usize = 65_535;

/// What a row adds to a `COM_STMT_EXECUTE` packet, about: each value's
/// bytes, length prefix (up to 9 bytes), type (2) and null bit.
fn packet_bytes(cells: &[Cell]) -> usize {
    cells
        .iter()
        .map(|c| match c {
            Cell::Text(s) => s.len() + 12,
            _ => 12,
        })
        .sum()
}

/// Upserts `rows` with as few multi-row statements as the limits allow.
fn multi_row_upsert(conn: &mut Conn, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = row_columns(schema).len().max(1);
    let most_rows = (MAX_PLACEHOLDERS / width).clamp(1, STATEMENT_ROWS);
    let packet: Option<u64> = conn
        .query_first("SELECT @@max_allowed_packet")
        .map_err(db_error)?;
    // Room for the statement id, flags and the rest of the packet header.
    let most_bytes = usize::try_from(packet.unwrap_or(1 << 22))
        .unwrap_or(usize::MAX)
        .saturating_sub(1 << 12);
    let mut chunk: Vec<MyValue> = Vec::with_capacity(most_rows * width);
    let (mut n, mut bytes) = (0, 0);
    for cells in rows {
        let size = packet_bytes(&cells);
        if n > 0 && (n == most_rows || bytes + size > most_bytes) {
            send(conn, schema, n, std::mem::take(&mut chunk))?;
            (n, bytes) = (0, 0);
        }
        chunk.extend(cells.into_iter().map(cell));
        n += 1;
        bytes += size;
    }
    send(conn, schema, n, chunk)
}

/// One `INSERT` of `n` rows, their values in `params`.
fn send(conn: &mut Conn, schema: &Schema, n: usize, params: Vec<MyValue>) -> Result<(), Error> {
    // Full chunks share one statement text, prepared once (the crate's
    // statement cache).
    conn.exec_drop(
        insert_rows_sql(schema, DIALECT, n),
        Params::Positional(params),
    )
    .map_err(db_error)
}

impl super::driver::Driver for Conn {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        create_table(self, schema)
    }

    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.query_drop(sql).map_err(db_error)
    }

    fn begin(&mut self) -> Result<(), Error> {
        self.query_drop("START TRANSACTION").map_err(db_error)
    }

    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .map_err(db_error)
    }

    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        multi_row_upsert(self, schema, rows)
    }

    fn batch_rows(&self) -> usize {
        LOAD_ROWS
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

    fn interrupt(&self) -> Option<Interrupt> {
        Some(Interrupt::Statement(format!(
            "KILL QUERY {}",
            self.connection_id()
        )))
    }

    fn set_statement_timeout(&mut self, limit: Option<Duration>) -> Result<(), Error> {
        // MariaDB counts seconds, for every statement; MySQL milliseconds,
        // for `SELECT`s; 0 is no limit. (MariaDB's handshake says version
        // 5.5.5, `VERSION()` the truth.)
        let version: Option<String> = self.query_first("SELECT VERSION()").map_err(db_error)?;
        let sql = if version.is_some_and(|v| v.contains("MariaDB")) {
            let s = limit.map_or(0.0, |d| d.as_secs_f64().max(0.001));
            format!("SET SESSION max_statement_time = {s:.3}")
        } else {
            let ms = limit.map_or(0, |d| d.as_millis().clamp(1, u32::MAX as u128));
            format!("SET SESSION max_execution_time = {ms}")
        };
        self.query_drop(sql).map_err(db_error)
    }

    fn close(self: Box<Self>) -> Result<(), Error> {
        drop(self);
        Ok(())
    }
}

/// `EXPLAIN` of a `SELECT` built for MySQL, with its values bound: one line
/// a row, `column=value` for each column that is not `NULL`.
pub fn explain(
    conn: &mut impl Queryable,
    select: &sea_query::SelectStatement,
) -> Result<Vec<String>, Error> {
    let (sql, values) = build(select, DIALECT);
    let params = params(&values);
    let rows: Vec<mysql::Row> = conn
        .exec(format!("{} {sql}", DIALECT.explain()), params)
        .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let names: Vec<String> = r
                .columns_ref()
                .iter()
                .map(|c| c.name_str().into_owned())
                .collect();
            names
                .iter()
                .zip(r.unwrap())
                .filter(|(_, v)| *v != MyValue::NULL)
                .map(|(n, v)| match v {
                    MyValue::Bytes(b) => format!("{n}={}", String::from_utf8_lossy(&b)),
                    other => format!("{n}={}", other.as_sql(true)),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect())
}
