//! What each operator means on one value (SPEC §3). Everything that depends
//! only on the filter is prepared in [`Test::new`].

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use memchr::memmem;
use serde_json::{Map, Number, Value};

use super::record::Leaf;
use crate::ast::Operator;
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::Limits;

/// A literal prepared for comparison.
#[derive(Debug)]
pub(super) struct Lit {
    value: Value,
    /// Case-insensitive comparison applies.
    ci: bool,
    /// The Unicode lowercase of a string literal, when `ci`.
    folded: Option<String>,
    /// A string literal that is an RFC 3339 date-time or date, as an instant.
    instant: Option<i128>,
    /// A number literal, ready to compare.
    num: Option<NumKey>,
    /// `folded` is ASCII (the common case, compared without allocating).
    ascii: bool,
}

impl Lit {
    fn new(value: &Value, ci: bool) -> Lit {
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

#[derive(Clone, Copy, Debug)]
pub(super) enum RangeOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl RangeOp {
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

/// A string literal for `eq`, `in`, `contains`, `starts_with`,
/// `ends_with`: Unicode-lowercased when case-insensitive.
///
/// Folding text to ASCII lowercase letters needs no Unicode tables when the
/// literal is ASCII: of all non-ASCII characters only U+212A KELVIN SIGN
/// (→ `k`) and U+0130 (→ `i` and U+0307) lowercase to anything containing
/// ASCII (checked over every `char` by a unit test), so text folds to ASCII
/// only through its ASCII characters and Kelvin signs, and an ASCII literal
/// without `i` and `k` matches only ASCII characters, compared ignoring
/// ASCII case.
#[derive(Debug)]
pub(super) struct StrLit {
    text: Box<str>,
    ci: bool,
    /// Case-insensitive and `text` is ASCII.
    ascii: bool,
    /// `ascii` and `text` has no `i` or `k`.
    plain: bool,
    /// `ascii` and `text` has a `k` (which a Kelvin sign folds to).
    has_k: bool,
    /// When `ascii`: per byte of `text`, `0x20` for a letter (setting that
    /// bit maps `A` to `a`), 0 otherwise.
    mask: Box<[u8]>,
}

impl StrLit {
    fn new(s: &str, ci: bool) -> StrLit {
        let text: Box<str> = if ci { lower(s).into() } else { s.into() };
        let ascii = ci && text.is_ascii();
        let mask = if ascii {
            text.bytes()
                .map(|b| if b.is_ascii_lowercase() { 0x20 } else { 0 })
                .collect()
        } else {
            Box::default()
        };
        StrLit {
            plain: ascii && !text.bytes().any(|b| b == b'i' || b == b'k'),
            has_k: ascii && text.contains('k'),
            ascii,
            mask,
            text,
            ci,
        }
    }

    /// Does `x` equal the literal (after folding when case-insensitive)?
    #[inline(always)]
    pub(super) fn eq(&self, x: &str) -> bool {
        let t = &*self.text;
        if self.ascii {
            // `x` folds to ASCII only if it is ASCII but for Kelvin signs,
            // each 3 bytes folding to 1: equal lengths mean plain ASCII, a
            // shorter `x` cannot match, a longer one only through a Kelvin
            // sign.
            if x.len() == t.len() {
                return eq_lowercase(x.as_bytes(), t.as_bytes(), &self.mask);
            }
            if x.len() < t.len() || !self.has_k {
                return false;
            }
        } else if !self.ci {
            return x == t;
        }
        self.eq_slow(x)
    }

    /// Case-insensitive equality through full folding.
    #[inline(never)]
    fn eq_slow(&self, x: &str) -> bool {
        !(self.ascii && x.is_ascii()) && eq_folded(x, &self.text)
    }

    #[inline(always)]
    pub(super) fn starts(&self, x: &str) -> bool {
        let t = &*self.text;
        match (self.ci, self.plain) {
            (false, _) => x.starts_with(t),
            (true, true) => {
                x.len() >= t.len()
                    && eq_lowercase(&x.as_bytes()[..t.len()], t.as_bytes(), &self.mask)
            }
            (true, false) => starts_folded(x, t),
        }
    }

    #[inline(always)]
    pub(super) fn ends(&self, x: &str) -> bool {
        let t = &*self.text;
        match (self.ci, self.plain) {
            (false, _) => x.ends_with(t),
            (true, true) => {
                x.len() >= t.len()
                    && eq_lowercase(&x.as_bytes()[x.len() - t.len()..], t.as_bytes(), &self.mask)
            }
            (true, false) => ends_folded(x, t),
        }
    }
}

/// A string literal for `contains` on a string: the [`StrLit`] with a
/// substring searcher built once.
#[derive(Debug)]
pub(super) struct Needle {
    /// Also used by `contains` on arrays, which compares elements whole.
    pub(super) lit: StrLit,
    /// Searches for the literal's text (lowercased when case-insensitive).
    finder: memmem::Finder<'static>,
    /// The text has an ASCII letter.
    letters: bool,
}

impl Needle {
    fn new(s: &str, ci: bool) -> Needle {
        let lit = StrLit::new(s, ci);
        Needle {
            finder: memmem::Finder::new(lit.text.as_bytes()).into_owned(),
            letters: lit.text.bytes().any(|b| b.is_ascii_alphabetic()),
            lit,
        }
    }

    /// Is the literal a substring of `x` (after folding when
    /// case-insensitive)?
    #[inline]
    pub(super) fn contained_in(&self, x: &str) -> bool {
        let lit = &self.lit;
        let (h, n) = (x.as_bytes(), lit.text.as_bytes());
        // Folding ASCII text changes only letters: without any, the search
        // is for the text as it is.
        if !lit.ci || lit.plain && !self.letters {
            return match n {
                [b] => contains_byte(h, *b),
                _ => self.finder.find(h).is_some(),
            };
        }
        if !lit.plain {
            return contains_folded(x, &lit.text);
        }
        // Candidates start with either case of the first letter.
        let Some(last) = h.len().checked_sub(n.len()) else {
            return false;
        };
        let first = n[0];
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=last])
            .any(|at| eq_lowercase(&h[at..at + n.len()], n, &lit.mask))
    }
}

/// Does `h` contain the byte `b`? Field values are mostly short, where
/// eight bytes at a time beat setting up a vectorised search.
#[inline]
fn contains_byte(h: &[u8], b: u8) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    if h.len() < 8 {
        return h.contains(&b);
    }
    if h.len() > 64 {
        return memchr::memchr(b, h).is_some();
    }
    let splat = ONES * u64::from(b);
    // A zero byte in `w ^ splat` is a match.
    let any = |at: usize| {
        let x = u64::from_le_bytes(h[at..at + 8].try_into().expect("eight bytes")) ^ splat;
        x.wrapping_sub(ONES) & !x & HIGH != 0
    };
    let mut at = 0;
    while at + 8 < h.len() {
        if any(at) {
            return true;
        }
        at += 8;
    }
    // The last eight bytes, overlapping the previous word.
    any(h.len() - 8)
}

/// `x` equals the ASCII lowercase `t` ignoring ASCII case, where `mask`
/// has `0x20` at the letters of `t` (all three of one length): eight bytes
/// at a time, `x | mask == t`.
#[inline(always)]
fn eq_lowercase(x: &[u8], t: &[u8], mask: &[u8]) -> bool {
    let n = t.len();
    if x.len() != n || mask.len() != n {
        return false;
    }
    let word =
        |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    if n < 8 {
        if n < 4 {
            return x.iter().zip(mask).zip(t).all(|((x, m), t)| x | m == *t);
        }
        // Two overlapping four-byte words.
        let half =
            |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"));
        return half(x, 0) | half(mask, 0) == half(t, 0)
            && half(x, n - 4) | half(mask, n - 4) == half(t, n - 4);
    }
    let mut at = 0;
    while at + 8 < n {
        if word(x, at) | word(mask, at) != word(t, at) {
            return false;
        }
        at += 8;
    }
    // The last eight bytes, overlapping the previous word.
    word(x, n - 8) | word(mask, n - 8) == word(t, n - 8)
}

/// The strings of an `in` list that holds only strings.
#[derive(Debug)]
pub(super) struct StrSet {
    /// Sorted, without duplicates; lowercased when `ci`.
    items: Box<[StrLit]>,
    ci: bool,
    /// A short list of strings of up to eight bytes (ASCII when `ci`), each
    /// packed into a word.
    words: Option<Box<[Packed]>>,
}

/// A string of up to eight bytes as one word, with its length and, when
/// compared case-insensitively, the `0x20` bits of its letters (see
/// [`eq_lowercase`]).
#[derive(Debug)]
struct Packed {
    len: usize,
    word: u64,
    mask: u64,
}

/// The bytes as a little-endian word, zero-padded; up to eight bytes. Two
/// overlapping loads instead of a copy of variable length.
#[inline(always)]
fn pack(b: &[u8]) -> u64 {
    let n = b.len();
    let load = |at: usize, size: usize| {
        b[at..at + size]
            .iter()
            .rev()
            .fold(0u64, |w, &byte| w << 8 | u64::from(byte))
    };
    match n {
        0 => 0,
        1 => u64::from(b[0]),
        2..=3 => load(0, 2) | load(n - 2, 2) << (8 * (n - 2)),
        4..=7 => load(0, 4) | load(n - 4, 4) << (8 * (n - 4)),
        _ => load(0, 8),
    }
}

/// Up to this many strings are compared one by one; longer lists are
/// searched by bisection.
const SHORT_LIST: usize = 8;

impl StrSet {
    fn new<'a>(items: impl Iterator<Item = &'a str>, ci: bool) -> StrSet {
        let mut items: Vec<StrLit> = items.map(|s| StrLit::new(s, ci)).collect();
        items.sort_by(|a, b| a.text.cmp(&b.text));
        items.dedup_by(|a, b| a.text == b.text);
        let short = |l: &StrLit| l.text.len() <= 8 && (!ci || l.ascii);
        let words = (items.len() <= SHORT_LIST && items.iter().all(short)).then(|| {
            items
                .iter()
                .map(|l| Packed {
                    len: l.text.len(),
                    word: pack(l.text.as_bytes()),
                    mask: if ci { pack(&l.mask) } else { 0 },
                })
                .collect()
        });
        StrSet {
            items: items.into(),
            ci,
            words,
        }
    }

    #[inline]
    pub(super) fn contains(&self, x: &str) -> bool {
        let b = x.as_bytes();
        if let Some(words) = &self.words {
            // Case-insensitively, a string other than ASCII can still fold to
            // ASCII through a Kelvin sign: the general path then.
            if b.len() <= 8 && (!self.ci || b.is_ascii()) {
                let w = pack(b);
                return words
                    .iter()
                    .any(|p| p.len == b.len() && w | p.mask == p.word);
            }
            if !self.ci || b.is_ascii() {
                return false;
            }
        }
        self.contains_slow(x)
    }

    #[inline(never)]
    fn contains_slow(&self, x: &str) -> bool {
        if self.items.len() <= SHORT_LIST {
            return self.items.iter().any(|lit| lit.eq(x));
        }
        if !self.ci {
            return self.items.binary_search_by(|l| (*l.text).cmp(x)).is_ok();
        }
        if x.is_ascii() {
            // Compare with the ASCII lowercase of `x`, computed on the fly.
            let lowered = || x.bytes().map(|b| b.to_ascii_lowercase());
            return self
                .items
                .binary_search_by(|l| l.text.bytes().cmp(lowered()))
                .is_ok();
        }
        let folded = lower(x);
        self.items
            .binary_search_by(|l| (*l.text).cmp(folded.as_str()))
            .is_ok()
    }
}

pub(super) struct Stems(Vec<String>, rust_stemmers::Stemmer);

impl fmt::Debug for Stems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Stems").field(&self.0).finish()
    }
}

type Ring = Vec<(f64, f64)>;

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

fn string(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn point_of(v: &Value) -> (f64, f64) {
    (f(v, "lat"), f(v, "lon"))
}

fn ring_of(v: &Value) -> Ring {
    v["points"]
        .as_array()
        .map(|ps| ps.iter().map(|p| (f(p, "lon"), f(p, "lat"))).collect())
        .unwrap_or_default()
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
            Operator::Words => {
                let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
                let stems = words(string(value))
                    .map(|w| stemmer.stem(&w).into_owned())
                    .collect();
                Test::Words(Stems(stems, stemmer))
            }
            Operator::GeoRadius => {
                let (lat, lon) = point_of(&value["center"]);
                Test::GeoRadius {
                    lat,
                    lon,
                    radius: f(value, "radius"),
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

/// A value seen by an operator: scalars, or the array/object it is.
#[derive(Clone, Copy)]
enum S<'a> {
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

fn num(n: &Number) -> S<'_> {
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
    fn any(self, mut test: impl FnMut(S<'_>) -> bool) -> bool {
        match self {
            S::Arr(items) => items.iter().any(|v| test(S::from(v))),
            S::Strs(items) => items.iter().any(|s| test(S::Str(s))),
            other => test(other),
        }
    }

    /// Any string: the value or a string element.
    fn any_str(self, mut test: impl FnMut(&str) -> bool) -> bool {
        self.any(|v| matches!(v, S::Str(s) if test(s)))
    }

    /// Any point: the value itself when it is one, or a point element.
    fn any_point(self, mut test: impl FnMut(f64, f64) -> bool) -> bool {
        if let Some((lat, lon)) = point(self) {
            return test(lat, lon);
        }
        match self {
            S::Arr(items) => items
                .iter()
                .any(|v| point(S::from(v)).is_some_and(|(a, o)| test(a, o))),
            _ => false,
        }
    }
}

/// `(lat, lon)` of `{"lat", "lon"}`, `[lon, lat]` or a GeoJSON point.
fn point(v: S<'_>) -> Option<(f64, f64)> {
    let pair = |a: &[Value]| match a {
        [lon, lat] => Some((lat.as_f64()?, lon.as_f64()?)),
        _ => None,
    };
    match v {
        S::Obj(m) => {
            if let (Some(lat), Some(lon)) = (m.get("lat"), m.get("lon")) {
                return Some((lat.as_f64()?, lon.as_f64()?));
            }
            if m.get("type").and_then(Value::as_str) == Some("Point") {
                return pair(m.get("coordinates")?.as_array()?);
            }
            None
        }
        S::Arr(a) => pair(a),
        _ => None,
    }
}

/// The value, or any element of an array value, as seen by `test`.
#[inline(always)]
fn any_value(leaf: Leaf<'_>, mut test: impl FnMut(S<'_>) -> bool) -> bool {
    match leaf {
        Leaf::Json(Value::Array(items)) => items.iter().any(|v| test(S::from(v))),
        Leaf::Strs(items) => items.iter().any(|s| test(S::Str(s))),
        Leaf::Json(v) => test(S::from(v)),
        other => test(S::from(other)),
    }
}

/// Any string: the value, or a string element of an array value.
#[inline(always)]
fn any_str(leaf: Leaf<'_>, mut test: impl FnMut(&str) -> bool) -> bool {
    match leaf {
        Leaf::Str(s) => test(s),
        Leaf::Json(Value::String(s)) => test(s),
        _ => any_elem_str(leaf, test),
    }
}

/// Any string element of an array value.
#[inline(always)]
fn any_elem_str(leaf: Leaf<'_>, mut test: impl FnMut(&str) -> bool) -> bool {
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
fn any_num(leaf: Leaf<'_>, mut test: impl FnMut(NumKey) -> bool) -> bool {
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

/// The Unicode lowercase of each character. (Unlike `str::to_lowercase`
/// there is no word-final sigma rule, so folding is the same character by
/// character wherever a string stands.)
pub(crate) fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Lowercases only when there is something to lowercase.
fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        Cow::Owned(lower(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// `fold(x) == folded`, without allocating.
fn eq_folded(x: &str, folded: &str) -> bool {
    if x.is_ascii() && folded.is_ascii() {
        return x.eq_ignore_ascii_case(folded);
    }
    x.chars().flat_map(char::to_lowercase).eq(folded.chars())
}

/// `fold(x).starts_with(prefix)`, without allocating.
fn starts_folded(x: &str, prefix: &str) -> bool {
    if x.is_ascii() && prefix.is_ascii() {
        return x.len() >= prefix.len()
            && x.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    let mut lower = x.chars().flat_map(char::to_lowercase);
    prefix.chars().all(|c| lower.next() == Some(c))
}

/// `fold(x).ends_with(suffix)`, without allocating for ASCII text.
fn ends_folded(x: &str, suffix: &str) -> bool {
    if x.is_ascii() && suffix.is_ascii() {
        return x.len() >= suffix.len()
            && x.as_bytes()[x.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes());
    }
    fold(x).ends_with(suffix)
}

/// `fold(x).contains(needle)`, without allocating for ASCII text.
fn contains_folded(x: &str, needle: &str) -> bool {
    if x.is_ascii() && needle.is_ascii() {
        if !needle.bytes().any(|b| b.is_ascii_alphabetic()) {
            // Folding ASCII text changes only letters.
            return x.contains(needle);
        }
        let (h, n) = (x.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    fold(x).contains(needle)
}

/// Words of a text: maximal runs of letters and digits, lowercased.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    raw_words(s).map(lower)
}

/// Words of a text as they stand in it (see [`words`]).
fn raw_words(s: &str) -> impl Iterator<Item = &str> + Clone {
    fn separator(c: char) -> bool {
        !c.is_alphanumeric()
    }
    s.split(separator).filter(|w| !w.is_empty())
}

/// `phrase` (lowercased words) appears in `s` as consecutive words, compared
/// in place.
fn has_phrase(s: &str, phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return true;
    }
    let mut from = raw_words(s);
    loop {
        let mut probe = from.clone();
        if phrase
            .iter()
            .all(|p| probe.next().is_some_and(|w| eq_folded(w, p)))
        {
            return true;
        }
        if from.next().is_none() {
            return false;
        }
    }
}

impl Stems {
    /// Every stem is among the stems of the words of `s`. Words are folded
    /// into one buffer and stemmed one at a time; the walk stops once all
    /// stems are seen.
    fn all_in(&self, s: &str) -> bool {
        let Stems(want, stemmer) = self;
        if want.len() > 64 {
            let have: Vec<String> = words(s).map(|w| stemmer.stem(&w).into_owned()).collect();
            return want.iter().all(|w| have.contains(w));
        }
        let all = u64::MAX >> (64 - want.len().max(1));
        let mut seen = if want.is_empty() { all } else { 0 };
        let mut word = String::new();
        for w in raw_words(s) {
            if seen == all {
                break;
            }
            word.clear();
            word.extend(w.chars().flat_map(char::to_lowercase));
            let stem = stemmer.stem(&word);
            for (i, x) in want.iter().enumerate() {
                if *x == *stem {
                    seen |= 1 << i;
                }
            }
        }
        seen == all
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
    fn from_u64(u: u64) -> NumKey {
        i64::try_from(u).map_or(NumKey::Big(u), NumKey::Int)
    }
}

fn num_key(v: S<'_>) -> Option<NumKey> {
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

/// `eq` on a found value: the value equals the literal, or (for an array)
/// any element does.
fn eq_value(v: S<'_>, lit: &Lit) -> bool {
    equal(v, lit) || matches!(v, S::Arr(_) | S::Strs(_)) && v.any(|x| equal(x, lit))
}

/// Equality of one value with a literal: numbers numerically, strings
/// case-folded when `ci`, arrays and objects structurally.
fn equal(v: S<'_>, lit: &Lit) -> bool {
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

fn range(v: S<'_>, op: RangeOp, lit: &Lit) -> bool {
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

/// `fold(x).cmp(folded)`, without allocating for ASCII text. (Byte order of
/// UTF-8 is code-point order.)
fn cmp_folded(x: &str, folded: &str) -> Ordering {
    if x.is_ascii() {
        return x
            .bytes()
            .map(|b| b.to_ascii_lowercase())
            .cmp(folded.bytes());
    }
    (*fold(x)).cmp(folded)
}

/// An RFC 3339 date-time, or a `YYYY-MM-DD` date (midnight UTC), as
/// nanoseconds since the epoch.
pub(crate) fn instant(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 10 {
        let y: i32 = s[..4].parse().ok()?;
        let m: u8 = s[5..7].parse().ok()?;
        let d: u8 = s[8..10].parse().ok()?;
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
        return Some(date.midnight().assume_utc().unix_timestamp_nanos());
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS: f64 = 6_371_008.8;

fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS * a.sqrt().min(1.0).asin()
}

/// Even-odd ray casting in the (lon, lat) plane.
fn in_ring(x: f64, y: f64, ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, &(xi, yi)) in ring.iter().enumerate() {
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn instants() {
        assert_eq!(instant("2024-01-01"), instant("2024-01-01T00:00:00Z"));
        assert_eq!(
            instant("2024-01-01T02:00:00+02:00"),
            instant("2024-01-01T00:00:00Z")
        );
        assert!(instant("2024-02-30").is_none());
        assert!(instant("2024-01-01 00:00").is_none());
        assert!(instant("hello").is_none());
    }

    /// The fact `StrLit` relies on: only ASCII characters, U+212A and
    /// U+0130 lowercase to anything containing ASCII, and only ASCII and
    /// U+212A to nothing but ASCII.
    #[test]
    fn few_characters_fold_to_ascii() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c.is_ascii() {
                continue;
            }
            let l: String = c.to_lowercase().collect();
            if l.is_ascii() {
                assert_eq!((c, l.as_str()), ('\u{212A}', "k"));
            } else if l.chars().any(|c| c.is_ascii()) {
                assert_eq!((c, l.as_str()), ('\u{130}', "i\u{307}"));
            }
        }
    }

    #[test]
    fn contains_byte_at_every_position() {
        for len in 0..80 {
            let mut h = vec![b'a'; len];
            assert!(!contains_byte(&h, b'_'), "{len}");
            for at in 0..len {
                h[at] = b'_';
                assert!(contains_byte(&h, b'_'), "{len} {at}");
                // Bytes next to the one sought (borrows across bytes).
                h[at] = b'^';
                assert!(!contains_byte(&h, b'_'), "{len} {at}");
                h[at] = 0xDF;
                assert!(!contains_byte(&h, b'_'), "{len} {at}");
                h[at] = b'a';
            }
        }
        assert!(contains_byte(&[0x80; 9], 0x80));
        assert!(!contains_byte(&[0x81; 9], 0x01));
    }

    #[test]
    fn pack_is_little_endian_zero_padded() {
        for len in 0..=8 {
            let b: Vec<u8> = (1..=len as u8).collect();
            let mut want = [0; 8];
            want[..len].copy_from_slice(&b);
            assert_eq!(pack(&b), u64::from_le_bytes(want), "{len}");
        }
    }

    /// Short lists packed into words: lengths, case, a Kelvin sign, strings
    /// longer than eight bytes and others than ASCII.
    #[test]
    fn short_string_sets() {
        let set = |items: &[&str], ci| StrSet::new(items.iter().copied(), ci);
        let ci = set(&["kmeans", "ns_1", "", "a"], true);
        assert!(ci.words.is_some());
        for yes in ["KMeans", "kmeans", "\u{212A}means", "NS_1", "", "A"] {
            assert!(ci.contains(yes), "{yes}");
        }
        for no in ["kmean", "kmeans_", "ns_2", "ns_1 ", "b", "kmeansxyz", "é"] {
            assert!(!ci.contains(no), "{no}");
        }
        let cs = set(&["Ab", "é", "12345678"], false);
        assert!(cs.words.is_some());
        assert!(cs.contains("Ab") && cs.contains("é") && cs.contains("12345678"));
        assert!(!cs.contains("ab") && !cs.contains("É") && !cs.contains("123456789"));
        // Not packed: too long, or not ASCII under case folding.
        assert!(set(&["123456789"], true).words.is_none());
        assert!(set(&["é"], true).words.is_none());
        assert!(set(&["é"], true).contains("É"));
    }

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

    #[test]
    fn phrases_restart_after_a_partial_match() {
        let phrase = |p: &str| words(p).collect::<Vec<_>>();
        assert!(has_phrase("a a a b", &phrase("A A B")));
        assert!(has_phrase("x, İstanbul-Dogs!", &phrase("İSTANBUL dogs")));
        assert!(!has_phrase("a a c b", &phrase("a a b")));
        assert!(!has_phrase("a", &phrase("a a")));
        assert!(has_phrase("", &phrase("")));
    }

    #[test]
    fn words_with_more_stems_than_a_word_has_bits() {
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let many: Vec<String> = (0..70).map(|i| format!("w{i}")).collect();
        let text = many.join(" ");
        let stems = |ws: &[String]| {
            Stems(
                ws.to_vec(),
                rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
            )
        };
        assert!(stems(&many).all_in(&text));
        assert!(!stems(&many).all_in(&many[1..].join(" ")));
        assert!(stems(&many[..64]).all_in(&text));
        assert!(!stems(&many[..64]).all_in(&many[..63].join(" ")));
        let running = vec![stemmer.stem("running").into_owned(), "dog".to_owned()];
        assert!(stems(&running).all_in("Dogs were RUNNING"));
        assert!(!stems(&running).all_in("Dogs ran"));
        assert!(stems(&[]).all_in("anything"));
    }

    /// Short strings over letters that fold in interesting ways: ASCII
    /// case, U+212A KELVIN SIGN (to `k`), U+0130 (to `i` and U+0307), `ß`,
    /// accents, separators.
    fn text() -> impl Strategy<Value = String> {
        let chars = [
            'k', 'K', '\u{212A}', 'i', 'I', '\u{130}', 'é', 'É', 'ß', 'a', 'A', '_', ' ', 's',
        ];
        prop::collection::vec(prop::sample::select(chars.to_vec()), 0..12)
            .prop_map(String::from_iter)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The string tests give what folding both sides by hand gives.
        #[test]
        fn string_tests_match_folding_by_hand(
            h in text(),
            n in text(),
            items in prop::collection::vec(text(), 0..11),
            ci in any::<bool>(),
        ) {
            let fold = |s: &str| if ci { lower(s) } else { s.to_owned() };
            let (fh, fn_) = (fold(&h), fold(&n));
            let lit = StrLit::new(&n, ci);
            prop_assert_eq!(lit.eq(&h), fh == fn_);
            prop_assert_eq!(lit.starts(&h), fh.starts_with(&fn_));
            prop_assert_eq!(lit.ends(&h), fh.ends_with(&fn_));
            prop_assert_eq!(Needle::new(&n, ci).contained_in(&h), fh.contains(&fn_));
            let set = StrSet::new(items.iter().map(String::as_str), ci);
            prop_assert_eq!(set.contains(&h), items.iter().any(|i| fold(i) == fh));
        }

        /// `phrase` and `words` give what comparing word lists gives.
        #[test]
        fn phrase_and_words_match_word_lists(h in text(), n in text()) {
            let have: Vec<String> = words(&h).collect();
            let phrase: Vec<String> = words(&n).collect();
            let windows = phrase.is_empty() || have.windows(phrase.len()).any(|w| w == phrase.as_slice());
            prop_assert_eq!(has_phrase(&h, &phrase), windows);
            let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
            let stems: Vec<String> = phrase.iter().map(|w| stemmer.stem(w).into_owned()).collect();
            let have: Vec<String> = have.iter().map(|w| stemmer.stem(w).into_owned()).collect();
            let all = stems.iter().all(|w| have.contains(w));
            prop_assert_eq!(Stems(stems, stemmer).all_in(&h), all);
        }
    }

    #[test]
    fn haversine_known_distance() {
        // Berlin to Paris is about 878 km.
        let d = haversine(52.52, 13.405, 48.8566, 2.3522);
        assert!((870_000.0..885_000.0).contains(&d), "{d}");
    }
}
