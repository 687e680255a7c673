//! `siftql sql`, `siftql load` and `siftql query`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use siftql::eval::Bindings;
use siftql::sql::driver::{self, BatchLoader, Driver};
use siftql::sql::{build, compile_with, to_inline, Dialect, Schema};
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
    /// Skip creating the indexes siftql's SQL is written for (`siftql index` creates them later).
    #[arg(long)]
    no_index: bool,
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

/// Bound values as a JSON array, as `siftql sql` prints them.
pub fn values_json(values: &sea_query::Values) -> serde_json::Value {
    serde_json::Value::Array(values.0.iter().map(sql_json).collect())
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
        writeln!(out, "{sql}").map_err(io_failure)?;
        writeln!(out, "{}", values_json(&values)).map_err(io_failure)?;
    }
    Ok(())
}

fn db_failure(e: Error) -> Failure {
    Failure::Other(e.message().to_owned())
}

/// Opens the database named by `--db`: a URL of an unknown form is bad
/// input (exit 2), a failure to connect any other failure (exit 1).
pub fn open(url: &str) -> Result<Box<dyn Driver>, Failure> {
    driver::connect(url).map_err(|e| match e.code() {
        ErrorCode::Unsupported => {
            Failure::BadInput(format!("--db {url}: expected {}", driver::URL_FORMS))
        }
        _ => db_failure(e),
    })
}

pub fn load(args: LoadArgs) -> Result<(), Failure> {
    let mut db = open(&args.db)?;
    let files = if args.files.is_empty() {
        vec!["-".to_owned()]
    } else {
        args.files
    };
    let schema = clusters(args.table);
    let count = load_files(db.as_mut(), &schema, &files)?;
    eprintln!("loaded {count} record(s) into {}", schema.table);
    if !args.no_index {
        siftql::sql::index::create_indexes(db.as_mut(), &schema).map_err(db_failure)?;
    }
    Ok(())
}

/// Loads JSON Lines files (`-` is standard input) into the cluster table,
/// in one transaction; returns how many records were loaded.
pub fn load_files(db: &mut dyn Driver, schema: &Schema, files: &[String]) -> Result<u64, Failure> {
    let mut loader = BatchLoader::begin(db, schema).map_err(db_failure)?;
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
            loader
                .push(line.trim_end_matches('\r'))
                .map_err(|e| match e.code() {
                    ErrorCode::InvalidRecord => {
                        Failure::BadInput(format!("{name}: line {}: {}", i + 1, e.message()))
                    }
                    _ => db_failure(e),
                })?;
        }
    }
    loader.finish().map_err(db_failure)
}

/// The default cluster schema, in table `table`.
pub fn clusters(table: String) -> Schema {
    Schema {
        table,
        ..Schema::clusters()
    }
}

pub fn query(args: QueryArgs) -> Result<(), Failure> {
    let mut db = open(&args.db)?;
    let schema = clusters(args.table);
    let f = filter(&args.expr)?;
    let compiled = compile_with(&f, &schema, db.dialect(), &bindings(&args.binds)?)
        .map_err(|e| Failure::Bad(e, args.expr.clone()))?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = |doc: &str| {
        writeln!(out, "{doc}").map_err(|e| Error::new(ErrorCode::Database, e.to_string()))
    };
    db.create_table(&schema)
        .and_then(|()| db.documents(&compiled, &mut write))
        .map_err(db_failure)?;
    out.flush().map_err(io_failure)
}
