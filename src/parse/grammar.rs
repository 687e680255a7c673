//! The grammar: the recursive-descent rules of the DSL, one method per rule
//! of the grammar in the [`crate::parse`] module docs, each documented with
//! its production. They read tokens from the nom lexer ([`super::lex`]) and
//! build the syntax tree ([`super::syntax`]); operators and values have their
//! own files ([`super::operator`], [`super::value`]).

use crate::ast::{Condition, FieldPath, ListKind, Span};
use crate::check::check_operand;
use crate::error::{Error, ErrorCode};
use crate::limits::too_deep;
use crate::Limits;

use super::lex::{describe, keyword_hint, Lexer};
use super::syntax::{Expr, Kind};

/// The parser's state: the lexer, the limits, and the nesting so far.
pub(super) struct Parser<'s, 'l> {
    pub lx: Lexer<'s>,
    pub limits: &'l Limits,
    pub nest: usize,
    max_nest: usize,
}

impl<'s, 'l> Parser<'s, 'l> {
    /// A parser at the start of `text`.
    pub fn new(text: &'s str, limits: &'l Limits) -> Parser<'s, 'l> {
        Parser {
            lx: Lexer::new(text),
            limits,
            nest: 0,
            max_nest: limits.depth().saturating_mul(2).saturating_add(6),
        }
    }
}

impl Parser<'_, '_> {
    /// `filter = ws [ or_expr ] ws EOF`: `None` for blank input.
    pub fn filter(mut self) -> Result<Option<Expr>, Error> {
        self.lx.skip_ws();
        if self.lx.at_end() {
            return Ok(None);
        }
        let expr = self.or_expr()?;
        self.lx.skip_ws();
        if !self.lx.at_end() {
            return Err(self.after_complete("end of input"));
        }
        Ok(Some(expr))
    }

    /// Counts one level of nesting (parentheses, `not`, brackets), up to the
    /// bound that keeps the recursion on a small stack.
    pub(super) fn enter(&mut self, at: Span) -> Result<(), Error> {
        self.nest += 1;
        if self.nest > self.max_nest {
            return Err(too_deep(self.limits).with_span(at, "nested too deep here"));
        }
        Ok(())
    }

    /// Error for what follows a complete expression when something else was
    /// expected (`end` names that something).
    pub(super) fn after_complete(&self, end: &str) -> Error {
        let (tok, span) = self.lx.peek_token();
        if tok == ")" {
            return Error::new(ErrorCode::UnexpectedToken, "unmatched `)`")
                .with_span(span, "no `(` is open here");
        }
        if self.lx.starts_condition() {
            return Error::new(
                ErrorCode::MissingConnective,
                format!("expected `and`, `or` or {end}, found {}", describe(tok)),
            )
            .with_span(span, "a new condition starts here")
            .with_help("join conditions with `and` or `or`");
        }
        let e = Error::new(
            ErrorCode::UnexpectedToken,
            format!("expected `and`, `or` or {end}, found {}", describe(tok)),
        )
        .with_span(span, "unexpected here");
        match self.unquoted_date(span.start as usize) {
            Some(date) => e.with_help(format!(
                "quote it: \"{date}\" (a date is a string; unquoted, it reads as the number {})",
                &date[..4]
            )),
            None => e,
        }
    }

    /// A date or date-time written without quotes that ends up read as a
    /// number followed by stray text: the date text, when the number just
    /// before `at` starts one (`2025-01-01`, `2025-01-01T10:00:00Z`).
    fn unquoted_date(&self, at: usize) -> Option<&str> {
        let text = self.lx.source();
        let before = &text[..at];
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits != 4 {
            return None;
        }
        let start = at - digits;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')))
            .unwrap_or(rest.len());
        let date = &rest[..end];
        let b = date.as_bytes();
        let shaped = b.len() >= 10
            && b[4] == b'-'
            && b[7] == b'-'
            && [0, 1, 2, 3, 5, 6, 8, 9]
                .iter()
                .all(|&i| b[i].is_ascii_digit());
        shaped.then_some(date)
    }

    /// `or_expr = and_expr { OR and_expr }`
    fn or_expr(&mut self) -> Result<Expr, Error> {
        self.chain(&["or", "||"], Self::and_expr, Kind::Or)
    }

    /// `and_expr = unary { AND unary }`
    fn and_expr(&mut self) -> Result<Expr, Error> {
        self.chain(&["and", "&&"], Self::unary, Kind::And)
    }

    /// `operand { connective operand }`: one operand as it is, several as
    /// `kind(operands)` spanning them all.
    fn chain(
        &mut self,
        connective: &[&str; 2],
        operand: fn(&mut Self) -> Result<Expr, Error>,
        kind: fn(Vec<Expr>) -> Kind,
    ) -> Result<Expr, Error> {
        let first = operand(self)?;
        let mut items = Vec::new();
        while let Some(op) = self.lx.connective(connective) {
            self.expect_condition(op)?;
            items.push(operand(self)?);
        }
        if items.is_empty() {
            return Ok(first);
        }
        items.insert(0, first);
        let span = Span::new(
            items[0].span.start as usize,
            items[items.len() - 1].span.end as usize,
        );
        Ok(Expr {
            kind: kind(items),
            span,
        })
    }

    /// After a connective, a condition must follow.
    fn expect_condition(&mut self, op: Span) -> Result<(), Error> {
        self.lx.skip_ws();
        if self.lx.starts_condition() || self.lx.peek_token().0.starts_with(['(', '!']) {
            return Ok(());
        }
        let (tok, span) = self.lx.peek_token();
        let word = self.lx.slice(op);
        Err(Error::new(
            ErrorCode::ExpectedCondition,
            format!(
                "expected a condition after `{word}`, found {}",
                describe(tok)
            ),
        )
        .with_span(span, keyword_hint(tok, "a condition")))
    }

    /// `unary = NOT unary | primary`
    fn unary(&mut self) -> Result<Expr, Error> {
        self.lx.skip_ws();
        let start = self.lx.pos();
        if self.lx.not_keyword() {
            self.enter(Span::new(start, self.lx.pos()))?;
            self.expect_condition(Span::new(start, self.lx.pos()))?;
            let inner = self.unary()?;
            self.nest -= 1;
            let span = Span::new(start, inner.span.end as usize);
            return Ok(Expr {
                kind: Kind::Not(Box::new(inner)),
                span,
            });
        }
        self.primary()
    }

    /// `primary = "(" or_expr ")" | "case_sensitive" "(" or_expr ")"
    /// | ("all" | "any" | "none") "(" … ")" | "true" | "false" | [ "case_sensitive" ] comparison`
    fn primary(&mut self) -> Result<Expr, Error> {
        let start = self.lx.pos();
        if self.lx.eat("(") {
            let open = Span::new(start, start + 1);
            let inner = self.parenthesised(open)?;
            let span = Span::new(start, self.lx.pos());
            return Ok(Expr {
                kind: Kind::Paren(Box::new(inner)),
                span,
            });
        }
        let word = self.lx.peek_word();
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "true" | "false" => {
                self.lx.advance(word.len());
                let kind = if lower == "true" {
                    Kind::True
                } else {
                    Kind::False
                };
                return Ok(Expr {
                    kind,
                    span: Span::new(start, self.lx.pos()),
                });
            }
            "case_sensitive" => {
                self.lx.advance(word.len());
                if let Some(open) = self.lx.open_paren() {
                    let inner = self.parenthesised(open)?;
                    return Ok(Expr {
                        kind: Kind::CaseSensitive(Box::new(inner)),
                        span: Span::new(start, self.lx.pos()),
                    });
                }
                self.lx.skip_ws();
                let mut cond = self.comparison()?;
                cond.span.start = start as u32;
                let cmp = match &mut cond.kind {
                    Kind::Not(inner) => &mut inner.kind,
                    other => other,
                };
                if let Kind::Cmp(c) = cmp {
                    c.case_sensitive = true;
                    c.span.start = start as u32;
                }
                return Ok(cond);
            }
            "all" | "any" | "none" => {
                let save = self.lx.pos();
                self.lx.advance(word.len());
                if let Some(open) = self.lx.open_paren() {
                    let kind = match lower.as_str() {
                        "all" => ListKind::And,
                        "any" => ListKind::Or,
                        _ => ListKind::Not,
                    };
                    let items = self.arguments(open)?;
                    return Ok(Expr {
                        kind: Kind::List(kind, items),
                        span: Span::new(start, self.lx.pos()),
                    });
                }
                self.lx.reset(save);
            }
            _ => {}
        }
        self.comparison()
    }

    /// `or_expr ")"`: the inside of `( … )` after the `(`, through the `)`.
    fn parenthesised(&mut self, open: Span) -> Result<Expr, Error> {
        self.enter(open)?;
        self.lx.skip_ws();
        if self.lx.peek_token().0 == ")" {
            let (_, span) = self.lx.peek_token();
            return Err(
                Error::new(ErrorCode::ExpectedCondition, "empty parentheses")
                    .with_span(
                        Span::new(open.start as usize, span.end as usize),
                        "nothing inside",
                    )
                    .with_help("write `true` for a group that matches everything"),
            );
        }
        let inner = self.or_expr()?;
        self.close(open, ")")?;
        self.nest -= 1;
        Ok(inner)
    }

    /// Expects `close`, or explains what is missing.
    fn close(&mut self, open: Span, close: &str) -> Result<(), Error> {
        self.lx.skip_ws();
        if self.lx.eat(close) {
            return Ok(());
        }
        let opened = self.lx.slice(open).to_owned();
        if self.lx.at_end() {
            let here = self.lx.end_span();
            return Err(
                Error::new(ErrorCode::Unclosed, format!("unclosed `{opened}`"))
                    .with_span(here, format!("expected `{close}` here"))
                    .with_note(open, "opened here"),
            );
        }
        let what = if close == ")" {
            format!("`{close}`")
        } else {
            format!("`,` or `{close}`")
        };
        Err(self
            .after_complete(&what)
            .with_note(open, format!("`{opened}` opened here")))
    }

    /// `[ or_expr { "," or_expr } ] ")"` of `all(…)`, `any(…)`, `none(…)`.
    fn arguments(&mut self, open: Span) -> Result<Vec<Expr>, Error> {
        self.enter(open)?;
        let mut items = Vec::new();
        self.lx.skip_ws();
        if !self.lx.eat(")") {
            loop {
                items.push(self.or_expr()?);
                self.lx.skip_ws();
                if !self.lx.eat(",") {
                    break;
                }
            }
            self.close(open, ")")?;
        }
        self.nest -= 1;
        Ok(items)
    }

    /// `comparison = field predicate`
    fn comparison(&mut self) -> Result<Expr, Error> {
        self.lx.skip_ws();
        let start = self.lx.pos();
        let (tok, span) = self.lx.peek_token();
        if !self.lx.starts_condition() {
            return Err(Error::new(
                ErrorCode::ExpectedCondition,
                format!("expected a condition, found {}", describe(tok)),
            )
            .with_span(span, keyword_hint(tok, "a field")));
        }
        let field = self.lx.field_path()?;
        crate::check::check_path(field.as_str(), self.limits)
            .map_err(|e| e.with_span(Span::new(start, self.lx.pos()), "this field"))?;
        self.predicate(field, start)
    }

    /// `predicate` after the field: the operator (see `operator`), then the
    /// value where one is taken (see `value_after`), checked against the
    /// operator.
    fn predicate(&mut self, field: FieldPath, start: usize) -> Result<Expr, Error> {
        self.lx.skip_ws();
        let op_start = self.lx.pos();
        let (op, negated, fixed) = self.operator(&field)?;
        let op_span = Span::new(op_start, self.lx.pos());
        let (value, end) = match fixed {
            Some(v) => (v, self.lx.pos()),
            None => self.value_after(op_span)?,
        };
        if let Err(problem) = check_operand(op, &value, self.limits) {
            let vspan = Span::new(op_span.end as usize, end);
            let vspan = self.lx.trim_span(vspan);
            let at = problem.at.clone();
            let mut e = problem.into_error().with_span(vspan, "this value");
            if !at.is_empty() {
                e = e.with_help(format!("at {at} inside the value"));
            }
            return Err(e);
        }
        let span = Span::new(start, end);
        let cond = Expr {
            kind: Kind::Cmp(Box::new(Condition {
                span,
                ..Condition::new(field, op, value)
            })),
            span,
        };
        Ok(if negated {
            Expr {
                kind: Kind::Not(Box::new(cond)),
                span,
            }
        } else {
            cond
        })
    }
}
