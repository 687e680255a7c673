//! One error type for every face of siftql: a stable [`ErrorCode`], a message,
//! where it happened (a byte [`Span`] in DSL or JSON text, and a JSON pointer
//! for wire-format errors), and a hint. Rendered with the source line and a
//! caret:
//!
//! ```text
//! error[E0103]: expected a value after `>=`
//!   |
//! 1 | age >= and x = 1
//!   |        ^^^ found keyword `and`; quote it ("and") if it is a string
//! ```

use std::fmt::{self, Write};
use std::sync::Arc;

use crate::span::Span;

macro_rules! codes {
    ($(#[doc = $tydoc:literal])* $name:ident {
        $(#[doc = $doc:literal] $variant:ident = $code:literal,)*
    }) => {
        $(#[doc = $tydoc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = $doc] $variant,)*
        }

        impl $name {
            /// Every code, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code as printed: `E0103`, `W0401`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            /// What the code means, in one line.
            pub fn description(self) -> &'static str {
                match self {
                    $($name::$variant => $doc.trim_ascii(),)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    /// Stable error codes. A code never changes meaning; new ones are added
    /// at the end of their range. `docs/errors.md` shows each with an
    /// example.
    ErrorCode {
    /// Input bytes are not UTF-8.
    InvalidUtf8 = "E0001",
    /// Input is longer than `Limits::max_input_bytes`.
    InputTooLarge = "E0011",
    /// Groups or values nest deeper than `Limits::max_depth`.
    TooDeep = "E0012",
    /// More nodes than `Limits::max_nodes`.
    TooManyNodes = "E0013",
    /// An `in`/`nin` list longer than `Limits::max_list_len`.
    ListTooLong = "E0014",
    /// A regex that compiles larger than `Limits::max_regex_bytes`.
    RegexTooLarge = "E0015",
    /// A string or field path longer than `Limits::max_string_bytes`.
    StringTooLong = "E0016",
    /// DSL: a character or token that cannot stand here.
    UnexpectedToken = "E0101",
    /// DSL: a condition was expected (a field name, `not`, `(`, …).
    ExpectedCondition = "E0102",
    /// DSL: an operator was not followed by a value.
    ExpectedValue = "E0103",
    /// An operator name that does not exist (DSL or JSON).
    UnknownOperator = "E0104",
    /// DSL: `(`, `[` or `{` without its closing partner.
    Unclosed = "E0105",
    /// DSL: a string or backticked field without its closing quote.
    UnterminatedString = "E0106",
    /// DSL: a backslash escape that is not a JSON escape.
    InvalidEscape = "E0107",
    /// DSL: a number that is not a JSON number or does not fit a float.
    InvalidNumber = "E0108",
    /// DSL: two conditions side by side without `and`/`or`.
    MissingConnective = "E0109",
    /// JSON: not well-formed JSON.
    InvalidJson = "E0201",
    /// JSON: a key that the filter format does not have.
    UnknownKey = "E0202",
    /// JSON: a value of the wrong JSON type for its key.
    WrongType = "E0203",
    /// JSON: a required key is absent.
    MissingKey = "E0205",
    /// JSON: the same key twice in one object.
    DuplicateKey = "E0206",
    /// A value that the operator does not take (`in` needs an array, …).
    InvalidValue = "E0301",
    /// A regular expression that does not parse.
    InvalidRegex = "E0302",
    /// A geo shape that is not of the documented form.
    InvalidGeo = "E0303",
    /// An empty field path or path segment.
    InvalidField = "E0304",
    /// A dynamic value that is malformed or stands where none can.
    InvalidDynamic = "E0305",
    /// A dynamic value with no binding when the filter is compiled.
    UnboundDynamic = "E0306",
    /// SQL: a field the (closed) schema does not have.
    UnknownField = "E0401",
    /// SQL: something the dialect cannot express (see the capability table).
    Unsupported = "E0402",
    /// SQL: a schema file that is not a valid schema.
    InvalidSchema = "E0403",
    /// SQL: a record that does not fit the schema's column types.
    InvalidRecord = "E0404",
    /// A database refused or failed a statement.
    Database = "E0501",
    }
}

codes! {
    /// Stable warning codes ([`Warning`]): a filter that is valid but
    /// probably not what was meant. Like error codes, a warning code never
    /// changes meaning. `docs/errors.md` shows each with an example.
    WarningCode {
    /// A field the schema has no column for (an open schema looks it up in the document).
    UnknownField = "W0401",
    /// A value of a type the field's column never holds (`num_clusters = "abc"`, `status > 5`).
    WrongValueType = "W0402",
    /// An operator the column's type cannot satisfy (`regex` on a number, a range on a boolean).
    WrongOperator = "W0403",
    /// `exists false` or `is null` on the key column, which every row has.
    NeverNull = "W0404",
    /// Conditions of one `AND` list that no value satisfies together (`n > 5 and n < 3`).
    Contradiction = "W0405",
    }
}

/// A siftql error: code, message, location and hint.
///
/// `Display` renders the full diagnostic (with the source line and a caret
/// when the error knows its source text).
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    code: ErrorCode,
    message: String,
    span: Option<Span>,
    label: Option<String>,
    pointer: Option<String>,
    help: Option<String>,
    note: Option<(Span, String)>,
    source: Option<Arc<str>>,
}

impl Error {
    /// A new error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            code,
            message: message.into(),
            span: None,
            label: None,
            pointer: None,
            help: None,
            note: None,
            source: None,
        }))
    }

    /// Sets the byte span and the text written next to its caret.
    pub fn with_span(mut self, span: Span, label: impl Into<String>) -> Error {
        self.0.span = Some(span);
        let label = label.into();
        self.0.label = (!label.is_empty()).then_some(label);
        self
    }

    /// Sets the JSON pointer (`/AND/1/operator`) of a wire-format error.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Error {
        self.0.pointer = Some(pointer.into());
        self
    }

    /// Sets the `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.0.help = Some(help.into());
        self
    }

    /// Adds a second span with its own label (`opened here`).
    pub fn with_note(mut self, span: Span, label: impl Into<String>) -> Error {
        self.0.note = Some((span, label.into()));
        self
    }

    /// Attaches the source text so `Display` can show the line and caret.
    pub fn with_source(mut self, source: impl Into<Arc<str>>) -> Error {
        self.0.source = Some(source.into());
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The one-line message (without code, location or hint).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Byte span in the source text, when known.
    pub fn span(&self) -> Option<Span> {
        self.0.span
    }

    /// JSON pointer to the offending value, for wire-format errors.
    pub fn pointer(&self) -> Option<&str> {
        self.0.pointer.as_deref()
    }

    /// The hint, if any.
    pub fn help(&self) -> Option<&str> {
        self.0.help.as_deref()
    }

    /// The text next to the caret, if any.
    pub fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }

    /// Renders the diagnostic against `source` (which need not be the text the
    /// error carries).
    pub fn render(&self, source: &str) -> String {
        let mut out = String::new();
        self.write(Some(source), &mut out)
            .expect("writing to a String");
        out
    }

    fn write(&self, source: Option<&str>, out: &mut dyn Write) -> fmt::Result {
        let e = &self.0;
        Parts {
            severity: "error",
            code: e.code.as_str(),
            message: &e.message,
            span: e.span,
            label: e.label.as_deref(),
            note: e.note.as_ref(),
            pointer: e.pointer.as_deref(),
            help: e.help.as_deref(),
        }
        .write(source, out)
    }
}

/// The parts of a diagnostic, borrowed from an [`Error`] or a [`Warning`],
/// and how they render.
struct Parts<'a> {
    severity: &'a str,
    code: &'a str,
    message: &'a str,
    span: Option<Span>,
    label: Option<&'a str>,
    note: Option<&'a (Span, String)>,
    pointer: Option<&'a str>,
    help: Option<&'a str>,
}

impl Parts<'_> {
    fn write(&self, source: Option<&str>, out: &mut dyn Write) -> fmt::Result {
        write!(out, "{}[{}]: {}", self.severity, self.code, self.message)?;
        let spans = [
            self.span.map(|s| (s, self.label.unwrap_or(""))),
            self.note.map(|(s, l)| (*s, l.as_str())),
        ];
        let mut shown = false;
        if let Some(src) = source {
            let marks: Vec<_> = spans.iter().flatten().copied().collect();
            if !marks.is_empty() {
                snippet(src, &marks, out)?;
                shown = true;
            }
        }
        if !shown {
            if let Some(l) = self.label {
                write!(out, "\n  = {l}")?;
            }
        }
        if let Some(p) = self.pointer {
            write!(out, "\n  --> at {}", if p.is_empty() { "/" } else { p })?;
        }
        if let Some(h) = self.help {
            write!(out, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// A warning: the filter is valid and runs, but part of it is probably not
/// what was meant (a field the schema does not know, a value its column
/// never holds, conditions that contradict each other). Made by
/// `sql::Schema::check`; rendered like an [`Error`], with `warning[W…]`:
///
/// ```text
/// warning[W0401]: unknown field `stauts` for table `clusters`
///   |
/// 1 | stauts = completed
///   | ^^^^^^^^^^^^^^^^^^ no column holds it; it is looked up in the `doc` document
///   --> at /AND/0
///   = help: did you mean `status`?
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    code: WarningCode,
    message: String,
    span: Option<Span>,
    label: Option<String>,
    note: Option<(Span, String)>,
    pointer: Option<String>,
    help: Option<String>,
    /// The field of the condition at `pointer`, when known.
    field: Option<String>,
}

impl Warning {
    /// A new warning with a code and a message.
    pub fn new(code: WarningCode, message: impl Into<String>) -> Warning {
        Warning {
            code,
            message: message.into(),
            span: None,
            label: None,
            note: None,
            pointer: None,
            help: None,
            field: None,
        }
    }

    /// Sets the byte span and the text written next to its caret.
    pub fn with_span(mut self, span: Span, label: impl Into<String>) -> Warning {
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    /// Adds a second span with its own label (`conflicts with this`).
    pub fn with_note(mut self, span: Span, label: impl Into<String>) -> Warning {
        self.note = Some((span, label.into()));
        self
    }

    /// Sets the JSON pointer (`/AND/1`) of the condition warned about.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Warning {
        self.pointer = Some(pointer.into());
        self
    }

    /// Sets the pointer of the condition warned about and its field, which
    /// [`Warning::locate_json`] checks before it trusts the pointer.
    #[cfg(feature = "sql")]
    pub(crate) fn set_place(&mut self, pointer: String, field: &str) {
        self.pointer = Some(pointer);
        self.field = Some(field.to_owned());
    }

    /// Sets the `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Warning {
        self.help = Some(help.into());
        self
    }

    /// The stable code.
    pub fn code(&self) -> WarningCode {
        self.code
    }

    /// The one-line message (without code, location or hint).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Byte span in the source text, when known (DSL input, or JSON input
    /// whose pointer could be found in the text).
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The text next to the caret, if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The JSON pointer of the condition (in the canonical JSON form).
    pub fn pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// The hint, if any.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// For a filter given as JSON `text`: the warning with the span its
    /// pointer names there, so it renders with a caret. The pointer is of
    /// the canonical form; JSON written in another accepted form may have
    /// nothing there, or another condition, and then the warning is
    /// returned as it is (a condition is only trusted when its `field` is
    /// the one warned about). A warning that has a span is returned as is.
    pub fn locate_json(self, text: &str) -> Warning {
        let (None, Some(p)) = (self.span, self.pointer.as_deref()) else {
            return self;
        };
        let Some(span) = crate::json::pointer_span(text, p) else {
            return self;
        };
        let found: Option<serde_json::Value> = serde_json::from_str(&text[span.range()]).ok();
        let field = found.as_ref().and_then(|v| v.get("field")?.as_str());
        if field.is_some() && field == self.field.as_deref() {
            self.with_span(span, "here")
        } else {
            self
        }
    }

    /// Renders the warning against `source`, with the line and a caret.
    pub fn render(&self, source: &str) -> String {
        let mut out = String::new();
        self.parts()
            .write(Some(source), &mut out)
            .expect("writing to a String");
        out
    }

    fn parts(&self) -> Parts<'_> {
        Parts {
            severity: "warning",
            code: self.code.as_str(),
            message: &self.message,
            span: self.span,
            label: self.label.as_deref(),
            note: self.note.as_ref(),
            pointer: self.pointer.as_deref(),
            help: self.help.as_deref(),
        }
    }
}

/// Without the source text: the message, the label, pointer and hint.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().write(None, f)
    }
}

/// Writes the gutter, the source line and the caret line for each mark.
fn snippet(src: &str, marks: &[(Span, &str)], out: &mut dyn Write) -> fmt::Result {
    let located: Vec<_> = marks
        .iter()
        .map(|&(span, label)| (locate(src, span), label))
        .collect();
    let width = located
        .iter()
        .map(|(l, _)| l.line_no.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    write!(out, "\n{pad} |")?;
    let mut last_line = None;
    for (loc, label) in located {
        if last_line != Some(loc.line_no) {
            write!(out, "\n{:>width$} | {}", loc.line_no, loc.text)?;
            last_line = Some(loc.line_no);
        }
        write!(
            out,
            "\n{pad} | {}{}",
            " ".repeat(loc.col),
            "^".repeat(loc.len)
        )?;
        if !label.is_empty() {
            write!(out, " {label}")?;
        }
    }
    Ok(())
}

struct Located {
    line_no: usize,
    /// The line with control characters shown as spaces, so columns line up.
    text: String,
    /// Caret column and width, in characters.
    col: usize,
    len: usize,
}

fn locate(src: &str, span: Span) -> Located {
    let floor = |mut i: usize| {
        i = i.min(src.len());
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = &src[line_start..line_end];
    let text = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let col = src[line_start..start].chars().count();
    let len = src[start..end.min(line_end)].chars().count().max(1);
    Located {
        line_no: src[..line_start].matches('\n').count() + 1,
        text,
        col,
        len,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(self.0.source.as_deref(), f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        let mut d = f.debug_struct("Error");
        d.field("code", &e.code).field("message", &e.message);
        if let Some(s) = e.span {
            d.field("span", &s);
        }
        if let Some(l) = &e.label {
            d.field("label", l);
        }
        if let Some(p) = &e.pointer {
            d.field("pointer", p);
        }
        if let Some(h) = &e.help {
            d.field("help", h);
        }
        d.finish()
    }
}

impl std::error::Error for Error {}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let best = candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .min_by_key(|&(d, _)| d)?;
    let budget = (word.chars().count() / 3).max(1);
    (best.0 <= budget && best.0 > 0 || best.0 == 0 && best.1 != word).then_some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("operater", ["field", "operator", "value"]),
            Some("operator")
        );
        assert_eq!(
            did_you_mean("startswith", ["starts_with", "ends_with"]),
            Some("starts_with")
        );
        assert_eq!(did_you_mean("AND", ["AND", "OR"]), None);
        assert_eq!(did_you_mean("and", ["AND", "OR"]), Some("AND"));
        assert_eq!(did_you_mean("zzzzzz", ["AND", "OR"]), None);
    }

    #[test]
    fn caret_on_multibyte_line() {
        let e = Error::new(ErrorCode::ExpectedValue, "m").with_span(Span::new(7, 10), "here");
        assert_eq!(
            e.render("é = 1 and"),
            "error[E0103]: m\n  |\n1 | é = 1 and\n  |       ^^^ here"
        );
    }
}
