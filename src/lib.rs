//! # siftql
//!
//! Filters for the List Clusters API, three ways: a human DSL
//! (`status = "active" and not department = "HR"`), the AND/OR/NOT filter
//! JSON, and one typed AST between them.
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
//! * [`ast`] — the tree ([`Filter`], [`Group`], [`Condition`], …), its
//!   canonical DSL printer and a stack-safe [`Fold`] for backends.
//! * [`parse`] — the DSL grammar and how it maps onto `AND`/`OR`/`NOT` lists.
//! * [`json`] — the wire format: strict decoding and canonical encoding.
//! * [`error`] — error codes, spans and caret rendering.
//! * [`Limits`] — bounds every entry point enforces.
//! * [`eval`] (feature `eval`, on by default) — the in-memory evaluator, the
//!   reference meaning of every operator.

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
pub use error::{Error, ErrorCode};
pub use limits::Limits;
pub use span::Span;

/// The README's examples, compiled and run as doctests (they use the SQL
/// backend and the SQLite driver, so they run with feature `sqlite`).
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "sqlite"))]
pub struct ReadmeDoctests;
