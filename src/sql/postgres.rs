//! Running compiled filters on PostgreSQL (the `postgres` crate).
//!
//! The document column is `text` (a record comes back byte for byte; a
//! table made by an earlier version with a `json` document, which also
//! keeps its text exactly, loads and reads the same); `json` columns of the
//! schema are `jsonb`; rows keep their load order in `siftql_seq`.
//!
//! [`Driver::upsert`](super::driver::Driver::upsert) copies a batch
//! (`COPY … FROM STDIN`, binary) straight into the schema's table when none
//! of its keys is there yet; else into a temporary table of the
//! connection's, then upserts it into the schema's table with one
//! `INSERT … SELECT … ON CONFLICT … DO UPDATE` (which needs the `TEMPORARY`
//! privilege on the database, granted to everyone unless revoked). A
//! transaction inserting a key of the batch at the same time can make the
//! straight copy fail (see `copy_upsert`).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use postgres::types::{ToSql, Type};
pub use postgres::Client;
use postgres::{GenericClient, NoTls, Statement};
use sea_query::{ExprTrait, Value as SqlValue};

use super::driver::Interrupt;
use super::load::{
    create_table_sql, insert_sql, key_column, last_per_key, row, row_columns, Cell, CellRef,
};
use super::{build, ColumnType, Compiled, Dialect, Schema};
use crate::error::Error;

/// The dialect this driver runs.
const DIALECT: Dialect = Dialect::Postgres;

pub use super::db_error;

/// A PostgreSQL error as a siftql error, with what the server said (its
/// message, detail and context: a `COPY` names the row it failed on).
fn pg_error(e: postgres::Error) -> Error {
    db_error(pg_text(&e))
}

/// What a PostgreSQL error says: the server's words, or the client's
/// failure with its causes (`error connecting to server: Connection
/// refused`).
fn pg_text(e: &postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return super::with_causes(e);
    };
    let mut text = format!("{}: {}", db.severity(), db.message());
    for part in [db.detail(), db.hint(), db.where_()].into_iter().flatten() {
        text.push_str("; ");
        text.push_str(part);
    }
    text
}

/// A failure to write a `COPY`: the PostgreSQL error inside it when there
/// is one.
fn copy_error(e: std::io::Error) -> Error {
    match e
        .get_ref()
        .and_then(|i| i.downcast_ref::<postgres::Error>())
    {
        Some(pg) => db_error(pg_text(pg)),
        None => db_error(super::with_causes(&e)),
    }
}

/// Connects to a `postgres://` URL (no TLS: local and private networks).
///
/// The session runs without JIT compilation (`SET jit = off`): siftql's
/// statements are short, and the planner's estimate for a walk of a JSON
/// path (a function returning 1,000 rows, it assumes) would otherwise
/// compile many of them, which costs more than it saves (0.22 s against
/// 0.38 s for one JSON-field equality over 100,000 rows here).
pub fn connect(url: &str) -> Result<Client, Error> {
    let mut client = Client::connect(url, NoTls).map_err(|e| {
        db_error(format!(
            "cannot connect to {}: {}",
            super::redacted(url),
            pg_text(&e)
        ))
    })?;
    client.batch_execute("SET jit = off").map_err(pg_error)?;
    Ok(client)
}

/// Creates the schema's table if it is missing.
pub fn create_table(client: &mut impl GenericClient, schema: &Schema) -> Result<(), Error> {
    client
        .batch_execute(&create_table_sql(schema, DIALECT))
        .map_err(pg_error)
}

/// Inserts or replaces records (by the key column).
pub struct Loader<'c, C: GenericClient> {
    client: &'c mut C,
    stmt: Statement,
    schema: Schema,
}

impl<'c, C: GenericClient> Loader<'c, C> {
    /// Prepares the upsert for `schema` (creating its table if missing), on a
    /// client or inside a transaction.
    pub fn new(client: &'c mut C, schema: &Schema) -> Result<Loader<'c, C>, Error> {
        create_table(client, schema)?;
        let sql = insert_sql(schema, DIALECT);
        let stmt = client.prepare(&sql).map_err(pg_error)?;
        Ok(Loader {
            client,
            stmt,
            schema: schema.clone(),
        })
    }

    /// Loads one record given as JSON text (kept byte for byte).
    pub fn load(&mut self, text: &str) -> Result<(), Error> {
        let cells = row(&self.schema, text)?;
        let params: Vec<Box<dyn ToSql + Sync>> = cells
            .into_iter()
            .zip(self.stmt.params())
            .map(|(c, ty)| cell_param(c, ty))
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
        self.client.execute(&self.stmt, &refs).map_err(pg_error)?;
        Ok(())
    }
}

fn cell_param(c: Cell, ty: &Type) -> Box<dyn ToSql + Sync> {
    match (c, ty) {
        (Cell::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (Cell::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Cell::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (Cell::Null, _) => Box::new(None::<String>),
        (Cell::Text(s), _) => Box::new(s),
        (Cell::Int(i), t) if *t == Type::FLOAT8 => Box::new(i as f64),
        (Cell::Int(i), _) => Box::new(i),
        (Cell::Float(f), _) => Box::new(f),
        (Cell::Bool(b), _) => Box::new(b),
    }
}

/// A bound value as the type PostgreSQL inferred for its placeholder.
fn value_param(v: &SqlValue, ty: &Type) -> Box<dyn ToSql + Sync> {
    match v {
        SqlValue::Bool(Some(b)) => Box::new(*b),
        SqlValue::BigInt(Some(i)) if *ty == Type::FLOAT8 => Box::new(*i as f64),
        SqlValue::BigInt(Some(i)) if *ty == Type::INT4 => {
            Box::new(i32::try_from(*i).unwrap_or(i32::MAX))
        }
        SqlValue::BigInt(Some(i)) if *ty == Type::TEXT => Box::new(i.to_string()),
        SqlValue::BigInt(Some(i)) => Box::new(*i),
        // LIMIT and OFFSET.
        SqlValue::BigUnsigned(Some(u)) => Box::new(i64::try_from(*u).unwrap_or(i64::MAX)),
        SqlValue::Double(Some(f)) => Box::new(*f),
        SqlValue::String(Some(s)) => Box::new(s.clone()),
        _ => Box::new(None::<String>),
    }
}

/// Runs a compiled filter's `SELECT` (in load order), calling `row` with
/// each matching document.
pub fn query(
    client: &mut impl GenericClient,
    compiled: &Compiled,
    row: impl FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut row = super::driver::rechecked(compiled, row);
    // The document comes back as text, exactly as stored.
    let doc = compiled.document.as_deref().unwrap_or("doc");
    let select = sea_query::Query::select()
        .expr(sea_query::Expr::col(sea_query::Alias::new(doc)).cast_as("text"))
        .from(sea_query::Alias::new(&compiled.table))
        .cond_where(compiled.condition())
        .order_by(
            sea_query::Alias::new(DIALECT.load_order()),
            sea_query::Order::Asc,
        )
        .to_owned();
    for r in run(client, &select)? {
        let doc: String = r.try_get(0).map_err(pg_error)?;
        row(&doc)?;
    }
    Ok(())
}

/// Prepares and runs a `SELECT`, each value bound as the type PostgreSQL
/// inferred for its placeholder.
fn run(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
) -> Result<Vec<postgres::Row>, Error> {
    run_prefixed(client, "", select)
}

/// [`run`] of `prefix` followed by the `SELECT` (`EXPLAIN `).
fn run_prefixed(
    client: &mut impl GenericClient,
    prefix: &str,
    select: &sea_query::SelectStatement,
) -> Result<Vec<postgres::Row>, Error> {
    let (sql, values) = build(select, DIALECT);
    let stmt = client
        .prepare(&format!("{prefix}{sql}"))
        .map_err(pg_error)?;
    let params: Vec<Box<dyn ToSql + Sync>> = values
        .0
        .iter()
        .zip(stmt.params())
        .map(|(v, ty)| value_param(v, ty))
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
    client.query(&stmt, &refs).map_err(pg_error)
}

/// Calls `each` with every row of any `SELECT` built for PostgreSQL (the
/// column types [`rows`] takes), its cells borrowed.
pub fn scan(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
    each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
) -> Result<(), Error> {
    for r in run(client, select)? {
        let mut cells = Vec::with_capacity(r.len());
        for (i, column) in r.columns().iter().enumerate() {
            let ty = column.type_();
            let cell = if *ty == Type::INT8 {
                r.try_get::<_, Option<i64>>(i).map(|v| v.map(CellRef::Int))
            } else if *ty == Type::INT4 {
                r.try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(|n| CellRef::Int(n.into())))
            } else if *ty == Type::FLOAT8 {
                r.try_get::<_, Option<f64>>(i)
                    .map(|v| v.map(CellRef::Float))
            } else if *ty == Type::BOOL {
                r.try_get::<_, Option<bool>>(i)
                    .map(|v| v.map(CellRef::Bool))
            } else {
                r.try_get::<_, Option<&str>>(i)
                    .map(|v| v.map(CellRef::Text))
            };
            cells.push(cell.map_err(pg_error)?.unwrap_or(CellRef::Null));
        }
        each(&cells)?;
    }
    Ok(())
}

/// Runs any `SELECT` built for PostgreSQL and returns its rows as cells.
/// Columns must be `text`, `bigint`, `integer`, `double precision` or
/// `boolean` (cast `json` to `text`).
pub fn rows(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
) -> Result<Vec<Vec<Cell>>, Error> {
    super::driver::owned_rows(|each| scan(client, select, each))
}

/// How many rows [`BatchLoader`](super::driver::BatchLoader) copies at
/// once: a few megabytes (from 2,000 to 50,000 rows a batch load about as
/// fast).
const COPY_ROWS: usize = 10_000;

/// How a batch is written: straight into the table when none of its keys
/// is there yet, else through a staging table.
struct Plan {
    /// How to tell that a batch's keys are all new.
    fresh: Fresh,
    /// `COPY table (…) FROM STDIN (FORMAT binary)`.
    copy: String,
    /// The types the rows are written as, there: `jsonb` columns as text
    /// after their binary format's version byte, the document as text
    /// (which is also the binary format of a `json` document).
    types: Vec<Type>,
    /// Which cells are `jsonb`.
    jsonb: Vec<bool>,
    /// The way through a staging table.
    staging: Staging,
}

/// How to tell that none of a batch's keys is in the table yet.
enum Fresh {
    /// The schema has no key: every batch is new.
    Always,
    /// `SELECT EXISTS (SELECT 1 FROM table WHERE key = ANY($1))`, the key
    /// being cell `at` of a row (text and integer keys).
    Probe { sql: String, at: usize },
    /// A key of another type: always through the staging table.
    Never,
}

/// The temporary table a batch is copied into, and the statements that use
/// it: one table per layout of row, named after it, created on first use
/// on each connection (and again after a rollback undid that).
struct Staging {
    /// `CREATE TEMP TABLE IF NOT EXISTS …; TRUNCATE …`.
    prepare: String,
    /// `COPY … FROM STDIN (FORMAT binary)`.
    copy: String,
    /// The types of the copied columns: the row's number, then the row.
    types: Vec<Type>,
    /// `INSERT INTO table … SELECT … FROM staging ORDER BY c0 ON CONFLICT
    /// …; TRUNCATE …` (`c0` is the row's number).
    insert: String,
}

/// The type a cell of `ty` is written as, and whether it is `jsonb` there.
fn copy_type(ty: ColumnType) -> (Type, bool) {
    match ty {
        ColumnType::Text | ColumnType::Timestamp => (Type::TEXT, false),
        ColumnType::Json => (Type::TEXT, true),
        ColumnType::Integer => (Type::INT8, false),
        ColumnType::Float => (Type::FLOAT8, false),
        ColumnType::Bool => (Type::BOOL, false),
    }
}

impl Plan {
    fn new(schema: &Schema) -> Plan {
        let d = DIALECT;
        let table = d.quote(&schema.table);
        let names: Vec<String> = row_columns(schema)
            .into_iter()
            .map(|n| d.quote(n))
            .collect();
        let mut types = Vec::new();
        let mut jsonb = Vec::new();
        if schema.document.is_some() {
            types.push(Type::TEXT);
            jsonb.push(false);
        }
        for c in &schema.columns {
            let (ty, j) = copy_type(c.ty);
            types.push(ty);
            jsonb.push(j);
        }
        let fresh = match key_column(schema) {
            None => Fresh::Always,
            Some(k)
                if matches!(
                    k.ty,
                    ColumnType::Text | ColumnType::Timestamp | ColumnType::Integer
                ) =>
            {
                Fresh::Probe {
                    sql: format!(
                        "SELECT EXISTS (SELECT 1 FROM {table} WHERE {} = ANY($1))",
                        d.quote(&k.column)
                    ),
                    at: usize::from(schema.document.is_some())
                        + schema
                            .columns
                            .iter()
                            .position(|c| c.column == k.column)
                            .unwrap_or_default(),
                }
            }
            Some(_) => Fresh::Never,
        };
        Plan {
            fresh,
            copy: format!(
                "COPY {table} ({}) FROM STDIN (FORMAT binary)",
                names.join(", ")
            ),
            staging: Staging::new(schema, &names, &types, &jsonb),
            types,
            jsonb,
        }
    }
}

impl Staging {
    fn new(schema: &Schema, names: &[String], row_types: &[Type], jsonb: &[bool]) -> Staging {
        let d = DIALECT;
        // The document and `json` columns are copied as text and cast on
        // the way into the table (as the one-row upsert binds them): the
        // document to `json`, which a `json` document column needs and a
        // `text` one takes by assignment.
        let mut types = vec![Type::INT8];
        types.extend(row_types.iter().cloned());
        let defs: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("c{i} {}", t.name()))
            .collect();
        let defs = defs.join(", ");
        let table = format!("siftql_stage_{:016x}", fnv1a(defs.as_bytes()));
        let document = usize::from(schema.document.is_some());
        let values: Vec<String> = jsonb
            .iter()
            .enumerate()
            .map(|(i, j)| match (i < document, j) {
                (true, _) => format!("CAST(c{} AS json)", i + 1),
                (false, true) => format!("CAST(c{} AS jsonb)", i + 1),
                (false, false) => format!("c{}", i + 1),
            })
            .collect();
        let update =
            key_column(schema).map_or(String::new(), |k| d.upsert(&d.quote(&k.column), names));
        Staging {
            prepare: format!("CREATE TEMP TABLE IF NOT EXISTS {table} ({defs}); TRUNCATE {table}"),
            copy: format!("COPY {table} FROM STDIN (FORMAT binary)"),
            insert: format!(
                "INSERT INTO {} ({}) SELECT {} FROM {table} ORDER BY c0{update}; TRUNCATE {table}",
                d.quote(&schema.table),
                names.join(", "),
                values.join(", "),
            ),
            types,
        }
    }
}

/// FNV-1a: a name for a staging table's layout, the same in every build.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The header of PostgreSQL's binary `COPY` format: the signature, no
/// flags, no extension.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// How much of a `COPY` is encoded before it is sent on.
const COPY_CHUNK: usize = 1 << 16;

/// Appends one field of the binary `COPY` format: its length, then its
/// bytes (`None`: `NULL`).
fn copy_field(buf: &mut Vec<u8>, bytes: Option<&[u8]>, jsonb: bool) -> Result<(), Error> {
    let Some(bytes) = bytes else {
        buf.extend_from_slice(&(-1i32).to_be_bytes());
        return Ok(());
    };
    let len = i32::try_from(bytes.len() + usize::from(jsonb))
        .map_err(|_| db_error("a value of 2 GiB or more"))?;
    buf.extend_from_slice(&len.to_be_bytes());
    // jsonb's binary form: a version byte (1), then the text.
    if jsonb {
        buf.push(1);
    }
    buf.extend_from_slice(bytes);
    Ok(())
}

/// Appends a row of cells as the binary `COPY` format writes columns of
/// `types` (`text`, `int8`, `float8`, `bool`; `jsonb[i]`: column `i` is
/// `jsonb`, given as text), led by `number` if any.
fn copy_row(
    buf: &mut Vec<u8>,
    number: Option<i64>,
    cells: &[Cell],
    types: &[Type],
    jsonb: Option<&[bool]>,
) -> Result<(), Error> {
    let fields = cells.len() + usize::from(number.is_some());
    let fields =
        i16::try_from(fields).map_err(|_| db_error("a row of more than 32,767 columns"))?;
    buf.extend_from_slice(&fields.to_be_bytes());
    if let Some(n) = number {
        copy_field(buf, Some(&n.to_be_bytes()), false)?;
    }
    for (i, (c, ty)) in cells.iter().zip(types).enumerate() {
        let j = jsonb.is_some_and(|j| j[i]);
        match c {
            Cell::Null => copy_field(buf, None, false)?,
            Cell::Text(s) => copy_field(buf, Some(s.as_bytes()), j)?,
            // (`load::row` gives floats for `float` columns; to be sure.)
            Cell::Int(v) if *ty == Type::FLOAT8 => {
                copy_field(buf, Some(&(*v as f64).to_bits().to_be_bytes()), false)?
            }
            Cell::Int(v) => copy_field(buf, Some(&v.to_be_bytes()), false)?,
            Cell::Float(f) => copy_field(buf, Some(&f.to_bits().to_be_bytes()), false)?,
            Cell::Bool(b) => copy_field(buf, Some(&[u8::from(*b)]), false)?,
        }
    }
    Ok(())
}

/// Copies `rows` with `copy` (`COPY … FROM STDIN (FORMAT binary)`) as
/// columns of `types` (see [`copy_row`]); `numbered`: each row led by its
/// number (the staging table's `c0`).
fn copy_rows(
    client: &mut Client,
    copy: &str,
    types: &[Type],
    jsonb: Option<&[bool]>,
    rows: Vec<Vec<Cell>>,
    numbered: bool,
) -> Result<(), Error> {
    let mut writer = client.copy_in(copy).map_err(pg_error)?;
    let cell_types = &types[usize::from(numbered)..];
    let mut buf = Vec::with_capacity(COPY_CHUNK + (1 << 12));
    buf.extend_from_slice(COPY_HEADER);
    for (n, cells) in rows.iter().enumerate() {
        let number = numbered.then_some(n as i64);
        copy_row(&mut buf, number, cells, cell_types, jsonb)?;
        if buf.len() >= COPY_CHUNK {
            writer.write_all(&buf).map_err(copy_error)?;
            buf.clear();
        }
    }
    drop(rows);
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    writer.write_all(&buf).map_err(copy_error)?;
    writer.finish().map_err(pg_error)?;
    Ok(())
}

/// Whether any of the rows' keys is in the table already.
fn any_key_there(
    client: &mut Client,
    probe: &str,
    at: usize,
    rows: &[Vec<Cell>],
) -> Result<bool, Error> {
    let texts: Vec<&str> = rows
        .iter()
        .filter_map(|r| match &r[at] {
            Cell::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let ints: Vec<i64> = rows
        .iter()
        .filter_map(|r| match r[at] {
            Cell::Int(i) => Some(i),
            _ => None,
        })
        .collect();
    let keys: &(dyn ToSql + Sync) = if ints.is_empty() { &texts } else { &ints };
    let row = client.query_one(probe, &[keys]).map_err(pg_error)?;
    row.try_get(0).map_err(pg_error)
}

/// Upserts `rows`. A key given twice is first reduced to one row in the
/// place of its first appearance holding its last row ([`last_per_key`]),
/// which is what one upsert a row leaves. When none of the keys is in the
/// table yet, the rows are copied straight into it (`COPY` writes rows in
/// bulk; `siftql_seq` follows their order). Otherwise they are copied into
/// the staging table and upserted with one `INSERT … SELECT … ON CONFLICT
/// DO UPDATE` (`ON CONFLICT` touches a row at most once a statement; an
/// update keeps the row's `siftql_seq`).
///
/// A transaction inserting one of the keys at the same time, and
/// committing, makes the straight copy fail with a unique violation where
/// an upsert would have waited and updated; the load then fails whole.
fn copy_upsert(client: &mut Client, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows = last_per_key(schema, rows);
    let plan = Plan::new(schema);
    let new = match &plan.fresh {
        Fresh::Always => true,
        Fresh::Probe { sql, at } => !any_key_there(client, sql, *at, &rows)?,
        Fresh::Never => false,
    };
    if new {
        return copy_rows(
            client,
            &plan.copy,
            &plan.types,
            Some(&plan.jsonb),
            rows,
            false,
        );
    }
    let staging = &plan.staging;
    client.batch_execute(&staging.prepare).map_err(pg_error)?;
    copy_rows(client, &staging.copy, &staging.types, None, rows, true)?;
    client.batch_execute(&staging.insert).map_err(pg_error)
}

impl super::driver::Driver for Client {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        create_table(self, schema)
    }

    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.batch_execute(sql).map_err(pg_error)
    }

    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.batch_execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .map_err(pg_error)
    }

    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        copy_upsert(self, schema, rows)
    }

    fn batch_rows(&self) -> usize {
        COPY_ROWS
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
        let token = self.cancel_token();
        Some(Interrupt::Call(Arc::new(move || {
            token.cancel_query(NoTls).map_err(pg_error)
        })))
    }

    fn set_statement_timeout(&mut self, limit: Option<Duration>) -> Result<(), Error> {
        // 0: no limit; a limit under a millisecond is one.
        let ms = limit.map_or(0, |d| d.as_millis().clamp(1, i32::MAX as u128));
        self.batch_execute(&format!("SET statement_timeout = {ms}"))
            .map_err(pg_error)
    }

    fn close(self: Box<Self>) -> Result<(), Error> {
        Client::close(*self).map_err(pg_error)
    }
}

/// `EXPLAIN` of a `SELECT` built for PostgreSQL, with its values bound: the
/// plan's lines.
pub fn explain(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
) -> Result<Vec<String>, Error> {
    run_prefixed(client, &format!("{} ", DIALECT.explain()), select)?
        .iter()
        .map(|r| r.try_get::<_, String>(0).map_err(db_error))
        .collect()
}
