//! How the evaluator reads records: the [`Record`] trait and its
//! implementations for `serde_json::Value`, raw JSON text ([`RawRecord`],
//! zero-copy) and the typed [`ClusterRecord`].
//!
//! This module holds the trait and the types it speaks in ([`Leaf`],
//! [`Direct`], [`Found`], [`Field`]); each family of implementations has its
//! own file: `serde_json` values (`json`), raw JSON text (`raw`) and
//! [`ClusterRecord`] (`cluster`).

mod cluster;
mod json;
mod raw;

pub use cluster::ClusterRecord;
pub use json::lookup_json;
#[cfg(feature = "sql")]
pub(crate) use raw::repeated_key;
pub use raw::{RawBuffer, RawRecord};

use serde::de;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use super::Accessors;

/// One value found at a path, borrowed from the record.
#[derive(Clone, Copy, Debug)]
pub enum Leaf<'a> {
    /// JSON `null` (present, unlike a missing field).
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float.
    F64(f64),
    /// A string.
    Str(&'a str),
    /// Any JSON value (arrays and objects included).
    Json(&'a Value),
    /// A typed list of strings (behaves like a JSON array of strings).
    Strs(&'a [String]),
}

impl<'a> From<&'a Value> for Leaf<'a> {
    #[inline]
    fn from(v: &'a Value) -> Leaf<'a> {
        match v {
            Value::Null => Leaf::Null,
            Value::Bool(b) => Leaf::Bool(*b),
            Value::Number(n) => Leaf::from(n),
            Value::String(s) => Leaf::Str(s),
            other => Leaf::Json(other),
        }
    }
}

impl<'a> From<&'a Number> for Leaf<'a> {
    #[inline]
    fn from(n: &'a Number) -> Leaf<'a> {
        if let Some(i) = n.as_i64() {
            Leaf::I64(i)
        } else if let Some(u) = n.as_u64() {
            Leaf::U64(u)
        } else {
            Leaf::F64(n.as_f64().unwrap_or(f64::NAN))
        }
    }
}

/// A top-level field read directly (see [`Record::get`]).
#[derive(Clone, Copy, Debug)]
pub enum Direct<'a> {
    /// The field is absent.
    Missing,
    /// The field's one value (an array is one value; operators look into it).
    Value(Leaf<'a>),
    /// This record cannot say directly: ask [`Record::lookup`].
    Lookup,
}

/// A record the evaluator can read: anything that can list the values found
/// at a dotted path.
///
/// `lookup` calls `found` once per value at `path` (several when the path
/// crosses an array of objects, none when the field is missing); `found`
/// returns `true` when it has seen enough, and an implementation may stop
/// early then. Use [`lookup_json`] for the parts of a record that are JSON.
///
/// ```
/// use siftql::eval::{lookup_json, Found, Leaf, Predicate, Record};
///
/// struct Row { name: String, tags: Vec<String>, meta: serde_json::Value }
///
/// impl Record for Row {
///     fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
///         match &*path[0] {
///             "name" if path.len() == 1 => { found(Leaf::Str(&self.name)); }
///             "tags" if path.len() == 1 => { found(Leaf::Strs(&self.tags)); }
///             "meta" => lookup_json(&self.meta, &path[1..], found),
///             _ => {}
///         }
///     }
/// }
///
/// let row = Row { name: "Prod".into(), tags: vec!["gpu".into()], meta: serde_json::json!({"team": "ml"}) };
/// let p = Predicate::new(&r#"name = "prod" and tags contains "gpu" and meta.team = "ml""#.parse()?)?;
/// assert!(p.matches(&row));
/// # Ok::<(), siftql::Error>(())
/// ```
pub trait Record {
    /// Calls `found` with each value at `path` (never with an empty path).
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F);

    /// Optional fast path: a number for a top-level field name. A predicate
    /// asks once per condition and record type, then calls
    /// [`Record::lookup_slot`] instead of matching names on every record.
    fn slot(name: &str) -> Option<u16>
    where
        Self: Sized,
    {
        let _ = name;
        None
    }

    /// Like [`Record::lookup`], for a field numbered by [`Record::slot`];
    /// `rest` is the path after that field.
    fn lookup_slot<F: Found>(&self, slot: u16, rest: &[Box<str>], found: &mut F)
    where
        Self: Sized,
    {
        let _ = (slot, rest, found);
    }

    /// Optional fast path: the value of the one-segment path `[name]`,
    /// returned instead of reported. It must agree with
    /// [`Record::lookup`]: [`Direct::Missing`] where `lookup` finds nothing,
    /// [`Direct::Value`] where it finds exactly that one value. The default,
    /// [`Direct::Lookup`], makes the evaluator call `lookup`.
    fn get(&self, name: &str) -> Direct<'_> {
        let _ = name;
        Direct::Lookup
    }

    /// Like [`Record::get`], for a field numbered by [`Record::slot`].
    fn get_slot(&self, slot: u16) -> Direct<'_>
    where
        Self: Sized,
    {
        let _ = slot;
        Direct::Lookup
    }

    /// Optional fast path for [`Predicate::typed`](super::Predicate::typed):
    /// for a top-level field this type holds in a typed member, call the
    /// method of `to` for its kind with a function reading it, and return
    /// what it gives. `None` (the default) leaves the field to
    /// [`Record::get`] and [`Record::lookup`].
    ///
    /// ```
    /// use siftql::eval::{Accessors, Field, Found, Leaf, Predicate, Record};
    ///
    /// struct Job { state: String, retries: Option<serde_json::Number> }
    ///
    /// impl Record for Job {
    ///     fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
    ///         match (&*path[0], &self.retries) {
    ///             ("state", _) if path.len() == 1 => { found(Leaf::Str(&self.state)); }
    ///             ("retries", Some(n)) if path.len() == 1 => { found(Leaf::from(n)); }
    ///             _ => {}
    ///         }
    ///     }
    ///
    ///     fn accessor<T: Accessors<Self>>(name: &str, to: T) -> Option<T::Output> {
    ///         match name {
    ///             "state" => Some(to.string(|j: &Job| Field::Value(j.state.as_str()))),
    ///             "retries" => Some(to.number(|j: &Job| match &j.retries {
    ///                 Some(n) => Field::Value(n),
    ///                 None => Field::Missing,
    ///             })),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    ///
    /// let p = Predicate::new(&r#"state = "done" and retries < 3"#.parse()?)?;
    /// let typed = p.typed::<Job>();
    /// let job = Job { state: "Done".into(), retries: Some(1.into()) };
    /// assert!(typed.matches(&job) && p.matches(&job));
    /// # Ok::<(), siftql::Error>(())
    /// ```
    fn accessor<T: Accessors<Self>>(name: &str, to: T) -> Option<T::Output>
    where
        Self: Sized,
    {
        let _ = (name, to);
        None
    }
}

/// The callback a [`Record`] reports found values to: return `true` to say
/// "enough" (the record may then stop early).
pub trait Found: FnMut(Leaf<'_>) -> bool {}

impl<F: FnMut(Leaf<'_>) -> bool> Found for F {}

impl<R: Record> Record for &R {
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        (**self).lookup(path, found)
    }
    fn slot(name: &str) -> Option<u16> {
        R::slot(name)
    }
    fn lookup_slot<F: Found>(&self, slot: u16, rest: &[Box<str>], found: &mut F) {
        (**self).lookup_slot(slot, rest, found)
    }
    fn get(&self, name: &str) -> Direct<'_> {
        (**self).get(name)
    }
    fn get_slot(&self, slot: u16) -> Direct<'_> {
        (**self).get_slot(slot)
    }
}

/// A field of a typed record that tells *missing* from `null`, as the filter
/// semantics need (`exists`, `eq null`, `ne`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// The key is absent.
    #[default]
    Missing,
    /// The key is present with `null`.
    Null,
    /// The key has a value.
    Value(T),
}

impl<T> Field<T> {
    /// True for [`Field::Missing`].
    pub fn is_missing(&self) -> bool {
        matches!(self, Field::Missing)
    }

    /// The value, if there is one.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The same field borrowing its value (for [`Accessors`]).
    #[inline(always)]
    pub fn by_ref(&self) -> Field<&T> {
        match self {
            Field::Value(v) => Field::Value(v),
            Field::Null => Field::Null,
            Field::Missing => Field::Missing,
        }
    }

    /// The same field borrowing its value's target: `Field<&str>` for a
    /// `Field<String>` (for [`Accessors`]).
    #[inline(always)]
    pub fn as_deref(&self) -> Field<&T::Target>
    where
        T: std::ops::Deref,
    {
        match self {
            Field::Value(v) => Field::Value(v),
            Field::Null => Field::Null,
            Field::Missing => Field::Missing,
        }
    }

    /// The same field with `f` applied to its value.
    #[inline(always)]
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Value(v) => Field::Value(f(v)),
            Field::Null => Field::Null,
            Field::Missing => Field::Missing,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Field<T>, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Field::Value(v),
            None => Field::Null,
        })
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}
