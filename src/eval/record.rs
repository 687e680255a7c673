//! How the evaluator reads records: the [`Record`] trait and its
//! implementations for `serde_json::Value`, raw JSON text ([`RawRecord`],
//! zero-copy) and the typed [`ClusterRecord`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

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

/// Walks `path` inside a JSON value: objects by key; an array met on the way
/// is walked element by element (MongoDB style), or indexed when the segment
/// is a number (`tags.0`).
pub fn lookup_json<F: Found>(v: &Value, path: &[Box<str>], found: &mut F) {
    walk(v, path, found);
}

/// Returns true when `found` asked to stop.
fn walk<F: Found>(mut v: &Value, mut path: &[Box<str>], found: &mut F) -> bool {
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

#[inline]
fn direct(v: Option<&Value>) -> Direct<'_> {
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

/// A record read straight from JSON text, without building a tree: one pass
/// indexes the top-level keys (borrowing the text), and each lookup then reads
/// only the value it needs. Strings without escapes are never copied.
///
/// Parsing validates the whole text as one JSON object.
pub struct RawRecord<'a> {
    text: &'a str,
    fields: Vec<RawField>,
}

struct RawField {
    /// The key's text range, or the key itself when it had escapes.
    key: Result<Range<usize>, String>,
    value: Range<usize>,
}

impl<'a> RawRecord<'a> {
    /// Indexes a JSON object.
    pub fn parse(text: &'a str) -> Result<RawRecord<'a>, serde_json::Error> {
        RawRecord::parse_reusing(text, RawBuffer::default())
    }

    /// Indexes a JSON object, reusing the allocation of an earlier record
    /// (see [`RawRecord::into_buffer`]); streaming many lines then allocates
    /// nothing per line.
    pub fn parse_reusing(
        text: &'a str,
        buffer: RawBuffer,
    ) -> Result<RawRecord<'a>, serde_json::Error> {
        let mut fields = buffer.0;
        fields.clear();
        let base = text.as_ptr() as usize;
        let mut de = serde_json::Deserializer::from_str(text);
        de::Deserializer::deserialize_map(
            &mut de,
            TopLevel {
                base,
                fields: &mut fields,
            },
        )?;
        de.end()?;
        Ok(RawRecord { text, fields })
    }

    /// Gives the allocation back for the next [`RawRecord::parse_reusing`].
    pub fn into_buffer(self) -> RawBuffer {
        RawBuffer(self.fields)
    }

    /// The text this record was read from.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn key<'s>(&'s self, f: &'s RawField) -> &'s str {
        match &f.key {
            Ok(r) => &self.text[r.clone()],
            Err(owned) => owned,
        }
    }
}

/// A reusable allocation for [`RawRecord`].
#[derive(Default)]
pub struct RawBuffer(Vec<RawField>);

impl fmt::Debug for RawBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawBuffer")
            .field("capacity", &self.0.capacity())
            .finish()
    }
}

impl fmt::Debug for RawRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRecord")
            .field("text", &self.text)
            .finish()
    }
}

fn offset(base: usize, s: &str) -> Range<usize> {
    let start = s.as_ptr() as usize - base;
    start..start + s.len()
}

struct TopLevel<'f> {
    base: usize,
    fields: &'f mut Vec<RawField>,
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one record)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            let key = match key {
                Cow::Borrowed(k) => Ok(offset(self.base, k)),
                Cow::Owned(k) => Err(k),
            };
            self.fields.push(RawField {
                key,
                value: offset(self.base, value.get()),
            });
        }
        Ok(())
    }
}

impl Record for RawRecord<'_> {
    fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
        // A key may repeat in raw JSON; like serde_json, the last one wins.
        let Some(field) = self.fields.iter().rev().find(|f| self.key(f) == &*path[0]) else {
            return;
        };
        let raw = &self.text[field.value.clone()];
        let found: &mut dyn FnMut(Leaf<'_>) -> bool = found;
        let mut de = serde_json::Deserializer::from_str(raw);
        let mut stop = false;
        // The text was validated when the record was parsed, so this cannot
        // fail except through `Stop`, which only ends the walk early.
        let _ = Nav {
            path: &path[1..],
            found,
            stop: &mut stop,
        }
        .deserialize(&mut de);
    }
}

/// Navigates raw JSON along a path, calling `found` at the leaves.
struct Nav<'p, 'f> {
    path: &'p [Box<str>],
    found: &'f mut dyn FnMut(Leaf<'_>) -> bool,
    stop: &'f mut bool,
}

impl<'de> DeserializeSeed<'de> for Nav<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if *self.stop {
            return IgnoredAny::deserialize(d).map(|_| ());
        }
        d.deserialize_any(self)
    }
}

impl Nav<'_, '_> {
    fn emit<E: de::Error>(&mut self, leaf: Leaf<'_>) -> Result<(), E> {
        if self.path.is_empty() && (self.found)(leaf) {
            *self.stop = true;
        }
        Ok(())
    }

    fn reborrow<'b>(&'b mut self, path: &'b [Box<str>]) -> Nav<'b, 'b> {
        Nav {
            path,
            found: &mut *self.found,
            stop: &mut *self.stop,
        }
    }
}

impl<'de> Visitor<'de> for Nav<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.emit(Leaf::Null)
    }
    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<(), E> {
        self.emit(Leaf::Bool(v))
    }
    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<(), E> {
        self.emit(Leaf::I64(v))
    }
    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        self.emit(Leaf::U64(v))
    }
    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<(), E> {
        self.emit(Leaf::F64(v))
    }
    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        self.emit(Leaf::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.path.is_empty() {
            let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            return self.emit(Leaf::Json(&v));
        }
        let path = self.path;
        if let Ok(index) = path[0].parse::<usize>() {
            let mut i = 0;
            while i < index {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
                i += 1;
            }
            seq.next_element_seed(self.reborrow(&path[1..]))?;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        // Elements that are objects are walked with the same path; others
        // have nothing at it.
        while seq
            .next_element_seed(ObjectsOnly(self.reborrow(path)))?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        if self.path.is_empty() {
            let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            return self.emit(Leaf::Json(&v));
        }
        let path = self.path;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if *key == *path[0] && !*self.stop {
                map.next_value_seed(self.reborrow(&path[1..]))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Walks an array element only when it is an object.
struct ObjectsOnly<'p, 'f>(Nav<'p, 'f>);

impl<'de> DeserializeSeed<'de> for ObjectsOnly<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectsOnly<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        if *self.0.stop {
            return IgnoredAny.visit_map(map).map(|_| ());
        }
        self.0.visit_map(map)
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

/// Emits a typed field's value(s) at the end of a path, or walks into it when
/// the path goes on.
trait Emit {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F);
}

/// A typed field's value as one leaf: what [`Emit::emit`] reports for an
/// empty rest of the path.
trait AsLeaf {
    fn leaf(&self) -> Leaf<'_>;
}

/// Hands a typed field's reader to the [`Accessors`] method for its kind.
trait Access: Sized {
    fn access<R, T, G>(to: T, get: G) -> T::Output
    where
        T: Accessors<R>,
        G: for<'a> Fn(&'a R) -> &'a Field<Self> + Send + Sync + 'static;
}

/// `impl Access for T`: `T => kind(f => read)` hands `to.kind` a function
/// that reads the field `f` as `read`.
macro_rules! access {
    ($($ty:ty => $kind:ident($f:ident => $read:expr),)*) => {$(
        impl Access for $ty {
            fn access<R, T, G>(to: T, get: G) -> T::Output
            where
                T: Accessors<R>,
                G: for<'a> Fn(&'a R) -> &'a Field<Self> + Send + Sync + 'static,
            {
                to.$kind(move |r: &R| {
                    let $f = get(r);
                    $read
                })
            }
        }
    )*};
}

access! {
    String => string(f => f.as_deref()),
    Number => number(f => f.by_ref()),
    bool => boolean(f => f.by_ref().map(|b| *b)),
    Vec<String> => direct(f => field_direct(f)),
    Value => direct(f => field_direct(f)),
}

impl Emit for String {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::Str(self));
        }
    }
}

impl AsLeaf for String {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Str(self)
    }
}

impl Emit for Number {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::from(self));
        }
    }
}

impl AsLeaf for Number {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::from(self)
    }
}

impl Emit for bool {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        if rest.is_empty() {
            found(Leaf::Bool(*self));
        }
    }
}

impl AsLeaf for bool {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Bool(*self)
    }
}

impl Emit for Vec<String> {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        match rest {
            [] => {
                found(Leaf::Strs(self));
            }
            [index] => {
                if let Some(s) = index.parse::<usize>().ok().and_then(|i| self.get(i)) {
                    found(Leaf::Str(s));
                }
            }
            _ => {}
        }
    }
}

impl AsLeaf for Vec<String> {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::Strs(self)
    }
}

impl Emit for Value {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        walk(self, rest, found);
    }
}

impl AsLeaf for Value {
    #[inline]
    fn leaf(&self) -> Leaf<'_> {
        Leaf::from(self)
    }
}

#[inline]
fn field_direct<T: AsLeaf>(field: &Field<T>) -> Direct<'_> {
    match field {
        Field::Missing => Direct::Missing,
        Field::Null => Direct::Value(Leaf::Null),
        Field::Value(v) => Direct::Value(v.leaf()),
    }
}

impl<T: Emit> Emit for Field<T> {
    fn emit<F: Found>(&self, rest: &[Box<str>], found: &mut F) {
        match self {
            Field::Missing => {}
            Field::Null => {
                if rest.is_empty() {
                    found(Leaf::Null);
                }
            }
            Field::Value(v) => v.emit(rest, found),
        }
    }
}

macro_rules! cluster_record {
    ($($(#[$doc:meta])* $name:ident: $ty:ty,)*) => {
        /// A List Clusters record (the seed's response `results` item): every
        /// documented field typed, open objects as JSON, and any field the
        /// documents do not name kept in `extra`. Fields tell missing from
        /// `null` ([`Field`]).
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct ClusterRecord {
            $($(#[$doc])* #[serde(skip_serializing_if = "Field::is_missing")] pub $name: Field<$ty>,)*
            /// Fields the documents do not name.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        #[repr(u16)]
        enum ClusterField { $($name,)* }

        impl Record for ClusterRecord {
            fn lookup<F: Found>(&self, path: &[Box<str>], found: &mut F) {
                let rest = &path[1..];
                match &*path[0] {
                    $(stringify!($name) => self.$name.emit(rest, found),)*
                    other => {
                        if let Some(v) = self.extra.get(other) {
                            walk(v, rest, found);
                        }
                    }
                }
            }

            fn slot(name: &str) -> Option<u16> {
                match name {
                    $(stringify!($name) => Some(ClusterField::$name as u16),)*
                    _ => None,
                }
            }

            fn lookup_slot<F: Found>(&self, slot: u16, rest: &[Box<str>], found: &mut F) {
                match ClusterField::from_slot(slot) {
                    $(Some(ClusterField::$name) => self.$name.emit(rest, found),)*
                    None => {}
                }
            }

            #[inline]
            fn get(&self, name: &str) -> Direct<'_> {
                match Self::slot(name) {
                    Some(slot) => self.get_slot(slot),
                    None => direct(self.extra.get(name)),
                }
            }

            #[inline(always)]
            fn get_slot(&self, slot: u16) -> Direct<'_> {
                match slot {
                    $(Slot::$name => field_direct(&self.$name),)*
                    _ => Direct::Lookup,
                }
            }

            fn accessor<T: Accessors<Self>>(name: &str, to: T) -> Option<T::Output> {
                match name {
                    $(stringify!($name) => Some(<$ty as Access>::access(to, |r: &ClusterRecord| &r.$name)),)*
                    _ => None,
                }
            }
        }

        /// The slot numbers, usable as patterns.
        struct Slot;

        #[allow(non_upper_case_globals)]
        impl Slot {
            $(const $name: u16 = ClusterField::$name as u16;)*
        }

        impl ClusterField {
            const ALL: &[ClusterField] = &[$(ClusterField::$name,)*];

            #[inline]
            fn from_slot(slot: u16) -> Option<ClusterField> {
                ClusterField::ALL.get(usize::from(slot)).copied()
            }
        }
    };
}

cluster_record! {
    /// Human-readable name.
    cluster_name: String,
    /// Namespace the cluster belongs to.
    namespace_id: String,
    /// Collections clustered.
    input_collections: Vec<String>,
    /// Unique id.
    cluster_id: String,
    /// Source buckets.
    source_bucket_ids: Vec<String>,
    /// The filters the cluster was built with.
    filters: Value,
    /// Feature URIs used.
    feature_uris: Vec<String>,
    /// How several features combine.
    multi_feature_strategy: String,
    /// Learned feature weights.
    learned_weights: Value,
    /// Quality of the learned weights.
    learning_quality_score: Number,
    /// Feature method in effect.
    effective_feature_method: String,
    /// Face-cluster merge settings.
    face_cluster_merge: Value,
    /// Sample size.
    sample_size: Number,
    /// Preprocessing steps.
    preprocessing_steps: Value,
    /// Hierarchical vectors.
    hierarchical_vector: bool,
    /// Maximum hierarchy depth.
    max_hierarchy_depth: Number,
    /// Attributes clustered.
    clustered_attributes: Vec<String>,
    /// Hierarchical grouping.
    hierarchical_grouping: bool,
    /// Aggregation method.
    aggregation_method: String,
    /// Output collection ids.
    output_collection_ids: Vec<String>,
    /// Output collection names.
    output_collection_names: Vec<String>,
    /// Clustering algorithm.
    algorithm: String,
    /// Algorithm parameters.
    algorithm_params: Value,
    /// Whether source documents are enriched.
    enrich_source: bool,
    /// Enrichment settings.
    source_enrichment_config: Value,
    /// LLM labelling settings.
    llm_labeling: Value,
    /// Number of clusters found.
    num_clusters: Number,
    /// Number of documents clustered.
    num_documents_clustered: Number,
    /// Execution time.
    execution_time_seconds: Number,
    /// Quality metrics.
    quality_metrics: Value,
    /// Whether a hierarchy was detected.
    hierarchy_detected: bool,
    /// Parent cluster.
    parent_cluster_id: String,
    /// Child clusters.
    child_cluster_ids: Vec<String>,
    /// Hierarchy relationships.
    hierarchy_relationships: Value,
    /// Status (`PENDING`, `COMPLETED`, …).
    status: String,
    /// Error message.
    error: String,
    /// Last execution task.
    last_execution_task_id: String,
    /// Last run.
    last_run_id: String,
    /// Creation time (RFC 3339).
    created_at: String,
    /// Update time (RFC 3339).
    updated_at: String,
    /// Last execution time (RFC 3339).
    last_executed_at: String,
    /// Completion time (RFC 3339).
    completed_at: String,
    /// LLM labelling errors.
    llm_labeling_errors: Vec<String>,
    /// Free-form metadata.
    metadata: Value,
}
