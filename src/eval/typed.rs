//! A [`Predicate`] specialised to one record type: [`Predicate::typed`].
//!
//! [`Predicate::matches`] works for any [`Record`] through one compiled tree,
//! so each condition pays for a few decisions on every record: which field,
//! which operator, which kind of value. A [`TypedPredicate`] makes those
//! decisions once. For a field the record type describes through
//! [`Record::accessor`], the condition becomes a closure with that field's
//! read and its operator's test compiled into it; anything else keeps the
//! general path. Both give the same answers (a property test checks it).

use serde_json::Number;

use std::cmp::Ordering;

use super::number::{num_cmp, num_key_of, NumKey, RangeOp};
use super::record::{Direct, Field, Leaf, Record};
use super::test::Test;
use super::text::{Needle, StrLit, StrSet};
use super::{Check, FieldStep, Predicate, Step};

/// One compiled part of a [`TypedPredicate`].
type Eval<'p, R> = Box<dyn Fn(&R) -> bool + Send + Sync + 'p>;

/// A [`Predicate`] specialised to the record type `R`, made by
/// [`Predicate::typed`]. Use it in loops over many records of one type. It
/// borrows the predicate: keep the [`Predicate`] (or an `Arc` of it) where
/// the loop can see it, and make the `TypedPredicate` next to the loop
/// (making one allocates a closure per field and group, nothing per record).
///
/// ```
/// use siftql::eval::{ClusterRecord, Field, Predicate};
///
/// let p = Predicate::new(&r#"status = "completed" and num_clusters >= 10"#.parse()?)?;
/// let typed = p.typed::<ClusterRecord>();
/// let record = ClusterRecord {
///     status: Field::Value("COMPLETED".into()),
///     num_clusters: Field::Value(12.into()),
///     ..Default::default()
/// };
/// assert!(typed.matches(&record));
/// # Ok::<(), siftql::Error>(())
/// ```
pub struct TypedPredicate<'p, R> {
    root: Eval<'p, R>,
}

impl<R> std::fmt::Debug for TypedPredicate<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedPredicate")
            .field("record", &std::any::type_name::<R>())
            .finish_non_exhaustive()
    }
}

impl<R> TypedPredicate<'_, R> {
    /// Does the record match? The same answer as [`Predicate::matches`], as
    /// long as the record type's [`Record::accessor`] reads what its
    /// [`Record::lookup`] finds (see [`Accessors`]).
    #[inline]
    pub fn matches(&self, record: &R) -> bool {
        (self.root)(record)
    }
}

impl Predicate {
    /// Specialises this predicate to the record type `R` (see
    /// [`TypedPredicate`]). Worth it for types that implement
    /// [`Record::accessor`], such as [`ClusterRecord`](super::ClusterRecord):
    /// there it takes about half the time of [`Predicate::matches`]
    /// (`cargo bench --bench eval`). Fields without an accessor are read as
    /// `matches` reads them.
    #[must_use]
    pub fn typed<'p, R: Record + 'p>(&'p self) -> TypedPredicate<'p, R> {
        TypedPredicate {
            root: step(&self.root),
        }
    }
}

fn step<'p, R: Record + 'p>(n: &'p Step) -> Eval<'p, R> {
    match n {
        Step::Const(b) => {
            let b = *b;
            Box::new(move |_| b)
        }
        Step::Field(f) => {
            R::accessor(&f.path[0], Fields(f)).unwrap_or_else(|| Box::new(move |r| f.eval(r)))
        }
        Step::Path(c) => Box::new(move |r| c.eval(r)),
        Step::Group { all, none, any } => {
            let list =
                |items: &'p [Step]| -> Box<[Eval<'p, R>]> { items.iter().map(step).collect() };
            let all = list(all);
            let none = list(none);
            match any {
                None if none.is_empty() => Box::new(move |r| all.iter().all(|f| f(r))),
                None => Box::new(move |r| all.iter().all(|f| f(r)) && !none.iter().any(|f| f(r))),
                Some(any) => {
                    let any = list(any);
                    Box::new(move |r| {
                        all.iter().all(|f| f(r))
                            && !none.iter().any(|f| f(r))
                            && any.iter().any(|f| f(r))
                    })
                }
            }
        }
    }
}

/// Reads of a record's top-level fields, each as a value of a known kind,
/// handed to [`Record::accessor`]: the record type calls the method for its
/// field's kind with a function that reads the field. Sealed: implemented by
/// siftql only (so kinds can be added), a record type only calls it.
///
/// Each read must agree with [`Record::lookup`] on the one-segment path:
/// [`Field::Missing`] where `lookup` finds nothing, [`Field::Null`] where it
/// finds `null`, and otherwise the one value it finds.
pub trait Accessors<R>: sealed::Sealed {
    /// What the accessor is turned into.
    type Output;

    /// A field holding a string (or `null`, or nothing).
    fn string<G>(self, get: G) -> Self::Output
    where
        G: for<'a> Fn(&'a R) -> Field<&'a str> + Send + Sync + 'static;

    /// A field holding a JSON number.
    fn number<G>(self, get: G) -> Self::Output
    where
        G: for<'a> Fn(&'a R) -> Field<&'a Number> + Send + Sync + 'static;

    /// A field holding a boolean.
    fn boolean<G>(self, get: G) -> Self::Output
    where
        G: for<'a> Fn(&'a R) -> Field<bool> + Send + Sync + 'static;

    /// Any other field, read as [`Record::get`] reads it.
    fn direct<G>(self, get: G) -> Self::Output
    where
        G: for<'a> Fn(&'a R) -> Direct<'a> + Send + Sync + 'static;
}

/// Turns a field's accessor and the conditions on it into one closure.
struct Fields<'p>(&'p FieldStep);

mod sealed {
    /// Keeps [`Accessors`](super::Accessors) implemented by siftql only.
    pub trait Sealed {}

    impl Sealed for super::Fields<'_> {}
}

/// A closure over one field read by `$get`: `$value` when it holds a value
/// (bound to `$v`), the field step's answers for `null` and missing otherwise.
macro_rules! read {
    ($f:expr, $get:ident, $v:pat => $value:expr) => {{
        let (missing, null) = ($f.on_missing, $f.answer(Leaf::Null));
        Box::new(move |r: &R| match $get(r) {
            Field::Value($v) => $value,
            Field::Null => null,
            Field::Missing => missing,
        })
    }};
}

/// One check on a string value, its test picked once.
enum StrCheck<'p> {
    Eq(&'p StrLit, bool),
    In(&'p StrSet, bool),
    Starts(&'p StrLit, bool),
    Ends(&'p StrLit, bool),
    Contains(&'p Needle, bool),
    /// The same answer for every string.
    Fixed(bool),
    Other(&'p Check),
}

impl<'p> StrCheck<'p> {
    fn new(check: &'p Check) -> StrCheck<'p> {
        let neg = check.negate;
        match &check.test {
            Test::EqStr(lit) => StrCheck::Eq(lit, neg),
            Test::InStrs(set) => StrCheck::In(set, neg),
            Test::StartsWith(lit) => StrCheck::Starts(lit, neg),
            Test::EndsWith(lit) => StrCheck::Ends(lit, neg),
            Test::ContainsStr(needle) => StrCheck::Contains(needle, neg),
            Test::Exists(_) | Test::IsNull(_) => StrCheck::Fixed(check.present(Leaf::Str(""))),
            _ => StrCheck::Other(check),
        }
    }

    #[inline(always)]
    fn holds(&self, s: &str) -> bool {
        match *self {
            StrCheck::Eq(lit, neg) => lit.eq(s) != neg,
            StrCheck::In(set, neg) => set.contains(s) != neg,
            StrCheck::Starts(lit, neg) => lit.starts(s) != neg,
            StrCheck::Ends(lit, neg) => lit.ends(s) != neg,
            StrCheck::Contains(needle, neg) => needle.contained_in(s) != neg,
            StrCheck::Fixed(answer) => answer,
            StrCheck::Other(check) => check.present(Leaf::Str(s)),
        }
    }
}

/// One check on a number, its test picked once.
enum NumCheck<'p> {
    /// Against an integer: an integer value passes when it lies in
    /// `lo..=hi`, another through `test`.
    Int {
        lo: i64,
        hi: i64,
        test: NumTest,
        neg: bool,
    },
    Num(NumTest, bool),
    /// The same answer for every number.
    Fixed(bool),
    Other(&'p Check),
}

/// `eq` or a range, against a number.
#[derive(Clone, Copy)]
enum NumTest {
    Eq(NumKey),
    Range(RangeOp, NumKey),
}

impl NumTest {
    #[inline(always)]
    fn holds(self, key: NumKey) -> bool {
        match self {
            NumTest::Eq(k) => num_cmp(key, k) == Some(Ordering::Equal),
            NumTest::Range(op, k) => op.holds(num_cmp(key, k)),
        }
    }

    /// The integers that pass, as `lo..=hi` (empty when `lo > hi`), when
    /// the literal is an integer.
    fn int_bounds(self) -> Option<(i64, i64)> {
        let (op, k) = match self {
            NumTest::Eq(NumKey::Int(k)) => return Some((k, k)),
            NumTest::Range(op, NumKey::Int(k)) => (op, k),
            _ => return None,
        };
        const EMPTY: (i64, i64) = (1, 0);
        Some(match op {
            RangeOp::Gt => k.checked_add(1).map_or(EMPTY, |lo| (lo, i64::MAX)),
            RangeOp::Gte => (k, i64::MAX),
            RangeOp::Lt => k.checked_sub(1).map_or(EMPTY, |hi| (i64::MIN, hi)),
            RangeOp::Lte => (i64::MIN, k),
        })
    }
}

impl<'p> NumCheck<'p> {
    fn new(check: &'p Check) -> NumCheck<'p> {
        let (test, neg) = match &check.test {
            Test::EqNum(k) => (NumTest::Eq(*k), check.negate),
            Test::RangeNum(op, k) => (NumTest::Range(*op, *k), check.negate),
            Test::Exists(_) | Test::IsNull(_) => {
                return NumCheck::Fixed(check.present(Leaf::I64(0)))
            }
            _ => return NumCheck::Other(check),
        };
        match test.int_bounds() {
            Some((lo, hi)) => NumCheck::Int { lo, hi, test, neg },
            None => NumCheck::Num(test, neg),
        }
    }

    #[inline(always)]
    fn holds(&self, key: NumKey, n: &Number) -> bool {
        match *self {
            NumCheck::Int { lo, hi, test, neg } => in_bounds(key, lo, hi, test) != neg,
            NumCheck::Num(test, neg) => test.holds(key) != neg,
            NumCheck::Fixed(answer) => answer,
            NumCheck::Other(check) => check.present(Leaf::from(n)),
        }
    }
}

/// `test` on `key`, through the bounds when `key` is an integer.
#[inline(always)]
fn in_bounds(key: NumKey, lo: i64, hi: i64, test: NumTest) -> bool {
    match key {
        NumKey::Int(x) => lo <= x && x <= hi,
        key => test.holds(key),
    }
}

/// Checks with one answer for every value of the field's kind (`fixed`
/// says which) decide their list — false under AND (`all`), true under OR —
/// or drop out of it.
fn fold_fixed<C>(
    mut checks: Vec<C>,
    all: bool,
    fixed: impl Fn(&C) -> Option<bool>,
    make: impl Fn(bool) -> C,
) -> Vec<C> {
    if checks.iter().any(|c| fixed(c) == Some(!all)) {
        return vec![make(!all)];
    }
    if checks.iter().all(|c| fixed(c).is_some()) {
        return vec![make(all)];
    }
    checks.retain(|c| fixed(c).is_none());
    checks
}

impl<'p, R: Record + 'p> Accessors<R> for Fields<'p> {
    type Output = Eval<'p, R>;

    fn string<G>(self, get: G) -> Eval<'p, R>
    where
        G: for<'a> Fn(&'a R) -> Field<&'a str> + Send + Sync + 'static,
    {
        let f = self.0;
        let checks = fold_fixed(
            f.checks.iter().map(StrCheck::new).collect(),
            f.all,
            |c| match c {
                StrCheck::Fixed(answer) => Some(*answer),
                _ => None,
            },
            StrCheck::Fixed,
        );
        // One closure per test for a single check, so that it is inlined.
        match *checks {
            [StrCheck::Eq(lit, neg)] => read!(f, get, s => lit.eq(s) != neg),
            [StrCheck::In(set, neg)] => read!(f, get, s => set.contains(s) != neg),
            [StrCheck::Starts(lit, neg)] => read!(f, get, s => lit.starts(s) != neg),
            [StrCheck::Ends(lit, neg)] => read!(f, get, s => lit.ends(s) != neg),
            [StrCheck::Contains(needle, neg)] => read!(f, get, s => needle.contained_in(s) != neg),
            [StrCheck::Fixed(answer)] => read!(f, get, _ => answer),
            _ if f.all => read!(f, get, s => checks.iter().all(|c| c.holds(s))),
            _ => read!(f, get, s => checks.iter().any(|c| c.holds(s))),
        }
    }

    fn number<G>(self, get: G) -> Eval<'p, R>
    where
        G: for<'a> Fn(&'a R) -> Field<&'a Number> + Send + Sync + 'static,
    {
        let f = self.0;
        let checks = fold_fixed(
            f.checks.iter().map(NumCheck::new).collect(),
            f.all,
            |c| match c {
                NumCheck::Fixed(answer) => Some(*answer),
                _ => None,
            },
            NumCheck::Fixed,
        );
        match *checks {
            [NumCheck::Fixed(answer)] => read!(f, get, _ => answer),
            [NumCheck::Int { lo, hi, test, neg }] => {
                read!(f, get, n => in_bounds(num_key_of(n), lo, hi, test) != neg)
            }
            [NumCheck::Num(test, neg)] => read!(f, get, n => test.holds(num_key_of(n)) != neg),
            _ if f.all => read!(f, get, n => {
                let key = num_key_of(n);
                checks.iter().all(|c| c.holds(key, n))
            }),
            _ => read!(f, get, n => {
                let key = num_key_of(n);
                checks.iter().any(|c| c.holds(key, n))
            }),
        }
    }

    fn boolean<G>(self, get: G) -> Eval<'p, R>
    where
        G: for<'a> Fn(&'a R) -> Field<bool> + Send + Sync + 'static,
    {
        let f = self.0;
        // Two values: answer both now.
        let (yes, no) = (f.answer(Leaf::Bool(true)), f.answer(Leaf::Bool(false)));
        read!(f, get, b => if b { yes } else { no })
    }

    fn direct<G>(self, get: G) -> Eval<'p, R>
    where
        G: for<'a> Fn(&'a R) -> Direct<'a> + Send + Sync + 'static,
    {
        let f = self.0;
        Box::new(move |r: &R| match get(r) {
            Direct::Missing => f.on_missing,
            Direct::Value(leaf) => f.answer(leaf),
            Direct::Lookup => f.eval(r),
        })
    }
}
