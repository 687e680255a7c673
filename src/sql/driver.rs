//! Running compiled SQL on a database: one trait for every driver.
//!
//! [`Driver`] is what the command line and the server need of a database
//! connection — create the schema's table, upsert rows in a transaction,
//! run a `SELECT` — implemented for rusqlite's `Connection` (feature
//! `sqlite`), the `postgres` crate's `Client` (feature `postgres`) and the
//! `mysql` crate's `Conn` (feature `mysql`). [`connect`] opens one from a
//! URL; [`BatchLoader`] loads JSON records through any of them.
//!
//! ```
//! # #[cfg(feature = "sqlite")] {
//! use siftql::sql::driver::{connect, BatchLoader};
//! use siftql::sql::{compile, Schema};
//!
//! let mut db = connect("sqlite::memory:")?;
//! let schema = Schema::clusters();
//! let mut load = BatchLoader::begin(db.as_mut(), &schema)?;
//! load.push(r#"{"cluster_id": "c1", "status": "completed"}"#)?;
//! load.push(r#"{"cluster_id": "c2", "status": "failed"}"#)?;
//! assert_eq!(load.finish()?, 2);
//!
//! let compiled = compile(&"status = completed".parse()?, &schema, db.dialect())?;
//! let mut found = Vec::new();
//! db.documents(&compiled, &mut |doc| {
//!     found.push(doc.to_owned());
//!     Ok(())
//! })?;
//! assert_eq!(found, [r#"{"cluster_id": "c1", "status": "completed"}"#]);
//! # }
//! # Ok::<(), siftql::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sea_query::SelectStatement;

use super::load::{row, Cell, CellRef};
use super::{Compiled, Dialect, Schema};
use crate::error::{Error, ErrorCode};

/// A database connection that runs what siftql compiles.
///
/// Every method maps database failures to [`ErrorCode::Database`].
pub trait Driver: Send {
    /// The dialect to compile filters for.
    fn dialect(&self) -> Dialect;

    /// Creates the schema's table if it is missing (outside any
    /// transaction: MySQL commits implicitly around DDL).
    fn create_table(&mut self, schema: &Schema) -> Result<(), Error>;

    /// Whether a table named `table` exists where the connection resolves
    /// unqualified names (for commands that must not create one).
    fn has_table(&mut self, table: &str) -> Result<bool, Error> {
        let mut q = sea_query::Query::select();
        q.expr(self.dialect().table_exists(table));
        let rows = self.rows(&q)?;
        Ok(matches!(
            rows.first().and_then(|r| r.first()),
            Some(Cell::Bool(true) | Cell::Int(1))
        ))
    }

    /// Runs SQL statements that take no parameters and return no rows
    /// (separated by `;` where the driver allows it).
    fn execute(&mut self, sql: &str) -> Result<(), Error>;

    /// Starts a transaction.
    fn begin(&mut self) -> Result<(), Error> {
        self.execute("BEGIN")
    }

    /// Starts a read-only transaction whose statements all see one
    /// snapshot of the database (PostgreSQL `REPEATABLE READ`, MySQL
    /// `WITH CONSISTENT SNAPSHOT`; on SQLite every transaction does). End
    /// it with [`Driver::commit`].
    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.begin()
    }

    /// Commits the transaction.
    fn commit(&mut self) -> Result<(), Error> {
        self.execute("COMMIT")
    }

    /// Rolls the transaction back.
    fn rollback(&mut self) -> Result<(), Error> {
        self.execute("ROLLBACK")
    }

    /// Inserts rows ([`load::row`](super::load::row) of each record) or
    /// replaces the rows with the same key, as upserting them one by one in
    /// order would: a key given twice keeps its last row, in the place (load
    /// order) of its first insert.
    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error>;

    /// How many rows a [`BatchLoader`] hands [`Driver::upsert`] at once
    /// ([`BATCH_ROWS`] unless the driver loads faster in larger batches).
    fn batch_rows(&self) -> usize {
        BATCH_ROWS
    }

    /// Runs a `SELECT` built for this driver's dialect; its rows as cells.
    fn rows(&mut self, select: &SelectStatement) -> Result<Vec<Vec<Cell>>, Error>;

    /// Runs a `SELECT` built for this driver's dialect and calls `each`
    /// with every row, its cells borrowed from the driver's buffers (no
    /// copy of the text: for reading many rows once). By default through
    /// [`Driver::rows`].
    fn scan(
        &mut self,
        select: &SelectStatement,
        each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for r in self.rows(select)? {
            let cells: Vec<CellRef<'_>> = r.iter().map(Cell::as_ref).collect();
            each(&cells)?;
        }
        Ok(())
    }

    /// Runs a compiled filter's `SELECT` in load order, calling `each` with
    /// every matching document exactly as it was loaded (with a
    /// [residual](Compiled::residual), the rows the `SELECT` returns are
    /// rechecked and only those that pass are given).
    fn documents(
        &mut self,
        compiled: &Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error>;

    /// The database's plan for a `SELECT` built for this driver's dialect
    /// (PostgreSQL `EXPLAIN`, SQLite `EXPLAIN QUERY PLAN`, MySQL
    /// `EXPLAIN`), one line a row of the plan.
    fn explain(&mut self, select: &SelectStatement) -> Result<Vec<String>, Error>;

    /// A number that changes whenever another connection commits, if the
    /// database has one (SQLite's `PRAGMA data_version`); `None` otherwise.
    fn data_version(&mut self) -> Result<Option<i64>, Error> {
        Ok(None)
    }

    /// Settings for a connection that serves many reads (SQLite: readers
    /// and a writer do not wait for each other, and the file is read
    /// through a memory map).
    fn tune_for_reads(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Makes a finished load cheap to read (SQLite: moves it out of the
    /// write-ahead log into the database file).
    fn checkpoint(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// A way to stop, from another thread, the statement this connection
    /// is running (PostgreSQL's cancel request, MySQL's `KILL QUERY`,
    /// SQLite's `sqlite3_interrupt`); `None` when the driver has none. The
    /// stopped statement fails with [`ErrorCode::Database`]. A connection
    /// that was interrupted is best closed: the interruption may reach it
    /// after its statement ended.
    fn interrupt(&self) -> Option<Interrupt> {
        None
    }

    /// Makes the database stop any statement of this connection that runs
    /// longer than `limit` (PostgreSQL `statement_timeout`, MariaDB
    /// `max_statement_time`, MySQL `max_execution_time`, which bounds
    /// `SELECT`s only); `None` lifts the limit. SQLite has no such setting,
    /// and does nothing here: stop its statements with
    /// [`Driver::interrupt`].
    fn set_statement_timeout(&mut self, limit: Option<Duration>) -> Result<(), Error> {
        let _ = limit;
        Ok(())
    }

    /// Whether this connection's database is its own: no other connection
    /// sees its data (SQLite's `:memory:`).
    fn private(&self) -> bool {
        false
    }

    /// Closes the connection.
    fn close(self: Box<Self>) -> Result<(), Error>;
}

/// How to stop a statement a connection is running, from another thread:
/// what [`Driver::interrupt`] gives.
#[derive(Clone)]
pub enum Interrupt {
    /// Call this (from any thread; on PostgreSQL it opens a connection of
    /// its own and blocks until the server took the request, so not on an
    /// async runtime's worker).
    Call(Arc<dyn Fn() -> Result<(), Error> + Send + Sync>),
    /// Run this statement on another connection to the same server (MySQL
    /// `KILL QUERY id`).
    Statement(String),
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interrupt::Call(_) => f.write_str("Interrupt::Call(..)"),
            Interrupt::Statement(sql) => f.debug_tuple("Interrupt::Statement").field(sql).finish(),
        }
    }
}

/// The rows a scan yields, owned: what each driver's `rows` is, given its
/// `scan` (`|each| scan(conn, select, each)`).
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(super) fn owned_rows(
    scan: impl FnOnce(&mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>) -> Result<(), Error>,
) -> Result<Vec<Vec<Cell>>, Error> {
    let mut out = Vec::new();
    scan(&mut |r| {
        out.push(r.iter().map(|c| c.to_cell()).collect());
        Ok(())
    })?;
    Ok(out)
}

/// How many rows a [`BatchLoader`] hands a driver at once unless the driver
/// says otherwise ([`Driver::batch_rows`]).
pub const BATCH_ROWS: usize = 500;

/// Loads records (JSON text, one object each) through a driver in one
/// transaction and in batches: [`BatchLoader::begin`] creates the table and
/// starts the transaction, [`BatchLoader::push`] checks a record against the
/// schema ([`ErrorCode::InvalidRecord`] names what is wrong),
/// [`BatchLoader::finish`] commits. Dropped before `finish`, it rolls back.
pub struct BatchLoader<'d> {
    driver: &'d mut dyn Driver,
    schema: &'d Schema,
    batch: Vec<Vec<Cell>>,
    batch_rows: usize,
    count: u64,
    open: bool,
}

impl<'d> BatchLoader<'d> {
    /// Creates the schema's table if it is missing and starts the
    /// transaction.
    pub fn begin(driver: &'d mut dyn Driver, schema: &'d Schema) -> Result<BatchLoader<'d>, Error> {
        driver.create_table(schema)?;
        driver.begin()?;
        let batch_rows = driver.batch_rows().max(1);
        Ok(BatchLoader {
            driver,
            schema,
            batch: Vec::with_capacity(batch_rows),
            batch_rows,
            count: 0,
            open: true,
        })
    }

    /// Adds one record, kept byte for byte in the document column. A record
    /// that does not fit the schema is [`ErrorCode::InvalidRecord`] (and
    /// nothing of it is added); a failure of the database to take a batch,
    /// [`ErrorCode::Database`].
    pub fn push(&mut self, text: &str) -> Result<(), Error> {
        super::load::storable(self.driver.dialect(), text)?;
        self.push_row(row(self.schema, text)?)
    }

    /// Adds one row made by [`load::row`](super::load::row) for this
    /// loader's schema (say, on another thread, while this one waits for
    /// the database).
    pub fn push_row(&mut self, cells: Vec<Cell>) -> Result<(), Error> {
        self.batch.push(cells);
        self.count += 1;
        if self.batch.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// How many records were pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_rows));
        self.driver.upsert(self.schema, rows)
    }

    /// Upserts what is left and commits; returns how many records were
    /// loaded.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.flush()?;
        self.open = false;
        self.driver.commit()?;
        Ok(self.count)
    }
}

impl Drop for BatchLoader<'_> {
    fn drop(&mut self) {
        if self.open {
            // The load failed: nothing of it is kept. A rollback failure
            // leaves the transaction to end with the connection.
            let _ = self.driver.rollback();
        }
    }
}

/// The schemes [`connect`] knows, for messages.
pub const URL_FORMS: &str = "sqlite:PATH, postgres://… or mysql://…";

/// Opens a connection from a URL: `sqlite:PATH` (`sqlite::memory:` for an
/// in-memory database), `postgres://…` (also `postgresql://`), `mysql://…`
/// (also `mariadb://`). A URL of another form, `sqlite:` with no path, or
/// a URL of a driver this build lacks (cargo features `sqlite`, `postgres`,
/// `mysql`), is [`ErrorCode::Unsupported`]; a failure to connect is
/// [`ErrorCode::Database`].
pub fn connect(url: &str) -> Result<Box<dyn Driver>, Error> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        if path.is_empty() {
            // SQLite would open a temporary database, gone on close.
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("`{url}` names no database file"),
            )
            .with_help("write sqlite:PATH, or sqlite::memory: for a database in memory"));
        }
        #[cfg(feature = "sqlite")]
        return Ok(Box::new(super::sqlite::open(path)?));
        #[cfg(not(feature = "sqlite"))]
        return no_driver(path, "sqlite");
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Box::new(super::postgres::connect(url)?));
        #[cfg(not(feature = "postgres"))]
        return no_driver(url, "postgres");
    }
    if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        #[cfg(feature = "mysql")]
        return Ok(Box::new(super::mysql::connect(&url.replacen(
            "mariadb://",
            "mysql://",
            1,
        ))?));
        #[cfg(not(feature = "mysql"))]
        return no_driver(url, "mysql");
    }
    Err(Error::new(
        ErrorCode::Unsupported,
        format!("unknown database URL `{url}`"),
    )
    .with_help(format!("expected {URL_FORMS}")))
}

#[allow(dead_code)]
fn no_driver<T>(url: &str, feature: &str) -> Result<T, Error> {
    Err(Error::new(
        ErrorCode::Unsupported,
        format!(
            "{url}: this build of siftql has no `{feature}` driver (cargo feature `{feature}`)"
        ),
    ))
}

/// `each`, called only with the documents that pass the compiled filter's
/// [residual](Compiled::residual) (every document when it has none): what
/// each driver's `query` hands its rows to.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) fn rechecked<'a>(
    compiled: &'a Compiled,
    mut each: impl FnMut(&str) -> Result<(), Error> + 'a,
) -> impl FnMut(&str) -> Result<(), Error> + 'a {
    move |doc| match compiled.residual() {
        Some(p) if !passes(p, doc)? => Ok(()),
        _ => each(doc),
    }
}

/// Whether a stored document passes a [residual](Compiled::residual); a
/// document that is not a JSON object is [`ErrorCode::Database`].
pub fn passes(residual: &crate::eval::Predicate, doc: &str) -> Result<bool, Error> {
    let record = crate::eval::RawRecord::parse(doc).map_err(|e| {
        Error::new(
            ErrorCode::Database,
            format!("a stored document is not a JSON object, so it cannot be rechecked: {e}"),
        )
    })?;
    Ok(residual.matches(&record))
}
