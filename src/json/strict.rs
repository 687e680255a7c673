//! Strict JSON: text to a `serde_json::Value` that rejects what serde_json
//! lets through (duplicate keys, which it would resolve by keeping the last)
//! and nesting beyond what `max_depth` can need.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};
use crate::Limits;

/// JSON nesting a filter of `max_depth` groups may need: two levels per group
/// (object and list) plus the deepest value (a polygon's points: four).
fn json_depth(limits: &Limits) -> usize {
    limits.depth().saturating_mul(2).saturating_add(6)
}

/// Parses JSON text strictly; the error is located in `text`.
pub(super) fn from_str(text: &str, limits: &Limits) -> Result<Value, Error> {
    let failure = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict::root(limits, &failure)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| super::locate::serde_error(&e, failure.take(), text, limits))
}

/// Builds a `serde_json::Value` while rejecting duplicate keys and nesting
/// beyond the limit; the structured reason travels in `failure` because a
/// deserializer error can only carry a string.
pub(super) struct Strict<'c> {
    depth_left: usize,
    failure: &'c Cell<Option<Error>>,
}

impl<'c> Strict<'c> {
    /// The deserializer for a whole document; a structured error, if it
    /// fails, is left in `failure`.
    pub(super) fn root(limits: &Limits, failure: &'c Cell<Option<Error>>) -> Strict<'c> {
        Strict {
            depth_left: json_depth(limits),
            failure,
        }
    }

    fn fail<E: de::Error>(&self, err: Error) -> E {
        let msg = err.message().to_owned();
        self.failure.set(Some(err));
        E::custom(msg)
    }

    fn nested<E: de::Error>(&self) -> Result<Strict<'_>, E> {
        match self.depth_left.checked_sub(1) {
            Some(depth_left) => Ok(Strict {
                depth_left,
                failure: self.failure,
            }),
            None => Err(self.fail(
                Error::new(
                    ErrorCode::TooDeep,
                    "JSON nests deeper than the filter's max_depth allows",
                )
                .with_help("raise Limits::max_depth, or flatten the filter"),
            )),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(Strict { ..inner })? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(self.fail(
                    Error::new(ErrorCode::DuplicateKey, format!("duplicate key `{key}`"))
                        .with_help("each key may appear once per object; merge the two"),
                ));
            }
            let v = map.next_value_seed(Strict { ..inner })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}
