//! `siftql sql`, `siftql load` and `siftql query`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use siftql::eval::Bindings;
use siftql::sql::driver::{self, BatchLoader, Driver};
use siftql::sql::load::{row, storable, Cell};
use siftql::sql::{build, compile_rechecked, compile_with, to_inline, Dialect, Schema};
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
    #[command(flatten)]
    warn: crate::lint::WarnArgs,
    /// The filter (DSL, or JSON when it starts with `{`), one argument: quote it.
    #[arg(required = true, value_name = "EXPR")]
    expr: Vec<String>,
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
    /// Also index this JSON column (repeatable; see `siftql index --json`).
    #[arg(long = "json-index", value_name = "FIELD")]
    json_index: Vec<String>,
    #[command(flatten)]
    progress: ProgressArgs,
    /// JSON Lines files of cluster records; `-` or none reads standard input.
    files: Vec<String>,
}

/// When a load reports its progress on stderr.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct ProgressArgs {
    /// Report progress (records so far, records/s) on stderr also when it is
    /// not a terminal: a line a second, and one when the load is done. On a
    /// terminal progress is on anyway: one line, updated in place a few
    /// times a second and erased at the end.
    #[arg(long, conflicts_with = "no_progress")]
    progress: bool,
    /// No progress report, even on a terminal.
    #[arg(long)]
    no_progress: bool,
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
    /// Print only the number of matching records.
    #[arg(long)]
    count: bool,
    #[command(flatten)]
    warn: crate::lint::WarnArgs,
    /// The filter (DSL, or JSON when it starts with `{`), one argument: quote it.
    #[arg(required = true, value_name = "EXPR")]
    expr: Vec<String>,
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

pub fn sql(mut args: SqlArgs) -> Result<(), Failure> {
    let expr = crate::one_filter(std::mem::take(&mut args.expr))?.unwrap_or_default();
    let dialect: Dialect = args.dialect.parse().map_err(|e: Error| match e.help() {
        Some(help) => Failure::BadInput(format!("{}; {help}", e.message())),
        None => Failure::BadInput(e.message().to_owned()),
    })?;
    let schema = crate::lint::schema(args.schema.as_deref())?;
    let f = filter(&expr)?;
    crate::lint::report(&schema, &f, &expr, args.warn)?;
    let compiled = compile_with(&f, &schema, dialect, &bindings(&args.binds)?)
        .map_err(|e| Failure::Bad(e, expr.clone()))?;
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
        ErrorCode::Unsupported if e.message().starts_with("unknown database URL") => {
            Failure::BadInput(format!("--db {url}: expected {}", driver::URL_FORMS))
        }
        ErrorCode::Unsupported => Failure::BadInput(match e.help() {
            Some(help) => format!("--db {url}: {}; {help}", e.message()),
            None => format!("--db {url}: {}", e.message()),
        }),
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
    // A JSON column that is not one is refused before anything loads.
    siftql::sql::index::json_indexes(&schema, db.dialect(), &args.json_index)
        .map_err(json_field)?;
    let count = load_files(db.as_mut(), &schema, &files, args.progress)?;
    eprintln!("loaded {count} record(s) into {}", schema.table);
    if !args.no_index {
        siftql::sql::index::create_indexes_with_json(db.as_mut(), &schema, &args.json_index)
            .map_err(db_failure)?;
    }
    Ok(())
}

/// A field named for a JSON index that is not a JSON column: bad input.
pub fn json_field(e: Error) -> Failure {
    match e.help() {
        Some(help) => Failure::BadInput(format!("{}\n  help: {help}", e.message())),
        None => Failure::BadInput(e.message().to_owned()),
    }
}

/// Rows a reader hands the loader at once.
const CHUNK_ROWS: usize = 1024;

/// What the reader thread sends: rows in input order, then maybe why it
/// stopped early.
struct Chunk {
    rows: Vec<Vec<Cell>>,
    failure: Option<Failure>,
}

/// Loads JSON Lines files (`-` is standard input) into the cluster table,
/// in one transaction; returns how many records were loaded. One thread
/// reads and checks the records while this one hands them to the database;
/// progress goes to stderr as `progress` says.
pub fn load_files(
    db: &mut dyn Driver,
    schema: &Schema,
    files: &[String],
    progress: ProgressArgs,
) -> Result<u64, Failure> {
    let dialect = db.dialect();
    let mut loader = BatchLoader::begin(db, schema).map_err(db_failure)?;
    let mut meter = Meter::new(progress);
    std::thread::scope(|scope| {
        let (send, chunks) = mpsc::sync_channel::<Chunk>(4);
        scope.spawn(move || read_rows(schema, dialect, files, &send));
        // Returning early drops `chunks`, which stops the reader.
        for chunk in chunks {
            for cells in chunk.rows {
                loader.push_row(cells).map_err(db_failure)?;
            }
            if let Some(failure) = chunk.failure {
                return Err(failure);
            }
            meter.update(loader.count());
        }
        Ok(())
    })?;
    let count = loader.finish().map_err(db_failure)?;
    meter.finish(count);
    Ok(count)
}

/// Reads the files' records into rows, sending them in chunks until the
/// end, a bad record or the receiver hanging up.
fn read_rows(schema: &Schema, dialect: Dialect, files: &[String], send: &mpsc::SyncSender<Chunk>) {
    let mut rows = Vec::with_capacity(CHUNK_ROWS);
    let failure = (|| {
        for name in files {
            let reader: Box<dyn BufRead> = if name == "-" {
                Box::new(BufReader::new(io::stdin().lock()))
            } else {
                Box::new(BufReader::new(
                    File::open(name).map_err(|e| Failure::Other(format!("{name}: {e}")))?,
                ))
            };
            for (i, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| match e.kind() {
                    // Text that is not UTF-8: the line says where.
                    io::ErrorKind::InvalidData => {
                        Failure::BadInput(format!("{name}: line {}: {e}", i + 1))
                    }
                    // A directory, a device error: the file, not a line.
                    _ => Failure::Other(format!("{name}: {e}")),
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                let text = line.trim_end_matches('\r');
                let cells = storable(dialect, text)
                    .and_then(|()| row(schema, text))
                    .map_err(|e| match e.code() {
                        ErrorCode::InvalidRecord => {
                            Failure::BadInput(format!("{name}: line {}: {}", i + 1, e.message()))
                        }
                        _ => db_failure(e),
                    })?;
                rows.push(cells);
                if rows.len() == CHUNK_ROWS {
                    let chunk = Chunk {
                        rows: std::mem::replace(&mut rows, Vec::with_capacity(CHUNK_ROWS)),
                        failure: None,
                    };
                    // The loader stopped: nothing more to do.
                    send.send(chunk)
                        .map_err(|_| Failure::Other(String::new()))?;
                }
            }
        }
        Ok(())
    })()
    .err();
    let _ = send.send(Chunk { rows, failure });
}

/// The progress report of a load on stderr.
struct Meter {
    /// In place on a terminal, lines with `--progress`, or none.
    style: Option<Style>,
    start: Instant,
    last: Instant,
    /// The width of the line shown in place, to erase it.
    shown: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    InPlace,
    Lines,
}

impl Meter {
    fn new(args: ProgressArgs) -> Meter {
        let style = if args.progress {
            Some(if io::stderr().is_terminal() {
                Style::InPlace
            } else {
                Style::Lines
            })
        } else if !args.no_progress && io::stderr().is_terminal() {
            Some(Style::InPlace)
        } else {
            None
        };
        let now = Instant::now();
        Meter {
            style,
            start: now,
            last: now,
            shown: 0,
        }
    }

    fn line(&self, count: u64, now: Instant) -> String {
        let secs = now.duration_since(self.start).as_secs_f64();
        let rate = if secs > 0.0 { count as f64 / secs } else { 0.0 };
        format!("loading: {count} record(s), {rate:.0} records/s")
    }

    /// Reports `count` records loaded if it is time to: four times a second
    /// in place, once a second as lines.
    fn update(&mut self, count: u64) {
        let Some(style) = self.style else { return };
        let every = match style {
            Style::InPlace => Duration::from_millis(250),
            Style::Lines => Duration::from_secs(1),
        };
        let now = Instant::now();
        if now.duration_since(self.last) < every {
            return;
        }
        self.last = now;
        let line = self.line(count, now);
        let mut err = io::stderr().lock();
        let _ = match style {
            Style::InPlace => {
                let pad = self.shown.saturating_sub(line.len());
                self.shown = line.len();
                write!(err, "\r{line}{:pad$}", "")
            }
            Style::Lines => writeln!(err, "{line}"),
        };
        let _ = err.flush();
    }

    /// The load is done: the last report as a line, or the line in place
    /// erased.
    fn finish(&mut self, count: u64) {
        if self.style == Some(Style::Lines) {
            eprintln!("{}", self.line(count, Instant::now()));
        }
        self.erase();
    }

    fn erase(&mut self) {
        if self.shown > 0 {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{:w$}\r", "", w = self.shown);
            let _ = err.flush();
            self.shown = 0;
        }
    }
}

impl Drop for Meter {
    // A failed load's message starts on a clean line.
    fn drop(&mut self) {
        self.erase();
    }
}

/// The default cluster schema, in table `table`.
pub fn clusters(table: String) -> Schema {
    Schema {
        table,
        ..Schema::clusters()
    }
}

/// Opens the database for a command that only reads: one without the
/// table is a failure (exit 1) that says how to fill it, and nothing is
/// created (no SQLite file, no table).
pub fn open_existing(url: &str, table: &str) -> Result<Box<dyn Driver>, Failure> {
    let missing = || {
        Failure::Other(format!(
            "no table `{table}` in {}; load records with `siftql load`",
            siftql::sql::redacted(url)
        ))
    };
    if let Some(file) = url.strip_prefix("sqlite:").and_then(sqlite_file) {
        if !file.exists() {
            return Err(missing());
        }
    }
    let mut db = open(url)?;
    if !db.has_table(table).map_err(db_failure)? {
        return Err(missing());
    }
    Ok(db)
}

/// The file a `sqlite:` URL's path names, if it names one: a path, or a
/// `file:` URI's path (`file:data.db?mode=ro`); not `:memory:` nor a
/// database in memory.
fn sqlite_file(path: &str) -> Option<std::path::PathBuf> {
    let path = path.trim_start_matches("//");
    let file = match path.strip_prefix("file:") {
        Some(uri) => {
            let (name, query) = uri.split_once('?').unwrap_or((uri, ""));
            if query.split('&').any(|p| p == "mode=memory") {
                return None;
            }
            name.strip_prefix("//").unwrap_or(name)
        }
        None => path,
    };
    (!file.is_empty() && file != ":memory:").then(|| file.into())
}

pub fn query(mut args: QueryArgs) -> Result<(), Failure> {
    let expr = crate::one_filter(std::mem::take(&mut args.expr))?.unwrap_or_default();
    let schema = clusters(args.table);
    let f = filter(&expr)?;
    crate::lint::report(&schema, &f, &expr, args.warn)?;
    let bindings = bindings(&args.binds)?;
    let mut db = open_existing(&args.db, &schema.table)?;
    // Conditions the database cannot say are rechecked on each row it
    // returns (`Driver::documents` applies the residual).
    let compiled = compile_rechecked(&f, &schema, db.dialect(), &bindings)
        .map_err(|e| Failure::Bad(e, expr.clone()))?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.count {
        let mut n = 0u64;
        db.documents(&compiled, &mut |_| {
            n += 1;
            Ok(())
        })
        .map_err(db_failure)?;
        writeln!(out, "{n}").map_err(io_failure)?;
        return out.flush().map_err(io_failure);
    }
    // A reader that stopped reading (`| head`) ends the run quietly.
    let mut closed = false;
    let mut write = |doc: &str| {
        writeln!(out, "{doc}").map_err(|e| {
            closed = e.kind() == io::ErrorKind::BrokenPipe;
            Error::new(ErrorCode::Database, e.to_string())
        })
    };
    let result = db.documents(&compiled, &mut write);
    if closed {
        return Ok(());
    }
    result.map_err(db_failure)?;
    match out.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(io_failure),
    }
}
