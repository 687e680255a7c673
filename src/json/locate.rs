//! Where a JSON error is in the text: serde_json's line and column as a byte
//! span, and a decode error's JSON pointer walked back to the key or value it
//! names, so JSON errors render with a caret like DSL errors do.

use crate::ast::Span;
use crate::error::{Error, ErrorCode};
use crate::limits::too_deep;
use crate::Limits;

/// A serde_json failure while reading `text`: the structured `failure` the
/// strict deserializer recorded, or else serde_json's syntax error, with a
/// one-byte span where serde_json stopped.
pub(super) fn serde_error(
    e: &serde_json::Error,
    failure: Option<Error>,
    text: &str,
    limits: &Limits,
) -> Error {
    let at = byte_offset(text, e.line(), e.column());
    let err = failure.unwrap_or_else(|| syntax_error(e, limits));
    let label = err.label().unwrap_or("here").to_owned();
    err.with_span(Span::new(at, at + 1), label)
        .with_source(text)
}

/// Gives a decode error the span its JSON pointer names in `text`, so it
/// renders with a caret like DSL errors do.
pub(super) fn at_pointer(err: Error, text: &str) -> Error {
    let Some(pointer) = err.pointer() else {
        return err.with_source(text);
    };
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut scan = Scan { text, pos: 0 };
    let Some((key, value)) = scan.find(&segments, None) else {
        return err.with_source(text);
    };
    let (span, label) = match err.code() {
        ErrorCode::UnknownKey => (key.unwrap_or(value), "unknown key"),
        ErrorCode::UnknownOperator if key.is_some() && !pointer.ends_with("/operator") => {
            (key.unwrap_or(value), "not an operator")
        }
        ErrorCode::UnknownOperator => (value, "not an operator"),
        ErrorCode::WrongType => (value, "wrong type"),
        ErrorCode::MissingKey => (value, "in this object"),
        ErrorCode::TooDeep => (value, "too deep"),
        ErrorCode::TooManyNodes => (value, "the limit is reached here"),
        _ => (value, "this value"),
    };
    err.with_span(span, label).with_source(text)
}

/// The span of the value a JSON pointer names in `text` (JSON that
/// serde_json accepted), if the pointer leads anywhere.
pub(crate) fn pointer_span(text: &str, pointer: &str) -> Option<Span> {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    Scan { text, pos: 0 }
        .find(&segments, None)
        .map(|(_, value)| value)
}

/// A minimal JSON walker over text that serde_json has already accepted,
/// used only to find where a pointer lands.
struct Scan<'t> {
    text: &'t str,
    pos: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> u8 {
        self.text.as_bytes().get(self.pos).copied().unwrap_or(0)
    }

    /// The span of the value at `path` below the cursor, and of its key.
    fn find(&mut self, path: &[String], key: Option<Span>) -> Option<(Option<Span>, Span)> {
        self.ws();
        let start = self.pos;
        let Some((first, rest)) = path.split_first() else {
            self.skip()?;
            return Some((key, Span::new(start, self.pos)));
        };
        match self.peek() {
            b'{' => {
                self.pos += 1;
                loop {
                    self.ws();
                    if self.peek() != b'"' {
                        return None;
                    }
                    let kstart = self.pos;
                    self.string()?;
                    let kspan = Span::new(kstart, self.pos);
                    let name: String = serde_json::from_str(&self.text[kspan.range()]).ok()?;
                    self.ws();
                    self.pos += 1; // ':'
                    if &name == first {
                        return self.find(rest, Some(kspan));
                    }
                    self.ws();
                    self.skip()?;
                    self.ws();
                    if self.peek() != b',' {
                        return None;
                    }
                    self.pos += 1;
                }
            }
            b'[' => {
                let index: usize = first.parse().ok()?;
                self.pos += 1;
                self.ws();
                if self.peek() == b']' {
                    return None;
                }
                for _ in 0..index {
                    self.ws();
                    self.skip()?;
                    self.ws();
                    if self.peek() != b',' {
                        return None;
                    }
                    self.pos += 1;
                }
                self.find(rest, None)
            }
            _ => None,
        }
    }

    fn string(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut i = self.pos + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Some(());
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Moves past one value.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        match self.peek() {
            b'"' => self.string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.pos += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        c if c == close => {
                            self.pos += 1;
                            return Some(());
                        }
                        b',' | b':' => self.pos += 1,
                        0 => return None,
                        _ => self.skip()?,
                    }
                }
            }
            0 => None,
            _ => {
                let rest = &self.text[self.pos..];
                let len = rest
                    .find([',', '}', ']', ' ', '\t', '\n', '\r'])
                    .unwrap_or(rest.len());
                self.pos += len.max(1);
                Some(())
            }
        }
    }
}

fn syntax_error(e: &serde_json::Error, limits: &Limits) -> Error {
    let text = e.to_string();
    let msg = text.split(" at line ").next().unwrap_or(&text);
    if msg.contains("recursion limit exceeded") {
        return too_deep(limits).with_help("serde_json stops at 128 nested arrays/objects");
    }
    Error::new(ErrorCode::InvalidJson, format!("invalid JSON: {msg}"))
}

fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    (line_start + column.saturating_sub(1)).min(text.len())
}
