//! The in-memory evaluator: the reference meaning of every operator (SPEC §3;
//! the table with its edge cases is `docs/semantics.md`).
//!
//! [`Predicate::compile`] does everything that can be done once — regexes
//! compiled, constants case-folded, paths split, stems computed, geo shapes
//! prepared, dynamic values bound — and [`Predicate::matches`] then answers
//! for any [`Record`]: a `serde_json::Value`, a [`RawRecord`] read straight
//! from JSON text, a [`ClusterRecord`], or your own type.
//!
//! ```
//! use serde_json::json;
//! use siftql::eval::Predicate;
//!
//! let p = Predicate::new(&r#"status = "active" and num_clusters >= 5"#.parse()?)?;
//! assert!(p.matches(&json!({"status": "ACTIVE", "num_clusters": 5.0})));
//! assert!(!p.matches(&json!({"status": "active"})));
//! # Ok::<(), siftql::Error>(())
//! ```

mod fold;
mod geo;
mod instant;
mod literal;
mod number;
mod record;
mod test;
mod text;
mod typed;
mod value;

#[cfg(feature = "sql")]
pub(crate) use fold::lower;
#[cfg(feature = "sql")]
pub(crate) use instant::instant;
#[cfg(feature = "sql")]
pub(crate) use record::repeated_key;
pub use record::{
    lookup_json, ClusterRecord, Direct, Field, Found, Leaf, RawBuffer, RawRecord, Record,
};
#[cfg(feature = "sql")]
pub(crate) use text::words;
pub use typed::{Accessors, TypedPredicate};

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use serde_json::Value;

use crate::ast::{Condition, Filter, Fold, Group, GroupParts, Operand, Scope};
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::Limits;

use test::Test;

/// A compiled filter: `Send + Sync`, cheap to share across threads.
#[derive(Debug)]
pub struct Predicate {
    root: Step,
}

/// The compiled tree. Compiling normalises it without changing its meaning
/// (evaluation has no side effects, so order and grouping are free):
/// nested `AND`s are flattened, a negated condition becomes a condition with
/// the opposite answer, constants are folded, and the conditions of one list
/// on the same top-level field are merged into one [`FieldStep`] that reads
/// the field once per record.
#[derive(Debug)]
enum Step {
    Const(bool),
    /// Conditions on one top-level field.
    Field(Box<FieldStep>),
    /// A condition on a longer path.
    Path(Box<Clause>),
    /// Every `all` item holds, no `none` item holds, and (when present) some
    /// `any` item holds.
    Group {
        all: Box<[Step]>,
        none: Box<[Step]>,
        any: Option<Box<[Step]>>,
    },
}

/// One operator test and whether its answer is inverted (`ne`, `nin`, and
/// conditions under `NOT`).
#[derive(Debug)]
struct Check {
    test: Test,
    negate: bool,
}

impl Check {
    fn missing(&self) -> bool {
        self.test.outcome(false, false) != self.negate
    }

    #[inline(always)]
    fn present(&self, leaf: Leaf<'_>) -> bool {
        self.test.present(leaf) != self.negate
    }

    /// The answer over every value found at `path`; `slot` is the record
    /// type's number for its first segment, if any.
    fn scan<R: Record>(&self, r: &R, slot: u16, path: &[Box<str>]) -> bool {
        let mut found = false;
        let mut hit = false;
        let mut seen = |leaf: Leaf<'_>| {
            found = true;
            hit = hit || self.test.leaf(leaf);
            hit
        };
        match slot {
            NO_SLOT => r.lookup(path, &mut seen),
            slot => r.lookup_slot(slot, &path[1..], &mut seen),
        }
        self.test.outcome(found, hit) != self.negate
    }
}

/// Conditions on one top-level field, read once per record through
/// [`Record::get`] / [`Record::get_slot`] when the record supports that.
#[derive(Debug)]
struct FieldStep {
    /// The one-segment path.
    path: Box<[Box<str>]>,
    checks: Vec<Check>,
    /// All checks must hold; otherwise any.
    all: bool,
    /// The answer when the field is missing.
    on_missing: bool,
    slot: SlotCache,
}

/// A condition on a path of two or more segments.
#[derive(Debug)]
struct Clause {
    path: Box<[Box<str>]>,
    check: Check,
    slot: SlotCache,
}

/// Values for dynamic operands (`$inputs.q`), as a JSON object. A name is
/// looked up first as a whole key (`{"inputs.q": …}`), then as a path
/// (`{"inputs": {"q": …}}`).
pub type Bindings = serde_json::Map<String, Value>;

impl Predicate {
    /// Compiles a filter that has no dynamic values, with default [`Limits`].
    pub fn new(filter: &Filter) -> Result<Predicate, Error> {
        Predicate::compile(filter, &Bindings::new())
    }

    /// Compiles a filter, binding its dynamic values.
    pub fn compile(filter: &Filter, bindings: &Bindings) -> Result<Predicate, Error> {
        Predicate::compile_with(filter, bindings, &Limits::default())
    }

    /// Compiles a filter with explicit limits (regex size, nesting depth).
    pub fn compile_with(
        filter: &Filter,
        bindings: &Bindings,
        limits: &Limits,
    ) -> Result<Predicate, Error> {
        // Evaluation recurses once per group level; the parser's cap keeps
        // that bounded for trees built through the API too.
        if filter.depth() > Limits::DEPTH_CAP {
            return Err(Error::new(
                ErrorCode::TooDeep,
                format!(
                    "filter nests deeper than {} groups, the most the evaluator takes",
                    Limits::DEPTH_CAP
                ),
            ));
        }
        let root = filter.fold(&mut Compiler { bindings, limits })?;
        Ok(Predicate { root })
    }

    /// Does the record match?
    pub fn matches<R: Record>(&self, record: &R) -> bool {
        self.root.eval(record)
    }
}

impl Step {
    fn eval<R: Record>(&self, r: &R) -> bool {
        match self {
            Step::Field(f) => f.eval(r),
            Step::Path(c) => c.eval(r),
            Step::Const(b) => *b,
            Step::Group { all, none, any } => {
                all.iter().all(|n| n.eval(r))
                    && !none.iter().any(|n| n.eval(r))
                    && any.as_ref().is_none_or(|o| o.iter().any(|n| n.eval(r)))
            }
        }
    }
}

impl FieldStep {
    #[inline(always)]
    fn eval<R: Record>(&self, r: &R) -> bool {
        let slot = self.slot.get::<R>(&self.path[0]);
        let direct = match slot {
            NO_SLOT => r.get(&self.path[0]),
            slot => r.get_slot(slot),
        };
        match direct {
            Direct::Missing => self.on_missing,
            Direct::Value(leaf) => self.answer(leaf),
            Direct::Lookup => {
                let one = |c: &Check| c.scan(r, slot, &self.path);
                if self.all {
                    self.checks.iter().all(one)
                } else {
                    self.checks.iter().any(one)
                }
            }
        }
    }

    /// The answer for a field present with this value.
    #[inline(always)]
    fn answer(&self, leaf: Leaf<'_>) -> bool {
        if let [check] = &*self.checks {
            return check.present(leaf);
        }
        self.combine(|c| c.present(leaf))
    }

    /// All or any of the checks, by `self.all`.
    #[inline(always)]
    fn combine(&self, check: impl FnMut(&Check) -> bool) -> bool {
        if self.all {
            self.checks.iter().all(check)
        } else {
            self.checks.iter().any(check)
        }
    }

    fn merge(&mut self, other: FieldStep, all: bool) {
        self.checks.extend(other.checks);
        self.all = all;
        self.on_missing = if all {
            self.checks.iter().all(Check::missing)
        } else {
            self.checks.iter().any(Check::missing)
        };
    }

    /// Can stand in a list whose items combine by `all` (true: `AND`,
    /// false: `OR`) as one of them.
    fn fits(&self, all: bool) -> bool {
        self.checks.len() == 1 || self.all == all
    }
}

impl Clause {
    fn eval<R: Record>(&self, r: &R) -> bool {
        let slot = self.slot.get::<R>(&self.path[0]);
        self.check.scan(r, slot, &self.path)
    }
}

/// [`SlotCache::get`] when the record type has no number for the field.
const NO_SLOT: u16 = u16::MAX;

/// The record type's number ([`Record::slot`]) for a top-level field name,
/// cached for the last record type seen (keyed by its type name).
#[derive(Debug, Default)]
struct SlotCache(AtomicU64);

impl SlotCache {
    fn get<R: Record>(&self, name: &str) -> u16 {
        let key = (std::any::type_name::<R>().as_ptr() as u64) << 16;
        let cached = self.0.load(Relaxed);
        if cached & !0xFFFF == key {
            return cached as u16;
        }
        let slot = R::slot(name).unwrap_or(NO_SLOT);
        self.0.store(key | u64::from(slot), Relaxed);
        slot
    }
}

struct Compiler<'b, 'l> {
    bindings: &'b Bindings,
    limits: &'l Limits,
}

pub(crate) fn binding<'b>(bindings: &'b Bindings, name: &str) -> Option<&'b Value> {
    if let Some(v) = bindings.get(name) {
        return Some(v);
    }
    let mut segs = name.split('.');
    let mut v = bindings.get(segs.next()?)?;
    for seg in segs {
        v = v.get(seg)?;
    }
    Some(v)
}

impl Fold for Compiler<'_, '_> {
    type Output = Step;
    type Error = Error;

    fn condition(&mut self, c: &Condition, scope: Scope) -> Result<Step, Error> {
        let value = match &c.value {
            Operand::Literal(v) => v,
            Operand::Dynamic(name) => {
                let v = binding(self.bindings, name.as_str()).ok_or_else(|| {
                    Error::new(
                        ErrorCode::UnboundDynamic,
                        format!("no value bound for `${}`", name.as_str()),
                    )
                    .with_span(c.span, "dynamic value used here")
                    .with_help(format!("bind it, e.g. `--bind {}=<json>`", name.as_str()))
                })?;
                let bound = Operand::Literal(v.clone());
                check_operand(c.operator, &bound, self.limits).map_err(|p| {
                    p.into_error()
                        .with_span(c.span, format!("bound value of `${}`", name.as_str()))
                })?;
                v
            }
        };
        if c.field.segments().count() > Limits::DEPTH_CAP {
            return Err(Error::new(
                ErrorCode::TooDeep,
                format!("field path has more than {} segments", Limits::DEPTH_CAP),
            )
            .with_span(c.span, ""));
        }
        let negate = Test::inverts(c.operator);
        let test = Test::new(c.operator, value, scope.case_sensitive, self.limits)
            .map_err(|e| e.with_span(c.span, "in this condition"))?;
        let check = Check { test, negate };
        let path: Box<[Box<str>]> = c.field.segments().map(Box::from).collect();
        Ok(if path.len() == 1 {
            Step::Field(Box::new(FieldStep {
                path,
                on_missing: check.missing(),
                checks: vec![check],
                all: true,
                slot: SlotCache::default(),
            }))
        } else {
            Step::Path(Box::new(Clause {
                path,
                check,
                slot: SlotCache::default(),
            }))
        })
    }

    fn group(&mut self, _: &Group, parts: GroupParts<Step>, _: Scope) -> Result<Step, Error> {
        let GroupParts { and, or, not } = parts;
        let mut b = Builder::default();
        for n in and.into_iter().flatten() {
            b.push_all(n);
        }
        for n in not.into_iter().flatten() {
            b.push_none(n);
        }
        if let Some(items) = or {
            b.push_any(items);
        }
        Ok(b.finish())
    }
}

/// Builds one normalised group (see [`Step`]).
#[derive(Default)]
struct Builder {
    all: Vec<Step>,
    none: Vec<Step>,
    any: Option<Vec<Step>>,
    /// Known to be false.
    never: bool,
}

impl Builder {
    fn push_all(&mut self, n: Step) {
        match n {
            Step::Const(true) => {}
            Step::Const(false) => self.never = true,
            Step::Group {
                all,
                none,
                any: None,
            } => {
                self.all.extend(all);
                self.none.extend(none);
            }
            n => self.all.push(n),
        }
    }

    fn push_none(&mut self, n: Step) {
        match n {
            Step::Const(false) => {}
            Step::Const(true) => self.never = true,
            Step::Field(mut f) if f.checks.len() == 1 => {
                f.checks[0].negate = !f.checks[0].negate;
                f.on_missing = !f.on_missing;
                self.all.push(Step::Field(f));
            }
            Step::Path(mut c) => {
                c.check.negate = !c.check.negate;
                self.all.push(Step::Path(c));
            }
            // NOT (a OR b) is NOT a, NOT b.
            Step::Group {
                all,
                none,
                any: Some(any),
            } if all.is_empty() && none.is_empty() => {
                for n in any {
                    self.push_none(n);
                }
            }
            n => self.none.push(n),
        }
    }

    fn push_any(&mut self, items: Vec<Step>) {
        let mut any = Vec::with_capacity(items.len());
        let mut always = false;
        let mut add = |n: Step, any: &mut Vec<Step>| match n {
            Step::Const(false) => {}
            Step::Const(true) => always = true,
            n => any.push(n),
        };
        for n in items {
            match n {
                Step::Group {
                    all,
                    none,
                    any: Some(inner),
                } if all.is_empty() && none.is_empty() => {
                    for n in inner {
                        add(n, &mut any);
                    }
                }
                n => add(n, &mut any),
            }
        }
        if always {
            return;
        }
        match any.len() {
            0 => self.never = true,
            1 => self.push_all(any.pop().expect("one item")),
            _ => self.any = Some(any),
        }
    }

    fn finish(self) -> Step {
        if self.never {
            return Step::Const(false);
        }
        let mut any = self.any.map(|a| merge_fields(a, false));
        let mut items = self.all;
        if let Some(a) = any.take_if(|a| a.len() == 1) {
            items.extend(a);
        }
        let mut all = merge_fields(items, true);
        // Cheap items first: fields, then paths, then groups.
        all.sort_by_key(|n| match n {
            Step::Const(_) | Step::Field(_) => 0,
            Step::Path(_) => 1,
            Step::Group { .. } => 2,
        });
        let none = merge_fields(self.none, false);
        match (all.len(), none.len(), &any) {
            (0, 0, None) => Step::Const(true),
            (1, 0, None) => all.pop().expect("one item"),
            _ => Step::Group {
                all: all.into(),
                none: none.into(),
                any: any.map(Vec::into_boxed_slice),
            },
        }
    }
}

/// Merges the field steps on the same field in a list combined by `all`.
fn merge_fields(items: Vec<Step>, all: bool) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::with_capacity(items.len());
    for n in items {
        match n {
            Step::Field(f) if f.fits(all) => {
                let earlier = out.iter_mut().find_map(|o| match o {
                    Step::Field(e) if e.fits(all) && e.path == f.path => Some(e),
                    _ => None,
                });
                match earlier {
                    Some(e) => e.merge(*f, all),
                    None => out.push(Step::Field(f)),
                }
            }
            n => out.push(n),
        }
    }
    out
}
