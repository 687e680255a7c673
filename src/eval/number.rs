//! Numbers: [`NumKey`], a JSON number ready to compare, exact for integers
//! of any size, and [`RangeOp`], the four orderings of `gt`…`lte`.

use std::cmp::Ordering;

use serde_json::Number;

use super::value::{num, S};

/// `gt`, `gte`, `lt` or `lte`.
#[derive(Clone, Copy, Debug)]
pub(super) enum RangeOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl RangeOp {
    /// Does the ordering of a value against the literal pass?
    pub(super) fn holds(self, ord: Option<Ordering>) -> bool {
        match (ord, self) {
            (Some(o), RangeOp::Gt) => o == Ordering::Greater,
            (Some(o), RangeOp::Gte) => o != Ordering::Less,
            (Some(o), RangeOp::Lt) => o == Ordering::Less,
            (Some(o), RangeOp::Lte) => o != Ordering::Greater,
            (None, _) => false,
        }
    }
}

/// A JSON number as compared: integers exactly, a float with an integer
/// as floats.
#[derive(Clone, Copy, Debug)]
pub(super) enum NumKey {
    Int(i64),
    /// An integer above `i64::MAX`.
    Big(u64),
    Float(f64),
}

impl NumKey {
    pub(super) fn from_u64(u: u64) -> NumKey {
        i64::try_from(u).map_or(NumKey::Big(u), NumKey::Int)
    }
}

/// The number a value is, if it is one.
pub(super) fn num_key(v: S<'_>) -> Option<NumKey> {
    match v {
        S::I(i) => Some(NumKey::Int(i)),
        S::U(u) => Some(NumKey::from_u64(u)),
        S::F(x) => Some(NumKey::Float(x)),
        _ => None,
    }
}

#[inline]
pub(super) fn num_key_of(n: &Number) -> NumKey {
    match num(n) {
        S::I(i) => NumKey::Int(i),
        S::U(u) => NumKey::from_u64(u),
        _ => NumKey::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

#[inline]
pub(super) fn num_cmp(a: NumKey, b: NumKey) -> Option<Ordering> {
    match (a, b) {
        (NumKey::Int(x), NumKey::Int(y)) => Some(x.cmp(&y)),
        (NumKey::Big(x), NumKey::Big(y)) => Some(x.cmp(&y)),
        (NumKey::Int(_), NumKey::Big(_)) => Some(Ordering::Less),
        (NumKey::Big(_), NumKey::Int(_)) => Some(Ordering::Greater),
        (NumKey::Int(x), NumKey::Float(y)) => (x as f64).partial_cmp(&y),
        (NumKey::Big(x), NumKey::Float(y)) => (x as f64).partial_cmp(&y),
        (NumKey::Float(x), NumKey::Int(y)) => x.partial_cmp(&(y as f64)),
        (NumKey::Float(x), NumKey::Big(y)) => x.partial_cmp(&(y as f64)),
        (NumKey::Float(x), NumKey::Float(y)) => x.partial_cmp(&y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn numbers_compare_exactly_as_integers() {
        let key = |v: Value| num_key(S::from(&v)).unwrap();
        let cmp = |a: Value, b: Value| num_cmp(key(a), key(b));
        use Ordering::*;
        assert_eq!(cmp(json!(u64::MAX), json!(u64::MAX - 1)), Some(Greater));
        assert_eq!(
            cmp(json!(i64::MAX), json!(9_223_372_036_854_775_808u64)),
            Some(Less)
        );
        assert_eq!(
            cmp(json!(9_223_372_036_854_775_808u64), json!(i64::MIN)),
            Some(Greater)
        );
        assert_eq!(cmp(json!(-1), json!(0.5)), Some(Less));
        // An integer meets a float as a float.
        assert_eq!(
            cmp(
                json!(9_007_199_254_740_993u64),
                json!(9_007_199_254_740_992.0)
            ),
            Some(Equal)
        );
        assert_eq!(
            cmp(json!(u64::MAX), json!(1.8446744073709552e19)),
            Some(Equal)
        );
        assert_eq!(cmp(json!(1.5), json!(2)), Some(Less));
    }
}
