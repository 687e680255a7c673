//! The operator of a comparison, in its symbol (`>=`, `=~`, …) and word
//! (`contains`, `starts with`, `is not null`, `not in`, …) spellings.

use serde_json::Value;

use crate::ast::{FieldPath, Operand, Operator, Span};
use crate::error::{did_you_mean, Error, ErrorCode};
use crate::lexical::is_keyword;

use super::grammar::Parser;
use super::lex::describe;

impl Parser<'_, '_> {
    /// `symbol | [ "not" ] op_word | "not" "in" | "is" [ "not" ] "null" |
    /// "exists" | "not" "exists"`: the operator part of `predicate`. Returns
    /// the operator, whether the readable form negates it (`not contains`),
    /// and the value when the form implies one (`is null`, a bare `exists`).
    pub(super) fn operator(
        &mut self,
        field: &FieldPath,
    ) -> Result<(Operator, bool, Option<Operand>), Error> {
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

    /// `op_word = operator_name | "starts" "with" | "ends" "with" | "matches"`
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
                None if is_keyword(word) => {
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
                    // `first name = "x"`: an operator follows the word, so
                    // the word was the rest of a field name with a space.
                    let next = self.lx.rest().trim_start();
                    let next_word: String = next
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic() || *c == '_')
                        .collect();
                    // (`not` is left out: `status does not contain x` is
                    // a misspelt operator, not a field name.)
                    let next_word = next_word.to_ascii_lowercase();
                    let next_is_operator = next.starts_with(['=', '!', '<', '>', '~'])
                        || Operator::from_name(&next_word).is_some()
                        || (next_word != "not" && readable.contains(&next_word.as_str()));
                    let spaced = FieldPath::new(format!("{} {word}", field.as_str()));
                    if let (false, true, Ok(spaced)) = (word.is_empty(), next_is_operator, spaced) {
                        // The last segment takes the space: `user.`first name``.
                        e = e.with_help(format!(
                            "a field name with a space is written in backticks: {spaced}"
                        ));
                    } else if let Some(s) =
                        did_you_mean(word, names.iter().chain(&readable).copied())
                    {
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
}
