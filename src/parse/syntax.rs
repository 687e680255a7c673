//! The syntax tree: a DSL expression as it was written, before lowering
//! sorts it into `AND` / `OR` / `NOT` lists (see "Two trees" in the module
//! docs of [`crate::parse`]).

use crate::ast::{Condition, ListKind, Span};

/// An expression and where it was written.
#[derive(Debug)]
pub(super) struct Expr {
    pub kind: Kind,
    pub span: Span,
}

/// What an expression is, as written.
#[derive(Debug)]
pub(super) enum Kind {
    /// A comparison, checked and with its span: `field op value`.
    Cmp(Box<Condition>),
    /// `( e )`
    Paren(Box<Expr>),
    /// `not e` (also `x not contains …`, which negates one comparison).
    Not(Box<Expr>),
    /// `a and b and …`, two or more terms.
    And(Vec<Expr>),
    /// `a or b or …`, two or more operands.
    Or(Vec<Expr>),
    /// `case_sensitive( e )`
    CaseSensitive(Box<Expr>),
    /// `true`
    True,
    /// `false`
    False,
    /// `all(…)`, `any(…)`, `none(…)`: the list they add to, and their arguments.
    List(ListKind, Vec<Expr>),
}
