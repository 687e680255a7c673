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

mod ops;
mod record;

pub(crate) use ops::{instant, lower};
pub use record::{lookup_json, ClusterRecord, Field, Found, Leaf, RawBuffer, RawRecord, Record};

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use serde_json::Value;

use crate::ast::{Condition, Filter, Fold, Group, GroupParts, Operand, Operator, Scope};
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::Limits;

use ops::Test;

/// A compiled filter: `Send + Sync`, cheap to share across threads.
#[derive(Debug)]
pub struct Predicate {
    root: Node,
}

#[derive(Debug)]
enum Node {
    Const(bool),
    Cond(Box<Cond>),
    Group {
        and: Vec<Node>,
        or: Option<Vec<Node>>,
        not: Vec<Node>,
    },
}

#[derive(Debug)]
struct Cond {
    path: Box<[Box<str>]>,
    test: Test,
    /// `ne` and `nin` are `not eq` and `not in`.
    negate: bool,
    /// See [`Cond::slot`].
    slot: AtomicU64,
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

impl Node {
    fn eval<R: Record>(&self, r: &R) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Cond(c) => c.eval(r),
            Node::Group { and, or, not } => {
                and.iter().all(|n| n.eval(r))
                    && !not.iter().any(|n| n.eval(r))
                    && or.as_ref().is_none_or(|o| o.iter().any(|n| n.eval(r)))
            }
        }
    }
}

/// `Cond::slot` when nothing is cached yet.
const NO_SLOT: u16 = u16::MAX;

impl Cond {
    fn eval<R: Record>(&self, r: &R) -> bool {
        let mut found = false;
        let mut hit = false;
        let mut seen = |leaf: Leaf<'_>| {
            found = true;
            hit = hit || self.test.leaf(leaf);
            hit
        };
        match self.slot::<R>() {
            NO_SLOT => r.lookup(&self.path, &mut seen),
            slot => r.lookup_slot(slot, &self.path[1..], &mut seen),
        }
        self.test.outcome(found, hit) != self.negate
    }

    /// The record type's number for the first path segment, cached per
    /// condition for the last record type seen (keyed by its type name).
    fn slot<R: Record>(&self) -> u16 {
        let key = (std::any::type_name::<R>().as_ptr() as u64) << 16;
        let cached = self.slot.load(Relaxed);
        if cached & !0xFFFF == key {
            return cached as u16;
        }
        let slot = R::slot(&self.path[0]).unwrap_or(NO_SLOT);
        self.slot.store(key | u64::from(slot), Relaxed);
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
    type Output = Node;
    type Error = Error;

    fn condition(&mut self, c: &Condition, scope: Scope) -> Result<Node, Error> {
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
        let negate = matches!(c.operator, Operator::Ne | Operator::Nin);
        let test = Test::new(c.operator, value, scope.case_sensitive, self.limits)
            .map_err(|e| e.with_span(c.span, "in this condition"))?;
        Ok(Node::Cond(Box::new(Cond {
            path: c.field.segments().map(Box::from).collect(),
            test,
            negate,
            slot: AtomicU64::new(0),
        })))
    }

    fn group(&mut self, _: &Group, parts: GroupParts<Node>, _: Scope) -> Result<Node, Error> {
        let GroupParts { and, or, not } = parts;
        let and = and.unwrap_or_default();
        let not = not.unwrap_or_default();
        Ok(match (and.len(), &or, not.len()) {
            (0, None, 0) => Node::Const(true),
            (0, Some(o), 0) if o.is_empty() => Node::Const(false),
            (1, None, 0) => and.into_iter().next().expect("one item"),
            _ => Node::Group { and, or, not },
        })
    }
}
