//! The `warnings` field of an answer: the request's filter type-checked
//! against the schema ([`Schema::check`]), so a client hears that
//! `stauts = completed` names no field instead of only getting no rows.

use serde_json::{json, Map, Value};
use siftql::sql::Schema;

use crate::request::Request;

/// The most warnings an answer carries (the first in the filter's order):
/// a filter of thousands of conditions gets a bounded answer.
pub(crate) const MAX_WARNINGS: usize = 100;

/// The warnings of `req`'s filter as JSON objects (`code`, `message`,
/// `pointer` into the request body, `span` for a DSL `filter`, `help`), at
/// most [`MAX_WARNINGS`]; empty when there are none. The filter compiled,
/// so the check cannot fail; if it did, there is nothing to warn about.
pub(crate) fn warnings(schema: &Schema, req: &Request) -> Vec<Value> {
    let Ok(found) = schema.check(&req.filter) else {
        return Vec::new();
    };
    let key = if req.dsl { "/filter" } else { "/filters" };
    found
        .iter()
        .take(MAX_WARNINGS)
        .map(|w| {
            let mut o = Map::new();
            o.insert("code".into(), w.code().as_str().into());
            o.insert("message".into(), w.message().into());
            let pointer = match (req.dsl, w.pointer()) {
                (false, Some(p)) => format!("{key}{p}"),
                _ => key.to_owned(),
            };
            o.insert("pointer".into(), pointer.into());
            if let (true, Some(s)) = (req.dsl, w.span()) {
                o.insert("span".into(), json!([s.range().start, s.range().end]));
            }
            if let Some(h) = w.help() {
                o.insert("help".into(), h.into());
            }
            Value::Object(o)
        })
        .collect()
}
