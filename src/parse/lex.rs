//! Tokens of the DSL, read with nom combinators over `&str`; positions are
//! byte offsets into the source. Which words are reserved and what an
//! identifier is come from [`crate::lexical`]; how a token is named in a
//! message ([`describe`], [`keyword_hint`]) is here too.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use crate::ast::{FieldPath, Span};
use crate::error::{Error, ErrorCode};
use crate::lexical::{is_bare_char, is_ident_char, is_ident_start, is_reserved};

/// nom's error for the lexer: "did not match here". Every diagnostic is
/// built by the parser, which knows what it expected.
#[derive(Debug)]
pub(super) struct NoMatch;

impl<I> ParseError<I> for NoMatch {
    fn from_error_kind(_: I, _: ErrorKind) -> NoMatch {
        NoMatch
    }
    fn append(_: I, _: ErrorKind, other: NoMatch) -> NoMatch {
        other
    }
}

type Lex<'s, T> = IResult<&'s str, T, NoMatch>;

/// How a token is named in a message.
pub(super) fn describe(tok: &str) -> String {
    if tok.is_empty() {
        "end of input".to_owned()
    } else if is_reserved(tok) {
        format!("keyword `{tok}`")
    } else {
        format!("`{tok}`")
    }
}

/// The caret label for a token that stands where something else was expected.
pub(super) fn keyword_hint(tok: &str, expected: &str) -> String {
    if tok.is_empty() {
        return "found end of input".to_owned();
    }
    if is_reserved(tok) {
        let q = if expected == "a field" || expected == "a condition" {
            format!("write it in backticks (`{tok}`) if it is a field name")
        } else {
            format!("quote it (\"{tok}\") if it is a string")
        };
        return format!("found keyword `{tok}`; {q}");
    }
    format!("expected {expected} here")
}

fn ws(i: &str) -> Lex<'_, &str> {
    take_while(char::is_whitespace)(i)
}

fn word(i: &str) -> Lex<'_, &str> {
    recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(i)
}

/// `[A-Za-z_][A-Za-z0-9_.-]*`: a bare-word string value.
fn bare(i: &str) -> Lex<'_, &str> {
    recognize((satisfy(is_ident_start), take_while(is_bare_char))).parse(i)
}

/// A JSON number's text: `-? digits (. digits)? ([eE] [+-]? digits)?`.
fn number_text(i: &str) -> Lex<'_, &str> {
    recognize((
        opt(char('-')),
        digit1,
        opt((char('.'), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    ))
    .parse(i)
}

/// A symbol token, for diagnostics.
fn symbol(i: &str) -> Lex<'_, &str> {
    alt((
        tag("=="),
        tag("!="),
        tag(">="),
        tag("<="),
        tag("=~"),
        tag("!~"),
        tag("&&"),
        tag("||"),
        recognize(satisfy(|_| true)),
    ))
    .parse(i)
}

pub(super) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str) -> Lexer<'s> {
        Lexer { src, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    /// The whole text being read.
    pub fn source(&self) -> &'s str {
        self.src
    }

    pub fn at_end(&self) -> bool {
        self.pos == self.src.len()
    }

    pub fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    pub fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub fn slice(&self, span: Span) -> &'s str {
        &self.src[span.range()]
    }

    fn take<T>(&mut self, r: Lex<'s, T>) -> Option<T> {
        let (rest, out) = r.ok()?;
        self.pos = self.src.len() - rest.len();
        Some(out)
    }

    pub fn skip_ws(&mut self) {
        let r = ws(self.rest());
        self.take(r);
    }

    /// Skips blanks and consumes `sym` if it comes next.
    pub fn eat(&mut self, sym: &str) -> bool {
        self.skip_ws();
        let r = tag::<_, _, NoMatch>(sym)(self.rest());
        self.take(r).is_some()
    }

    /// Consumes the keyword `kw` (any case) if it comes next as a whole word.
    pub fn eat_keyword(&mut self, kw: &str) -> bool {
        let r = tag_no_case::<_, _, NoMatch>(kw)(self.rest());
        match r {
            Ok((rest, _)) if !rest.starts_with(is_ident_char) => {
                self.pos = self.src.len() - rest.len();
                true
            }
            _ => false,
        }
    }

    /// `and`/`&&` or `or`/`||` (given as `[word, symbol]`): its span if next.
    pub fn connective(&mut self, forms: &[&str; 2]) -> Option<Span> {
        let save = self.pos;
        self.skip_ws();
        let start = self.pos;
        if self.eat_keyword(forms[0])
            || self
                .take(tag::<_, _, NoMatch>(forms[1])(self.rest()))
                .is_some()
        {
            return Some(Span::new(start, self.pos));
        }
        self.pos = save;
        None
    }

    /// `not` (a whole word) or `!` that is not part of `!=` / `!~`.
    pub fn not_keyword(&mut self) -> bool {
        let rest = self.rest();
        if rest.starts_with('!') && !rest[1..].starts_with(['=', '~']) {
            self.pos += 1;
            return true;
        }
        self.eat_keyword("not")
    }

    /// `(` after optional blanks.
    pub fn open_paren(&mut self) -> Option<Span> {
        let save = self.pos;
        self.skip_ws();
        let start = self.pos;
        if self.rest().starts_with('(') {
            self.pos += 1;
            return Some(Span::new(start, start + 1));
        }
        self.pos = save;
        None
    }

    /// The identifier-like word at the cursor, or `""`.
    pub fn peek_word(&self) -> &'s str {
        word(self.rest()).map_or("", |(_, w)| w)
    }

    /// The next token (after blanks) and its span, without consuming it.
    pub fn peek_token(&self) -> (&'s str, Span) {
        let skipped = ws(self.rest()).map_or(0, |(_, w)| w.len());
        let at = self.pos + skipped;
        let rest = &self.src[at..];
        if rest.is_empty() {
            return ("", self.end_span());
        }
        let len = if rest.starts_with(['"', '\'', '`']) {
            quoted_len(rest)
        } else if let Ok((_, w)) = word(rest) {
            w.len()
        } else if let Ok((_, n)) = number_text(rest) {
            n.len()
        } else {
            symbol(rest).map_or(1, |(_, s)| s.len())
        };
        (&rest[..len], Span::new(at, at + len))
    }

    /// Where "end of input" is shown: just after the last non-blank
    /// character, not on a trailing empty line.
    pub fn end_span(&self) -> Span {
        let end = self.src.trim_end().len();
        Span::new(end, end)
    }

    /// True when the next token can begin a comparison (a field name).
    pub fn starts_condition(&self) -> bool {
        let (tok, _) = self.peek_token();
        if tok.starts_with('`') {
            return true;
        }
        if !tok.starts_with(is_ident_start) {
            return false;
        }
        let lower = tok.to_ascii_lowercase();
        matches!(lower.as_str(), "not" | "true" | "false" | "case_sensitive")
            || !is_reserved(&lower)
    }

    /// Shrinks a span to skip leading blanks.
    pub fn trim_span(&self, span: Span) -> Span {
        let text = self.slice(span);
        let lead = text.len() - text.trim_start().len();
        Span::new(span.start as usize + lead, span.end as usize)
    }

    /// A comparison's field: a path whose first segment, if bare, is not a keyword.
    pub fn field_path(&mut self) -> Result<FieldPath, Error> {
        let start = self.pos;
        let w = self.peek_word();
        if !w.is_empty() && is_reserved(w) {
            let span = Span::new(start, start + w.len());
            return Err(Error::new(
                ErrorCode::ExpectedCondition,
                format!("expected a field, found keyword `{w}`"),
            )
            .with_span(
                span,
                format!("write it in backticks (`{w}`) if it is a field name"),
            ));
        }
        self.path(false)
    }

    /// `field = segment { "." segment }`
    pub fn path(&mut self, dynamic: bool) -> Result<FieldPath, Error> {
        let start = self.pos;
        let mut path = String::new();
        loop {
            let first = path.is_empty();
            let rest = self.rest();
            if rest.starts_with('`') {
                let seg = self.backticked()?;
                path.push_str(&seg);
            } else {
                let r = if first {
                    word(rest)
                } else {
                    take_while1(is_ident_char)(rest)
                };
                match self.take(r) {
                    Some(seg) => path.push_str(seg),
                    None => {
                        let (tok, span) = self.peek_token();
                        let what = if dynamic && first {
                            "a name after `$`".to_owned()
                        } else {
                            "a field name segment after `.`".to_owned()
                        };
                        return Err(Error::new(
                            ErrorCode::ExpectedCondition,
                            format!("expected {what}, found {}", describe(tok)),
                        )
                        .with_span(span, "write odd names in backticks: `my field`"));
                    }
                }
            }
            if self.rest().starts_with('.') {
                self.pos += 1;
                path.push('.');
            } else {
                break;
            }
        }
        FieldPath::new(path).map_err(|e| {
            Error::new(ErrorCode::InvalidField, format!("invalid field path: {e}"))
                .with_span(Span::new(start, self.pos), "")
        })
    }

    /// `` `…` ``: ``` `` ``` stands for one backtick, and the escapes of
    /// strings work too (so any name prints on one line).
    fn backticked(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let out = self.quoted('`')?;
        if out.is_empty() {
            return Err(
                Error::new(ErrorCode::InvalidField, "empty field name segment")
                    .with_span(Span::new(start, self.pos), "nothing between the backticks"),
            );
        }
        if out.contains('.') {
            return Err(Error::new(
                ErrorCode::InvalidField,
                "a field name segment cannot contain `.`",
            )
            .with_span(Span::new(start, self.pos), "dot inside backticks")
            .with_help("the filter JSON separates path segments with dots; write `a`.`b` as a.b"));
        }
        Ok(out)
    }

    /// A double-quoted JSON string.
    pub fn json_string(&mut self) -> Result<String, Error> {
        self.quoted('"')
    }

    /// A single-quoted string: JSON escapes plus `\'`.
    pub fn single_quoted(&mut self) -> Result<String, Error> {
        self.quoted('\'')
    }

    fn quoted(&mut self, quote: char) -> Result<String, Error> {
        let start = self.pos;
        let body = &self.src[start + 1..];
        let mut out = String::new();
        let mut plain_from = 0;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                out.push_str(&body[plain_from..i]);
                if quote == '`' && body[i + 1..].starts_with('`') {
                    out.push('`');
                    chars.next();
                    plain_from = i + 2;
                    continue;
                }
                self.pos = start + 1 + i + 1;
                return Ok(out);
            }
            if c != '\\' {
                continue;
            }
            out.push_str(&body[plain_from..i]);
            let esc_at = start + 1 + i;
            let bad = |len: usize, what: &str| {
                Error::new(ErrorCode::InvalidEscape, format!("invalid escape {what}"))
                    .with_span(Span::new(esc_at, esc_at + len), "not a JSON escape")
                    .with_help(r#"escapes are \" \\ \/ \b \f \n \r \t \uXXXX (and \' or \` inside those quotes)"#)
            };
            let Some((_, e)) = chars.next() else {
                break;
            };
            match e {
                '"' | '\\' | '/' => out.push(e),
                '\'' | '`' if quote == e => out.push(e),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex = |at: usize| -> Option<u32> {
                        let h = body.get(at..at + 4)?;
                        if !h.chars().all(|c| c.is_ascii_hexdigit()) {
                            return None;
                        }
                        u32::from_str_radix(h, 16).ok()
                    };
                    let hi = hex(i + 2).ok_or_else(|| bad(2, "`\\u` needs four hex digits"))?;
                    let mut used = 4;
                    let code = if (0xD800..0xDC00).contains(&hi) {
                        let lo = body[i + 6..]
                            .strip_prefix("\\u")
                            .and_then(|_| hex(i + 8))
                            .filter(|lo| (0xDC00..0xE000).contains(lo))
                            .ok_or_else(|| bad(6, "(a lone surrogate)"))?;
                        used = 10;
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        hi
                    };
                    let c = char::from_u32(code).ok_or_else(|| bad(6, "(a lone surrogate)"))?;
                    out.push(c);
                    for _ in 0..used {
                        chars.next();
                    }
                }
                other => return Err(bad(1 + other.len_utf8(), &format!("`\\{other}`"))),
            }
            plain_from = chars.offset();
        }
        if quote == '`' {
            return Err(Error::new(
                ErrorCode::UnterminatedString,
                "unterminated backticked field name",
            )
            .with_span(
                Span::new(start, self.src.len()),
                "the name starts here and never ends",
            )
            .with_help("close it with a backtick; write a backtick inside as ``"));
        }
        let q = if quote == '"' { "double" } else { "single" };
        Err(
            Error::new(ErrorCode::UnterminatedString, "unterminated string").with_span(
                Span::new(start, self.src.len()),
                format!("the string starts here and has no closing {q} quote"),
            ),
        )
    }

    /// A JSON number, with serde_json's own representation.
    pub fn number(&mut self) -> Result<serde_json::Number, Error> {
        let start = self.pos;
        let bad = |end: usize, why: &str| {
            Error::new(ErrorCode::InvalidNumber, format!("invalid number: {why}"))
                .with_span(Span::new(start, end), "here")
        };
        let Some(text) = self.take(number_text(self.rest())) else {
            return Err(bad(start + 1, "expected digits after `-`"));
        };
        let end = self.pos;
        if self
            .rest()
            .starts_with(|c: char| is_ident_char(c) || c == '.')
        {
            let tail = bare(self.rest()).map_or(1, |(_, w)| w.len()).max(1);
            return Err(bad(end + tail, "it runs into other characters"));
        }
        serde_json::from_str::<serde_json::Number>(text).map_err(|e| {
            let digits = text.trim_start_matches('-');
            if digits.len() > 1 && digits.starts_with('0') && digits.as_bytes()[1].is_ascii_digit()
            {
                return bad(end, "leading zeros are not allowed");
            }
            let msg = e.to_string();
            bad(end, msg.split(" at line").next().unwrap_or(&msg))
        })
    }

    /// A bare word (not consumed; the caller decides).
    pub fn bare_word(&self) -> &'s str {
        bare(self.rest()).map_or("", |(_, w)| w)
    }

    /// An object literal key: a string in either quotes, or an identifier.
    pub fn object_key(&mut self) -> Result<String, Error> {
        match self.rest().chars().next() {
            Some('"') => self.json_string(),
            Some('\'') => self.single_quoted(),
            _ => match self.take(word(self.rest())) {
                Some(w) => Ok(w.to_owned()),
                None => {
                    let (tok, span) = self.peek_token();
                    Err(Error::new(
                        ErrorCode::UnexpectedToken,
                        format!("expected an object key, found {}", describe(tok)),
                    )
                    .with_span(span, "expected a key"))
                }
            },
        }
    }
}

/// Length of a quoted token up to and including its closing quote (or the
/// whole rest when it has none), for diagnostics.
fn quoted_len(rest: &str) -> usize {
    let q = rest.chars().next().unwrap_or('"');
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' && q != '`' {
            escaped = true;
        } else if c == q {
            return i + 1;
        }
    }
    rest.len()
}
