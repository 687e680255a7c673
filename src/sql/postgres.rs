//! Running compiled filters on PostgreSQL (the `postgres` crate).
//!
//! The document column is `json` (PostgreSQL keeps its text exactly, so a
//! record comes back byte for byte); `json` columns of the schema are
//! `jsonb`; rows keep their load order in `siftql_seq`.

use postgres::types::{ToSql, Type};
pub use postgres::Client;
use postgres::{GenericClient, NoTls, Statement};
use sea_query::{ExprTrait, Value as SqlValue};

use super::load::{create_table_sql, insert_sql, row, Cell};
use super::{build, Compiled, Dialect, Schema};
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
        let stmt = self
            .prepare(&insert_sql(schema, DIALECT))
            .map_err(db_error)?;
        for cells in rows {
            let params: Vec<Box<dyn ToSql + Sync>> = cells
                .into_iter()
                .zip(stmt.params())
                .map(|(c, ty)| cell_param(c, ty))
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
            self.execute(&stmt, &refs).map_err(db_error)?;
        }
        Ok(())
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

    fn explain(&mut self, select: &sea_query::SelectStatement) -> Result<Vec<String>, Error> {
        explain(self, select)
    }

    fn close(self: Box<Self>) -> Result<(), Error> {
        Client::close(*self).map_err(db_error)
    }
}

/// `EXPLAIN` of a `SELECT` built for PostgreSQL, with its values bound: the
/// plan's lines.
pub fn explain(
    client: &mut impl GenericClient,
    select: &sea_query::SelectStatement,
) -> Result<Vec<String>, Error> {
    let (sql, values) = build(select, DIALECT);
    let stmt = client
        .prepare(&format!("{} {sql}", DIALECT.explain()))
        .map_err(db_error)?;
    let params: Vec<Box<dyn ToSql + Sync>> = values
        .0
        .iter()
        .zip(stmt.params())
        .map(|(v, ty)| value_param(v, ty))
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
    client
        .query(&stmt, &refs)
        .map_err(db_error)?
        .iter()
        .map(|r| r.try_get::<_, String>(0).map_err(db_error))
        .collect()
}
