//! Raw JSON text as a record: [`RawRecord`] indexes the top-level keys in
//! one pass and reads only the value a lookup needs, through serde visitors
//! that walk the text along the path without building a tree.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{Found, Leaf, Record};

/// A record read straight from JSON text, without building a tree: one pass
/// indexes the top-level keys (borrowing the text), and each lookup then reads
/// only the value it needs. Strings without escapes are never copied.
///
/// Parsing validates the whole text as one JSON object, and refuses an
/// object (at any depth) with a key twice: readers disagree on which one
/// counts (the first on some databases, the last in `serde_json`).
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
                text,
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
    text: &'f str,
    fields: &'f mut Vec<RawField>,
}

impl<'de, 'f> Visitor<'de> for TopLevel<'f> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one record)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            // Only a value with a `{` in it can hold an object.
            let raw = value.get();
            if memchr::memchr(b'{', raw.as_bytes()).is_some() {
                let mut de = serde_json::Deserializer::from_str(raw);
                UniqueKeys.deserialize(&mut de).map_err(|e| {
                    // The place is given in the record's text, not the value's.
                    let m = e.to_string();
                    de::Error::custom(match m.rfind(" at line ") {
                        Some(i) => &m[..i],
                        None => &m,
                    })
                })?;
            }
            let key = match key {
                Cow::Borrowed(k) => Ok(offset(self.base, k)),
                Cow::Owned(k) => Err(k),
            };
            self.fields.push(RawField {
                key,
                value: offset(self.base, raw),
            });
        }
        let text = self.text;
        let key = |f: &'f RawField| -> &'f str {
            match &f.key {
                Ok(r) => &text[r.clone()],
                Err(owned) => owned,
            }
        };
        if let Some(k) = repeated_key(self.fields.iter().map(key)) {
            return Err(de::Error::custom(format!("duplicate key `{k}`")));
        }
        Ok(())
    }
}

/// A key given twice among `keys`, if any.
pub(crate) fn repeated_key<'k>(keys: impl Iterator<Item = &'k str> + Clone) -> Option<&'k str> {
    let (n, _) = keys.size_hint();
    if n <= 16 {
        let mut seen: Vec<&str> = Vec::with_capacity(n);
        for k in keys {
            if seen.contains(&k) {
                return Some(k);
            }
            seen.push(k);
        }
        return None;
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    keys.into_iter().find(|&k| !seen.insert(k))
}

/// The visitor methods of a walk that skips every scalar.
macro_rules! ignore_scalars {
    () => {
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
    };
}

/// Walks a JSON value, refusing an object with a key twice.
struct UniqueKeys;

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    ignore_scalars!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(UniqueKeys)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys: Vec<Cow<'de, str>> = Vec::new();
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            map.next_value_seed(UniqueKeys)?;
            keys.push(k);
        }
        if let Some(k) = repeated_key(keys.iter().map(|k| k.as_ref())) {
            return Err(de::Error::custom(format!("duplicate key `{k}`")));
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
    ignore_scalars!();
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
