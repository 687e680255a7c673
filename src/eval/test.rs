//! The [`Test`] an operator and its value compile to (SPEC §3), and the
//! dispatch that runs it on a found value. Everything that depends only on
//! the filter is prepared in [`Test::new`]; what the tests compare lives in
//! the modules by kind of value.

use std::cmp::Ordering;

use serde_json::Value;

use super::fold::{contains_folded, lower};
use super::geo::{float_at, haversine, in_ring, point_of, ring_of, Ring};
use super::literal::{eq_value, equal, range, Lit};
use super::number::{num_cmp, num_key_of, NumKey, RangeOp};
use super::record::Leaf;
use super::text::{has_phrase, words, Needle, Stems, StrLit, StrSet};
use super::value::{any_elem_str, any_num, any_str, any_value, S};
use crate::ast::Operator;
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::Limits;

/// An operator with its prepared value. The first variants are the common
/// cases, specialised by the literal's type; the general ones (`Eq`, `In`,
/// `Range`, `Contains`) take any literal.
#[derive(Debug)]
// A plain tag: dispatch is one load, not a niche decoded from a payload.
#[repr(u8)]
pub(super) enum Test {
    /// `eq` a string.
    EqStr(StrLit),
    /// `eq` a number.
    EqNum(NumKey),
    /// `eq` a boolean.
    EqBool(bool),
    /// `in` a list of strings only.
    InStrs(StrSet),
    /// `gt`…`lte` a number.
    RangeNum(RangeOp, NumKey),
    /// `contains` a string.
    ContainsStr(Needle),
    Eq(Lit),
    In(Vec<Lit>),
    Range(RangeOp, Lit),
    Contains(Lit),
    StartsWith(StrLit),
    EndsWith(StrLit),
    Regex(regex::Regex),
    Exists(bool),
    IsNull(bool),
    Text(String),
    Phrase(Vec<String>),
    Words(Stems),
    GeoRadius {
        lat: f64,
        lon: f64,
        radius: f64,
    },
    GeoBox {
        top: f64,
        left: f64,
        bottom: f64,
        right: f64,
    },
    GeoPolygon {
        exterior: Ring,
        interiors: Vec<Ring>,
    },
}

/// The string of a string operand (`""` for any other value).
fn string(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

impl Test {
    /// Prepares an operator and its (bound, checked) value. `cs` is the
    /// case sensitivity in force where the condition stands.
    pub fn new(op: Operator, value: &Value, cs: bool, limits: &Limits) -> Result<Test, Error> {
        // Literals were checked when decoded; bound values were checked by
        // the caller. This keeps an API-built tree from reaching the code
        // below with a value of the wrong shape.
        check_operand(op, &crate::ast::Operand::Literal(value.clone()), limits)
            .map_err(|p| p.into_error())?;
        let ci = !cs;
        let range = |op: RangeOp| match value {
            Value::Number(n) => Test::RangeNum(op, num_key_of(n)),
            _ => Test::Range(op, Lit::new(value, ci)),
        };
        Ok(match op {
            Operator::Eq | Operator::Ne => match value {
                Value::String(s) => Test::EqStr(StrLit::new(s, ci)),
                Value::Number(n) => Test::EqNum(num_key_of(n)),
                Value::Bool(b) => Test::EqBool(*b),
                _ => Test::Eq(Lit::new(value, ci)),
            },
            Operator::In | Operator::Nin => {
                let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                match strs {
                    Some(strs) => Test::InStrs(StrSet::new(strs.into_iter(), ci)),
                    None => Test::In(items.iter().map(|v| Lit::new(v, ci)).collect()),
                }
            }
            Operator::Gt => range(RangeOp::Gt),
            Operator::Gte => range(RangeOp::Gte),
            Operator::Lt => range(RangeOp::Lt),
            Operator::Lte => range(RangeOp::Lte),
            Operator::Contains => match value {
                Value::String(s) => Test::ContainsStr(Needle::new(s, ci)),
                _ => Test::Contains(Lit::new(value, ci)),
            },
            Operator::StartsWith => Test::StartsWith(StrLit::new(string(value), ci)),
            Operator::EndsWith => Test::EndsWith(StrLit::new(string(value), ci)),
            Operator::Regex => Test::Regex(
                regex::RegexBuilder::new(string(value))
                    .case_insensitive(ci)
                    .size_limit(limits.max_regex_bytes)
                    .dfa_size_limit(limits.max_regex_bytes)
                    .build()
                    .map_err(|e| {
                        Error::new(ErrorCode::InvalidRegex, format!("invalid regex: {e}"))
                    })?,
            ),
            Operator::Exists => Test::Exists(value.as_bool().unwrap_or(true)),
            Operator::IsNull => Test::IsNull(value.as_bool().unwrap_or(true)),
            Operator::Text => Test::Text(lower(string(value))),
            Operator::Phrase => Test::Phrase(words(string(value)).collect()),
            Operator::Words => Test::Words(Stems::new(string(value))),
            Operator::GeoRadius => {
                let (lat, lon) = point_of(&value["center"]);
                Test::GeoRadius {
                    lat,
                    lon,
                    radius: float_at(value, "radius"),
                }
            }
            Operator::GeoBoundingBox => {
                let (top, left) = point_of(&value["top_left"]);
                let (bottom, right) = point_of(&value["bottom_right"]);
                Test::GeoBox {
                    top,
                    left,
                    bottom,
                    right,
                }
            }
            Operator::GeoPolygon => Test::GeoPolygon {
                exterior: ring_of(&value["exterior"]),
                interiors: value["interiors"]
                    .as_array()
                    .map(|rs| rs.iter().map(ring_of).collect())
                    .unwrap_or_default(),
            },
        })
    }

    /// Whether the operator's answer is the opposite of the test
    /// [`Test::new`] prepares for it: `ne` and `nin` run the test of `eq` and
    /// `in`, inverted.
    pub fn inverts(op: Operator) -> bool {
        match op {
            Operator::Ne | Operator::Nin => true,
            Operator::Eq
            | Operator::Gt
            | Operator::Lt
            | Operator::Gte
            | Operator::Lte
            | Operator::In
            | Operator::Contains
            | Operator::StartsWith
            | Operator::EndsWith
            | Operator::Regex
            | Operator::Exists
            | Operator::IsNull
            | Operator::Text
            | Operator::Phrase
            | Operator::Words
            | Operator::GeoRadius
            | Operator::GeoBoundingBox
            | Operator::GeoPolygon => false,
        }
    }

    /// Whether the condition holds, given whether the path was found at all
    /// and whether any value there passed [`Test::leaf`].
    pub fn outcome(&self, found: bool, hit: bool) -> bool {
        match self {
            Test::Exists(want) => found == *want,
            Test::IsNull(true) => !found || hit,
            Test::Eq(lit) if !found => lit.value.is_null(),
            Test::In(lits) if !found => lits.iter().any(|l| l.value.is_null()),
            _ => hit,
        }
    }

    /// The answer for a field that is present with exactly this value:
    /// `outcome(true, leaf(value))`.
    #[inline(always)]
    pub fn present(&self, leaf: Leaf<'_>) -> bool {
        match self {
            Test::Exists(want) => *want,
            _ => self.leaf(leaf),
        }
    }

    /// Does one value found at the path pass?
    #[inline(always)]
    pub fn leaf(&self, leaf: Leaf<'_>) -> bool {
        match self {
            Test::EqStr(lit) => any_str(leaf, |s| lit.eq(s)),
            Test::InStrs(set) => any_str(leaf, |s| set.contains(s)),
            Test::EqNum(k) => any_num(leaf, |x| num_cmp(x, *k) == Some(Ordering::Equal)),
            Test::RangeNum(op, k) => any_num(leaf, |x| op.holds(num_cmp(x, *k))),
            Test::EqBool(want) => any_value(leaf, |v| matches!(v, S::Bool(b) if b == *want)),
            Test::ContainsStr(needle) => match leaf {
                Leaf::Str(s) => needle.contained_in(s),
                Leaf::Json(Value::String(s)) => needle.contained_in(s),
                // An array contains an element equal to the string.
                _ => any_elem_str(leaf, |s| needle.lit.eq(s)),
            },
            Test::IsNull(want) => matches!(leaf, Leaf::Null | Leaf::Json(Value::Null)) == *want,
            Test::Exists(_) => true,
            Test::StartsWith(p) => any_str(leaf, |s| p.starts(s)),
            Test::EndsWith(p) => any_str(leaf, |s| p.ends(s)),
            _ => self.general(S::from(leaf)),
        }
    }

    #[inline(never)]
    fn general(&self, v: S<'_>) -> bool {
        match self {
            Test::EqStr(_)
            | Test::EqNum(_)
            | Test::EqBool(_)
            | Test::InStrs(_)
            | Test::RangeNum(..)
            | Test::ContainsStr(_)
            | Test::StartsWith(_)
            | Test::EndsWith(_) => unreachable!("handled in Test::leaf"),
            Test::Exists(_) => true,
            Test::IsNull(want) => matches!(v, S::Null) == *want,
            Test::Eq(lit) => eq_value(v, lit),
            Test::In(lits) => lits.iter().any(|lit| eq_value(v, lit)),
            Test::Range(op, lit) => v.any(|x| range(x, *op, lit)),
            Test::Contains(lit) => match v {
                S::Str(s) => match (&lit.value, &lit.folded) {
                    (_, Some(needle)) => contains_folded(s, needle),
                    (Value::String(needle), None) => s.contains(needle.as_str()),
                    _ => false,
                },
                S::Arr(_) | S::Strs(_) => v.any(|x| equal(x, lit)),
                _ => false,
            },
            Test::Regex(re) => v.any_str(|s| re.is_match(s)),
            Test::Text(needle) => v.any_str(|s| contains_folded(s, needle)),
            Test::Phrase(phrase) => v.any_str(|s| has_phrase(s, phrase)),
            Test::Words(stems) => v.any_str(|s| stems.all_in(s)),
            Test::GeoRadius { lat, lon, radius } => {
                v.any_point(|plat, plon| haversine(*lat, *lon, plat, plon) <= *radius)
            }
            Test::GeoBox {
                top,
                left,
                bottom,
                right,
            } => v.any_point(|lat, lon| {
                let lon_ok = if left <= right {
                    (*left..=*right).contains(&lon)
                } else {
                    lon >= *left || lon <= *right
                };
                (*bottom..=*top).contains(&lat) && lon_ok
            }),
            Test::GeoPolygon {
                exterior,
                interiors,
            } => v.any_point(|lat, lon| {
                in_ring(lon, lat, exterior) && !interiors.iter().any(|r| in_ring(lon, lat, r))
            }),
        }
    }
}
