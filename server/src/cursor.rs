//! Keyset cursors: the position after a page's last row, for one request.
//!
//! A cursor is the URL-safe base64 (no padding) of a small JSON payload
//! (the sort, the last row's sort values and key, how many rows come
//! before the next page), the request's [`Scope`] (three 64-bit digests)
//! and a 64-bit tag: SipHash of all that under a key drawn at random when
//! the server starts. A cursor the server did not issue is refused, and so
//! is one reused with another sort, namespace, filter or search, each with
//! its own message; cursors do not survive a restart.
//!
//! The page size is not bound: a cursor continues the same ordered set of
//! rows, and a client may take it on in pages of another size. (The page
//! number then counts pages of the new size, as `offset / page_size + 1`
//! does.)

use std::hash::{BuildHasher, RandomState};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use siftql::sql::load::Cell;
use siftql::sql::SortKey;
use siftql::Filter;

/// A decoded cursor.
#[derive(Debug, PartialEq)]
pub struct Cursor {
    /// The last row's sort values, one per sort key.
    pub values: Vec<Cell>,
    /// The last row's key (`cluster_id`).
    pub key: String,
    /// How many rows the pages walked so far held: the next page's offset,
    /// which gives its number (`rows / page_size + 1`).
    pub rows: u64,
}

/// What a cursor is bound to besides its sort: digests of the request's
/// namespace, filter and search, keyed by the [`Minter`]'s key (so a
/// cursor tells nothing about them, and no digest can be forged).
///
/// The filter is digested as its canonical JSON
/// ([`Filter::to_json_string`]), so the same filter written as DSL
/// (`filter`) or as JSON (`filters`) in any accepted form, with or without
/// `case_sensitive: false` on every node, is the same filter. The search is
/// digested as its Unicode lowercase, as search compares it; the namespace
/// as it is (it is matched exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    namespace: u64,
    filter: u64,
    search: u64,
}

impl Scope {
    const LEN: usize = 24;

    fn to_bytes(self) -> [u8; Scope::LEN] {
        let mut out = [0; Scope::LEN];
        for (i, d) in [self.namespace, self.filter, self.search]
            .into_iter()
            .enumerate()
        {
            out[i * 8..i * 8 + 8].copy_from_slice(&d.to_be_bytes());
        }
        out
    }

    fn from_bytes(b: &[u8]) -> Option<Scope> {
        let d = |i: usize| {
            Some(u64::from_be_bytes(
                b.get(i * 8..i * 8 + 8)?.try_into().ok()?,
            ))
        };
        Some(Scope {
            namespace: d(0)?,
            filter: d(1)?,
            search: d(2)?,
        })
    }
}

/// Why a cursor was refused; its [`message`](Refusal::message) is the
/// 422 `invalid_cursor` answer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not issued by this server (forged, damaged, or from before a
    /// restart).
    Foreign,
    /// Issued for another sort order.
    Sort,
    /// Issued for another `X-Namespace`.
    Namespace,
    /// Issued for another filter (`filters` or `filter`).
    Filter,
    /// Issued for another `search`.
    Search,
}

impl Refusal {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Foreign => "the cursor was not issued by this server (or the server restarted)",
            Refusal::Sort => {
                "the cursor was issued for another sort order; send it with the headers and \
                 body of the request that returned it (only the page size may change)"
            }
            Refusal::Namespace => {
                "the cursor was issued for another namespace (X-Namespace); send it with the headers \
                 and body of the request that returned it (only the page size may change)"
            }
            Refusal::Filter => {
                "the cursor was issued for another filter; send it with the headers and \
                 body of the request that returned it (only the page size may change)"
            }
            Refusal::Search => {
                "the cursor was issued for another search; send it with the headers and \
                 body of the request that returned it (only the page size may change)"
            }
        }
    }
}

/// Issues and checks cursors.
pub struct Minter {
    key: RandomState,
}

fn sort_json(sorts: &[SortKey]) -> Value {
    sorts
        .iter()
        .map(|k| json!([k.field, if k.descending { "desc" } else { "asc" }]))
        .collect()
}

fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Text(s) => s.as_str().into(),
        Cell::Int(i) => (*i).into(),
        Cell::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Cell::Bool(b) => (*b).into(),
    }
}

fn json_cell(v: &Value) -> Option<Cell> {
    Some(match v {
        Value::Null => Cell::Null,
        Value::String(s) => Cell::Text(s.clone()),
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) if n.is_i64() => Cell::Int(n.as_i64()?),
        Value::Number(n) => Cell::Float(n.as_f64()?),
        _ => return None,
    })
}

/// Base64url without padding (RFC 4648 §5): safe in a query string as is.
fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The bytes of base64url text without padding. The decoder refuses
/// padding and stray trailing bits, so one cursor has one spelling.
fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

impl Minter {
    /// A minter with a fresh random key.
    pub fn new() -> Minter {
        Minter {
            key: RandomState::new(),
        }
    }

    fn tag(&self, payload: &[u8]) -> u64 {
        self.key.hash_one(payload)
    }

    /// The scope of a request: its `X-Namespace`, filter and search.
    pub fn scope(&self, namespace: Option<&str>, filter: &Filter, search: Option<&str>) -> Scope {
        // The same lowercase as the filters' (no word-final sigma rule).
        let search = search.map(|s| s.chars().flat_map(char::to_lowercase).collect::<String>());
        Scope {
            namespace: self.key.hash_one(("namespace", namespace)),
            filter: self.key.hash_one(("filter", filter.to_json_string())),
            search: self.key.hash_one(("search", search)),
        }
    }

    /// The cursor for `sorts` and `scope` after a row.
    pub fn issue(&self, sorts: &[SortKey], scope: Scope, c: &Cursor) -> String {
        let values: Vec<Value> = c.values.iter().map(cell_json).collect();
        let payload =
            json!({"s": sort_json(sorts), "v": values, "k": c.key, "r": c.rows}).to_string();
        let mut bytes = payload.into_bytes();
        bytes.extend_from_slice(&scope.to_bytes());
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag.to_be_bytes());
        encode(&bytes)
    }

    /// Checks a cursor: issued by this minter, for `sorts` and `scope`.
    pub fn check(&self, sorts: &[SortKey], scope: Scope, text: &str) -> Result<Cursor, Refusal> {
        use Refusal::Foreign;
        if text.len() > 1 << 20 {
            return Err(Foreign);
        }
        let bytes = decode(text).ok_or(Foreign)?;
        if bytes.len() < Scope::LEN + 8 + 2 {
            return Err(Foreign);
        }
        let (signed, tag) = bytes.split_at(bytes.len() - 8);
        let tag = u64::from_be_bytes(tag.try_into().map_err(|_| Foreign)?);
        if tag != self.tag(signed) {
            return Err(Foreign);
        }
        let (payload, issued) = signed.split_at(signed.len() - Scope::LEN);
        let issued = Scope::from_bytes(issued).ok_or(Foreign)?;
        let v: Value = serde_json::from_slice(payload).map_err(|_| Foreign)?;
        if v["s"] != sort_json(sorts) {
            return Err(Refusal::Sort);
        }
        if issued.namespace != scope.namespace {
            return Err(Refusal::Namespace);
        }
        if issued.filter != scope.filter {
            return Err(Refusal::Filter);
        }
        if issued.search != scope.search {
            return Err(Refusal::Search);
        }
        let values = v["v"]
            .as_array()
            .and_then(|a| a.iter().map(json_cell).collect::<Option<Vec<_>>>())
            .ok_or(Foreign)?;
        Ok(Cursor {
            values,
            key: v["k"].as_str().ok_or(Foreign)?.to_owned(),
            rows: v["r"].as_u64().ok_or(Foreign)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cursor {
        Cursor {
            values: vec![
                Cell::Text("2024-01-01T00:00:00Z".into()),
                Cell::Null,
                Cell::Float(2.5),
            ],
            key: "cl_\u{e9}\"x".into(),
            rows: 70,
        }
    }

    fn filter(text: &str) -> Filter {
        Filter::parse_any(text, &Default::default()).unwrap()
    }

    #[test]
    fn base64url_round_trips_and_has_one_spelling() {
        for n in 0..10 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 250) as u8).collect();
            let text = encode(&bytes);
            assert!(!text.contains(['+', '/', '=']), "{text}");
            assert_eq!(decode(&text), Some(bytes), "{text}");
        }
        assert_eq!(encode(b"\xfb\xff"), "-_8");
        // Unused low bits set, a lone character, a character outside the
        // alphabet: not what `encode` writes.
        for junk in ["-_9", "A", "AB=", "AB+/", "é"] {
            assert_eq!(decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_cursor_comes_back_as_issued() {
        let m = Minter::new();
        let sorts = vec![SortKey::desc("created_at"), SortKey::asc("status")];
        let scope = m.scope(Some("ns_1"), &filter("status = completed"), Some("Sale"));
        let text = m.issue(&sorts, scope, &sample());
        assert_eq!(m.check(&sorts, scope, &text), Ok(sample()));
        // The same filter as JSON, the same search in another case.
        let same = m.scope(
            Some("ns_1"),
            &filter(r#"{"AND": [{"field": "status", "operator": "eq", "value": "completed", "case_sensitive": false}]}"#),
            Some("SALE"),
        );
        assert_eq!(same, scope);
        assert_eq!(m.check(&sorts, same, &text), Ok(sample()));
    }

    #[test]
    fn foreign_tampered_and_other_request_cursors_are_refused() {
        let m = Minter::new();
        let sorts = vec![SortKey::desc("created_at")];
        let f = filter("status = completed");
        let scope = m.scope(Some("ns_1"), &f, None);
        let text = m.issue(&sorts, scope, &sample());
        // Another server (another key).
        assert_eq!(
            Minter::new().check(&sorts, scope, &text),
            Err(Refusal::Foreign)
        );
        // One changed character.
        let mut t = text.clone().into_bytes();
        t[4] = if t[4] == b'A' { b'B' } else { b'A' };
        let t = String::from_utf8(t).unwrap();
        assert_eq!(m.check(&sorts, scope, &t), Err(Refusal::Foreign));
        // Another sort, namespace, filter, search.
        assert_eq!(
            m.check(&[SortKey::asc("created_at")], scope, &text),
            Err(Refusal::Sort)
        );
        let other = [
            (m.scope(Some("ns_2"), &f, None), Refusal::Namespace),
            (m.scope(None, &f, None), Refusal::Namespace),
            (
                m.scope(Some("ns_1"), &filter("status = failed"), None),
                Refusal::Filter,
            ),
            (m.scope(Some("ns_1"), &f, Some("x")), Refusal::Search),
        ];
        for (s, why) in other {
            assert_eq!(m.check(&sorts, s, &text), Err(why));
            assert!(why.message().contains("another"), "{}", why.message());
        }
        // No namespace and an empty one differ.
        assert_ne!(m.scope(None, &f, None), m.scope(Some(""), &f, None));
        for junk in ["", "zz", "abc", "00000000000000000000", "hello"] {
            assert_eq!(
                m.check(&sorts, scope, junk),
                Err(Refusal::Foreign),
                "{junk}"
            );
        }
    }
}
