//! The filter JSON of the List Clusters API (SPEC §1): strict decoding of
//! every accepted form, and canonical encoding.
//!
//! # Accepted input
//!
//! * A **group**: an object with optional `AND`, `OR` (arrays), `NOT` (an
//!   array, or a single object taken as a one-item list) and
//!   `case_sensitive` (boolean). `null` for any of these is the same as the
//!   key being absent (clients that serialise optional fields write `null`).
//! * A **condition**: an object with a `field` key (wherever it stands, the
//!   root included — a root condition becomes the root's only `AND` item),
//!   `operator` (default `eq`), `value` and optional `case_sensitive`.
//!   `value` may be left out for `exists` and `is_null`, meaning `true`.
//! * **Shorthand**: any other key of a group is a condition on that field:
//!   `{"metadata.title": "v"}` is `eq "v"`; `{"position": {"gte": 1, "lte": 5}}`
//!   (an object whose keys are all operator names) is one condition per
//!   operator. Shorthand conditions are appended to the group's `AND` list in
//!   key order. A key that differs from `AND`/`OR`/`NOT`/`case_sensitive` only
//!   by case or a typo is an error, not a shorthand condition.
//! * **Dynamic values**: `{"type": "dynamic", "field": "inputs.q"}`.
//!
//! Everything else is an error with a JSON pointer and, where one is close, a
//! did-you-mean. Duplicate keys are an error (serde_json would keep the last
//! one and silently drop the first).
//!
//! # Canonical output
//!
//! Keys in the order `AND`, `OR`, `NOT`, `case_sensitive`; conditions as
//! `field`, `operator`, `value` (then `case_sensitive`); absent lists omitted;
//! `case_sensitive` written only where it is `true`; numbers as serde_json
//! holds them (integers stay integers).
//!
//! # Layout
//!
//! Decoding is text → `serde_json::Value` (a strict deserializer that rejects
//! duplicate keys and excess nesting) → AST; errors found on the way are given
//! a span in the text, so they render with a caret. Encoding has one canonical
//! layout, written by a non-recursive byte writer
//! ([`Filter::to_json_string`](crate::Filter::to_json_string)) and by the
//! `Serialize` impl, which share it.

mod decode;
mod encode;
mod locate;
mod strict;

pub use encode::MAX_SERIALIZE_DEPTH;
pub(crate) use locate::pointer_span;

/// Escapes a key for a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}
