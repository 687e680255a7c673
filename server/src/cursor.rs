//! Keyset cursors: the position after a page's last row, for one sort.
//!
//! A cursor is hex text of a small JSON payload (the sort, the last row's
//! sort values and key, the next page number) followed by a 64-bit tag:
//! SipHash of the payload under a key drawn at random when the server
//! starts. A cursor the server did not issue, or issued for another sort,
//! is refused; cursors do not survive a restart.

use std::hash::{BuildHasher, RandomState};

use serde_json::{json, Value};
use siftql::sql::load::Cell;
use siftql::sql::SortKey;

/// A decoded cursor.
#[derive(Debug, PartialEq)]
pub struct Cursor {
    /// The last row's sort values, one per sort key.
    pub values: Vec<Cell>,
    /// The last row's key (`cluster_id`).
    pub key: String,
    /// The page number the cursor leads to.
    pub page: u64,
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

    /// The cursor for `sorts` after a row.
    pub fn issue(&self, sorts: &[SortKey], c: &Cursor) -> String {
        let values: Vec<Value> = c.values.iter().map(cell_json).collect();
        let payload =
            json!({"s": sort_json(sorts), "v": values, "k": c.key, "p": c.page}).to_string();
        let mut bytes = payload.into_bytes();
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag.to_be_bytes());
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// Checks a cursor: issued by this minter, for `sorts`.
    pub fn check(&self, sorts: &[SortKey], text: &str) -> Result<Cursor, &'static str> {
        const FOREIGN: &str = "the cursor was not issued by this server (or the server restarted)";
        if text.len() % 2 != 0 || text.len() < 18 || text.len() > 1 << 20 {
            return Err(FOREIGN);
        }
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| FOREIGN)?;
        let (payload, tag) = bytes.split_at(bytes.len() - 8);
        let tag = u64::from_be_bytes(tag.try_into().map_err(|_| FOREIGN)?);
        if tag != self.tag(payload) {
            return Err(FOREIGN);
        }
        let v: Value = serde_json::from_slice(payload).map_err(|_| FOREIGN)?;
        if v["s"] != sort_json(sorts) {
            return Err("the cursor was issued for another sort order");
        }
        let values = v["v"]
            .as_array()
            .and_then(|a| a.iter().map(json_cell).collect::<Option<Vec<_>>>())
            .ok_or(FOREIGN)?;
        Ok(Cursor {
            values,
            key: v["k"].as_str().ok_or(FOREIGN)?.to_owned(),
            page: v["p"].as_u64().ok_or(FOREIGN)?,
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
            page: 7,
        }
    }

    #[test]
    fn a_cursor_comes_back_as_issued() {
        let m = Minter::new();
        let sorts = vec![SortKey::desc("created_at"), SortKey::asc("status")];
        let text = m.issue(&sorts, &sample());
        assert_eq!(m.check(&sorts, &text), Ok(sample()));
    }

    #[test]
    fn foreign_tampered_and_other_sort_cursors_are_refused() {
        let m = Minter::new();
        let sorts = vec![SortKey::desc("created_at")];
        let text = m.issue(&sorts, &sample());
        // Another server (another key).
        assert!(Minter::new().check(&sorts, &text).is_err());
        // One changed hex digit.
        let mut t = text.clone().into_bytes();
        t[4] = if t[4] == b'0' { b'1' } else { b'0' };
        assert!(m.check(&sorts, std::str::from_utf8(&t).unwrap()).is_err());
        // Another sort.
        assert_eq!(
            m.check(&[SortKey::asc("created_at")], &text),
            Err("the cursor was issued for another sort order")
        );
        for junk in ["", "zz", "abc", "00000000000000000000"] {
            assert!(m.check(&sorts, junk).is_err(), "{junk}");
        }
    }
}
