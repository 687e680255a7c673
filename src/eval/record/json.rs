//! `serde_json` values as records: [`lookup_json`], the walk along a path
//! that arrays are crossed by, and the [`Record`] impls for `Value` and
//! `Map`. Separate from the trait because typed records reuse the walk for
//! their JSON members.

use serde_json::{Map, Value};

use super::{Direct, Found, Leaf, Record};

/// Walks `path` inside a JSON value: objects by key; an array met on the way
/// is walked element by element (MongoDB style), or indexed when the segment
/// is a number (`tags.0`).
pub fn lookup_json<F: Found>(v: &Value, path: &[Box<str>], found: &mut F) {
    walk(v, path, found);
}

/// Returns true when `found` asked to stop.
pub(super) fn walk<F: Found>(mut v: &Value, mut path: &[Box<str>], found: &mut F) -> bool {
    loop {
        let Some((seg, rest)) = path.split_first() else {
            return found(Leaf::from(v));
        };
        match v {
            Value::Object(m) => match m.get(&**seg) {
                Some(child) => {
                    v = child;
                    path = rest;
                }
                None => return false,
            },
            Value::Array(items) => {
                if let Ok(i) = seg.parse::<usize>() {
                    return items.get(i).is_some_and(|c| walk(c, rest, found));
                }
                return items
                    .iter()
                    .any(|item| item.is_object() && walk(item, path, found));
            }
            _ => return false,
        }
    }
}

impl Record for Value {
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        walk(self, path, found);
    }

    #[inline]
    fn get(&self, name: &str) -> Direct<'_> {
        match self {
            Value::Object(m) => direct(m.get(name)),
            // A top-level array is walked element by element.
            Value::Array(_) => Direct::Lookup,
            _ => Direct::Missing,
        }
    }
}

/// A top-level field read directly from the value found for it.
#[inline]
pub(super) fn direct(v: Option<&Value>) -> Direct<'_> {
    match v {
        Some(v) => Direct::Value(Leaf::from(v)),
        None => Direct::Missing,
    }
}

impl Record for Map<String, Value> {
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        if let Some(v) = self.get(&*path[0]) {
            walk(v, &path[1..], found);
        }
    }

    fn get(&self, name: &str) -> Direct<'_> {
        direct(Map::get(self, name))
    }
}
