//! How an operator sees a found value: [`S`], the scalars and containers a
//! [`Leaf`] or a JSON value can be, and the walks over a value or the
//! elements of an array value that every operator shares.

use serde_json::{Map, Number, Value};

use super::number::{num_key_of, NumKey};
use super::record::Leaf;

/// A value seen by an operator: scalars, or the array/object it is.
#[derive(Clone, Copy)]
pub(super) enum S<'a> {
    Null,
    Bool(bool),
    I(i64),
    U(u64),
    F(f64),
    Str(&'a str),
    Arr(&'a [Value]),
    Obj(&'a Map<String, Value>),
    Strs(&'a [String]),
}

impl<'a> From<Leaf<'a>> for S<'a> {
    fn from(l: Leaf<'a>) -> S<'a> {
        match l {
            Leaf::Null => S::Null,
            Leaf::Bool(b) => S::Bool(b),
            Leaf::I64(i) => S::I(i),
            Leaf::U64(u) => S::U(u),
            Leaf::F64(x) => S::F(x),
            Leaf::Str(s) => S::Str(s),
            Leaf::Json(v) => S::from(v),
            Leaf::Strs(s) => S::Strs(s),
        }
    }
}

impl<'a> From<&'a Value> for S<'a> {
    fn from(v: &'a Value) -> S<'a> {
        match v {
            Value::Null => S::Null,
            Value::Bool(b) => S::Bool(*b),
            Value::Number(n) => num(n),
            Value::String(s) => S::Str(s),
            Value::Array(a) => S::Arr(a),
            Value::Object(m) => S::Obj(m),
        }
    }
}

/// A JSON number as the narrowest of `i64`, `u64` and `f64` that holds it.
pub(super) fn num(n: &Number) -> S<'_> {
    if let Some(i) = n.as_i64() {
        S::I(i)
    } else if let Some(u) = n.as_u64() {
        S::U(u)
    } else {
        S::F(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl<'a> S<'a> {
    /// The value itself, or for an array, any of its elements.
    pub(super) fn any(self, mut test: impl FnMut(S<'_>) -> bool) -> bool {
        match self {
            S::Arr(items) => items.iter().any(|v| test(S::from(v))),
            S::Strs(items) => items.iter().any(|s| test(S::Str(s))),
            other => test(other),
        }
    }

    /// Any string: the value or a string element.
    pub(super) fn any_str(self, mut test: impl FnMut(&str) -> bool) -> bool {
        self.any(|v| matches!(v, S::Str(s) if test(s)))
    }
}

/// The value, or any element of an array value, as seen by `test`.
#[inline(always)]
pub(super) fn any_value(leaf: Leaf<'_>, mut test: impl FnMut(S<'_>) -> bool) -> bool {
    match leaf {
        Leaf::Json(Value::Array(items)) => items.iter().any(|v| test(S::from(v))),
        Leaf::Strs(items) => items.iter().any(|s| test(S::Str(s))),
        Leaf::Json(v) => test(S::from(v)),
        other => test(S::from(other)),
    }
}

/// Any string: the value, or a string element of an array value.
#[inline(always)]
pub(super) fn any_str(leaf: Leaf<'_>, mut test: impl FnMut(&str) -> bool) -> bool {
    match leaf {
        Leaf::Str(s) => test(s),
        Leaf::Json(Value::String(s)) => test(s),
        _ => any_elem_str(leaf, test),
    }
}

/// Any string element of an array value.
#[inline(always)]
pub(super) fn any_elem_str(leaf: Leaf<'_>, mut test: impl FnMut(&str) -> bool) -> bool {
    match leaf {
        Leaf::Strs(items) => items.iter().any(|s| test(s)),
        Leaf::Json(Value::Array(items)) => items
            .iter()
            .any(|v| matches!(v, Value::String(s) if test(s))),
        _ => false,
    }
}

/// Any number: the value, or a number element of an array value.
#[inline(always)]
pub(super) fn any_num(leaf: Leaf<'_>, mut test: impl FnMut(NumKey) -> bool) -> bool {
    match leaf {
        Leaf::I64(i) => test(NumKey::Int(i)),
        Leaf::U64(u) => test(NumKey::from_u64(u)),
        Leaf::F64(x) => test(NumKey::Float(x)),
        Leaf::Json(Value::Number(n)) => test(num_key_of(n)),
        Leaf::Json(Value::Array(items)) => items
            .iter()
            .any(|v| matches!(v, Value::Number(n) if test(num_key_of(n)))),
        _ => false,
    }
}
