//! `siftql sql`, `siftql load` and `siftql query`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use siftql::eval::Bindings;
use siftql::sql::load::Cell;
use siftql::sql::{build, compile_with, sqlite, to_inline, Dialect, Schema};
use siftql::{Error, ErrorCode, Filter, Limits};

use crate::Failure;

#[derive(clap::Args)]
pub struct SqlArgs {
    /// The dialect: postgres, mysql (also MariaDB) or sqlite.
    #[arg(long)]
    dialect: String,
    /// A schema file (JSON, or TOML when it ends in `.toml`); the default is the cluster-record schema.
    #[arg(long)]
    schema: Option<String>,
    /// Inline the values into the SQL (escaped by sea-query) instead of binding them.
    #[arg(long)]
    inline: bool,
    /// A value for a dynamic operand: `--bind inputs.q='"text"'` (JSON).
    #[arg(long = "bind", value_name = "NAME=JSON")]
    binds: Vec<String>,
    /// The filter (DSL, or JSON when it starts with `{`).
    expr: String,
}

#[derive(clap::Args)]
pub struct LoadArgs {
    /// The database: `sqlite:PATH` (default `sqlite:siftql.db`).
    #[arg(long, default_value = "sqlite:siftql.db")]
    db: String,
    /// The table (the default cluster schema under another name).
    #[arg(long, default_value = "clusters")]
    table: String,
    /// JSON Lines files of cluster records; `-` or none reads standard input.
    files: Vec<String>,
}

#[derive(clap::Args)]
pub struct QueryArgs {
    /// The database: `sqlite:PATH` (default `sqlite:siftql.db`).
    #[arg(long, default_value = "sqlite:siftql.db")]
    db: String,
    /// The table (the default cluster schema under another name).
    #[arg(long, default_value = "clusters")]
    table: String,
    /// A value for a dynamic operand: `--bind inputs.q='"text"'` (JSON).
    #[arg(long = "bind", value_name = "NAME=JSON")]
    binds: Vec<String>,
    /// The filter (DSL, or JSON when it starts with `{`).
    expr: String,
}

pub fn bindings(binds: &[String]) -> Result<Bindings, Failure> {
    let mut bindings = Bindings::new();
    for bind in binds {
        let (name, json) = bind
            .split_once('=')
            .ok_or_else(|| Failure::BadInput(format!("--bind {bind}: expected NAME=JSON")))?;
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            Failure::BadInput(format!(
                "--bind {name}: the value is not JSON ({e}); quote strings: {name}='\"text\"'"
            ))
        })?;
        bindings.insert(name.to_owned(), value);
    }
    Ok(bindings)
}

fn filter(expr: &str) -> Result<Filter, Failure> {
    Filter::parse_any(expr, &Limits::default()).map_err(|e| Failure::Bad(e, expr.to_owned()))
}

fn io_failure(e: io::Error) -> Failure {
    Failure::Other(e.to_string())
}

fn sql_json(v: &sea_query::Value) -> serde_json::Value {
    use sea_query::Value as V;
    match v {
        V::Bool(Some(b)) => (*b).into(),
        V::BigInt(Some(i)) => (*i).into(),
        V::Int(Some(i)) => (*i).into(),
        V::Double(Some(f)) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        V::String(Some(s)) => s.as_str().into(),
        _ => serde_json::Value::Null,
    }
}

pub fn sql(args: SqlArgs) -> Result<(), Failure> {
    let dialect: Dialect = args
        .dialect
        .parse()
        .map_err(|e: Error| Failure::BadInput(e.message().to_owned()))?;
    let schema = match &args.schema {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Other(format!("{path}: {e}")))?;
            let parsed = if path.ends_with(".toml") {
                Schema::from_toml_str(&text)
            } else {
                Schema::from_json_str(&text)
            };
            parsed.map_err(|e| Failure::Bad(e, text))?
        }
        None => Schema::clusters(),
    };
    let f = filter(&args.expr)?;
    let compiled = compile_with(&f, &schema, dialect, &bindings(&args.binds)?)
        .map_err(|e| Failure::Bad(e, args.expr.clone()))?;
    let select = compiled.select();
    let mut out = io::stdout().lock();
    if args.inline {
        writeln!(out, "{}", to_inline(&select, dialect)).map_err(io_failure)?;
        writeln!(out, "[]").map_err(io_failure)?;
    } else {
        let (sql, values) = build(&select, dialect);
        let values: Vec<_> = values.0.iter().map(sql_json).collect();
        writeln!(out, "{sql}").map_err(io_failure)?;
        writeln!(out, "{}", serde_json::Value::Array(values)).map_err(io_failure)?;
    }
    Ok(())
}

/// A database named by `--db`.
pub enum Db {
    Sqlite(rusqlite_conn::Connection),
    Postgres(postgres_client::Client),
    MySql(siftql::sql::mysql::Conn),
}

mod rusqlite_conn {
    pub use siftql::sql::sqlite::Connection;
}

mod postgres_client {
    pub use siftql::sql::postgres::Client;
}

fn db_failure(e: Error) -> Failure {
    Failure::Other(e.message().to_owned())
}

impl Db {
    pub fn open(url: &str) -> Result<Db, Failure> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            return Ok(Db::Sqlite(sqlite::open(path).map_err(db_failure)?));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Db::Postgres(
                siftql::sql::postgres::connect(url).map_err(db_failure)?,
            ));
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            return Ok(Db::MySql(
                siftql::sql::mysql::connect(&url).map_err(db_failure)?,
            ));
        }
        Err(Failure::BadInput(format!(
            "--db {url}: expected sqlite:PATH, postgres://… or mysql://…"
        )))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
            Db::MySql(_) => Dialect::MySql,
        }
    }
}

pub fn load(args: LoadArgs) -> Result<(), Failure> {
    let mut db = Db::open(&args.db)?;
    let files = if args.files.is_empty() {
        vec!["-".to_owned()]
    } else {
        args.files
    };
    let schema = clusters(args.table);
    let count = load_files(&mut db, &schema, &files)?;
    eprintln!("loaded {count} record(s) into {}", schema.table);
    Ok(())
}

/// Loads JSON Lines files (`-` is standard input) into the cluster table,
/// in one transaction; returns how many records were loaded.
pub fn load_files(db: &mut Db, schema: &Schema, files: &[String]) -> Result<u64, Failure> {
    let mut count = 0u64;
    let mut each = |load: &mut dyn FnMut(&str) -> Result<(), Error>| -> Result<(), Failure> {
        for name in files {
            let reader: Box<dyn BufRead> = if name == "-" {
                Box::new(BufReader::new(io::stdin().lock()))
            } else {
                Box::new(BufReader::new(
                    File::open(name).map_err(|e| Failure::Other(format!("{name}: {e}")))?,
                ))
            };
            for (i, line) in reader.lines().enumerate() {
                let line =
                    line.map_err(|e| Failure::BadInput(format!("{name}: line {}: {e}", i + 1)))?;
                if line.trim().is_empty() {
                    continue;
                }
                load(line.trim_end_matches('\r')).map_err(|e| match e.code() {
                    ErrorCode::InvalidRecord => {
                        Failure::BadInput(format!("{name}: line {}: {}", i + 1, e.message()))
                    }
                    _ => db_failure(e),
                })?;
                count += 1;
            }
        }
        Ok(())
    };
    match db {
        Db::Sqlite(conn) => {
            conn.execute_batch("BEGIN")
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
            let mut loader = sqlite::Loader::new(conn, schema).map_err(db_failure)?;
            each(&mut |t| loader.load(t))?;
            drop(loader);
            conn.execute_batch("COMMIT")
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
        }
        Db::Postgres(client) => {
            let mut tx = client
                .transaction()
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
            let mut loader =
                siftql::sql::postgres::Loader::new(&mut tx, schema).map_err(db_failure)?;
            each(&mut |t| loader.load(t))?;
            drop(loader);
            tx.commit()
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
        }
        Db::MySql(conn) => {
            siftql::sql::mysql::create_table(conn, schema).map_err(db_failure)?;
            let mut tx = conn
                .start_transaction(Default::default())
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
            let mut loader =
                siftql::sql::mysql::Loader::new(&mut tx, schema).map_err(db_failure)?;
            each(&mut |t| loader.load(t))?;
            drop(loader);
            tx.commit()
                .map_err(|e| db_failure(siftql::sql::db_error(e)))?;
        }
    }
    Ok(count)
}

/// The default cluster schema, in table `table`.
pub fn clusters(table: String) -> Schema {
    Schema {
        table,
        ..Schema::clusters()
    }
}

pub fn query(args: QueryArgs) -> Result<(), Failure> {
    let mut db = Db::open(&args.db)?;
    let schema = clusters(args.table);
    let f = filter(&args.expr)?;
    let compiled = compile_with(&f, &schema, db.dialect(), &bindings(&args.binds)?)
        .map_err(|e| Failure::Bad(e, args.expr.clone()))?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = |doc: &str| {
        writeln!(out, "{doc}").map_err(|e| Error::new(ErrorCode::Database, e.to_string()))
    };
    let result = match &mut db {
        Db::Sqlite(conn) => sqlite::create_table(conn, &schema)
            .and_then(|()| sqlite::query(conn, &compiled, &mut write)),
        Db::Postgres(client) => siftql::sql::postgres::create_table(client, &schema)
            .and_then(|()| siftql::sql::postgres::query(client, &compiled, &mut write)),
        Db::MySql(conn) => siftql::sql::mysql::create_table(conn, &schema)
            .and_then(|()| siftql::sql::mysql::query(conn, &compiled, &mut write)),
    };
    result.map_err(db_failure)?;
    out.flush().map_err(io_failure)
}

impl Db {
    /// Runs a `SELECT` built for this database's dialect; rows as cells.
    pub fn rows(&mut self, select: &sea_query::SelectStatement) -> Result<Vec<Vec<Cell>>, Error> {
        match self {
            Db::Sqlite(conn) => sqlite::rows(conn, select),
            Db::Postgres(client) => siftql::sql::postgres::rows(client, select),
            Db::MySql(conn) => siftql::sql::mysql::rows(conn, select),
        }
    }

    /// Creates the cluster table if it is missing.
    pub fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        match self {
            Db::Sqlite(conn) => sqlite::create_table(conn, schema),
            Db::Postgres(client) => siftql::sql::postgres::create_table(client, schema),
            Db::MySql(conn) => siftql::sql::mysql::create_table(conn, schema),
        }
    }
}
