//! The human filter language (SPEC §2): a nom 8 lexer under a recursive-descent
//! parser that keeps precise spans and commits early for precise errors.
//!
//! # Grammar
//!
//! ```text
//! filter      = ws [ or_expr ] ws EOF
//! or_expr     = and_expr { OR and_expr }                      OR  = "or"  | "||"
//! and_expr    = unary { AND unary }                           AND = "and" | "&&"
//! unary       = NOT unary | primary                           NOT = "not" | "!"
//! primary     = "(" or_expr ")"
//!             | "case_sensitive" "(" or_expr ")"
//!             | ("all" | "any" | "none") "(" [ or_expr { "," or_expr } ] ")"
//!             | "true" | "false"
//!             | [ "case_sensitive" ] comparison
//! comparison  = field predicate
//! predicate   = symbol value                                  symbol = "=" | "==" | "!=" | ">" | ">="
//!             | [ "not" ] op_word value                                | "<" | "<=" | "=~" | "!~"
//!             | "not" "in" value | "is" [ "not" ] "null"
//!             | "exists" [ bool | dynamic ] | "not" "exists"
//! op_word     = operator_name | "starts" "with" | "ends" "with" | "matches"
//! field       = segment { "." segment }
//! segment     = ident | "`" { char | "``" | escape } "`"      ident = [A-Za-z_][A-Za-z0-9_]*
//! value       = json_string | "'" single-quoted "'" | number | "true" | "false" | "null"
//!             | "[" [ value { "," value } ] "]" | "{" [ key ":" value { "," key ":" value } ] "}"
//!             | "$" field | bare_word                       bare_word = [A-Za-z_][A-Za-z0-9_.-]*
//! ```
//!
//! Keywords (`and or not in is null true false exists`, operator words) match
//! in any case. A keyword cannot start a field or be a bare-word value: quote
//! it (`` `in` = 1 ``, `x = "and"`).
//!
//! # From expressions to `AND` / `OR` / `NOT` lists
//!
//! The DSL is a tree of `and`/`or`/`not`; the filter JSON is a tree of groups
//! with three lists. The mapping (the *one normalisation* the printer relies
//! on) is:
//!
//! * a whole filter, and the inside of `( … )`, `case_sensitive( … )` and
//!   `any( … )`-style arguments, is read as a **group**:
//!   * `a or b or …` is a group with only an `OR` list;
//!   * `true` is `{}`, `false` is `{"OR": []}`;
//!   * `case_sensitive(e)` is the group of `e` with `case_sensitive: true`;
//!   * anything else is an **and-chain** `t1 and t2 and …` (one term allowed),
//!     whose terms are sorted into the lists in order of appearance:
//!     `not x` goes to `NOT`; the last term that is a parenthesised
//!     or-chain `(a or b)` becomes the `OR` list (earlier ones are `AND`
//!     items); `all(…)`, `any(…)`,
//!     `none(…)` add their arguments to `AND`, set `OR`, add to `NOT`
//!     (`all()`, `any()`, `none()` make a list present but empty); every other
//!     term is an `AND` item;
//! * an **item** of a list is a condition when the term is a comparison or a
//!   single comparison in parentheses (`not (a = 1)` is `NOT: [a = 1]`), and
//!   otherwise the group of the term: `(a and b)`, `((a = 1))`, `not x`,
//!   `true`, `any(a)` …
//!
//! So `x not contains "a"` and `not x contains "a"` are the same tree, terms
//! come out in canonical order (`AND`, then `OR`, then `NOT`) when printed,
//! and a parenthesised whole filter `(a and b)` is a group nested in the root.
//! The printer ([`crate::ast::write_dsl`]) writes, for every tree, a form that
//! this mapping reads back to the identical tree.
//!
//! `case_sensitive` directly before a comparison (no parentheses) marks that
//! one condition `"case_sensitive": true`.

mod lex;

use serde_json::Value;

use crate::ast::{Condition, FieldPath, Filter, Group, ListKind, Node, Operand, Operator, Span};
use crate::check::check_operand;
use crate::error::{did_you_mean, Error, ErrorCode};
use crate::limits::too_deep;
use crate::Limits;

use lex::{describe, keyword, Lexer};

impl Filter {
    /// Parses DSL with the default [`Limits`].
    pub fn parse(text: &str) -> Result<Filter, Error> {
        Filter::parse_with(text, &Limits::default())
    }

    /// Parses DSL.
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Filter, Error> {
        parse(text, limits).map_err(|e| e.with_source(text))
    }

    /// Parses DSL or JSON, telling them apart by the first non-blank
    /// character (`{` means JSON), as the CLI does.
    pub fn parse_any(text: &str, limits: &Limits) -> Result<Filter, Error> {
        if text.trim_start().starts_with('{') {
            Filter::from_json_str_with(text, limits)
        } else {
            Filter::parse_with(text, limits)
        }
    }
}

impl std::str::FromStr for Filter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Filter, Error> {
        Filter::parse(s)
    }
}

fn parse(text: &str, limits: &Limits) -> Result<Filter, Error> {
    if text.len() > limits.max_input_bytes {
        return Err(Error::new(
            ErrorCode::InputTooLarge,
            format!(
                "input is {} bytes, over the limit max_input_bytes = {}",
                text.len(),
                limits.max_input_bytes
            ),
        ));
    }
    let mut p = Parser {
        lx: Lexer::new(text),
        limits,
        nest: 0,
        max_nest: limits.depth().saturating_mul(2).saturating_add(6),
    };
    p.lx.skip_ws();
    if p.lx.at_end() {
        return Ok(Filter::default());
    }
    let expr = p.or_expr()?;
    p.lx.skip_ws();
    if !p.lx.at_end() {
        return Err(p.after_complete("end of input"));
    }
    let mut conv = Convert { limits, nodes: 0 };
    Ok(Filter {
        root: conv.group(expr, 1)?,
    })
}

/// What the parser builds before it sorts terms into `AND`/`OR`/`NOT`.
#[derive(Debug)]
struct Expr {
    kind: Kind,
    span: Span,
}

#[derive(Debug)]
enum Kind {
    Cmp(Box<Condition>),
    Paren(Box<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    CaseSensitive(Box<Expr>),
    True,
    False,
    List(ListKind, Vec<Expr>),
}

struct Parser<'s, 'l> {
    lx: Lexer<'s>,
    limits: &'l Limits,
    nest: usize,
    max_nest: usize,
}

impl Parser<'_, '_> {
    fn enter(&mut self, at: Span) -> Result<(), Error> {
        self.nest += 1;
        if self.nest > self.max_nest {
            return Err(too_deep(self.limits).with_span(at, "nested too deep here"));
        }
        Ok(())
    }

    /// Error for what follows a complete expression when something else was
    /// expected (`end` names that something).
    fn after_complete(&self, end: &str) -> Error {
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
        Error::new(
            ErrorCode::UnexpectedToken,
            format!("expected `and`, `or` or {end}, found {}", describe(tok)),
        )
        .with_span(span, "unexpected here")
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

    /// `primary = "(" or_expr ")" | "case_sensitive" … | list_fn | "true" | "false" | comparison`
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

    /// The inside of `( … )` after the `(`, through the `)`.
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

    /// `predicate` after the field: operator, then value where one is taken.
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

    /// Reads an operator. Returns it, whether the readable form negates it
    /// (`not contains`), and the value when the form implies one (`is null`).
    fn operator(&mut self, field: &FieldPath) -> Result<(Operator, bool, Option<Operand>), Error> {
        use Operator::*;
        const SYMBOLS: [(&str, Operator, bool); 9] = [
            ("==", Eq, false),
            ("=~", Regex, false),
            ("=", Eq, false),
            ("!=", Ne, false),
            ("!~", Regex, true),
            (">=", Gte, false),
            ("<=", Lte, false),
            (">", Gt, false),
            ("<", Lt, false),
        ];
        for (sym, op, neg) in SYMBOLS {
            if self.lx.eat(sym) {
                return Ok((op, neg, None));
            }
        }
        let start = self.lx.pos();
        let word = self.lx.peek_word();
        if word.is_empty() {
            let (tok, span) = self.lx.peek_token();
            return Err(Error::new(
                ErrorCode::UnknownOperator,
                format!(
                    "expected an operator after `{field}`, found {}",
                    describe(tok)
                ),
            )
            .with_span(span, "expected `=`, `!=`, `>`, `in`, `contains`, … here"));
        }
        self.lx.advance(word.len());
        let lower = word.to_ascii_lowercase();
        let t = |b: bool| Some(Operand::Literal(Value::Bool(b)));
        Ok(match lower.as_str() {
            "not" => {
                self.lx.skip_ws();
                let w2 = self.lx.peek_word();
                let l2 = w2.to_ascii_lowercase();
                match l2.as_str() {
                    "in" => {
                        self.lx.advance(w2.len());
                        (Nin, false, None)
                    }
                    "exists" => {
                        self.lx.advance(w2.len());
                        (Exists, false, t(false))
                    }
                    _ => {
                        let (op, neg, fixed) = self.operator_word(field)?;
                        (op, !neg, fixed)
                    }
                }
            }
            "is" => {
                self.lx.skip_ws();
                let negated = self.lx.eat_keyword("not");
                self.lx.skip_ws();
                if !self.lx.eat_keyword("null") {
                    let (tok, span) = self.lx.peek_token();
                    return Err(Error::new(
                        ErrorCode::UnknownOperator,
                        format!("expected `null` after `is`, found {}", describe(tok)),
                    )
                    .with_span(span, "expected `null`")
                    .with_help("write `is null` or `is not null`"));
                }
                (IsNull, false, t(!negated))
            }
            "exists" => {
                let save = self.lx.pos();
                self.lx.skip_ws();
                let next = self.lx.peek_word().to_ascii_lowercase();
                if next == "true" || next == "false" || self.lx.rest().starts_with('$') {
                    (Exists, false, None)
                } else {
                    self.lx.reset(save);
                    (Exists, false, t(true))
                }
            }
            _ => {
                self.lx.reset(start);
                self.operator_word(field)?
            }
        })
    }

    /// An operator spelled as a word: an operator name, `starts with`,
    /// `ends with` or `matches`.
    fn operator_word(
        &mut self,
        field: &FieldPath,
    ) -> Result<(Operator, bool, Option<Operand>), Error> {
        let start = self.lx.pos();
        let word = self.lx.peek_word();
        let lower = word.to_ascii_lowercase();
        self.lx.advance(word.len());
        let op = match lower.as_str() {
            "starts" | "ends" => {
                self.lx.skip_ws();
                if !self.lx.eat_keyword("with") {
                    let span = Span::new(start, self.lx.pos());
                    return Err(Error::new(
                        ErrorCode::UnknownOperator,
                        format!("expected `{lower} with`"),
                    )
                    .with_span(span, "`with` is missing")
                    .with_help(format!("write `{lower} with` or `{lower}_with`")));
                }
                if lower == "starts" {
                    Operator::StartsWith
                } else {
                    Operator::EndsWith
                }
            }
            "matches" => Operator::Regex,
            "is" | "exists" | "not" => {
                let span = Span::new(start, self.lx.pos());
                return Err(Error::new(
                    ErrorCode::UnknownOperator,
                    format!("`{word}` cannot follow `not` here"),
                )
                .with_span(span, "unexpected")
                .with_help("write `is not null`, `not exists` or `not in`"));
            }
            _ => match Operator::from_name(&lower) {
                Some(op) => op,
                None if keyword(word) => {
                    let span = Span::new(start, self.lx.pos());
                    return Err(Error::new(
                        ErrorCode::UnknownOperator,
                        format!("expected an operator after `{field}`, found keyword `{word}`"),
                    )
                    .with_span(span, "expected `=`, `!=`, `>`, `in`, `contains`, … here")
                    .with_help(
                        "a condition is `field operator value`, such as `status = \"active\"`",
                    ));
                }
                None => {
                    let span = Span::new(start, self.lx.pos());
                    let found = if word.is_empty() {
                        describe(self.lx.peek_token().0)
                    } else {
                        format!("`{word}`")
                    };
                    let mut e = Error::new(
                        ErrorCode::UnknownOperator,
                        format!("unknown operator {found} after `{field}`"),
                    )
                    .with_span(span, "not an operator");
                    let readable = ["matches", "starts", "ends", "is", "exists", "not"];
                    let names = Operator::ALL.map(Operator::name);
                    if let Some(s) = did_you_mean(word, names.iter().chain(&readable).copied()) {
                        e = e.with_help(format!("did you mean `{s}`?"));
                    } else {
                        e = e.with_help("operators: = != > >= < <= in, not in, contains, starts with, ends with, matches, exists, is null, or any JSON operator name");
                    }
                    return Err(e);
                }
            },
        };
        Ok((op, false, None))
    }

    /// The value after an operator: returns it and the byte offset where it ends.
    fn value_after(&mut self, op: Span) -> Result<(Operand, usize), Error> {
        self.lx.skip_ws();
        let (tok, span) = self.lx.peek_token();
        let starts_value = tok.starts_with(['"', '\'', '[', '{', '$', '-'])
            || tok.starts_with(|c: char| c.is_ascii_digit())
            || (tok.starts_with(lex::is_word_start) && !keyword(self.lx.bare_word()));
        if !starts_value {
            let opname = self.lx.slice(op).to_owned();
            return Err(Error::new(
                ErrorCode::ExpectedValue,
                format!("expected a value after `{opname}`"),
            )
            .with_span(span, keyword_hint(tok, "a value")));
        }
        let v = if self.lx.rest().starts_with('$') {
            self.lx.advance(1);
            let start = self.lx.pos();
            let path = self.lx.path(true)?;
            crate::check::check_path(path.as_str(), self.limits)
                .map_err(|e| e.with_span(Span::new(start, self.lx.pos()), "this name"))?;
            Operand::Dynamic(path)
        } else {
            Operand::Literal(self.literal(true)?)
        };
        Ok((v, self.lx.pos()))
    }

    /// A JSON-like literal; bare words are strings.
    fn literal(&mut self, top: bool) -> Result<Value, Error> {
        self.lx.skip_ws();
        let start = self.lx.pos();
        let rest = self.lx.rest();
        match rest.chars().next() {
            Some('"') => self.lx.json_string().map(Value::String),
            Some('\'') => self.lx.single_quoted().map(Value::String),
            Some('[') => {
                let open = Span::new(start, start + 1);
                self.lx.advance(1);
                self.enter(open)?;
                let mut items = Vec::new();
                self.lx.skip_ws();
                if !self.lx.eat("]") {
                    loop {
                        items.push(self.element()?);
                        self.lx.skip_ws();
                        if !self.lx.eat(",") {
                            break;
                        }
                    }
                    self.close_value(open, "]")?;
                }
                self.nest -= 1;
                Ok(Value::Array(items))
            }
            Some('{') => {
                let open = Span::new(start, start + 1);
                self.lx.advance(1);
                self.enter(open)?;
                let mut map = serde_json::Map::new();
                self.lx.skip_ws();
                if !self.lx.eat("}") {
                    loop {
                        self.lx.skip_ws();
                        let kstart = self.lx.pos();
                        let key = self.lx.object_key()?;
                        let kspan = Span::new(kstart, self.lx.pos());
                        self.lx.skip_ws();
                        if !self.lx.eat(":") {
                            let (tok, span) = self.lx.peek_token();
                            return Err(Error::new(
                                ErrorCode::UnexpectedToken,
                                format!(
                                    "expected `:` after an object key, found {}",
                                    describe(tok)
                                ),
                            )
                            .with_span(span, "expected `:`"));
                        }
                        let v = self.element()?;
                        if map.contains_key(&key) {
                            return Err(Error::new(
                                ErrorCode::DuplicateKey,
                                format!("duplicate key `{key}`"),
                            )
                            .with_span(kspan, "second time here"));
                        }
                        map.insert(key, v);
                        self.lx.skip_ws();
                        if !self.lx.eat(",") {
                            break;
                        }
                    }
                    self.close_value(open, "}")?;
                }
                self.nest -= 1;
                Ok(Value::Object(map))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.lx.number().map(Value::Number),
            Some(c) if lex::is_word_start(c) => {
                let word = self.lx.bare_word();
                let span = Span::new(start, start + word.len());
                let value = match word.to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    w if keyword(w) => {
                        let what = if top { "a value" } else { "a list item" };
                        return Err(Error::new(
                            ErrorCode::ExpectedValue,
                            format!("expected {what}, found keyword `{word}`"),
                        )
                        .with_span(span, keyword_hint(word, what)));
                    }
                    _ => Value::String(word.to_owned()),
                };
                self.lx.advance(word.len());
                Ok(value)
            }
            _ => {
                let (tok, span) = self.lx.peek_token();
                Err(Error::new(
                    ErrorCode::ExpectedValue,
                    format!("expected a value, found {}", describe(tok)),
                )
                .with_span(span, keyword_hint(tok, "a value")))
            }
        }
    }

    /// An item of an array or object literal.
    fn element(&mut self) -> Result<Value, Error> {
        self.lx.skip_ws();
        if self.lx.rest().starts_with('$') {
            let (_, span) = self.lx.peek_token();
            return Err(Error::new(
                ErrorCode::InvalidDynamic,
                "a dynamic value can only be a whole value, not part of a list or object",
            )
            .with_span(span, "dynamic value here"));
        }
        self.literal(false)
    }

    fn close_value(&mut self, open: Span, close: &str) -> Result<(), Error> {
        self.lx.skip_ws();
        if self.lx.eat(close) {
            return Ok(());
        }
        let opened = self.lx.slice(open).to_owned();
        let (tok, span) = self.lx.peek_token();
        if self.lx.at_end() {
            return Err(
                Error::new(ErrorCode::Unclosed, format!("unclosed `{opened}`"))
                    .with_span(span, format!("expected `{close}` here"))
                    .with_note(open, "opened here"),
            );
        }
        Err(Error::new(
            ErrorCode::UnexpectedToken,
            format!("expected `,` or `{close}`, found {}", describe(tok)),
        )
        .with_span(span, "unexpected here")
        .with_note(open, format!("`{opened}` opened here")))
    }
}

/// The caret label for a token that stands where something else was expected.
fn keyword_hint(tok: &str, expected: &str) -> String {
    if tok.is_empty() {
        return "found end of input".to_owned();
    }
    if tok.chars().all(lex::is_word_char) && (keyword(tok) || crate::ast::is_reserved(tok)) {
        let q = if expected == "a field" || expected == "a condition" {
            format!("write it in backticks (`{tok}`) if it is a field name")
        } else {
            format!("quote it (\"{tok}\") if it is a string")
        };
        return format!("found keyword `{tok}`; {q}");
    }
    format!("expected {expected} here")
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
