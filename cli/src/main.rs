//! `siftql`: parse, format, check and run filters from the command line.
//!
//! Exit status: 0 success, 2 a bad filter or bad input (diagnostics on
//! stderr), 1 any other failure.

mod db;
mod explain;
mod filter;
mod lint;
mod serve;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use siftql::{Error, ErrorCode, Filter, Limits};

/// mimalloc: `load` builds rows on one thread and frees them on another,
/// where glibc's allocator spent about a fifth of a SQLite load waiting on
/// its arena locks (200,000 records: 2.2 s with it, 1.2 s with mimalloc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "siftql",
    version,
    about = "Filters for the List Clusters API: DSL, JSON, SQL",
    after_help = "Example:\n  siftql filter 'status = completed and num_clusters >= 40' examples/clusters.jsonl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// DSL (or JSON) → canonical filter JSON on stdout.
    #[command(after_help = "Example:\n  siftql parse 'status = completed and num_clusters >= 5'")]
    Parse {
        /// The filter, one argument (quote it); `-` or nothing reads standard input. A leading `{` means JSON.
        expr: Vec<String>,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// DSL or JSON → canonical one-line DSL on stdout.
    #[command(
        after_help = "Example:\n  siftql fmt '{\"AND\":[{\"field\":\"status\",\"operator\":\"eq\",\"value\":\"completed\"}]}'"
    )]
    Fmt {
        /// The filter, one argument (quote it); `-` or nothing reads standard input. A leading `{` means JSON.
        expr: Vec<String>,
    },
    /// Type-check a filter against a schema: `ok` on stdout, warnings on
    /// stderr; a bad filter's diagnostics on stderr and exit status 2.
    #[command(after_help = "Example:\n  siftql check --deny-warnings 'stauts = completed'")]
    Check {
        /// The filter, one argument (quote it); `-` or nothing reads standard input. A leading `{` means JSON.
        expr: Vec<String>,
        /// A schema file (JSON, or TOML when it ends in `.toml`); the default is the cluster-record schema.
        #[arg(long)]
        schema: Option<String>,
        #[command(flatten)]
        warn: lint::WarnArgs,
    },
    /// Records in (JSON Lines, a JSON array, or a List Clusters response),
    /// matching records out, each exactly as its input line.
    #[command(
        after_help = "Example:\n  siftql filter 'status = completed and num_clusters >= 40' examples/clusters.jsonl"
    )]
    Filter(filter::Args),
    /// Compile a filter to SQL: the statement on one line, then the bound values as a JSON array.
    #[command(
        after_help = "Example:\n  siftql sql --dialect postgres 'status = completed and metadata.team = ml'"
    )]
    Sql(db::SqlArgs),
    /// Load JSON Lines cluster records into table `clusters` (created if missing; upsert by `cluster_id`).
    #[command(
        after_help = "Example:\n  siftql load --db sqlite:siftql.db examples/clusters.jsonl"
    )]
    Load(db::LoadArgs),
    /// Run a filter on the database; matching records as JSON Lines, exactly as loaded.
    #[command(
        after_help = "Example:\n  siftql query --db sqlite:siftql.db --count 'status = completed'"
    )]
    Query(db::QueryArgs),
    /// Create the indexes siftql's SQL is written for (the table too, if missing).
    #[command(
        after_help = "Example:\n  siftql index --db postgres://postgres@127.0.0.1:5432/test --json metadata"
    )]
    Index(explain::IndexArgs),
    /// Print a filter's SQL, its values, and the database's plan for it (is an index used?).
    #[command(
        after_help = "Example:\n  siftql explain --db sqlite:siftql.db 'cluster_id = clu_1'"
    )]
    Explain(explain::ExplainArgs),
    /// Serve `POST /v1/clusters/list` (the List Clusters API) from the database.
    #[command(
        after_help = "Example:\n  siftql serve --load examples/clusters.jsonl --addr 127.0.0.1:8080"
    )]
    Serve(serve::ServeArgs),
    /// Print a shell completion script on stdout.
    #[command(
        after_help = "Example:\n  siftql completions bash > ~/.local/share/bash-completion/completions/siftql"
    )]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// Why the command failed: a bad filter (exit 2), bad input (exit 2), or
/// anything else (exit 1).
enum Failure {
    Bad(Error, String),
    BadInput(String),
    Other(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Other(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Bad(err, source)) => {
            eprintln!("{}", err.render(&source));
            ExitCode::from(2)
        }
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// The filter text: the argument, or standard input for `-` or no argument.
fn read_expr(expr: Option<String>) -> Result<String, Failure> {
    match expr.as_deref() {
        Some(text) if text != "-" => Ok(text.to_owned()),
        _ => {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes)?;
            String::from_utf8(bytes).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let span_start = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
                let err = Error::new(
                    ErrorCode::InvalidUtf8,
                    format!("input is not UTF-8 (byte {at})"),
                )
                .with_span(
                    siftql::Span::new(span_start, span_start + 1),
                    "invalid byte here",
                );
                Failure::Bad(err, lossy)
            })
        }
    }
}

/// The filter argument: a filter is one argument, so several mean the
/// shell split one that was not quoted; that is bad input (exit 2), with
/// the quoted form to write instead.
pub(crate) fn one_filter(mut parts: Vec<String>) -> Result<Option<String>, Failure> {
    if parts.len() <= 1 {
        return Ok(parts.pop());
    }
    Err(Failure::BadInput(format!(
        "the filter came as {} arguments, as the shell split it; quote it as one: {}",
        parts.len(),
        shell_quote(&parts.join(" "))
    )))
}

/// `text` in single quotes for a POSIX shell.
pub(crate) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Reads and parses a filter given as an argument (or `-` for stdin).
fn load(expr: Vec<String>) -> Result<Filter, Failure> {
    let text = read_expr(one_filter(expr)?)?;
    Filter::parse_any(&text, &Limits::default()).map_err(|e| Failure::Bad(e, text))
}

fn run(command: Command) -> Result<(), Failure> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match command {
        Command::Parse { expr, pretty } => {
            let filter = load(expr)?;
            let json = if pretty {
                serde_json::to_string_pretty(&filter).map_err(|e| Failure::Other(e.to_string()))?
            } else {
                filter.to_json_string()
            };
            writeln!(out, "{json}")?;
        }
        Command::Fmt { expr } => {
            let filter = load(expr)?;
            writeln!(out, "{filter}")?;
        }
        Command::Check { expr, schema, warn } => {
            let schema = lint::schema(schema.as_deref())?;
            let text = read_expr(one_filter(expr)?)?;
            let filter = Filter::parse_any(&text, &Limits::default())
                .map_err(|e| Failure::Bad(e, text.clone()))?;
            lint::report(&schema, &filter, &text, warn)?;
            writeln!(out, "ok")?;
        }
        Command::Filter(args) => {
            drop(out);
            return filter::run(args);
        }
        Command::Sql(args) => {
            drop(out);
            return db::sql(args);
        }
        Command::Load(args) => {
            drop(out);
            return db::load(args);
        }
        Command::Query(args) => {
            drop(out);
            return db::query(args);
        }
        Command::Index(args) => {
            drop(out);
            return explain::index(args);
        }
        Command::Explain(args) => {
            drop(out);
            return explain::explain(args);
        }
        Command::Serve(args) => {
            drop(out);
            return serve::run(args);
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "siftql", &mut out);
        }
    }
    out.flush()?;
    Ok(())
}
