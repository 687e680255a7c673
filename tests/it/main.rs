//! One test binary for the whole library (keeps link time low).

mod api;
mod diagnostics;
#[cfg(feature = "eval")]
mod eval;
#[cfg(feature = "eval")]
mod eval_props;
mod fixtures;
mod fuzz_corpus;
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
mod gen;
mod hostile;
mod json;
mod limits;
#[cfg(feature = "sqlite")]
mod load;
mod mongo;
#[cfg(feature = "sqlite")]
mod plan;
mod roundtrip;
// First: `regex` uses its macro and helpers.
#[cfg(feature = "sqlite")]
#[macro_use]
mod sql;
#[cfg(feature = "sqlite")]
mod regex;
mod syntax;
#[cfg(feature = "sql")]
mod typecheck;
