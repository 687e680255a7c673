//! Literals of any JSON type ([`Lit`]) for the general `eq`, `in`, `gt`…`lte`
//! and `contains` tests, and how a found value compares with one: numbers
//! numerically, strings folded when case-insensitive or as instants when
//! they are dates, arrays and objects structurally.

use std::cmp::Ordering;

use serde_json::Value;

use super::fold::{cmp_folded, eq_folded, fold, lower};
use super::instant::instant;
use super::number::{num_cmp, num_key, NumKey, RangeOp};
use super::value::{num, S};

/// A literal prepared for comparison.
#[derive(Debug)]
pub(super) struct Lit {
    pub(super) value: Value,
    /// Case-insensitive comparison applies.
    ci: bool,
    /// The Unicode lowercase of a string literal, when `ci`.
    pub(super) folded: Option<String>,
    /// A string literal that is an RFC 3339 date-time or date, as an instant.
    instant: Option<i128>,
    /// A number literal, ready to compare.
    num: Option<NumKey>,
    /// `folded` is ASCII (the common case, compared without allocating).
    ascii: bool,
}

impl Lit {
    /// Prepares a literal; `ci` when compared case-insensitively.
    pub(super) fn new(value: &Value, ci: bool) -> Lit {
        let (folded, instant) = match value {
            Value::String(s) => (ci.then(|| lower(s)), instant(s)),
            _ => (None, None),
        };
        let num = match value {
            Value::Number(n) => num_key(num(n)),
            _ => None,
        };
        Lit {
            value: value.clone(),
            ci,
            ascii: folded.as_deref().is_some_and(str::is_ascii),
            folded,
            instant,
            num,
        }
    }

    /// Case-insensitive equality of a string with the folded literal.
    fn eq_folded(&self, x: &str, folded: &str) -> bool {
        if self.ascii && x.is_ascii() {
            return x.len() == folded.len() && x.eq_ignore_ascii_case(folded);
        }
        eq_folded(x, folded)
    }
}

/// `eq` on a found value: the value equals the literal, or (for an array)
/// any element does.
pub(super) fn eq_value(v: S<'_>, lit: &Lit) -> bool {
    equal(v, lit) || matches!(v, S::Arr(_) | S::Strs(_)) && v.any(|x| equal(x, lit))
}

/// Equality of one value with a literal: numbers numerically, strings
/// case-folded when `ci`, arrays and objects structurally.
pub(super) fn equal(v: S<'_>, lit: &Lit) -> bool {
    match (&lit.value, v) {
        (Value::Null, S::Null) => true,
        (Value::Bool(a), S::Bool(b)) => *a == b,
        (Value::Number(_), _) => match (lit.num, num_key(v)) {
            (Some(a), Some(b)) => num_cmp(a, b) == Some(Ordering::Equal),
            _ => false,
        },
        (Value::String(s), S::Str(x)) => match &lit.folded {
            Some(folded) => lit.eq_folded(x, folded),
            None => x == s,
        },
        (Value::Array(items), S::Arr(xs)) => {
            items.len() == xs.len()
                && items
                    .iter()
                    .zip(xs)
                    .all(|(a, b)| json_eq(a, S::from(b), lit.ci))
        }
        (Value::Array(items), S::Strs(xs)) => {
            items.len() == xs.len()
                && items
                    .iter()
                    .zip(xs)
                    .all(|(a, b)| json_eq(a, S::Str(b), lit.ci))
        }
        (Value::Object(m), S::Obj(x)) => {
            m.len() == x.len()
                && m.iter()
                    .all(|(k, a)| x.get(k).is_some_and(|b| json_eq(a, S::from(b), lit.ci)))
        }
        _ => false,
    }
}

fn json_eq(a: &Value, b: S<'_>, ci: bool) -> bool {
    match (a, b) {
        (Value::String(x), S::Str(y)) if ci => fold(x) == fold(y),
        _ => equal(b, &Lit::new(a, ci)),
    }
}

/// `gt`…`lte` on one value: numbers numerically, strings as instants when
/// both are, otherwise by their (folded) text.
pub(super) fn range(v: S<'_>, op: RangeOp, lit: &Lit) -> bool {
    let ord = match (&lit.value, v) {
        (Value::Number(_), _) => match (num_key(v), lit.num) {
            (Some(a), Some(b)) => num_cmp(a, b),
            _ => None,
        },
        (Value::String(s), S::Str(x)) => match lit.instant.and_then(|b| Some((instant(x)?, b))) {
            Some((a, b)) => Some(a.cmp(&b)),
            None => match &lit.folded {
                Some(folded) => Some(cmp_folded(x, folded)),
                None => Some(x.cmp(s.as_str())),
            },
        },
        _ => None,
    };
    op.holds(ord)
}
