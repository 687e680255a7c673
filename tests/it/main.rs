//! One test binary for the whole library (keeps link time low).

mod api;
mod diagnostics;
mod eval;
mod eval_props;
mod fixtures;
mod fuzz_corpus;
mod gen;
mod hostile;
mod json;
mod limits;
mod mongo;
mod roundtrip;
mod sql;
mod syntax;
