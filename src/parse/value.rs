//! Values: what follows an operator — a JSON-like literal (bare words are
//! strings) or a `$` dynamic reference.

use serde_json::Value;

use crate::ast::{Operand, Span};
use crate::error::{Error, ErrorCode};
use crate::lexical::{is_ident_start, is_keyword};

use super::grammar::Parser;
use super::lex::{describe, keyword_hint};

/// The operator meant by one written as in another language (`=>` for
/// `>=`, `<>` for `!=`, `===` for `=`).
fn meant_operator(written: &str) -> Option<&'static str> {
    Some(match written {
        "=>" => ">=",
        "=<" => "<=",
        "<>" | "!==" | "=!" => "!=",
        "===" => "=",
        "<==" => "<=",
        ">==" => ">=",
        _ => return None,
    })
}

impl Parser<'_, '_> {
    /// `"$" field | value`: the value after an operator. Returns it and the
    /// byte offset where it ends.
    pub(super) fn value_after(&mut self, op: Span) -> Result<(Operand, usize), Error> {
        self.lx.skip_ws();
        let (tok, span) = self.lx.peek_token();
        let starts_value = tok.starts_with(['"', '\'', '[', '{', '$', '-'])
            || tok.starts_with(|c: char| c.is_ascii_digit())
            || (tok.starts_with(is_ident_start) && !is_keyword(self.lx.bare_word()));
        if !starts_value {
            let opname = self.lx.slice(op).to_owned();
            let expected = Error::new(
                ErrorCode::ExpectedValue,
                format!("expected a value after `{opname}`"),
            );
            // `=>`, `<>`, `===`: an operator from another language, read
            // as one of ours followed by stray symbols.
            let more = self.lx.rest().len().saturating_sub(
                self.lx
                    .rest()
                    .trim_start_matches(['<', '>', '=', '!'])
                    .len(),
            );
            if more > 0 && span.start as usize == op.end as usize {
                let written = format!("{opname}{}", &self.lx.rest()[..more]);
                if let Some(meant) = meant_operator(&written) {
                    let at = Span::new(op.start as usize, op.end as usize + more);
                    return Err(Error::new(
                        ErrorCode::UnknownOperator,
                        format!("`{written}` is not an operator"),
                    )
                    .with_span(at, "not an operator")
                    .with_help(format!("did you mean `{meant}`?")));
                }
            }
            return Err(expected.with_span(span, keyword_hint(tok, "a value")));
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

    /// `value = json_string | "'" single-quoted "'" | number | "true" | "false"
    /// | "null" | "[" … "]" | "{" … "}" | bare_word`: a JSON-like literal;
    /// bare words are strings (`top` is false inside a list or object).
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
            Some(c) if is_ident_start(c) => {
                let word = self.lx.bare_word();
                let span = Span::new(start, start + word.len());
                let value = match word.to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    w if is_keyword(w) => {
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

    /// An item of an array or object literal: a `value`, but not `"$" field`.
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

    /// Expects the `]` or `}` that closes `open`, or explains what is missing.
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
