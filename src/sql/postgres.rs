//! Running compiled filters on PostgreSQL (the `postgres` crate).
//!
//! The document column is `json` (PostgreSQL keeps its text exactly, so a
//! record comes back byte for byte); `json` columns of the schema are
//! `jsonb`; rows keep their load order in `siftql_seq`.
//!
//! [`Driver::upsert`](super::driver::Driver::upsert) copies a batch
//! (`COPY … FROM STDIN`, binary) into a temporary table of the
//! connection's, then upserts it into the schema's table with one
//! `INSERT … SELECT … ON CONFLICT … DO UPDATE`; loading so needs the
//! `TEMPORARY` privilege on the database (granted to everyone unless
//! revoked).

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
pub use postgres::Client;
use postgres::{GenericClient, NoTls, Statement};
use sea_query::{ExprTrait, Value as SqlValue};

use super::load::{create_table_sql, insert_sql, key_column, last_per_key, row, row_columns, Cell};
use super::{build, ColumnType, Compiled, Dialect, Schema};
use crate::error::Error;

/// The dialect this driver runs.
const DIALECT: Dialect = Dialect::Postgres;

pub use super::db_error;

/// Connects to a `postgres://` URL (no TLS: local and private networks).
pub fn connect(url: &str) -> Result<Client, Error> {
    Client::connect(url, NoTls).map_err(db_error)
}

/// Creates the schema's table if it is missing.
pub fn create_table(client: &mut impl GenericClient, schema: &Schema) -> Result<(), Error> {
    client
        .batch_execute(&create_table_sql(schema, DIALECT))
        .map_err(db_error)
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
        let stmt = client.prepare(&sql).map_err(db_error)?;
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
        self.client.execute(&self.stmt, &refs).map_err(db_error)?;
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
    mut row: impl FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
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
        let doc: String = r.try_get(0).map_err(db_error)?;
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
    let (sql, values) = build(select, DIALECT);
    let stmt = client.prepare(&sql).map_err(db_error)?;
    let params: Vec<Box<dyn ToSql + Sync>> = values
        .0
        .iter()
        .zip(stmt.params())
        .map(|(v, ty)| value_param(v, ty))
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
    client.query(&stmt, &refs).map_err(db_error)
}

/// Runs any `SELECT` built for PostgreSQL and returns its rows as cells.
/// Columns must be `text`, `bigint`, `integer`, `double precision` or
/// `boolean` (cast `json` to `text`).
pub fn rows(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
) -> Result<Vec<Vec<Cell>>, Error> {
    let mut out = Vec::new();
    for r in run(client, select)? {
        let mut cells = Vec::with_capacity(r.len());
        for (i, column) in r.columns().iter().enumerate() {
            let ty = column.type_();
            let cell = if *ty == Type::INT8 {
                r.try_get::<_, Option<i64>>(i).map(|v| v.map(Cell::Int))
            } else if *ty == Type::INT4 {
                r.try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(|n| Cell::Int(n.into())))
            } else if *ty == Type::FLOAT8 {
                r.try_get::<_, Option<f64>>(i).map(|v| v.map(Cell::Float))
            } else if *ty == Type::BOOL {
                r.try_get::<_, Option<bool>>(i).map(|v| v.map(Cell::Bool))
            } else {
                r.try_get::<_, Option<String>>(i).map(|v| v.map(Cell::Text))
            };
            cells.push(cell.map_err(db_error)?.unwrap_or(Cell::Null));
        }
        out.push(cells);
    }
    Ok(out)
}

/// How many rows [`BatchLoader`](super::driver::BatchLoader) copies at
/// once: a few megabytes (from 2,000 to 50,000 rows a batch load about as
/// fast).
const COPY_ROWS: usize = 10_000;

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

impl Staging {
    fn new(schema: &Schema) -> Staging {
        let d = DIALECT;
        // The document and `json` columns are copied as text and cast on
        // the way into the table (as the one-row upsert binds them).
        let mut types = vec![Type::INT8];
        let mut casts = Vec::new();
        if schema.document.is_some() {
            types.push(Type::TEXT);
            casts.push(Some("json"));
        }
        for c in &schema.columns {
            let (ty, cast) = match c.ty {
                ColumnType::Text | ColumnType::Timestamp => (Type::TEXT, None),
                ColumnType::Json => (Type::TEXT, Some("jsonb")),
                ColumnType::Integer => (Type::INT8, None),
                ColumnType::Float => (Type::FLOAT8, None),
                ColumnType::Bool => (Type::BOOL, None),
            };
            types.push(ty);
            casts.push(cast);
        }
        let defs: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("c{i} {}", t.name()))
            .collect();
        let defs = defs.join(", ");
        let table = format!("siftql_stage_{:016x}", fnv1a(defs.as_bytes()));
        let names: Vec<String> = row_columns(schema)
            .into_iter()
            .map(|n| d.quote(n))
            .collect();
        let values: Vec<String> = casts
            .iter()
            .enumerate()
            .map(|(i, cast)| match cast {
                Some(t) => format!("CAST(c{} AS {t})", i + 1),
                None => format!("c{}", i + 1),
            })
            .collect();
        let update =
            key_column(schema).map_or(String::new(), |k| d.upsert(&d.quote(&k.column), &names));
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

/// A cell as a value of the staging column's type (an integer for a
/// `float` column already made a float).
fn copy_value<'c>(c: &'c Cell, ty: &Type) -> &'c (dyn ToSql + Sync) {
    static NULL_TEXT: Option<String> = None;
    static NULL_INT: Option<i64> = None;
    static NULL_FLOAT: Option<f64> = None;
    static NULL_BOOL: Option<bool> = None;
    match c {
        Cell::Null if *ty == Type::INT8 => &NULL_INT,
        Cell::Null if *ty == Type::FLOAT8 => &NULL_FLOAT,
        Cell::Null if *ty == Type::BOOL => &NULL_BOOL,
        Cell::Null => &NULL_TEXT,
        Cell::Text(s) => s,
        Cell::Int(i) => i,
        Cell::Float(f) => f,
        Cell::Bool(b) => b,
    }
}

/// Upserts `rows` through a staging table: `COPY` in, one `INSERT … SELECT`
/// out. `ON CONFLICT DO UPDATE` touches a row at most once a statement, so
/// a key given twice is first reduced to one row in the place of its first
/// appearance holding its last row ([`last_per_key`]) — what one upsert a
/// row leaves, `siftql_seq` included (an update keeps it).
fn copy_upsert(client: &mut Client, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows = last_per_key(schema, rows);
    let staging = Staging::new(schema);
    client.batch_execute(&staging.prepare).map_err(db_error)?;
    let writer = client.copy_in(&staging.copy).map_err(db_error)?;
    let mut writer = BinaryCopyInWriter::new(writer, &staging.types);
    for (n, mut cells) in rows.into_iter().enumerate() {
        let n = n as i64;
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(staging.types.len());
        values.push(&n);
        for (c, ty) in cells.iter_mut().zip(&staging.types[1..]) {
            if let (Cell::Int(i), &Type::FLOAT8) = (&c, ty) {
                *c = Cell::Float(*i as f64);
            }
        }
        values.extend(
            cells
                .iter()
                .zip(&staging.types[1..])
                .map(|(c, ty)| copy_value(c, ty)),
        );
        writer.write(&values).map_err(db_error)?;
    }
    writer.finish().map_err(db_error)?;
    client.batch_execute(&staging.insert).map_err(db_error)
}

impl super::driver::Driver for Client {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        create_table(self, schema)
    }

    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.batch_execute(sql).map_err(db_error)
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

    fn documents(
        &mut self,
        compiled: &Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        query(self, compiled, each)
    }

    fn close(self: Box<Self>) -> Result<(), Error> {
        Client::close(*self).map_err(db_error)
    }
}
