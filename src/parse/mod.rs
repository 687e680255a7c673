//! The human filter language (SPEC §2): a nom 8 lexer under a recursive-descent
//! parser that keeps precise spans and commits early for precise errors.
//!
//! # Two trees
//!
//! Parsing goes through two trees:
//!
//! 1. the **grammar** reads the text into a *syntax tree* (`syntax::Expr`, a
//!    private type): the expression as it was written — parentheses, `not`,
//!    `and`/`or` chains, `all(…)` calls, `case_sensitive(…)` — each node with
//!    its span, every comparison already checked;
//! 2. **lowering** turns that tree into the AST, [`Filter`] /
//!    [`Group`](crate::Group) / [`Condition`](crate::Condition), by the
//!    mapping described below, and enforces `max_depth` and `max_nodes` on the
//!    groups it builds.
//!
//! There are two trees because the mapping is not local to a rule: whether a
//! parenthesised or-chain becomes the group's `OR` list depends on whether it
//! is the *last* such term of its and-chain, and whether `(a = 1)` is a
//! condition or a group depends on parentheses the AST does not keep. The
//! grammar records what was written; lowering decides what it means.
//!
//! # Grammar
//!
//! Each rule is a method of the parser, documented with its production.
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

mod grammar;
mod lex;
mod lower;
mod operator;
mod syntax;
mod value;

use crate::ast::Filter;
use crate::error::Error;
use crate::Limits;

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

/// Source text → syntax tree → AST.
fn parse(text: &str, limits: &Limits) -> Result<Filter, Error> {
    if text.len() > limits.max_input_bytes {
        return Err(crate::limits::too_large(text.len(), limits));
    }
    let expr = grammar::Parser::new(text, limits).filter()?;
    lower::filter(expr, limits)
}
