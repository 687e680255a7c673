//! # siftql
//!
//! Filters for the List Clusters API, three ways: a human DSL
//! (`status = "active" and not department = "HR"`), the AND/OR/NOT filter
//! JSON, and one typed AST between them. The in-memory evaluator gives a
//! filter its meaning; the SQL compiler says the same in SQL for SQLite,
//! PostgreSQL and MySQL/MariaDB.
//!
//! ```
//! use siftql::Filter;
//!
//! let f: Filter = r#"name starts_with "prod" and (num_clusters >= 5 or tags in ["a", "b"])"#.parse()?;
//! let json = f.to_json_string();
//! assert_eq!(Filter::from_json_str(&json)?, f);
//! assert_eq!(f.to_string(), r#"name starts_with "prod" and (num_clusters >= 5 or tags in ["a","b"])"#);
//! # Ok::<(), siftql::Error>(())
//! ```
//!
//! ## What to call
//!
//! | job | call |
//! |---|---|
//! | parse DSL | `text.parse::<Filter>()` ([`str::parse`]); [`Filter::parse_with`] with explicit [`Limits`]; [`Filter::parse_any`] for DSL or JSON, told apart by a leading `{` |
//! | decode filter JSON | [`Filter::from_json_str`] (every accepted form, [`Filter::from_json_str_with`] with [`Limits`]), or serde: [`Filter`] is `Deserialize`, so it drops into a request struct |
//! | print | `filter.to_string()`: the canonical DSL ([`Display`](std::fmt::Display)); [`Filter::to_json_string`]: the canonical JSON (also serde `Serialize`) |
//! | report an error | [`Error::code`] (stable codes, [`ErrorCode`]), [`Error::span`], [`Error::render`] with a caret under the input |
//! | evaluate records | `eval::Predicate::compile(&filter, &bindings)?.matches(&record)`, over a `serde_json::Value`, an `eval::RawRecord` or a typed `eval::ClusterRecord` (feature `eval`) |
//! | compile to SQL | `sql::compile(&filter, &schema, dialect)?`, then `.condition()` (a sea-query `Condition`) or `.build()` (the `SELECT` and its values); `sql::compile_with` binds dynamic values, `sql::compile_rechecked` also takes what the dialect cannot say exactly (feature `sql`) |
//! | run on a database | `sql::driver::connect(url)?` opens a `Driver` (`sqlite:PATH`, `postgres://…`, `mysql://…`); `Driver::documents` runs a compiled filter, `sql::driver::BatchLoader` loads records, `sql::index::create_indexes` creates the indexes (features `sqlite`, `postgres`, `mysql`) |
//! | type-check against a schema | `sql::Schema::check(&filter)?`: [`Warning`]s with codes ([`WarningCode`]), spans and pointers for unknown fields, values a column never holds, contradictions (feature `sql`; `siftql check` on the command line) |
//! | write a backend | implement [`Fold`]: a bottom-up fold, stack-safe on trees of any depth |
//!
#![cfg_attr(
    all(feature = "eval", feature = "sql"),
    doc = "The entry points in this build: [`eval::Predicate::compile`], \
           [`eval::Predicate::matches`], [`sql::compile`], [`sql::compile_with`], \
           [`sql::compile_rechecked`], [`sql::Compiled`], [`sql::Schema::clusters`], \
           [`sql::Dialect`], [`sql::driver::connect`], [`sql::driver::Driver`], \
           [`sql::Schema::check`]."
)]
#![cfg_attr(
    all(feature = "eval", not(feature = "sql")),
    doc = "The entry points in this build: [`eval::Predicate::compile`], \
           [`eval::Predicate::matches`]. The `sql` module is not in it: turn on \
           feature `sql`, or `sqlite`, `postgres` or `mysql` for a driver too."
)]
//!
//! ## Modules
//!
//! * [`ast`] — the tree ([`Filter`], [`Group`], [`Condition`], …), its
//!   canonical DSL printer and a stack-safe [`Fold`] for backends.
//! * [`parse`] — the DSL grammar and how it maps onto `AND`/`OR`/`NOT` lists.
//! * [`json`] — the wire format: strict decoding and canonical encoding.
//! * [`error`] — error codes, spans and caret rendering.
//! * [`Limits`] — bounds every entry point enforces.
#![cfg_attr(
    feature = "eval",
    doc = "* [`eval`] (feature `eval`, on by default) — the in-memory evaluator, \
           the reference meaning of every operator."
)]
#![cfg_attr(
    not(feature = "eval"),
    doc = "* `eval` (feature `eval`, on by default; off in this build) — the \
           in-memory evaluator, the reference meaning of every operator."
)]
#![cfg_attr(
    feature = "sql",
    doc = "* [`sql`] (feature `sql`) — the SQL compiler: schemas, dialects, \
           indexes, and the drivers behind `sqlite`, `postgres` and `mysql`."
)]
#![cfg_attr(
    not(feature = "sql"),
    doc = "* `sql` (feature `sql`; off in this build) — the SQL compiler: \
           schemas, dialects, indexes, and the drivers behind `sqlite`, \
           `postgres` and `mysql`."
)]
//!
//! ## Cargo features
//!
//! | feature | default | what |
//! |---|---|---|
//! | (none) | always | the AST, the DSL parser and printer, the JSON codec, errors, limits |
//! | `eval` | on | the in-memory evaluator (`siftql::eval`: a stemmer, `time`, `memchr`) |
//! | `sql` | off | the SQL compiler (`siftql::sql`, sea-query), with `eval` |
//! | `sqlite` | off | `sql` and the SQLite driver (rusqlite with bundled SQLite; siftql's functions registered on the connection) |
//! | `postgres` | off | `sql` and the PostgreSQL driver (the `postgres` crate, no TLS) |
//! | `mysql` | off | `sql` and the MySQL 8 / MariaDB 10.6+ driver (the `mysql` crate, no TLS) |
//!
//! `default-features = false` leaves only the parser, printer and codec.
//!
//! ## Around the library
//!
//! * The List Clusters API, `POST /v1/clusters/list`, over a database, is
//!   the crate `siftql-server` (`server/` in the repository): a `Service`
//!   gives an axum `Router` to serve or mount.
//! * The command line is the package `siftql-cli` (`cli/`), binary
//!   `siftql`: `parse`, `fmt`, `check`, `filter`, `sql`, `load`, `query`,
//!   `index`, `explain`, `serve`, `completions`. Install it with
//!   `cargo install --path cli`.
//!
//! The longer documentation is in the repository's `docs/` folder:
//! `docs/dsl.md` (the DSL), `docs/semantics.md` (what each operator means),
//! `docs/library.md` (longer Rust examples), `docs/sql.md` (schemas,
//! indexes, the capability table, SQL + recheck), `docs/server.md`,
//! `docs/cli.md`, `docs/limits.md` and `docs/errors.md` (every error code),
//! `docs/decisions.md`, `docs/performance.md`.

pub mod ast;
mod check;
pub mod error;
#[cfg(feature = "eval")]
pub mod eval;
#[doc(hidden)]
pub mod fuzz;
pub mod json;
mod lexical;
mod limits;
pub mod parse;
mod span;
#[cfg(feature = "sql")]
pub mod sql;

pub use ast::{
    Condition, FieldPath, Filter, Fold, Group, GroupParts, ListKind, Node, NodeRef, Operand,
    Operator, Scope,
};
pub use error::{Error, ErrorCode, Warning, WarningCode};
pub use limits::Limits;
pub use span::Span;

/// The README's examples, compiled and run as doctests (they use the SQL
/// backend and the SQLite driver, so they run with feature `sqlite`).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "sqlite"))]
pub struct ReadmeDoctests;

/// `docs/library.md`'s examples (parsing, JSON, the evaluator), compiled and
/// run as doctests.
#[doc = include_str!("../docs/library.md")]
#[cfg(all(doctest, feature = "eval"))]
pub struct LibraryDocDoctests;

/// `docs/sql.md`'s examples, compiled and run as doctests (feature `sql`).
#[doc = include_str!("../docs/sql.md")]
#[cfg(all(doctest, feature = "sql"))]
pub struct SqlDocDoctests;
