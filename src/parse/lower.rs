//! Lowering: the syntax tree ([`super::syntax`]) to the AST, by the mapping
//! from and/or/not expressions to `AND` / `OR` / `NOT` lists that the
//! [`crate::parse`] module docs describe (in the spirit of regex-syntax's
//! `hir::translate`). It also enforces `max_depth` and `max_nodes` on the
//! groups and conditions it builds.

use crate::ast::{Filter, Group, ListKind, Node, Span};
use crate::error::Error;
use crate::limits::too_deep;
use crate::Limits;

use super::syntax::{Expr, Kind};

/// The filter a parsed expression stands for (`None`, blank input, is
/// `true`).
pub(super) fn filter(expr: Option<Expr>, limits: &Limits) -> Result<Filter, Error> {
    let Some(expr) = expr else {
        return Ok(Filter::default());
    };
    let mut conv = Convert { limits, nodes: 0 };
    Ok(Filter {
        root: conv.group(expr, 1)?,
    })
}

/// Sorts parsed expressions into groups (the mapping in the module docs).
struct Convert<'l> {
    limits: &'l Limits,
    nodes: usize,
}

impl Convert<'_> {
    fn count(&mut self, span: Span) -> Result<(), Error> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(crate::limits::too_many_nodes(self.limits)
                .with_span(span, "the limit is reached here"));
        }
        Ok(())
    }

    /// The group an expression stands for (`depth` is the group's own).
    fn group(&mut self, e: Expr, depth: usize) -> Result<Group, Error> {
        if depth > self.limits.depth() {
            return Err(too_deep(self.limits).with_span(e.span, "this group is too deep"));
        }
        self.count(e.span)?;
        let span = e.span;
        let mut g = match e.kind {
            Kind::True => Group::default(),
            Kind::False => Group::any(Vec::new()),
            Kind::Or(items) => Group::any(self.nodes_of(items, depth)?),
            Kind::CaseSensitive(inner) => {
                self.nodes -= 1;
                let mut g = self.group(*inner, depth)?;
                g.case_sensitive = true;
                g
            }
            Kind::And(terms) => self.chain(terms, depth)?,
            kind => self.chain(vec![Expr { kind, span }], depth)?,
        };
        g.span = span;
        Ok(g)
    }

    fn chain(&mut self, terms: Vec<Expr>, depth: usize) -> Result<Group, Error> {
        let is_or =
            |t: &Expr| matches!(&t.kind, Kind::Paren(inner) if matches!(inner.kind, Kind::Or(_)));
        let last_or = terms.iter().rposition(is_or);
        let mut g = Group::default();
        for (i, t) in terms.into_iter().enumerate() {
            match t.kind {
                Kind::Not(inner) => {
                    let n = self.node(*inner, depth)?;
                    g.not.get_or_insert_with(Vec::new).push(n);
                }
                Kind::Paren(inner) if g.or.is_none() && Some(i) == last_or => {
                    let Kind::Or(items) = inner.kind else {
                        unreachable!()
                    };
                    g.or = Some(self.nodes_of(items, depth)?);
                }
                Kind::List(ListKind::Or, items) if g.or.is_none() => {
                    g.or = Some(self.nodes_of(items, depth)?);
                }
                Kind::List(ListKind::And, items) => {
                    let nodes = self.nodes_of(items, depth)?;
                    g.and.get_or_insert_with(Vec::new).extend(nodes);
                }
                Kind::List(ListKind::Not, items) => {
                    let nodes = self.nodes_of(items, depth)?;
                    g.not.get_or_insert_with(Vec::new).extend(nodes);
                }
                kind => {
                    let n = self.node(Expr { kind, span: t.span }, depth)?;
                    g.and.get_or_insert_with(Vec::new).push(n);
                }
            }
        }
        Ok(g)
    }

    fn nodes_of(&mut self, items: Vec<Expr>, depth: usize) -> Result<Vec<Node>, Error> {
        items.into_iter().map(|e| self.node(e, depth)).collect()
    }

    /// A list item inside a group of depth `depth`.
    fn node(&mut self, e: Expr, depth: usize) -> Result<Node, Error> {
        match e.kind {
            Kind::Cmp(c) => {
                self.count(e.span)?;
                Ok(Node::Condition(c))
            }
            Kind::Paren(inner) if matches!(inner.kind, Kind::Cmp(_)) => {
                let Kind::Cmp(c) = inner.kind else {
                    unreachable!()
                };
                self.count(e.span)?;
                Ok(Node::Condition(c))
            }
            Kind::Paren(inner) => {
                let mut g = self.group(*inner, depth + 1)?;
                g.span = e.span;
                Ok(g.into())
            }
            kind => Ok(self.group(Expr { kind, span: e.span }, depth + 1)?.into()),
        }
    }
}
