//! The canonical DSL printer.
//!
//! It is the exact inverse of the parser: `parse(print(a)) == a` for every
//! tree, including the shapes plain `and`/`or`/`not` cannot tell apart (empty
//! lists, a one-item `OR`, a nested group whose only item is a condition…).
//! The grammar in [`crate::parse`] says how an and-chain maps onto the
//! `AND`/`OR`/`NOT` lists; each rule below writes the form that maps back to
//! the node it prints, with as few parentheses as that allows.
//!
//! Printing keeps its work on a heap stack of [`Piece`]s, so trees of any
//! depth print without recursion.

use std::fmt::{self, Write};

use super::{Condition, FieldPath, Filter, Group, Node, Operand, Operator};
use crate::lexical::is_plain_segment;

/// One unit of pending output.
enum Piece<'a> {
    Str(&'static str),
    Cond(&'a Condition),
    /// A group's content as a whole filter would print it, ignoring its
    /// `case_sensitive` flag.
    Body(&'a Group),
    /// A node as a term of an and-chain that lands in the `AND` list; the
    /// flag says whether an `(a or b)` term for the group's `OR` list follows
    /// (the parser takes the last such term as the `OR` list, so an item
    /// that is itself an or-group then needs only one pair of parentheses).
    AndItem(&'a Node, bool),
    /// A node as an operand of `or`, or an argument of `any(…)`.
    OrItem(&'a Node),
    /// A node right after `not`.
    NotItem(&'a Node),
}

/// How [`Piece::Body`] of a group starts and ends, which decides the
/// parentheses its parent needs around it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `true`
    True,
    /// `false`
    False,
    /// `a or b …`
    Or,
    /// A single condition, which bare or in one pair of parentheses reads back
    /// as a condition, not a group.
    SingleCondition,
    /// A single `not …` term, or `all(…)`/`any(…)`/`none(…)`: these read back
    /// as a group wherever they stand.
    SelfContained,
    /// A single parenthesised term.
    SingleParen,
    /// Two or more and-terms.
    Chain,
}

fn is_false(g: &Group) -> bool {
    g.and.is_none() && g.not.is_none() && g.or.as_ref().is_some_and(Vec::is_empty)
}

fn shape(g: &Group) -> Shape {
    if g.is_match_all() {
        return Shape::True;
    }
    if is_false(g) {
        return Shape::False;
    }
    if g.and.is_none() && g.not.is_none() {
        // An `OR` list alone: two or more items print bare, fewer as `any(…)`.
        return if g.or.as_ref().is_some_and(|v| v.len() >= 2) {
            Shape::Or
        } else {
            Shape::SelfContained
        };
    }
    let and_terms = g.and.as_ref().map_or(0, |v| v.len().max(1));
    let or_terms = usize::from(g.or.is_some());
    let not_terms = g.not.as_ref().map_or(0, |v| v.len().max(1));
    if and_terms + or_terms + not_terms > 1 {
        return Shape::Chain;
    }
    match (g.and.as_deref(), g.not.is_some()) {
        (Some([Node::Condition(_)]), _) => Shape::SingleCondition,
        (Some([Node::Group(_)]), _) => Shape::SingleParen,
        _ => Shape::SelfContained,
    }
}

/// True for the and-item renderings that read as a whole group when they are
/// the only term: `true`, `false` and `case_sensitive(…)`.
fn special_item(node: &Node) -> bool {
    matches!(node, Node::Group(h) if h.case_sensitive || h.is_match_all() || is_false(h))
}

/// Writes `filter` as canonical one-line DSL.
pub fn write_dsl(filter: &Filter, out: &mut dyn Write) -> fmt::Result {
    let root = &filter.root;
    let mut stack: Vec<Piece<'_>> = Vec::new();
    if root.case_sensitive {
        stack.extend([
            Piece::Str(")"),
            Piece::Body(root),
            Piece::Str("case_sensitive("),
        ]);
    } else {
        stack.push(Piece::Body(root));
    }
    let mut next = Vec::new();
    while let Some(piece) = stack.pop() {
        match piece {
            Piece::Str(s) => out.write_str(s)?,
            Piece::Cond(c) => write_condition(c, out)?,
            Piece::Body(g) => body(g, &mut next),
            Piece::AndItem(n, or_follows) => item(n, &mut next, |s| match s {
                Shape::SingleCondition => 2,
                Shape::Or if !or_follows => 2,
                _ => 1,
            }),
            Piece::OrItem(n) => item(n, &mut next, |s| match s {
                Shape::SingleCondition => 2,
                Shape::Or | Shape::SingleParen => 1,
                _ => 0,
            }),
            Piece::NotItem(n) => item(n, &mut next, |s| match s {
                Shape::SingleCondition => 2,
                Shape::SelfContained => 0,
                _ => 1,
            }),
        }
        stack.extend(next.drain(..).rev());
    }
    Ok(())
}

/// A node in one of the item positions; `parens` says how many pairs of
/// parentheses a plain group of a given shape needs there.
fn item<'a>(node: &'a Node, next: &mut Vec<Piece<'a>>, parens: impl Fn(Shape) -> usize) {
    let h = match node {
        Node::Condition(c) => return next.push(Piece::Cond(c)),
        Node::Group(h) => h,
    };
    if h.case_sensitive {
        return next.extend([
            Piece::Str("case_sensitive("),
            Piece::Body(h),
            Piece::Str(")"),
        ]);
    }
    let s = shape(h);
    let n = match s {
        Shape::True | Shape::False => 0,
        _ => parens(s),
    };
    next.extend((0..n).map(|_| Piece::Str("(")));
    next.push(Piece::Body(h));
    next.extend((0..n).map(|_| Piece::Str(")")));
}

fn body<'a>(g: &'a Group, next: &mut Vec<Piece<'a>>) {
    match shape(g) {
        Shape::True => return next.push(Piece::Str("true")),
        Shape::False => return next.push(Piece::Str("false")),
        Shape::Or => return or_operands(g.or.as_deref().unwrap_or_default(), next),
        _ => {}
    }
    let lone_special =
        shape(g) == Shape::SingleParen && g.and.as_deref().is_some_and(|v| special_item(&v[0]));
    if lone_special {
        next.push(Piece::Str("("));
    }
    let or_follows = g.or.as_ref().is_some_and(|v| v.len() >= 2);
    let mut first = true;
    let mut sep = |next: &mut Vec<Piece<'a>>| {
        if !std::mem::take(&mut first) {
            next.push(Piece::Str(" and "));
        }
    };
    match g.and.as_deref() {
        Some([]) => {
            sep(next);
            next.push(Piece::Str("all()"));
        }
        Some(items) => items.iter().for_each(|n| {
            sep(next);
            next.push(Piece::AndItem(n, or_follows));
        }),
        None => {}
    }
    match g.or.as_deref() {
        Some([]) => {
            sep(next);
            next.push(Piece::Str("any()"));
        }
        Some([one]) => {
            sep(next);
            next.extend([Piece::Str("any("), Piece::OrItem(one), Piece::Str(")")]);
        }
        Some(items) => {
            sep(next);
            next.push(Piece::Str("("));
            or_operands(items, next);
            next.push(Piece::Str(")"));
        }
        None => {}
    }
    match g.not.as_deref() {
        Some([]) => {
            sep(next);
            next.push(Piece::Str("none()"));
        }
        Some(items) => items.iter().for_each(|n| {
            sep(next);
            next.extend([Piece::Str("not "), Piece::NotItem(n)]);
        }),
        None => {}
    }
    if lone_special {
        next.push(Piece::Str(")"));
    }
}

fn or_operands<'a>(items: &'a [Node], next: &mut Vec<Piece<'a>>) {
    for (i, n) in items.iter().enumerate() {
        if i > 0 {
            next.push(Piece::Str(" or "));
        }
        next.push(Piece::OrItem(n));
    }
}

/// Writes a field path, backticking the segments that are not identifiers
/// (and, for a comparison's field, a first segment that is a keyword).
pub(crate) fn write_path(path: &FieldPath, keyword_safe: bool, out: &mut dyn Write) -> fmt::Result {
    for (i, seg) in path.segments().enumerate() {
        if i > 0 {
            out.write_char('.')?;
        }
        if is_plain_segment(seg, i == 0, keyword_safe) {
            out.write_str(seg)?;
        } else {
            out.write_char('`')?;
            for c in seg.chars() {
                match c {
                    '`' => out.write_str("``")?,
                    '\\' => out.write_str("\\\\")?,
                    c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                        write!(out, "\\u{:04x}", u32::from(c))?;
                    }
                    c => out.write_char(c)?,
                }
            }
            out.write_char('`')?;
        }
    }
    Ok(())
}

fn write_condition(c: &Condition, out: &mut dyn Write) -> fmt::Result {
    if c.case_sensitive {
        out.write_str("case_sensitive ")?;
    }
    write_path(&c.field, true, out)?;
    out.write_char(' ')?;
    match without_value(c) {
        Some(form) => out.write_str(form),
        None => {
            out.write_str(symbol(c.operator))?;
            out.write_char(' ')?;
            write_operand(&c.value, out)
        }
    }
}

/// The form that stands for operator and value together, when there is one:
/// `exists`, `not exists`, `is null`, `is not null` (for a literal boolean).
fn without_value(c: &Condition) -> Option<&'static str> {
    use Operator::*;
    let Operand::Literal(serde_json::Value::Bool(b)) = c.value else {
        return None;
    };
    match c.operator {
        Exists => Some(if b { "exists" } else { "not exists" }),
        IsNull => Some(if b { "is null" } else { "is not null" }),
        Eq | Ne | Gt | Lt | Gte | Lte | In | Nin | Contains | StartsWith | EndsWith | Regex
        | Text | Phrase | Words | GeoRadius | GeoBoundingBox | GeoPolygon => None,
    }
}

/// The DSL spelling of an operator followed by a value.
fn symbol(op: Operator) -> &'static str {
    use Operator::*;
    match op {
        Eq => "=",
        Ne => "!=",
        Gt => ">",
        Gte => ">=",
        Lt => "<",
        Lte => "<=",
        Nin => "not in",
        Regex => "matches",
        In | Contains | StartsWith | EndsWith | Exists | IsNull | Text | Phrase | Words
        | GeoRadius | GeoBoundingBox | GeoPolygon => op.name(),
    }
}

pub(crate) fn write_operand(v: &Operand, out: &mut dyn Write) -> fmt::Result {
    match v {
        Operand::Literal(json) => out.write_str(&json.to_string()),
        Operand::Dynamic(path) => {
            out.write_char('$')?;
            write_path(path, false, out)
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_dsl(self, f)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_condition(self, f)
    }
}

impl fmt::Display for FieldPath {
    /// The path as the DSL writes it (backticks where needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_path(self, true, f)
    }
}
